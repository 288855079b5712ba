// `ghl-bridge serve` end to end: the CLI started on a config file with the real embedded
// store (in a temporary folder) and secrets from the environment; a signed GHL webhook
// and a Qwilr webhook and a page capture acknowledged over HTTP; JSON log lines with no secret in them;
// SIGTERM stops it gracefully (exit 0). And, in process, a graceful shutdown lets the
// request in flight finish while new ones are refused.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startEmulator } from "../../js/emulator/index.mjs";
import {
  createTokenManager,
  createVault,
  parseVaultKey,
  startServer,
} from "../../pkg/runner/index.js";
import { capturedLogger, runnerConfig } from "./runner-fixtures.mjs";
import { memoryRunnerStore } from "./runner-memory-store.mjs";
import { cleanups } from "../support/cleanup.mjs";
import { serveCli } from "../support/serve-cli.mjs";

test("the CLI serves with the embedded store, acknowledges durably, logs JSON without secrets, stops on SIGTERM", {
  timeout: 120_000,
}, async (t) => {
  const own = cleanups(t);
  const emu = await startEmulator();
  own(() => emu.stop());
  const dir = mkdtempSync(join(tmpdir(), "ghl-bridge-serve-test-"));
  own(() => rmSync(dir, { recursive: true, force: true }));
  {
    const { doc, env, qwilrSecret } = runnerConfig({ emu });
    doc.store = { kind: "embedded", path: "store" };
    doc.connections.demo.scopes = [
      "contacts.write",
      "contacts.readonly",
      "locations/tags.readonly",
    ];
    const file = join(dir, "ghl-bridge.config.json");
    writeFileSync(file, JSON.stringify(doc));
    const cli = await serveCli(own, file, env);
    const url = cli.url;
    const d = emu.webhooks.build(
      "ContactCreate",
      { id: "c-cli", email: "cli@example.com" },
      { locationId: "demoLocation00000001" },
    );
    let res = await fetch(`${url}/hooks/ghl`, { method: "POST", headers: d.headers, body: d.body });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { outcome: "accepted" });
    res = await fetch(`${url}/hooks/qwilr/${qwilrSecret}`, {
      method: "POST",
      body: JSON.stringify({
        event: "pageViewed",
        idempotencyKey: "e".repeat(64),
        page: { id: "f".repeat(24) },
      }),
    });
    assert.equal(res.status, 200);
    // A page capture is acknowledged (its delivery by the worker is the worker's tests').
    res = await fetch(`${url}/capture/site-1`, {
      method: "POST",
      headers: { origin: "https://pages.example.com", "content-type": "text/plain" },
      body: JSON.stringify({
        v: 1,
        siteKey: "site-1",
        id: "sub-e2e",
        fields: [{ name: "email", label: "Email", value: "e2e@example.com" }],
        page: { url: "https://pages.example.com/x", referrer: "", title: "X" },
        utm: { utm_source: "newsletter" },
      }),
    });
    assert.equal(res.status, 202);
    res = await fetch(`${url}/metrics`);
    assert.match(await res.text(), /ghl_bridge_intake_accepted_total\{source="capture"\} 1/);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);

    const code = await cli.stop();
    const out = cli.out();
    const err = cli.err();
    assert.equal(code, 0, err);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.msg === "stopped"));
    for (const v of Object.values(env))
      assert.ok(!out.includes(v) && !err.includes(v), "a secret was printed");
  }
});

test("graceful shutdown: the request in flight finishes (200, stored), new ones are refused, the store closes", {
  timeout: 60_000,
}, async (t) => {
  const own = cleanups(t);
  const made = runnerConfig();
  const store = memoryRunnerStore();
  let release;
  let entered;
  const held = new Promise((r) => {
    release = r;
  });
  const inAccept = new Promise((r) => {
    entered = r;
  });
  const accept = store.accept;
  store.accept = async (item) => {
    entered();
    await held;
    return accept(item);
  };
  const { log } = capturedLogger();
  const tokens = createTokenManager({
    config: made.config,
    store,
    vault: createVault(parseVaultKey(made.env.TEST_VAULT_KEY, "k")),
    log,
  });
  let stopped = false;
  const server = await startServer({
    config: made.config,
    store,
    tokens,
    log,
    services: [
      {
        stop: async () => {
          stopped = true;
        },
      },
    ],
  });
  const body = JSON.stringify({
    event: "pageViewed",
    idempotencyKey: "9".repeat(64),
    page: { id: "8".repeat(24) },
  });
  own(async () => {
    release();
    await server.close();
  });
  const inflight = fetch(`${server.url}/hooks/qwilr/${made.qwilrSecret}`, { method: "POST", body });
  await inAccept; // the request is in flight, inside store.accept()
  const closing = server.close();
  const refused = await fetch(`${server.url}/healthz`).then(
    (r) => r.status,
    () => "refused",
  );
  assert.ok(refused === "refused" || refused === 503, `new request: ${refused}`);
  release();
  const res = await inflight;
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { outcome: "accepted" });
  await closing;
  assert.equal(store.intake.size, 1);
  assert.ok(stopped, "services stopped");
  assert.ok(store.closed, "store closed");
});
