/**
 * The one small interface between the outbox and durable storage.
 *
 * The core produces store operations (`put` a record under a key, `delete` a key); an
 * adapter applies a batch atomically and durably, and resolves only when the batch
 * would survive the tab closing or the worker stopping. `load` returns every record
 * for the outbox to restore from after a reload or restart.
 */

import type { StoreOp } from "../wasm/types.js";

/** One operation on the store (generated from the core's type). Records are owned by the core. */
export type { StoreOp };

/** Durable storage of the outbox. */
export interface OutboxStorage {
  /** Every stored record, keyed. */
  load(): Promise<Array<{ key: string; record: unknown }>>;
  /** Applies the operations atomically; resolves once they are durable. */
  apply(ops: StoreOp[]): Promise<void>;
  /** Releases resources (connections, file handles). */
  close(): Promise<void>;
}
