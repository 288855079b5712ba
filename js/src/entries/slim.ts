/**
 * Explicit-initialisation entry (`ghl-bridge/slim`) for browsers, extension service
 * workers and hosts that load the Wasm bytes themselves: call `initialize()` (or pass
 * a URL, `Response`, bytes or a compiled `WebAssembly.Module`) and await it before
 * using anything else; until then every call throws `NOT_INITIALIZED`. No top-level
 * await: safe to import statically from a service worker.
 */
import { initializer, type WasmSource } from "./explicit.js";

export type { WasmSource };

/** Loads the Wasm module once; later calls return the same promise. */
export const initialize: (source?: WasmSource) => Promise<void> = initializer(
  () => new URL("./ghl-bridge.wasm", import.meta.url),
);

export * from "../index.js";
