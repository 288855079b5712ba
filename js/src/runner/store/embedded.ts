/**
 * The embedded engine: PGlite (PostgreSQL compiled to Wasm, `@electric-sql/pglite`) in
 * one local data folder, so the embedded store runs the very SQL and migrations of the
 * PostgreSQL store with nothing to install and no native build.
 *
 * Durability: PGlite writes through Emscripten's NODEFS straight to the folder (every
 * write reaches the OS at once, so a killed process loses nothing committed), but that
 * file system has no `fsync`. After each write transaction this engine `fdatasync`s the
 * WAL segments written since the last one, as PostgreSQL's own commit would, before
 * the transaction's promise resolves: a commit also survives a power loss.
 *
 * One process at a time: a lock file beside the folder (`<path>.lock`, holding the pid)
 * refuses a second opener while the first is alive; a stale one (its process gone) is
 * taken over.
 */
import { open, readFile, unlink, writeFile, mkdir } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GhlBridgeError } from "../../errors.js";
import { storeCode, storeError } from "./errors.js";
import { sqlOf } from "./sql.js";
import type { Db, Sql } from "./sql.js";

interface PGliteLike {
  query<R = unknown>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(text: string): Promise<unknown>;
  transaction<T>(f: (tx: PGliteLike) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function lock(path: string): Promise<string> {
  const file = `${path}.lock`;
  await mkdir(dirname(file), { recursive: true });
  for (let tries = 0; tries < 2; tries++) {
    try {
      await writeFile(file, String(process.pid), { flag: "wx" });
      return file;
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
      const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
      let alive = false;
      if (pid === process.pid) alive = true;
      else if (Number.isSafeInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (k) {
          alive = (k as { code?: string }).code === "EPERM";
        }
      }
      if (alive)
        throw new GhlBridgeError(
          storeCode("unavailable"),
          `runner store (embedded): open: the data folder is in use by process ${pid} (one process per embedded store; use PostgreSQL for several workers)`,
          { store: "embedded", operation: "open", pid },
        );
      await unlink(file).catch(() => undefined);
    }
  }
  throw new GhlBridgeError(
    storeCode("unavailable"),
    "runner store (embedded): open: could not take the lock file",
    { store: "embedded", operation: "open" },
  );
}

/** Opens (creating when missing) the PGlite data folder at `path`. */
export async function openEmbedded(path: string): Promise<Db> {
  let lockFile: string;
  try {
    lockFile = await lock(path);
  } catch (e) {
    throw storeError("embedded", "open", e);
  }
  let pg: PGliteLike;
  try {
    // Loaded by name at run time: its declarations need Emscripten's types, and only the
    // runner uses it (the shape used here is `PGliteLike`).
    const name = "@electric-sql/pglite";
    const { PGlite } = (await import(name)) as {
      PGlite: { create(o: { dataDir: string }): Promise<PGliteLike> };
    };
    pg = await PGlite.create({ dataDir: path });
  } catch (e) {
    await unlink(lockFile).catch(() => undefined);
    throw storeError("embedded", "open", e);
  }
  const wal = join(path, "pg_wal");
  /** The WAL segment last made durable (names sort in WAL order), kept open. */
  let synced: { name: string; fh: FileHandle } | null = null;

  /**
   * fdatasyncs the WAL segments from the last synced one to the current one. The
   * current segment's file stays open between commits (an open and a close per commit
   * cost more than the sync itself). One at a time (they share that file handle);
   * commits that finish while one runs share the next (it starts after them, so it
   * covers them all).
   */
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  function durable(): Promise<void> {
    if (next) return next;
    const start = async (): Promise<void> => {
      next = null;
      const p = syncWal();
      running = p;
      try {
        await p;
      } finally {
        if (running === p) running = null;
      }
    };
    if (!running) return start();
    next = running.catch(() => undefined).then(start);
    return next;
  }
  async function syncWal(): Promise<void> {
    const { rows } = await pg.query<{ w: string }>(
      "SELECT pg_walfile_name(pg_current_wal_lsn()) AS w",
    );
    const current = rows[0]?.w;
    if (!current) return;
    if (synced && synced.name !== current) {
      // A commit that crossed into a new segment also wrote the end of the previous one.
      const previous = synced;
      synced = null;
      try {
        if (previous.name < current) await previous.fh.datasync();
      } finally {
        await previous.fh.close();
      }
    }
    if (!synced) synced = { name: current, fh: await open(join(wal, current), "r+") };
    await synced.fh.datasync();
  }
  const sql = (q: PGliteLike): Sql => sqlOf(q, (text) => q.exec(text));
  return {
    kind: "embedded",
    // Two intake batches at once: the next INSERT runs while the last one's WAL syncs.
    writers: 2,
    ...sql(pg),
    async tx<T>(f: (q: Sql) => Promise<T>): Promise<T> {
      const out = await pg.transaction((tx) => f(sql(tx)));
      await durable();
      return out;
    },
    async one<T>(f: (q: Sql) => Promise<T>): Promise<T> {
      const out = await f(sql(pg));
      await durable();
      return out;
    },
    async close() {
      try {
        await (next ?? running)?.catch(() => undefined);
        const held = synced;
        synced = null;
        await held?.fh.close().catch(() => undefined);
        await pg.close();
      } finally {
        await unlink(lockFile).catch(() => undefined);
      }
    },
  };
}
