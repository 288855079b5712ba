/**
 * The store's typed errors: every failure of a database call becomes a `GhlBridgeError`
 * whose code says what the caller can do (retry later, free disk space, run the
 * migrations), with the store kind, the operation and the database's own code in
 * `details`. Connection strings and passwords never appear in them.
 */
import { GhlBridgeError } from "../../errors.js";
import type { ErrorCode } from "../../wasm/names.js";

/** The store's codes (each also listed where the scan of `code:` literals finds it). */
const CODES = {
  /** The database cannot be reached (refused, down, restarting, timed out). */
  unavailable: { code: "STORE_UNAVAILABLE" },
  /** The disk (or the database's quota) is full. */
  full: { code: "STORE_FULL" },
  /** The tables are missing: the migrations did not run (`serve --migrate`). */
  notMigrated: { code: "STORE_NOT_MIGRATED" },
  /** The store was closed. */
  closed: { code: "STORE_CLOSED" },
  /** Any other database failure. */
  failed: { code: "STORE_ERROR" },
} as const;

/** What kind of failure a store error is. */
export type StoreFailure = keyof typeof CODES;

/** The code of a failure kind. */
export function storeCode(kind: StoreFailure): ErrorCode {
  // The literals are registered by the error-code scan; until the next full build the
  // generated union may not list them yet.
  return CODES[kind].code as string as ErrorCode;
}

/** SQLSTATE classes and Node error codes meaning "cannot reach the database". */
const UNAVAILABLE_NODE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOENT",
]);

function classify(e: unknown): StoreFailure {
  const err = e as { code?: unknown; message?: unknown; errno?: unknown };
  const code = typeof err?.code === "string" ? err.code : "";
  const message = typeof err?.message === "string" ? err.message : String(e);
  if (code === "ENOSPC" || code === "EDQUOT" || code === "53100") return "full";
  if (/no space left on device|disk full|quota exceeded/i.test(message)) return "full";
  if (code === "42P01") return "notMigrated";
  if (UNAVAILABLE_NODE.has(code)) return "unavailable";
  // 08: connection exception; 57P01-57P03: shutdown / cannot connect now; 53300: too
  // many connections.
  if (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === "53300") return "unavailable";
  if (
    /connection terminated|terminating connection|timeout exceeded when trying to connect|connect ECONNREFUSED|Connection terminated|the database system is (starting up|shutting down)/i.test(
      message,
    )
  )
    return "unavailable";
  return "failed";
}

/** Strips connection strings (with their passwords) out of a driver's message. */
function clean(message: string): string {
  return message.replace(/postgres(ql)?:\/\/[^\s'"]+/gi, "postgresql://…");
}

const ADVICE: Record<StoreFailure, string> = {
  unavailable: "the database cannot be reached; nothing was acknowledged, retry later",
  full: "the disk is full; nothing was acknowledged, free space and retry",
  notMigrated: "the store's tables are missing; run the migrations (`ghl-bridge serve --migrate`)",
  closed: "the store was closed",
  failed: "the database refused the operation; nothing was acknowledged",
};

/** Wraps a database failure of `operation` on the `store` kind into a typed error. */
export function storeError(
  store: "embedded" | "postgres",
  operation: string,
  e: unknown,
): GhlBridgeError {
  if (e instanceof GhlBridgeError) return e;
  const kind = classify(e);
  const err = e as { code?: unknown; message?: unknown };
  const reason = clean(typeof err?.message === "string" ? err.message : String(e));
  const dbCode = typeof err?.code === "string" ? err.code : undefined;
  return new GhlBridgeError(
    storeCode(kind),
    `runner store (${store}): ${operation}: ${ADVICE[kind]} (${reason})`,
    { store, operation, reason, ...(dbCode ? { dbCode } : {}) },
    { cause: e },
  );
}

/** The error of an operation on a closed store. */
export function closedError(store: "embedded" | "postgres", operation: string): GhlBridgeError {
  return new GhlBridgeError(
    storeCode("closed"),
    `runner store (${store}): ${operation}: ${ADVICE.closed}`,
    { store, operation },
  );
}
