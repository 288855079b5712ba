/**
 * Test-only hooks, outside the package's `exports` (tests import this file by path;
 * users cannot reach it by the package's name).
 * @internal
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { guard } from "./errors.js";

export { instanceGeneration } from "./errors.js";

/**
 * Panics inside the core on purpose: only for tests that prove panics surface as
 * `INTERNAL_PANIC` errors and that the module keeps working afterwards.
 */
export function __testPanic(message: string): void {
  guard(() => glue.__testPanic(message));
}
