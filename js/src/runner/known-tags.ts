/**
 * Where the runner's GHL webhook receiver reads and writes each contact's last known tag
 * list: one named value of the runner store per contact (`ghl-webhooks:known-tags:<id>`,
 * `getValue` / `setValue` / `deleteValue`), read once per delivery that needs it, so
 * every process behind one address diffs against the same list and no process keeps
 * the lists in memory.
 *
 * Invariants:
 * - A list is written only once the delivery that produced it is durable in the intake:
 *   the receiver's write is held by the delivery (`KnownTagsDelivery`) and committed
 *   after `store.accept()`, or discarded when the store refused it (the sender's retry
 *   must diff against the old list, or its change would be lost).
 * - One contact's deliveries are serialised from the read of its list (a
 *   `ContactDelete`, which reads nothing: from its delete) to the write: in
 *   the process by a promise chain per contact, across processes (PostgreSQL) by a
 *   store lease per contact (`ghl-webhooks:known-tags:lock:<id>`, 10 s, released after
 *   the write). Two updates taken at once by two processes therefore diff one against
 *   the other's list, never both against the older one (see the module doc of
 *   `src/sources/ghl_webhook.rs`). A delivery that cannot take the lock within
 *   `waitMs` is not acknowledged (503 `INTAKE_CONTACT_BUSY`; the sender retries); a
 *   process killed while holding it delays the contact's next delivery until the
 *   lease expires.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { KnownTagsStore } from "../sources/ghl-webhooks.js";
import type { KnownTags, KnownTagsOp } from "../wasm/types.js";
import { runnerError } from "./errors.js";
import type { RunnerStore } from "./store/types.js";

/** The prefix of the known tag lists' names in the store. */
export const KNOWN_TAGS = "ghl-webhooks:known-tags";

/** The store value holding a contact's known tag list. */
export const knownTagsName = (contactId: string) => `${KNOWN_TAGS}:${contactId}`;

const lockName = (contactId: string) => `${KNOWN_TAGS}:lock:${contactId}`;

/** One delivery's access to the known lists: the receiver's store, then commit or discard. */
export interface KnownTagsDelivery extends KnownTagsStore {
  /** Writes the held operation (the delivery is durable now), then releases the contact. */
  commit(): Promise<void>;
  /** Drops the held operation (the delivery was not stored), then releases the contact. */
  discard(): Promise<void>;
}

/** Options of `knownTags`. */
export interface KnownTagsOptions {
  /** This process's lease holder name (default: host, pid and random). */
  holder?: string;
  /** How long a contact's lease lasts if its holder dies (ms; 10,000). */
  leaseMs?: number;
  /** How long a delivery waits for the contact's lease (ms; 2,000). */
  waitMs?: number;
}

/** The known tag lists of `store`, one `delivery()` per webhook delivery. */
export function knownTags(
  store: RunnerStore,
  options: KnownTagsOptions = {},
): { delivery(): KnownTagsDelivery } {
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const leaseMs = options.leaseMs ?? 10_000;
  const waitMs = options.waitMs ?? 2_000;
  // Only PostgreSQL has other processes; the embedded store's lock file allows one.
  const shared = store.kind === "postgres";
  const chains = new Map<string, Promise<void>>();

  /** Waits for the contact in this process, then (shared store) for its lease. */
  async function lock(contactId: string): Promise<() => Promise<void>> {
    let free!: () => void;
    const mine = new Promise<void>((ok) => {
      free = ok;
    });
    const before = chains.get(contactId) ?? Promise.resolve();
    const tail = before.then(() => mine);
    chains.set(contactId, tail);
    const release = async () => {
      free();
      if (chains.get(contactId) === tail) chains.delete(contactId);
    };
    await before;
    if (!shared) return release;
    const until = Date.now() + waitMs;
    try {
      for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
        if (await store.acquireLease(lockName(contactId), holder, leaseMs)) break;
        if (Date.now() + pause > until)
          throw runnerError(
            "INTAKE_CONTACT_BUSY",
            `another runner process has held contact ${contactId}'s known tags for more than ${waitMs} ms: not acknowledged (the sender retries)`,
            { contactId },
          );
        await new Promise((ok) => setTimeout(ok, pause));
      }
    } catch (e) {
      await release();
      throw e;
    }
    return async () => {
      try {
        await store.releaseLease(lockName(contactId), holder);
      } finally {
        await release();
      }
    };
  }

  return {
    delivery(): KnownTagsDelivery {
      let unlock: (() => Promise<void>) | undefined;
      let held: KnownTagsOp | undefined;
      const end = async () => {
        held = undefined;
        const u = unlock;
        unlock = undefined;
        await u?.();
      };
      return {
        async get(contactId) {
          if (unlock) throw new Error("one delivery reads one contact's known tags");
          unlock = await lock(contactId);
          return (await store.getValue(knownTagsName(contactId))) as KnownTags | undefined;
        },
        async apply(op) {
          // A delete read nothing: it takes the contact now, so it is serialised too.
          unlock ??= await lock(op.op === "put" ? op.list.contactId : op.contactId);
          held = op;
        },
        async commit() {
          const op = held;
          try {
            if (op?.op === "put") await store.setValue(knownTagsName(op.list.contactId), op.list);
            else if (op) await store.deleteValue(knownTagsName(op.contactId));
          } finally {
            await end();
          }
        },
        discard: end,
      };
    },
  };
}

/**
 * Moves the lists an earlier runner kept under the outbox storage `KNOWN_TAGS` (all
 * loaded at start) into one value per contact; a value already there (written by a
 * newer delivery) is kept. Resolves to how many were moved.
 */
export async function migrateKnownTags(store: RunnerStore): Promise<number> {
  const old = store.outboxStorage(KNOWN_TAGS);
  const rows = await old.load();
  let moved = 0;
  for (const { key, record } of rows) {
    const k = record as KnownTags;
    if (typeof k?.contactId === "string" && !(await store.getValue(knownTagsName(k.contactId)))) {
      await store.setValue(knownTagsName(k.contactId), k);
      moved++;
    }
    await old.apply([{ op: "delete", key }]);
  }
  return moved;
}
