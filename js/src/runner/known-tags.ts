/**
 * Where the runner's GHL webhook receiver keeps each contact's last known tag list (the
 * receiver's `storage` option), so a restart does not turn every tag of the next
 * `ContactTagUpdate` into "added": the runner store's keyed records (the storage the
 * outboxes use), under the reserved name `ghl-webhooks:known-tags` (never a GHL location
 * id).
 *
 * Invariant: a tag list is written only once the delivery that produced it is durable in
 * the intake. The receiver writes while it checks a delivery, before the endpoint stores
 * it; those writes are held here per contact and committed after `store.accept()`, or
 * discarded when the store refused it (the sender's retry must diff against the old
 * list, or its change would be lost).
 */
import type { OutboxStorage, StoreOp } from "../storage/types.js";
import type { RunnerStore } from "./store/types.js";

/** The reserved outbox-storage name of the known tag lists. */
export const KNOWN_TAGS = "ghl-webhooks:known-tags";

/** The receiver's storage, and the endpoint's commit / discard per contact. */
export interface KnownTagsStorage {
  /** For `createGhlWebhookReceiver({storage})`: loads from the store, holds writes. */
  storage: OutboxStorage;
  /** Writes the held list of a contact (its delivery is durable now). */
  commit(contactId: string): Promise<void>;
  /** Drops the held list of a contact (its delivery was not stored). */
  discard(contactId: string): void;
}

/** The known tag lists of `store`. */
export function knownTagsStorage(store: RunnerStore): KnownTagsStorage {
  let opened: OutboxStorage | undefined;
  const real = () => {
    opened ??= store.outboxStorage(KNOWN_TAGS);
    return opened;
  };
  const held = new Map<string, StoreOp>();
  const keyOf = (contactId: string) => [...held.keys()].find((k) => k.endsWith(`:${contactId}`));
  return {
    storage: {
      load: () => real().load(),
      apply: async (ops) => {
        for (const o of ops) held.set(o.key, o);
      },
      close: async () => {},
    },
    async commit(contactId) {
      const key = keyOf(contactId);
      const op = key === undefined ? undefined : held.get(key);
      if (key === undefined || !op) return;
      held.delete(key);
      await real().apply([op]);
    },
    discard(contactId) {
      const key = keyOf(contactId);
      if (key !== undefined) held.delete(key);
    },
  };
}
