// Removes the JSDoc blocks that wasm-bindgen writes into its JavaScript glue; the types
// they state are in the generated .d.ts, which TypeScript reads instead. Only whole-line
// blocks are removed (a line that is exactly `/**` up to a line that is exactly `*/`,
// give or take indentation), so code and strings are never touched.
// Usage: node scripts/strip-jsdoc.mjs <file.js>
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
const out = [];
let inDoc = false;
for (const line of readFileSync(file, "utf8").split("\n")) {
  const t = line.trim();
  if (!inDoc && t === "/**") inDoc = true;
  else if (inDoc && t === "*/") inDoc = false;
  else if (!inDoc) out.push(line);
  else if (!t.startsWith("*")) throw new Error(`${file}: unexpected line in a JSDoc block: ${line}`);
}
if (inDoc) throw new Error(`${file}: unterminated JSDoc block`);
writeFileSync(file, out.join("\n"));
