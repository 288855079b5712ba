/**
 * The one small interface between the outbox and durable storage.
 *
 * The core produces store operations (`put` a record under a key, `delete` a key); an
 * adapter applies a batch atomically and durably, and resolves only when the batch
 * would survive the tab closing or the worker stopping. `load` returns every record
 * for the outbox to restore from after a reload or restart.
 */

import type { OutboxBudgetRecord, OutboxRecord, StoreOp as CoreStoreOp } from "../wasm/types.js";

/**
 * One operation on the store: the core's (plan records; generated from its type), or a
 * location's rate budget, which the core hands out beside them (`Drained.budgets`) and
 * which is written the same way (`put` under its key). Records are owned by the core:
 * an adapter stores each `record` under its `key` as it is.
 */
export type StoreOp =
  | Exclude<CoreStoreOp, { op: "put" }>
  | { op: "put"; key: string; record: OutboxRecord | OutboxBudgetRecord };

/** Durable storage of the outbox. */
export interface OutboxStorage {
  /** Every stored record, keyed. */
  load(): Promise<Array<{ key: string; record: unknown }>>;
  /** Applies the operations atomically; resolves once they are durable. */
  apply(ops: StoreOp[]): Promise<void>;
  /** Releases resources (connections, file handles). */
  close(): Promise<void>;
}
