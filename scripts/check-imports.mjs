// Fails when the compiled module imports from `env`: that means native code (a C
// dependency, a libc call) leaked into the Wasm build and would break at load time.
import { readFileSync } from "node:fs";

const file = process.argv[2];
const mod = new WebAssembly.Module(readFileSync(file));
const bad = WebAssembly.Module.imports(mod).filter((i) => i.module === "env");
if (bad.length > 0) {
  console.error(`[build] ${file} imports from "env": ${bad.map((i) => i.name).join(", ")}`);
  console.error("[build] native code leaked into the Wasm build; refusing to package it");
  process.exit(1);
}
