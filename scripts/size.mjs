// Prints raw, gzip and brotli bytes of the package's .wasm and JavaScript, per entry:
// the full package (`ghl-bridge`: every domain) and the lean client entry
// (`ghl-bridge/client`: request builder, catalog, transport, plans). Fails when an
// entry exceeds its gzip budget:
// - lean client: 136 KiB, wasm + JS together: a regression guard at today's size (133 KB)
//   plus a little; the conversion rule, argument checks, the one response policy, token
//   scrubbing and typed errors added about 12 KB over the 120 KiB of the first release;
// - full package: 800 KiB, a regression guard at today's 786 KB (SIZE_BUDGET_FULL_GZIP
//   overrides it).
// Both are guards, not targets: the targets (full <= 200 KB, client <= 60 KB) come with
// the size work (hand codecs instead of per-type serde derives, see ARCHITECTURE.md).
// - console widget (`ghl-bridge/console`, JS only, beside the full package's core): 60 KB.
// Usage: node scripts/size.mjs <pkg-dir>
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const dir = process.argv[2] ?? "pkg";
const budgets = {
  client: 136 * 1024,
  // <ghl-bridge-console> (JS only; it loads the full package's core when a panel needs it).
  console: 60 * 1000,
  full: Number(process.env.SIZE_BUDGET_FULL_GZIP ?? 800 * 1024),
};

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
const all = files(dir).map((p) => ({ p, rel: relative(dir, p).split(sep).join("/") }));
const lean = (f) => f.rel.startsWith("client/");
const widget = (f) => f.rel.startsWith("console/");
const entries = {
  full: all.filter((f) => !lean(f) && !widget(f)),
  client: all.filter(lean),
  console: all.filter(widget),
};
const fmt = (n) => String(n).padStart(9);
let failed = false;
for (const [name, list] of Object.entries(entries)) {
  const wasm = measure(list.filter((f) => f.p.endsWith(".wasm")).map((f) => f.p));
  const js = measure(list.filter((f) => f.p.endsWith(".js")).map((f) => f.p));
  const total = wasm.gzip + js.gzip;
  const label =
    name === "full"
      ? "ghl-bridge (full)"
      : name === "client"
        ? "ghl-bridge/client (lean)"
        : "ghl-bridge/console";
  console.log(`${label}${" ".repeat(26 - label.length)}raw      gzip    brotli`);
  console.log(`  wasm              ${fmt(wasm.raw)} ${fmt(wasm.gzip)} ${fmt(wasm.brotli)}`);
  console.log(`  js                ${fmt(js.raw)} ${fmt(js.gzip)} ${fmt(js.brotli)}`);
  console.log(`  total gzip ${total} bytes (budget ${budgets[name]})`);
  if (total > budgets[name]) {
    console.error(`size budget exceeded for ${label}: ${total} > ${budgets[name]} bytes gzip`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
