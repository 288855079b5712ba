/**
 * `ghl-bridge/slim` in Node: as in browsers, but `initialize()` with no argument reads
 * the module shipped in the package from disk.
 */
import { initializer, type WasmSource } from "./explicit.js";
import { wasmBytes } from "./node-wasm.js";

export type { WasmSource };

/** Loads the Wasm module once (from the package's file by default); later calls return the same promise. */
export const initialize: (source?: WasmSource) => Promise<void> = initializer(() =>
  wasmBytes(new URL("./ghl-bridge.wasm", import.meta.url), "ghl-bridge.wasm", import.meta.url),
);

export * from "../index.js";
export { fileStorage } from "../storage/file.js";
