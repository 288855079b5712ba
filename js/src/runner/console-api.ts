/**
 * The console's API on the runner (`/console/api/...`) and the console page
 * (`GET /console/`): what `<ghl-bridge-console endpoint=...>` talks to through its
 * `RunnerBackend` (`js/widget/ghl-bridge-console/runner-backend.ts`).
 *
 * The API is the widget's one `ConsoleBackend` interface over HTTP, so it is designed
 * once: `POST /console/api/call/:method` with `{"connection": NAME, "args": [...]}` runs
 * that method for that connection and answers its JSON. Where the widget shapes the
 * core's data itself (dry runs, statistics, dead letters: `shapes.ts`, shared with the
 * in-page backend), the method answers the core's raw data and the widget shapes it, so
 * each shape has one place. Sessions: `POST /console/api/session` (status),
 * `.../session/login` (the operator's password), `.../session/ghl` (the HighLevel custom
 * page's `REQUEST_USER_DATA` payload), `.../session/logout`. See docs/serve.md.
 *
 * Invariants:
 * - Nothing answers without a session (`console-sessions.ts`): a password session (an `HttpOnly`,
 *   `SameSite=Strict` cookie, every connection) or a custom-page session (a header
 *   token kept in the page's memory, the user's active location only). Sessions live in
 *   the store (any HTTP process answers), keyed by the SHA-256 of their id.
 * - CSRF: every call is a `POST` of `application/json` with the header
 *   `x-ghl-bridge-console: 1` (a cross-site form cannot send either, and no CORS is ever
 *   granted), and an `Origin` or `Sec-Fetch-Site` that says the runner's own origin.
 * - No answer holds a token: tokens stay in the token manager; Qwilr target URLs are
 *   shown without their secret; and the server scrubs every known secret again.
 * - The custom page's payload is decrypted with `node:crypto` primitives (CryptoJS's
 *   passphrase format: `Salted__`, EVP_BytesToKey with MD5, AES-256-CBC); a payload that
 *   does not decrypt to the user's JSON is refused with `CONSOLE_USER_DATA_INVALID`.
 */
import { createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import {
  GhlBridgeError,
  createClient,
  createFlows,
  createOutbox,
  createQwilrIntake,
  createTagCatalog,
  validateRules,
} from "../entries/node.js";
import type { OutboxStorage } from "../storage/types.js";
import type { ConnectionConfig, RunnerConfig } from "./config.js";
import { RUNNER_CODES, runnerError } from "./errors.js";
import type { Logger } from "./log.js";
import { wishpondStatusKey } from "./pollers.js";
import type { Scheduler } from "./schedules.js";
import type { RunnerStore } from "./store/types.js";
import type { TokenManager } from "./tokens.js";
import { CUSTOM_PAGE_SESSION_MS, consoleSessions, type Session } from "./console-sessions.js";
import {
  CONSOLE_KEYS,
  dryRunView,
  modeOf as readMode,
  RUNNER_FLOW_CONFIG,
  recordSample,
  rulesOf,
  type StagedEntry,
} from "./console-state.js";
import { RESEND_RETIRED } from "./worker/index.js";

/** An answer of the console API (the server writes it; JSON bodies are scrubbed there). */
export interface ConsoleReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** A file or page, sent as is. */
  raw?: Buffer | string;
}

/** A request as the server hands it over. */
export interface ConsoleRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The peer's address (login attempts are limited per address). */
  remote: string;
}

/** What the custom page's decrypted payload holds (HighLevel's user context). */
export interface GhlUserData {
  userId: string;
  companyId: string | null;
  role: string | null;
  type: string | null;
  activeLocation: string | null;
  userName: string | null;
  email: string | null;
}

/** Options of `createConsoleApi`. */
export interface ConsoleApiOptions {
  config: RunnerConfig;
  store: RunnerStore;
  tokens: TokenManager;
  log: Logger;
  /** The package's folder: the widget (`console/`) and the core it imports (`entries/`...). */
  packageDir?: string;
  /** Sends the weekly report now ("Send now"); absent: `NOT_SUPPORTED`. */
  reports?: Pick<Scheduler, "sendNow">;
  /** Every connection: the config's and those INSTALL webhooks added. */
  connections: () => Record<string, ConnectionConfig>;
  /** The runner's public address (`server.publicUrl`, else where it listens). */
  publicUrl: () => string;
  now?: () => number;
}

/** The console API. */
export interface ConsoleApi {
  /** Answers `GET /console`, `/console/...` (page and files) and `POST /console/api/...`. */
  handle(req: ConsoleRequest): Promise<ConsoleReply>;
}

const COOKIE = "ghlb_console";
const SESSION_HEADER = "x-ghl-bridge-session";
const CSRF_HEADER = "x-ghl-bridge-console";
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

const sha256 = (s: string | Buffer) => createHash("sha256").update(s).digest();
const iso = (ms: number | null | undefined) =>
  typeof ms === "number" && Number.isFinite(ms) ? new Date(ms).toISOString() : null;

// ------------------------------------------------------------------ the custom page

/** OpenSSL's EVP_BytesToKey with MD5 (one iteration): CryptoJS's passphrase key and IV. */
function evpBytesToKey(passphrase: Buffer, salt: Buffer): { key: Buffer; iv: Buffer } {
  const parts: Buffer[] = [];
  let prev = Buffer.alloc(0);
  let length = 0;
  while (length < 48) {
    prev = createHash("md5").update(prev).update(passphrase).update(salt).digest();
    parts.push(prev);
    length += prev.length;
  }
  const all = Buffer.concat(parts);
  return { key: all.subarray(0, 32), iv: all.subarray(32, 48) };
}

/**
 * Decrypts HighLevel's `REQUEST_USER_DATA_RESPONSE` payload (CryptoJS
 * `AES.encrypt(JSON, sharedSecret).toString()`) into the user's context. Throws
 * `CONSOLE_USER_DATA_INVALID` saying what is wrong (never the secret).
 */
export function decryptUserData(payload: unknown, sharedSecret: string): GhlUserData {
  const bad = (why: string) =>
    runnerError("CONSOLE_USER_DATA_INVALID", `the HighLevel user data ${why}`, {});
  if (typeof payload !== "string" || payload.length === 0 || payload.length > 16384)
    throw bad("is missing or not a string of at most 16 KiB");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(payload)) throw bad("is not base64");
  const raw = Buffer.from(payload, "base64");
  if (raw.length < 32 || raw.subarray(0, 8).toString("latin1") !== "Salted__")
    throw bad('is not in CryptoJS\'s passphrase format ("Salted__", salt, ciphertext)');
  const ciphertext = raw.subarray(16);
  if (ciphertext.length % 16 !== 0) throw bad("has a ciphertext that is not whole AES blocks");
  const { key, iv } = evpBytesToKey(Buffer.from(sharedSecret, "utf8"), raw.subarray(8, 16));
  let plain: Buffer;
  try {
    const d = createDecipheriv("aes-256-cbc", key, iv);
    plain = Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    throw bad("does not decrypt with the app's shared secret (a forged or garbled payload)");
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(plain.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw bad("does not decrypt to JSON (a forged or garbled payload)");
  }
  if (!data || typeof data !== "object" || typeof data.userId !== "string" || !data.userId)
    throw bad("has no userId");
  const str = (k: string) =>
    typeof data[k] === "string" && data[k] !== "" ? String(data[k]) : null;
  return {
    userId: data.userId,
    companyId: str("companyId"),
    role: str("role"),
    type: str("type"),
    activeLocation: str("activeLocation"),
    userName: str("userName"),
    email: str("email"),
  };
}

// ------------------------------------------------------------------ the API

/**
 * The HTTP status of a console answer's error: the runner's own codes say theirs; an
 * answer of GHL or a source (`GHL_*`, `SOURCE_*`: their status is in `details`) is 502, so
 * a GHL 401 is never taken for "sign in"; other package errors carry their status
 * (`details.status`: 400 for a bad event, 422 for rules); else 500.
 */
function statusFor(err: { code: string; details?: { status?: unknown } }): number {
  const own = RUNNER_CODES.find((c) => c.code === err.code);
  if (own) return own.status;
  if (err.code === "RULES_INVALID") return 422;
  if (/^(GHL|SOURCE)_/.test(err.code)) return 502;
  const st = err.details?.status;
  return typeof st === "number" && st >= 400 && st <= 599 ? st : 500;
}

/** A storage that never writes: a core outbox on it only reads what the worker stored. */
function readOnly(s: OutboxStorage): OutboxStorage {
  return { load: () => s.load(), apply: async () => undefined, close: async () => undefined };
}

/** Creates the console API. */
export function createConsoleApi(options: ConsoleApiOptions): ConsoleApi {
  const { config, store, tokens, log } = options;
  const now = options.now ?? Date.now;
  const settings = config.console;
  const ttl = settings?.sessionTtlMs ?? 8 * 3600_000;
  const password = settings?.password;
  if (password !== undefined && password.length < 12)
    throw runnerError("CONFIG_INVALID", "/console/password: is shorter than 12 characters", {
      at: "/console/password",
    });
  const failures = new Map<string, { n: number; since: number }>();

  const secure = () => options.publicUrl().startsWith("https:");
  const forbidden = (why: string) => runnerError("CONSOLE_FORBIDDEN", why, {});

  // --- sessions ---------------------------------------------------------------------
  // Never logged (the request log names paths only) and not registered with the
  // scrubber: the custom page's answer carries a session id.
  const sessions = consoleSessions(store, now);
  const newSession = (s: Session) => sessions.open(s);
  function sessionId(req: ConsoleRequest): string | null {
    const h = req.headers[SESSION_HEADER];
    if (typeof h === "string" && h) return h;
    for (const part of String(req.headers.cookie ?? "").split(";")) {
      const [k, ...v] = part.trim().split("=");
      if (k === COOKIE && v.length) return v.join("=");
    }
    return null;
  }
  async function sessionOf(req: ConsoleRequest): Promise<Session | null> {
    const id = sessionId(req);
    return id ? sessions.read(id) : null;
  }
  const cookie = (id: string, maxAge: number) =>
    `${COOKIE}=${id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure() ? "; Secure" : ""}`;

  /** The CSRF rules: POST, JSON, the console's header, and the runner's own origin. */
  function checkRequest(req: ConsoleRequest): void {
    if (req.method !== "POST")
      throw runnerError("HTTP_METHOD_NOT_ALLOWED", `${req.method} ${req.url.pathname}: use POST`, {
        method: req.method,
      });
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json"))
      throw runnerError(
        "HTTP_UNSUPPORTED_MEDIA_TYPE",
        "the console API takes application/json",
        {},
      );
    if (req.headers[CSRF_HEADER] !== "1")
      throw forbidden(
        `the console API needs the header ${CSRF_HEADER}: 1 (cross-site requests are refused)`,
      );
    const site = req.headers["sec-fetch-site"];
    if (typeof site === "string" && site !== "same-origin" && site !== "none")
      throw forbidden(`a ${site} request: the console API answers its own pages only`);
    const origin = req.headers.origin;
    if (typeof origin === "string") {
      const own = new Set([new URL(options.publicUrl()).origin]);
      if (typeof req.headers.host === "string")
        own.add(`${secure() ? "https" : "http"}://${req.headers.host}`);
      if (!own.has(origin))
        throw forbidden(
          `origin ${JSON.stringify(origin)} is not this runner's: the console API answers its own pages only`,
        );
    }
  }

  function parseBody(req: ConsoleRequest): Record<string, unknown> {
    if (req.body.length === 0) return {};
    try {
      const v = JSON.parse(req.body.toString("utf8"));
      if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw runnerError("CONSOLE_BAD_REQUEST", "the body is not a JSON object", {});
  }

  function allowed(s: Session): Record<string, ConnectionConfig> {
    const all = options.connections();
    if (s.connections === "*") return all;
    return Object.fromEntries(Object.entries(all).filter(([n]) => s.connections.includes(n)));
  }

  async function hasOAuthTokens(name: string, c: ConnectionConfig): Promise<boolean> {
    return (await store.getSecret(`oauth:${c.via ?? name}`)) !== undefined;
  }

  async function summaries(s: Session) {
    return Promise.all(
      Object.entries(allowed(s)).map(async ([name, c]) => ({
        name,
        locationId: c.locationId,
        auth: "pit" in c.auth ? ("pit" as const) : ("oauth" as const),
        connected: "pit" in c.auth || (await hasOAuthTokens(name, c)),
      })),
    );
  }

  async function status(s: Session | null) {
    return {
      authenticated: s !== null,
      via: s?.via ?? null,
      user: s?.user ?? null,
      expiresAt: iso(s?.expiresAt),
      connections: s ? await summaries(s) : [],
      login: {
        password: password !== undefined,
        customPage: settings?.customPage ? { origins: settings.customPage.origins } : null,
      },
    };
  }

  async function login(req: ConsoleRequest, body: Record<string, unknown>): Promise<ConsoleReply> {
    if (password === undefined)
      throw runnerError(
        "CONSOLE_NOT_CONFIGURED",
        "signing in with a password is off: set /console/password in the runner's config",
        {},
      );
    const f = failures.get(req.remote);
    if (f && now() - f.since < 60_000 && f.n >= 10)
      throw runnerError("CONSOLE_RATE_LIMITED", "too many wrong passwords: wait a minute", {});
    const got = typeof body.password === "string" ? body.password : "";
    if (!timingSafeEqual(sha256(got), sha256(password))) {
      const cur = f && now() - f.since < 60_000 ? f : { n: 0, since: now() };
      cur.n += 1;
      failures.set(req.remote, cur);
      throw runnerError("CONSOLE_LOGIN_FAILED", "the console password is wrong", {});
    }
    failures.delete(req.remote);
    const s: Session = { expiresAt: now() + ttl, via: "password", connections: "*", user: null };
    const id = await newSession(s);
    log.info("console session opened", { via: "password" });
    return {
      status: 200,
      headers: { "set-cookie": cookie(id, Math.floor(ttl / 1000)) },
      body: await status(s),
    };
  }

  async function ghlSession(body: Record<string, unknown>): Promise<ConsoleReply> {
    const page = settings?.customPage;
    if (!page)
      throw runnerError(
        "CONSOLE_NOT_CONFIGURED",
        "the HighLevel custom page is off: set /console/customPage/sharedSecret in the runner's config",
        {},
      );
    const user = decryptUserData(body.payload, page.sharedSecret);
    if (!user.activeLocation)
      throw forbidden("open the custom page inside a sub-account: the user data names no location");
    const entry = Object.entries(options.connections()).find(
      ([, c]) => c.locationId === user.activeLocation,
    );
    if (!entry)
      throw forbidden(`this runner has no connection for location ${user.activeLocation}`);
    // The payload has no timestamp: one session per payload, a short one (console-sessions.ts).
    await sessions.claimPayload(body.payload as string);
    const s: Session = {
      expiresAt: now() + Math.min(ttl, CUSTOM_PAGE_SESSION_MS),
      via: "ghl",
      connections: [entry[0]],
      user: { userName: user.userName, email: user.email, role: user.role },
    };
    const id = await newSession(s);
    log.info("console session opened", { via: "ghl", connection: entry[0], userId: user.userId });
    // A header token (kept in the page's memory): inside HighLevel's frame the runner is a
    // third party, where a SameSite cookie is not sent.
    return { status: 200, body: { ...(await status(s)), sessionToken: id } };
  }

  // --- per-connection helpers -------------------------------------------------------
  const ALL_SCOPES_NOTE = "locations.readonly";
  function clientOf(name: string, c: ConnectionConfig, extra: string[] = []) {
    return createClient({
      getToken: tokens.getter(name),
      locationId: c.locationId,
      scopes: [...new Set([...(c.scopes ?? []), ...extra])],
      baseUrl: config.ghl.baseUrl,
    } as Parameters<typeof createClient>[0]);
  }
  async function rulesDocs(name: string, c: ConnectionConfig) {
    const saved = (await store.getValue(CONSOLE_KEYS.rules(name))) as
      | { documents: Record<string, unknown>; savedAt: string }
      | undefined;
    return {
      documents: { ...rulesOf(config.baseDir, name, c.rules), ...(saved?.documents ?? {}) },
      savedAt: saved?.savedAt ?? null,
    };
  }
  async function flowsOf(name: string, c: ConnectionConfig) {
    const client = clientOf(name, c);
    const { documents } = await rulesDocs(name, c);
    const scopes = c.scopes ?? [];
    return createFlows({
      client,
      locationId: c.locationId,
      scopes,
      rules: documents,
      config: RUNNER_FLOW_CONFIG,
    } as Parameters<typeof createFlows>[0]);
  }
  // One place decides a connection's mode (`console-state.ts`), the worker reads it too.
  const modeOf = (name: string) => readMode(store, name);
  function qwilrOf(name: string) {
    const found = Object.entries(config.sources.qwilr).find(([, q]) => q.connection === name);
    if (!found) return null;
    const [intake, q] = found;
    const target = `${options.publicUrl()}/hooks/qwilr/${q.secret}`;
    const api = createQwilrIntake({
      secret: q.secret,
      token: q.token,
      config: { baseUrl: q.baseUrl },
    });
    return { intake, target, api };
  }
  /** A read-only core outbox over what the worker stored (counts, dead letters, log). */
  async function outboxView(c: ConnectionConfig) {
    return createOutbox({
      token: "read-only-view",
      locationId: c.locationId,
      scopes: c.scopes ?? [],
      baseUrl: config.ghl.baseUrl,
      storage: readOnly(store.outboxStorage(c.locationId)),
      autoStart: false,
    } as Parameters<typeof createOutbox>[0]);
  }
  async function withOutbox<T>(
    c: ConnectionConfig,
    f: (o: Awaited<ReturnType<typeof createOutbox>>) => T,
  ) {
    const o = await outboxView(c);
    try {
      return f(o);
    } finally {
      await o.close().catch(() => undefined);
    }
  }

  async function connectionState(name: string, c: ConnectionConfig) {
    const pit = "pit" in c.auth;
    const connected = pit || (await hasOAuthTokens(name, c));
    const checked = (await store.getValue(CONSOLE_KEYS.checked(name))) as
      | { locationName: string; checkedAt: string }
      | undefined;
    return {
      connected,
      locationId: c.locationId,
      locationName: checked?.locationName ?? null,
      tokenSource: connected ? (pit ? "pit" : "oauth") : null,
      checkedAt: checked?.checkedAt ?? null,
    };
  }

  async function sourcesState(name: string) {
    const wishpond = Object.entries(config.sources.wishpond).find(([, w]) => w.connection === name);
    const site = Object.entries(config.sources.capture?.sites ?? {}).find(
      ([, s]) => s.connection === name,
    );
    const poll = wishpond
      ? ((await store.getValue(wishpondStatusKey(wishpond[0]))) as
          | { lastPollAt: number | null; lastLeadAt: number | null; lastError: unknown }
          | undefined)
      : undefined;
    const q = qwilrOf(name);
    let subscriptions: { id: string; event: string; url: string }[] = [];
    let lastError: unknown = null;
    if (q) {
      try {
        subscriptions = await subscriptionsOf(q);
      } catch (e) {
        lastError = errorJson(e);
      }
    }
    const qLast = q
      ? ((await store.getValue(CONSOLE_KEYS.qwilrLast(q.intake))) as number | undefined)
      : undefined;
    return {
      wishpond: {
        apiKeySet: wishpond !== undefined,
        siteKey: site?.[0] ?? null,
        intakeUrl: site ? `${options.publicUrl()}/capture/${encodeURIComponent(site[0])}` : null,
        poll: {
          lastPollAt: iso(poll?.lastPollAt),
          lastLeadAt: iso(poll?.lastLeadAt),
          lastError: (poll?.lastError as object | null | undefined) ?? null,
        },
      },
      qwilr: {
        tokenSet: q !== null,
        subscriptions,
        lastEventAt: iso(qLast),
        canSubscribe: q !== null,
        ...(lastError ? { lastError } : {}),
      },
    };
  }

  const notSupported = (what: string) => runnerError("NOT_SUPPORTED", what, {});

  /** The methods, by `ConsoleBackend` name; `args` as the interface takes them. */
  const methods: Record<
    string,
    (name: string, c: ConnectionConfig, args: unknown[], s: Session) => Promise<unknown>
  > = {
    connection: (name, c) => connectionState(name, c),
    async connect(name, c, [input]) {
      const i = (input ?? {}) as { token?: unknown; locationId?: unknown };
      if (typeof i.token === "string" && i.token.trim())
        throw notSupported(
          "the runner's tokens come from its configuration (a Private Integration Token in an environment variable) or from Connect with HighLevel, never from the page",
        );
      if (i.locationId !== undefined && i.locationId !== c.locationId)
        throw runnerError("CONSOLE_BAD_REQUEST", `connection ${name} is location ${c.locationId}`, {
          locationId: c.locationId,
        });
      return connectionState(name, c);
    },
    async testConnection(name, c) {
      const client = clientOf(name, c, [ALL_SCOPES_NOTE]);
      let location: { id: string; name: string; timezone?: string } | null = null;
      let error: unknown = null;
      try {
        const { data } = (await client.send("locations.get-location", {
          path: { locationId: c.locationId },
        })) as { data: { location?: Record<string, string> } & Record<string, string> };
        const l = (data?.location ?? data) as { id?: string; name?: string; timezone?: string };
        location = {
          id: l.id ?? c.locationId,
          name: l.name ?? c.locationId,
          ...(l.timezone ? { timezone: l.timezone } : {}),
        };
        await store.setValue(CONSOLE_KEYS.checked(name), {
          locationName: location.name,
          checkedAt: new Date(now()).toISOString(),
        });
      } catch (e) {
        error = errorJson(e);
      }
      // The scopes the runner lets this connection use: the OAuth app's (what was
      // authorized) or the config's list for a Private Integration Token.
      const granted =
        "oauth" in c.auth ? (config.oauthApps[c.auth.oauth]?.scopes ?? []) : (c.scopes ?? []);
      return { location, error, granted, connection: await connectionState(name, c) };
    },
    async disconnect(name, c) {
      if ("pit" in c.auth)
        throw notSupported(
          "a Private Integration Token is removed from the runner's configuration",
        );
      await tokens.forget(c.via ?? name);
      return connectionState(name, c);
    },
    sources: (name) => sourcesState(name),
    async saveSources() {
      throw notSupported(
        "the runner's Wishpond and Qwilr credentials come from its configuration (environment variables or files)",
      );
    },
    async qwilrSubscriptions(name) {
      const q = qwilrOf(name);
      if (!q) throw notSupported(`connection ${name} has no Qwilr source in the runner's config`);
      return subscriptionsOf(q);
    },
    async subscribeQwilr(name, _c, [events]) {
      const q = qwilrOf(name);
      if (!q) throw notSupported(`connection ${name} has no Qwilr source in the runner's config`);
      if (!Array.isArray(events) || !events.every((e) => typeof e === "string" && e !== ""))
        throw runnerError(
          "CONSOLE_BAD_REQUEST",
          "subscribeQwilr: events must be a list of Qwilr event names",
          {},
        );
      // The core refuses an event Qwilr does not send (`subscriptionRequest`).
      const existing = await q.api.subscriptions();
      for (const event of new Set(events as string[])) {
        if (existing.some((s) => s.event === event && s.targetUrl === q.target)) continue;
        await q.api.subscribe(event, q.target);
        log.info("qwilr webhook subscribed from the console", { connection: name, event });
      }
      return sourcesState(name);
    },
    async unsubscribeQwilr(name, _c, [id]) {
      const q = qwilrOf(name);
      if (!q) throw notSupported(`connection ${name} has no Qwilr source in the runner's config`);
      const mine = (await q.api.subscriptions()).find((s) => s.id === id);
      if (!mine || mine.targetUrl !== q.target)
        throw runnerError("CONSOLE_BAD_REQUEST", "no subscription of this runner has that id", {});
      await q.api.unsubscribe(String(id));
      log.info("qwilr webhook removed from the console", { connection: name, event: mine.event });
      return sourcesState(name);
    },
    rules: (name, c) => rulesDocs(name, c),
    async saveRules(name, c, [source, document]) {
      if (source !== "wishpond" && source !== "qwilr")
        throw runnerError("CONSOLE_BAD_REQUEST", "saveRules: source must be wishpond or qwilr", {});
      const problems = validateRules(document);
      if (problems.length > 0)
        throw new GhlBridgeError(
          "RULES_INVALID",
          `the ${source} rules have ${problems.length} problem(s)`,
          { status: 422, problems: JSON.parse(JSON.stringify(problems)) },
        );
      const cur = await rulesDocs(name, c);
      const saved = (await store.getValue(CONSOLE_KEYS.rules(name))) as
        | { documents: Record<string, unknown> }
        | undefined;
      await store.setValue(CONSOLE_KEYS.rules(name), {
        documents: { ...(saved?.documents ?? {}), [source]: document },
        savedAt: new Date(now()).toISOString(),
      });
      log.info("rules saved from the console", { connection: name, source });
      void cur;
      return rulesDocs(name, c);
    },
    async samples(name, _c, [source]) {
      const all =
        ((await store.getValue(CONSOLE_KEYS.samples(name))) as unknown[] | undefined) ?? [];
      return source ? all.filter((s) => (s as { source?: string }).source === source) : all;
    },
    async customFields(name, c) {
      const { customFields } = (await clientOf(name, c, [
        "locations/customFields.readonly",
      ]).customFields()) as {
        customFields: { id: string; name: string; dataType: string; fieldKey?: string }[];
      };
      return customFields.map((f) => ({
        id: f.id,
        name: f.name,
        dataType: f.dataType,
        ...(f.fieldKey ? { fieldKey: f.fieldKey } : {}),
      }));
    },
    async dryRun(name, c, [event]) {
      return preview(name, c, event);
    },
    mode: (name) => modeOf(name),
    async setMode(name, _c, [mode, opts]) {
      if (mode !== "staging" && mode !== "production")
        throw runnerError("CONSOLE_BAD_REQUEST", "setMode: mode must be staging or production", {});
      const cur = await modeOf(name);
      if (
        mode === "production" &&
        cur.mode !== "production" &&
        (opts as { confirm?: boolean })?.confirm !== true
      )
        throw runnerError("CONFIRMATION_REQUIRED", "going live needs confirm: true", {});
      // Going live again keeps when production started (events received since are sent).
      const since =
        mode !== "production"
          ? null
          : cur.mode === "production" && cur.since
            ? cur.since
            : new Date(now()).toISOString();
      const next = { mode, since };
      await store.setValue(CONSOLE_KEYS.mode(name), next);
      log.info("console mode changed", { connection: name, mode });
      return next;
    },
    async deliver(name, c, [event]) {
      const e = event as { type?: unknown; id?: unknown; payload?: unknown };
      if (!e || typeof e.type !== "string" || typeof e.id !== "string" || !e.payload)
        throw runnerError(
          "CONSOLE_BAD_REQUEST",
          "deliver: the event must be {type, id, payload}",
          {},
        );
      const source = e.type.startsWith("qwilr.") ? "qwilr" : "wishpond";
      await recordSample(store, name, { ...e, type: e.type, id: e.id }, now());
      if ((await modeOf(name)).mode !== "production")
        return { planId: e.id, queued: false, preview: await preview(name, c, event) };
      if (source === "qwilr")
        throw notSupported(
          "the runner's worker does not read Qwilr pages yet, so a Qwilr event cannot be delivered from here",
        );
      // The intake the worker plans and delivers: a Wishpond lead's body is the lead event.
      const r = await store.accept({
        source: "wishpond",
        dedupeKey: e.id,
        connection: name,
        body: e.payload,
        receivedAt: now(),
      });
      return { planId: e.id, queued: r === "accepted", preview: null };
    },
    async outboxStatus(name, c) {
      const counts = await withOutbox(c, (o) => o.counts());
      const pendingIntake = (await store.counts()).pendingIntake[name] ?? 0;
      const mode = (await modeOf(name)).mode;
      return {
        counts: { ...counts, pending: counts.pending + pendingIntake },
        mode,
        budget: await budgetOf(c.locationId),
        at: now(),
      };
    },
    async activity(_name, c) {
      // The worker's outbox failure log (written by whichever process holds the location).
      return ((await store.getValue(CONSOLE_KEYS.failures(c.locationId))) ?? []) as unknown[];
    },
    /** The worker's staged dry runs, newest first. */
    staged: (name) => stagedOf(name),
    async deadLetters(_name, c) {
      return withOutbox(c, (o) => o.deadLetters());
    },
    async retry(name, c, [planId]) {
      if (typeof planId !== "string" || !planId)
        throw runnerError("CONSOLE_BAD_REQUEST", "retry: planId is required", {});
      await askRetry(c.locationId, [planId]);
      log.info("dead-letter retry asked from the console", { connection: name, planId });
      return methods.outboxStatus(name, c, [], {} as Session);
    },
    async retryAll(name, c) {
      const dead = await withOutbox(c, (o) => o.deadLetters().length);
      await askRetry(c.locationId, ["*"]);
      log.info("dead-letter retry of all asked from the console", { connection: name, dead });
      return { retried: dead, status: await methods.outboxStatus(name, c, [], {} as Session) };
    },
    /**
     * The location's social-planner tag catalog (read from GHL) and the core's validation
     * report of `references` (the tags the rules documents name: the widget lists them).
     */
    async tags(name, c, [references]) {
      const refs = Array.isArray(references) ? references : [];
      if (
        refs.length > 1000 ||
        !refs.every(
          (r) =>
            r &&
            typeof r === "object" &&
            typeof (r as { value?: unknown }).value === "string" &&
            typeof (r as { source?: unknown }).source === "string",
        )
      )
        throw runnerError(
          "CONSOLE_BAD_REQUEST",
          "tags: references must be at most 1,000 {value, source} strings",
          {},
        );
      const catalog = createTagCatalog({
        client: clientOf(name, c, ["socialplanner/tag.readonly"]),
        locationId: c.locationId,
      });
      await catalog.load();
      const { report } = await catalog.report(refs as Parameters<typeof catalog.report>[0]);
      return { tags: catalog.tags(), report, loadedAt: new Date(now()).toISOString() };
    },
    /**
     * Runner only (not in the widget's `ConsoleBackend`): sends the outbox records an
     * UNINSTALL retired, once the location's connection is installed again; the worker
     * holding the location moves them back into its outbox (a few ticks).
     */
    async resendRetired(name, c) {
      const retired = (await store.retiredOutbox(c.locationId)).length;
      if (retired > 0) await askRetry(c.locationId, [RESEND_RETIRED]);
      log.info("resending the retired outbox records asked from the console", {
        connection: name,
        retired,
      });
      return { retired, status: await methods.outboxStatus(name, c, [], {} as Session) };
    },
    async fixTag() {
      // A fix changes the rules documents (GHL's API cannot change social-planner tags):
      // the console applies it through `saveRules`.
      throw notSupported("a tag fix is saved as a rules change (saveRules)");
    },
    async statistics(name, c) {
      const flows = await flowsOf(name, c);
      const report = (await flows.run({
        type: "statistics.requested",
        id: `console-statistics-${now()}-${randomBytes(4).toString("hex")}`,
        payload: { trigger: "dashboard", title: c.weeklyReport?.title ?? "Weekly social report" },
      } as unknown as Parameters<typeof flows.run>[0])) as {
        failed?: { error: unknown };
        outcome?: {
          result?: { kind: string; series: unknown; markdown: string; csv: string; slack: unknown };
        };
      };
      if (report.failed) throw report.failed.error;
      const result = report.outcome?.result;
      if (result?.kind !== "statistics")
        throw runnerError("REPORT_SEND_FAILED", "the statistics flow gave no series", {});
      return {
        series: result.series,
        markdown: result.markdown,
        csv: result.csv,
        slack: result.slack,
        asOf: new Date(now()).toISOString(),
      };
    },
    async sendReportNow(name, _c, [target]) {
      // The runner sends only to the targets its config names (a URL typed in a page
      // would make it post wherever a console user says).
      if (target !== undefined && target !== null)
        throw notSupported(
          "the runner sends the report to the targets in its configuration (reports), not to a URL typed here",
        );
      if (!options.reports)
        throw notSupported("this runner process does not send reports (run it with --role all)");
      return options.reports.sendNow(name);
    },
  };

  /**
   * The location's rate budget as its outbox stored it (the core's `OutboxBudget`, written
   * with the sends by whichever worker holds the location), or null before any send.
   */
  async function budgetOf(locationId: string): Promise<unknown> {
    const records = await store.outboxStorage(locationId).load();
    const found = records.find(
      (r) =>
        (r.record as { rateBudget?: { locationId?: string } } | null)?.rateBudget?.locationId ===
        locationId,
    );
    return (found?.record as { rateBudget: unknown } | undefined)?.rateBudget ?? null;
  }

  async function stagedOf(name: string) {
    return ((await store.getValue(CONSOLE_KEYS.staged(name))) as StagedEntry[] | undefined) ?? [];
  }

  async function askRetry(locationId: string, ids: string[]) {
    const cur =
      ((await store.getValue(CONSOLE_KEYS.retries)) as Record<string, string[]> | undefined) ?? {};
    await store.setValue(CONSOLE_KEYS.retries, {
      ...cur,
      [locationId]: [...new Set([...(cur[locationId] ?? []), ...ids])],
    });
  }

  /** This runner's Qwilr subscriptions; the target URL holds the secret: shown without it. */
  async function subscriptionsOf(q: NonNullable<ReturnType<typeof qwilrOf>>) {
    return (await q.api.subscriptions())
      .filter((s) => s.targetUrl === q.target)
      .map((s) => ({ id: s.id, event: s.event, url: `${options.publicUrl()}/hooks/qwilr/…` }));
  }

  async function preview(name: string, c: ConnectionConfig, event: unknown) {
    const flows = await flowsOf(name, c);
    try {
      const p = await flows.run(event as Parameters<typeof flows.run>[0], { dryRun: true });
      return { ...dryRunView(p), error: null };
    } catch (e) {
      return { requests: [], later: [], next: [], warnings: [], error: errorJson(e) };
    }
  }

  async function call(req: ConsoleRequest, method: string, body: Record<string, unknown>) {
    const s = await sessionOf(req);
    if (!s)
      throw runnerError("CONSOLE_LOGIN_REQUIRED", "sign in to the console first", {
        login: (await status(null)).login,
      });
    const f = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!f)
      throw runnerError("CONSOLE_BAD_REQUEST", `no console method ${JSON.stringify(method)}`, {});
    const name = typeof body.connection === "string" ? body.connection : "";
    const c = allowed(s)[name];
    if (!c) throw forbidden(`this session may not use connection ${JSON.stringify(name)}`);
    const args = Array.isArray(body.args) ? body.args : [];
    return f(name, c, args, s);
  }

  // --- files ------------------------------------------------------------------------
  const frameAncestors = ["'self'", ...(settings?.customPage?.origins ?? [])].join(" ");
  const pageHeaders = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors ${frameAncestors}; base-uri 'none'; form-action 'self'`,
  };
  const notBuilt = (path: string) =>
    runnerError("HTTP_NOT_FOUND", "the console widget is not built into this package", { path });

  async function file(path: string): Promise<ConsoleReply> {
    const dir = options.packageDir;
    if (!dir || config.server.console === false) throw notBuilt(path);
    const rel = normalize(decodeURIComponent(path.replace(/^\/console\//, "")));
    if (
      rel.startsWith("..") ||
      rel.includes(`${sep}..`) ||
      rel.startsWith(sep) ||
      rel.startsWith("runner")
    )
      throw notBuilt(path);
    const type = CONTENT_TYPES[extname(rel)];
    if (!type) throw notBuilt(path);
    const full = join(dir, rel);
    try {
      if (!(await stat(full)).isFile()) throw notBuilt(path);
      return {
        status: 200,
        headers: {
          "content-type": type,
          "x-content-type-options": "nosniff",
          "cache-control": "no-cache",
        },
        raw: await readFile(full),
      };
    } catch {
      throw notBuilt(path);
    }
  }

  /** The console page; `?location=ID` picks the connection of that location. */
  async function page(url: URL): Promise<ConsoleReply> {
    const dir = options.packageDir;
    if (!dir || config.server.console === false) throw notBuilt("/console/");
    try {
      await stat(join(dir, "console", "ghl-bridge-console.js"));
    } catch {
      throw notBuilt("/console/");
    }
    const loc = url.searchParams.get("location") ?? "";
    const location = /^[A-Za-z0-9_-]{1,64}$/.test(loc) ? ` location-id="${loc}"` : "";
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ghl-bridge console</title>
<link rel="icon" href="data:,">
<style>html{color-scheme:light dark}body{margin:0;padding:12px;font-family:system-ui,sans-serif}</style>
<script type="module" src="console/ghl-bridge-console.js"></script>
</head>
<body>
<main><ghl-bridge-console endpoint="../"${location}></ghl-bridge-console></main>
</body>
</html>
`;
    return { status: 200, headers: pageHeaders, raw: html };
  }

  function errorJson(e: unknown) {
    const x = e as { code?: unknown; message?: unknown; details?: unknown };
    return {
      code: typeof x?.code === "string" ? x.code : "INTERNAL",
      message: log.scrub(String(x?.message ?? e)),
      ...(x?.details && typeof x.details === "object"
        ? { details: JSON.parse(log.scrub(JSON.stringify(x.details))) as unknown }
        : {}),
    };
  }

  return {
    async handle(req) {
      const p = req.url.pathname;
      try {
        if (p === "/console") return { status: 302, headers: { location: "/console/" } };
        if (!p.startsWith("/console/api/")) {
          if (req.method !== "GET" && req.method !== "HEAD")
            throw runnerError("HTTP_METHOD_NOT_ALLOWED", `${req.method} ${p}: use GET`, {});
          return p === "/console/" || p === "/console/index.html"
            ? await page(req.url)
            : await file(p);
        }
        checkRequest(req);
        const body = parseBody(req);
        const route = p.slice("/console/api/".length);
        let answer: unknown;
        if (route === "session") answer = await status(await sessionOf(req));
        else if (route === "session/login") return await login(req, body);
        else if (route === "session/ghl") return await ghlSession(body);
        else if (route === "session/logout") {
          const id = sessionId(req);
          if (id) await sessions.close(id);
          return {
            status: 200,
            headers: { "set-cookie": cookie("", 0) },
            body: await status(null),
          };
        } else if (route.startsWith("call/")) answer = await call(req, route.slice(5), body);
        else throw runnerError("HTTP_NOT_FOUND", `no console endpoint ${p}`, { path: p });
        return { status: 200, headers: { "cache-control": "no-store" }, body: answer ?? null };
      } catch (e) {
        const err = errorJson(e) as { code: string; details?: { status?: unknown } };
        const code = statusFor(err);
        if (code >= 500) log.error("console call failed", { path: p, error: err });
        return { status: code, headers: { "cache-control": "no-store" }, body: { error: err } };
      }
    },
  };
}
