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

test("the preview path: problems when invalid, else the sample's traced result and one per record", () => {
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
  assert.equal(ok.results[1].error.code, "RECORD_NOT_JSON");
  assert.deepEqual(m.matchOf(ok.result), {
    key: "email",
    value: "jane.doe@example.com",
    name: "Jane Doe",
  });
  assert.deepEqual(m.matchOf({ upsert: { phone: "+1415" } }).key, "phone");
  assert.equal(m.matchOf({ upsert: { firstName: "x" } }).key, null);
  assert.equal(m.recordOf({ type: "wishpond.lead.created", payload: lead }), lead);
});
