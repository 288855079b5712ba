/**
 * ghl-bridge: keep Wishpond and Qwilr in sync with HighLevel from the browser.
 *
 * This module is the whole public API; the entry points (`node`, `web`, `slim`) only
 * differ in how they load the Wasm module.
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { guard } from "./errors.js";
import type { Plan, RequestParams } from "./wasm/types.js";

export { GhlBridgeError } from "./errors.js";
export { createClient, operationInfo } from "./client.js";
export type { Client, ClientOptions } from "./client.js";
export { validateRules, compileRules, applyRules, rulesPresets } from "./rules.js";
export type { CompiledRules, CompileOptions, BatchError, BatchResult, RulesRecord } from "./rules.js";
export { memoryStorage } from "./storage/memory.js";
export { indexedDbStorage } from "./storage/indexeddb.js";
export type { OutboxStorage, StoreOp } from "./storage/types.js";
export type { ErrorDetails } from "./errors.js";
export type * from "./wasm/types.js";

/** The version of the Rust core. */
export function version(): string {
  return guard(() => glue.version());
}

/** Checks a plan's invariants (unique step ids, dependencies on earlier steps). */
export function validatePlan(plan: Plan): void {
  guard(() => glue.validatePlan(plan));
}

/**
 * Resolves the expressions of one step of a plan against earlier steps' responses;
 * `null` means the step has nothing to send and is skipped.
 */
export function resolveStep(plan: Plan, stepId: string, responses: Record<string, unknown>): RequestParams | null {
  return guard(() => glue.resolveStep(plan, stepId, responses));
}

/**
 * Panics inside the core on purpose: only for tests that prove panics surface as
 * `INTERNAL_PANIC` errors and that the module keeps working afterwards.
 * @internal
 */
export function __testPanic(message: string): void {
  guard(() => glue.__testPanic(message));
}
