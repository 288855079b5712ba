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

/** Open loop: `RATE` events per second offered for `secs` seconds, whatever the answers. */
async function atRate(kind, store, rate, secs) {
  const lat = [];
  const pending = [];
  const started = performance.now();
  let sent = 0;
  while (sent < rate * secs) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < Math.min(due, rate * secs); sent++) {
      const t = performance.now();
      const i = sent;
      pending.push(
        store
          .accept({
            source: "ghl",
            dedupeKey: `rate-${i}`,
            connection: `loc-${i % 50}`,
            body,
            receivedAt: Date.now(),
          })
          .then(() => lat.push(performance.now() - t)),
      );
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
  const done = Math.round(lat.length / elapsed);
  console.log(
    `intake: store=${kind} events/s=${done} p50_ms=${q(0.5)} p99_ms=${q(0.99)} offered=${rate}/s for ${secs} s`,
  );
  return { rate: done, offered: rate, p99: Number(q(0.99)) };
}

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
    `intake: store=${kind} saturated events/s=${rate} p50_ms=${q(0.5)} p99_ms=${q(0.99)} events=${EVENTS} concurrency=${CONCURRENCY}`,
  );
  // The goal is judged at the offered rate (1,000 events/s), not at saturation.
  return atRate(kind, store, Number(process.env.INTAKE_RATE ?? 1000), 10);
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
// Served at the offered rate (the drain at the end counts in the time) and p99 <= 50 ms.
const missed = results.filter((r) => r.offered < 1000 || r.rate < 0.98 * r.offered || r.p99 > 50);
if (missed.length > 0) {
  console.log("intake: below the goal (>= 1,000 events/s, p99 <= 50 ms)");
  process.exitCode = 2; // a missed goal (the benches' convention; 1 is a broken invariant)
}
