/**
 * Lean Node entry (`ghl-bridge/client`): only the client (request builder, catalog,
 * transport) and plans, from a smaller Wasm module; a plain `import` is enough.
 */
import { readFileSync } from "node:fs";
import { initSync } from "../wasm/ghl_bridge_wasm.js";

initSync({ module: readFileSync(new URL("../wasm/ghl_bridge_wasm_bg.wasm", import.meta.url)) });

export * from "../core.js";
