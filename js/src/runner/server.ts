/**
 * The runner's HTTP side (`node:http`, no framework: see docs/serve.md for the
 * measurement). Endpoints, exactly:
 *
 * - `POST /hooks/qwilr/:secret` -> 200 once durably accepted; 404 for a wrong secret
 * - `POST /hooks/ghl` -> 200 once durably accepted (or a verified duplicate / ignored
 *   type); 401 forged, unsigned or malformed signature; 400 stale
 * - `POST /capture/:siteKey` -> 202; CORS only for the key's allowed origins, 403 else
 * - `GET /oauth/start?connection=`, `GET /oauth/callback`
 * - `GET /console` (the console page and the package's files) and `POST /console/api/...`
 *   (the console's API: `console-api.ts`), `GET /healthz`, `GET /metrics`
 *
 * Invariants:
 * - The core decides (signature policy, window, Qwilr event names, capture checks); this
 *   file only compares the Qwilr URL secret (`timingSafeEqual` over SHA-256 digests,
 *   every configured secret compared, no early exit) and does I/O.
 * - 2xx only after `store.accept()` resolved: the item is durable. A store failure is
 *   503 `STORE_UNAVAILABLE` (the sender retries), and the core's in-memory replay memory
 *   forgets that delivery, so the retry is not mistaken for a duplicate.
 * - Durable deduplication is the store's (`source`, `dedupeKey`), shared by every
 *   process; the core's memory only answers fast within one process.
 * - Every refusal is JSON `{error: {code, message, details}}` with the status the core
 *   or `RUNNER_CODES` names; bodies are limited (413), requests time out (408), and
 *   nothing secret is in an answer or a log line.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
// The node entry loads the Wasm module (synchronously) before anything here runs.
import {
  type CaptureIntakeHandle,
  GhlBridgeError,
  type GhlWebhookReceiverHandle,
  createCaptureIntake,
  createGhlWebhookReceiver,
} from "../entries/node.js";
import { guard } from "../errors.js";
import * as glue from "../wasm/ghl_bridge_wasm.js";
import type { ConnectionConfig, RunnerConfig } from "./config.js";
import { type ConsoleApi, createConsoleApi } from "./console-api.js";
import { CONSOLE_KEYS } from "./console-state.js";
import { runnerError } from "./errors.js";
import { type Logger, errorFields } from "./log.js";
import { type Metrics, createMetrics } from "./metrics.js";
import type { Scheduler } from "./schedules.js";
import type { IntakeItem, IntakeSource, RunnerStore } from "./store/types.js";
import type { TokenManager } from "./tokens.js";
import { knownTags, migrateKnownTags } from "./known-tags.js";

/** Something that runs beside the server and must stop with it (the worker, schedules). */
export interface Stoppable {
  stop(): Promise<void>;
}

/** Options of `startServer`. */
export interface RunnerServerOptions {
  config: RunnerConfig;
  store: RunnerStore;
  tokens: TokenManager;
  log: Logger;
  metrics?: Metrics;
  /** Stopped after intake stops, before the store closes (worker, schedules). */
  services?: Stoppable[];
  /** The clock (ms). */
  now?: () => number;
  /**
   * The package's folder, holding the built console (`console/`) and the core it imports
   * (`GET /console/...`); absent: 404 with a clear error.
   */
  consoleDir?: string;
  /** What "Send now" in the console uses (the scheduler). */
  reports?: Pick<Scheduler, "sendNow">;
}

/** A running server. */
export interface RunnerServer {
  /** `http://host:port` it listens on. */
  url: string;
  port: number;
  metrics: Metrics;
  /** Connections added by INSTALL webhooks (name -> connection). */
  dynamicConnections(): Record<string, ConnectionConfig>;
  /** Graceful stop: intake refused, in-flight requests finished, services stopped, store closed. */
  close(): Promise<void>;
}

/** The stored value that lists connections added by INSTALL webhooks. */
export const DYNAMIC_CONNECTIONS = "connections:installed";

type Reply = { status: number; headers?: Record<string, string>; body?: unknown; text?: string };

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: GhlBridgeError,
    readonly headers: Record<string, string> = {},
  ) {
    super(error.message);
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body,
  headers,
});

/** GHL webhook refusals the endpoint answers with 401 (see `hookGhl`). */
const STALE_CODES = new Set<string>([
  "WEBHOOK_STALE",
  "WEBHOOK_TIMESTAMP_FUTURE",
  "WEBHOOK_TIMESTAMP_MISSING",
]);

/** The status a `GhlBridgeError` asks for (`details.status`), else 500. */
function statusOf(e: unknown): number {
  const s = (e as GhlBridgeError)?.details?.status;
  return typeof s === "number" && s >= 400 && s <= 599 ? s : 500;
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * A value written in the background, latest wins: while one write is under way, the
 * values set meanwhile become one write after it (a burst of events is two writes, not
 * one per event). Failures are ignored (what it writes is informational).
 */
export function latestWriter<T>(write: (value: T) => Promise<unknown>): {
  set(value: T): void;
  /** Resolves once the writes set so far are done. */
  settled(): Promise<void>;
} {
  let running: Promise<void> | null = null;
  let pending: { value: T } | null = null;
  const loop = async (): Promise<void> => {
    while (pending) {
      const { value } = pending;
      pending = null;
      await write(value).catch(() => undefined);
    }
    running = null;
  };
  return {
    set(value) {
      pending = { value };
      if (!running) running = loop();
    },
    settled: () => running ?? Promise.resolve(),
  };
}

/** Starts the HTTP side on `config.server.host:port` (port 0: a free one). */
export async function startServer(options: RunnerServerOptions): Promise<RunnerServer> {
  const { config, store, tokens, log } = options;
  const metrics = options.metrics ?? createMetrics();
  const now = options.now ?? Date.now;
  const limit = config.server.bodyLimitBytes;

  // --- intakes (the core's), built once; a bad setting is a start-up error ------------
  const qwilr = Object.entries(config.sources.qwilr).map(([name, q]) => {
    let core: glue.QwilrIntake;
    try {
      core = guard(() => new glue.QwilrIntake({ baseUrl: q.baseUrl }, q.secret));
    } catch (e) {
      throw runnerError(
        "CONFIG_INVALID",
        `/sources/qwilr/${name}/secret: ${(e as Error).message}`,
        { at: `/sources/qwilr/${name}/secret` },
      );
    }
    // The console's "last event": not part of the acknowledgement (a failure is
    // ignored), and written once per burst, not once per event.
    const last = latestWriter((at) => store.setValue(CONSOLE_KEYS.qwilrLast(name), at));
    return { name, connection: q.connection, digest: sha256(q.secret), core, last };
  });
  // Each contact's known tags live in the store, read per delivery and written once its
  // delivery is durable (known-tags.ts); lists an earlier runner kept elsewhere move first.
  await migrateKnownTags(store);
  const tags = knownTags(store);
  const makeReceiver = () =>
    createGhlWebhookReceiver({ config: { ...(config.ghl.webhookKeys ?? {}) }, now });
  let ghl: GhlWebhookReceiverHandle = makeReceiver();
  const captureSites = config.sources.capture?.sites ?? {};
  const makeCapture = (siteKey: string): CaptureIntakeHandle =>
    createCaptureIntake({
      config: {
        sites: [{ siteKey, allowedOrigins: captureSites[siteKey].allowedOrigins }],
        maxPerMinute: config.sources.capture?.maxPerMinute ?? 30,
        maxBodyBytes: Math.min(limit, 16 * 1024),
      },
      now,
    });
  const capture = new Map<string, CaptureIntakeHandle>(
    Object.keys(captureSites).map((k) => [k, makeCapture(k)]),
  );

  let installed: Record<string, ConnectionConfig> =
    ((await store.getValue(DYNAMIC_CONNECTIONS)) as Record<string, ConnectionConfig> | undefined) ??
    {};
  const connectionForLocation = (locationId: string | undefined): string | undefined => {
    if (!locationId) return undefined;
    for (const [n, c] of Object.entries(config.connections))
      if (c.locationId === locationId) return n;
    for (const [n, c] of Object.entries(installed)) if (c.locationId === locationId) return n;
    return undefined;
  };
  // Set once listening (port 0 picks a free port): the address OAuth redirects name.
  let publicUrl = (config.server.publicUrl ?? "").replace(/\/$/, "");

  async function accept(item: IntakeItem): Promise<"accepted" | "duplicate"> {
    try {
      const r = await store.accept(item);
      metrics.inc(
        r === "accepted"
          ? "ghl_bridge_intake_accepted_total"
          : "ghl_bridge_intake_duplicates_total",
        { source: item.source },
      );
      return r;
    } catch (e) {
      log.error("store refused an intake item: not acknowledged", {
        source: item.source,
        connection: item.connection,
        error: errorFields(e),
      });
      throw notStored(e);
    }
  }
  /** A store failure as the 503 the sender retries on (nothing was acknowledged). */
  function notStored(e: unknown): Refusal {
    const err =
      e instanceof GhlBridgeError
        ? new GhlBridgeError(
            e.code,
            `the event was not stored, so it is not acknowledged (retry later): ${e.message}`,
            {
              ...e.details,
              status: 503,
            },
          )
        : runnerError(
            "STORE_UNAVAILABLE",
            `the event was not stored, so it is not acknowledged (retry later): ${log.scrub(String((e as Error)?.message ?? e))}`,
          );
    return new Refusal(503, err, { "retry-after": "5" });
  }
  const refused = (source: IntakeSource, e: unknown, headers?: Record<string, string>) => {
    const err = e instanceof GhlBridgeError ? e : runnerError("STORE_UNAVAILABLE", String(e));
    metrics.inc("ghl_bridge_intake_refused_total", { source, code: err.code });
    return new Refusal(statusOf(err), err, headers);
  };

  // --- handlers ---------------------------------------------------------------------
  async function hookQwilr(secret: string, body: Buffer): Promise<Reply> {
    const got = sha256(secret);
    let match: (typeof qwilr)[number] | undefined;
    for (const q of qwilr) if (timingSafeEqual(q.digest, got) && !match) match = q;
    if (!match) {
      const err = new GhlBridgeError(
        "WEBHOOK_SECRET_MISMATCH",
        "the webhook URL's secret does not match: nothing was processed",
        { status: 404 },
      );
      throw refused("qwilr", err);
    }
    const q = match;
    let delivery: ReturnType<glue.QwilrIntake["checkDelivery"]>;
    try {
      // The core's checks only: the durable dedupe is the store's, and the page read
      // happens in the worker (intake answers without calling Qwilr).
      delivery = guard(() => q.core.checkDelivery(true, body, now()));
    } catch (e) {
      throw refused("qwilr", e);
    }
    if (delivery.outcome === "duplicate") return json(200, { outcome: "duplicate" });
    const r = await accept({
      source: "qwilr",
      dedupeKey: delivery.idempotencyKey,
      connection: q.connection,
      body: { intake: q.name, event: delivery.event, webhook: JSON.parse(body.toString("utf8")) },
      receivedAt: now(),
    });
    if (r === "accepted") q.last.set(now());
    return json(200, { outcome: r });
  }

  async function hookGhl(req: IncomingMessage, body: Buffer): Promise<Reply> {
    // The contact's known list: read under its lock, written only once the item is durable.
    const known = tags.delivery();
    try {
      return await takeGhl(req, body, known);
    } finally {
      await known.discard().catch((e: unknown) =>
        log.warn("a contact's known-tags lease was not released (it expires)", {
          error: errorFields(e),
        }),
      );
    }
  }

  async function takeGhl(
    req: IncomingMessage,
    body: Buffer,
    known: ReturnType<typeof tags.delivery>,
  ): Promise<Reply> {
    let outcome: Awaited<ReturnType<GhlWebhookReceiverHandle["receive"]>>;
    try {
      outcome = await ghl.receive(req.headers, body, { knownTags: known });
    } catch (e) {
      // The known tags could not be read from the store: nothing is acknowledged.
      const code = (e as GhlBridgeError)?.code ?? "";
      if (code === "STORAGE_ERROR" || code.startsWith("STORE_") || code === "INTAKE_CONTACT_BUSY") {
        log.error("the known tags could not be read: not acknowledged", {
          error: errorFields(e),
        });
        throw code === "INTAKE_CONTACT_BUSY"
          ? new Refusal(503, e as GhlBridgeError, { "retry-after": "1" })
          : notStored(e);
      }
      const r = refused("ghl", e);
      // The endpoint contract: a stale (or undated) signature is 401 like a bad one, so a
      // sender cannot tell an old capture from a forgery (the core's own status is 400).
      if (STALE_CODES.has(r.error.code))
        throw new Refusal(
          401,
          new GhlBridgeError(r.error.code, r.error.message, { ...r.error.details, status: 401 }),
        );
      throw r;
    }
    if (outcome.outcome !== "accepted") return json(200, { outcome: outcome.outcome });
    const event = outcome.event;
    const kind = String(event.kind);
    let connection = connectionForLocation(event.locationId ?? undefined);
    const install = kind === "INSTALL" || kind === "UNINSTALL";
    if (install) connection = connection ?? agencyConnection();
    if (!connection) {
      log.info("ghl webhook for a location with no connection: ignored", {
        locationId: event.locationId ?? null,
        kind,
      });
      return json(200, { outcome: "ignored", reason: "no connection for this location" });
    }
    try {
      const r = await accept({
        source: "ghl",
        dedupeKey: event.webhookId,
        connection,
        body: event,
        receivedAt: now(),
      });
      if (r === "accepted")
        await known.commit().catch((e: unknown) =>
          log.warn("the contact's known tags were not stored (the next diff may repeat tags)", {
            contactId: event.contact?.id,
            error: errorFields(e),
          }),
        );
      if (r === "accepted" && install) await installEvent(kind, event);
      return json(200, { outcome: r });
    } catch (e) {
      // Not stored: the retry must not be taken for a duplicate by this process's memory.
      const keep = ghl.seenIds().filter((k) => k.key !== event.webhookId);
      ghl = makeReceiver();
      ghl.restoreSeenIds(keep);
      throw e;
    }
  }

  function agencyConnection(): string | undefined {
    for (const [n, c] of Object.entries(config.connections))
      if ("oauth" in c.auth && config.oauthApps[c.auth.oauth]?.userType === "Company") return n;
    return undefined;
  }

  async function installEvent(kind: string, event: { locationId?: string | null }) {
    const loc = event.locationId;
    if (!loc) return;
    const name = `installed-${loc}`;
    if (kind === "INSTALL") {
      const via = agencyConnection();
      if (!via || connectionForLocation(loc)) return;
      const c = config.connections[via];
      installed = {
        ...installed,
        [name]: { locationId: loc, auth: c.auth, scopes: c.scopes, rules: c.rules, via },
      };
      await store.setValue(DYNAMIC_CONNECTIONS, installed);
      log.info("connection added by INSTALL", { connection: name, locationId: loc });
    } else if (name in installed) {
      await tokens.forget(name);
      const { [name]: _gone, ...rest } = installed;
      installed = rest;
      await store.setValue(DYNAMIC_CONNECTIONS, installed);
      log.info("connection removed by UNINSTALL", { connection: name, locationId: loc });
    }
  }

  function corsFor(
    siteKey: string,
    origin: string | undefined,
  ): Record<string, string> | undefined {
    const site = captureSites[siteKey];
    if (!site || !origin || !site.allowedOrigins.includes(origin)) return undefined;
    return {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "POST, OPTIONS",
      "access-control-allow-headers": "content-type",
      "access-control-max-age": "600",
      vary: "Origin",
    };
  }

  async function captureHook(siteKey: string, req: IncomingMessage, body: Buffer): Promise<Reply> {
    const origin = typeof req.headers.origin === "string" ? req.headers.origin : undefined;
    const cors = corsFor(siteKey, origin) ?? { vary: "Origin" };
    const intake = capture.get(siteKey);
    if (!intake) {
      throw refused(
        "capture",
        new GhlBridgeError(
          "CAPTURE_UNKNOWN_SITE",
          "unknown capture site key: nothing was processed",
          { status: 403 },
        ),
        cors,
      );
    }
    let out: ReturnType<CaptureIntakeHandle["receive"]>;
    try {
      out = intake.receive(origin, body);
    } catch (e) {
      throw refused("capture", e, cors);
    }
    if (out.outcome !== "accepted") return json(202, { outcome: out.outcome }, cors);
    try {
      const r = await accept({
        source: "capture",
        dedupeKey: out.event.id,
        connection: captureSites[siteKey].connection,
        body: out.event,
        receivedAt: now(),
      });
      return json(202, { outcome: r }, cors);
    } catch (e) {
      capture.set(siteKey, makeCapture(siteKey)); // forget the submission: the page retries
      if (e instanceof Refusal) throw new Refusal(e.status, e.error, { ...cors, ...e.headers });
      throw e;
    }
  }

  async function oauthStart(url: URL): Promise<Reply> {
    const name = url.searchParams.get("connection") ?? "";
    const c = config.connections[name];
    if (!c || !("oauth" in c.auth))
      throw new Refusal(
        404,
        runnerError("OAUTH_NOT_CONNECTED", `no OAuth connection named ${JSON.stringify(name)}`, {
          connection: name,
        }),
      );
    const app = config.oauthApps[c.auth.oauth];
    const state = randomBytes(24).toString("base64url");
    // The state is single-use: created and consumed by compare-and-set.
    await store.casSecret(
      `oauth-state:${state}`,
      0,
      JSON.stringify({ connection: name, at: now() }),
    );
    const to = new URL(config.ghl.authorizeUrl);
    to.searchParams.set("response_type", "code");
    to.searchParams.set("redirect_uri", `${publicUrl}/oauth/callback`);
    to.searchParams.set("client_id", app.clientId);
    to.searchParams.set("scope", app.scopes.join(" "));
    to.searchParams.set("state", state);
    return { status: 302, headers: { location: to.href, "cache-control": "no-store" } };
  }

  async function oauthCallback(url: URL, req: IncomingMessage): Promise<Reply> {
    const state = url.searchParams.get("state") ?? "";
    const code = url.searchParams.get("code") ?? "";
    log.secret(code);
    const bad = () =>
      new Refusal(
        400,
        runnerError(
          "OAUTH_STATE_INVALID",
          "unknown, used or expired OAuth state: start again at /oauth/start",
          {},
        ),
      );
    if (!state || !code) throw bad();
    const name = `oauth-state:${state}`;
    const held = await store.getSecret(name);
    if (held?.version !== 1) throw bad();
    if (!(await store.casSecret(name, 1, "used"))) throw bad();
    await store.deleteSecret(name).catch(() => undefined);
    const { connection, at } = JSON.parse(held.value) as { connection: string; at: number };
    if (now() - at > 10 * 60_000) throw bad();
    const c = config.connections[connection];
    if (!c || !("oauth" in c.auth)) throw bad();
    let answer: unknown;
    try {
      answer = await tokens.exchangeCode(c.auth.oauth, code, `${publicUrl}/oauth/callback`);
      await tokens.saveGrant(connection, answer);
    } catch (e) {
      throw new Refusal(
        statusOf(e),
        e instanceof GhlBridgeError ? e : runnerError("OAUTH_EXCHANGE_FAILED", String(e)),
      );
    }
    // A browser (the console's "Connect with HighLevel" window) gets a page in words.
    if (String(req.headers.accept ?? "").includes("text/html"))
      return {
        status: 200,
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
        text: `<!doctype html><html lang="en"><meta charset="utf-8"><title>Connected to HighLevel</title><main><h1>Connected to HighLevel</h1><p>The connection ${connection.replace(/[^A-Za-z0-9_.-]/g, "")} is authorized. You can close this window and go back to the console.</p></main></html>`,
      };
    return json(200, { connected: connection });
  }

  let consoleApi: ConsoleApi | undefined;
  const consoleOf = () => {
    consoleApi ??= createConsoleApi({
      config,
      store,
      tokens,
      log,
      packageDir: options.consoleDir,
      reports: options.reports,
      connections: () => ({ ...config.connections, ...installed }),
      publicUrl: () => publicUrl,
      now,
    });
    return consoleApi;
  };
  // A bad console setting (a short password) is a start-up error, like the intakes'.
  consoleOf();

  async function route(req: IncomingMessage, url: URL, body: Buffer): Promise<Reply> {
    const p = url.pathname;
    const m = req.method ?? "GET";
    const only = (method: string) => {
      if (m !== method)
        throw new Refusal(
          405,
          runnerError("HTTP_METHOD_NOT_ALLOWED", `${m} ${p}: use ${method}`, { method: m }),
          { allow: method },
        );
    };
    const qwilrHook = /^\/hooks\/qwilr\/([^/]+)$/.exec(p);
    if (qwilrHook) {
      only("POST");
      return hookQwilr(decodeURIComponent(qwilrHook[1]), body);
    }
    if (p === "/hooks/ghl") {
      only("POST");
      return hookGhl(req, body);
    }
    const captureHookPath = /^\/capture\/([^/]+)$/.exec(p);
    if (captureHookPath) {
      const siteKey = decodeURIComponent(captureHookPath[1]);
      const origin = typeof req.headers.origin === "string" ? req.headers.origin : undefined;
      if (m === "OPTIONS") {
        const cors = corsFor(siteKey, origin);
        if (!cors)
          throw refused(
            "capture",
            new GhlBridgeError(
              "CAPTURE_ORIGIN_REFUSED",
              `origin ${JSON.stringify(origin ?? "")} is not allowed for this site key`,
              {
                status: 403,
              },
            ),
          );
        return { status: 204, headers: cors };
      }
      only("POST");
      return captureHook(siteKey, req, body);
    }
    if (p === "/oauth/start") {
      only("GET");
      return oauthStart(url);
    }
    if (p === "/oauth/callback") {
      only("GET");
      return oauthCallback(url, req);
    }
    if (p === "/healthz") {
      only("GET");
      try {
        await store.ping();
        return json(200, { ok: true, store: store.kind });
      } catch (e) {
        throw new Refusal(
          503,
          e instanceof GhlBridgeError ? e : runnerError("STORE_UNAVAILABLE", String(e)),
        );
      }
    }
    if (p === "/metrics") {
      only("GET");
      return {
        status: 200,
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        text: await metrics.render(store),
      };
    }
    if (p === "/console" || p.startsWith("/console/")) {
      const r = await consoleOf().handle({
        method: m,
        url,
        headers: req.headers,
        body,
        remote: req.socket.remoteAddress ?? "",
      });
      return r.raw !== undefined
        ? { status: r.status, headers: r.headers, text: r.raw as string }
        : { status: r.status, headers: r.headers, body: r.body };
    }
    throw new Refusal(404, runnerError("HTTP_NOT_FOUND", `no endpoint ${m} ${p}`, { path: p }));
  }

  // --- the server ---------------------------------------------------------------------
  let closing = false;
  let inflight = 0;
  let drained: (() => void) | undefined;
  const sockets = new Set<Socket>();

  function send(res: ServerResponse, r: Reply) {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...(r.headers ?? {}) };
    let payload: Buffer | string | undefined;
    if (r.text !== undefined) payload = r.text;
    else if (r.body !== undefined) {
      payload = log.scrub(JSON.stringify(r.body));
      headers["content-type"] ??= "application/json; charset=utf-8";
    }
    if (closing) headers.connection = "close";
    if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
    res.writeHead(r.status, headers);
    res.end(payload);
  }
  const errorReply = (
    status: number,
    e: GhlBridgeError,
    headers: Record<string, string> = {},
  ): Reply =>
    json(
      status,
      { error: { code: e.code, message: log.scrub(e.message), details: e.details } },
      headers,
    );

  function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > limit) {
        reject(
          new Refusal(
            413,
            runnerError(
              "HTTP_BODY_TOO_LARGE",
              `request body of ${declared} bytes is larger than the ${limit} bytes accepted`,
              {
                limit,
              },
            ),
          ),
        );
        req.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          reject(
            new Refusal(
              413,
              runnerError(
                "HTTP_BODY_TOO_LARGE",
                `request body is larger than the ${limit} bytes accepted`,
                { limit },
              ),
            ),
          );
          req.removeAllListeners("data");
          req.resume();
          return;
        }
        chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
      // Answered (the 408) or gone before its body ended: the request ends here, or it
      // would count as in flight for ever (Node emits nothing more on `req` then) and hold
      // a graceful shutdown for its whole timeout.
      res.on("close", () => {
        if (!req.complete)
          reject(
            new Refusal(
              408,
              runnerError("HTTP_TIMEOUT", "the request body did not arrive before the answer", {}),
            ),
          );
      });
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const started = now();
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://runner.local");
    } catch {
      url = new URL("http://runner.local/");
    }
    if (closing) {
      send(
        res,
        errorReply(
          503,
          runnerError("HTTP_SHUTTING_DOWN", "the runner is shutting down: retry later"),
          { "retry-after": "5" },
        ),
      );
      return;
    }
    inflight += 1;
    const timer = setTimeout(() => {
      send(
        res,
        errorReply(
          408,
          runnerError(
            "HTTP_TIMEOUT",
            `the request took more than ${config.server.requestTimeoutMs} ms: nothing is acknowledged`,
            {},
          ),
        ),
      );
    }, config.server.requestTimeoutMs);
    let reply: Reply;
    try {
      const body = await readBody(req, res);
      reply = await route(req, url, body);
    } catch (e) {
      if (e instanceof Refusal) reply = errorReply(e.status, e.error, e.headers);
      else {
        log.error("request failed", { path: url.pathname, error: errorFields(e) });
        const err =
          e instanceof GhlBridgeError
            ? e
            : runnerError("STORE_UNAVAILABLE", log.scrub(String((e as Error)?.message ?? e)));
        reply = errorReply(statusOf(err), err);
      }
    } finally {
      clearTimeout(timer);
    }
    send(res, reply);
    if (reply.status >= 400 || log !== undefined) {
      const level = reply.status >= 500 ? "error" : reply.status >= 400 ? "warn" : "debug";
      // Paths of the Qwilr hook hold its secret: logged without it.
      const path = url.pathname.startsWith("/hooks/qwilr/") ? "/hooks/qwilr/:secret" : url.pathname;
      log.log(level, "request", {
        method: req.method,
        path,
        status: reply.status,
        ms: now() - started,
      });
    }
    inflight -= 1;
    if (closing && inflight === 0) drained?.();
  }

  const server: Server = createServer(
    { requestTimeout: config.server.requestTimeoutMs + 1000 },
    (req, res) => {
      void handle(req, res);
    },
  );
  server.headersTimeout = Math.min(config.server.requestTimeoutMs, 60_000);
  server.keepAliveTimeout = 5_000;
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host}:${port}`;
  publicUrl ||= url;
  log.info("listening", { url, store: store.kind });

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    metrics,
    dynamicConnections: () => installed,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((r) => server.close(() => r()));
        // Idle keep-alive sockets close now; busy ones after their answer.
        server.closeIdleConnections();
        if (inflight > 0)
          await Promise.race([
            new Promise<void>((r) => {
              drained = r;
            }),
            new Promise<void>((r) => setTimeout(r, config.server.shutdownTimeoutMs).unref()),
          ]);
        for (const s of sockets) s.destroy();
        await stopped;
        for (const s of options.services ?? []) {
          try {
            await s.stop();
          } catch (e) {
            log.error("a service did not stop cleanly", { error: errorFields(e) });
          }
        }
        for (const q of qwilr) await q.last.settled();
        await store.close();
        log.info("stopped");
      })();
      return closed;
    },
  };
}
