/**
 * Explicit-initialisation entry, for extension service workers and hosts that load the
 * Wasm bytes themselves: call `await initialize()` (or pass a URL, `Response`, bytes or
 * a compiled `WebAssembly.Module`) before using anything else.
 */
import init from "../wasm/ghl_bridge_wasm.js";

/** Where the Wasm module comes from: a URL, a fetch `Response`, bytes, or a compiled module. */
export type WasmSource = URL | string | Response | BufferSource | WebAssembly.Module;

let ready: Promise<void> | undefined;

/** Loads the Wasm module once; later calls return the same promise. */
export function initialize(source?: WasmSource): Promise<void> {
  ready ??= init({ module_or_path: source ?? new URL("../wasm/ghl_bridge_wasm_bg.wasm", import.meta.url) }).then(() => undefined);
  return ready;
}

export * from "../index.js";
