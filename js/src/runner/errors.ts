/**
 * The runner's error codes and its one way of making errors. Every refusal the runner
 * answers over HTTP, and every start-up problem, is a `GhlBridgeError` with one of these
 * codes (each `code:` literal below is picked up by `scripts/error_codes.rs` into the
 * package's `ErrorCode` union at the next full build).
 */
import { GhlBridgeError, type ErrorDetails } from "../errors.js";
import type { ErrorCode } from "../wasm/names.js";

/** Every code the runner throws itself, with the HTTP status an endpoint answers. */
export const RUNNER_CODES = [
  { code: "CONFIG_INVALID", status: 500 },
  { code: "CONFIG_SECRET_MISSING", status: 500 },
  { code: "VAULT_KEY_INVALID", status: 500 },
  { code: "VAULT_DECRYPT_FAILED", status: 500 },
  { code: "HTTP_NOT_FOUND", status: 404 },
  { code: "HTTP_METHOD_NOT_ALLOWED", status: 405 },
  { code: "HTTP_BODY_TOO_LARGE", status: 413 },
  { code: "HTTP_UNSUPPORTED_MEDIA_TYPE", status: 415 },
  { code: "HTTP_TIMEOUT", status: 408 },
  { code: "HTTP_SHUTTING_DOWN", status: 503 },
  { code: "INTAKE_NO_CONNECTION", status: 422 },
  { code: "INTAKE_CONTACT_BUSY", status: 503 },
  { code: "STORE_UNAVAILABLE", status: 503 },
  { code: "OAUTH_STATE_INVALID", status: 400 },
  { code: "OAUTH_EXCHANGE_FAILED", status: 502 },
  { code: "OAUTH_NOT_CONNECTED", status: 409 },
  { code: "OAUTH_REFRESH_BUSY", status: 503 },
  { code: "OAUTH_STORE_CONFLICT", status: 503 },
  { code: "REPORT_SEND_FAILED", status: 502 },
  { code: "CONSOLE_NOT_CONFIGURED", status: 403 },
  { code: "CONSOLE_LOGIN_REQUIRED", status: 401 },
  { code: "CONSOLE_LOGIN_FAILED", status: 401 },
  { code: "CONSOLE_RATE_LIMITED", status: 429 },
  { code: "CONSOLE_FORBIDDEN", status: 403 },
  { code: "CONSOLE_BAD_REQUEST", status: 400 },
  { code: "CONSOLE_USER_DATA_INVALID", status: 400 },
  { code: "CONSOLE_USER_DATA_REPLAYED", status: 409 },
  { code: "NOT_SUPPORTED", status: 501 },
  { code: "NOT_CONNECTED", status: 409 },
  { code: "CONFIRMATION_REQUIRED", status: 409 },
  { code: "QWILR_PAGE_GONE", status: 422 },
  { code: "QWILR_NO_CONTACT", status: 422 },
  { code: "CONNECTION_REMOVED", status: 410 },
] as const;

/** A code of the runner. */
export type RunnerErrorCode = (typeof RUNNER_CODES)[number]["code"];

/** A runner error (a `GhlBridgeError`); `details.status` is the HTTP status to answer. */
export function runnerError(
  code: RunnerErrorCode,
  message: string,
  details: ErrorDetails = {},
  cause?: unknown,
): GhlBridgeError {
  const status = RUNNER_CODES.find((c) => c.code === code)?.status ?? 500;
  return new GhlBridgeError(
    code as ErrorCode,
    message,
    { status, ...details },
    cause === undefined ? undefined : { cause },
  );
}
