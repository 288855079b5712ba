/**
 * Explicit initialisation, shared by `ghl-bridge/slim` in browsers and in Node: one
 * `initialize()` per module instance, its failure typed (`WASM_LOAD_FAILED`) and retryable.
 * @internal
 */
import init from "../wasm/ghl_bridge_wasm.js";
import { markInitialised } from "../errors.js";
import { arg, kind } from "../check.js";
import { loadFailed } from "./load-failed.js";

/** Where the Wasm module comes from: a URL, a fetch `Response`, bytes, or a compiled module. */
export type WasmSource = URL | string | Response | BufferSource | WebAssembly.Module;

const source = kind(
  "a URL, a URL string, a Response, bytes or a WebAssembly.Module (or absent)",
  (v) =>
    v === undefined ||
    typeof v === "string" ||
    v instanceof URL ||
    v instanceof ArrayBuffer ||
    ArrayBuffer.isView(v) ||
    v instanceof WebAssembly.Module ||
    (typeof Response !== "undefined" && v instanceof Response),
);

/** The `initialize` of an entry whose default module comes from `fallback()`. */
export function initializer(
  fallback: () => WasmSource | Promise<WasmSource>,
): (source?: WasmSource) => Promise<void> {
  let ready: Promise<void> | undefined;
  return (given?: WasmSource) => {
    try {
      arg("initialize", "source", given, source);
    } catch (e) {
      return Promise.reject(e);
    }
    ready ??= (async () => {
      try {
        await init({ module_or_path: await (given ?? fallback()) });
      } catch (e) {
        ready = undefined; // a later call may try again (another URL, the network back)
        throw loadFailed(e);
      }
      markInitialised();
    })();
    return ready;
  };
}
