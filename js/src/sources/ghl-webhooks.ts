/**
 * HighLevel webhook intake. The Rust core decides (which signature header, which key,
 * the timestamp window, replays, the tag diff); this file only runs the platform's own
 * signature primitive (WebCrypto `crypto.subtle.verify`: Node 18+, browsers, workers)
 * over the bytes received and hands the verdict back. No crypto is written here.
 */
import * as glue from "../wasm/ghl_bridge_wasm.js";
import { GhlBridgeError, guard, instanceGeneration } from "../errors.js";
import type { OutboxStorage, StoreOp } from "../storage/types.js";
import type {
  GhlWebhookConfig,
  GhlWebhookOutcome,
  IntakeLogEntry,
  KnownTags,
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
   * Where each contact's last known tag list is kept, so a restart does not turn every
   * tag of the next `ContactTagUpdate` into "added": any storage adapter of the outbox
   * (`memoryStorage()`, `fileStorage(path)`, `indexedDbStorage(name)`; give the
   * receiver its own). Loaded before the first delivery; each accepted contact event
   * is written before `receive` resolves (then answer 200).
   */
  storage?: OutboxStorage;
}

/** The key a contact's known tag list is stored under. */
const TAGS_KEY = "ghl-tags:";

/** One endpoint's receiver. */
export interface GhlWebhookReceiverHandle {
  /**
   * Checks and types one delivery. Resolves to `accepted` (process it), `duplicate` or
   * `ignored` (answer 200, do nothing); rejects with a `GhlBridgeError` whose
   * `details.status` is the HTTP status to answer (401 forged or unsigned, 400 stale...).
   */
  receive(headers: WebhookHeaders, body: WebhookBody): Promise<GhlWebhookOutcome>;
  /** Records a contact's tags as known (e.g. read from GHL) for the next tag diff. */
  rememberTags(contactId: string, tags: string[], atMs?: number): void;
  /** The last tag list known for a contact. */
  knownTags(contactId: string): string[] | undefined;
  /** Puts persisted tag lists back (what `storage` does by itself). */
  restoreKnownTags(lists: KnownTags[]): void;
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

  const storage = options.storage;
  // Loaded once, before the first delivery is diffed (and again after a panic reset).
  let loaded: Promise<void> | undefined;
  let loadedFor = -1;
  const load = (): Promise<void> => {
    if (!storage) return Promise.resolve();
    if (loaded && loadedFor === instanceGeneration()) return loaded;
    loadedFor = instanceGeneration();
    loaded = Promise.resolve()
      .then(() => storage.load())
      .then(
        (rows) => {
          const lists = rows
            .filter((r) => r.key.startsWith(TAGS_KEY))
            .map((r) => r.record as KnownTags);
          guard(() => wasm().restoreKnownTags(lists));
        },
        (e) => {
          loaded = undefined;
          if (e instanceof GhlBridgeError) throw e;
          const reason = e instanceof Error ? e.message : String(e);
          throw new GhlBridgeError(
            "STORAGE_ERROR",
            `webhook receiver storage: loading the known tags failed: ${reason}`,
            { reason },
            { cause: e },
          );
        },
      );
    return loaded;
  };
  const persist = async (out: GhlWebhookOutcome): Promise<void> => {
    if (!storage || out.outcome !== "accepted" || !out.event.contact) return;
    const id = out.event.contact.id;
    const entry: KnownTags | undefined = guard(() => wasm().knownTagsEntry(id));
    const op = entry
      ? { op: "put", key: TAGS_KEY + id, record: entry }
      : { op: "delete", key: TAGS_KEY + id };
    try {
      await storage.apply([op as unknown as StoreOp]);
    } catch (e) {
      if (e instanceof GhlBridgeError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new GhlBridgeError(
        "STORAGE_ERROR",
        `webhook receiver storage: saving the known tags of contact ${id} failed: ${reason}; the delivery was accepted (its outcome is in details.outcome), only its tag list is not stored`,
        { reason, contactId: id, outcome: out },
        { cause: e },
      );
    }
  };

  return {
    async receive(headers, body) {
      await load();
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
      const out = guard(() => wasm().receive(h, bytes, verdict, at));
      await persist(out);
      return out;
    },
    rememberTags: (contactId, tags, atMs) =>
      guard(() => wasm().rememberTags(contactId, tags, atMs ?? now())),
    knownTags: (contactId) => guard(() => wasm().knownTags(contactId)),
    restoreKnownTags: (lists) => guard(() => wasm().restoreKnownTags(lists)),
    seenIds: () => guard(() => wasm().seenIds(now())),
    restoreSeenIds: (keys) => guard(() => wasm().restoreSeenIds(keys, now())),
    log: () => guard(() => wasm().log()),
  };
}
