// Removes JSDoc blocks from shipped JavaScript: the wasm-bindgen glue and the compiled
// shim. The types and docs they state are in the .d.ts files, which TypeScript and
// editors read instead. Only whole-line blocks are removed (a line that is exactly
// `/**` up to a line that is exactly `*/`, or a whole line `/** ... */`, give or take
// indentation), so code and strings are never touched; `/* @ts-self-types */` stays.
// Usage: node scripts/strip-jsdoc.mjs <file.js>...
import { readFileSync, writeFileSync } from "node:fs";

for (const file of process.argv.slice(2)) {
  const out = [];
  let inDoc = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const t = line.trim();
    if (!inDoc && t.startsWith("/**") && t.endsWith("*/") && t.length >= 5) continue;
    if (!inDoc && t === "/**") inDoc = true;
    else if (inDoc && t === "*/") inDoc = false;
    else if (!inDoc) out.push(line);
    else if (!t.startsWith("*"))
      throw new Error(`${file}: unexpected line in a JSDoc block: ${line}`);
  }
  if (inDoc) throw new Error(`${file}: unterminated JSDoc block`);
  writeFileSync(file, out.join("\n"));
}
