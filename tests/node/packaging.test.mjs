// The package as users get it: `npm pack` of pkg/, installed into a fresh project,
// imported by name (conditional exports pick the Node entry), and type-checked from a
// TypeScript consumer with Node16 module resolution.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));
let dir;
const run = (cmd, args, cwd = dir) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ghl-bridge-consumer-"));
  run("npm", ["pack", "--silent", "--pack-destination", dir, join(repo, "pkg")], repo);
  const tarball = (await readdir(dir)).find((f) => f.endsWith(".tgz"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  run("npm", ["install", "--no-audit", "--no-fund", "--offline", join(dir, tarball)]);
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the packed package holds the Wasm, the JS, the types and the schema", () => {
  const files = run("npm", ["pack", "--dry-run", "--json", join(repo, "pkg")], repo);
  const names = JSON.parse(files)[0].files.map((f) => f.path);
  for (const f of ["entries/ghl-bridge.wasm", "client/entries/ghl-bridge-client.wasm", "entries/node.js", "entries/slim-node.js", "entries/file-storage.js", "entries/web.js", "entries/slim.js", "entries/web.d.ts", "index.d.ts", "wasm/types.d.ts", "package.json"]) {
    assert.ok(names.includes(f), `${f} missing from the package`);
  }
  assert.ok(!names.some((f) => f.endsWith(".rs") || f.includes("node_modules")), "no sources or dependencies in the package");
  assert.ok(!names.some((f) => f.startsWith("internal.")), "the test-only hooks are not shipped");
  assert.ok(!names.some((f) => f.endsWith("ghl_bridge_wasm_bg.wasm")), "each module ships once, under its own name");
});

test("import 'ghl-bridge' by name works in plain Node", () => {
  const out = run("node", ["--input-type=module", "-e", `
    import { version, createClient, GhlBridgeError } from "ghl-bridge";
    let code;
    try { createClient({ token: "t", locationId: "l", scopes: [], baseUrl: "http://example.com" }); } catch (e) { code = e instanceof GhlBridgeError && e.code; }
    console.log(JSON.stringify({ v: version(), code }));`]);
  const { v, code } = JSON.parse(out);
  assert.match(v, /^\d+\.\d+\.\d+$/);
  assert.equal(code, "INVALID_BASE_URL");
});

test("a TypeScript consumer type-checks against the published declarations", async () => {
  await writeFile(join(dir, "use.ts"), `
    import { createClient, fileStorage, type Client, type UpsertContactResult, GhlBridgeError } from "ghl-bridge";
    void fileStorage; // the Node entry's declarations are the ones a Node consumer sees
    const c: Client = createClient({ token: "t", locationId: "l", scopes: ["contacts.write"] });
    const r: Promise<UpsertContactResult> = c.upsertContact({ email: "a@b.co" });
    void r; void GhlBridgeError;
  `);
  await writeFile(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { module: "Node16", moduleResolution: "Node16", target: "ES2022", strict: true, noEmit: true, skipLibCheck: false, lib: ["ES2022", "DOM"], types: [] },
    files: ["use.ts"],
  }));
  run(join(repo, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"]);
});

test("import 'ghl-bridge/client' by name: the lean entry with its own, smaller module", () => {
  const out = run("node", ["--input-type=module", "-e", `
    import * as lean from "ghl-bridge/client";
    const c = lean.createClient({ token: "t", locationId: "l", scopes: [] });
    console.log(JSON.stringify({ v: lean.version(), exports: Object.keys(lean).sort(), hasUpsert: typeof c.upsertContact }));`]);
  const { v, exports, hasUpsert } = JSON.parse(out);
  assert.match(v, /^\d+\.\d+\.\d+$/);
  assert.equal(hasUpsert, "function");
  assert.ok(exports.includes("createClient") && exports.includes("GhlBridgeError"));
  assert.ok(!exports.includes("createFlows") && !exports.includes("createOutbox"), "the lean entry has only the client");
});
