// Intake benchmark over HTTP: durable acknowledgements per second of `ghl-bridge serve`'s
// `POST /hooks/qwilr/:secret` (secret compared in constant time, the core's checks, then
// `store.accept()` before the 200), measured by a load process on loopback
// (http-load.mjs: keep-alive senders that each wait for their acknowledgement), embedded
// (PGlite in a temporary folder) and PostgreSQL (a throwaway cluster, fsync on).
// Prints `intake: store=KIND events/s=.. p50_ms=.. p99_ms=.. over=http ...`
// (goal: >= 1,000 events/s with p99 <= 50 ms; below it the run exits non-zero).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  createLogger,
  createTokenManager,
  createVault,
  parseConfig,
  startServer,
} from "../../pkg/runner/index.js";
import { openStore } from "../../pkg/runner/store/index.js";
import { startPostgres } from "../../tests/support/postgres.mjs";

const EVENTS = Number(process.env.INTAKE_EVENTS ?? 5_000);
const CONCURRENCY = Number(process.env.INTAKE_CONCURRENCY ?? 50);
const run = promisify(execFile);

async function measure(kind, store) {
  const secret = randomBytes(16).toString("hex");
  const doc = {
    server: { host: "127.0.0.1", port: 0 },
    vault: { key: { env: "K" } },
    connections: { demo: { locationId: "demoLocation00000001", auth: { pit: { env: "P" } } } },
    sources: { qwilr: { main: { connection: "demo", secret: { env: "S" }, token: { env: "P" } } } },
  };
  const env = { K: randomBytes(32).toString("hex"), P: "pit-bench-token-000", S: secret };
  const config = parseConfig(JSON.stringify(doc), "bench.json", env);
  const log = createLogger({ level: "error" });
  const tokens = createTokenManager({
    config,
    store,
    vault: createVault(Buffer.from(env.K, "hex")),
    log,
  });
  const server = await startServer({ config, store, tokens, log });
  try {
    const load = new URL("./http-load.mjs", import.meta.url).pathname;
    const { stdout } = await run(
      process.execPath,
      [load, `${server.url}/hooks/qwilr/${secret}`, String(EVENTS), String(CONCURRENCY)],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const { secs, lat, errors } = JSON.parse(stdout);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
    const rate = Math.round(EVENTS / secs);
    console.log(
      `intake: store=${kind} events/s=${rate} p50_ms=${q(0.5)} p99_ms=${q(0.99)} over=http events=${EVENTS} concurrency=${CONCURRENCY} errors=${errors}`,
    );
    return { rate, p99: Number(q(0.99)), errors };
  } finally {
    await server.close(); // closes the store too
  }
}

const only = process.argv[2];
const results = [];
if (!only || only === "embedded") {
  const dir = await mkdtemp(join(tmpdir(), "ghlb-http-intake-"));
  try {
    results.push(
      await measure("embedded", await openStore({ kind: "embedded", path: join(dir, "db") })),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
if (!only || only === "postgres") {
  const pg = await startPostgres();
  if (!pg) console.log("intake: store=postgres over=http SKIPPED (initdb not installed)");
  else {
    try {
      const store = await openStore({ kind: "postgres", url: pg.url });
      await store.migrate();
      results.push(await measure("postgres", store));
    } finally {
      await pg.stop();
    }
  }
}
if (results.some((r) => r.errors > 0 || r.rate < 1000 || r.p99 > 50)) {
  console.log("intake over http: below the goal (>= 1,000 events/s, p99 <= 50 ms, no errors)");
  process.exitCode = 1;
}
