/**
 * The package's error class, apart from the Wasm guard in errors.ts: modules that only
 * throw (argument checks, the IndexedDB storage) import it here, so loading them loads
 * no Wasm glue (the console reads its settings before any panel needs the core).
 */
import type { ErrorCode } from "./wasm/names.js";

/** Structured details of an error; the fields depend on `code`. */
export type ErrorDetails = { [key: string]: unknown };

/** The error thrown by every ghl-bridge API. */
export class GhlBridgeError extends Error {
  /** Stable machine-readable code, e.g. `MISSING_SCOPE` or `GHL_HTTP_ERROR` (every one is in `ERROR_CODES`). */
  readonly code: ErrorCode;
  /** Structured details for programs. */
  readonly details: ErrorDetails;

  constructor(
    code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "GhlBridgeError";
    this.code = code;
    this.details = details;
  }

  /** A JSON-safe form (for logs and the error log export). */
  toJSON(): { name: string; code: ErrorCode; message: string; details: ErrorDetails } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}
