// The embedded engine's database thread (store/embedded-worker.ts): PGlite runs in a
// worker, so the runner's event loop keeps running while a statement does; failures
// come back typed; transactions are opened, committed and rolled back there; an
// acknowledged write survives the process being killed; and an idle store does not keep
// the process alive.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { GhlBridgeError } from "../../pkg/entries/node.js";
import { openEmbedded } from "../../pkg/runner/store/embedded.js";
import { openStore, storeError } from "../../pkg/runner/store/index.js";
import { child, scratch } from "../support/child.mjs";

const storeIndex = new URL("../../pkg/runner/store/index.js", import.meta.url).href;

async function folder(t) {
  return join(await scratch(t, "ghlb-store-worker-"), "db");
}

test("embedded: the event loop runs on while a long statement runs in the database thread", {
  timeout: 120_000,
}, async (t) => {
  const db = await openEmbedded(await folder(t));
  try {
    // About a second of PGlite's CPU (generate_series and the sort are its own work).
    const started = performance.now();
    // When the statement's answer arrived (not when this test got round to it).
    const slow = db
      .query(
        "SELECT count(*)::int AS n FROM (SELECT g FROM generate_series(1, 2000000) g ORDER BY g DESC) s",
      )
      .then((rows) => ({ rows, at: performance.now() }));
    // Timers fire meanwhile: on PGlite's own thread they would wait for the statement.
    const ticks = [];
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        ticks.push(performance.now());
        if (ticks.length === 5) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const { rows, at } = await slow;
    assert.equal(rows[0].n, 2_000_000);
    assert.ok(
      ticks[4] < at,
      `five 10 ms ticks before the statement's answer (ticks done at ${(ticks[4] - started).toFixed(0)} ms, answer at ${(at - started).toFixed(0)} ms)`,
    );
  } finally {
    await db.close();
  }
});

test("embedded: a database failure comes back from the thread with its SQLSTATE, typed", {
  timeout: 120_000,
}, async (t) => {
  const db = await openEmbedded(await folder(t));
  try {
    const e = await db.query("SELECT * FROM ghlb_nothing_here").then(
      () => assert.fail("a missing table answered"),
      (x) => x,
    );
    assert.equal(e.code, "42P01");
    assert.match(e.message, /ghlb_nothing_here/);
    const typed = storeError("embedded", "query", e);
    assert.ok(typed instanceof GhlBridgeError);
    assert.equal(typed.code, "STORE_NOT_MIGRATED");
    assert.equal(typed.details.dbCode, "42P01");
    // A parameter that cannot cross the thread fails that call alone.
    await assert.rejects(db.query("SELECT $1::text AS v", [() => "x"]), /could not be cloned/);
    // The store goes on after a failure.
    assert.deepEqual(await db.query("SELECT 1 AS one"), [{ one: 1 }]);
  } finally {
    await db.close();
  }
  // Closed: a call fails at once, typed.
  await assert.rejects(
    db.query("SELECT 1"),
    (e) => e instanceof GhlBridgeError && e.code === "STORE_CLOSED",
  );
});

test("embedded: a transaction commits or rolls back in the thread; other statements wait for it", {
  timeout: 120_000,
}, async (t) => {
  const db = await openEmbedded(await folder(t));
  try {
    await db.one((q) => q.exec("CREATE TABLE t (k text PRIMARY KEY)"));
    const count = async () => (await db.query("SELECT count(*)::int AS n FROM t"))[0].n;
    await assert.rejects(
      db.tx(async (q) => {
        await q.query("INSERT INTO t VALUES ($1)", ["rolled-back"]);
        throw new Error("the caller's own failure");
      }),
      /the caller's own failure/,
    );
    assert.equal(await count(), 0, "rolled back");
    // A failing statement inside: the transaction is rolled back, the failure typed.
    await assert.rejects(
      db.tx(async (q) => {
        await q.query("INSERT INTO t VALUES ($1)", ["a"]);
        await q.query("INSERT INTO t VALUES ($1)", ["a"]);
      }),
      (e) => e.code === "23505",
    );
    assert.equal(await count(), 0, "rolled back after its failing statement");
    let inside;
    let release;
    const held = new Promise((r) => {
      release = r;
    });
    const tx = db.tx(async (q) => {
      await q.query("INSERT INTO t VALUES ($1)", ["committed"]);
      inside = await q.query("SELECT count(*)::int AS n FROM t");
      await held;
      return "done";
    });
    // Issued while the transaction is open: answered after its commit, seeing it.
    while (!inside) await new Promise((r) => setTimeout(r, 5));
    const outside = count();
    release();
    assert.equal(await tx, "done");
    assert.equal(inside[0].n, 1);
    assert.equal(await outside, 1, "the statement outside waited for the commit");
  } finally {
    await db.close();
  }
});

test("embedded: every acknowledged accept is there after the process is SIGKILLed", {
  timeout: 180_000,
}, async (t) => {
  const path = await folder(t);
  // The child acknowledges accepts one line each, as the runner's 200s would.
  const run = child(
    `import { openStore } from ${JSON.stringify(storeIndex)};
     const store = await openStore({ kind: "embedded", path: ${JSON.stringify(path)} });
     console.log("open");
     let i = 0;
     for (;;) {
       const batch = Array.from({ length: 20 }, () => i++);
       await Promise.all(batch.map(async (n) => {
         await store.accept({ source: "qwilr", dedupeKey: "k" + n, connection: "loc", body: { n }, receivedAt: 1 });
         console.log("acked " + n);
       }));
     }`,
    { killOn: (lines) => lines.filter((l) => l.startsWith("acked")).length >= 300 },
  );
  const { signal } = await run.exited;
  assert.equal(signal, "SIGKILL");
  const acked = run.lines.filter((l) => l.startsWith("acked")).map((l) => `k${l.split(" ")[1]}`);
  assert.ok(acked.length >= 300);
  const store = await openStore({ kind: "embedded", path });
  try {
    const stored = new Set();
    for (;;) {
      const c = await store.claimIntake("check", 1000, 60_000);
      if (c.length === 0) break;
      for (const x of c) stored.add(x.dedupeKey);
    }
    const missing = acked.filter((k) => !stored.has(k));
    assert.deepEqual(missing, [], "acknowledged, then lost");
  } finally {
    await store.close();
  }
});

test("embedded: an idle store does not keep the process alive; a call under way does", {
  timeout: 120_000,
}, async (t) => {
  const path = await folder(t);
  // Nothing else holds the event loop: the accept's answer must still arrive, and then
  // the process exits although the store was never closed.
  const run = child(
    `import { openStore } from ${JSON.stringify(storeIndex)};
     const store = await openStore({ kind: "embedded", path: ${JSON.stringify(path)} });
     console.log(await store.accept({ source: "qwilr", dedupeKey: "k", connection: "loc", body: {}, receivedAt: 1 }));`,
  );
  const exit = await Promise.race([
    run.exited,
    new Promise((r) => setTimeout(() => r("still running"), 60_000)),
  ]);
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.deepEqual(run.lines, ["accepted"]);
});

test("embedded: PGlite failing to open in the thread is a typed open error; the lock is released", {
  timeout: 120_000,
}, async (t) => {
  const path = await folder(t);
  // A file where the data folder should be: PGlite cannot open it.
  await writeFile(path, "not a data folder");
  const err = await openStore({ kind: "embedded", path }).then(
    () => assert.fail("opened a file as its data folder"),
    (e) => e,
  );
  assert.ok(err instanceof GhlBridgeError, String(err));
  assert.match(err.code, /^STORE_/);
  assert.equal(err.details.store, "embedded");
  assert.equal(err.details.operation, "open");
  // Emscripten's errno, named (it has no message of its own).
  assert.match(err.message, /ENOTDIR/);
  assert.ok(!existsSync(`${path}.lock`), "the lock file is removed");
  await unlink(path);
  const store = await openStore({ kind: "embedded", path });
  await store.close();
});
