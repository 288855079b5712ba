/**
 * Browser and bundler entry: fetches and instantiates the Wasm module on import
 * (top-level await). Service workers cannot use top-level await: use `ghl-bridge/slim`.
 */
import init from "../wasm/ghl_bridge_wasm.js";
import { markInitialised } from "../errors.js";
import { loadFailed } from "./load-failed.js";

try {
  await init({ module_or_path: new URL("./ghl-bridge.wasm", import.meta.url) });
} catch (e) {
  throw loadFailed(e);
}
markInitialised();

export * from "../index.js";
