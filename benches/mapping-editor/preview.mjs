// Benchmark of the mapping editor's preview in headless Chromium: one edit re-maps the
// shown sample (with its trace) and 1,000 recent events, the normalised events the flows
// hand to the rules (the real shapes of tests/fixtures/wishpond and tests/fixtures/qwilr,
// varied record by record), through the real presets (`wishpond-lead`, `qwilr-events`).
//
// Variants, interleaved run by run (a burst of load on a shared machine falls on all alike):
// - editor, worst edit: `previewPath` in js/widget/ghl-mapping-editor/model.js after an
//   edit that changes whom the records reach (the email mapping's steps alternate), so
//   the 1,000 records are re-mapped: the document compiled once, the sample applied with
//   its trace, the records in one `applyBatch` of the part of the document that decides
//   whom they reach (email, phone, routes), counted.
// - editor, usual edit: a first-name step alternates; the counts cannot change and are
//   reused (exactly), the sample is re-mapped with its trace.
// - the named alternative: validating and applying per sample (`validateRules` +
//   `compileRules(doc).apply(record)` for each of the 1,000).
// - for information: the previous path, the whole document over the 1,000 in one
//   `applyBatch` (every name, tag and score computed and parsed back).
// Then the whole element: one typed edit until the new preview is rendered.
//
// Usage: node benches/mapping-editor/preview.mjs (after scripts/build.sh). Prints
// `preview <preset> <variant>: median, p95`, `ratio` lines and the frame-budget verdict
// with the machine's load (a shared machine's milliseconds are not an idle laptop's).
// Its target, which load does not move: the editor's worst edit at least 5 times faster
// than validating per sample (exit 1 otherwise).
import { cpus, loadavg } from "node:os";
import { bundleMappingEditor } from "../../tests/widget/bundle.mjs";
import { serveRepo, launch } from "../../tests/browser/harness.mjs";

const SAMPLES = Number(process.env.PREVIEW_BENCH_SAMPLES ?? 1000);
const RUNS = Number(process.env.PREVIEW_BENCH_RUNS ?? 40);
const BUDGET_MS = 16;

/** 1,000 varied events of the fixtures' shapes (runs in the page). */
function makeRecords(source, fixtures, n) {
  const strip = ({ _note, ...r }) => r;
  const base = fixtures[source].map(strip);
  const qwilrTypes = ["pageAccepted", "pageViewed", "pageFirstViewed", "pagePartiallyAccepted"];
  return Array.from({ length: n }, (_, i) => {
    const r = structuredClone(base[i % base.length]);
    r.id = `${r.id}-${i}`;
    r.current = { score: i % 40 };
    if (source === "wishpond") {
      const d = r.lead.dynamic_attributes;
      r.type = i % 3 === 0 ? "wishpond.lead.updated" : "wishpond.lead.created";
      r.lead.email = i % 11 === 0 ? "" : ` Person.${i}@Example.COM `;
      d.first_name = i % 7 === 0 ? "" : `first${i}`;
      d.name = `given${i} family${i}`;
      d.phone_number = i % 5 === 0 ? "call me" : `(415) 555-${String(i % 10000).padStart(4, "0")}`;
      d.company = i % 2 === 0 ? `Company ${i} ` : "";
      r.utm = { ...r.utm, utm_medium: ["cpc", "email", "paid"][i % 3], utm_source: `src${i % 9}` };
    } else {
      r.type = `qwilr.${qwilrTypes[i % qwilrTypes.length]}`;
      r.page.name = `Proposal ${i}`;
      if (r.acceptance) {
        r.acceptance.email = `buyer.${i}@example.com`;
        r.acceptance.name = `buyer${i} family${i}`;
        r.acceptance.total = (i * 137) % 20000;
      }
    }
    return r;
  });
}

await bundleMappingEditor();
const server = await serveRepo();
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/benches/mapping-editor/bench.html`);
  await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
  const out = await page.evaluate(
    ({ SAMPLES, RUNS, makeRecordsText }) => {
      const { core, model, fixtures } = window;
      const makeRecords = new Function(`return (${makeRecordsText})`)();
      const presets = core.rulesPresets();
      const stat = (t) => {
        t.sort((x, y) => x - y);
        const at = (q) => t[Math.min(t.length - 1, Math.floor(t.length * q))];
        return { median: at(0.5), p95: at(0.95), runs: t.length };
      };
      const one = (source, preset) => {
        const doc = presets[preset];
        const records = makeRecords(source, fixtures, SAMPLES);
        const sample = records[0];
        // Two documents whose reach differs (the email mapping's steps), two that differ
        // in a name only (the first-name mapping's steps).
        const email = doc.mappings.findIndex((m) => m.to === "email");
        const name = doc.mappings.findIndex((m) => m.to === "firstName");
        const reachEdit = structuredClone(doc);
        reachEdit.mappings[email].transforms = ["trim", ...reachEdit.mappings[email].transforms];
        const nameEdit = structuredClone(doc);
        nameEdit.mappings[name].transforms = [...nameEdit.mappings[name].transforms, "uppercase"];
        const worstMemo = {};
        const usualMemo = {};
        let check;
        let flip = false;
        const variants = {
          worst: () => {
            flip = !flip;
            check = model.previewPath(
              core,
              flip ? doc : reachEdit,
              undefined,
              sample,
              records,
              worstMemo,
            );
          },
          usual: () => {
            model.previewPath(core, flip ? doc : nameEdit, undefined, sample, records, usualMemo);
          },
          fullBatch: () => {
            const c = core.compileRules(flip ? doc : nameEdit);
            c.apply(sample, { trace: true });
            c.applyBatch(records);
            c.free();
          },
          perSampleValidate: () => {
            for (const r of records) {
              if (core.validateRules(doc).length > 0) throw new Error("invalid");
              const c = core.compileRules(doc);
              c.apply(r);
              c.free();
            }
          },
        };
        const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
        for (let i = 0; i < 3; i++) for (const f of Object.values(variants)) f(); // warm-up
        for (let run = 0; run < RUNS; run++) {
          for (const [name, f] of Object.entries(variants)) {
            // The slow alternative runs every 8th round.
            if (name === "perSampleValidate" && run % 8 !== 0) continue;
            const t0 = performance.now();
            f();
            times[name].push(performance.now() - t0);
          }
        }
        if (check.problems.length !== 0 || check.batch.total !== SAMPLES || !check.result?.trace) {
          throw new Error("preview failed");
        }
        // The counts are the whole document's (checked once here, in the same run).
        const full = core.compileRules(doc).applyBatch(records);
        const reach = full.filter((r) => !r.error && model.matchOf(r).key !== null).length;
        const counts = model.previewPath(core, doc, undefined, sample, records).batch;
        if (counts.reach !== reach) throw new Error(`counts differ: ${counts.reach} != ${reach}`);
        return {
          counts,
          ...Object.fromEntries(Object.entries(times).map(([k, t]) => [k, stat(t)])),
        };
      };
      return {
        wishpond: one("wishpond", "wishpond-lead"),
        qwilr: one("qwilr", "qwilr-events"),
      };
    },
    { SAMPLES, RUNS, makeRecordsText: makeRecords.toString() },
  );
  // The whole element: one edit typed into a mapping's source box, until the screen shows
  // the new preview (the core's work, the step values and Lit's render), with 1,000
  // real-shape events and the real preset; the email mapping (the counts re-mapped) and
  // the first-name mapping (the counts reused).
  const ui = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await ui.goto(`${server.url}/tests/widget/mapping-editor.html`);
  await ui.waitForSelector("body[data-ready=yes]", { state: "attached" });
  await ui.evaluate(`window.makeRecords = ${makeRecords.toString()}`);
  const element = await ui.evaluate(
    async ({ SAMPLES, RUNS }) => {
      const { core, editor } = window;
      const get = async (p) => (await fetch(`/tests/fixtures/${p}.json`)).json();
      const fixtures = {
        wishpond: await Promise.all(
          ["wishpond/lead-created", "wishpond/lead-updated", "wishpond/lead-captured"].map(get),
        ),
      };
      editor.samples = window.makeRecords("wishpond", fixtures, SAMPLES);
      editor.document = core.rulesPresets()["wishpond-lead"];
      await editor.updateComplete;
      const typed = async (ptr, values) => {
        const card = () => editor.shadowRoot.querySelector(`[data-ptr="${ptr}"]`);
        card().querySelector("button.disclosure").click();
        await editor.updateComplete;
        const input = card().querySelector(".card-body input");
        const t = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          input.value = values[i % 2];
          input.dispatchEvent(new Event("input"));
          await editor.updateComplete;
          t.push(performance.now() - t0);
        }
        t.sort((x, y) => x - y);
        return {
          median: t[Math.floor(t.length / 2)],
          p95: t[Math.floor(t.length * 0.95)],
          runs: t.length,
        };
      };
      const height = editor.getBoundingClientRect().height;
      return {
        height,
        usual: await typed("/mappings/1", [
          "lead.dynamic_attributes.name",
          "lead.dynamic_attributes.first_name",
        ]),
        worst: await typed("/mappings/0", ["lead.id", "lead.email"]),
      };
    },
    { SAMPLES, RUNS },
  );
  const line = (name, t) =>
    console.log(
      `preview ${name}: median ${t.median.toFixed(2)} ms, p95 ${t.p95.toFixed(2)} ms (${t.runs} runs)`,
    );
  const load = `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`;
  console.log(`${SAMPLES} real-shape events per edit, Chromium, ${load}`);
  let missed = false;
  for (const [source, r] of Object.entries(out)) {
    const preset = source === "wishpond" ? "wishpond-lead" : "qwilr-events";
    console.log(
      `${preset}: ${r.counts.reach} of ${r.counts.total} reach a contact, ${r.counts.none} give neither email nor phone, ${r.counts.failed} cannot be mapped`,
    );
    line(`${preset} editor, worst edit (email mapping: the 1,000 re-mapped)`, r.worst);
    line(`${preset} editor, usual edit (first-name step: counts reused)`, r.usual);
    line(`${preset} alternative: validate + compile + apply per sample`, r.perSampleValidate);
    line(
      `${preset} for information: the whole document over the 1,000 (previous path)`,
      r.fullBatch,
    );
    console.log(
      `ratio ${preset} per-sample-validate/editor-worst: ${(r.perSampleValidate.median / r.worst.median).toFixed(1)}`,
    );
    console.log(
      `ratio ${preset} whole-document-batch/editor-worst: ${(r.fullBatch.median / r.worst.median).toFixed(2)}`,
    );
    console.log(
      `ratio ${preset} frame-budget/editor-worst: ${(BUDGET_MS / r.worst.median).toFixed(2)} (>= 1 fits in one 16 ms frame)`,
    );
    console.log(
      r.worst.median <= BUDGET_MS
        ? `frame budget ${preset}: fits (${r.worst.median.toFixed(2)} ms <= ${BUDGET_MS} ms)`
        : `frame budget ${preset}: MISSES on this machine (${r.worst.median.toFixed(2)} ms > ${BUDGET_MS} ms; ${load})`,
    );
    if (r.perSampleValidate.median / r.worst.median < 5) missed = true;
  }
  console.log(
    `the element with the wishpond-lead preset: ${Math.round(element.height)} px tall, cards closed`,
  );
  line(
    "the element: one typed edit, first-name source (counts reused), until rendered",
    element.usual,
  );
  line(
    "the element: one typed edit, email source (1,000 re-mapped), until rendered",
    element.worst,
  );
  if (missed) {
    console.error(
      "target missed: the editor's path should be at least 5x faster than validating per sample",
    );
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  await server.close();
}
