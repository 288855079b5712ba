/**
 * Lean browser and bundler entry (`ghl-bridge/client`): only the client and plans,
 * from a smaller Wasm module, instantiated on import (top-level await).
 */
import init from "../wasm/ghl_bridge_wasm.js";
import { markInitialised } from "../errors.js";
import { loadFailed } from "./load-failed.js";

try {
  await init({ module_or_path: new URL("./ghl-bridge-client.wasm", import.meta.url) });
} catch (e) {
  throw loadFailed(e);
}
markInitialised();

export * from "../core.js";
