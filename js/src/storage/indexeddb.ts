/**
 * Outbox storage in IndexedDB, for pages and extension service workers.
 *
 * One object store keyed by the record key. A batch of operations is one `readwrite`
 * transaction with `durability: "strict"`, and `apply` resolves on the transaction's
 * `complete` event: only then is the event acknowledged to the host.
 */
import { GhlBridgeError } from "../error-type.js";
import type { OutboxStorage, StoreOp } from "./types.js";
import { arg, name, optional, withMethods } from "../check.js";

const STORE = "outbox";
const nameKind = name;

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function storageError(what: string, e: unknown): GhlBridgeError {
  const reason = e instanceof Error ? e.message : String(e);
  return new GhlBridgeError("STORAGE_ERROR", `IndexedDB ${what} failed: ${reason}`, {
    adapter: "indexeddb",
    reason,
  });
}

/** Opens (creating if needed) the IndexedDB database `name` for the outbox. */
export async function indexedDbStorage(
  name = "ghl-bridge-outbox",
  factory?: IDBFactory,
): Promise<OutboxStorage> {
  arg("indexedDbStorage", "name", name, nameKind);
  arg("indexedDbStorage", "factory", factory, optional(withMethods("open")));
  const idb = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (idb === undefined) {
    throw new GhlBridgeError(
      "STORAGE_ERROR",
      "IndexedDB is not available here: pass an IDBFactory, or use fileStorage (Node) or memoryStorage",
      { adapter: "indexeddb", reason: "unavailable" },
    );
  }
  const open = idb.open(name, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE);
  };
  let db: IDBDatabase;
  try {
    db = await request(open);
  } catch (e) {
    throw storageError("open", e);
  }
  return {
    async load() {
      try {
        const tx = db.transaction(STORE, "readonly");
        const store = tx.objectStore(STORE);
        const [keys, values] = await Promise.all([
          request(store.getAllKeys()),
          request(store.getAll()),
        ]);
        return keys.map((k, i) => ({ key: String(k), record: values[i] as unknown }));
      } catch (e) {
        throw storageError("load", e);
      }
    },
    apply(ops: StoreOp[]) {
      return new Promise<void>((resolve, reject) => {
        let tx: IDBTransaction;
        try {
          tx = db.transaction(STORE, "readwrite", { durability: "strict" });
          const store = tx.objectStore(STORE);
          for (const o of ops) {
            if (o.op === "put") store.put(o.record, o.key);
            else store.delete(o.key);
          }
        } catch (e) {
          reject(storageError("write", e));
          return;
        }
        tx.oncomplete = () => resolve();
        tx.onabort = () => reject(storageError("write", tx.error));
        tx.onerror = () => reject(storageError("write", tx.error));
      });
    },
    async close() {
      db.close();
    },
  };
}
