// The embedded store through a power loss (store/embedded-worker.ts): PostgreSQL runs with
// fsync on over a file system that really syncs, so a commit's WAL and everything a
// checkpoint writes are fsync'd in PostgreSQL's order; a failed sync is an error (and the
// end of the database thread), never an acknowledgement. A power loss cannot be made
// here: the tests count the syncs per file, and kill the process right after a checkpoint.
import assert from "node:assert/strict";
import fs from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { test } from "node:test";
import { openEmbedded } from "../../pkg/runner/store/embedded.js";
import { openPglite } from "../../pkg/runner/store/embedded-worker.js";
import { openStore } from "../../pkg/runner/store/index.js";
import { child, scratch } from "../support/child.mjs";

const storeIndex = new URL("../../pkg/runner/store/index.js", import.meta.url).href;
const embedded = new URL("../../pkg/runner/store/embedded.js", import.meta.url).href;

const folder = (t) => scratch(t, "ghlb-store-durability-");

/**
 * Spies on this thread's file calls (the ones PGlite's NODEFS and its fsync make): every
 * write and fsync (or fdatasync), by the file's path under `root`; `fail` (a RegExp) makes the fsyncs
 * of matching files fail with EIO.
 */
function spy(t, root) {
  const { openSync, closeSync, writeSync, fsyncSync, fdatasyncSync } = fs;
  const paths = new Map();
  const s = { log: [], fail: null };
  fs.openSync = function (p, ...rest) {
    const fd = openSync.call(this, p, ...rest);
    paths.set(fd, relative(root, String(p)));
    return fd;
  };
  fs.closeSync = function (fd) {
    paths.delete(fd);
    return closeSync.call(this, fd);
  };
  fs.writeSync = function (fd, ...rest) {
    s.log.push(["write", paths.get(fd)]);
    return writeSync.call(this, fd, ...rest);
  };
  const sync = (real) =>
    function (fd) {
      const path = paths.get(fd);
      if (s.fail?.test(path ?? ""))
        throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO", errno: -5 });
      s.log.push(["sync", path]);
      return real.call(this, fd);
    };
  fs.fsyncSync = sync(fsyncSync);
  fs.fdatasyncSync = sync(fdatasyncSync);
  t.after(() => Object.assign(fs, { openSync, closeSync, writeSync, fsyncSync, fdatasyncSync }));
  return s;
}

test("embedded: PostgreSQL runs with fsync on and the WAL synced by fsync", {
  timeout: 120_000,
}, async (t) => {
  const db = await openEmbedded(join(await folder(t), "db"));
  try {
    const [row] = await db.query(
      "SELECT current_setting('fsync') AS fsync, current_setting('wal_sync_method') AS method",
    );
    assert.deepEqual(row, { fsync: "on", method: "fsync" });
  } finally {
    await db.close();
  }
});

test("embedded: a commit's WAL is fsync'd before it returns; a CHECKPOINT fsyncs every file it wrote, WAL before pg_control", {
  timeout: 120_000,
}, async (t) => {
  const root = await folder(t);
  const s = spy(t, root);
  const pg = await openPglite(join(root, "db"));
  try {
    await pg.exec("CREATE TABLE t (n int PRIMARY KEY, body text)");
    await pg.exec("CHECKPOINT");
    s.log = [];
    await pg.query("INSERT INTO t SELECT n, repeat('x', 200) FROM generate_series(1, 2000) n");
    const walWritten = s.log.filter(([op, p]) => op === "write" && p.startsWith("db/pg_wal/"));
    assert.ok(walWritten.length > 0, "the insert wrote WAL");
    const last = s.log.findLastIndex(([op, p]) => op === "write" && p.startsWith("db/pg_wal/"));
    assert.ok(
      s.log.slice(last).some(([op, p]) => op === "sync" && p === walWritten.at(-1)[1]),
      "the commit's WAL segment was fsync'd after its last write",
    );

    s.log = [];
    await pg.exec("CHECKPOINT");
    const written = new Set(s.log.filter(([op]) => op === "write").map(([, p]) => p));
    assert.ok(
      [...written].some((p) => p.startsWith("db/base/")),
      "the checkpoint wrote data files",
    );
    assert.ok(written.has("db/global/pg_control"));
    // pg_subtrans is rebuilt at every start: PostgreSQL never syncs it.
    const unsynced = [...written].filter((p) => {
      if (p.startsWith("db/pg_subtrans/")) return false;
      const lastWrite = s.log.findLastIndex(([op, q]) => op === "write" && q === p);
      return !s.log.slice(lastWrite).some(([op, q]) => op === "sync" && q === p);
    });
    assert.deepEqual(unsynced, [], "written by the checkpoint, never fsync'd after");
    const control = s.log.findIndex(([op, p]) => op === "write" && p === "db/global/pg_control");
    for (const p of written) {
      if (p === "db/global/pg_control" || p.startsWith("db/pg_subtrans/")) continue;
      const synced = s.log.findLastIndex(([op, q]) => op === "sync" && q === p);
      assert.ok(synced < control, `${p} is synced before pg_control is written`);
    }
    assert.deepEqual(s.log.at(-1), ["sync", "db/global/pg_control"]);
  } finally {
    await pg.close();
  }
});

test("embedded: a failed fsync (EIO) of a commit or a checkpoint is an error, not an answer", {
  timeout: 120_000,
}, async (t) => {
  const root = await folder(t);
  const s = spy(t, root);
  for (const [name, fail, statement] of [
    ["commit", /^commit\/pg_wal\//, "INSERT INTO t VALUES (2)"],
    ["checkpoint", /^checkpoint\/base\//, "CHECKPOINT"],
  ]) {
    const pg = await openPglite(join(root, name));
    await pg.exec("CREATE TABLE t (n int); INSERT INTO t VALUES (1)");
    s.fail = fail;
    await assert.rejects(pg.query(statement), (e) => {
      assert.equal(e.code, "58030", `${name}: an I/O error`);
      assert.equal(e.severity, "PANIC");
      assert.match(e.message, /could not fsync/);
      return true;
    });
    s.fail = null;
    // PGlite is unusable after a PANIC (the worker ends there): not closed here.
  }
});

test("embedded: after a failed fsync the store answers with errors, then STORE_UNAVAILABLE", {
  timeout: 180_000,
}, async (t) => {
  const root = await folder(t);
  const marker = join(root, "fail-syncs");
  // Preloaded in the child's threads: once `marker` exists, every sync fails with EIO.
  const preload = join(root, "eio.mjs");
  await writeFile(
    preload,
    `import fs from "node:fs";
     const { existsSync } = fs;
     for (const name of ["fsyncSync", "fdatasyncSync"]) {
       const real = fs[name];
       fs[name] = function (fd) {
         if (existsSync(${JSON.stringify(marker)}))
           throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO", errno: -5 });
         return real.call(this, fd);
       };
     }`,
  );
  const code = `import { openStore } from ${JSON.stringify(storeIndex)};
     import { writeFileSync } from "node:fs";
     const store = await openStore({ kind: "embedded", path: ${JSON.stringify(join(root, "db"))} });
     const accept = (n) => store.accept({ source: "qwilr", dedupeKey: "k" + n, connection: "loc", body: { n }, receivedAt: 1 })
       .then((o) => "ok " + JSON.stringify(o), (e) => "err " + (e instanceof Error) + " " + e.code);
     console.log(await accept(1));
     writeFileSync(${JSON.stringify(marker)}, "");
     console.log(await accept(2));
     console.log(await accept(3));
     await store.close();`;
  const { exited, lines } = child(code, { nodeArgs: ["--import", preload] });
  assert.equal((await exited).code, 0);
  const out = lines.join("\n");
  assert.equal(lines.length, 3, out);
  assert.match(lines[0], /^ok /);
  assert.match(lines[1], /^err true STORE_/, "the failed sync is not acknowledged");
  assert.equal(lines[2], "err true STORE_UNAVAILABLE");
});

test("embedded: every acknowledged accept is there after a SIGKILL right after a checkpoint", {
  timeout: 180_000,
}, async (t) => {
  const path = join(await folder(t), "db");
  const code = `import { SqlStore } from ${JSON.stringify(storeIndex)};
     import { openEmbedded } from ${JSON.stringify(embedded)};
     const db = await openEmbedded(${JSON.stringify(path)});
     const store = new SqlStore(db);
     await store.migrate();
     let i = 0;
     const batch = () => Promise.all(Array.from({ length: 50 }, () => i++).map(async (n) => {
       await store.accept({ source: "qwilr", dedupeKey: "k" + n, connection: "loc", body: { n, pad: "x".repeat(500) }, receivedAt: 1 });
       console.log("acked " + n);
     }));
     for (let r = 0; r < 4; r++) await batch();
     await db.exec("CHECKPOINT");
     console.log("checkpoint");
     for (;;) await batch();`;
  const { exited, lines } = child(code, {
    killOn: (seen) => {
      const after = seen.indexOf("checkpoint");
      return after >= 0 && seen.length - after > 20;
    },
  });
  assert.equal((await exited).signal, "SIGKILL", lines.slice(-3).join("\n"));
  const acked = lines.filter((l) => l.startsWith("acked")).map((l) => `k${l.split(" ")[1]}`);
  assert.ok(acked.length >= 220);
  const store = await openStore({ kind: "embedded", path });
  try {
    const stored = new Set();
    for (;;) {
      const c = await store.claimIntake("check", 1000, 60_000);
      if (c.length === 0) break;
      for (const x of c) stored.add(x.dedupeKey);
    }
    assert.deepEqual(
      acked.filter((k) => !stored.has(k)),
      [],
      "acknowledged, then lost",
    );
  } finally {
    await store.close();
  }
});

test("embedded: a new data folder is fsync'd once, every file and folder, before it is used", {
  timeout: 120_000,
}, async (t) => {
  const root = await folder(t);
  const s = spy(t, root);
  const pg = await openPglite(join(root, "db"));
  try {
    const synced = new Set(s.log.filter(([op]) => op === "sync").map(([, p]) => p));
    const entries = fs.readdirSync(join(root, "db"), { recursive: true, withFileTypes: true });
    const all = entries.map((e) => relative(root, join(e.parentPath, e.name)));
    assert.ok(all.includes("db/global/pg_control"));
    assert.deepEqual(
      all.filter((p) => !synced.has(p)),
      [],
      "in the new folder, never fsync'd",
    );
    assert.ok(synced.has("db") && synced.has(""), "the folder and its entry are synced");
  } finally {
    await pg.close();
  }
});
