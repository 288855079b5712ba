// Mapping benchmark (JavaScript half): the same 100,000 generated Wishpond-like leads
// the native half generates, through the 20-rule document benches/data/rules-20.json,
// in one Node process:
//
//   wasm-per-record      compiled.apply(record) for each record (objects in and out)
//   wasm-batch           compiled.applyBatch(records), 1,000 records per call
//                        (MAPPING_BENCH_BATCH) (objects in and out: what a JS host has;
//                        the package reads only the paths the rules need)
//   wasm-batch-json-text compiled.applyBatchJson(text) (JSON text in and out; for hosts
//                        that hold text; for information)
//   jsonata              the same mapping as a JSONata expression (npm `jsonata`), on
//                        the first MAPPING_BENCH_JSONATA_RECORDS records (default 3,000)
//   handwritten-js       the same mapping written by hand (benches/mapping/handwritten.mjs)
//   json-roundtrip       JSON.stringify + JSON.parse of each record: the floor for
//                        anything that crosses the Wasm boundary as text
//
// Every variant's output is checked against the native results (expected.json), record
// by record, with a deep equality. The one normalisation: JSONata's results are
// written to JSON and read back first (its arrays carry a non-data `sequence` marker).
//
// Usage: scripts/bench-mapping.sh (runs the native half first, which writes leads.json,
// expected.json and native.txt into GHL_BENCH_DATA_DIR), or
// `node --expose-gc benches/mapping.mjs <data-dir>` after `bash scripts/build.sh`.
// Prints `mapping <variant>: <N> rec/s` and `ratio <a>/<b>: <x>` lines.

import { readFileSync, existsSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import jsonata from "jsonata";

import { compileRules } from "../pkg/entries/node.js";
import { mapLead } from "./mapping/handwritten.mjs";
import { EXPRESSION } from "./mapping/jsonata.mjs";

const dir = process.argv[2] ?? process.env.GHL_BENCH_DATA_DIR;
if (!dir || !existsSync(`${dir}/leads.json`)) {
  console.error(
    "usage: node benches/mapping.mjs <dir with leads.json and expected.json> (see scripts/bench-mapping.sh)",
  );
  process.exit(64); // a usage error (scripts/bench-lib.sh): not a missed goal (2)
}
const rounds = Number(process.env.MAPPING_BENCH_ROUNDS ?? 5);
const leadsText = readFileSync(`${dir}/leads.json`, "utf8");
const leads = JSON.parse(leadsText);
const expected = JSON.parse(readFileSync(`${dir}/expected.json`, "utf8"));
const n = leads.length;
const doc = JSON.parse(
  readFileSync(fileURLToPath(new URL("./data/rules-20.json", import.meta.url)), "utf8"),
);
console.log(
  `mapping records: ${n} (${Math.round(leadsText.length / n)} bytes of JSON each), node ${process.version}`,
);

/** Throws unless `got[i]` deep-equals `expected[i]` for every i < count. */
function check(variant, got, count = n) {
  if (got.length !== count)
    throw new Error(`${variant}: ${got.length} results for ${count} records`);
  for (let i = 0; i < count; i++) {
    if (!isDeepStrictEqual(got[i], expected[i])) {
      throw new Error(
        `${variant}: record ${i} differs\n got:  ${JSON.stringify(got[i])}\n want: ${JSON.stringify(expected[i])}`,
      );
    }
  }
}

/** Best of `rounds` timings of `run` (which maps `count` records) after one warm-up
 * round, each starting from a collected heap when `--expose-gc` is on; records per
 * second. */
function rate(run, count = n, r = rounds) {
  let best = Infinity;
  run();
  for (let i = 0; i < r; i++) {
    globalThis.gc?.();
    const t = performance.now();
    run();
    best = Math.min(best, performance.now() - t);
  }
  return (count / best) * 1000;
}

const figures = {};
function report(variant, recPerSec) {
  figures[variant] = recPerSec;
  console.log(`mapping ${variant}: ${Math.round(recPerSec)} rec/s`);
}

// --- correctness first -------------------------------------------------------------
const rules = compileRules(doc);
check(
  "wasm-per-record",
  leads.map((r) => rules.apply(r)),
);
check("wasm-batch", rules.applyBatch(leads));
check("wasm-batch-json-text", JSON.parse(rules.applyBatchJson(leadsText)));
check("handwritten-js", leads.map(mapLead));
const jsonataCount = Math.min(n, Number(process.env.MAPPING_BENCH_JSONATA_RECORDS ?? 3000));
const expr = jsonata(EXPRESSION);
const viaJsonata = [];
for (let i = 0; i < jsonataCount; i++)
  viaJsonata.push(JSON.parse(JSON.stringify(await expr.evaluate(leads[i]))));
check("jsonata", viaJsonata, jsonataCount);
console.log(
  `mapping check: every variant gives the native results (jsonata on the first ${jsonataCount})`,
);
viaJsonata.length = 0;

// --- speed ---------------------------------------------------------------------------
let sink = 0;
report(
  "handwritten-js",
  rate(() => {
    for (const r of leads) sink += mapLead(r).tagsToAdd.length;
  }),
);
report(
  "json-roundtrip",
  rate(() => {
    for (const r of leads) sink += JSON.parse(JSON.stringify(r)).id.length;
  }),
);
report(
  "wasm-per-record",
  rate(() => {
    for (const r of leads) sink += rules.apply(r).tagsToAdd.length;
  }),
);
// A host maps what it holds in batches (a page of leads), using each batch's results
// before the next, as the per-record variants do: 1,000 records per call.
const BATCH = Number(process.env.MAPPING_BENCH_BATCH ?? 1000);
const batches = [];
for (let i = 0; i < n; i += BATCH) batches.push(leads.slice(i, i + BATCH));
report(
  "wasm-batch",
  rate(() => {
    for (const b of batches) sink += rules.applyBatch(b).length;
  }),
);
report(
  "wasm-batch-json-text",
  rate(() => {
    sink += rules.applyBatchJson(leadsText).length;
  }),
);
{
  const t = performance.now();
  for (let i = 0; i < jsonataCount; i++) sink += (await expr.evaluate(leads[i])).tagsToAdd.length;
  report("jsonata", (jsonataCount / (performance.now() - t)) * 1000);
}

// The native figure comes from `cargo bench --bench mapping` (scripts/bench-mapping.sh).
const nativeFile = `${dir}/native.txt`;
if (existsSync(nativeFile)) {
  const m = /^mapping native: (\d+) rec\/s/m.exec(readFileSync(nativeFile, "utf8"));
  if (m) report("native", Number(m[1]));
}

// The targets: rules that are data, at close to the speed of code by hand.
const ratio = (a, b, target) => {
  if (figures[a] === undefined || figures[b] === undefined) return;
  const x = figures[a] / figures[b];
  const verdict =
    target === undefined ? "" : ` (target >= ${target}: ${x >= target ? "met" : "NOT met"})`;
  console.log(`ratio ${a}/${b}: ${x.toFixed(2)}${verdict}`);
};
ratio("wasm-batch", "jsonata", 50);
// #3 asked 0.7x; #14 (the package made small) keeps the speed at 0.8x.
ratio("wasm-batch", "handwritten-js", 0.8);
ratio("native", "handwritten-js", 3);
ratio("wasm-per-record", "handwritten-js");
ratio("wasm-batch-json-text", "handwritten-js");
ratio("json-roundtrip", "handwritten-js");
if (sink === -1) console.log(sink);
