/**
 * The runner store's versioned migrations: the same SQL for both stores (PostgreSQL,
 * and PGlite, PostgreSQL compiled to Wasm, for the embedded one). Each entry is applied
 * once, in order, inside one transaction that also records its name in
 * `ghlb_migrations`; an applied migration is never edited, a change is a new entry.
 *
 * Tables:
 * - `ghlb_intake`: accepted events, unique by (source, dedupe_key); a claim sets
 *   `claimed_by` and `lease_until`, completion sets `state = 'done'` (the row stays as
 *   the dedupe record, its body cleared).
 * - `ghlb_outbox`: each location's core outbox records (the core's keys and JSON), with
 *   the record's state kind for the counts.
 * - `ghlb_leases`: named leases (a location's delivery, a schedule) with an expiry.
 * - `ghlb_values`, `ghlb_secrets` (versioned, compare-and-set), `ghlb_periods` (one
 *   claim per schedule period).
 * - (002) `ghlb_intake.dead_reason`: an item that cannot be processed is kept with its
 *   body, `state = 'dead'` and the reason (JSON `{code, message, attempts, at}`);
 *   `ghlb_outbox_retired`: the outbox records of a location whose connection was
 *   removed (UNINSTALL), moved out of the live outbox unchanged, with the reason.
 * Times are milliseconds since the epoch as BIGINT; leases compare with the database's
 * clock, so workers on different machines agree.
 */

/** One migration: a name that sorts in order, and its SQL. */
export interface Migration {
  /** `NNN_what`, applied in this order. */
  name: string;
  /** Statements (no parameters). */
  sql: string;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: "001_runner_store",
    sql: `
CREATE TABLE ghlb_intake (
  id BIGSERIAL PRIMARY KEY,
  source TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  connection TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  claimed_by TEXT,
  lease_until BIGINT NOT NULL DEFAULT 0,
  claims INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT ghlb_intake_dedupe UNIQUE (source, dedupe_key)
);
CREATE INDEX ghlb_intake_pending ON ghlb_intake (id) WHERE state = 'pending';
CREATE TABLE ghlb_outbox (
  location TEXT NOT NULL,
  key TEXT NOT NULL,
  record TEXT NOT NULL,
  state TEXT,
  PRIMARY KEY (location, key)
);
CREATE TABLE ghlb_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE ghlb_values (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE ghlb_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  version INTEGER NOT NULL
);
CREATE TABLE ghlb_periods (
  schedule TEXT NOT NULL,
  period TEXT NOT NULL,
  holder TEXT NOT NULL,
  claimed_at BIGINT NOT NULL,
  PRIMARY KEY (schedule, period)
);
`,
  },
  {
    name: "002_dead_letters",
    sql: `
ALTER TABLE ghlb_intake ADD COLUMN dead_reason TEXT;
CREATE TABLE ghlb_outbox_retired (
  location TEXT NOT NULL,
  key TEXT NOT NULL,
  record TEXT NOT NULL,
  state TEXT,
  reason TEXT NOT NULL,
  retired_at BIGINT NOT NULL,
  PRIMARY KEY (location, key)
);
`,
  },
];
