/**
 * HighLevel webhook intake. The Rust core decides (which signature header, which key,
 * the timestamp window, replays, the tag diff, which known list wins); this file only
 * runs the platform's own signature primitive (WebCrypto `crypto.subtle.verify`: Node
 * 18+, browsers, workers) over the bytes received, hands the verdict back, and reads
 * and writes the one contact's known tag list the core asks for. No crypto is written
 * here, and no list is kept here beyond the default in-memory store's.
 */
import * as glue from "../wasm/ghl_bridge_wasm.js";
import { func, object, options as checkOptions, optional, withMethods } from "../check.js";
import { GhlBridgeError, guard, instanceGeneration } from "../errors.js";
import type { OutboxStorage, StoreOp } from "../storage/types.js";
import type {
  GhlWebhookConfig,
  GhlWebhookOutcome,
  IntakeLogEntry,
  KnownTags,
  KnownTagsOp,
  SeenKey,
  SignatureCheck,
  SignatureVerdict,
} from "../wasm/types.js";

/** Headers as Node (`req.headers`), fetch (`Headers`) or a plain object has them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** The raw request body: the exact bytes received (a string is read as UTF-8). */
export type WebhookBody = Uint8Array | ArrayBuffer | string;

/** Verifies `signature` over `body` with the public key; resolves to the verdict. */
export type SignatureVerifier = (check: SignatureCheck, body: Uint8Array) => Promise<boolean>;

/** Options of `createGhlWebhookReceiver`. */
export interface GhlWebhookReceiverOptions {
  /** Keys (HighLevel's published ones by default), window, limits; `allowUnsigned` is for tests only. */
  config?: Partial<GhlWebhookConfig>;
  /** The clock (ms); defaults to `Date.now`. */
  now?: () => number;
  /** Replaces the WebCrypto verifier (e.g. to use `node:crypto`). */
  verify?: SignatureVerifier;
  /**
   * Where each contact's last known tag list is kept, read by key once per delivery
   * that needs it and written before `receive` resolves (see `KnownTagsStore`). Wins
   * over `storage`. Default: in memory (at most 10,000 contacts, the least recently
   * written forgotten first), lost on restart.
   */
  knownTags?: KnownTagsStore;
  /**
   * Or keep the lists in any storage adapter of the outbox (`memoryStorage()`,
   * `fileStorage(path)`, `indexedDbStorage(name)`; give the receiver its own), for a
   * host with one process (a page, an extension's worker): loaded once, before the first
   * delivery that needs a list, then kept in memory; each accepted contact event's list
   * is written to it before `receive` resolves (then answer 200).
   */
  storage?: OutboxStorage;
}

/**
 * One contact's known tag list by key: what the receiver reads (one `get` per delivery
 * that needs it) and writes (`apply` of the operation the core decided, before
 * `receive` resolves). A host with several processes implements it over its shared
 * store (the runner: `js/src/runner/known-tags.ts`).
 */
export interface KnownTagsStore {
  /** The contact's stored list (`undefined`: none). */
  get(contactId: string): Promise<KnownTags | undefined>;
  /** Stores or deletes one contact's list, as the core decided. */
  apply(op: KnownTagsOp): Promise<void>;
}

/** Per-call options of `receive`. */
export interface ReceiveOptions {
  /** The known lists for this delivery (e.g. one that holds a lock per contact). */
  knownTags?: KnownTagsStore;
}

/** The key a contact's known tag list is stored under in a `storage` adapter. */
const TAGS_KEY = "ghl-tags:";
/** Contacts the default in-memory store keeps. */
const MEMORY_CONTACTS = 10_000;

function storageError(what: string, e: unknown, details: Record<string, unknown> = {}) {
  if (e instanceof GhlBridgeError) return e;
  const reason = e instanceof Error ? e.message : String(e);
  return new GhlBridgeError(
    "STORAGE_ERROR",
    `webhook receiver storage: ${what} failed: ${reason}`,
    { reason, ...details },
    { cause: e },
  );
}

/** Known lists in memory: at most `capacity` contacts, the least recently written go first. */
function memoryKnownTags(
  capacity = MEMORY_CONTACTS,
  lists = new Map<string, KnownTags>(),
): KnownTagsStore {
  return {
    get: async (id) => lists.get(id),
    async apply(op) {
      const id = op.op === "put" ? op.list.contactId : op.contactId;
      lists.delete(id);
      if (op.op !== "put") return;
      lists.set(id, op.list);
      for (const old of lists.keys()) {
        if (lists.size <= capacity) break;
        lists.delete(old);
      }
    },
  };
}

/** Known lists in an outbox storage adapter: loaded once, then kept in memory. */
function storageKnownTags(storage: OutboxStorage): KnownTagsStore {
  const lists = new Map<string, KnownTags>();
  const memory = memoryKnownTags(Number.MAX_SAFE_INTEGER, lists);
  let loaded: Promise<void> | undefined;
  const load = () => {
    loaded ??= Promise.resolve()
      .then(() => storage.load())
      .then(
        (rows) => {
          for (const r of rows)
            if (r.key.startsWith(TAGS_KEY)) {
              const k = r.record as KnownTags;
              lists.set(k.contactId, k);
            }
        },
        (e) => {
          loaded = undefined;
          throw storageError("loading the known tags", e);
        },
      );
    return loaded;
  };
  return {
    async get(id) {
      await load();
      return memory.get(id);
    },
    async apply(op) {
      await load();
      const id = op.op === "put" ? op.list.contactId : op.contactId;
      const write =
        op.op === "put"
          ? { op: "put", key: TAGS_KEY + id, record: op.list }
          : { op: "delete", key: TAGS_KEY + id };
      await storage.apply([write as unknown as StoreOp]);
      await memory.apply(op);
    },
  };
}

/** One endpoint's receiver. */
export interface GhlWebhookReceiverHandle {
  /**
   * Checks and types one delivery. Resolves to `accepted` (process it), `duplicate` or
   * `ignored` (answer 200, do nothing); rejects with a `GhlBridgeError` whose
   * `details.status` is the HTTP status to answer (401 forged or unsigned, 400 stale;
   * `STORAGE_ERROR` when the contact's known list could not be read or written: answer
   * 503, the sender retries).
   */
  receive(
    headers: WebhookHeaders,
    body: WebhookBody,
    options?: ReceiveOptions,
  ): Promise<GhlWebhookOutcome>;
  /** Stores a contact's tags as known (e.g. read from GHL) for the next tag diff. */
  rememberTags(contactId: string, tags: string[], atMs?: number): Promise<void>;
  /** The last tag list known for a contact. */
  knownTags(contactId: string): Promise<string[] | undefined>;
  /** The remembered `webhookId`s, to persist across restarts. */
  seenIds(): SeenKey[];
  /** Puts persisted `webhookId`s back. */
  restoreSeenIds(keys: SeenKey[]): void;
  /** Every delivery, refused or not, oldest first (bounded). */
  log(): IntakeLogEntry[];
}

function bytesOf(body: WebhookBody): Uint8Array {
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new GhlBridgeError(
    "INVALID_ARGUMENT",
    "body: expected the raw bytes (Uint8Array, ArrayBuffer) or a string",
    { argument: "body" },
  );
}

function plainHeaders(headers: WebhookHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof Headers !== "undefined" && headers instanceof Headers) {
    headers.forEach((v, k) => {
      out[k.toLowerCase()] = v;
    });
    return out;
  }
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : String(v);
  }
  return out;
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const algorithms = {
  ed25519: { name: "Ed25519" },
  "rsa-sha256": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
} as const;

/** The default verifier: WebCrypto's `verify` with the key the core names (imported once). */
export function webCryptoVerifier(): SignatureVerifier {
  const keys = new Map<string, Promise<CryptoKey>>();
  return async (check, body) => {
    const subtle = globalThis.crypto?.subtle;
    if (!subtle)
      throw new GhlBridgeError(
        "CRYPTO_UNAVAILABLE",
        "WebCrypto (crypto.subtle) is not available here: webhooks cannot be verified",
        {},
      );
    if (check.algorithm === "none" || !check.spki || !check.signature) return false;
    const alg = algorithms[check.algorithm];
    const id = `${check.algorithm}:${check.spki}`;
    let key = keys.get(id);
    if (!key) {
      key = subtle.importKey("spki", fromBase64(check.spki) as BufferSource, alg, false, [
        "verify",
      ]);
      keys.set(id, key);
      key.catch(() => keys.delete(id));
    }
    let k: CryptoKey;
    try {
      k = await key;
    } catch (e) {
      throw new GhlBridgeError(
        "CRYPTO_UNSUPPORTED",
        `this platform cannot import the ${check.algorithm} public key: ${(e as Error).message}`,
        { algorithm: check.algorithm },
        { cause: e },
      );
    }
    return subtle.verify(alg, k, fromBase64(check.signature) as BufferSource, body as BufferSource);
  };
}

/** Creates a receiver for one webhook endpoint. */
export function createGhlWebhookReceiver(
  options: GhlWebhookReceiverOptions = {},
): GhlWebhookReceiverHandle {
  checkOptions("createGhlWebhookReceiver", options, {
    config: optional(object),
    now: optional(func),
    verify: optional(func),
    knownTags: optional(withMethods("get", "apply")),
    storage: optional(withMethods("load", "apply", "close")),
  });
  const now = options.now ?? Date.now;
  const verify = options.verify ?? webCryptoVerifier();
  const make = () => guard(() => new glue.GhlWebhookReceiver(options.config));
  let inner = make();
  let generation = instanceGeneration();
  const wasm = (): glue.GhlWebhookReceiver => {
    if (generation !== instanceGeneration()) {
      inner = make();
      generation = instanceGeneration();
    }
    return inner;
  };

  const lists =
    options.knownTags ?? (options.storage ? storageKnownTags(options.storage) : memoryKnownTags());

  /** Step 3: the one list the core asks for, read from `store`, handed back. */
  const provide = async (
    store: KnownTagsStore,
    ticket: number,
    contactId: string,
  ): Promise<GhlWebhookOutcome> => {
    let stored: KnownTags | undefined;
    try {
      stored = await store.get(contactId);
    } catch (e) {
      guard(() => wasm().abandon(ticket, now()));
      throw storageError(`reading the known tags of contact ${contactId}`, e, { contactId });
    }
    try {
      return guard(() => wasm().provideKnownTags(ticket, stored ?? undefined, now()));
    } catch (e) {
      guard(() => wasm().abandon(ticket, now()));
      throw e;
    }
  };
  const persist = async (store: KnownTagsStore, out: GhlWebhookOutcome): Promise<void> => {
    if (out.outcome !== "accepted" || !out.knownTags) return;
    const op = out.knownTags;
    const id = op.op === "put" ? op.list.contactId : op.contactId;
    try {
      await store.apply(op);
    } catch (e) {
      throw storageError(
        `saving the known tags of contact ${id} (the delivery was accepted: its outcome is in details.outcome; only its tag list is not stored)`,
        e,
        { contactId: id, outcome: out },
      );
    }
  };

  return {
    async receive(headers, body, call) {
      checkOptions("receive", call, { knownTags: optional(withMethods("get", "apply")) }, false);
      const h = plainHeaders(headers);
      const bytes = bytesOf(body);
      const at = now();
      const check = guard(() => wasm().signatureCheck(h, bytes.length, at));
      let verdict: SignatureVerdict = { algorithm: "none", valid: false };
      if (check.algorithm !== "none") {
        let valid = false;
        try {
          valid = await verify(check, bytes);
        } catch (e) {
          // A malformed key or signature the platform rejects is not a valid signature.
          if (e instanceof GhlBridgeError) throw e;
          valid = false;
        }
        verdict = { algorithm: check.algorithm, valid };
      }
      const store = call?.knownTags ?? lists;
      const step = guard(() => wasm().receive(h, bytes, verdict, at));
      const out =
        step.step === "done" ? step.outcome : await provide(store, step.ticket, step.contactId);
      await persist(store, out);
      return out;
    },
    rememberTags: (contactId, tags, atMs) =>
      lists
        .apply({ op: "put", list: { contactId, tags: [...tags], atMs: atMs ?? now() } })
        .catch((e: unknown) => {
          throw storageError(`saving the known tags of contact ${contactId}`, e, { contactId });
        }),
    knownTags: async (contactId) => (await lists.get(contactId))?.tags,
    seenIds: () => guard(() => wasm().seenIds(now())),
    restoreSeenIds: (keys) => guard(() => wasm().restoreSeenIds(keys, now())),
    log: () => guard(() => wasm().log()),
  };
}
