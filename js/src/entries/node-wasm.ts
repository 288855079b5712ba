/**
 * Node: the bytes of a Wasm module shipped in the package. Read from beside the entry;
 * when a bundler has moved the entry into another file (`esbuild --platform=node`),
 * found again through the package's own name, as `node_modules` holds it.
 * @internal
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** `beside` is the module's URL next to the entry; `file` its name in the package's exports. */
export function wasmBytes(beside: URL, file: string, importer: string): Uint8Array {
  try {
    return readFileSync(beside);
  } catch (e) {
    if ((e as { code?: unknown }).code !== "ENOENT") throw e;
    return readFileSync(createRequire(importer).resolve(`ghl-bridge/${file}`));
  }
}
