/**
 * Lean Node entry (`ghl-bridge/client`): only the client (request builder, catalog,
 * transport) and plans, from a smaller Wasm module; a plain `import` is enough.
 */
import { initSync } from "../wasm/ghl_bridge_wasm.js";
import { markInitialised } from "../errors.js";
import { wasmBytes } from "./node-wasm.js";

initSync({
  module: wasmBytes(
    new URL("./ghl-bridge-client.wasm", import.meta.url),
    "ghl-bridge-client.wasm",
    import.meta.url,
  ),
});
markInitialised();

export * from "../core.js";
