// A GHL (HighLevel API v2) emulator: a real HTTP server on loopback.
//
// Invariants:
// - Self-contained: Node built-ins only; it never reads the OpenAPI files.
// - Deterministic: data, ids, traceIds, statistics and faults come from
//   seeded streams (see prng.mjs); with the same seed, options and request
//   order, two runs answer the same (timestamps aside, which follow `clock`).
// - Tokens are never logged, printed or returned: the log and the control
//   plane show a label and a fingerprint (first 12 hex of its SHA-256).
// - Faults and rate limits never touch the control plane (`/__emulator/`).
// - With `faultTiming: 'before'` (default) an injected 5xx or drop happens
//   before the handler runs, so the mutation did NOT happen; with 'after',
//   the handler runs (state changes) and the answer is then replaced.

import { createHash } from "node:crypto";
import { createServer } from "node:http";

import { handleControl } from "./control.mjs";
import {
  GhlError,
  forbidden,
  notFound,
  serverFault,
  tooManyRequests,
  unauthorized,
} from "./errors.mjs";
import { createOAuth } from "./oauth.mjs";
import { createRng } from "./prng.mjs";
import { RATE_LIMIT_HEADER_NAMES, RateLimiter } from "./ratelimit.mjs";
import { ALL_SCOPES, matchRoute } from "./routes.mjs";
import { seedLocation } from "./seed.mjs";
import { createWebhookSender } from "./webhooks.mjs";

export { ALL_SCOPES, API_VERSION, ROUTES } from "./routes.mjs";
export { DEMO_OAUTH_CLIENT } from "./oauth.mjs";

/** The location the default tokens belong to (20 characters, like GHL ids). */
export const DEMO_LOCATION_ID = "demoLocation00000001";
/** A second seeded location, for cross-location (403) checks. */
export const OTHER_LOCATION_ID = "otherLocation0000002";

/** Public development tokens of the emulator (they grant nothing anywhere else). */
export const DEMO_TOKEN = "pit-emulator-demo-all-scopes";
export const DEMO_READONLY_TOKEN = "pit-emulator-demo-readonly";
export const OTHER_LOCATION_TOKEN = "pit-emulator-other-location";

export function defaultTokens() {
  return {
    [DEMO_TOKEN]: { locationId: DEMO_LOCATION_ID, scopes: [...ALL_SCOPES], label: "demo" },
    [DEMO_READONLY_TOKEN]: {
      locationId: DEMO_LOCATION_ID,
      scopes: ALL_SCOPES.filter((s) => !s.endsWith(".write")),
      label: "demo-readonly",
    },
    [OTHER_LOCATION_TOKEN]: {
      locationId: OTHER_LOCATION_ID,
      scopes: [...ALL_SCOPES],
      label: "other-location",
    },
  };
}

export const DEFAULTS = Object.freeze({
  host: "127.0.0.1",
  port: 0,
  seed: 1,
  locations: [DEMO_LOCATION_ID, OTHER_LOCATION_ID],
  contactsPerLocation: 8,
  socialTagsPerLocation: 25,
  duplicateOrder: ["email", "phone"],
  rateLimit: { max: 100, intervalMs: 10_000, dailyLimit: 200_000 },
  errorRate: 0,
  errorStatuses: [500, 502, 503],
  dropRate: 0,
  latencyMs: 0,
  burst429: 0,
  faultSeed: null,
  faultTiming: "before",
  logBodies: true,
  maxLogEntries: 10_000,
});

/** Options `configure()` may change at runtime. */
const RUNTIME_KEYS = [
  "rateLimit",
  "errorRate",
  "errorStatuses",
  "dropRate",
  "latencyMs",
  "burst429",
  "faultSeed",
  "faultTiming",
  "duplicateOrder",
  "logBodies",
  "maxLogEntries",
];

const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Version, Content-Type, Accept",
  "Access-Control-Expose-Headers": RATE_LIMIT_HEADER_NAMES.join(", "),
  "Access-Control-Max-Age": "600",
};

/** First 12 hex digits of the token's SHA-256: identifies it without revealing it. */
export function tokenFingerprint(token) {
  return createHash("sha256").update(String(token)).digest("hex").slice(0, 12);
}

function checkOptions(o) {
  const rate = (name) => {
    if (typeof o[name] !== "number" || o[name] < 0 || o[name] > 1)
      throw new TypeError(`${name} must be a number in [0, 1]`);
  };
  rate("errorRate");
  rate("dropRate");
  const { max, intervalMs, dailyLimit } = o.rateLimit;
  for (const [k, v] of Object.entries({ max, intervalMs, dailyLimit })) {
    if (!Number.isInteger(v) || v < 1)
      throw new TypeError(`rateLimit.${k} must be a positive integer`);
  }
  const lat = o.latencyMs;
  const latOk =
    (typeof lat === "number" && lat >= 0) ||
    (Array.isArray(lat) &&
      lat.length === 2 &&
      lat.every((x) => typeof x === "number" && x >= 0) &&
      lat[0] <= lat[1]);
  if (!latOk) throw new TypeError("latencyMs must be a number or [min, max]");
  if (!["before", "after"].includes(o.faultTiming))
    throw new TypeError("faultTiming must be 'before' or 'after'");
  if (!Number.isInteger(o.burst429) || o.burst429 < 0)
    throw new TypeError("burst429 must be a non-negative integer");
  if (!Array.isArray(o.errorStatuses) || o.errorStatuses.length === 0)
    throw new TypeError("errorStatuses must be a non-empty array");
}

function mergeOptions(base, partial) {
  const out = { ...base, ...partial };
  out.rateLimit = { ...base.rateLimit, ...(partial.rateLimit ?? {}) };
  checkOptions(out);
  return out;
}

/**
 * Starts the emulator. Resolves to the handle described in README.md.
 * `options.tokens` replaces the default tokens; `options.clock` (() => ms)
 * replaces Date.now for rate limits, timestamps and statistics.
 */
export async function startEmulator(options = {}) {
  const { tokens: tokenOption, clock, ...rest } = options;
  let config = mergeOptions({ ...DEFAULTS, rateLimit: { ...DEFAULTS.rateLimit } }, rest);
  const now = clock ?? (() => Date.now());
  const webhooks = createWebhookSender({ clock: now });
  const tokens = new Map();
  const addToken = (token, { locationId, scopes = [...ALL_SCOPES], label, expiresAtMs } = {}) => {
    if (typeof token !== "string" || token === "")
      throw new TypeError("token must be a non-empty string");
    if (typeof locationId !== "string" || locationId === "")
      throw new TypeError("locationId must be a non-empty string");
    if (!Array.isArray(scopes)) throw new TypeError("scopes must be an array");
    const fingerprint = tokenFingerprint(token);
    tokens.set(token, {
      locationId,
      scopes: [...scopes],
      label: label ?? `token-${fingerprint}`,
      fingerprint,
      expiresAtMs: expiresAtMs ?? null,
    });
    return { label: tokens.get(token).label, fingerprint, locationId };
  };
  for (const [token, info] of Object.entries(tokenOption ?? defaultTokens())) addToken(token, info);

  const oauth = createOAuth({
    clock: now,
    addToken,
    removeToken: (token) => tokens.delete(token),
    fingerprint: tokenFingerprint,
    allScopes: ALL_SCOPES,
    defaults: { locationId: DEMO_LOCATION_ID },
  });
  const state = { locations: {} };
  const log = [];
  let seq = 0;
  let ids;
  let faults;
  const limiter = new RateLimiter(() => config.rateLimit);

  const location = (id) => {
    state.locations[id] ??= seedLocation(config.seed, id, config);
    return state.locations[id];
  };
  const reseedFaults = () => {
    faults = createRng(config.faultSeed ?? config.seed, "faults");
  };
  const reset = () => {
    for (const key of Object.keys(state.locations)) delete state.locations[key];
    for (const id of config.locations) location(id);
    log.length = 0;
    seq = 0;
    ids = createRng(config.seed, "ids");
    reseedFaults();
    limiter.clear();
    config.burst429 = rest.burst429 ?? 0;
  };
  reset();

  const configure = (partial = {}) => {
    if (partial === null || typeof partial !== "object")
      throw new TypeError("configure takes an object");
    const unknown = Object.keys(partial).filter((k) => !RUNTIME_KEYS.includes(k));
    if (unknown.length) throw new TypeError(`cannot configure at runtime: ${unknown.join(", ")}`);
    config = mergeOptions(config, partial);
    if ("faultSeed" in partial) reseedFaults();
    return publicConfig();
  };
  const publicConfig = () => ({
    ...structuredClone(config),
    tokens: [...tokens.values()].map(({ label, fingerprint, locationId, scopes }) => ({
      label,
      fingerprint,
      locationId,
      scopes,
    })),
  });

  const sockets = new Set();
  const timers = new Set();
  const sleep = (ms) =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const emu = {
    url: "",
    port: 0,
    webhooks,
    oauth,
    log,
    state,
    tokens: () => publicConfig().tokens,
    config: publicConfig,
    configure,
    reset,
    addToken,
    revokeToken: (token) => tokens.delete(token),
  };

  const record = (entry) => {
    seq += 1;
    log.push({ seq, ...entry });
    if (log.length > config.maxLogEntries) log.splice(0, log.length - config.maxLogEntries);
  };

  async function handleGhl(req, res, url, rawBody) {
    const started = now();
    // Every request draws the same number of values, so fault decisions
    // depend only on the seed and the request's position.
    const rolls = {
      drop: faults.next(),
      error: faults.next(),
      status: faults.next(),
      latency: faults.next(),
    };
    const lat = config.latencyMs;
    const latencyMs = Array.isArray(lat)
      ? Math.round(lat[0] + rolls.latency * (lat[1] - lat[0]))
      : lat;
    const drop = rolls.drop < config.dropRate;
    const error = !drop && rolls.error < config.errorRate;
    const errorStatus =
      config.errorStatuses[Math.floor(rolls.status * config.errorStatuses.length)];

    const entry = {
      time: new Date(started).toISOString(),
      timeMs: started,
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: null,
      locationId: null,
      operation: null,
      fault: null,
      latencyMs,
      version: req.headers.version ?? null,
      token: null,
      body: undefined,
    };
    let body;
    let badJson = false;
    try {
      body = rawBody === "" ? undefined : JSON.parse(rawBody);
    } catch {
      badJson = true;
    }
    if (config.logBodies) entry.body = badJson ? { unparsedJson: rawBody.slice(0, 2000) } : body;

    if (latencyMs > 0) await sleep(latencyMs);
    if (res.destroyed) return;

    const auth = req.headers.authorization ?? "";
    const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    const held = bearer ? tokens.get(bearer) : undefined;
    // An expired OAuth access token answers as an unknown one does (401 Invalid JWT).
    const tokenInfo =
      held && (held.expiresAtMs === null || held.expiresAtMs > now()) ? held : undefined;
    entry.token = tokenInfo
      ? { label: tokenInfo.label, fingerprint: tokenInfo.fingerprint }
      : bearer
        ? { label: "unknown", fingerprint: tokenFingerprint(bearer) }
        : null;
    const bucket = tokenInfo ? tokenInfo.locationId : "(no valid token)";
    entry.locationId = tokenInfo?.locationId ?? null;

    const send = (status, payload, rlHeaders) => {
      entry.status = status;
      entry.durationMs = now() - started;
      if (payload?.traceId) entry.traceId = payload.traceId;
      record(entry);
      const text = JSON.stringify(payload);
      res.writeHead(status, {
        ...CORS_HEADERS,
        ...rlHeaders,
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": Buffer.byteLength(text),
      });
      res.end(text);
    };
    const sendError = (err, rlHeaders) =>
      send(err.status, { ...err.body, traceId: ids.uuid() }, rlHeaders);
    const dropNow = () => {
      entry.fault = "drop";
      entry.status = 0;
      entry.durationMs = now() - started;
      record(entry);
      req.socket.destroy();
    };

    if (config.burst429 > 0) {
      config.burst429 -= 1;
      entry.fault = "burst429";
      return sendError(tooManyRequests(false), limiter.peek(bucket, started));
    }
    const rl = limiter.take(bucket, started);
    if (!rl.ok) {
      entry.rateLimited = rl.limit;
      return sendError(tooManyRequests(rl.limit === "daily"), rl.headers);
    }
    if (config.faultTiming === "before") {
      if (drop) return dropNow();
      if (error) {
        entry.fault = `error:${errorStatus}`;
        return sendError(serverFault(errorStatus), rl.headers);
      }
    }

    let status;
    let payload;
    try {
      ({ status, payload } = dispatch(req, url, body, badJson, tokenInfo, entry));
    } catch (err) {
      if (!(err instanceof GhlError)) throw err;
      status = err.status;
      payload = { ...err.body, traceId: ids.uuid() };
    }
    if (config.faultTiming === "after") {
      if (drop) return dropNow();
      if (error) {
        entry.fault = `error:${errorStatus}`;
        entry.handledStatus = status;
        return sendError(serverFault(errorStatus), rl.headers);
      }
    }
    return send(status, payload, rl.headers);
  }

  // Order of checks: route (404) -> Version (400) -> token (401) -> scope
  // (401) -> JSON body (400) -> location (403) -> validation (422) -> handler.
  function dispatch(req, url, body, badJson, tokenInfo, entry) {
    const { route, params } = matchRoute(req.method, url.pathname);
    if (!route) throw notFound(req.method, url.pathname);
    entry.operation = route.operation;
    const version = req.headers.version;
    if (version === undefined || version === "")
      throw new GhlError(400, "version header was not found");
    if (!route.versions.includes(version)) {
      throw new GhlError(
        400,
        `Version ${version} is not supported by this operation (accepted: ${route.versions.join(", ")})`,
      );
    }
    if (!tokenInfo) throw unauthorized("Invalid JWT");
    if (!tokenInfo.scopes.includes(route.scope))
      throw unauthorized("The token is not authorized for this scope.");
    if (badJson) throw new GhlError(400, "The request body is not valid JSON");
    const query = Object.fromEntries(url.searchParams);
    if (route.location === "path" && params.locationId !== tokenInfo.locationId) throw forbidden();
    if (route.location === "query") {
      if (!query.locationId) throw new GhlError(422, ["locationId should not be empty"]);
      if (query.locationId !== tokenInfo.locationId) throw forbidden();
    }
    // A location filter the operation does not require must still be the token's.
    if (
      route.location === "optional-query" &&
      query.locationId !== undefined &&
      query.locationId !== tokenInfo.locationId
    ) {
      throw forbidden();
    }
    const ctx = {
      params,
      query,
      body,
      locationId: tokenInfo.locationId,
      loc: location(tokenInfo.locationId),
      seed: config.seed,
      options: config,
      ids,
      now,
      note: (info) => Object.assign(entry, info),
      findContact: (id) => {
        for (const loc of Object.values(state.locations)) {
          const c = loc.contacts.find((x) => x.id === id);
          if (c) return c;
        }
        return undefined;
      },
    };
    const watched = webhooks.before(ctx.loc);
    const { status, body: payload } = route.handler(ctx);
    if (status < 300) webhooks.after(watched, ctx.loc, tokenInfo.locationId);
    return { status, payload };
  }

  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://emulator.local");
      let work;
      if (url.pathname.startsWith("/__emulator/") || url.pathname === "/__emulator") {
        work = handleControl(emu, req, res, url, rawBody, CORS_HEADERS);
      } else if (url.pathname.startsWith("/oauth/") || url.pathname.startsWith("/v2/oauth/")) {
        const out = oauth.handle(req.method, url, rawBody, req.headers);
        if (out?.location) {
          res.writeHead(out.status, { Location: out.location });
          res.end();
          return;
        }
        const text = JSON.stringify(
          out?.body ?? { statusCode: 404, message: `Cannot ${req.method} ${url.pathname}` },
        );
        res.writeHead(out?.status ?? 404, {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Length": Buffer.byteLength(text),
        });
        res.end(text);
        return;
      } else if (req.method === "OPTIONS") {
        res.writeHead(204, CORS_HEADERS);
        res.end();
        return;
      } else {
        work = handleGhl(req, res, url, rawBody);
      }
      Promise.resolve(work).catch((err) => {
        if (res.headersSent || res.destroyed) return;
        const text = JSON.stringify({
          statusCode: 500,
          message: `emulator bug: ${err?.message ?? err}`,
        });
        res.writeHead(500, { ...CORS_HEADERS, "Content-Type": "application/json" });
        res.end(text);
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address();
  emu.port = port;
  emu.url = `http://${config.host}:${port}`;
  let stopping;
  emu.stop = () => {
    stopping ??= new Promise((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return stopping;
  };
  return emu;
}
