/**
 * The runner store in SQL, once, for both engines: PostgreSQL (`pg`, scale-out) and
 * PGlite (PostgreSQL in Wasm, the embedded default). The engines differ only in how a
 * query reaches the database and how a commit is made durable (`Db`); the tables,
 * migrations and statements are the same.
 *
 * - **Intake** is group-committed: the `accept()` calls that arrive while the writes
 *   are under way (and those of one event-loop turn) go into one INSERT ... ON CONFLICT
 *   DO NOTHING (one statement, one commit); each promise resolves once it is durable.
 *   Up to `Db.writers` batches are written at once (pipelined: a batch does not wait
 *   for the previous one's sync), their rows in key order, so two batches never lock
 *   the same keys in opposite orders. (source, dedupe_key) is unique: a repeat is
 *   `duplicate`, in the same batch or a concurrent one too.
 * - **Claims** use `FOR UPDATE SKIP LOCKED`: N workers claim disjoint items; a claim
 *   lasts `leaseMs` (database clock), after which another worker may claim it again.
 * - **Leases** are rows with an expiry: taken when free, expired or already held.
 * - **Secrets** are compare-and-set on a version; **periods** are a primary key, so
 *   exactly one claim per (schedule, period) wins.
 * - **Outbox storage** per location: `apply` writes a batch of the core's store
 *   operations in one transaction.
 */
import type { OutboxStorage, StoreOp } from "../../storage/types.js";
import { GhlBridgeError } from "../../errors.js";
import { closedError, storeCode, storeError } from "./errors.js";
import { MIGRATIONS } from "./migrations.js";
import type {
  ClaimedIntake,
  DeadIntake,
  DeadReason,
  IntakeItem,
  IntakeSource,
  RunnerStore,
  StoreCounts,
  StoredSecret,
} from "./types.js";

/** Runs one statement. */
export interface Sql {
  /** Runs `text` with `$1...` parameters; the rows. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

/** A driver's connection or transaction: a query answering `{ rows }`. */
export interface Queryable {
  /** Runs a statement. */
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** `Sql` over a driver's handle; `exec` runs parameterless statements (default: `query`). */
export function sqlOf(q: Queryable, exec?: (text: string) => Promise<unknown>): Sql {
  return {
    async query<R>(text: string, params?: unknown[]) {
      return (await q.query(text, params)).rows as R[];
    },
    async exec(text: string) {
      await (exec ? exec(text) : q.query(text));
    },
  };
}

/** An engine: statements, transactions, durability. */
export interface Db extends Sql {
  /** `embedded` or `postgres`. */
  readonly kind: "embedded" | "postgres";
  /** Runs `f` in one transaction (BEGIN ... COMMIT, ROLLBACK on a throw), durable when it resolves. */
  tx<T>(f: (q: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs `f`, which issues exactly one statement (atomic on its own), without BEGIN and
   * COMMIT round trips; durable when it resolves.
   */
  one<T>(f: (q: Sql) => Promise<T>): Promise<T>;
  /**
   * How many intake batches may be written at once (default 1): the embedded engine's
   * next INSERT runs while the last one's WAL is synced; PostgreSQL's batches use
   * several pooled connections, and its commits share the server's WAL flushes.
   */
  readonly writers?: number;
  /** Closes the engine. */
  close(): Promise<void>;
}

/** The database's clock in ms (leases compare with it, so workers agree). */
const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/** Only one migrator at a time (PostgreSQL advisory lock key). */
const MIGRATION_LOCK = 7_306_552_011;

const SOURCES: ReadonlySet<string> = new Set<IntakeSource>(["qwilr", "ghl", "capture", "wishpond"]);

interface Waiting {
  item: IntakeItem;
  body: string;
  resolve: (r: "accepted" | "duplicate") => void;
  reject: (e: unknown) => void;
}

function invalid(fn: string, what: string, detail: Record<string, unknown> = {}): GhlBridgeError {
  return new GhlBridgeError("INVALID_ARGUMENT", `${fn}: ${what}`, { function: fn, ...detail });
}

function checkItem(item: IntakeItem): string {
  if (item === null || typeof item !== "object")
    throw invalid("store.accept", "item must be an object");
  if (!SOURCES.has(item.source))
    throw invalid("store.accept", "item.source must be qwilr, ghl, capture or wishpond", {
      argument: "item.source",
    });
  for (const k of ["dedupeKey", "connection"] as const) {
    if (typeof item[k] !== "string" || item[k].length === 0)
      throw invalid("store.accept", `item.${k} must be a non-empty string`, {
        argument: `item.${k}`,
      });
  }
  if (!Number.isSafeInteger(item.receivedAt) || item.receivedAt < 0)
    throw invalid("store.accept", "item.receivedAt must be ms since the epoch", {
      argument: "item.receivedAt",
    });
  const body = JSON.stringify(item.body);
  if (body === undefined)
    throw invalid("store.accept", "item.body must be JSON", { argument: "item.body" });
  return body;
}

/** An intake row as the statements return it. */
interface IntakeRow {
  id: string;
  source: IntakeSource;
  dedupe_key: string;
  connection: string;
  body: string;
  received_at: string;
}

/** A row as the item it stores (with its id). */
function itemOf(r: IntakeRow): IntakeItem & { id: string } {
  return {
    id: r.id,
    source: r.source,
    dedupeKey: r.dedupe_key,
    connection: r.connection,
    body: JSON.parse(r.body) as unknown,
    receivedAt: Number(r.received_at),
  };
}

function reasonText(fn: string, reason: DeadReason): string {
  if (
    reason === null ||
    typeof reason !== "object" ||
    typeof reason.code !== "string" ||
    typeof reason.message !== "string"
  )
    throw invalid(fn, "reason must be {code, message, at}", { argument: "reason" });
  return JSON.stringify(reason);
}

function stateOf(record: unknown): string | null {
  const state = (record as { state?: { kind?: unknown } } | null)?.state;
  return typeof state?.kind === "string" ? state.kind : null;
}

/** The store over an engine. */
export class SqlStore implements RunnerStore {
  readonly kind: "embedded" | "postgres";
  private readonly db: Db;
  private closed = false;
  private waiting: Waiting[] = [];
  /** The intake batches being written. */
  private flushing = new Set<Promise<void>>();
  private flushQueued = false;
  private readonly writers: number;

  constructor(db: Db) {
    this.db = db;
    this.kind = db.kind;
    this.writers = Math.max(1, db.writers ?? 1);
  }

  /** Runs `f`, turning every failure into a typed store error. */
  private async run<T>(operation: string, f: () => Promise<T>): Promise<T> {
    if (this.closed) throw closedError(this.kind, operation);
    try {
      return await f();
    } catch (e) {
      throw storeError(this.kind, operation, e);
    }
  }

  async migrate(): Promise<string[]> {
    return this.run("migrate", () =>
      this.db.tx(async (q) => {
        await q.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
        await q.exec(
          "CREATE TABLE IF NOT EXISTS ghlb_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        );
        const rows = await q.query<{ name: string }>("SELECT name FROM ghlb_migrations");
        const done = new Set(rows.map((r) => r.name));
        const applied: string[] = [];
        for (const m of MIGRATIONS) {
          if (done.has(m.name)) continue;
          await q.exec(m.sql);
          await q.query(`INSERT INTO ghlb_migrations (name, applied_at) VALUES ($1, ${NOW_MS})`, [
            m.name,
          ]);
          applied.push(m.name);
        }
        return applied;
      }),
    );
  }

  /** The migrations not applied yet (empty when the store is up to date). */
  async pendingMigrations(): Promise<string[]> {
    return this.run("pendingMigrations", async () => {
      const exists = await this.db.query<{ t: string | null }>(
        "SELECT to_regclass('ghlb_migrations')::text AS t",
      );
      if (!exists[0]?.t) return MIGRATIONS.map((m) => m.name);
      const rows = await this.db.query<{ name: string }>("SELECT name FROM ghlb_migrations");
      const done = new Set(rows.map((r) => r.name));
      return MIGRATIONS.filter((m) => !done.has(m.name)).map((m) => m.name);
    });
  }

  async ping(): Promise<void> {
    await this.run("ping", () => this.db.query("SELECT 1"));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing.size > 0 || this.waiting.length > 0) {
      await (this.flushing.size > 0
        ? Promise.race(this.flushing)
        : new Promise((r) => setImmediate(r)));
    }
    this.closed = true;
    await this.db.close().catch(() => undefined);
  }

  // ---- intake ----

  accept(item: IntakeItem): Promise<"accepted" | "duplicate"> {
    if (this.closed) return Promise.reject(closedError(this.kind, "accept"));
    let body: string;
    try {
      body = checkItem(item);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, body, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushing.size >= this.writers || this.flushQueued) return;
    this.flushQueued = true;
    // The accepts of this event-loop turn go together.
    setImmediate(() => {
      this.flushQueued = false;
      if (this.waiting.length === 0) return;
      const p: Promise<void> = this.flush().finally(() => {
        this.flushing.delete(p);
        if (this.waiting.length > 0) this.scheduleFlush();
      });
      this.flushing.add(p);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    // The first of a (source, dedupeKey) in the batch is inserted; the others are repeats.
    const first = new Map<string, Waiting>();
    const repeats: Waiting[] = [];
    for (const w of batch) {
      const k = `${w.item.source}\u0000${w.item.dedupeKey}`;
      if (first.has(k)) repeats.push(w);
      else first.set(k, w);
    }
    // In key order: concurrent batches take the unique index's locks in one order.
    const rows = [...first.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, w]) => w);
    try {
      const inserted = await this.run("accept", () =>
        this.db.one((q) =>
          q.query<{ source: string; dedupe_key: string }>(
            `INSERT INTO ghlb_intake (source, dedupe_key, connection, body, received_at)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
             ON CONFLICT (source, dedupe_key) DO NOTHING
             RETURNING source, dedupe_key`,
            [
              rows.map((w) => w.item.source),
              rows.map((w) => w.item.dedupeKey),
              rows.map((w) => w.item.connection),
              rows.map((w) => w.body),
              rows.map((w) => String(w.item.receivedAt)),
            ],
          ),
        ),
      );
      const fresh = new Set(inserted.map((r) => `${r.source}\u0000${r.dedupe_key}`));
      for (const [k, w] of first) w.resolve(fresh.has(k) ? "accepted" : "duplicate");
      for (const w of repeats) w.resolve("duplicate");
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }

  async claimIntake(
    worker: string,
    limit: number,
    leaseMs: number,
    options: { connections?: string[] } = {},
  ): Promise<ClaimedIntake[]> {
    if (typeof worker !== "string" || worker.length === 0)
      throw invalid("store.claimIntake", "worker must be a non-empty string", {
        argument: "worker",
      });
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw invalid("store.claimIntake", "limit must be a positive integer", { argument: "limit" });
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 1)
      throw invalid("store.claimIntake", "leaseMs must be a positive integer", {
        argument: "leaseMs",
      });
    const only = options.connections;
    if (only !== undefined && only.length === 0) return [];
    const rows = await this.run("claimIntake", () =>
      this.db.one((q) =>
        q.query<IntakeRow & { claims: number }>(
          `UPDATE ghlb_intake SET claimed_by = $1, lease_until = ${NOW_MS} + $3::bigint, claims = claims + 1
           WHERE id IN (
             SELECT id FROM ghlb_intake
             WHERE state = 'pending' AND lease_until < ${NOW_MS}
               AND ($4::text[] IS NULL OR connection = ANY($4::text[]))
             ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING id::text AS id, source, dedupe_key, connection, body, received_at::text AS received_at, claims`,
          [worker, limit, leaseMs, only ?? null],
        ),
      ),
    );
    return rows
      .map((r) => ({ ...itemOf(r), attempts: r.claims - 1 }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async completeIntake(ids: string[]): Promise<void> {
    if (!Array.isArray(ids) || !ids.every((i) => typeof i === "string" && /^\d+$/.test(i)))
      throw invalid("store.completeIntake", "ids must be the ids claimIntake returned", {
        argument: "ids",
      });
    if (ids.length === 0) return;
    await this.run("completeIntake", () =>
      this.db.one((q) =>
        q.query(
          `UPDATE ghlb_intake SET state = 'done', body = 'null', claimed_by = NULL
           WHERE id = ANY($1::bigint[])`,
          [ids],
        ),
      ),
    );
  }

  async retryIntake(id: string, delayMs: number): Promise<void> {
    if (typeof id !== "string" || !/^\d+$/.test(id))
      throw invalid("store.retryIntake", "id must be an id claimIntake returned", {
        argument: "id",
      });
    if (!Number.isSafeInteger(delayMs) || delayMs < 0)
      throw invalid("store.retryIntake", "delayMs must be a non-negative integer", {
        argument: "delayMs",
      });
    await this.run("retryIntake", () =>
      this.db.one((q) =>
        q.query(
          `UPDATE ghlb_intake SET claimed_by = NULL, lease_until = ${NOW_MS} + $2::bigint
           WHERE id = $1::bigint AND state = 'pending'`,
          [id, delayMs],
        ),
      ),
    );
  }

  async deadLetterIntake(ids: string[], reason: DeadReason): Promise<void> {
    if (!Array.isArray(ids) || !ids.every((i) => typeof i === "string" && /^\d+$/.test(i)))
      throw invalid("store.deadLetterIntake", "ids must be the ids claimIntake returned", {
        argument: "ids",
      });
    const text = reasonText("store.deadLetterIntake", reason);
    if (ids.length === 0) return;
    await this.run("deadLetterIntake", () =>
      this.db.one((q) =>
        q.query(
          `UPDATE ghlb_intake SET state = 'dead', dead_reason = $2, claimed_by = NULL
           WHERE id = ANY($1::bigint[]) AND state = 'pending'`,
          [ids, text],
        ),
      ),
    );
  }

  async deadLetterConnection(connection: string, reason: DeadReason): Promise<number> {
    const text = reasonText("store.deadLetterConnection", reason);
    const rows = await this.run("deadLetterConnection", () =>
      this.db.one((q) =>
        q.query(
          `UPDATE ghlb_intake SET state = 'dead', dead_reason = $2, claimed_by = NULL
           WHERE connection = $1 AND state = 'pending' RETURNING id`,
          [connection, text],
        ),
      ),
    );
    return rows.length;
  }

  async deadIntake(options: { connection?: string; limit?: number } = {}): Promise<DeadIntake[]> {
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw invalid("store.deadIntake", "limit must be a positive integer", { argument: "limit" });
    const rows = await this.run("deadIntake", () =>
      this.db.query<IntakeRow & { dead_reason: string | null }>(
        `SELECT id::text AS id, source, dedupe_key, connection, body, received_at::text AS received_at, dead_reason
         FROM ghlb_intake WHERE state = 'dead' AND ($1::text IS NULL OR connection = $1)
         ORDER BY id LIMIT $2`,
        [options.connection ?? null, limit],
      ),
    );
    return rows.map((r) => ({
      ...itemOf(r),
      reason: JSON.parse(r.dead_reason ?? "null") as DeadReason,
    }));
  }

  // ---- outbox ----

  outboxStorage(location: string): OutboxStorage {
    if (typeof location !== "string" || location.length === 0)
      throw invalid("store.outboxStorage", "location must be a non-empty string", {
        argument: "location",
      });
    return {
      load: () =>
        this.run("outbox.load", async () => {
          const rows = await this.db.query<{ key: string; record: string }>(
            "SELECT key, record FROM ghlb_outbox WHERE location = $1 ORDER BY key",
            [location],
          );
          return rows.map((r) => ({ key: r.key, record: JSON.parse(r.record) as unknown }));
        }),
      apply: (ops: StoreOp[]) =>
        this.run("outbox.apply", async () => {
          if (ops.length === 0) return;
          // Later operations on a key win; a batch is one transaction.
          const last = new Map<string, StoreOp>();
          for (const o of ops) last.set(o.key, o);
          const puts = [...last.values()].filter((o) => o.op === "put");
          const dels = [...last.values()].filter((o) => o.op !== "put").map((o) => o.key);
          const texts = puts.map((o) => JSON.stringify((o as { record: unknown }).record));
          // One statement (atomic on its own): the deletes, then the puts.
          await this.db.one((q) =>
            q.query(
              `WITH gone AS (
                 DELETE FROM ghlb_outbox WHERE location = $1 AND key = ANY($2::text[]))
               INSERT INTO ghlb_outbox (location, key, record, state)
               SELECT $1, * FROM unnest($3::text[], $4::text[], $5::text[])
               ON CONFLICT (location, key) DO UPDATE SET record = EXCLUDED.record, state = EXCLUDED.state`,
              [
                location,
                dels,
                puts.map((o) => o.key),
                texts,
                puts.map((o) => stateOf((o as { record: unknown }).record)),
              ],
            ),
          );
        }),
      // The store outlives each outbox: closing an outbox leaves it open.
      close: async () => {},
    };
  }

  async retireOutbox(location: string, reason: DeadReason): Promise<number> {
    const text = reasonText("store.retireOutbox", reason);
    const rows = await this.run("retireOutbox", () =>
      this.db.one((q) =>
        q.query<{ state: string | null }>(
          `WITH gone AS (DELETE FROM ghlb_outbox WHERE location = $1 RETURNING location, key, record, state)
           INSERT INTO ghlb_outbox_retired (location, key, record, state, reason, retired_at)
           SELECT location, key, record, state, $2, ${NOW_MS} FROM gone
           ON CONFLICT (location, key) DO UPDATE SET record = EXCLUDED.record, state = EXCLUDED.state,
             reason = EXCLUDED.reason, retired_at = EXCLUDED.retired_at
           RETURNING state`,
          [location, text],
        ),
      ),
    );
    return rows.filter((r) => r.state === "pending" || r.state === "dead").length;
  }

  async restoreRetiredOutbox(location: string): Promise<number> {
    const rows = await this.run("restoreRetiredOutbox", () =>
      this.db.one((q) =>
        q.query<{ state: string | null }>(
          `WITH back AS (DELETE FROM ghlb_outbox_retired WHERE location = $1 RETURNING location, key, record, state)
           INSERT INTO ghlb_outbox (location, key, record, state)
           SELECT location, key, record, state FROM back
           ON CONFLICT (location, key) DO NOTHING
           RETURNING state`,
          [location],
        ),
      ),
    );
    return rows.filter((r) => r.state === "pending" || r.state === "dead").length;
  }

  async retiredOutbox(
    location: string,
  ): Promise<Array<{ key: string; state: string | null; reason: DeadReason }>> {
    const rows = await this.run("retiredOutbox", () =>
      this.db.query<{ key: string; state: string | null; reason: string }>(
        `SELECT key, state, reason FROM ghlb_outbox_retired
         WHERE location = $1 AND state IN ('pending', 'dead') ORDER BY key`,
        [location],
      ),
    );
    return rows.map((r) => ({
      key: r.key,
      state: r.state,
      reason: JSON.parse(r.reason) as DeadReason,
    }));
  }

  // ---- leases ----

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
      throw invalid("store.acquireLease", "ttlMs must be a positive integer", {
        argument: "ttlMs",
      });
    const rows = await this.run("acquireLease", () =>
      this.db.one((q) =>
        q.query<{ holder: string }>(
          `INSERT INTO ghlb_leases (name, holder, expires_at) VALUES ($1, $2, ${NOW_MS} + $3::bigint)
           ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
           WHERE ghlb_leases.holder = EXCLUDED.holder OR ghlb_leases.expires_at < ${NOW_MS}
           RETURNING holder`,
          [name, holder, ttlMs],
        ),
      ),
    );
    return rows.length === 1 && rows[0].holder === holder;
  }

  async renewLeases(names: string[], holder: string, ttlMs: number): Promise<string[]> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
      throw invalid("store.renewLeases", "ttlMs must be a positive integer", {
        argument: "ttlMs",
      });
    if (names.length === 0) return [];
    const rows = await this.run("renewLeases", () =>
      this.db.one((q) =>
        q.query<{ name: string; holder: string }>(
          `INSERT INTO ghlb_leases (name, holder, expires_at)
           SELECT n, $2, ${NOW_MS} + $3::bigint FROM unnest($1::text[]) AS n
           ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
           WHERE ghlb_leases.holder = EXCLUDED.holder OR ghlb_leases.expires_at < ${NOW_MS}
           RETURNING name, holder`,
          [names, holder, ttlMs],
        ),
      ),
    );
    return rows.filter((r) => r.holder === holder).map((r) => r.name);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.run("releaseLease", () =>
      this.db.one((q) =>
        q.query("DELETE FROM ghlb_leases WHERE name = $1 AND holder = $2", [name, holder]),
      ),
    );
  }

  /** Who holds a lease now (undefined when free or expired): for the console and tests. */
  async leaseHolder(name: string): Promise<string | undefined> {
    const rows = await this.run("leaseHolder", () =>
      this.db.query<{ holder: string }>(
        `SELECT holder FROM ghlb_leases WHERE name = $1 AND expires_at >= ${NOW_MS}`,
        [name],
      ),
    );
    return rows[0]?.holder;
  }

  async countLeases(prefix: string): Promise<number> {
    const rows = await this.run("countLeases", () =>
      this.db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ghlb_leases
         WHERE starts_with(name, $1) AND expires_at >= ${NOW_MS}`,
        [prefix],
      ),
    );
    return Number(rows[0]?.n ?? 0);
  }

  // ---- values ----

  async getValue(name: string): Promise<unknown | undefined> {
    const rows = await this.run("getValue", () =>
      this.db.query<{ value: string }>("SELECT value FROM ghlb_values WHERE name = $1", [name]),
    );
    return rows.length === 0 ? undefined : (JSON.parse(rows[0].value) as unknown);
  }

  async setValue(name: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined)
      throw invalid("store.setValue", "value must be JSON", { argument: "value" });
    await this.run("setValue", () =>
      this.db.one((q) =>
        q.query(
          `INSERT INTO ghlb_values (name, value) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
          [name, text],
        ),
      ),
    );
  }

  async deleteValue(name: string): Promise<void> {
    await this.run("deleteValue", () =>
      this.db.one((q) => q.query("DELETE FROM ghlb_values WHERE name = $1", [name])),
    );
  }

  // ---- secrets ----

  async getSecret(name: string): Promise<StoredSecret | undefined> {
    const rows = await this.run("getSecret", () =>
      this.db.query<{ value: string; version: number }>(
        "SELECT value, version FROM ghlb_secrets WHERE name = $1",
        [name],
      ),
    );
    return rows.length === 0 ? undefined : { value: rows[0].value, version: rows[0].version };
  }

  async casSecret(name: string, expectedVersion: number, value: string): Promise<boolean> {
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)
      throw invalid("store.casSecret", "expectedVersion must be 0 or a stored version", {
        argument: "expectedVersion",
      });
    if (typeof value !== "string")
      throw invalid("store.casSecret", "value must be a string (ciphertext)", {
        argument: "value",
      });
    const rows = await this.run("casSecret", () =>
      this.db.one((q) =>
        expectedVersion === 0
          ? q.query(
              `INSERT INTO ghlb_secrets (name, value, version) VALUES ($1, $2, 1)
               ON CONFLICT (name) DO NOTHING RETURNING version`,
              [name, value],
            )
          : q.query(
              `UPDATE ghlb_secrets SET value = $2, version = version + 1
               WHERE name = $1 AND version = $3 RETURNING version`,
              [name, value, expectedVersion],
            ),
      ),
    );
    return rows.length === 1;
  }

  async deleteSecret(name: string): Promise<void> {
    await this.run("deleteSecret", () =>
      this.db.one((q) => q.query("DELETE FROM ghlb_secrets WHERE name = $1", [name])),
    );
  }

  // ---- schedules ----

  async claimPeriod(schedule: string, period: string, holder: string): Promise<boolean> {
    const rows = await this.run("claimPeriod", () =>
      this.db.one((q) =>
        q.query(
          `INSERT INTO ghlb_periods (schedule, period, holder, claimed_at) VALUES ($1, $2, $3, ${NOW_MS})
           ON CONFLICT (schedule, period) DO NOTHING RETURNING holder`,
          [schedule, period, holder],
        ),
      ),
    );
    return rows.length === 1;
  }

  // ---- counts ----

  async counts(): Promise<StoreCounts> {
    return this.run("counts", async () => {
      const intake = await this.db.query<{ connection: string; n: string }>(
        "SELECT connection, count(*)::text AS n FROM ghlb_intake WHERE state = 'pending' GROUP BY connection",
      );
      const outbox = await this.db.query<{ location: string; state: string; n: string }>(
        `SELECT location, state, count(*)::text AS n FROM ghlb_outbox
         WHERE state IN ('pending', 'dead') GROUP BY location, state`,
      );
      const retired = await this.db.query<{ location: string; n: string }>(
        `SELECT location, count(*)::text AS n FROM ghlb_outbox_retired
         WHERE state IN ('pending', 'dead') GROUP BY location`,
      );
      const dead = await this.db.query<{ connection: string; n: string }>(
        "SELECT connection, count(*)::text AS n FROM ghlb_intake WHERE state = 'dead' GROUP BY connection",
      );
      const counts: StoreCounts = {
        pendingIntake: Object.create(null) as Record<string, number>,
        outbox: Object.create(null) as Record<string, { pending: number; dead: number }>,
        deadIntake: Object.create(null) as Record<string, number>,
      };
      for (const r of intake) counts.pendingIntake[r.connection] = Number(r.n);
      for (const r of dead)
        (counts.deadIntake as Record<string, number>)[r.connection] = Number(r.n);
      for (const r of retired) counts.outbox[r.location] = { pending: 0, dead: Number(r.n) };
      for (const r of outbox) {
        const entry = counts.outbox[r.location] ?? { pending: 0, dead: 0 };
        counts.outbox[r.location] = entry;
        if (r.state === "pending") entry.pending = Number(r.n);
        else entry.dead += Number(r.n);
      }
      return counts;
    });
  }
}

/** True when `e` is a store error of the given kind (for callers deciding what to do). */
export function isStoreError(e: unknown, kind: Parameters<typeof storeCode>[0]): boolean {
  return e instanceof GhlBridgeError && e.code === storeCode(kind);
}
