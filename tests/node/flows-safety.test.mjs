// Dry runs that send nothing, connections bound to their location, replays skipped and
// results built from data that keep their keys: each against the emulator's request log.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as g from "../../pkg/entries/node.js";
import {
  startEmulator,
  DEMO_TOKEN,
  DEMO_LOCATION_ID,
  OTHER_LOCATION_ID,
  OTHER_LOCATION_TOKEN,
  ALL_SCOPES,
} from "../../js/emulator/index.mjs";

const root = new URL("../../", import.meta.url);
const json = (p) => JSON.parse(readFileSync(new URL(p, root), "utf8"));
const rules = {
  wishpond: json("src/rules/presets/wishpond-lead.json"),
  qwilr: json("src/rules/presets/qwilr-events.json"),
};
const lead = (extra = {}) => ({
  type: "wishpond.lead.created",
  id: "evt_safety_1",
  payload: json("tests/fixtures/wishpond/lead-created.json"),
  ...extra,
});

let emu;
before(async () => {
  emu = await startEmulator({ seed: 1 });
});
after(() => emu.stop());
beforeEach(() => emu.reset());

const client = (token = DEMO_TOKEN, locationId = DEMO_LOCATION_ID) =>
  g.createClient({ token, locationId, scopes: ALL_SCOPES, baseUrl: emu.url });
const flowsWith = (extra = {}) =>
  g.createFlows({
    client: client(),
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    rules,
    config: { allowCreateLocationTags: true },
    ...extra,
  });
const lines = () => emu.log.map((e) => `${e.method} ${e.path}`);

const tagPlan = (locationId = DEMO_LOCATION_ID) => ({
  id: "plan-create-tag",
  flow: "manual",
  locationId,
  steps: [
    {
      id: "create",
      operation: "locations.create-tag",
      params: { path: { locationId }, body: { name: "dry-run-must-not-create" } },
      why: "test",
    },
  ],
});

test("executePlan with dryRun sends nothing and returns the core's preview", async () => {
  const before = emu.state.locations[DEMO_LOCATION_ID].locationTags.length;
  const r = await g.executePlan(client(), tagPlan(), { dryRun: true });
  assert.deepEqual(emu.log, [], "no request reached the emulator");
  assert.equal(
    emu.state.locations[DEMO_LOCATION_ID].locationTags.length,
    before,
    "no tag was created",
  );
  assert.equal(r.dryRun, true);
  assert.deepEqual(r.done, []);
  assert.equal(r.failed, undefined);
  assert.equal(r.requests.length, 1);
  assert.equal(r.requests[0].method, "POST");
  assert.equal(
    r.requests[0].url,
    `${emu.url.replace(/\/$/, "")}/locations/${DEMO_LOCATION_ID}/tags`,
  );
  assert.deepEqual(r.requests[0].body, { name: "dry-run-must-not-create" });
  assert.deepEqual(r.requests, await g.previewPlan(client(), tagPlan()), "one dry-run path");
  // Without dryRun the same plan is sent.
  const sent = await g.executePlan(client(), tagPlan());
  assert.deepEqual(sent.done, ["create"]);
  assert.deepEqual(lines(), [`POST /locations/${DEMO_LOCATION_ID}/tags`]);
});

test("flows.run dry run uses the same preview: placeholders, nothing sent", async () => {
  const flows = flowsWith();
  const dry = await flows.run(lead(), { dryRun: true });
  assert.deepEqual(emu.log, []);
  assert.deepEqual(dry.requests, await g.previewPlan(client(), dry.flowPlan.plan));
  assert.match(dry.requests[1].url, /\/contacts\/\{upsert\.contact\.id\}\/tags$/);
  // A dry run claims nothing: the real run afterwards runs.
  const r = await flows.run(lead());
  assert.equal(r.duplicate, false);
  assert.deepEqual(r.done, ["upsert", "add-tags"]);
});

test("an event naming another location is refused and nothing is written with this token", async () => {
  const flows = flowsWith();
  for (const locationId of [OTHER_LOCATION_ID, "OTHER", "../x"]) {
    await assert.rejects(flows.run(lead({ id: `evt_${locationId}`, locationId })), (e) => {
      assert.ok(e instanceof g.GhlBridgeError);
      assert.equal(e.code, "FLOW_FOREIGN_LOCATION");
      assert.equal(e.details.location, locationId);
      assert.equal(e.details.expected, DEMO_LOCATION_ID);
      return true;
    });
    await assert.rejects(
      flows.run(lead({ id: `dry_${locationId}`, locationId }), { dryRun: true }),
      { code: "FLOW_FOREIGN_LOCATION" },
    );
  }
  assert.deepEqual(emu.log, [], "nothing was sent");
  // A plan naming another location is refused by executePlan too, before any request.
  const r = await g.executePlan(client(), tagPlan(OTHER_LOCATION_ID));
  assert.equal(r.failed.step, "plan");
  assert.equal(r.failed.error.code, "PLAN_FOREIGN_LOCATION");
  assert.deepEqual(r.notRun, ["create"]);
  assert.deepEqual(emu.log, []);
});

test("an event for a location with its own connection is sent with that connection's token", async () => {
  const flows = flowsWith({
    connections: { [OTHER_LOCATION_ID]: client(OTHER_LOCATION_TOKEN, OTHER_LOCATION_ID) },
  });
  const r = await flows.run(lead({ locationId: OTHER_LOCATION_ID }));
  assert.equal(r.failed, undefined, r.failed?.error?.message);
  assert.ok(emu.log.length >= 1);
  for (const e of emu.log) assert.equal(e.token.label, "other-location", `${e.method} ${e.path}`);
  assert.equal(emu.log[0].body.locationId, OTHER_LOCATION_ID);
});

test("an event delivered twice runs once; the second report says duplicate, skipped", async () => {
  const flows = flowsWith();
  const [a, b] = await Promise.all([flows.run(lead()), flows.run(lead())]);
  const c = await flows.run(lead({ id: " evt_safety_1 " }));
  assert.deepEqual(
    lines(),
    ["POST /contacts/upsert", `POST /contacts/${a.outcome.result.contactId}/tags`],
    "sent once",
  );
  assert.equal(a.duplicate, false);
  for (const dup of [b, c]) {
    assert.equal(dup.duplicate, true);
    assert.equal(dup.outcome.result.kind, "duplicate");
    assert.match(dup.outcome.warnings[0], /^duplicate, skipped/);
    assert.deepEqual(dup.stages, []);
  }
  // flows.execute of a plan for the same event is skipped as well.
  const again = await flows.execute(flows.plan(lead()));
  assert.equal(again.duplicate, true);
  assert.equal(emu.log.length, 2);
});

test("a failed run can be redelivered", async () => {
  const flows = flowsWith();
  emu.configure({ errorRate: 1, errorStatuses: [400] });
  const failed = await flows.run(lead());
  assert.ok(failed.failed);
  emu.configure({ errorRate: 0 });
  const retried = await flows.run(lead());
  assert.equal(retried.duplicate, false);
  assert.equal(retried.failed, undefined);
});

test("previews and reports keep an own __proto__ key as data", async () => {
  const body = JSON.parse('{"email": "proto@example.com", "__proto__": {"polluted": true}}');
  const plan = {
    id: "proto-plan",
    flow: "manual",
    locationId: DEMO_LOCATION_ID,
    steps: [
      {
        id: "upsert",
        operation: "contacts.upsert-contact",
        params: { body: { ...body, locationId: DEMO_LOCATION_ID } },
        why: "",
      },
    ],
  };
  assert.ok(Object.hasOwn(plan.steps[0].params.body, "__proto__"));
  const [step] = await g.previewPlan(client(), plan);
  assert.equal(
    Object.getPrototypeOf(step.body),
    Object.prototype,
    "the prototype was not replaced",
  );
  assert.ok(Object.hasOwn(step.body, "__proto__"), "the key is kept");
  assert.deepEqual(Object.getOwnPropertyDescriptor(step.body, "__proto__").value, {
    polluted: true,
  });
  assert.equal(step.body.polluted, undefined);
  assert.equal({}.polluted, undefined);
});
