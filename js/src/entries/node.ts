/**
 * Node entry: a plain `import` is enough; the Wasm module is compiled synchronously
 * from the file shipped beside this one (or, bundled, from the installed package).
 */
import { initSync } from "../wasm/ghl_bridge_wasm.js";
import { markInitialised } from "../errors.js";
import { wasmBytes } from "./node-wasm.js";

initSync({
  module: wasmBytes(
    new URL("./ghl-bridge.wasm", import.meta.url),
    "ghl-bridge.wasm",
    import.meta.url,
  ),
});
markInitialised();

export * from "../index.js";
export { fileStorage } from "../storage/file.js";
