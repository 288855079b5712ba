// custom-elements.json documents exactly the element's attributes and events (read from
// the element's source: its `static properties` and `GhlBridgeConsoleEventMap`).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const dir = new URL("../../js/widget/ghl-bridge-console/", import.meta.url);
const source = readFileSync(new URL("ghl-bridge-console.ts", dir), "utf8");
const manifest = JSON.parse(readFileSync(new URL("custom-elements.json", dir), "utf8"));
const element = manifest.modules[0].declarations.find((d) => d.tagName === "ghl-bridge-console");

test("every attribute of the element is in the manifest, and no other", () => {
  const props = /static override properties = \{([\s\S]*?)\n {2}\};/.exec(source)[1];
  const attributes = [...props.matchAll(/^\s*(\w+): \{([^}]*)\}/gm)]
    .filter(([, , opts]) => !/attribute: false|state: true/.test(opts))
    .map(([, name, opts]) => /attribute: "([^"]+)"/.exec(opts)?.[1] ?? name);
  assert.deepEqual(element.attributes.map((a) => a.name).sort(), attributes.sort());
});

test("every event of the element is in the manifest, and no other", () => {
  const map = /interface GhlBridgeConsoleEventMap \{([\s\S]*?)\n\}/.exec(source)[1];
  const events = [...map.matchAll(/"(ghl-[a-z-]+)"/g)].map((m) => m[1]);
  assert.deepEqual(element.events.map((e) => e.name).sort(), events.sort());
  // ...and each one the element dispatches is declared in the map.
  const emitted = new Set(
    [
      ...readFileSync(new URL("ghl-bridge-console.ts", dir), "utf8").matchAll(
        /emit\("(ghl-[a-z-]+)"/g,
      ),
    ].map((m) => m[1]),
  );
  for (const e of emitted) assert.ok(events.includes(e), `${e} is declared`);
});
