// Shared set-up of the runner tests (not a test file): a config document built the way
// a user writes one (secrets by environment variable), parsed by the runner's own
// loader, and a logger whose lines the tests read back.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../js/emulator/index.mjs";
import { createLogger, parseConfig } from "../../pkg/runner/index.js";

export const VAULT_KEY = randomBytes(32).toString("hex");

/** A config document and its environment; `patch(doc)` edits the document. */
export function runnerConfig({ emu, patch, env: extraEnv = {} } = {}) {
  const qwilrSecret = randomBytes(16).toString("hex");
  const doc = {
    server: { host: "127.0.0.1", port: 0, bodyLimitBytes: 65536, requestTimeoutMs: 5000 },
    vault: { key: { env: "TEST_VAULT_KEY" } },
    ghl: {
      baseUrl: emu?.url ?? "http://127.0.0.1:9",
      authorizeUrl: `${emu?.url ?? "http://127.0.0.1:9"}/oauth/chooselocation`,
      ...(emu ? { webhookKeys: emu.webhooks.publicKeys } : {}),
    },
    connections: {
      demo: {
        locationId: "demoLocation00000001",
        auth: { pit: { env: "TEST_PIT" } },
        scopes: ["contacts.write", "contacts.readonly"],
      },
    },
    sources: {
      qwilr: {
        main: {
          connection: "demo",
          secret: { env: "TEST_QWILR_SECRET" },
          token: { env: "TEST_QWILR_TOKEN" },
        },
      },
      capture: {
        sites: { "site-1": { connection: "demo", allowedOrigins: ["https://pages.example.com"] } },
      },
    },
  };
  patch?.(doc);
  const env = {
    TEST_VAULT_KEY: VAULT_KEY,
    TEST_PIT: "pit-emulator-demo-all-scopes",
    TEST_QWILR_SECRET: qwilrSecret,
    TEST_QWILR_TOKEN: "qwilr-token-for-tests-0001",
    ...extraEnv,
  };
  const config = parseConfig(JSON.stringify(doc), "test.config.json", env);
  return { doc, env, config, qwilrSecret };
}

/** A logger that keeps its lines. */
export function capturedLogger() {
  const lines = [];
  const log = createLogger({ level: "debug", sink: (l) => lines.push(l) });
  return { log, lines, text: () => lines.join("\n") };
}

/** Gives the emulator's location `loc` the location tags `names` (the runner creates none). */
export function locationTags(emu, loc, names) {
  for (const name of names)
    emu.state.locations[loc].locationTags.push({
      id: randomBytes(10).toString("hex"),
      name,
      locationId: loc,
    });
}

/** `ghl` rules for GHL's own tag changes: a contact tagged `vip` also gets `priority`. */
export const VIP_RULES = {
  version: 1,
  name: "VIPs get priority",
  mappings: [],
  tagRules: [{ id: "vip-priority", when: { path: "added", contains: "vip" }, add: ["priority"] }],
};

/** The whole runner (HTTP, worker, schedules) on the embedded store in `dir`. */
export async function startTestRunner(made, dir, log) {
  const { openStore } = await import("../../pkg/runner/store/index.js");
  const { runnerWorker, startRunner } = await import("../../pkg/runner/index.js");
  const store = await openStore({ kind: "embedded", path: join(dir, "store") });
  const runner = await startRunner({ config: made.config, store, log, startWorker: runnerWorker });
  return { store, runner };
}

/**
 * The GHL emulator and the whole runner on it (embedded store in a temporary folder):
 * `tags` gives locations their location tags, `config` goes to `runnerConfig`. `stop()`
 * stops the runner and the emulator and removes the folder.
 */
export async function startEmulatedRunner({ prefix = "ghlb-runner-", tags = {}, config } = {}) {
  const emu = await startEmulator();
  for (const [loc, names] of Object.entries(tags)) locationTags(emu, loc, names);
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const made = runnerConfig({ emu, ...config });
  const logs = capturedLogger();
  const { store, runner } = await startTestRunner(made, dir, logs.log);
  return {
    emu,
    dir,
    made,
    logs,
    store,
    runner,
    async stop() {
      await runner.stop().catch(() => {});
      await emu.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in to the runner's console at `url` with `password`: `call(method, ...args)` for `connection`. */
export async function consoleSession(url, password, connection = "demo") {
  const r = await fetch(`${url}/console/api/session/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-ghl-bridge-console": "1" },
    body: JSON.stringify({ password }),
  });
  const cookie = r.headers.get("set-cookie").split(";")[0];
  return async function call(method, ...args) {
    const res = await fetch(`${url}/console/api/call/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-ghl-bridge-console": "1", cookie },
      body: JSON.stringify({ connection, args }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
}

/** A Wishpond page lead as the console hands it over (`deliver`) or the worker samples it. */
export function pageLead(id, email, leadId = "7") {
  return {
    type: "wishpond.lead.created",
    id,
    payload: {
      type: "wishpond.lead.created",
      id,
      arrived: "page",
      lead: { id: leadId, email, dynamic_attributes: { first_name: "Ada" } },
      page: { url: "https://example.wishpond.com/x", title: "X" },
    },
  };
}
