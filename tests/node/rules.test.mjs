// Mapping rules through the built package: validation lists every problem with its
// pointer, compile errors are typed, the presets on the sample payloads give the native
// engine's results (objects and JSON text alike), traces, batches with bad records,
// limits, hostile input, and that everything thrown is a GhlBridgeError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as g from "../../pkg/entries/node.js";
import { __testPanic } from "../../pkg/internal.js";

const fixture = (p) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url), "utf8");
const FIXTURES = [
  "wishpond/lead-created.json",
  "wishpond/lead-updated.json",
  "wishpond/lead-captured.json",
  "qwilr/page-viewed.json",
  "qwilr/page-accepted.json",
];

/** Calls `f`, expects a GhlBridgeError with `code`, returns it. */
function throwsCode(f, code) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof g.GhlBridgeError, `not a GhlBridgeError: ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test("validateRules returns every problem at once, each with a pointer and plain words", () => {
  const problems = g.validateRules({
    version: 2,
    mappings: [
      { from: "lead.email", to: "emial" },
      { from: "lead..x", to: "email", transforms: ["lowercas"] },
    ],
    tagRules: [{ when: { path: "a", equals: 1, gt: 2 }, add: [] }],
  });
  assert.ok(problems.length >= 4, JSON.stringify(problems));
  const pointers = problems.map((p) => p.pointer);
  for (const want of [
    "/version",
    "/mappings/0/to",
    "/mappings/1/from",
    "/mappings/1/transforms/0",
  ]) {
    assert.ok(pointers.includes(want), `${want} missing from ${pointers}`);
  }
  for (const p of problems) {
    assert.equal(typeof p.code, "string");
    assert.ok(p.message.length > 10 && /[A-Z]/.test(p.message[0]), p.message);
  }
  assert.match(problems.find((p) => p.pointer === "/mappings/0/to").message, /email/);
  assert.deepEqual(g.validateRules({ version: 1 }), []);
  for (const doc of Object.values(g.rulesPresets())) assert.deepEqual(g.validateRules(doc), []);
  // Not a document at all: problems, not a throw. Not JSON: a typed error.
  assert.ok(g.validateRules(42).length > 0);
  assert.ok(g.validateRules("[1,2]").length > 0);
  throwsCode(() => g.validateRules("{nope"), "RULES_NOT_JSON");
  throwsCode(() => g.validateRules({ version: 1n }), "RULES_NOT_JSON");
});

test("compileRules throws RULES_INVALID with every problem in details", () => {
  const e = throwsCode(
    () => g.compileRules({ version: 1, mappings: [{ from: "", to: "nowhere" }] }),
    "RULES_INVALID",
  );
  assert.ok(Array.isArray(e.details.problems) && e.details.problems.length >= 2);
  assert.ok(
    e.details.problems.every(
      (p) => typeof p.pointer === "string" && p.pointer.startsWith("/mappings/0"),
    ),
  );
  throwsCode(() => g.compileRules("not json"), "RULES_NOT_JSON");
  const cyclic = { version: 1 };
  cyclic.self = cyclic;
  throwsCode(() => g.compileRules(cyclic), "RULES_NOT_JSON");
  // Custom field keys must exist when the location's fields are given.
  const doc = { version: 1, mappings: [{ from: "a", to: { customField: "contact.nope" } }] };
  throwsCode(
    () => g.compileRules(doc, { customFields: [{ id: "f1", key: "contact.yes" }] }),
    "RULES_INVALID",
  );
  const ok = g.compileRules(doc, { customFields: [{ id: "f1", key: "contact.nope" }] });
  assert.deepEqual(ok.apply({ a: "x" }).upsert.customFields, [
    { id: "f1", key: "contact.nope", field_value: "x" },
  ]);
});

test("the presets on the sample payloads give the native results", () => {
  const presets = g.rulesPresets();
  const wishpond = g.compileRules(presets["wishpond-lead"]);
  const got = wishpond.apply(JSON.parse(fixture("wishpond/lead-created.json")));
  // Exactly what tests/rules_presets.rs expects from the native engine.
  assert.deepEqual(got, {
    upsert: {
      firstName: "Jane",
      lastName: "Doe",
      email: "jane.doe@example.com",
      phone: "+14155550123",
      companyName: "Acme Corp",
      source: "Wishpond (api)",
      customFields: [
        { key: "contact.utm_source", field_value: "facebook" },
        { key: "contact.utm_medium", field_value: "cpc" },
        { key: "contact.utm_campaign", field_value: "spring_launch" },
        { key: "contact.lead_score", field_value: 35 },
      ],
    },
    tagsToAdd: ["wishpond", "wishpond-api", "paid-traffic", "warm-lead"],
    tagsToRemove: ["hot-lead"],
    score: 35,
    ruleSet: "default",
    warnings: [],
  });
  const updated = wishpond.apply(fixture("wishpond/lead-updated.json"));
  assert.deepEqual(
    updated.warnings.map((w) => w.code),
    ["INVALID_PHONE"],
  );
  assert.equal(updated.score, 0);
  const captured = wishpond.apply(JSON.parse(fixture("wishpond/lead-captured.json")));
  assert.equal(captured.upsert.source, "Wishpond (page)");
  assert.equal(captured.score, 20);
  const qwilr = g.compileRules(presets["qwilr-events"]);
  const accepted = qwilr.apply(JSON.parse(fixture("qwilr/page-accepted.json")));
  assert.equal(accepted.ruleSet, "page-accepted");
  assert.equal(accepted.score, 70);
  assert.deepEqual(accepted.tagsToRemove, ["proposal-viewed", "proposal-sent", "warm-lead"]);
  // The current score (what the flows read from the contact) is the base: they add up.
  assert.equal(
    qwilr.apply({ ...JSON.parse(fixture("qwilr/page-accepted.json")), current: { score: 35 } })
      .score,
    105,
  );
  // Objects (only the read paths cross) and JSON text (the whole record) agree, with
  // and without a trace, one by one and in batches.
  for (const c of [wishpond, qwilr]) {
    for (const trace of [false, true]) {
      const texts = FIXTURES.map(fixture);
      const viaText = texts.map((t) => c.apply(t, { trace }));
      const viaObjects = texts.map((t) => c.apply(JSON.parse(t), { trace }));
      assert.deepEqual(viaObjects, viaText);
      assert.deepEqual(
        c.applyBatch(
          texts.map((t) => JSON.parse(t)),
          { trace },
        ),
        viaText,
      );
      assert.deepEqual(JSON.parse(c.applyBatchJson(`[${texts.join(",")}]`, { trace })), viaText);
    }
  }
});

test("objects are read like their JSON: null vs missing, undefined, inherited keys, lists", () => {
  const c = g.compileRules({
    version: 1,
    mappings: [
      { from: "a", to: "city", transforms: [{ op: "default", value: "none" }] },
      { from: "items[*].v", to: "address1", transforms: ["join"] },
      { from: "items[1].v", to: "state" },
      { from: "constructor", to: "website" },
      { from: "list.length", to: "timezone" },
    ],
    tagRules: [
      { id: "has-a", when: { path: "a", exists: true }, add: ["has-a"] },
      { id: "null-b", when: { path: "b", exists: false }, add: ["no-b"] },
    ],
  });
  const records = [
    { a: null, b: null, items: [{ v: 1 }, { v: "two" }, {}, { v: null }], list: [1, 2] },
    { a: undefined, fn() {}, items: [undefined, { v: "x" }], list: {} },
    { a: "A", items: "not a list" },
  ];
  for (const r of records) {
    const text = JSON.stringify(r);
    assert.deepEqual(c.apply(r, { trace: true }), c.apply(text, { trace: true }), text);
  }
  const first = c.apply(records[0]);
  assert.equal(first.upsert.city, "none");
  assert.equal(first.upsert.address1, "1, two");
  assert.equal(first.upsert.website, undefined);
  assert.equal(first.upsert.timezone, undefined);
  assert.deepEqual(first.tagsToAdd, ["no-b"]);
});

test("the trace says which rules fired and why", () => {
  const c = g.compileRules({
    version: 1,
    mappings: [{ id: "mail", from: "email", to: "email", transforms: ["trim", "lowercase"] }],
    tagRules: [{ id: "vip", when: { path: "plan", equals: "gold" }, add: ["vip"] }],
  });
  const r = c.apply({ email: " A@B.IO ", plan: "silver" }, { trace: true });
  const mail = r.trace.find((t) => t.rule === "mail");
  assert.equal(mail.kind, "mapping");
  assert.equal(mail.fired, true);
  assert.equal(mail.before, " A@B.IO ");
  assert.equal(mail.after, "a@b.io");
  const vip = r.trace.find((t) => t.rule === "vip");
  assert.equal(vip.fired, false);
  assert.match(vip.why, /plan equals "gold"/);
  assert.equal(c.apply({ email: "x@y.io" }).trace, undefined);
});

test("a batch with bad records in the middle keeps its order and types each failure", () => {
  const c = g.compileRules({ version: 1, mappings: [{ from: "email", to: "email" }] });
  const cyclic = { email: "c@d.io" };
  cyclic.email = { self: cyclic };
  const big = { email: 10n };
  const out = c.applyBatch([
    { email: "a@b.io" },
    42,
    "{bad json",
    cyclic,
    big,
    '{"email":"t@x.io"}',
    [1],
    { email: "z@z.io" },
  ]);
  assert.equal(out.length, 8);
  assert.equal(out[0].upsert.email, "a@b.io");
  assert.equal(out[1].error.code, "RECORD_NOT_OBJECT");
  assert.equal(out[2].error.code, "RECORD_NOT_JSON");
  assert.equal(out[3].error.code, "RECORD_NOT_JSON");
  assert.equal(out[4].error.code, "RECORD_NOT_JSON");
  assert.equal(out[5].upsert.email, "t@x.io");
  assert.equal(out[6].error.code, "RECORD_NOT_OBJECT");
  assert.equal(out[7].upsert.email, "z@z.io");
  for (const r of out) if (r.error) assert.ok(r.error.message.length > 10);
  // Many records: chunked inside, same order.
  const many = Array.from({ length: 2500 }, (_, i) =>
    i === 1700 ? null : { email: `u${i}@x.io` },
  );
  const res = c.applyBatch(many);
  assert.equal(res.length, 2500);
  assert.equal(res[1700].error.code, "RECORD_NOT_OBJECT");
  assert.equal(res[2499].upsert.email, "u2499@x.io");
  const text = JSON.parse(c.applyBatchJson('[{"email":"a@b.io"}, 7, {"email":"c@d.io"}]'));
  assert.equal(text[1].error.code, "RECORD_NOT_OBJECT");
  assert.equal(text[2].upsert.email, "c@d.io");
  throwsCode(() => c.applyBatchJson('{"not":"a list"}'), "RECORD_NOT_JSON");
  throwsCode(() => c.applyBatch("nope"), "INVALID_ARGUMENT");
});

test("limits are configurable and exceeding one is a typed error naming it", () => {
  const doc = {
    version: 1,
    mappings: [
      { from: "a", to: "city" },
      { from: "deep", to: "state" },
    ],
  };
  const c = g.compileRules(doc, {
    limits: { maxDepth: 5, maxStringLen: 100, maxRecordBytes: 2000, maxBatchRecords: 3 },
  });
  let e = throwsCode(() => c.apply({ a: "x".repeat(101) }), "RULES_LIMIT_EXCEEDED");
  assert.equal(e.details.limit, "maxStringLen");
  e = throwsCode(() => c.apply(JSON.stringify({ a: "x".repeat(101) })), "RULES_LIMIT_EXCEEDED");
  assert.equal(e.details.limit, "maxStringLen");
  e = throwsCode(() => c.apply({ deep: [[[[[[1]]]]]] }), "RULES_LIMIT_EXCEEDED");
  assert.equal(e.details.limit, "maxDepth");
  e = throwsCode(() => c.apply(JSON.stringify({ skip: "y".repeat(3000) })), "RULES_LIMIT_EXCEEDED");
  assert.equal(e.details.limit, "maxRecordBytes");
  e = throwsCode(() => c.applyBatchJson("[{},{},{},{}]"), "RULES_LIMIT_EXCEEDED");
  assert.equal(e.details.limit, "maxBatchRecords");
  const rules = { version: 1, tagRules: Array.from({ length: 4 }, () => ({ add: ["x"] })) };
  const problems = g.validateRules(rules, { limits: { maxRules: 3 } });
  assert.ok(
    problems.some((p) => /3/.test(p.message)),
    JSON.stringify(problems),
  );
  throwsCode(() => g.compileRules(rules, { limits: { maxRules: 3 } }), "RULES_INVALID");
});

test("hostile input gives results or typed errors, never a panic", () => {
  const c = g.compileRules(g.rulesPresets()["wishpond-lead"]);
  let deep = [];
  for (let i = 0; i < 10000; i++) deep = [deep];
  const deepText = `{"lead":${"[".repeat(10000)}${"]".repeat(10000)}}`;
  throwsCode(() => c.apply(deepText), "RULES_LIMIT_EXCEEDED");
  // 10,000 levels are beyond what JSON.stringify can write: a typed error all the same.
  throwsCode(() => c.apply({ lead: { email: deep } }), "RECORD_NOT_JSON");
  let hundred = [];
  for (let i = 0; i < 100; i++) hundred = [hundred];
  assert.equal(
    throwsCode(() => c.apply({ lead: { email: hundred } }), "RULES_LIMIT_EXCEEDED").details.limit,
    "maxDepth",
  );
  // Deep nesting where the rules never look: the object form reads only what it needs.
  assert.equal(c.apply({ other: deep, lead: { email: "a@b.io" } }).upsert.email, "a@b.io");
  const huge = "x".repeat(10 * 1024 * 1024);
  throwsCode(
    () => c.apply({ lead: { dynamic_attributes: { first_name: huge } } }),
    "RULES_LIMIT_EXCEEDED",
  );
  throwsCode(() => c.apply(JSON.stringify({ lead: { notes: huge } })), "RULES_LIMIT_EXCEEDED");
  // Wrong types everywhere: a result with warnings, not an error.
  const odd = c.apply({
    lead: {
      email: 5,
      dynamic_attributes: { phone_number: true, first_name: { x: 1 }, name: [1, 2] },
    },
    utm: [],
    arrived: 7,
  });
  assert.equal(typeof odd.ruleSet, "string");
  assert.ok(Array.isArray(odd.tagsToAdd));
  for (const bad of [null, 1, "", "[]", "nul", "\u0000", '{"lead":{"email":"\\ud800"}}']) {
    const e = throwsCode(
      () => c.apply(bad),
      bad === null || bad === 1 || bad === "[]" ? "RECORD_NOT_OBJECT" : "RECORD_NOT_JSON",
    );
    assert.ok(e.message.length > 0);
  }
  const deepDoc = `{"version":1,"tagRules":[{"when":${'{"all":['.repeat(10000)}{"path":"a","exists":true}${"]}".repeat(10000)},"add":["x"]}]}`;
  const tooDeep = g.validateRules(deepDoc);
  assert.equal(tooDeep[0].code, "TOO_DEEP");
  throwsCode(() => g.compileRules(deepDoc), "RULES_INVALID");
  let nested = { path: "a", exists: true };
  for (let i = 0; i < 100; i++) nested = { not: nested };
  assert.ok(g.validateRules({ version: 1, tagRules: [{ when: nested, add: ["x"] }] }).length > 0);
  // Still working afterwards.
  assert.equal(c.apply({ lead: { email: "ok@x.io" } }).upsert.email, "ok@x.io");
});

test("a 100,000-level nested record on the JSON text paths is a typed error and the module stays usable", () => {
  const c = g.compileRules({
    version: 1,
    mappings: [
      { from: "a", to: "city" },
      { from: "e", to: "email" },
    ],
  });
  const ok = '{"e":"ok@x.io"}';
  for (const [open, close] of [
    ["[", "]"],
    ['{"a":', "}"],
  ]) {
    const deep = `${open.repeat(100000)}1${close.repeat(100000)}`;
    for (const rec of [`{"a":${deep}}`, `{"z":${deep}}`]) {
      assert.equal(
        throwsCode(() => c.apply(rec), "RULES_LIMIT_EXCEEDED").details.limit,
        "maxDepth",
      );
      // In a batch: that record's error between the others' results.
      const out = JSON.parse(c.applyBatchJson(`[${ok},${rec},${ok}]`));
      assert.equal(out[0].upsert.email, "ok@x.io");
      assert.equal(out[1].error.details.limit, "maxDepth");
      assert.equal(out[2].upsert.email, "ok@x.io");
      const batch = c.applyBatch([JSON.parse(ok), rec, JSON.parse(ok)]);
      assert.equal(batch[1].error.details.limit, "maxDepth");
      assert.equal(batch[2].upsert.email, "ok@x.io");
    }
    // The deep value as a record, and as the whole batch: typed, never a trap.
    const out = JSON.parse(c.applyBatchJson(`[${deep},${ok}]`));
    assert.equal(typeof out[0].error.code, "string");
    assert.equal(out[1].upsert.email, "ok@x.io");
    try {
      const whole = JSON.parse(c.applyBatchJson(deep));
      assert.equal(typeof whole[0].error.code, "string");
    } catch (e) {
      assert.ok(e instanceof g.GhlBridgeError, String(e));
      assert.equal(e.code, "RECORD_NOT_JSON");
    }
  }
  assert.equal(c.apply(JSON.parse(ok)).upsert.email, "ok@x.io");
  assert.equal(c.apply(ok).upsert.email, "ok@x.io");
});

test("cost limits: regex work per record and produced sizes are bounded, typed and configurable", () => {
  const big = "a".repeat(64 * 1024);
  const transforms = Array.from({ length: 1000 }, () => ({
    op: "regexReplace",
    pattern: "z+",
    replacement: "",
  }));
  const slow = g.compileRules({ version: 1, mappings: [{ from: "a", to: "city", transforms }] });
  let e = throwsCode(() => slow.apply({ a: big }), "RULES_LIMIT_EXCEEDED");
  assert.equal(e.details.limit, "maxRegexBytes");
  assert.equal(e.details.max, 1048576);
  assert.equal(slow.apply({ a: "short" }).upsert.city, "short");
  const grow = {
    version: 1,
    mappings: [
      {
        from: "a",
        to: "city",
        transforms: [{ op: "regexReplace", pattern: "a", replacement: "x".repeat(1000) }],
      },
    ],
  };
  e = throwsCode(() => g.compileRules(grow).apply({ a: big }), "RULES_LIMIT_EXCEEDED");
  assert.equal(e.details.limit, "maxFieldBytes");
  // 70 such fields once ran the module out of memory: each record now fails alone.
  const many = {
    version: 1,
    mappings: Array.from({ length: 70 }, (_, i) => ({
      ...grow.mappings[0],
      to: { customField: `contact.f${i}` },
    })),
  };
  const out = g.compileRules(many).applyBatch([{ a: big }, { a: "a" }]);
  assert.equal(out[0].error.details.limit, "maxFieldBytes");
  assert.equal(out[1].upsert.customFields.length, 70);
  const roomy = g.compileRules(grow, { limits: { maxFieldBytes: 200000, maxOutputBytes: 200000 } });
  assert.equal(roomy.apply({ a: "a".repeat(100) }).upsert.city.length, 100000);
  e = throwsCode(
    () => g.compileRules(grow, { limits: { maxOutputBytes: 1000 } }).apply({ a: "aa" }),
    "RULES_LIMIT_EXCEEDED",
  );
  assert.equal(e.details.limit, "maxOutputBytes");
});

test("compiled rules survive a panic reset of the module", () => {
  const c = g.compileRules({ version: 1, mappings: [{ from: "email", to: "email" }] });
  throwsCode(() => __testPanic("boom"), "INTERNAL_PANIC");
  assert.equal(c.apply({ email: "a@b.io" }).upsert.email, "a@b.io");
  assert.equal(g.applyRules(c, '{"email":"c@d.io"}').upsert.email, "c@d.io");
  assert.deepEqual(c.sourcePaths, ["email"]);
});

test("the rules JSON Schema ships in the package", () => {
  const schema = JSON.parse(
    readFileSync(new URL("../../pkg/rules.schema.json", import.meta.url), "utf8"),
  );
  assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
  assert.equal(schema.properties.version.type, "integer");
  for (const part of ["Mapping", "TagRule", "Condition", "Transform"])
    assert.ok(part in schema.definitions, part);
  const pkg = JSON.parse(readFileSync(new URL("../../pkg/package.json", import.meta.url), "utf8"));
  const files = JSON.stringify(pkg);
  assert.ok(
    !pkg.files || files.includes("rules.schema.json") || files.includes("*"),
    "rules.schema.json not published",
  );
});
