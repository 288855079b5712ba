// Prints raw, gzip and brotli bytes of the package's .wasm and JavaScript, and fails
// when wasm + JS exceed the gzip budget. Usage: node scripts/size.mjs <pkg-dir>
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const BUDGET_GZIP = Number(process.env.SIZE_BUDGET_GZIP ?? 600 * 1024);
const dir = process.argv[2] ?? "pkg";

function files(d) {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}
function measure(paths) {
  const buf = Buffer.concat(paths.map((p) => readFileSync(p)));
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
const all = files(dir);
const wasm = measure(all.filter((p) => p.endsWith(".wasm")));
const js = measure(all.filter((p) => p.endsWith(".js")));
const fmt = (n) => String(n).padStart(8);
console.log(`size        raw     gzip   brotli`);
console.log(`wasm   ${fmt(wasm.raw)} ${fmt(wasm.gzip)} ${fmt(wasm.brotli)}`);
console.log(`js     ${fmt(js.raw)} ${fmt(js.gzip)} ${fmt(js.brotli)}`);
const total = wasm.gzip + js.gzip;
console.log(`total gzip ${total} bytes (budget ${BUDGET_GZIP})`);
if (total > BUDGET_GZIP) {
  console.error(`size budget exceeded: ${total} > ${BUDGET_GZIP} bytes gzip`);
  process.exit(1);
}
