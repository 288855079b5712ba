// The typed error of a Wasm module that could not be loaded (404, CSP, bad bytes).
// Internal to the entries (a line comment: a JSDoc `@internal` here would attach to the
// import and strip it from the emitted declarations).
import { GhlBridgeError } from "../errors.js";

/** `WASM_LOAD_FAILED` with the reason; nothing else of the failure is kept. @internal */
export function loadFailed(e: unknown): GhlBridgeError {
  const reason = e instanceof Error ? e.message : String(e);
  return new GhlBridgeError(
    "WASM_LOAD_FAILED",
    `the ghl-bridge Wasm module could not be loaded: ${reason} (served with its page? see the bundler notes of the README)`,
    { reason },
    { cause: e },
  );
}
