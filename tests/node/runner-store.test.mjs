// The runner store's conformance suite: the same tests against both stores, the
// embedded one (PGlite in a temporary folder) and PostgreSQL (a throwaway cluster from
// tests/support/postgres.mjs; skipped with a message only where initdb is not
// installed, never in CI).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../pkg/runner/store/index.js";
import { MIGRATIONS } from "../../pkg/runner/store/migrations.js";
import { GhlBridgeError } from "../../pkg/entries/node.js";
import { postgresSkipReason, startPostgres } from "../support/postgres.mjs";

const pgSkip = await postgresSkipReason();
if (pgSkip) console.log(`# SKIPPED: the PostgreSQL half of the store tests: ${pgSkip}`);

let n = 0;
const item = (over = {}) => ({
  source: "qwilr",
  dedupeKey: `key-${++n}`,
  connection: "loc-a",
  body: { n, text: "héllo \u0000 null byte is escaped by JSON" },
  receivedAt: 1_700_000_000_000 + n,
  ...over,
});
const isCode = (code) => (e) => e instanceof GhlBridgeError && e.code === code;

/** Polls `f` until it returns a truthy value (bounded; no timing asserted). */
async function eventually(f, tries = 400) {
  for (let i = 0; i < tries; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not reached");
}

/** The suite, for one way of opening a fresh store. */
function conformance(kind, setup) {
  describe(`runner store: ${kind}`, {
    skip: kind === "postgres" ? (pgSkip ?? false) : false,
  }, () => {
    let env;
    let store;
    before(async () => {
      env = await setup();
      store = await env.open();
    });
    after(async () => {
      await store?.close();
      await env?.cleanup();
    });

    test("migrations are versioned: applied once, then nothing is pending", {
      timeout: 120_000,
    }, async () => {
      assert.deepEqual(await store.migrate(), []);
      assert.deepEqual(await store.pendingMigrations(), []);
      await store.ping();
      assert.equal(store.kind, kind);
    });

    test("accept: durable, unique by (source, dedupeKey), repeats in one batch are duplicates", {
      timeout: 120_000,
    }, async () => {
      const a = item();
      assert.equal(await store.accept(a), "accepted");
      assert.equal(await store.accept({ ...a, body: { other: true } }), "duplicate");
      assert.equal(await store.accept({ ...a, source: "ghl" }), "accepted", "another source");
      // One event-loop turn: one transaction; the second of a key in it is a duplicate.
      const b = item();
      const results = await Promise.all([store.accept(b), store.accept(b), store.accept(item())]);
      assert.deepEqual(results, ["accepted", "duplicate", "accepted"]);
    });

    test("accept: batches written at once (pipelined) still store each key once, in any order", {
      timeout: 120_000,
    }, async () => {
      // Many event-loop turns of accepts while earlier batches are being written: the
      // keys repeat across batches in opposite orders; each is accepted exactly once.
      const keys = Array.from({ length: 40 }, () => item());
      const pending = [];
      for (let turn = 0; turn < 8; turn++) {
        const order = turn % 2 === 0 ? keys : [...keys].reverse();
        for (const k of order.slice(0, 10 + turn * 4)) pending.push(store.accept(k));
        await new Promise((r) => setImmediate(r));
      }
      const results = await Promise.all(pending);
      const accepted = results.filter((r) => r === "accepted").length;
      assert.equal(accepted, keys.length, "one accepted per key");
      assert.equal(results.length - accepted, results.filter((r) => r === "duplicate").length);
      const claimed = await store.claimIntake("w-pipe", 1000, 60_000);
      const mine = claimed.filter((c) => keys.some((k) => k.dedupeKey === c.dedupeKey));
      assert.equal(mine.length, keys.length, "each key stored once");
      await store.completeIntake(claimed.map((c) => c.id));
    });

    test("accept refuses bad items with INVALID_ARGUMENT before anything is stored", {
      timeout: 120_000,
    }, async () => {
      await assert.rejects(store.accept(item({ source: "nope" })), isCode("INVALID_ARGUMENT"));
      await assert.rejects(store.accept(item({ dedupeKey: "" })), isCode("INVALID_ARGUMENT"));
      await assert.rejects(store.accept(item({ body: undefined })), isCode("INVALID_ARGUMENT"));
      await assert.rejects(store.accept(item({ receivedAt: -1 })), isCode("INVALID_ARGUMENT"));
    });

    test("claims: oldest first, disjoint between workers, filtered by connection, completed items gone", {
      timeout: 120_000,
    }, async () => {
      await drain(store);
      const items = [];
      for (let i = 0; i < 30; i++)
        items.push(item({ connection: i % 3 === 0 ? "loc-b" : "loc-a" }));
      for (const it of items) await store.accept(it);
      const [w1, w2] = await Promise.all([
        store.claimIntake("w1", 10, 60_000),
        store.claimIntake("w2", 10, 60_000),
      ]);
      const ids1 = new Set(w1.map((c) => c.id));
      assert.equal(w1.length + w2.length, 20);
      assert.ok(
        w2.every((c) => !ids1.has(c.id)),
        "no item claimed twice",
      );
      for (const batch of [w1, w2]) {
        const ids = batch.map((c) => Number(c.id));
        assert.deepEqual(
          ids,
          [...ids].sort((x, y) => x - y),
          "oldest first",
        );
      }
      const first = [...w1, ...w2].find((c) => c.dedupeKey === items[0].dedupeKey);
      assert.ok(first, "the oldest item is claimed first");
      assert.deepEqual(first.body, items[0].body);
      assert.equal(first.attempts, 0);
      assert.equal(first.receivedAt, items[0].receivedAt);
      const onlyB = await store.claimIntake("w3", 100, 60_000, { connections: ["loc-b"] });
      assert.ok(onlyB.every((c) => c.connection === "loc-b"));
      const rest = await store.claimIntake("w3", 100, 60_000);
      assert.equal(w1.length + w2.length + onlyB.length + rest.length, 30);
      await store.completeIntake([...w1, ...w2, ...onlyB, ...rest].map((c) => c.id));
      assert.deepEqual(await store.claimIntake("w1", 100, 1), []);
      assert.equal(await store.accept(items[0]), "duplicate", "a completed item still dedupes");
    });

    test("an expired claim is claimed again by another worker, with its attempts", {
      timeout: 120_000,
    }, async () => {
      await drain(store);
      const it = item();
      await store.accept(it);
      const [c] = await store.claimIntake("dies", 1, 1);
      assert.equal(c.dedupeKey, it.dedupeKey);
      const again = await eventually(async () => (await store.claimIntake("heir", 1, 60_000))[0]);
      assert.equal(again.id, c.id);
      assert.equal(again.attempts, 1);
      await store.completeIntake([again.id]);
    });

    test("outbox storage: atomic batches, later ops on a key win, one location does not see another's", {
      timeout: 120_000,
    }, async () => {
      const a = store.outboxStorage("loc-out-a");
      const b = store.outboxStorage("loc-out-b");
      await a.apply([
        { op: "put", key: "r1", record: { state: { kind: "pending" }, n: 1 } },
        { op: "put", key: "r2", record: { state: { kind: "dead" }, n: 2 } },
        { op: "put", key: "budget", record: { used: 7 } },
      ]);
      await a.apply([
        { op: "put", key: "r3", record: { n: 3 } },
        { op: "delete", key: "r3" },
        { op: "put", key: "r1", record: { state: { kind: "pending" }, n: 11 } },
      ]);
      await b.apply([{ op: "put", key: "r1", record: { n: "b" } }]);
      const loaded = Object.fromEntries((await a.load()).map((r) => [r.key, r.record]));
      assert.deepEqual(loaded, {
        budget: { used: 7 },
        r1: { state: { kind: "pending" }, n: 11 },
        r2: { state: { kind: "dead" }, n: 2 },
      });
      assert.deepEqual(await b.load(), [{ key: "r1", record: { n: "b" } }]);
      // A batch with a record that cannot be stored changes nothing.
      await assert.rejects(
        a.apply([
          { op: "delete", key: "r2" },
          { op: "put", key: "bad", record: { big: 1n } },
        ]),
      );
      assert.equal((await a.load()).length, 3, "the failed batch left no trace");
      const counts = await store.counts();
      assert.deepEqual(counts.outbox["loc-out-a"], { pending: 1, dead: 1 });
      await a.close(); // closing one outbox's storage leaves the store open
      await store.ping();
    });

    test("leases: one holder at a time, renewed by its holder, released, taken over after expiry", {
      timeout: 120_000,
    }, async () => {
      assert.equal(await store.acquireLease("location:x", "w1", 60_000), true);
      assert.equal(await store.acquireLease("location:x", "w2", 60_000), false);
      assert.equal(await store.acquireLease("location:x", "w1", 60_000), true, "renewed");
      assert.equal(await store.leaseHolder("location:x"), "w1");
      await store.releaseLease("location:x", "w2"); // not the holder: no-op
      assert.equal(await store.acquireLease("location:x", "w2", 60_000), false);
      await store.releaseLease("location:x", "w1");
      assert.equal(await store.acquireLease("location:x", "w2", 1), true);
      assert.equal(
        await eventually(() => store.acquireLease("location:x", "w3", 60_000)),
        true,
        "expired: taken over",
      );
      // Concurrent takers of a free lease: exactly one wins.
      const wins = await Promise.all(
        ["a", "b", "c", "d"].map((h) => store.acquireLease("location:race", h, 60_000)),
      );
      assert.equal(wins.filter(Boolean).length, 1);
    });

    test("values: JSON in, JSON out, overwritten", { timeout: 120_000 }, async () => {
      assert.equal(await store.getValue("cursor:wishpond"), undefined);
      await store.setValue("cursor:wishpond", { after: "2026-01-01", ids: [1, 2] });
      await store.setValue("cursor:wishpond", { after: "2026-02-01", ids: [3] });
      assert.deepEqual(await store.getValue("cursor:wishpond"), { after: "2026-02-01", ids: [3] });
      await store.setValue("flag", false);
      assert.equal(await store.getValue("flag"), false);
      await assert.rejects(store.setValue("x", undefined), isCode("INVALID_ARGUMENT"));
    });

    test("secrets: compare-and-set on the version; of concurrent writers exactly one wins", {
      timeout: 120_000,
    }, async () => {
      assert.equal(await store.getSecret("oauth:c1"), undefined);
      assert.equal(await store.casSecret("oauth:c1", 0, "cipher-1"), true);
      assert.equal(await store.casSecret("oauth:c1", 0, "cipher-x"), false, "exists already");
      assert.deepEqual(await store.getSecret("oauth:c1"), { value: "cipher-1", version: 1 });
      const wins = await Promise.all(
        ["r1", "r2", "r3"].map((v) => store.casSecret("oauth:c1", 1, `cipher-${v}`)),
      );
      assert.equal(wins.filter(Boolean).length, 1);
      const now = await store.getSecret("oauth:c1");
      assert.equal(now.version, 2);
      assert.equal(await store.casSecret("oauth:c1", 1, "stale"), false);
      await store.deleteSecret("oauth:c1");
      assert.equal(await store.getSecret("oauth:c1"), undefined);
    });

    test("claimPeriod: exactly once per (schedule, period) across holders", {
      timeout: 120_000,
    }, async () => {
      const wins = await Promise.all(
        ["w1", "w2", "w3", "w4"].map((h) => store.claimPeriod("weekly-report:c1", "2026-W48", h)),
      );
      assert.equal(wins.filter(Boolean).length, 1);
      assert.equal(await store.claimPeriod("weekly-report:c1", "2026-W48", "w1"), false);
      assert.equal(await store.claimPeriod("weekly-report:c1", "2026-W49", "w2"), true);
    });

    test("counts: pending intake per connection", { timeout: 120_000 }, async () => {
      await drain(store);
      await store.accept(item({ connection: "count-a" }));
      await store.accept(item({ connection: "count-a" }));
      await store.accept(item({ connection: "count-b" }));
      const counts = await store.counts();
      assert.equal(counts.pendingIntake["count-a"], 2);
      assert.equal(counts.pendingIntake["count-b"], 1);
      await drain(store);
      assert.deepEqual({ ...(await store.counts()).pendingIntake }, {});
    });

    test("what was acknowledged survives closing and reopening", { timeout: 120_000 }, async () => {
      const it = item({ connection: "reopen" });
      assert.equal(await store.accept(it), "accepted");
      await store.outboxStorage("reopen").apply([{ op: "put", key: "k", record: { v: 1 } }]);
      await store.close();
      store = await env.open();
      assert.equal(await store.accept(it), "duplicate");
      const [c] = await store.claimIntake("w", 10, 60_000, { connections: ["reopen"] });
      assert.equal(c.dedupeKey, it.dedupeKey);
      assert.deepEqual(await store.outboxStorage("reopen").load(), [
        { key: "k", record: { v: 1 } },
      ]);
    });

    test("a closed store answers STORE_CLOSED", { timeout: 120_000 }, async () => {
      const other = await env.open(true);
      await other.close();
      await assert.rejects(other.accept(item()), isCode("STORE_CLOSED"));
      await assert.rejects(other.ping(), isCode("STORE_CLOSED"));
    });
  });
}

async function drain(store) {
  for (;;) {
    const c = await store.claimIntake("drain", 1000, 60_000);
    if (c.length === 0) return;
    await store.completeIntake(c.map((x) => x.id));
  }
}

conformance("embedded", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ghlb-store-"));
  let k = 0;
  return {
    // The embedded store is one process's: a second handle uses another folder.
    open: (second) => openStore({ kind: "embedded", path: join(dir, second ? `db${++k}` : "db") }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

conformance("postgres", async () => {
  const pg = await startPostgres();
  const first = await openStore({ kind: "postgres", url: pg.url });
  await assert.rejects(first.claimIntake("w", 1, 1000), isCode("STORE_NOT_MIGRATED"));
  const names = MIGRATIONS.map((m) => m.name);
  assert.equal(names[0], "001_runner_store");
  assert.deepEqual(await first.migrate(), names, "every migration, in order");
  assert.deepEqual(await first.migrate(), [], "applied once");
  await first.close();
  return {
    open: () => openStore({ kind: "postgres", url: pg.url, poolSize: 4 }),
    cleanup: () => pg.stop(),
  };
});

describe("runner store: failures are typed and acknowledge nothing", () => {
  test("embedded: a second opener of the same folder is refused while the first is open", {
    timeout: 120_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "ghlb-store-"));
    const a = await openStore({ kind: "embedded", path: join(dir, "db") });
    try {
      await assert.rejects(
        openStore({ kind: "embedded", path: join(dir, "db") }),
        (e) => isCode("STORE_UNAVAILABLE")(e) && /in use by process/.test(e.message),
      );
    } finally {
      await a.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("postgres: an unreachable database is STORE_UNAVAILABLE, the url's password not shown", {
    timeout: 120_000,
  }, async () => {
    const store = await openStore({
      kind: "postgres",
      url: "postgresql://u:sekrit-pass@127.0.0.1:1/db",
    });
    try {
      await assert.rejects(store.ping(), isCode("STORE_UNAVAILABLE"));
      const err = await store.accept(item()).then(
        () => assert.fail("acknowledged without a database"),
        (e) => e,
      );
      assert.ok(isCode("STORE_UNAVAILABLE")(err), String(err));
      assert.match(err.message, /nothing was acknowledged/);
      assert.ok(!JSON.stringify(err.toJSON()).includes("sekrit-pass"));
    } finally {
      await store.close();
    }
  });

  test("postgres: the server going away mid-run rejects accepts, then they work again", {
    skip: pgSkip ?? false,
    timeout: 120_000,
  }, async () => {
    const pg = await startPostgres();
    const store = await openStore({ kind: "postgres", url: pg.url, poolSize: 2 });
    try {
      await store.migrate();
      assert.equal(await store.accept(item()), "accepted");
      await pg.halt();
      await assert.rejects(store.accept(item()), isCode("STORE_UNAVAILABLE"));
      await pg.start();
      const it = item();
      assert.equal(await eventually(() => store.accept(it).catch(() => false)), "accepted");
    } finally {
      await store.close();
      await pg.stop();
    }
  });

  test("embedded: a full disk is STORE_FULL, nothing acknowledged; freed space, accepts work again", {
    timeout: 120_000,
  }, async (t) => {
    // A small tmpfs holds the data folder (root only: CI runs as root).
    const dir = await mkdtemp(join(tmpdir(), "ghlb-full-"));
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=96m", "tmpfs", dir], { stdio: "ignore" });
    } catch {
      await rm(dir, { recursive: true, force: true });
      if (process.env.CI === "true")
        throw new Error("CI=true: cannot mount a tmpfs for the full-disk test");
      t.skip("cannot mount a tmpfs here (needs root)");
      return;
    }
    try {
      const store = await openStore({ kind: "embedded", path: join(dir, "db") });
      assert.equal(await store.accept(item()), "accepted");
      const filler = join(dir, "filler");
      const fd = openSync(filler, "w");
      const chunk = Buffer.alloc(1 << 16);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        assert.equal(e.code, "ENOSPC");
      } finally {
        closeSync(fd);
      }
      // The WAL's preallocated segment takes a few more; then the disk says no.
      const pad = randomBytes(200_000).toString("base64");
      let err;
      const refused = [];
      for (let i = 0; i < 400 && !err; i++) {
        const it = item({ body: { pad } });
        err = await store.accept(it).then(
          () => undefined,
          (e) => e,
        );
        if (err) refused.push(it);
      }
      assert.ok(err, "a full disk refuses sooner or later");
      assert.equal(err.code, "STORE_FULL", err.message);
      assert.match(err.message, /disk is full; nothing was acknowledged/);
      await unlink(filler);
      assert.equal(await store.accept(refused[0]), "accepted", "the refused event was not stored");
      await store.close();
    } finally {
      execFileSync("umount", ["-l", dir]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the full-disk classification: ENOSPC and SQLSTATE 53100 are STORE_FULL", {
    timeout: 120_000,
  }, async () => {
    const { storeError } = await import("../../pkg/runner/store/index.js");
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), {
      code: "ENOSPC",
    });
    assert.equal(storeError("embedded", "accept", enospc).code, "STORE_FULL");
    const pgFull = Object.assign(
      new Error('could not extend file "base/5/16384": No space left on device'),
      {
        code: "53100",
      },
    );
    assert.equal(storeError("postgres", "accept", pgFull).code, "STORE_FULL");
  });
});
