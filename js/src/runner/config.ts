/**
 * The runner's configuration: one JSON document checked against the published schema
 * (`config.schema.json`, shipped as `ghl-bridge/runner/config.schema.json`), then the
 * cross-references (a source names a configured connection, an OAuth connection names
 * an app, a report names its targets), then every secret read from its environment
 * variable or file. Any problem stops the start with `CONFIG_INVALID` (or
 * `CONFIG_SECRET_MISSING`) listing every problem with its key: the runner never starts
 * half-configured. Secret values are never part of an error or a log line.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { runnerError } from "./errors.js";
import { checkSchema, type SchemaNode, type SchemaProblem } from "./schema-check.js";

/** A secret as the config names it; resolved to its value on load. */
export type SecretRef = { env: string } | { file: string };

/** One GHL connection (a location). */
export interface ConnectionConfig {
  locationId: string;
  /** `pit`: the token's value (resolved); `oauth`: the app's name. */
  auth: { pit: string } | { oauth: string };
  scopes?: string[];
  /** Set on connections added by an INSTALL webhook: the agency connection whose token is traded. */
  via?: string;
  rules?: { wishpond?: string; qwilr?: string; ghl?: string };
  statistics?: { everyMs: number };
  weeklyReport?: {
    weekday: string;
    hour: number;
    minute: number;
    utcOffsetMinutes: number;
    title: string;
    targets: string[];
  };
}

/** An OAuth app (marketplace). */
export interface OAuthAppConfig {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  userType: "Location" | "Company";
  refreshBeforeMs: number;
}

/** A report target. */
export type ReportTarget =
  | { slack: { webhookUrl: string } }
  | {
      email: {
        host: string;
        port: number;
        secure: boolean;
        user?: string;
        password?: string;
        from: string;
        to: string[];
      };
    };

/** The loaded configuration: defaults filled in, secrets resolved. */
export interface RunnerConfig {
  /** The folder relative paths are read from. */
  baseDir: string;
  server: {
    host: string;
    port: number;
    publicUrl?: string;
    bodyLimitBytes: number;
    requestTimeoutMs: number;
    shutdownTimeoutMs: number;
    console: boolean;
  };
  log: { level: "debug" | "info" | "warn" | "error" };
  store: { kind: "embedded"; path: string } | { kind: "postgres"; url: string; poolSize: number };
  vault: { key: string };
  ghl: {
    baseUrl: string;
    authorizeUrl: string;
    webhookKeys?: { ed25519PublicKeyPem?: string; rsaPublicKeyPem?: string };
  };
  oauthApps: Record<string, OAuthAppConfig>;
  connections: Record<string, ConnectionConfig>;
  sources: {
    qwilr: Record<string, { connection: string; secret: string; token: string; baseUrl: string }>;
    wishpond: Record<
      string,
      { connection: string; apiKey: string; pollIntervalMs: number; baseUrl: string }
    >;
    capture?: {
      sites: Record<string, { connection: string; allowedOrigins: string[] }>;
      maxPerMinute: number;
    };
  };
  reportTargets: Record<string, ReportTarget>;
  /** Who may use the console's API (absent: the API refuses every call). */
  console?: {
    password?: string;
    sessionTtlMs: number;
    customPage?: { sharedSecret: string; origins: string[] };
  };
  /** Every secret value (to register with the logger's scrubber). */
  secretValues: string[];
}

let cachedSchema: SchemaNode | undefined;
/** The published schema. */
export function configSchema(): SchemaNode {
  cachedSchema ??= JSON.parse(
    readFileSync(new URL("./config.schema.json", import.meta.url), "utf8"),
  ) as SchemaNode;
  return cachedSchema;
}

function invalid(problems: SchemaProblem[], file: string) {
  const lines = problems.map((p) => `  ${p.at || "/"}: ${p.reason}`).join("\n");
  return runnerError(
    "CONFIG_INVALID",
    `${file}: ${problems.length} problem(s); the runner does not start:\n${lines}`,
    { file, problems },
  );
}

const getAt = (doc: unknown, at: string): unknown =>
  at
    .split("/")
    .slice(1)
    .reduce<unknown>(
      (v, k) => (v as Record<string, unknown>)?.[k.replace(/~1/g, "/").replace(/~0/g, "~")],
      doc,
    );
function setAt(doc: unknown, at: string, value: unknown): void {
  const keys = at
    .split("/")
    .slice(1)
    .map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = keys.pop() as string;
  const parent = keys.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], doc);
  (parent as Record<string, unknown>)[last] = value;
}

/** Checks the references between sections (names that must exist). */
function crossChecks(c: Omit<RunnerConfig, "baseDir" | "secretValues">): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const conn = (at: string, name: string) => {
    if (!(name in c.connections))
      out.push({
        at,
        reason: `names connection ${JSON.stringify(name)}, which is not in /connections`,
      });
  };
  for (const [n, x] of Object.entries(c.connections)) {
    if ("oauth" in x.auth && !(x.auth.oauth in c.oauthApps))
      out.push({
        at: `/connections/${n}/auth/oauth`,
        reason: `names OAuth app ${JSON.stringify(x.auth.oauth)}, which is not in /oauthApps`,
      });
    for (const [i, t] of (x.weeklyReport?.targets ?? []).entries())
      if (!(t in c.reportTargets))
        out.push({
          at: `/connections/${n}/weeklyReport/targets/${i}`,
          reason: `names report target ${JSON.stringify(t)}, which is not in /reportTargets`,
        });
  }
  const seenLocations = new Map<string, string>();
  for (const [n, x] of Object.entries(c.connections)) {
    const other = seenLocations.get(x.locationId);
    if (other)
      out.push({
        at: `/connections/${n}/locationId`,
        reason: `is also connection ${other}'s location`,
      });
    seenLocations.set(x.locationId, n);
  }
  for (const [n, x] of Object.entries(c.sources.qwilr))
    conn(`/sources/qwilr/${n}/connection`, x.connection);
  for (const [n, x] of Object.entries(c.sources.wishpond))
    conn(`/sources/wishpond/${n}/connection`, x.connection);
  for (const [n, x] of Object.entries(c.sources.capture?.sites ?? {}))
    conn(`/sources/capture/sites/${n}/connection`, x.connection);
  return out;
}

/**
 * Parses, checks and resolves a configuration document. `file` names it in errors and
 * is where relative paths start; `env` is where `{"env"}` secrets are read.
 */
export function parseConfig(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
): RunnerConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid([{ at: "", reason: `is not JSON: ${(e as Error).message}` }], file);
  }
  const { problems, value, secrets } = checkSchema(configSchema(), doc);
  if (problems.length) throw invalid(problems, file);
  const baseDir = dirname(resolve(file));
  const v = value as Record<string, unknown>;
  v.sources ??= {};
  const sources = v.sources as Record<string, unknown>;
  sources.qwilr ??= {};
  sources.wishpond ??= {};
  v.oauthApps ??= {};
  v.reportTargets ??= {};
  // Sections left out get their schema defaults (the schema is the one place for them).
  const props = configSchema().properties as Record<string, SchemaNode>;
  for (const k of ["server", "log", "ghl"]) v[k] ??= checkSchema(props[k], {}).value;
  v.store ??= { kind: "embedded", path: "ghl-bridge-data" };
  const cross = crossChecks(v as unknown as RunnerConfig);
  if (cross.length) throw invalid(cross, file);

  // Secrets last: every one is read, and every missing one is reported at once.
  const missing: SchemaProblem[] = [];
  const values: string[] = [];
  for (const at of [...new Set(secrets)]) {
    const ref = getAt(v, at) as SecretRef;
    let got: string | undefined;
    if ("env" in ref) {
      got = env[ref.env];
      if (got === undefined || got === "")
        missing.push({ at, reason: `environment variable ${ref.env} is not set (or empty)` });
    } else {
      const path = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
      try {
        got = readFileSync(path, "utf8").trim();
        if (got === "") missing.push({ at, reason: `secret file ${ref.file} is empty` });
      } catch (e) {
        missing.push({
          at,
          reason: `secret file ${ref.file} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
        });
      }
    }
    if (got) {
      values.push(got);
      setAt(v, at, got);
    }
  }
  if (missing.length) {
    const lines = missing.map((p) => `  ${p.at}: ${p.reason}`).join("\n");
    throw runnerError(
      "CONFIG_SECRET_MISSING",
      `${file}: ${missing.length} secret(s) missing; the runner does not start:\n${lines}`,
      { file, problems: missing },
    );
  }
  return { ...(v as unknown as RunnerConfig), baseDir, secretValues: values };
}

/** Reads and parses the configuration file. */
export function loadConfig(
  file: string,
  env: Record<string, string | undefined> = process.env,
): RunnerConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw runnerError(
      "CONFIG_INVALID",
      `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      { file },
    );
  }
  return parseConfig(text, file, env);
}
