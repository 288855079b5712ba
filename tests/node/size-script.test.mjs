// scripts/size.mjs: what an entry's import graph loads, and the budget verdicts (a
// budget not yet met is reported, only a figure above its regression guard fails).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entryFile, graph, judge, report } from "../../scripts/size.mjs";

function fakePackage() {
  const dir = mkdtempSync(join(tmpdir(), "size-test-"));
  mkdirSync(join(dir, "entries"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({
      exports: {
        ".": { node: "./entries/node.js", default: "./entries/web.js" },
        "./capture": "./capture.js",
      },
    }),
  );
  writeFileSync(
    join(dir, "entries/web.js"),
    'import init from "../glue.js";\nimport { readFileSync } from "node:fs";\nawait init(new URL("./m.wasm", import.meta.url));\nexport * from "../index.js";\n',
  );
  writeFileSync(join(dir, "entries/node.js"), 'import "../index.js";\n');
  writeFileSync(join(dir, "entries/m.wasm"), Buffer.alloc(4000, 7));
  writeFileSync(join(dir, "glue.js"), "export default async function init() {}\n");
  writeFileSync(
    join(dir, "index.js"),
    'export { a } from "./a.js";\nexport const later = () => import("./lazy.js");\n',
  );
  writeFileSync(join(dir, "a.js"), "export const a = 1;\n");
  writeFileSync(join(dir, "lazy.js"), `export const big = "${"x".repeat(500)}";\n`);
  writeFileSync(join(dir, "capture.js"), "(() => {})();\n");
  return dir;
}

test("the static graph holds imports, re-exports and the named Wasm; import() only when asked", () => {
  const dir = fakePackage();
  try {
    const web = entryFile(dir, ".");
    assert.equal(web, join(dir, "entries/web.js"));
    assert.equal(entryFile(dir, ".", ["node", "default"]), join(dir, "entries/node.js"));
    const names = (g) => g.js.map((f) => f.slice(dir.length + 1)).sort();
    const first = graph(web);
    assert.deepEqual(names(first), ["a.js", "entries/web.js", "glue.js", "index.js"]);
    assert.deepEqual(first.wasm, [join(dir, "entries/m.wasm")]);
    assert.ok(names(graph(web, true)).includes("lazy.js"));
    const rows = report(dir);
    assert.deepEqual(
      rows.map((r) => r.label),
      ["ghl-bridge", "ghl-bridge (everything)", "ghl-bridge/capture"],
    );
    assert.ok(rows[1].gzip > rows[0].gzip);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("verdicts: within budget, over budget but under the guard (reported), above the guard (fails)", () => {
  assert.deepEqual(judge({ gzip: 100, budget: 100, guard: 200 }), {
    verdict: "within budget",
    fails: false,
  });
  const over = judge({ gzip: 150, budget: 100, guard: 200 });
  assert.equal(over.fails, false);
  assert.match(over.verdict, /over budget \(issue #14\)/);
  assert.equal(judge({ gzip: 201, budget: 100, guard: 200 }).fails, true);
});
