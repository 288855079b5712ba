// Writes pkg/package.json: name, version (from Cargo.toml), conditional exports for
// node / browser / service workers, and the files list. Usage: node write-package-json.mjs <dir>
import { readFileSync, writeFileSync } from "node:fs";

const dir = process.argv[2] ?? "pkg";
const cargo = readFileSync(new URL("../Cargo.toml", import.meta.url), "utf8");
const version = /^version\s*=\s*"([^"]+)"/m.exec(cargo)?.[1];
if (!version) throw new Error("no version in Cargo.toml");

const pkg = {
  name: "ghl-bridge",
  version,
  description: "Sync Wishpond and Qwilr with HighLevel (GHL) from the browser: a Rust core in WebAssembly.",
  license: "MIT OR Apache-2.0",
  type: "module",
  sideEffects: ["./entries/*.js", "./client/entries/*.js", "./capture/*.js"],
  types: "./entries/web.d.ts",
  exports: {
    ".": {
      node: { types: "./entries/node.d.ts", default: "./entries/node.js" },
      default: { types: "./entries/web.d.ts", default: "./entries/web.js" },
    },
    "./slim": { types: "./entries/slim.d.ts", default: "./entries/slim.js" },
    "./client": {
      node: { types: "./client/entries/client-node.d.ts", default: "./client/entries/client-node.js" },
      default: { types: "./client/entries/client-web.d.ts", default: "./client/entries/client-web.js" },
    },
    "./capture": "./capture/capture.js",
    "./rules.schema.json": "./rules.schema.json",
    "./package.json": "./package.json",
  },
  files: ["**/*.js", "**/*.d.ts", "**/*.wasm", "*.json", "README.md"],
  engines: { node: ">=18.17" },
};
writeFileSync(`${dir}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
