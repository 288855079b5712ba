// The built package in Node, imported the way users import it: a plain `import` of the
// package's node entry must be enough (no manual Wasm loading).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as g from "../../pkg/entries/node.js";
import { __testPanic } from "../../pkg/internal.js";

test("a plain import is enough to use the package", () => {
  assert.match(g.version(), /^\d+\.\d+\.\d+$/);
});

test("every thrown value is a GhlBridgeError with code, message and details", () => {
  const bad = [
    () =>
      g.validatePlan({
        id: "e",
        flow: "f",
        locationId: "l",
        steps: [{ id: "a", operation: "x", after: ["z"] }],
      }),
    () => g.validatePlan(42),
    () =>
      g.validatePlan({
        id: "e",
        flow: "f",
        locationId: "l",
        steps: [
          { id: "a", operation: "x" },
          { id: "a", operation: "y" },
        ],
      }),
    () => g.resolveStep({ id: "e", flow: "f", locationId: "l", steps: [] }, "nope", {}),
  ];
  for (const call of bad) {
    assert.throws(call, (e) => {
      assert.ok(e instanceof Error, "an Error");
      assert.ok(e instanceof g.GhlBridgeError, "a GhlBridgeError");
      assert.equal(e.name, "GhlBridgeError");
      assert.match(e.code, /^[A-Z_]+$/);
      assert.ok(e.message.length > 0);
      assert.equal(typeof e.details, "object");
      return true;
    });
  }
});

test("a Rust panic surfaces as INTERNAL_PANIC and the module is reset, not dead", () => {
  for (let i = 0; i < 3; i++) {
    assert.throws(
      () => __testPanic(`boom ${i}`),
      (e) =>
        e instanceof g.GhlBridgeError &&
        e.code === "INTERNAL_PANIC" &&
        e.message.includes(`boom ${i}`),
    );
    assert.match(g.version(), /^\d+\.\d+\.\d+$/);
  }
});

test("the public declarations contain no `any`", async () => {
  const { readFile, readdir } = await import("node:fs/promises");
  const pkg = new URL("../../pkg/", import.meta.url);
  // Everything a user can reach: the entries, what they re-export, the generated types.
  const files = [
    "index.d.ts",
    "errors.d.ts",
    "wasm/types.d.ts",
    ...(await readdir(new URL("entries/", pkg)))
      .filter((f) => f.endsWith(".d.ts"))
      .map((f) => `entries/${f}`),
  ];
  const extra = (await readdir(pkg)).filter((f) => f.endsWith(".d.ts") && !files.includes(f));
  for (const f of [...files, ...extra]) {
    const text = (await readFile(new URL(f, pkg), "utf8")).replace(
      /\/\*[\s\S]*?\*\/|\/\/.*$/gm,
      "",
    );
    // `any` in a type position (`: any`, `any[]`, `<any>`, `| any`); a property
    // named `any` (the rules' any-of condition) is fine.
    assert.doesNotMatch(
      text,
      /:\s*any\b(?!\s*:)|\bany\[\]|<any>|\|\s*any\b|\bany\s*\|/,
      `${f} uses the type any`,
    );
  }
});
