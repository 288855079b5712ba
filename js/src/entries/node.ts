/**
 * Node entry: a plain `import` is enough; the Wasm module is compiled synchronously
 * from the file shipped beside this one.
 */
import { readFileSync } from "node:fs";
import { initSync } from "../wasm/ghl_bridge_wasm.js";

initSync({ module: readFileSync(new URL("../wasm/ghl_bridge_wasm_bg.wasm", import.meta.url)) });

export * from "../index.js";
export { fileStorage } from "../storage/file.js";
