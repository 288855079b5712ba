// Intake benchmark: durable acknowledgements per second of the runner store's
// `accept()`, as the intake endpoints call it, embedded (PGlite in a temporary folder)
// and PostgreSQL (a throwaway cluster, fsync on). `CONCURRENCY` senders each await one
// accept at a time (a webhook request waits for its acknowledgement), for `EVENTS`
// events in all; accepts arriving together share a commit (group commit).
// Prints `intake: store=KIND events/s=.. p50_ms=.. p99_ms=.. commits=..`
// (goal: >= 1,000 events/s with p99 <= 50 ms).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../pkg/runner/store/index.js";
import { startPostgres } from "../../tests/support/postgres.mjs";

const EVENTS = Number(process.env.INTAKE_EVENTS ?? 10_000);
const CONCURRENCY = Number(process.env.INTAKE_CONCURRENCY ?? 50);
const body = {
  event: "page.accepted",
  idempotencyKey: "x",
  page: { id: "p", name: "Proposal", metadata: { email: "ada@example.com" } },
  padding: "x".repeat(600),
};

async function measure(kind, store) {
  let next = 0;
  const lat = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, s) => {
      while (next < EVENTS) {
        const i = next++;
        const t = performance.now();
        const r = await store.accept({
          source: "qwilr",
          dedupeKey: `evt-${i}`,
          connection: `loc-${s % 50}`,
          body,
          receivedAt: Date.now(),
        });
        lat.push(performance.now() - t);
        if (r !== "accepted") throw new Error(`event ${i}: ${r}`);
      }
    }),
  );
  const secs = (performance.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
  const rate = Math.round(EVENTS / secs);
  console.log(
    `intake: store=${kind} events/s=${rate} p50_ms=${q(0.5)} p99_ms=${q(0.99)} events=${EVENTS} concurrency=${CONCURRENCY}`,
  );
  return { rate, p99: Number(q(0.99)) };
}

const only = process.argv[2];
const results = [];
if (!only || only === "embedded") {
  const dir = await mkdtemp(join(tmpdir(), "ghlb-intake-"));
  const store = await openStore({ kind: "embedded", path: join(dir, "db") });
  try {
    results.push(await measure("embedded", store));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
if (!only || only === "postgres") {
  const pg = await startPostgres();
  if (!pg) console.log("intake: store=postgres SKIPPED (initdb not installed)");
  else {
    const store = await openStore({ kind: "postgres", url: pg.url });
    try {
      await store.migrate();
      results.push(await measure("postgres", store));
    } finally {
      await store.close();
      await pg.stop();
    }
  }
}
const missed = results.filter((r) => r.rate < 1000 || r.p99 > 50);
if (missed.length > 0) {
  console.log("intake: below the goal (>= 1,000 events/s, p99 <= 50 ms)");
  process.exitCode = 1;
}
