/**
 * The one error type of ghl-bridge, and the guard every call into Wasm goes through.
 *
 * Every error thrown by the package is a `GhlBridgeError`: a real `Error` with a stable
 * `code`, a human `message` and structured `details` (the JSON Pointer of a bad rule,
 * the GHL status and message, the missing scope...). Tokens never appear in any of them.
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { type ErrorDetails, GhlBridgeError } from "./error-type.js";
import type { ErrorCode } from "./wasm/names.js";

export { type ErrorDetails, GhlBridgeError };

let generation = 0;
let initialised = false;

/** Called by the entries once the Wasm module is instantiated. @internal */
export function markInitialised(): void {
  initialised = true;
}

function notInitialised(): GhlBridgeError {
  return new GhlBridgeError(
    "NOT_INITIALIZED",
    "ghl-bridge is not initialised: with `ghl-bridge/slim`, call `await initialize()` (once) before anything else",
    {},
  );
}

/**
 * Incremented each time the Wasm instance is reset after an internal error; objects
 * that wrap Wasm state compare it to know when to rebuild themselves.
 * @internal
 */
export function instanceGeneration(): number {
  return generation;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/**
 * Turns anything thrown by the Wasm module into a `GhlBridgeError`. A trap (a Rust
 * panic under panic=abort) becomes `INTERNAL_PANIC` and the instance is reset so
 * that later calls work.
 * @internal
 */
export function toBridgeError(e: unknown): GhlBridgeError {
  if (e instanceof GhlBridgeError) return e;
  if (e instanceof WebAssembly.RuntimeError) {
    let panic: string | undefined;
    try {
      panic = glue.takeLastPanic() ?? undefined;
    } catch {
      panic = undefined;
    }
    glue.__wbg_reset_state();
    generation += 1;
    const what = panic ?? e.message;
    return new GhlBridgeError(
      "INTERNAL_PANIC",
      `internal error in ghl-bridge (${what}); the module was reset and the call can be retried`,
      { panic: what },
      { cause: e },
    );
  }
  if (
    e instanceof Error &&
    isObject(e) &&
    typeof (e as { code?: unknown }).code === "string" &&
    e.name === "GhlBridgeError"
  ) {
    const details = (e as { details?: unknown }).details;
    return new GhlBridgeError(
      (e as unknown as { code: ErrorCode }).code,
      e.message,
      isObject(details) ? (details as ErrorDetails) : {},
    );
  }
  if (e instanceof Error) return new GhlBridgeError("UNEXPECTED", e.message, {}, { cause: e });
  return new GhlBridgeError("UNEXPECTED", String(e));
}

/** Runs a synchronous call into Wasm, converting whatever it throws. @internal */
export function guard<T>(call: () => T): T {
  if (!initialised) throw notInitialised();
  try {
    return call();
  } catch (e) {
    throw toBridgeError(e);
  }
}

/** Awaits an asynchronous call into Wasm, converting whatever it rejects with. @internal */
export async function guardAsync<T>(call: () => Promise<T>): Promise<T> {
  if (!initialised) throw notInitialised();
  try {
    return await call();
  } catch (e) {
    throw toBridgeError(e);
  }
}
