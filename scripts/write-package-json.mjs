// Writes pkg/package.json: name, version (from Cargo.toml), conditional exports for
// node / browser / service workers, repository links, and the files list. Usage: node write-package-json.mjs <dir>
import { readFileSync, writeFileSync } from "node:fs";

const dir = process.argv[2] ?? "pkg";
const cargo = readFileSync(new URL("../Cargo.toml", import.meta.url), "utf8");
const version = /^version\s*=\s*"([^"]+)"/m.exec(cargo)?.[1];
if (!version) throw new Error("no version in Cargo.toml");

const field = (key) => new RegExp(`^${key}\\s*=\\s*"([^"]+)"`, "m").exec(cargo)?.[1];
const repository = field("repository");
if (!repository) throw new Error("no repository in Cargo.toml");

const pkg = {
  name: "ghl-bridge",
  version,
  description:
    "Sync Wishpond and Qwilr with HighLevel (GHL) from the browser: a Rust core in WebAssembly.",
  license: "MIT OR Apache-2.0",
  repository: { type: "git", url: `git+${repository}.git` },
  homepage: field("homepage") ?? `${repository}#readme`,
  bugs: { url: `${repository}/issues` },
  type: "module",
  sideEffects: ["./entries/*.js", "./client/entries/*.js", "./capture/*.js"],
  types: "./entries/web.d.ts",
  exports: {
    ".": {
      node: { types: "./entries/node.d.ts", default: "./entries/node.js" },
      default: { types: "./entries/web.d.ts", default: "./entries/web.js" },
    },
    "./slim": {
      node: { types: "./entries/slim-node.d.ts", default: "./entries/slim-node.js" },
      default: { types: "./entries/slim.d.ts", default: "./entries/slim.js" },
    },
    "./client": {
      node: {
        types: "./client/entries/client-node.d.ts",
        default: "./client/entries/client-node.js",
      },
      default: {
        types: "./client/entries/client-web.d.ts",
        default: "./client/entries/client-web.js",
      },
    },
    "./capture": "./capture/capture.js",
    "./file-storage": {
      types: "./entries/file-storage.d.ts",
      default: "./entries/file-storage.js",
    },
    // The modules by name, for hosts that serve or load them themselves.
    "./ghl-bridge.wasm": "./entries/ghl-bridge.wasm",
    "./ghl-bridge-client.wasm": "./client/entries/ghl-bridge-client.wasm",
    "./rules.schema.json": "./rules.schema.json",
    // The runner (`ghl-bridge serve`) as a library, and its config schema.
    "./runner": { types: "./runner/index.d.ts", default: "./runner/index.js" },
    "./runner/config.schema.json": "./runner/config.schema.json",
    "./package.json": "./package.json",
  },
  // TypeScript with `moduleResolution: "node"` (node10) ignores `exports`: the subpaths
  // by their declarations.
  typesVersions: {
    "*": {
      slim: ["./entries/slim.d.ts"],
      client: ["./client/entries/client-web.d.ts"],
      "file-storage": ["./entries/file-storage.d.ts"],
      runner: ["./runner/index.d.ts"],
    },
  },
  // `npx ghl-bridge serve --config FILE`: the always-on runner.
  bin: { "ghl-bridge": "./runner/cli.js" },
  files: [
    "**/*.js",
    "**/*.d.ts",
    "**/*.wasm",
    "*.json",
    "runner/*.json",
    "README.md",
    "!internal.js",
    "!internal.d.ts",
  ],
  // The runner's stores (`ghl-bridge serve`): PGlite (PostgreSQL in Wasm, the embedded
  // default) and the PostgreSQL client; nodemailer for email reports. All pure JS/Wasm,
  // loaded only by the runner (the browser entries import none of them).
  dependencies: { "@electric-sql/pglite": "0.5.16", pg: "8.23.1", nodemailer: "10.6.0" },
  // ESM only: \`import\` and, from Node 20.19, \`require()\` (require of ES modules).
  engines: { node: ">=20.19" },
};
writeFileSync(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
