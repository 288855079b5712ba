/**
 * Lean browser and bundler entry (`ghl-bridge/client`): only the client and plans,
 * from a smaller Wasm module, instantiated on import (top-level await).
 */
import init from "../wasm/ghl_bridge_wasm.js";

await init({ module_or_path: new URL("../wasm/ghl_bridge_wasm_bg.wasm", import.meta.url) });

export * from "../core.js";
