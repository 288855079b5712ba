/**
 * Browser and bundler entry: fetches and instantiates the Wasm module on import
 * (top-level await). Service workers cannot use top-level await: use `ghl-bridge/slim`.
 */
import init from "../wasm/ghl_bridge_wasm.js";

await init({ module_or_path: new URL("../wasm/ghl_bridge_wasm_bg.wasm", import.meta.url) });

export * from "../index.js";
