// The runner's worker: intake items -> flows -> each location's outbox (under its
// lease) -> GHL (the emulator, whose log and state are the referee).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../pkg/runner/store/index.js";
import { startWorker } from "../../pkg/runner/worker/index.js";
import { memoryRunnerStore } from "./runner-memory-store.mjs";
import { cleanups, killChild } from "../support/cleanup.mjs";
import { postgresSkipReason, startPostgres } from "../support/postgres.mjs";
import {
  emailOf,
  leadItem,
  referee,
  runnerEmulator,
  spawnWorker,
  windows,
} from "../support/runner-fixture.mjs";

const pgSkip = await postgresSkipReason();
if (pgSkip) console.log(`# SKIPPED: the worker tests on PostgreSQL: ${pgSkip}`);

async function until(f, what, tries = 3000) {
  for (let i = 0; i < tries; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`not reached: ${what}`);
}

async function embeddedStore() {
  const dir = await mkdtemp(join(tmpdir(), "ghlb-worker-"));
  const store = await openStore({ kind: "embedded", path: join(dir, "db") });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The emulator with one location (100 requests a second) and its connection `c`. */
async function oneLocation(t) {
  const own = cleanups(t);
  const { emu, connections } = await runnerEmulator(1, {
    rateLimit: { max: 100, intervalMs: 1000 },
  });
  own(() => emu.stop());
  return { own, emu, connections, c: connections[0] };
}

const pendingIntake = async (store) =>
  Object.values((await store.counts()).pendingIntake).reduce((a, b) => a + b, 0);
const pendingOutbox = async (store) =>
  Object.values((await store.counts()).outbox).reduce((a, b) => a + b.pending, 0);

test("worker: intake items are planned by the rules and delivered once each; a non-event is rejected", {
  timeout: 120_000,
}, async (t) => {
  const own = cleanups(t);
  const { emu, connections } = await runnerEmulator(2, {
    rateLimit: { max: 100, intervalMs: 1000 },
  });
  own(() => emu.stop());
  const { store, cleanup } = await embeddedStore();
  own(cleanup);
  own(() => store.close());
  const events = [];
  const worker = await startWorker({
    store,
    connections,
    tickMs: 20,
    onEvent: (e) => e.type !== "outbox" && events.push(e),
  });
  own(() => worker.stop());
  {
    const accepted = new Map();
    for (let k = 0; k < 20; k++) {
      const c = connections[k % 2];
      assert.equal(await store.accept(leadItem(k, c)), "accepted");
      accepted.set(emailOf(k), c.locationId);
    }
    await store.accept({
      source: "capture",
      dedupeKey: "not-an-event",
      connection: connections[0].name,
      body: { hello: "world" },
      receivedAt: Date.now(),
    });
    await until(async () => (await pendingIntake(store)) === 0, "intake drained");
    await until(async () => (await pendingOutbox(store)) === 0, "outboxes drained");
    const r = referee(emu, accepted);
    assert.equal(r.lost, 0);
    assert.equal(r.duplicated, 0);
    assert.equal(r.resent, 0, "no upsert answered twice");
    assert.equal(r.delivered, 20);
    const contact = Object.values(emu.state.locations[connections[1].locationId].contacts).find(
      (c) => c.email === emailOf(1),
    );
    assert.equal(contact.firstName, "Lead1", "the rules preset ran");
    assert.deepEqual(worker.held().sort(), connections.map((c) => c.locationId).sort());
    // The rejection is said once its dead letter is stored: the intake count can reach
    // 0 between the two.
    await until(async () => events.some((e) => e.type === "intakeRejected"), "the rejection said");
    const rejected = events.filter((e) => e.type === "intakeRejected");
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].code, "INVALID_ARGUMENT");
    assert.equal(worker.stats().rejected, 1);
    const [dead] = await store.deadIntake();
    assert.equal(dead.dedupeKey, "not-an-event", "kept, with its reason");
    assert.equal(dead.reason.code, "INVALID_ARGUMENT");
    assert.deepEqual(dead.body, { hello: "world" });
  }
});

test("worker: a crash between the outbox accept and completing the intake neither loses nor repeats", {
  timeout: 120_000,
}, async (t) => {
  const own = cleanups(t);
  const { emu, connections } = await runnerEmulator(1, {
    rateLimit: { max: 100, intervalMs: 1000 },
  });
  own(() => emu.stop());
  const { store: real, cleanup } = await embeddedStore();
  own(cleanup);
  own(() => real.close());
  // The first completion fails (as if the process died right after the accepts).
  let failNext = true;
  const store = Object.create(real);
  store.completeIntake = async (ids) => {
    if (failNext) {
      failNext = false;
      throw new Error("simulated crash before completing");
    }
    return real.completeIntake(ids);
  };
  const worker = await startWorker({ store, connections, tickMs: 20, claimLeaseMs: 200 });
  own(() => worker.stop());
  {
    const accepted = new Map();
    for (let k = 0; k < 5; k++) {
      await real.accept(leadItem(100 + k, connections[0]));
      accepted.set(emailOf(100 + k), connections[0].locationId);
    }
    await until(async () => (await pendingIntake(real)) === 0, "intake drained");
    await until(async () => (await pendingOutbox(real)) === 0, "outbox drained");
    const stats = worker.stats();
    assert.equal(stats.duplicates, 5, "the reclaimed items were known to the outbox");
    assert.equal(stats.queued, 5);
    const r = referee(emu, accepted);
    assert.deepEqual([r.lost, r.duplicated, r.resent, r.delivered], [0, 0, 0, 5]);
  }
});

test("worker: SIGKILLed mid-delivery and restarted (PostgreSQL): nothing lost, nothing sent twice", {
  skip: pgSkip ?? false,
  timeout: 180_000,
}, async (t) => {
  const own = cleanups(t);
  // One request on the wire at a time, each waiting 1,000 ms in the emulator before
  // it is handled: a kill 400 ms after an answer lands while the next request is on
  // the wire, not yet handled (and the answer before it is recorded).
  const { emu, connections } = await runnerEmulator(1, {
    rateLimit: { max: 100, intervalMs: 1000 },
    latencyMs: 1000,
    outboxConfig: { maxInFlightPerLocation: 1 },
  });
  own(() => emu.stop());
  const pg = await startPostgres();
  own(() => pg.stop());
  const store = await openStore({ kind: "postgres", url: pg.url });
  own(() => store.close());
  await store.migrate();
  const settings = {
    store: { kind: "postgres", url: pg.url, poolSize: 3 },
    connections,
    worker: { tickMs: 20, leaseMs: 500, claimLeaseMs: 500 },
  };
  let w = await spawnWorker(settings);
  own(() => killChild(w.child, w.exited));
  {
    const accepted = new Map();
    for (let k = 0; k < 6; k++) {
      const c = connections[0];
      await store.accept(leadItem(200 + k, c));
      accepted.set(emailOf(200 + k), c.locationId);
    }
    await until(() => emu.log.length >= 3, "delivery under way");
    await new Promise((r) => setTimeout(r, 400));
    const before = emu.log.length;
    const killedAt = Date.now();
    w.child.kill("SIGKILL");
    assert.equal((await w.exited).signal, "SIGKILL");
    assert.ok(before < 12, "killed before everything was delivered");
    w = await spawnWorker(settings);
    own(() => killChild(w.child, w.exited));
    await until(async () => (await pendingIntake(store)) === 0, "intake drained", 6000);
    await until(async () => (await pendingOutbox(store)) === 0, "outboxes drained", 6000);
    const r = referee(emu, accepted);
    if (process.env.DEBUG_KILL)
      console.log(
        "killed at",
        killedAt,
        emu.log.map((e) => [e.timeMs, e.operation, e.status, e.body?.email, e.durationMs]),
      );
    assert.equal(r.lost, 0, "every accepted event delivered");
    assert.equal(r.duplicated, 0, "one contact per event");
    assert.equal(r.resent, 0, "no upsert answered twice (the killed requests were never handled)");
    assert.equal(r.delivered, 6);
    const handled = emu.log.filter((e) => e.status >= 200 && e.status < 300);
    const seen = new Set();
    for (const e of handled) {
      const key = `${e.method} ${e.path} ${JSON.stringify(e.body)}`;
      assert.ok(!seen.has(key), `sent twice: ${key}`);
      seen.add(key);
    }
  }
});

test("worker: a location taken over mid-window goes on with its rate budget (never more than the limit per window)", async () => {
  // One location, two workers on one store. GHL's window is 4 requests per 2,000 ms.
  // Worker A sends the window's 4, then its lease renewals fail (a slow or cut-off
  // store): it stops sending to the location (it may have lost it) and B takes the
  // location after the lease expired, mid-window. B restores the location's outbox
  // with its rate budget (written with A's sends) and waits for GHL's window to close;
  // a fresh budget would send 4 more into it (the emulator answers 429).
  const limit = { max: 4, intervalMs: 2000 };
  const { emu, connections } = await runnerEmulator(1, {
    rateLimit: limit,
    outboxConfig: { burstMax: limit.max, burstIntervalMs: limit.intervalMs, windowMarginMs: 100 },
  });
  const { store: real, cleanup } = await embeddedStore();
  let cutOff = false;
  const storeA = Object.create(real);
  for (const method of ["acquireLease", "renewLeases"])
    storeA[method] = async (...args) => {
      if (cutOff) throw new Error("simulated: the store does not answer this worker");
      return real[method](...args);
    };
  const a = await startWorker({ store: storeA, connections, id: "A", tickMs: 20, leaseMs: 800 });
  let b;
  try {
    await until(() => a.held().length === 1, "A holds the location");
    b = await startWorker({ store: real, connections, id: "B", tickMs: 20, leaseMs: 800 });
    const accepted = new Map();
    for (let k = 0; k < 6; k++) {
      await real.accept(leadItem(300 + k, connections[0]));
      accepted.set(emailOf(300 + k), connections[0].locationId);
    }
    await until(() => emu.log.length >= limit.max, "A sent the window's requests");
    cutOff = true;
    await until(() => b.held().length === 1, "B took the location over");
    assert.deepEqual(a.held(), [], "A stopped sending to it");
    await until(async () => (await pendingIntake(real)) === 0, "intake drained");
    await until(async () => (await pendingOutbox(real)) === 0, "outbox drained", 6000);
    const w = windows(emu, limit);
    assert.equal(w.http429, 0, "no request met a full window");
    assert.ok(w.maxPerWindow <= limit.max, `${w.maxPerWindow} requests in one window`);
    const r = referee(emu, accepted);
    assert.deepEqual([r.lost, r.duplicated, r.delivered], [0, 0, 6]);
  } finally {
    await b?.stop();
    cutOff = false;
    await a.stop();
    await real.close();
    await cleanup();
    await emu.stop();
  }
});

test("worker: a token without locations/tags.write drops the tags the location lacks, said once per connection (warning, status), no token", {
  timeout: 120_000,
}, async (t) => {
  const { own, emu, connections, c } = await oneLocation(t);
  // Tag creation allowed by the settings, but the token lacks the scope.
  c.scopes = c.scopes.filter((s) => s !== "locations/tags.write");
  const { store, cleanup } = await embeddedStore();
  own(cleanup);
  own(() => store.close());
  const warnings = [];
  const worker = await startWorker({
    store,
    connections,
    tickMs: 20,
    onEvent: (e) => e.type === "warning" && warnings.push(e),
  });
  own(() => worker.stop());
  for (let k = 0; k < 3; k++) assert.equal(await store.accept(leadItem(k, c)), "accepted");
  // Each lead's contact stage (planned once the location's tags are read) has run once
  // its contact exists.
  const contactOf = (k) =>
    Object.values(emu.state.locations[c.locationId].contacts).find((x) => x.email === emailOf(k));
  await until(() => [0, 1, 2].every((k) => contactOf(k)), "the three leads delivered");
  await worker.idle();
  for (const k of [0, 1, 2])
    assert.ok(!contactOf(k).tags.includes("wishpond"), "the tag the location lacks was dropped");
  assert.equal(warnings.length, 1, "said once for the connection, not per lead");
  const [w] = warnings;
  assert.equal(w.code, "TAGS_DROPPED");
  assert.equal(w.connection, c.name);
  assert.equal(w.locationId, c.locationId);
  assert.match(w.message, /locations\/tags\.write/);
  assert.ok(w.tags.includes("wishpond"));
  assert.ok(!JSON.stringify(w).includes(c.token), "no token in the warning");
  const [status] = worker.stats().warnings;
  assert.equal(status.code, "TAGS_DROPPED");
  assert.equal(status.plans, 3, "the status counts every plan that dropped tags");
  assert.ok(status.tags.includes("wishpond"));
});

test("worker: outbox writes failing during a claim planned in slices: no unhandled rejection, the tick fails, then everything is delivered once", {
  timeout: 120_000,
}, async (t) => {
  const { own, emu, connections, c } = await oneLocation(t);
  const store = memoryRunnerStore();
  // The location's outbox writes fail (the database restarting) until `healed`.
  let healed = false;
  const storageOf = store.outboxStorage.bind(store);
  store.outboxStorage = (location) => {
    const real = storageOf(location);
    return {
      ...real,
      async apply(ops) {
        if (!healed) {
          await new Promise((r) => setImmediate(r));
          throw Object.assign(new Error("the database is restarting (test)"), {
            code: "STORE_UNAVAILABLE",
          });
        }
        return real.apply(ops);
      },
    };
  };
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  own(() => process.off("unhandledRejection", onUnhandled));
  const accepted = new Map();
  for (let k = 0; k < 30; k++) {
    assert.equal(await store.accept(leadItem(k, c)), "accepted");
    accepted.set(emailOf(k), c.locationId);
  }
  const events = [];
  const worker = await startWorker({
    store,
    connections,
    tickMs: 20,
    claimLeaseMs: 200,
    onEvent: (e) => e.type === "tickFailed" && events.push(e),
  });
  own(() => worker.stop());
  await until(() => events.length > 0, "a tick failed on the outbox writes");
  healed = true;
  await until(() => referee(emu, accepted).delivered === 30, "all delivered once healed");
  await worker.idle();
  const r = referee(emu, accepted);
  assert.equal(r.lost, 0);
  assert.equal(r.duplicated, 0);
  assert.deepEqual(unhandled, [], "no rejection was left unhandled");
});
