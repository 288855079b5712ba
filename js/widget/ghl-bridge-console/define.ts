/**
 * Defines `<ghl-bridge-console>` (once; a second load of the bundle changes nothing) and
 * exports the element class and the backends (direct, runner). This is the bundle's entry:
 * `<script type="module" src=".../ghl-bridge/console/ghl-bridge-console.js">`.
 */
import { GhlBridgeConsole } from "./ghl-bridge-console.js";

export { GhlBridgeConsole } from "./ghl-bridge-console.js";
export type { GhlBridgeConsoleEventMap } from "./ghl-bridge-console.js";
export { DirectBackend, toBackendError } from "./direct-backend.js";
export type { DirectBackendOptions } from "./direct-backend.js";
export { RunnerBackend, requestUserData } from "./runner-backend.js";
export type { RunnerBackendOptions, RunnerConnection, RunnerSession } from "./runner-backend.js";
export { BACKEND_CODES, FLOW_SCOPES, backendError } from "./backend.js";
export type * from "./backend.js";
export { PROBES, probeOutcome, probeScopes } from "./scope-probe.js";

if (!customElements.get("ghl-bridge-console"))
  customElements.define("ghl-bridge-console", GhlBridgeConsole);

declare global {
  interface HTMLElementTagNameMap {
    "ghl-bridge-console": GhlBridgeConsole;
  }
}
