/**
 * The part of the API every build has: the client (request builder, catalog,
 * transport), plans, errors and the version. The lean `ghl-bridge/client` entry
 * exports exactly this; the full entries export it and the later domains.
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { guard } from "./errors.js";
import { arg, name, object } from "./check.js";
import type { Plan, RequestParams } from "./wasm/types.js";

export { GhlBridgeError } from "./errors.js";
export type { ErrorDetails } from "./errors.js";
export { createClient, listOperations, operationInfo, unchecked } from "./client.js";
export type {
  AnyOperation,
  Client,
  ClientOptions,
  TypedHelpers,
  UncheckedOperation,
} from "./client.js";
export type * from "./wasm/types.js";
export { ERROR_CODES } from "./wasm/names.js";
export type { ErrorCode, OperationName } from "./wasm/names.js";

/** The version of the Rust core. */
export function version(): string {
  return guard(() => glue.version());
}

/** Checks a plan's invariants (unique step ids, dependencies on earlier steps). */
export function validatePlan(plan: Plan): void {
  arg("validatePlan", "plan", plan, object);
  guard(() => glue.validatePlan(plan));
}

/**
 * Resolves the expressions of one step of a plan against earlier steps' responses;
 * `null` means the step has nothing to send and is skipped.
 */
export function resolveStep(
  plan: Plan,
  stepId: string,
  responses: Record<string, unknown>,
): RequestParams | null {
  arg("resolveStep", "plan", plan, object);
  arg("resolveStep", "stepId", stepId, name);
  arg("resolveStep", "responses", responses, object);
  return guard(() => glue.resolveStep(plan, stepId, responses));
}
