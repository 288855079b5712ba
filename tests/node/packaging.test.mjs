// The package as users get it: `npm pack` of pkg/, installed into a fresh project,
// imported and required by name (conditional exports pick the Node entry), type-checked
// from TypeScript consumers with each module resolution, and built by the bundlers
// (esbuild for the browser and for Node, webpack 5, Vite 6 and Vite 8) from the fixture
// app in tests/packaging/app, which uses both the full and the lean entry.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bin, builds, consumerProject, wasmFiles } from "../packaging/consumer.mjs";

const repo = fileURLToPath(new URL("../..", import.meta.url));
let project, dir, run;

before(async () => {
  project = await consumerProject();
  ({ dir, run } = project);
});
after(async () => {
  await project?.remove();
});

test("the packed package holds the Wasm, the JS, the types and the schema", () => {
  const files = run("npm", ["pack", "--dry-run", "--json", join(repo, "pkg")], repo);
  const names = JSON.parse(files)[0].files.map((f) => f.path);
  for (const f of [
    "entries/ghl-bridge.wasm",
    "client/entries/ghl-bridge-client.wasm",
    "entries/node.js",
    "entries/slim-node.js",
    "entries/file-storage.js",
    "entries/web.js",
    "entries/slim.js",
    "entries/web.d.ts",
    "index.d.ts",
    "wasm/types.d.ts",
    "package.json",
  ]) {
    assert.ok(names.includes(f), `${f} missing from the package`);
  }
  assert.ok(
    !names.some((f) => f.endsWith(".rs") || f.includes("node_modules")),
    "no sources or dependencies in the package",
  );
  assert.ok(
    !names.some((f) => f.startsWith("internal.") || f.startsWith("entries/internal-web.")),
    "the test-only hooks are not shipped",
  );
  assert.ok(
    !names.some((f) => f.endsWith("ghl_bridge_wasm_bg.wasm")),
    "each module ships once, under its own name",
  );
});

test("import 'ghl-bridge' by name works in plain Node", () => {
  const out = run("node", [
    "--input-type=module",
    "-e",
    `
    import { version, createClient, GhlBridgeError } from "ghl-bridge";
    let code;
    try { createClient({ token: "t", locationId: "l", scopes: [], baseUrl: "http://example.com" }); } catch (e) { code = e instanceof GhlBridgeError && e.code; }
    console.log(JSON.stringify({ v: version(), code }));`,
  ]);
  const { v, code } = JSON.parse(out);
  assert.match(v, /^\d+\.\d+\.\d+$/);
  assert.equal(code, "INVALID_BASE_URL");
});

test("a TypeScript consumer type-checks against the published declarations", async () => {
  await writeFile(
    join(dir, "use.ts"),
    `
    import { createClient, fileStorage, type Client, type UpsertContactResult, GhlBridgeError } from "ghl-bridge";
    void fileStorage; // the Node entry's declarations are the ones a Node consumer sees
    const c: Client = createClient({ token: "t", locationId: "l", scopes: ["contacts.write"] });
    const r: Promise<UpsertContactResult> = c.upsertContact({ email: "a@b.co" });
    void r; void GhlBridgeError;
  `,
  );
  await writeFile(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "Node16",
        moduleResolution: "Node16",
        target: "ES2022",
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        lib: ["ES2022", "DOM"],
        types: [],
      },
      files: ["use.ts"],
    }),
  );
  run(join(repo, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"]);
});

test("import 'ghl-bridge/client' by name: the lean entry with its own, smaller module", () => {
  const out = run("node", [
    "--input-type=module",
    "-e",
    `
    import * as lean from "ghl-bridge/client";
    const c = lean.createClient({ token: "t", locationId: "l", scopes: [] });
    console.log(JSON.stringify({ v: lean.version(), exports: Object.keys(lean).sort(), hasUpsert: typeof c.upsertContact }));`,
  ]);
  const { v, exports, hasUpsert } = JSON.parse(out);
  assert.match(v, /^\d+\.\d+\.\d+$/);
  assert.equal(hasUpsert, "function");
  assert.ok(exports.includes("createClient") && exports.includes("GhlBridgeError"));
  assert.ok(
    !exports.includes("createFlows") && !exports.includes("createOutbox"),
    "the lean entry has only the client",
  );
});

test("require('ghl-bridge') works from CommonJS (Node >= 20.19, as engines says)", async () => {
  const pkg = JSON.parse(run("node", ["-p", "JSON.stringify(require('ghl-bridge/package.json'))"]));
  assert.equal(pkg.engines.node, ">=20.19");
  // Cargo.toml names no repository (none is public yet): the package claims none.
  assert.equal(pkg.repository, undefined, "no placeholder repository link");
  assert.equal(pkg.homepage, undefined, "no placeholder homepage");
  const out = run("node", [
    "-e",
    "const g = require('ghl-bridge'); console.log(g.version(), typeof g.fileStorage)",
  ]);
  assert.match(out, /^\d+\.\d+\.\d+ function/);
});

test("the test-only hooks are not part of the public surface", () => {
  const out = run("node", [
    "--input-type=module",
    "-e",
    `
    const full = await import("ghl-bridge"); const slim = await import("ghl-bridge/slim"); const lean = await import("ghl-bridge/client");
    let internal; try { await import("ghl-bridge/internal.js"); internal = "reachable"; } catch (e) { internal = e.code; }
    console.log(JSON.stringify({ hooks: [full, slim, lean].some((m) => "__testPanic" in m || "instanceGeneration" in m), internal }));`,
  ]);
  assert.deepEqual(JSON.parse(out), { hooks: false, internal: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
});

test("ghl-bridge/slim in Node: typed NOT_INITIALIZED before initialize(), which then loads the module itself", () => {
  const out = run("node", [
    "--input-type=module",
    "-e",
    `
    import { initialize, version, GhlBridgeError } from "ghl-bridge/slim";
    let before; try { version(); } catch (e) { before = e instanceof GhlBridgeError && e.code; }
    await initialize();
    console.log(JSON.stringify({ before, after: version() }));`,
  ]);
  const { before, after } = JSON.parse(out);
  assert.equal(before, "NOT_INITIALIZED");
  assert.match(after, /^\d+\.\d+\.\d+$/);
});

for (const resolution of [
  ["Node16", "Node16"],
  ["ESNext", "Bundler"],
  ["CommonJS", "Node10"],
]) {
  test(`fileStorage and the subpaths type-check with moduleResolution ${resolution[1]}`, async () => {
    const name = `use-${resolution[1]}`;
    await writeFile(
      join(dir, `${name}.ts`),
      `
      import { fileStorage } from "ghl-bridge/file-storage";
      import { initialize } from "ghl-bridge/slim";
      import { createClient } from "ghl-bridge/client";
      const s: Promise<unknown> = fileStorage("x.jsonl");
      void s; void initialize; void createClient;
    `,
    );
    await writeFile(
      join(dir, `${name}.json`),
      JSON.stringify({
        compilerOptions: {
          module: resolution[0],
          moduleResolution: resolution[1],
          target: "ES2022",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          lib: ["ES2022", "DOM"],
          types: [],
        },
        files: [`${name}.ts`],
      }),
    );
    try {
      run(bin(".bin/tsc"), ["-p", `${name}.json`]);
    } catch (e) {
      throw new Error(e.stdout);
    }
  });
}

function bothModules(files) {
  assert.ok(
    files.some((f) => /^ghl-bridge(?!-client)[-.]/.test(f)),
    `the full module in ${files}`,
  );
  assert.ok(
    files.some((f) => /^ghl-bridge-client[-.]/.test(f)),
    `the lean module in ${files}`,
  );
}
function sameResult(json) {
  const r = JSON.parse(json);
  assert.match(r.version, /^\d+\.\d+\.\d+$/);
  assert.equal(r.leanVersion, r.version);
  assert.equal(r.method, "POST");
  assert.equal(JSON.parse(r.leanBody).email, "c@d.co");
  assert.equal(r.email, "x@y.z");
}

test("esbuild --bundle --format=esm --platform=node: the bundle finds its modules with no copy", () => {
  run(bin(".bin/esbuild"), [
    "main.js",
    "--bundle",
    "--format=esm",
    "--platform=node",
    "--outfile=dist-node/app.mjs",
    "--log-level=warning",
  ]);
  sameResult(run("node", ["dist-node/app.mjs"]));
});

test("esbuild --bundle --format=esm for the browser: the README's commands give a folder to serve", async () => {
  const out = builds.esbuild(project);
  const bundle = await readFile(join(dir, out, "main.js"), "utf8");
  assert.ok(
    bundle.includes('new URL("./ghl-bridge.wasm", import.meta.url)') &&
      bundle.includes('new URL("./ghl-bridge-client.wasm", import.meta.url)'),
    "each module is looked up beside the bundle",
  );
  bothModules(await wasmFiles(project, out));
});

test("webpack 5, no configuration for Wasm: both modules emitted (webpack names assets by content hash)", async () => {
  const files = await wasmFiles(project, builds.webpack(project));
  assert.equal(new Set(files).size, 2, `two modules in ${files}`);
});

test("Vite 8, no configuration: both modules emitted under their own names", async () => {
  bothModules(await wasmFiles(project, builds.vite(project)));
});

test("Vite 6 with build.target es2022 (the README's one line) builds", async () => {
  bothModules(await wasmFiles(project, builds.vite6(project)));
});
