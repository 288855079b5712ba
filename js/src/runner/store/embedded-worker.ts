/**
 * The embedded engine's database thread: PGlite (PostgreSQL compiled to Wasm,
 * `@electric-sql/pglite`) runs here, in a `worker_threads` worker, so that while it
 * parses, plans, writes and syncs a batch the runner's event loop keeps parsing and
 * answering HTTP requests. `embedded.ts` starts it and speaks the protocol below; nothing
 * else imports this file.
 *
 * Protocol (one `Request` per message, answered by one `Reply` with the same `id`; the
 * requests run concurrently, and PGlite runs them one at a time in arrival order):
 * - `query` / `exec`: one statement (or, for `exec`, parameterless statements); with
 *   `tx`, inside that open transaction; with `durable`, the reply waits until the WAL
 *   the statement wrote is on disk.
 * - `begin`: opens a transaction (PGlite holds its lock until `end`: other statements
 *   wait); `end` commits (durably) or rolls it back.
 * - `close`: waits for the syncs under way, closes the WAL handle and PGlite.
 * A failure is answered as `{ error: { name, message, code } }`: the database's own
 * SQLSTATE or Node's errno code, which the main thread's `storeError` classifies.
 *
 * Durability: PGlite writes through Emscripten's NODEFS straight to the folder (every
 * write reaches the OS at once, so a killed process loses nothing committed), but that
 * file system has no `fsync` (and PGlite runs PostgreSQL with `fsync` off). This thread
 * sees which WAL segments PostgreSQL writes (it wraps the file system's `write`), and
 * after each durable statement or commit `fdatasync`s those written since the last
 * sync, as PostgreSQL's own commit would, before it replies: a commit acknowledged also
 * survives a power loss of its WAL.
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";

/** A request from the main thread. */
export type Request =
  | { id: number; op: "query"; text: string; params?: unknown[]; tx?: number; durable?: boolean }
  | { id: number; op: "exec"; text: string; tx?: number; durable?: boolean }
  | { id: number; op: "begin" }
  | { id: number; op: "end"; tx: number; commit: boolean }
  | { id: number; op: "close" };

/** A failure as it crosses the thread boundary (an `Error`'s own fields are not cloned). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

/** The answer to one request; `id` 0 is the answer to opening (`rows` absent). */
export type Reply =
  | { id: number; rows?: unknown[]; tx?: number }
  | { id: number; error: WireError };

/** What the main thread passes at start. */
export interface WorkerInput {
  /** The PGlite data folder. */
  path: string;
}

interface Handle {
  query<R = unknown>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(text: string): Promise<unknown>;
}

interface PGliteLike extends Handle {
  transaction<T>(f: (tx: Handle & { rollback(): Promise<void> }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Emscripten's module: its file system is where the WAL writes are seen. */
  Module?: { FS?: { write?: (stream: { path?: string }, ...rest: unknown[]) => unknown } };
}

/**
 * Emscripten's file system fails with `{ name: "ErrnoError", errno }` (WASI numbers, no
 * message): the errnos a data folder meets, as Node's codes (`ENOSPC` is `STORE_FULL`).
 */
const ERRNO: Record<number, string> = {
  2: "EACCES",
  20: "EEXIST",
  29: "EIO",
  31: "EISDIR",
  44: "ENOENT",
  51: "ENOSPC",
  54: "ENOTDIR",
  63: "EPERM",
  69: "EROFS",
};

/** An error as it is sent (its code kept: `storeError` classifies by it). */
export function wireError(e: unknown): WireError {
  const err = e as { name?: unknown; message?: unknown; code?: unknown; errno?: unknown };
  const name = typeof err?.name === "string" ? err.name : "Error";
  const errno = typeof err?.errno === "number" ? err.errno : undefined;
  const code =
    typeof err?.code === "string" ? err.code : errno === undefined ? undefined : ERRNO[errno];
  const message =
    typeof err?.message === "string" && err.message.length > 0
      ? err.message
      : errno !== undefined
        ? `${name}: ${code ?? "errno"} ${errno} in the data folder's file system`
        : String(e);
  return { name, message, ...(code ? { code } : {}) };
}

/** An open transaction: its handle, and how to finish it. */
interface Open {
  handle: Handle;
  finish: (commit: boolean) => void;
  done: Promise<unknown>;
}

async function main(port: NonNullable<typeof parentPort>, input: WorkerInput): Promise<void> {
  let pg: PGliteLike;
  try {
    // Loaded by name at run time: its declarations need Emscripten's types, and only the
    // runner uses it (the shape used here is `PGliteLike`).
    const name = "@electric-sql/pglite";
    const { PGlite } = (await import(name)) as {
      PGlite: { create(o: { dataDir: string }): Promise<PGliteLike> };
    };
    pg = await PGlite.create({ dataDir: input.path });
  } catch (e) {
    port.postMessage({ id: 0, error: wireError(e) } satisfies Reply);
    return;
  }
  const wal = join(input.path, "pg_wal");
  // The WAL segments written since their last sync, learnt from PGlite's file system as
  // it writes them (no statement per sync asks PostgreSQL where its WAL is).
  const written = new Set<string>();
  const fs = pg.Module?.FS;
  if (typeof fs?.write !== "function") {
    await pg.close().catch(() => undefined);
    port.postMessage({
      id: 0,
      error: {
        name: "Error",
        message:
          "this PGlite does not expose its file system (Module.FS.write): its WAL writes cannot be made durable",
      },
    } satisfies Reply);
    return;
  }
  const write = fs.write;
  fs.write = function (this: unknown, stream: { path?: string }, ...rest: unknown[]) {
    const path = typeof stream?.path === "string" ? stream.path : "";
    const at = path.lastIndexOf("/pg_wal/");
    if (at >= 0) written.add(path.slice(at + "/pg_wal/".length));
    return write.call(this, stream, ...rest);
  };
  /** The segment last synced, kept open (an open and a close per commit cost more than the sync). */
  let current: { name: string; fh: FileHandle } | null = null;
  /** The segments seen: a new one's directory entry is synced too. */
  const known = new Set<string>();

  /**
   * fdatasyncs the WAL segments written since the last sync (and the WAL directory when
   * one of them is new). One at a time (they share the open handle); commits that
   * finish while one runs share the next (it starts after them, so it covers them all).
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
    // In WAL order (names sort so): the newest stays open for the next commits.
    const names = [...written].sort();
    written.clear();
    try {
      let fresh = false;
      for (const name of names) {
        if (current?.name !== name) {
          const previous = current;
          current = null;
          await previous?.fh.close();
          current = { name, fh: await open(join(wal, name), "r+") };
        }
        await current.fh.datasync();
        if (!known.has(name)) {
          known.add(name);
          fresh = true;
        }
      }
      if (fresh) {
        const dir = await open(wal, "r");
        try {
          await dir.sync();
        } finally {
          await dir.close();
        }
      }
    } catch (e) {
      // Not durable: the next sync tries these again (and nothing waiting was answered).
      for (const name of names) written.add(name);
      throw e;
    }
  }

  const txs = new Map<number, Open>();
  let lastTx = 0;
  function handleOf(tx: number | undefined): Handle {
    if (tx === undefined) return pg;
    const t = txs.get(tx);
    if (!t) throw new Error(`transaction ${tx} is not open`);
    return t.handle;
  }
  function begin(): Promise<number> {
    const id = ++lastTx;
    return new Promise<number>((resolve, reject) => {
      const done = pg.transaction(
        (handle) =>
          new Promise<void>((finished, failed) => {
            txs.set(id, {
              handle,
              done,
              finish: (commit) => {
                if (commit) finished();
                else handle.rollback().then(finished, failed);
              },
            });
            resolve(id);
          }),
      );
      // A BEGIN that failed rejects before the transaction opened; later failures are
      // the commit's, answered by `end`.
      done.catch((e) => {
        if (!txs.has(id)) reject(e);
      });
    });
  }
  async function end(tx: number, commit: boolean): Promise<void> {
    const t = txs.get(tx);
    if (!t) throw new Error(`transaction ${tx} is not open`);
    t.finish(commit);
    try {
      await t.done;
    } finally {
      txs.delete(tx);
    }
    if (commit) await durable();
  }
  async function handle(r: Request): Promise<Omit<Reply, "id">> {
    switch (r.op) {
      case "query": {
        const { rows } = await handleOf(r.tx).query(r.text, r.params);
        if (r.durable) await durable();
        return { rows };
      }
      case "exec":
        await handleOf(r.tx).exec(r.text);
        if (r.durable) await durable();
        return {};
      case "begin":
        return { tx: await begin() };
      case "end":
        await end(r.tx, r.commit);
        return {};
      case "close": {
        await (next ?? running)?.catch(() => undefined);
        const held = current;
        current = null;
        await held?.fh.close().catch(() => undefined);
        await pg.close();
        return {};
      }
    }
  }
  port.on("message", (r: Request) => {
    handle(r).then(
      (out) => port.postMessage({ id: r.id, ...out }),
      (e) => port.postMessage({ id: r.id, error: wireError(e) } satisfies Reply),
    );
  });
  port.postMessage({ id: 0 } satisfies Reply);
}

if (parentPort) void main(parentPort, workerData as WorkerInput);
