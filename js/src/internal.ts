// Test-only hooks, outside the package's `exports` (tests import this file by path;
// users cannot reach it by the package's name).
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { guard, instanceGeneration as generation } from "./errors.js";

/** How many times the Wasm instance was reset after a trap (tests check it stays put). */
export function instanceGeneration(): number {
  return generation();
}

/**
 * Panics inside the core on purpose: only for tests that prove panics surface as
 * `INTERNAL_PANIC` errors and that the module keeps working afterwards.
 */
export function __testPanic(message: string): void {
  guard(() => glue.__testPanic(message));
}
