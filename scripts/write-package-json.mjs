// Writes pkg/package.json: name, version (from Cargo.toml), conditional exports for
// node / browser / service workers, repository links (only when Cargo.toml names a
// repository: the project has no public one yet), and the files list. Usage: node write-package-json.mjs <dir>
import { readFileSync, writeFileSync } from "node:fs";

const dir = process.argv[2] ?? "pkg";
const cargo = readFileSync(new URL("../Cargo.toml", import.meta.url), "utf8");
const version = /^version\s*=\s*"([^"]+)"/m.exec(cargo)?.[1];
if (!version) throw new Error("no version in Cargo.toml");

const field = (key) => new RegExp(`^${key}\\s*=\\s*"([^"]+)"`, "m").exec(cargo)?.[1];
const repository = field("repository");
const links = repository
  ? {
      repository: { type: "git", url: `git+${repository}.git` },
      homepage: field("homepage") ?? `${repository}#readme`,
      bugs: { url: `${repository}/issues` },
    }
  : {};

const pkg = {
  name: "ghl-bridge",
  version,
  description:
    "Sync Wishpond and Qwilr with HighLevel (GHL) from the browser: a Rust core in WebAssembly.",
  license: "MIT OR Apache-2.0",
  ...links,
  type: "module",
  sideEffects: ["./entries/*.js", "./client/entries/*.js", "./capture/*.js", "./console/*.js"],
  types: "./entries/web.d.ts",
  // The manifest of <ghl-bridge-console> (its attributes, properties and events).
  customElements: "./console/custom-elements.json",
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
    // <ghl-bridge-console>: defines the element on import (the core loads when a panel needs it).
    "./console": {
      types: "./console/ghl-bridge-console/define.d.ts",
      default: "./console/ghl-bridge-console.js",
    },
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
    "./console/custom-elements.json": "./console/custom-elements.json",
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
      console: ["./console/ghl-bridge-console/define.d.ts"],
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
    "console/custom-elements.json",
    "README.md",
    "!internal.js",
    "!internal.d.ts",
    "!entries/internal-web.js",
    "!entries/internal-web.d.ts",
  ],
  // The runner's stores (`ghl-bridge serve`): PGlite (PostgreSQL in Wasm, the embedded
  // default) and the PostgreSQL client; nodemailer for email reports. All pure JS/Wasm,
  // loaded only by the runner (the browser entries import none of them). Exact versions,
  // the same as the workspace's dev dependencies (package.json), so the packaging tests
  // install the packed package from the npm cache (--offline).
  dependencies: { "@electric-sql/pglite": "0.5.16", pg: "8.23.1", nodemailer: "10.6.0" },
  // ESM only: \`import\` and, from Node 20.19, \`require()\` (require of ES modules).
  engines: { node: ">=20.19" },
};
writeFileSync(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
