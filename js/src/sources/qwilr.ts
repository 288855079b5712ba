/**
 * Qwilr webhook intake and subscriptions. The Rust core decides (secret strength, the
 * seven events, idempotencyKey dedupe, which page to read, correlation); this file
 * compares the URL secret in constant time with the platform (`node:crypto`
 * `timingSafeEqual`, else WebCrypto HMACs), sends the page read with the token, and
 * hands the answers back.
 */
import * as glue from "../wasm/ghl_bridge_wasm.js";
import { GhlBridgeError, guard, instanceGeneration } from "../errors.js";
import type {
  HttpRequest,
  HttpResponse,
  IntakeLogEntry,
  QwilrConfig,
  QwilrNeed,
  QwilrOutcome,
  QwilrSubscription,
  SeenKey,
} from "../wasm/types.js";
import type { WebhookBody } from "./ghl-webhooks.js";

/** Options of `createQwilrIntake`. */
export interface QwilrIntakeOptions {
  /** The endpoint's URL secret (at least 128 random bits: 32+ hex or 22+ base64url characters). */
  secret: string;
  /** The Qwilr API token, or a function that returns it (never logged). */
  token?: string;
  getToken?: () => string | Promise<string>;
  /** Base URL, metadata keys for correlation, limits. */
  config?: Partial<QwilrConfig>;
  /** The clock (ms); defaults to `Date.now`. */
  now?: () => number;
  /** The fetch to use; defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** What became of one delivery. */
export type QwilrDelivery = QwilrOutcome | { outcome: "duplicate"; idempotencyKey: string };

/** One Qwilr webhook endpoint. */
export interface QwilrIntakeHandle {
  /**
   * One delivery: `urlSecret` is the secret part of the URL it arrived on. Resolves to
   * `accepted` (process `event`), `skipped` (with a reason) or `duplicate`; rejects
   * with a `GhlBridgeError` whose `details.status` is the HTTP status to answer.
   */
  receive(urlSecret: string, body: WebhookBody): Promise<QwilrDelivery>;
  /** Subscribes `targetUrl` (which holds the secret) to one event. */
  subscribe(event: string, targetUrl: string): Promise<QwilrSubscription[]>;
  /** The subscriptions. */
  subscriptions(): Promise<QwilrSubscription[]>;
  /** Cancels one subscription. */
  unsubscribe(id: string): Promise<void>;
  /** The processed keys, to persist; and putting them back. */
  seenKeys(): SeenKey[];
  restoreSeenKeys(keys: SeenKey[]): void;
  /** Every delivery, refused or not, oldest first (bounded). */
  log(): IntakeLogEntry[];
}

type NodeCrypto = { timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean };
let nodeCrypto: Promise<NodeCrypto | null> | undefined;
function loadNodeCrypto(): Promise<NodeCrypto | null> {
  const isNode = typeof process !== "undefined" && !!process.versions?.node;
  // Built at run time: a bundler (ours minifies the browser entries) would fold a
  // literal into `import("node:crypto")`, which browser bundlers then try to resolve.
  const name = ["node", "crypto"].join(":");
  nodeCrypto ??= isNode
    ? (import(/* @vite-ignore */ name) as Promise<NodeCrypto>).catch(() => null)
    : Promise.resolve(null);
  return nodeCrypto;
}

/**
 * Constant-time comparison of two secrets with the platform's primitives: Node's
 * `timingSafeEqual`, else HMAC-SHA-256 of both under a fresh random key (WebCrypto)
 * compared in full, so the comparison's timing says nothing about the secret.
 */
export async function secretsEqual(expected: string, got: string): Promise<boolean> {
  const enc = new TextEncoder();
  const a = enc.encode(expected);
  const b = enc.encode(got);
  const c = await loadNodeCrypto();
  if (c) return a.length === b.length && c.timingSafeEqual(a, b);
  const subtle = globalThis.crypto?.subtle;
  if (!subtle)
    throw new GhlBridgeError(
      "CRYPTO_UNAVAILABLE",
      "WebCrypto (crypto.subtle) is not available here: the URL secret cannot be compared safely",
      {},
    );
  const key = await subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const [x, y] = await Promise.all([
    subtle.sign("HMAC", key, a as BufferSource),
    subtle.sign("HMAC", key, b as BufferSource),
  ]);
  const u = new Uint8Array(x);
  const v = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < u.length; i++) diff |= u[i] ^ v[i];
  return diff === 0;
}

function bytesOf(body: WebhookBody): Uint8Array {
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  return new Uint8Array(body);
}

/** Creates the intake of one Qwilr webhook endpoint. */
export function createQwilrIntake(options: QwilrIntakeOptions): QwilrIntakeHandle {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const baseUrl = options.config?.baseUrl ?? "https://api.qwilr.com/v1";
  const make = () => guard(() => new glue.QwilrIntake(options.config, options.secret));
  let inner = make();
  let generation = instanceGeneration();
  const wasm = (): glue.QwilrIntake => {
    if (generation !== instanceGeneration()) {
      inner = make();
      generation = instanceGeneration();
    }
    return inner;
  };

  async function token(): Promise<string> {
    const t = options.getToken ? await options.getToken() : options.token;
    if (!t)
      throw new GhlBridgeError(
        "SOURCE_BAD_CREDENTIALS",
        "no Qwilr API token was given (token or getToken)",
        { source: "qwilr" },
      );
    return t;
  }

  async function send(req: HttpRequest): Promise<HttpResponse> {
    const headers = { ...req.headers, Authorization: `Bearer ${await token()}` };
    const res = await doFetch(req.url, {
      method: req.method,
      headers,
      body: req.body ?? undefined,
    });
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      out[k] = v;
    });
    return { status: res.status, headers: out, body: await res.text() };
  }

  return {
    async receive(urlSecret, body) {
      const bytes = bytesOf(body);
      const matches = await secretsEqual(options.secret, urlSecret);
      const need: QwilrNeed = guard(() => wasm().receive(matches, bytes, now()));
      if (need.need === "duplicate")
        return { outcome: "duplicate", idempotencyKey: need.idempotencyKey };
      let response: HttpResponse;
      try {
        response = await send(need.request);
      } catch (e) {
        guard(() => wasm().pageFailed(need.idempotencyKey));
        throw e instanceof GhlBridgeError
          ? e
          : new GhlBridgeError(
              "SOURCE_API_ERROR",
              `qwilr API page read: ${(e as Error).message}`,
              { source: "qwilr", what: "page read", httpStatus: 0, retry: true, status: 503 },
              { cause: e },
            );
      }
      return guard(() => wasm().handlePage(need.idempotencyKey, response, now()));
    },
    async subscribe(event, targetUrl) {
      const req = guard(() =>
        glue.qwilrSubscriptionRequest(baseUrl, { op: "create", event, targetUrl }),
      );
      const res = await send(req);
      return guard(() => glue.qwilrParseSubscriptions(res));
    },
    async subscriptions() {
      const req = guard(() => glue.qwilrSubscriptionRequest(baseUrl, { op: "list" }));
      const res = await send(req);
      return guard(() => glue.qwilrParseSubscriptions(res));
    },
    async unsubscribe(id) {
      const req = guard(() => glue.qwilrSubscriptionRequest(baseUrl, { op: "delete", id }));
      const res = await send(req);
      guard(() => glue.qwilrParseSubscriptions(res));
    },
    seenKeys: () => guard(() => wasm().seenKeys(now())),
    restoreSeenKeys: (keys) => guard(() => wasm().restoreSeenKeys(keys, now())),
    log: () => guard(() => wasm().log()),
  };
}
