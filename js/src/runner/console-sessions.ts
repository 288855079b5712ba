/**
 * The console's sessions in the runner's store, and the one place that bounds what a
 * HighLevel custom page's `REQUEST_USER_DATA` payload can open.
 *
 * - A session is a store value under `console-session:<SHA-256 of its id>` (any HTTP
 *   process answers it); the id itself is never stored or logged.
 * - Expired sessions are deleted: when read, and by a sweep each time a session opens
 *   (the index `console-sessions` lists each session's expiry). An index entry lost to
 *   two processes opening sessions at once only leaves that record to be deleted when
 *   it is next read.
 * - **The custom page's payload carries no timestamp** (what is known of it, see
 *   docs/serve.md: the user's context encrypted with the app's shared secret, nothing
 *   more), so a captured payload decrypts as well tomorrow as today. What bounds it
 *   here: the session it opens lives `CUSTOM_PAGE_SESSION_MS` (not the password's
 *   `sessionTtlMs`), and the same payload opens at most one session within that life
 *   (a lease on its hash, taken atomically in the store, so across processes too).
 *   After that life a replayed payload opens a session again: only rotating the app's
 *   shared secret ends a captured payload. If HighLevel's payload turns out to carry a
 *   time or a nonce, this is the one place to check it.
 */
import { createHash, randomBytes } from "node:crypto";
import { runnerError } from "./errors.js";
import type { RunnerStore } from "./store/types.js";

/** A console session. */
export interface Session {
  expiresAt: number;
  via: "password" | "ghl";
  /** `*`: every connection; else these names. */
  connections: "*" | string[];
  user: { userName: string | null; email: string | null; role: string | null } | null;
}

/** How long a session opened by a custom page's payload lives (15 minutes). */
export const CUSTOM_PAGE_SESSION_MS = 15 * 60_000;

const SESSION_PREFIX = "console-session:";
const PAYLOAD_PREFIX = "console-payload:";
const INDEX = "console-sessions";

interface Index {
  /** Session record name -> expiry (ms). */
  sessions: Record<string, number>;
  /** Payload lease name -> its holder and expiry (ms). */
  payloads: Record<string, { holder: string; expiresAt: number }>;
}

const sha256hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** The sessions of one runner store. */
export interface ConsoleSessions {
  /** Stores `s` and answers its new id (a secret: the cookie or header value). */
  open(s: Session): Promise<string>;
  /** The session of `id`, or null (unknown, or expired: then deleted). */
  read(id: string): Promise<Session | null>;
  /** Ends a session. */
  close(id: string): Promise<void>;
  /**
   * Takes the custom page's `payload` for one session; throws
   * `CONSOLE_USER_DATA_REPLAYED` when it opened one within the last
   * `CUSTOM_PAGE_SESSION_MS`.
   */
  claimPayload(payload: string): Promise<void>;
  /** Deletes the expired sessions and payload marks the index lists; answers how many. */
  sweep(): Promise<number>;
}

/** The sessions kept in `store`; `now` is the runner's clock (ms). */
export function consoleSessions(store: RunnerStore, now: () => number): ConsoleSessions {
  const readIndex = async (): Promise<Index> => {
    const v = (await store.getValue(INDEX)) as Partial<Index> | undefined;
    return { sessions: v?.sessions ?? {}, payloads: v?.payloads ?? {} };
  };

  async function sweep(index?: Index): Promise<number> {
    const ix = index ?? (await readIndex());
    const t = now();
    let n = 0;
    for (const [name, exp] of Object.entries(ix.sessions)) {
      if (exp > t) continue;
      await store.deleteValue(name);
      delete ix.sessions[name];
      n += 1;
    }
    for (const [name, p] of Object.entries(ix.payloads)) {
      if (p.expiresAt > t) continue;
      await store.releaseLease(name, p.holder);
      delete ix.payloads[name];
      n += 1;
    }
    if (!index) await store.setValue(INDEX, ix);
    return n;
  }

  return {
    async open(s) {
      const id = randomBytes(32).toString("base64url");
      const name = SESSION_PREFIX + sha256hex(id);
      await store.setValue(name, s);
      const ix = await readIndex();
      await sweep(ix);
      ix.sessions[name] = s.expiresAt;
      await store.setValue(INDEX, ix);
      return id;
    },
    async read(id) {
      if (!id || id.length > 200) return null;
      const name = SESSION_PREFIX + sha256hex(id);
      const s = (await store.getValue(name)) as Session | null | undefined;
      if (!s || typeof s.expiresAt !== "number") return null;
      if (s.expiresAt <= now()) {
        await store.deleteValue(name);
        return null;
      }
      return s;
    },
    async close(id) {
      await store.deleteValue(SESSION_PREFIX + sha256hex(id));
    },
    async claimPayload(payload) {
      const name = PAYLOAD_PREFIX + sha256hex(payload);
      const holder = randomBytes(12).toString("hex");
      // A lease held by another holder and not expired: the payload was used in its life.
      if (!(await store.acquireLease(name, holder, CUSTOM_PAGE_SESSION_MS)))
        throw runnerError(
          "CONSOLE_USER_DATA_REPLAYED",
          "this HighLevel user data opened a session already: open the page in HighLevel again",
          {},
        );
      const ix = await readIndex();
      ix.payloads[name] = { holder, expiresAt: now() + CUSTOM_PAGE_SESSION_MS };
      await store.setValue(INDEX, ix);
    },
    sweep: () => sweep(),
  };
}
