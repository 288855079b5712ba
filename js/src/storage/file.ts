/**
 * Outbox storage in a file, for Node: an append-only journal of JSON lines, each batch
 * written with one `write` and `fsync`ed before `apply` resolves. `load` replays the
 * journal (a torn last line from a crash is ignored, earlier lines are intact) and
 * compacts it into a fresh file (written to a temporary name, fsynced, renamed).
 */
import { open, readFile, rename } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { GhlBridgeError } from "../errors.js";
import type { OutboxStorage, StoreOp } from "./types.js";

/** What a `put` stores (a plan's record or a location's rate budget). */
type Stored = Extract<StoreOp, { op: "put" }>["record"];
import { arg, text } from "../check.js";

function storageError(what: string, path: string, e: unknown): GhlBridgeError {
  const reason = e instanceof Error ? e.message : String(e);
  return new GhlBridgeError("STORAGE_ERROR", `outbox file ${path}: ${what} failed: ${reason}`, {
    adapter: "file",
    path,
    reason,
  });
}

async function replay(path: string): Promise<Map<string, Stored>> {
  const state = new Map<string, Stored>();
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return state;
    throw storageError("read", path, e);
  }
  for (const line of text.split("\n")) {
    if (!line) continue;
    let batch: StoreOp[];
    try {
      batch = JSON.parse(line) as StoreOp[];
    } catch {
      break; // a torn write at the end: everything before it is whole
    }
    for (const o of batch) {
      if (o.op === "put") state.set(o.key, o.record);
      else state.delete(o.key);
    }
  }
  return state;
}

/** Opens the journal at `path` (created if missing). */
export async function fileStorage(path: string): Promise<OutboxStorage> {
  arg("fileStorage", "path", path, text);
  const state = await replay(path);
  // Compact: one batch holding the live records, made durable before use.
  const tmp = `${path}.tmp`;
  try {
    const fh = await open(tmp, "w");
    const live: StoreOp[] = [...state].map(([key, record]) => ({ op: "put", key, record }));
    if (live.length > 0) await fh.write(`${JSON.stringify(live)}\n`);
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    throw storageError("compact", path, e);
  }
  let fh: FileHandle;
  try {
    fh = await open(path, "a");
  } catch (e) {
    throw storageError("open", path, e);
  }
  let queue: Promise<void> = Promise.resolve();
  return {
    async load() {
      return [...(await replay(path))].map(([key, record]) => ({ key, record }));
    },
    apply(ops: StoreOp[]) {
      const line = `${JSON.stringify(ops)}\n`;
      // Batches are written one after another, each durable before the next starts.
      const done = queue.then(async () => {
        try {
          await fh.write(line);
          await fh.sync();
        } catch (e) {
          throw storageError("write", path, e);
        }
      });
      queue = done.catch(() => undefined); // one failed batch must not block later ones
      return done;
    },
    async close() {
      await queue;
      await fh.close();
    },
  };
}
