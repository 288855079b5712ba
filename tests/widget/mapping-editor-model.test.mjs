// The mapping editor's logic without a browser, against the real package in Node: the
// lists it shows agree with the core (fields, transforms, condition tests), suggestions,
// document edits, problem -> control assignment and the preview path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as core from "../../pkg/entries/node.js";
import * as m from "../../js/widget/ghl-mapping-editor/model.js";
import { S } from "../../js/widget/ghl-mapping-editor/strings.js";

const read = (p) => JSON.parse(readFileSync(new URL(`../../${p}`, import.meta.url), "utf8"));
const schema = read("pkg/rules.schema.json");
const lead = read("tests/widget/fixtures/lead-created.json");

test("the standard fields the editor offers are exactly the core's targets", () => {
  const offered = Object.keys(S.fieldLabels);
  const described = [...schema.definitions.Target.anyOf[0].description.matchAll(/`(\w+)`/g)].map(
    (x) => x[1],
  );
  assert.deepEqual([...offered].sort(), [...described].sort());
  for (const to of offered) {
    assert.deepEqual(core.validateRules({ version: 1, mappings: [{ from: "a", to }] }), [], to);
  }
});

test("every transform of the core has a name in the strings, and each new one compiles", () => {
  const list = m.transformsFromSchema(schema);
  assert.ok(list.length >= 17);
  for (const spec of list) {
    assert.ok(S.transformNames[spec.op], `a label for ${spec.op}`);
    const t = m.newTransform(spec);
    const problems = core.validateRules({
      version: 1,
      mappings: [{ from: "a", to: "email", transforms: [t] }],
    });
    // A new step's required text parameters start blank; only those may be reported.
    for (const p of problems)
      assert.match(p.pointer, /^\/mappings\/0\/transforms\/0\//, JSON.stringify(p));
  }
  assert.deepEqual(m.transformOp("firstName"), "splitName");
  assert.deepEqual(m.transformOp({ op: "truncate", length: 3 }), "truncate");
});

test("condition tests come from the schema and each has a label", () => {
  const tests = m.conditionTests(schema).sort();
  const labelled = [
    ...new Set(Object.keys(S.ops).map((o) => o.replace(/(True|False)$/, ""))),
  ].sort();
  assert.deepEqual(tests, labelled);
});

test("sample rows: paths the grammar reads back, types, unnamable keys", () => {
  const rows = m.sampleRows({
    a: { "First Name": "x", 'q"k': 1 },
    list: [{ v: 1 }],
    tags: ["t"],
    n: null,
  });
  const byPath = Object.fromEntries(rows.filter((r) => r.path).map((r) => [r.path, r.type]));
  assert.deepEqual(byPath, {
    a: "group",
    'a["First Name"]': "text",
    list: "list",
    "list[0]": "group",
    "list[0].v": "number",
    tags: "list",
    n: "empty",
  });
  assert.equal(rows.find((r) => r.key === 'q"k').path, null);
  // Each path reads its value through the core.
  const doc = {
    version: 1,
    mappings: [
      { from: 'a["First Name"]', to: "firstName" },
      { from: "list[0].v", to: { customField: "v" } },
    ],
  };
  const r = core.compileRules(doc).apply({ a: { "First Name": "x" }, list: [{ v: 1 }] });
  assert.equal(r.upsert.firstName, "x");
  assert.equal(r.upsert.customFields[0].field_value, 1);
});

test("suggestions: usual names, Wishpond dynamic_attributes, custom fields by name, nothing already mapped", () => {
  const page = read("tests/fixtures/sources/wishpond-leads-page.json");
  const s = m.suggestMappings(
    { version: 1, mappings: [{ from: "email", to: "email" }] },
    page.leads[0],
    [{ id: "cf1", name: "UTM Source", dataType: "TEXT" }],
  );
  assert.deepEqual(
    s.map((x) => [x.from, x.to]),
    [
      ["dynamic_attributes.first_name", "firstName"],
      ["dynamic_attributes.last_name", "lastName"],
      ["dynamic_attributes.phone_number", "phone"],
      ["dynamic_attributes.utm_source", { customFieldId: "cf1" }],
    ],
  );
  const names = m.suggestMappings({ version: 1 }, lead).map((x) => x.from);
  assert.ok(names.includes("lead.name") && !names.includes("campaign.name"));
  // Every suggestion compiles and maps the sample.
  let doc = { version: 1 };
  for (const x of m.suggestMappings(doc, lead))
    doc = m.addMapping(doc, "", x.from, x.to, x.transforms);
  assert.deepEqual(core.validateRules(doc), []);
  assert.equal(core.compileRules(doc).apply(lead).upsert.email, "jane.doe@example.com");
});

test("document edits return new documents and leave the old one as it was", () => {
  const doc = { version: 1, mappings: [{ id: "email", from: "a", to: "email" }] };
  const before = JSON.stringify(doc);
  const next = m.addMapping(doc, "", "b", "email");
  assert.equal(JSON.stringify(doc), before);
  assert.equal(next.mappings[1].id, "email-2");
  assert.deepEqual(
    m.setAt(next, "/mappings/0", undefined).mappings.map((x) => x.from),
    ["b"],
  );
  assert.equal(
    m.setAt({ version: 1, mappings: [{ from: "a", to: "x" }] }, "/mappings/0", undefined).mappings,
    undefined,
  );
  assert.deepEqual(m.setAt({ version: 1 }, "/routes/0/mappings", []).routes, [{ mappings: [] }]);
  assert.equal(m.getAt({ a: [{ "b/c": 3 }] }, "/a/0/b~1c"), 3);
});

test("problems go to the nearest control; the rest are loose", () => {
  const problems = core.validateRules({
    version: 2,
    mappings: [{ from: "a", to: "email", transforms: [{ op: "truncate", length: "x" }] }],
  });
  const { byControl, loose } = m.assignProblems(
    problems,
    new Set(["/mappings/0", "/mappings/0/transforms/0"]),
  );
  assert.deepEqual([...byControl.keys()], ["/mappings/0/transforms/0"]);
  assert.deepEqual(
    loose.map((p) => p.pointer),
    ["/version"],
  );
  assert.match(m.controlId("/mappings/0/to"), /^c[A-Za-z0-9_-]+$/);
  assert.notEqual(m.controlId("/a/b"), m.controlId("/a_2fb"));
});

test("the preview path: problems when invalid, else the sample's traced result and the records counted", () => {
  const bad = m.previewPath(
    core,
    { version: 1, mappings: [{ from: "", to: "email" }] },
    undefined,
    lead,
    [lead],
  );
  assert.equal(bad.result, null);
  assert.equal(bad.problems[0].pointer, "/mappings/0/from");
  // The Wishpond preset over a lead in the real shape (fields in dynamic_attributes).
  const { _note, ...real } = read("tests/fixtures/wishpond/lead-created.json");
  const doc = core.rulesPresets()["wishpond-lead"];
  const ok = m.previewPath(core, doc, undefined, real, [real, "not json"]);
  assert.deepEqual(ok.problems, []);
  assert.ok(ok.result.trace.length > 0);
  assert.deepEqual(ok.batch, { total: 2, reach: 1, none: 0, failed: 1 });
  assert.deepEqual(m.matchOf(ok.result), {
    key: "email",
    value: "jane.doe@example.com",
    name: "Jane Doe",
  });
  assert.deepEqual(m.matchOf({ upsert: { phone: "+1415" } }).key, "phone");
  assert.equal(m.matchOf({ upsert: { firstName: "x" } }).key, null);
  assert.equal(m.recordOf({ type: "wishpond.lead.created", payload: lead }), lead);
});

/** The normalised events of tests/fixtures/ (without their notes), varied record by record. */
function realRecords(n) {
  const strip = ({ _note, ...r }) => r;
  const wishpond = ["lead-created", "lead-updated", "lead-captured"].map((f) =>
    strip(read(`tests/fixtures/wishpond/${f}.json`)),
  );
  return Array.from({ length: n }, (_, i) => {
    const r = structuredClone(wishpond[i % 3]);
    // Some without an email, some with a phone that is not one, some with neither.
    if (i % 4 === 1) delete r.lead.email;
    if (i % 5 === 2) r.lead.dynamic_attributes.phone_number = "call me";
    if (i % 6 === 3) r.lead.dynamic_attributes.phone_number = "(415) 555-0188";
    return r;
  });
}

test("the records are counted exactly as the whole document maps them (reachDocument), by route too", () => {
  const records = realRecords(60);
  const presets = core.rulesPresets();
  const wishpond = presets["wishpond-lead"];
  // A route that maps the email its own way, taken by the updated leads.
  const routed = structuredClone(wishpond);
  routed.routes = [
    {
      id: "updated",
      when: { path: "type", equals: "wishpond.lead.updated" },
      mappings: [{ id: "no-email", template: "", to: "email" }],
      tagRules: [{ id: "t", add: ["x"] }],
    },
  ];
  for (const doc of [wishpond, routed, presets["qwilr-events"]]) {
    const full = core.compileRules(doc).applyBatch(records);
    const want = { total: records.length, reach: 0, none: 0, failed: 0 };
    for (const r of full) {
      if (r.error) want.failed++;
      else if (m.matchOf(r).key !== null) want.reach++;
      else want.none++;
    }
    const got = m.previewPath(core, doc, undefined, records[0], records).batch;
    assert.deepEqual(got, want);
    // The reduced document has no names, tags or scores.
    const reduced = m.reachDocument(doc);
    assert.equal(reduced.tagRules, undefined);
    assert.equal(reduced.scoring, undefined);
    assert.ok((reduced.mappings ?? []).every((x) => x.to === "email" || x.to === "phone"));
  }
  const r = m.previewPath(core, routed, undefined, records[0], records).batch;
  assert.ok(r.none > 0 && r.reach > 0, JSON.stringify(r));
});

test("the counts are reused while nothing about whom the records reach changed, and recomputed when it did", () => {
  const records = realRecords(30);
  const doc = core.rulesPresets()["wishpond-lead"];
  let batches = 0;
  const counting = {
    ...core,
    compileRules(d, o) {
      const c = core.compileRules(d, o);
      return {
        ...c,
        apply: c.apply,
        free: c.free,
        applyBatch: (x) => {
          batches++;
          return c.applyBatch(x);
        },
      };
    },
  };
  const memo = {};
  const first = m.previewPath(counting, doc, undefined, records[0], records, memo).batch;
  assert.equal(batches, 1);
  // A first-name step: the same counts, no batch.
  const names = structuredClone(doc);
  names.mappings[1].transforms = ["trim", "uppercase"];
  const again = m.previewPath(counting, names, undefined, records[0], records, memo);
  assert.equal(batches, 1);
  assert.deepEqual(again.batch, first);
  assert.match(again.result.upsert.firstName, /^[A-Z]+$/);
  // The email mapping removed: recomputed, nobody without a phone is reached.
  const noEmail = structuredClone(doc);
  noEmail.mappings.splice(0, 1);
  const changed = m.previewPath(counting, noEmail, undefined, records[0], records, memo).batch;
  assert.equal(batches, 2);
  assert.ok(changed.reach < first.reach, `${changed.reach} < ${first.reach}`);
  // Other records (a new list): recomputed.
  m.previewPath(counting, noEmail, undefined, records[0], [...records], memo);
  assert.equal(batches, 3);
});
