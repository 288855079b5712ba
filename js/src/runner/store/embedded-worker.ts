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
 *   `tx`, inside that open transaction; outside one, it commits (durably) before the
 *   reply.
 * - `begin`: opens a transaction (PGlite holds its lock until `end`: other statements
 *   wait); `end` commits (durably) or rolls it back.
 * - `close`: closes PGlite (its shutdown checkpoint syncs as any other).
 * A failure is answered as `{ error: { name, message, code } }`: the database's own
 * SQLSTATE or Node's errno code, which the main thread's `storeError` classifies.
 *
 * Durability: PostgreSQL orders it, this thread only gives it a real `fsync`. PGlite
 * starts PostgreSQL with `-F` (fsync off), and its Emscripten file system cannot sync:
 * `fdatasync` is a no-op there and `fsync` calls the file system's `fsync` stream
 * operation, which NODEFS (the file system over the data folder) does not have. So
 * `openPglite` adds that operation to NODEFS (`fs.fsyncSync` of the file's descriptor,
 * a directory's too, and `fdatasyncSync` of a WAL segment, as PostgreSQL's default
 * would; a failure becomes the errno PostgreSQL sees) and starts PostgreSQL
 * with `fsync=on` and `wal_sync_method=fsync` (the default, `fdatasync`, would reach the
 * no-op). Then every sync PostgreSQL makes is real, in PostgreSQL's order: a commit's
 * WAL flush before the commit returns, the WAL before a data page it covers is written,
 * and at a checkpoint the data files and the checkpoint record before `pg_control`,
 * `pg_control` before old WAL segments are removed or recycled (renamed durably, their
 * directory synced). Syncing only the WAL from here (as this thread once did) left the
 * checkpoint's files unsynced: a power loss after it had removed the WAL could lose
 * committed data. A new data folder (PGlite copies in a cluster made in memory, unsynced)
 * is synced once, file by file, as initdb would. A failed sync is PostgreSQL's `PANIC`
 * (it never retries an `fsync`): the statement fails, this thread ends (the store then
 * answers every call with `STORE_UNAVAILABLE`), nothing is acknowledged, and the next
 * start recovers from the WAL (after a crash PostgreSQL syncs the whole folder first).
 */
import fs from "node:fs";
import { dirname, join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";

/** A request from the main thread. */
export type Request =
  | { id: number; op: "query"; text: string; params?: unknown[]; tx?: number }
  | { id: number; op: "exec"; text: string; tx?: number }
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

/** The part of PGlite used here (its declarations need Emscripten's types). */
export interface PGliteLike extends Handle {
  transaction<T>(f: (tx: Handle & { rollback(): Promise<void> }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A stream of Emscripten's file system, as NODEFS opens it. */
interface Stream {
  nfd?: number;
  /** The path in Emscripten's file system. */
  path?: string;
}

/** The part of Emscripten's module the sync needs. */
interface Emscripten {
  FS: { ErrnoError: new (errno: number) => Error };
  NODEFS?: {
    stream_ops: { fsync?: (stream: Stream) => number };
    tryFSOperation<T>(f: () => T): T;
  };
}

/** WASI's `EBADF`: a stream with no descriptor to sync. */
const EBADF = 8;

/**
 * The start parameters: PGlite's, with fsync turned back on (a later `-c` wins over its
 * `-F`) and the WAL synced with `fsync`, the one sync call that reaches the file system.
 */
function startParams(defaults: readonly string[]): string[] {
  return [...defaults, "-c", "fsync=on", "-c", "wal_sync_method=fsync"];
}

/**
 * Opens PGlite on the data folder `path` with real syncs (see the module doc): NODEFS
 * gets an `fsync` before PostgreSQL starts, and an open that did not turn fsync on
 * fails rather than run unsynced.
 */
export async function openPglite(path: string): Promise<PGliteLike> {
  // Loaded by name at run time: their declarations need Emscripten's types, and only the
  // runner uses them (the shape used here is `PGliteLike`).
  const names = ["@electric-sql/pglite", "@electric-sql/pglite/nodefs"];
  const [{ PGlite }, { NodeFS }] = (await Promise.all(names.map((n) => import(n)))) as [
    {
      PGlite: {
        defaultStartParams: string[];
        create(o: { fs: unknown; startParams: string[] }): Promise<PGliteLike>;
      };
    },
    {
      NodeFS: new (
        dir: string,
      ) => {
        init(pg: unknown, opts: { preRun?: ((m: Emscripten) => void)[] }): Promise<unknown>;
      };
    },
  ];
  class SyncedNodeFS extends NodeFS {
    override init(pg: unknown, opts: { preRun?: ((m: Emscripten) => void)[] }) {
      return super.init(pg, { ...opts, preRun: [...(opts.preRun ?? []), addFsync] });
    }
  }
  const fresh = !fs.existsSync(join(path, "PG_VERSION"));
  const pg = await PGlite.create({
    fs: new SyncedNodeFS(path),
    startParams: startParams(PGlite.defaultStartParams),
  });
  // PGlite makes a new cluster in memory and copies it in unsynced: synced once here, as
  // initdb itself ends (before anything is written to it).
  if (fresh) syncTree(path);
  const { rows } = await pg.query<{ fsync: string; method: string }>(
    "SELECT current_setting('fsync') AS fsync, current_setting('wal_sync_method') AS method",
  );
  if (rows[0]?.fsync !== "on" || rows[0]?.method !== "fsync") {
    await pg.close().catch(() => undefined);
    throw new Error(
      `this PGlite did not start with fsync on (fsync=${rows[0]?.fsync}, wal_sync_method=${rows[0]?.method}): its writes cannot be made durable`,
    );
  }
  return pg;
}

/** fsyncs every file under `root`, then every folder (deepest first), `root`'s parent last. */
function syncTree(root: string): void {
  const sync = (p: string) => {
    const fd = fs.openSync(p, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  const dirs: string[] = [root];
  for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath ?? e.path, e.name);
    if (e.isDirectory()) dirs.push(p);
    else if (e.isFile()) sync(p);
  }
  for (const d of dirs.sort((a, b) => b.length - a.length)) sync(d);
  sync(dirname(root));
}

/** Gives NODEFS the `fsync` stream operation Emscripten's `fsync` calls (see the module doc). */
function addFsync(m: Emscripten): void {
  const nodefs = m.NODEFS;
  if (!nodefs?.stream_ops)
    throw new Error("this PGlite has no NODEFS: its writes cannot be made durable");
  nodefs.stream_ops.fsync = (stream) => {
    const fd = stream.nfd;
    if (typeof fd !== "number") throw new m.FS.ErrnoError(EBADF);
    // A WAL segment's data (its size never changes once made): what PostgreSQL's own
    // default, `fdatasync`, would sync; the rest, and every directory, in full.
    const wal = stream.path?.includes("/pg_wal/") === true;
    nodefs.tryFSOperation(() => (wal ? fs.fdatasyncSync(fd) : fs.fsyncSync(fd)));
    return 0;
  };
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
    pg = await openPglite(input.path);
  } catch (e) {
    port.postMessage({ id: 0, error: wireError(e) } satisfies Reply);
    return;
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
  }
  async function handle(r: Request): Promise<Omit<Reply, "id">> {
    switch (r.op) {
      case "query": {
        const { rows } = await handleOf(r.tx).query(r.text, r.params);
        return { rows };
      }
      case "exec":
        await handleOf(r.tx).exec(r.text);
        return {};
      case "begin":
        return { tx: await begin() };
      case "end":
        await end(r.tx, r.commit);
        return {};
      case "close":
        await pg.close();
        return {};
    }
  }
  port.on("message", (r: Request) => {
    handle(r).then(
      (out) => port.postMessage({ id: r.id, ...out }),
      (e) => {
        port.postMessage({ id: r.id, error: wireError(e) } satisfies Reply);
        // A PANIC (a failed sync among them) leaves PGlite unusable (its next statement
        // never returns): the thread ends, and every call after this one fails.
        if ((e as { severity?: unknown })?.severity === "PANIC") process.exit(1);
      },
    );
  });
  port.postMessage({ id: 0 } satisfies Reply);
}

if (parentPort) void main(parentPort, workerData as WorkerInput);
