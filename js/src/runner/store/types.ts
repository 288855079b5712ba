/**
 * The runner's one storage interface, implemented twice: the embedded store (one local
 * file, nothing to install) and PostgreSQL (scale-out, N workers). Everything the runner
 * keeps durably goes through it, so the HTTP side, the workers and the schedules never
 * know which store they run on.
 *
 * Rules every implementation keeps:
 * - A promise resolves only once its effect is durable (committed); a failure rejects
 *   with a `GhlBridgeError` (`STORE_UNAVAILABLE`, `STORE_FULL`, ...) and nothing is
 *   acknowledged.
 * - Values are JSON; secrets arrive already encrypted (the store never sees a token).
 */

import type { OutboxStorage } from "../../storage/types.js";

/** Where an intake item came from. */
export type IntakeSource = "qwilr" | "ghl" | "capture" | "wishpond";

/** One event accepted at an intake endpoint (or found by a poller), before processing. */
export interface IntakeItem {
  /** The source that sent or produced it. */
  source: IntakeSource;
  /** The source's own idempotency key (Qwilr `idempotencyKey`, GHL `webhookId`, ...). */
  dedupeKey: string;
  /** The configured connection (a GHL location) it is for. */
  connection: string;
  /** The verified event as JSON. */
  body: unknown;
  /** Milliseconds since the epoch when it was received. */
  receivedAt: number;
}

/** An intake item claimed by a worker. */
export interface ClaimedIntake extends IntakeItem {
  /** The store's id of the item. */
  id: string;
  /** How many times it was claimed before (0 the first time). */
  attempts: number;
}

/** Why an intake item or an outbox record was dead-lettered. */
export interface DeadReason {
  /** A stable code (`GhlBridgeError.code`, `QWILR_PAGE_GONE`, `CONNECTION_REMOVED`...). */
  code: string;
  /** A sentence for a person (no secrets). */
  message: string;
  /** How many times the item was tried. */
  attempts?: number;
  /** When (ms since the epoch). */
  at: number;
}

/** A dead-lettered intake item: kept with its body, never processed again by itself. */
export interface DeadIntake extends IntakeItem {
  /** The store's id of the item. */
  id: string;
  /** Why. */
  reason: DeadReason;
}

/** A versioned, encrypted secret (OAuth tokens). */
export interface StoredSecret {
  /** Ciphertext, as the runner's token vault wrote it. */
  value: string;
  /** Increases by one on every write; compare-and-set uses it. */
  version: number;
}

/** Counts for `/metrics` and the console. */
export interface StoreCounts {
  /** Intake items not yet processed, per connection. */
  pendingIntake: Record<string, number>;
  /**
   * Outbox records per location (as the core's records say: pending, dead, ...); the
   * records retired by an UNINSTALL that were not done count as dead.
   */
  outbox: Record<string, { pending: number; dead: number }>;
  /** Dead-lettered intake items, per connection (absent: none). */
  deadIntake?: Record<string, number>;
}

/** The runner's durable state. */
export interface RunnerStore {
  /** `embedded` or `postgres`. */
  readonly kind: "embedded" | "postgres";
  /** Applies the versioned migrations not yet applied; returns their names. */
  migrate(): Promise<string[]>;
  /** Fails with `STORE_UNAVAILABLE` when the store cannot be reached. */
  ping(): Promise<void>;
  /** Closes connections and files. */
  close(): Promise<void>;

  /** Durably accepts an item; `duplicate` when (source, dedupeKey) was accepted before. */
  accept(item: IntakeItem): Promise<"accepted" | "duplicate">;
  /**
   * Claims up to `limit` items (oldest first per connection) for `leaseMs`; with
   * `connections`, only items of those connections (a worker claims the intake of the
   * locations whose lease it holds, so one location's events keep their order).
   */
  claimIntake(
    worker: string,
    limit: number,
    leaseMs: number,
    options?: { connections?: string[] },
  ): Promise<ClaimedIntake[]>;
  /** Marks claimed items processed (their effects are in the outbox). */
  completeIntake(ids: string[]): Promise<void>;
  /**
   * Gives a claimed item back to be claimed again no sooner than `delayMs` from now (a
   * transient failure: the worker's backoff); its attempt count stays.
   */
  retryIntake(id: string, delayMs: number): Promise<void>;
  /** Dead-letters items: kept with their bodies and the reason, never claimed again. */
  deadLetterIntake(ids: string[], reason: DeadReason): Promise<void>;
  /**
   * Dead-letters every pending intake item of a connection (its connection was removed);
   * resolves to how many.
   */
  deadLetterConnection(connection: string, reason: DeadReason): Promise<number>;
  /** The dead-lettered intake items, oldest first (at most `limit`, default 100). */
  deadIntake(options?: { connection?: string; limit?: number }): Promise<DeadIntake[]>;

  /** The durable storage of one location's core outbox (used while its lease is held). */
  outboxStorage(location: string): OutboxStorage;
  /**
   * Moves every outbox record of a location out of the live outbox (its connection was
   * removed: UNINSTALL), unchanged, with the reason; resolves to how many were not done
   * (pending or dead). Call it with the location's lease held and its outbox closed.
   */
  retireOutbox(location: string, reason: DeadReason): Promise<number>;
  /**
   * Moves a location's retired records back into its live outbox, unchanged (the
   * connection was installed again and the operator asked to send them); a key the live
   * outbox holds already keeps the live record. Resolves to how many of those moved were
   * not done (pending or dead). Call it with the location's lease held and its outbox
   * closed; the outbox restored after it delivers them.
   */
  restoreRetiredOutbox(location: string): Promise<number>;
  /** The retired records of a location that were not done, with the reason. */
  retiredOutbox(
    location: string,
  ): Promise<Array<{ key: string; state: string | null; reason: DeadReason }>>;

  /** Takes or renews the named lease for `holder`; true when `holder` now holds it. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /**
   * Renews (or takes) several leases in one step; the names `holder` now holds.
   * Optional: without it, each lease is renewed with `acquireLease`.
   */
  renewLeases?(names: string[], holder: string, ttlMs: number): Promise<string[]>;
  /** Gives the lease up (no-op when `holder` does not hold it). */
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * How many unexpired leases have a name starting with `prefix` (the workers count
   * each other's heartbeat leases to share the locations). Optional: a store without
   * it makes each worker take every location it can.
   */
  countLeases?(prefix: string): Promise<number>;

  /** Reads a named JSON value (poll cursors, known tag lists, settings). */
  getValue(name: string): Promise<unknown | undefined>;
  /** Writes a named JSON value. */
  setValue(name: string, value: unknown): Promise<void>;
  /** Deletes a named value (no-op when absent). */
  deleteValue(name: string): Promise<void>;

  /** Reads a secret. */
  getSecret(name: string): Promise<StoredSecret | undefined>;
  /**
   * Writes a secret only if its version is still `expectedVersion` (0: absent); true when
   * written. The OAuth refresh stores the rotated refresh token with this before it uses
   * the new access token.
   */
  casSecret(name: string, expectedVersion: number, value: string): Promise<boolean>;
  /** Removes a secret (UNINSTALL). */
  deleteSecret(name: string): Promise<void>;

  /** True exactly once per (schedule, period) across all workers: the caller then runs it. */
  claimPeriod(schedule: string, period: string, holder: string): Promise<boolean>;

  /** Counts for metrics. */
  counts(): Promise<StoreCounts>;
}
