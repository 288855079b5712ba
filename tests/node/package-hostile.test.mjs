// Every public function of the package, called with hostile arguments (null, undefined,
// numbers, NaN, symbols, BigInt, functions, huge strings, cyclic and 100,000-level
// objects) in each argument position: every throw is a GhlBridgeError with a stable
// code (INVALID_ARGUMENT or a domain code, never INTERNAL_PANIC nor UNEXPECTED), and
// the module is never reset (the instance generation is unchanged and rules compiled
// before still work).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as g from "../../pkg/entries/node.js";
import { instanceGeneration } from "../../pkg/internal.js";
import { ALL_SCOPES, DEMO_LOCATION_ID as LOC, DEMO_TOKEN } from "../../js/emulator/index.mjs";
import { demoConnection, emulatorAndClient, nested } from "../support/package-emulator.mjs";

let emu, client;
before(async () => {
  ({ emu, client } = await emulatorAndClient(9));
});
after(() => emu?.stop());

function cyclic() {
  const o = { a: { b: 1 } };
  o.a.self = o;
  return o;
}
const HOSTILE = {
  null: () => null,
  undefined: () => undefined,
  number: () => 42,
  NaN: () => NaN,
  Infinity: () => Infinity,
  symbol: () => Symbol("s"),
  bigint: () => 10n,
  function: () => () => "f",
  "huge string": () => "x".repeat(2_000_000),
  "empty list": () => [],
  "list of numbers": () => [1, 2],
  cyclic,
  "100,000 levels": () => nested(100_000),
};

const plan = () => ({
  id: "h1",
  flow: "test",
  locationId: LOC,
  steps: [
    { id: "get", operation: "contacts.get-contact", params: { path: { contactId: "nope" } } },
  ],
});
const series = () =>
  g.statisticsSeries({ results: {} }, { nowMs: Date.UTC(2026, 0, 5), utcOffsetMinutes: 0 }, []);
const schedule = () => ({
  kind: "weekly",
  weekday: "monday",
  hour: 9,
  minute: 0,
  utcOffsetMinutes: 0,
});
const rulesDoc = () => ({ version: 1, mappings: [{ from: "email", to: "email" }] });
const conn = () => demoConnection(emu);
const event = () => ({ type: "tags.validation.requested", id: "ev1", payload: {} });

/** name -> [valid arguments, call]; each argument position is poisoned in turn. */
const calls = () => ({
  version: [[], () => g.version()],
  validatePlan: [[plan()], (p) => g.validatePlan(p)],
  resolveStep: [[plan(), "get", {}], (p, s, r) => g.resolveStep(p, s, r)],
  operationInfo: [["contacts.get-contact"], (n) => g.operationInfo(n)],
  createClient: [[conn()], (o) => g.createClient(o)],
  "createClient options fields": [
    [DEMO_TOKEN, LOC, ALL_SCOPES, emu.url, 1000],
    (token, locationId, scopes, baseUrl, timeoutMs) =>
      g.createClient({ token, locationId, scopes, baseUrl, timeoutMs }),
  ],
  "client.buildRequest": [
    ["contacts.get-contact", { path: { contactId: "a" } }],
    (o, p) => client.buildRequest(o, p),
  ],
  "client.send": [
    ["contacts.get-contact", { path: { contactId: "a" } }],
    (o, p) => client.send(o, p),
  ],
  "client.upsertContact": [[{ email: "h@x.example" }], (c) => client.upsertContact(c)],
  "client.getContact": [["nope"], (id) => client.getContact(id)],
  "client.addContactTags": [["nope", ["a"]], (id, t) => client.addContactTags(id, t)],
  "client.removeContactTags": [["nope", ["a"]], (id, t) => client.removeContactTags(id, t)],
  "client.createLocationTag": [["hostile"], (n) => client.createLocationTag(n)],
  "client.socialTags": [[{ limit: 5 }], (q) => client.socialTags(q)],
  "client.socialTagsByIds": [[["t1"]], (ids) => client.socialTagsByIds(ids)],
  "client.socialStatistics": [[{ profileIds: ["p1"] }], (r) => client.socialStatistics(r)],
  validateRules: [[rulesDoc(), {}], (d, o) => g.validateRules(d, o)],
  compileRules: [[rulesDoc(), {}], (d, o) => g.compileRules(d, o)],
  "rules.apply": [[{ email: "a@b.co" }, {}], (r, o) => compiled().apply(r, o)],
  "rules.applyBatch": [[[{ email: "a@b.co" }], {}], (r, o) => compiled().applyBatch(r, o)],
  "rules.applyBatchJson": [['[{"email":"a@b.co"}]', {}], (r, o) => compiled().applyBatchJson(r, o)],
  applyRules: [[null, { email: "a@b.co" }], (c, r) => g.applyRules(c ?? compiled(), r)],
  createFlows: [
    [{ client: null, locationId: LOC, scopes: ALL_SCOPES }],
    (o) => g.createFlows(o && { ...o, client: o.client ?? client }),
  ],
  "flows.plan": [[event()], (e) => flows().plan(e)],
  "flows.run": [[event(), { dryRun: true }], (e, o) => flows().run(e, o)],
  "flows.execute": [[null], (fp) => flows().execute(fp ?? flows().plan(event()))],
  previewPlan: [[null, plan()], (c, p) => g.previewPlan(c ?? client, p)],
  executePlan: [[null, plan(), {}], (c, p, o) => g.executePlan(c ?? client, p, o)],
  createTagCatalog: [[{ locationId: LOC }], (o) => g.createTagCatalog(o && { client, ...o })],
  "tagCatalog.resolve": [["vip"], (n) => catalog().resolve(n)],
  "tagCatalog.details": [[["t1"]], (ids) => catalog().details(ids)],
  "tagCatalog.enrich": [[[{ tags: ["vip"] }], {}], (r, o) => catalog().enrich(r, o)],
  "tagCatalog.report": [
    [[{ source: "wishpond", name: "vip" }], {}],
    (r, o) => catalog().report(r, o),
  ],
  tagDiff: [[["a"], ["b"], ["c"]], (a, r, c) => g.tagDiff(a, r, c)],
  statisticsRequest: [[LOC, ["p1"], ["linkedin"]], (l, p, pl) => g.statisticsRequest(l, p, pl)],
  selectProfiles: [[{ results: { accounts: [] } }, []], (b, p) => g.selectProfiles(b, p)],
  statisticsSeries: [
    [{ results: {} }, { nowMs: 0, utcOffsetMinutes: 0 }, []],
    (b, o, h) => g.statisticsSeries(b, o, h),
  ],
  statisticsMarkdown: [[null, "Week"], (s, t) => g.statisticsMarkdown(s ?? series(), t)],
  statisticsCsv: [[{ days: [] }], (s) => g.statisticsCsv(s)],
  statisticsSlack: [[null, "Week"], (s, t) => g.statisticsSlack(s ?? series(), t)],
  nextRun: [[Date.UTC(2026, 0, 1), schedule()], (n, s) => g.nextRun(n, s)],
  createOutbox: [
    [{ ...conn(), storage: null, autoStart: false }],
    async (o) =>
      (await g.createOutbox(o && { ...o, storage: o.storage ?? g.memoryStorage() })).close(),
  ],
  "outbox.accept": [[plan()], (p) => outbox().then((ob) => ob.accept(p))],
  "outbox.retrigger": [["h1"], (id) => outbox().then((ob) => ob.retrigger(id))],
  memoryStorage: [[[["k", { a: 1 }]]], (s) => g.memoryStorage(s)],
  fileStorage: [["\0bad"], (p) => g.fileStorage(p)],
  indexedDbStorage: [["db"], (n) => g.indexedDbStorage(n)],
});

let compiledRules, flowsObj, catalogObj, outboxObj;
const compiled = () => (compiledRules ??= g.compileRules(rulesDoc()));
const flows = () => (flowsObj ??= g.createFlows({ client, locationId: LOC, scopes: ALL_SCOPES }));
const catalog = () => (catalogObj ??= g.createTagCatalog({ client, locationId: LOC }));
const outbox = () =>
  (outboxObj ??= g.createOutbox({ ...conn(), storage: g.memoryStorage(), autoStart: false }));

async function outcome(call) {
  try {
    await call();
    return null;
  } catch (e) {
    return e;
  }
}

test("every public function, every argument position, every hostile value: typed errors, no reset", async () => {
  const keep = g.compileRules({ version: 1, mappings: [{ from: "email", to: "email" }] });
  const generation = instanceGeneration();
  const bad = [];
  let count = 0;
  for (const [fn, [valid, call]] of Object.entries(calls())) {
    const positions = Math.max(valid.length, 1);
    for (let at = 0; at < positions; at++) {
      for (const [what, make] of Object.entries(HOSTILE)) {
        const args = valid.slice();
        args[at] = make();
        const e = await outcome(() => call(...args));
        count++;
        if (e === null) continue;
        const typed =
          e instanceof g.GhlBridgeError &&
          /^[A-Z_]+$/.test(e.code) &&
          !["INTERNAL_PANIC", "UNEXPECTED"].includes(e.code);
        if (!typed)
          bad.push(
            `${fn} argument ${at} = ${what}: ${e?.name} ${e?.code ?? ""} ${String(e?.message).slice(0, 160)}`,
          );
      }
    }
    assert.equal(instanceGeneration(), generation, `the module was reset by ${fn}`);
  }
  assert.deepEqual(bad, [], `${bad.length} untyped throws`);
  assert.ok(count > 500, `${count} calls`);
  // The module was never reset: what was compiled before still works.
  assert.equal(instanceGeneration(), generation);
  assert.equal(keep.apply({ email: "still@works.example" }).upsert.email, "still@works.example");
  await (await outboxObj)?.close();
});

function throwsArg(call, fn, argument) {
  const check = (e) => {
    assert.ok(e instanceof g.GhlBridgeError, `a GhlBridgeError, got ${e}`);
    assert.equal(e.code, "INVALID_ARGUMENT");
    assert.equal(e.details.function, fn);
    assert.equal(e.details.argument, argument);
    assert.ok(e.message.includes(fn) && e.message.includes(argument), e.message);
    return true;
  };
  let r;
  try {
    r = call();
  } catch (e) {
    return check(e);
  }
  assert.ok(r instanceof Promise, `${fn} did not throw`);
  return r.then(() => assert.fail(`${fn} resolved`), check);
}

test("the misuses of the reports: each names its function and argument", async () => {
  const generation = instanceGeneration();
  throwsArg(() => g.createClient(), "createClient", "options");
  throwsArg(() => g.createClient(null), "createClient", "options");
  throwsArg(
    () => g.createClient({ token: DEMO_TOKEN, locationId: LOC }),
    "createClient",
    "options.scopes",
  );
  throwsArg(
    () => g.createClient({ token: 5, locationId: LOC, scopes: [] }),
    "createClient",
    "options.token",
  );
  throwsArg(
    () => g.createClient({ token: "t", locationId: LOC, scopes: [], timeoutMs: NaN }),
    "createClient",
    "options.timeoutMs",
  );
  throwsArg(() => g.createFlows(null), "createFlows", "options");
  throwsArg(() => g.createFlows({ client, locationId: LOC }), "createFlows", "options.scopes");
  throwsArg(() => g.createTagCatalog(undefined), "createTagCatalog", "options");
  throwsArg(() => g.operationInfo(5), "operationInfo", "name");
  throwsArg(
    () =>
      g.compileRules({ version: 1, mappings: [{ from: "email", to: "email" }] }).applyBatchJson(5),
    "rules.applyBatchJson",
    "records",
  );
  throwsArg(() => g.statisticsMarkdown(series(), 5), "statisticsMarkdown", "title");
  throwsArg(() => g.resolveStep(plan(), 7, {}), "resolveStep", "stepId");
  throwsArg(() => g.tagDiff(["a"], null, []), "tagDiff", "remove");
  await throwsArg(() => client.buildRequest(5), "client.buildRequest", "operation");
  await throwsArg(() => client.getContact({ id: 1 }), "client.getContact", "contactId");
  await throwsArg(
    () => g.createOutbox({ token: 5, locationId: LOC, scopes: [], storage: g.memoryStorage() }),
    "createOutbox",
    "options.token",
  );
  await throwsArg(
    () => g.createOutbox({ token: "t", locationId: LOC, scopes: [] }),
    "createOutbox",
    "options.storage",
  );
  const ob = await g.createOutbox({ ...conn(), storage: g.memoryStorage(), autoStart: false });
  await throwsArg(() => ob.retrigger(5), "outbox.retrigger", "planId");
  await ob.close();
  await throwsArg(() => g.indexedDbStorage(5), "indexedDbStorage", "name");
  assert.equal(instanceGeneration(), generation);
});

test("nextRun refuses times that are not finite or outside Date's range", () => {
  for (const t of [NaN, Infinity, -Infinity, -1, 9e15, "1700000000000", undefined]) {
    throwsArg(() => g.nextRun(t, schedule()), "nextRun", "nowMs");
  }
  assert.ok(g.nextRun(Date.UTC(2026, 0, 1), schedule()) > Date.UTC(2026, 0, 1));
});

test("indexedDbStorage where there is no IndexedDB is a typed STORAGE_ERROR, not a ReferenceError", async () => {
  await assert.rejects(
    g.indexedDbStorage(),
    (e) => e instanceof g.GhlBridgeError && e.code === "STORAGE_ERROR",
  );
});
