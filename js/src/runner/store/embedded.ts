/**
 * The embedded engine: PGlite (PostgreSQL compiled to Wasm, `@electric-sql/pglite`) in
 * one local data folder, so the embedded store runs the very SQL and migrations of the
 * PostgreSQL store with nothing to install and no native build.
 *
 * PGlite runs in its own thread (`embedded-worker.ts`, a `worker_threads` worker): its
 * Wasm is CPU-bound and synchronous, and on the runner's thread no HTTP request would
 * be parsed or answered while a batch is written. Each call is one message there and
 * one back: a statement with its parameters, rows or a failure back (the failure's
 * message and code, classified here by `storeError` as any other). A transaction is
 * opened there, its statements sent one by one, and committed or rolled back there.
 *
 * Durability: PostgreSQL runs there with fsync on and a file system that really syncs
 * (see `embedded-worker.ts`), so a statement outside a transaction and a commit are
 * answered only once PostgreSQL has flushed their WAL, and its checkpoints sync what they
 * write before they drop WAL: a promise of `one` or `tx` resolves only once its effect
 * survives a power loss. A worker that stops (it crashed or ran
 * out of memory) fails every call under way and after it with `STORE_UNAVAILABLE`:
 * nothing is acknowledged.
 *
 * One process at a time: a lock file beside the folder (`<path>.lock`, holding the pid)
 * refuses a second opener while the first is alive; a stale one (its process gone) is
 * taken over.
 */
import { readFile, unlink, writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { Worker } from "node:worker_threads";
import { GhlBridgeError } from "../../errors.js";
import type { Reply, Request, WireError, WorkerInput } from "./embedded-worker.js";
import { closedError, storeCode, storeError } from "./errors.js";
import type { Db, Sql } from "./sql.js";

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

/** A failure from the worker, as an `Error` with the code `storeError` classifies. */
function errorOf(w: WireError): Error {
  return Object.assign(new Error(w.message), { name: w.name, ...(w.code ? { code: w.code } : {}) });
}

/** Distributes `Request`s without their `id` (the channel numbers them). */
type Call = Request extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** Opens (creating when missing) the PGlite data folder at `path`, in a worker thread. */
export async function openEmbedded(path: string): Promise<Db> {
  let lockFile: string;
  try {
    lockFile = await lock(path);
  } catch (e) {
    throw storeError("embedded", "open", e);
  }
  const worker = new Worker(new URL("./embedded-worker.js", import.meta.url), {
    workerData: { path } satisfies WorkerInput,
    // The process's Node flags, but not how its main script was given (`--input-type`
    // is for `--eval`; a worker refuses to start with it).
    execArgv: process.execArgv.filter(
      (a, i, all) => !a.startsWith("--input-type") && all[i - 1] !== "--input-type",
    ),
  });
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: unknown) => void }>();
  let lastId = 0;
  /** Why the worker is gone (every call then fails with it), or null while it runs. */
  let gone: GhlBridgeError | null = null;
  const stopped = (why: string): GhlBridgeError =>
    new GhlBridgeError(
      storeCode("unavailable"),
      `runner store (embedded): the database thread stopped (${why}); nothing was acknowledged, restart the runner`,
      { store: "embedded", operation: "worker", reason: why },
    );
  const fail = (e: GhlBridgeError): void => {
    gone ??= e;
    for (const p of pending.values()) p.reject(gone);
    pending.clear();
    worker.unref();
  };
  worker.on("error", (e) => fail(stopped(e instanceof Error ? e.message : String(e))));
  worker.on("exit", (code) => fail(stopped(`exit code ${code}`)));
  worker.on("message", (r: Reply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (pending.size === 0) worker.unref();
    p.resolve(r);
  });
  /** Sends one request; its reply (a failure rejects). */
  function call(r: Call): Promise<Reply & { error?: undefined }> {
    if (gone) return Promise.reject(gone);
    const id = ++lastId;
    return new Promise<Reply>((resolve, reject) => {
      // The process waits for the answers under way, not for an idle database thread.
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      try {
        worker.postMessage({ ...r, id } as Request);
      } catch (e) {
        // A value that cannot be sent (not cloneable): this call fails, nothing waits.
        pending.delete(id);
        if (pending.size === 0) worker.unref();
        reject(e);
      }
    }).then((reply) => {
      if ("error" in reply) throw errorOf(reply.error);
      return reply;
    });
  }
  // The worker answers id 0 once PGlite is open (or could not be).
  const opened = new Promise<Reply>((resolve, reject) => pending.set(0, { resolve, reject }));
  try {
    const r = await opened;
    if ("error" in r) throw errorOf(r.error);
  } catch (e) {
    await worker.terminate().catch(() => undefined);
    await unlink(lockFile).catch(() => undefined);
    throw storeError("embedded", "open", e);
  }
  const sql = (tx: number | undefined): Sql => ({
    async query<R>(text: string, params?: unknown[]) {
      return ((await call({ op: "query", text, params, tx })).rows ?? []) as R[];
    },
    async exec(text: string) {
      await call({ op: "exec", text, tx });
    },
  });
  return {
    kind: "embedded",
    // Two intake batches at once: the next one is on its way while the last one commits.
    writers: 2,
    ...sql(undefined),
    async tx<T>(f: (q: Sql) => Promise<T>): Promise<T> {
      const { tx } = await call({ op: "begin" });
      if (tx === undefined) throw new Error("the database thread opened no transaction");
      let out: T;
      try {
        out = await f(sql(tx));
      } catch (e) {
        await call({ op: "end", tx, commit: false }).catch(() => undefined);
        throw e;
      }
      await call({ op: "end", tx, commit: true });
      return out;
    },
    one: (f) => f(sql(undefined)),
    async close() {
      try {
        if (!gone) await call({ op: "close" }).catch(() => undefined);
        gone ??= closedError("embedded", "call");
        await worker.terminate().catch(() => undefined);
      } finally {
        await unlink(lockFile).catch(() => undefined);
      }
    },
  };
}
