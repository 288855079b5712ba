/**
 * Structured JSON logs, one object a line, with no secret in them: every text a log
 * entry carries passes the scrubber, which knows every secret the runner resolved or
 * received (config secrets, OAuth access and refresh tokens, codes) and any
 * `Bearer <value>`. Secrets are registered as they appear (`logger.secret(value)`).
 */

/** Severity of a log entry. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Where log lines go (stdout by default). */
export type LogSink = (line: string) => void;

/** The runner's logger. */
export interface Logger {
  /** Writes one entry: `{time, level, msg, ...fields}` as one JSON line. */
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Remembers a secret: it is replaced by `[redacted]` wherever it would appear. */
  secret(value: string | undefined): void;
  /** `text` with every known secret and any bearer value replaced. */
  scrub(text: string): string;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

/** A JSON-safe view of an error (code, message, details), scrubbed by the caller. */
export function errorFields(e: unknown): Record<string, unknown> {
  if (e && typeof e === "object") {
    const x = e as { code?: unknown; message?: unknown; details?: unknown; name?: unknown };
    return {
      code: x.code ?? x.name ?? "ERROR",
      message: String(x.message ?? e),
      details: x.details,
    };
  }
  return { code: "ERROR", message: String(e) };
}

/** A logger writing JSON lines to `sink` at `level` and above. */
export function createLogger(options: { level?: LogLevel; sink?: LogSink } = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const sink = options.sink ?? ((line) => process.stdout.write(`${line}\n`));
  const secrets = new Set<string>();
  const scrub = (text: string): string => {
    let out = text.replace(BEARER, "$1[redacted]");
    // Longest first, so a secret that contains another is replaced whole.
    for (const s of [...secrets].sort((a, b) => b.length - a.length))
      out = out.split(s).join("[redacted]");
    return out;
  };
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[level] < min) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
    sink(scrub(line));
  };
  return {
    log,
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
    secret(value) {
      // Very short values would redact ordinary words; secrets are never that short.
      if (typeof value === "string" && value.length >= 8) secrets.add(value);
    },
    scrub,
  };
}
