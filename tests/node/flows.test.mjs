// Every seed flow against the emulator, asserting the exact requests made (emu.log):
// method, path, query and body; plus dry runs (nothing sent) and half-way failures.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as g from "../../pkg/entries/node.js";
import {
  startEmulator,
  DEMO_TOKEN,
  DEMO_LOCATION_ID,
  ALL_SCOPES,
} from "../../js/emulator/index.mjs";

const root = new URL("../../", import.meta.url);
const json = (p) => JSON.parse(readFileSync(new URL(p, root), "utf8"));
const rules = {
  wishpond: json("src/rules/presets/wishpond-lead.json"),
  qwilr: json("src/rules/presets/qwilr-events.json"),
};
const fixture = (p) => json(`tests/fixtures/${p}`);

let emu;
before(async () => {
  emu = await startEmulator({ seed: 1 });
});
after(() => emu.stop());
beforeEach(() => emu.reset());

function setup({ config, wrap } = {}) {
  let client = g.createClient({
    token: DEMO_TOKEN,
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    baseUrl: emu.url,
  });
  if (wrap) client = wrap(client);
  const flows = g.createFlows({
    client,
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    rules,
    config,
  });
  return { client, flows };
}

const requests = () =>
  emu.log.map((e) => ({ method: e.method, path: e.path, query: e.query, body: e.body ?? null }));
const lines = () => emu.log.map((e) => `${e.method} ${e.path}`);
const socialTags = () => emu.state.locations[DEMO_LOCATION_ID].socialTags;
const lead = () => ({
  type: "wishpond.lead.created",
  id: "evt_7f3a9c21",
  payload: fixture("wishpond/lead-created.json"),
});

test("flow 1: Wishpond contact -> upsert (no tags, score inside) -> add-tags; 2 requests", async () => {
  const { flows } = setup({ config: { allowCreateLocationTags: true } });
  const r = await flows.run(lead());
  assert.equal(r.failed, undefined);
  const log = requests();
  assert.deepEqual(lines(), [
    "POST /contacts/upsert",
    `POST /contacts/${r.outcome.result.contactId}/tags`,
  ]);
  const upsert = log[0].body;
  assert.equal(upsert.locationId, DEMO_LOCATION_ID);
  assert.equal(upsert.email, "jane.doe@example.com");
  assert.equal(upsert.tags, undefined, "tags never ride on the upsert");
  assert.deepEqual(
    upsert.customFields.find((f) => f.key === "contact.lead_score"),
    { key: "contact.lead_score", field_value: r.outcome.result.score },
  );
  assert.deepEqual(log[1].body.tags, r.outcome.result.tagsAdded);
  assert.ok(log[1].body.tags.includes("wishpond"));
  assert.deepEqual(r.done, ["upsert", "add-tags"]);
  assert.deepEqual(r.skipped, ["remove-tags"], "a new contact has nothing to remove");

  // The same lead again: every tag is already there, only the upsert is sent.
  emu.log.length = 0;
  const again = await flows.run({ ...lead(), id: "evt_again" });
  assert.deepEqual(lines(), ["POST /contacts/upsert"]);
  assert.deepEqual(again.skipped, ["add-tags", "remove-tags"]);
});

test("flow 1 without tag creation: location tags read once, missing tags dropped", async () => {
  const { flows } = setup();
  const r = await flows.run(lead());
  assert.deepEqual(lines().slice(0, 2), [
    `GET /locations/${DEMO_LOCATION_ID}/tags`,
    "POST /contacts/upsert",
  ]);
  const known = new Set(emu.state.locations[DEMO_LOCATION_ID].locationTags.map((t) => t.name));
  for (const t of r.outcome.result.tagsAdded)
    assert.ok(known.has(t), `${t} exists in the location`);
  assert.ok(r.outcome.result.droppedTags.length > 0);
  emu.log.length = 0;
  await flows.run({
    type: "qwilr.pageViewed",
    id: "q1",
    payload: fixture("qwilr/page-viewed.json"),
  });
  assert.ok(!lines().includes(`GET /locations/${DEMO_LOCATION_ID}/tags`), "cached for the TTL");
});

test("flow 2: Wishpond tag event -> one list page cold, nothing when cached", async () => {
  const { flows } = setup();
  const ev = fixture("flows/wishpond-tag-updated.json");
  const live = socialTags().filter((t) => !t.deleted);
  ev.payload.tag = { name: ` ${live[0].tag.toUpperCase()} ` };
  ev.payload.records[0].tags = [live[0].tag, live[1]._id];
  const r = await flows.run(ev);
  assert.deepEqual(requests(), [
    {
      method: "GET",
      path: `/social-media-posting/${DEMO_LOCATION_ID}/tags`,
      query: { limit: "100", skip: "0" },
      body: null,
    },
  ]);
  const { records, subject } = r.outcome.result;
  assert.equal(subject.status, "found");
  assert.equal(subject.tag._id, live[0]._id);
  assert.deepEqual(
    records[0].tagDetails.map((d) => d.id),
    [live[0]._id, live[1]._id],
  );
  emu.log.length = 0;
  const again = await flows.run({ ...ev, id: "evt_wp_tag_02" });
  assert.equal(emu.log.length, 0, "a fresh catalog costs no request");
  assert.equal(again.outcome.result.kind, "enriched");
});

test("flow 3: Qwilr social post -> list -> details only for ids the list lacks -> attach", async () => {
  const { flows } = setup();
  const ev = fixture("flows/qwilr-social-post-location-updated.json");
  const deleted = socialTags().find((t) => t.deleted);
  ev.payload.post.tags = [socialTags()[2]._id, deleted._id, "unknownTagId00000001"];
  const r = await flows.run(ev);
  assert.deepEqual(requests(), [
    {
      method: "GET",
      path: `/social-media-posting/${DEMO_LOCATION_ID}/tags`,
      query: { limit: "100", skip: "0" },
      body: null,
    },
    {
      method: "POST",
      path: `/social-media-posting/${DEMO_LOCATION_ID}/tags/details`,
      query: {},
      body: { tagIds: ["unknownTagId00000001"] },
    },
  ]);
  const post = r.outcome.result.records[0];
  assert.deepEqual(
    post.tagDetails.map((d) => [d.id, d.deleted]),
    [
      [socialTags()[2]._id, false],
      [deleted._id, true],
    ],
  );
  assert.deepEqual(
    r.outcome.result.report.unknown.map((u) => u.value),
    ["unknownTagId00000001"],
  );
  assert.equal(r.stages.length, 2);
});

test("flow 4: Qwilr tag details updated -> refreshed list (even when cached), details only for missing ids", async () => {
  const { flows } = setup();
  await flows.run({ type: "tags.validation.requested", id: "warm", payload: {} });
  emu.log.length = 0;
  const ev = fixture("flows/qwilr-tag-details-updated.json");
  ev.payload.tagIds = [socialTags()[3]._id];
  socialTags()[3].tag = "Renamed In Qwilr";
  const r = await flows.run(ev);
  assert.deepEqual(lines(), [`GET /social-media-posting/${DEMO_LOCATION_ID}/tags`]);
  assert.deepEqual(
    r.outcome.result.tags.map((t) => t.name),
    ["Renamed In Qwilr"],
  );
  assert.equal(r.outcome.result.catalogSize, socialTags().length);
});

test("flow 5: statistics -> accounts then statistics, then one request; Markdown/CSV/Slack", async () => {
  const { flows } = setup();
  const ev = fixture("flows/statistics-requested.json");
  ev.payload.hostMetrics = [
    { metric: "leads", source: "wishpond", value: 12, timestampMs: Date.now() },
  ];
  const r = await flows.run(ev);
  assert.deepEqual(lines(), [
    `GET /social-media-posting/${DEMO_LOCATION_ID}/accounts`,
    "POST /social-media-posting/statistics",
  ]);
  const stats = requests()[1];
  assert.deepEqual(stats.query, { locationId: DEMO_LOCATION_ID });
  const accounts = emu.state.locations[DEMO_LOCATION_ID].accounts;
  const expected = accounts
    .filter(
      (a) =>
        (a.platform === "linkedin" && a.type === "page") ||
        (a.platform === "tiktok" && a.type === "business"),
    )
    .map((a) => a.profileId);
  assert.deepEqual(stats.body.profileIds, expected);
  const res = r.outcome.result;
  assert.match(res.markdown, /Weekly social report/);
  assert.ok(res.csv.split("\n").length > 2);
  assert.ok(Array.isArray(res.slack.blocks));
  assert.ok(res.series.points.some((p) => p.source === "wishpond"));
  emu.log.length = 0;
  await flows.run({ type: "statistics.requested", id: "s2", payload: { trigger: "schedule" } });
  assert.deepEqual(lines(), ["POST /social-media-posting/statistics"]);
});

test("flow 6: tag validation -> list when stale -> report", async () => {
  const { flows } = setup();
  const ev = fixture("flows/tags-validation-requested.json");
  ev.payload.references.push({
    value: socialTags().find((t) => t.deleted).tag,
    source: "rule:old",
  });
  const r = await flows.run(ev);
  assert.deepEqual(lines(), [`GET /social-media-posting/${DEMO_LOCATION_ID}/tags`]);
  const kinds = r.outcome.result.report.findings.map((f) => f.kind);
  assert.ok(kinds.includes("unknownReference"), kinds.join());
  assert.match(r.outcome.result.markdown, /no-such-tag-id-000/);
  emu.log.length = 0;
  await flows.run({ ...ev, id: "again" });
  assert.equal(emu.log.length, 0);
});

test("dry run: the plan and its requests, nothing sent", async () => {
  const { flows } = setup({ config: { allowCreateLocationTags: true } });
  const dry = await flows.run(lead(), { dryRun: true });
  assert.equal(emu.log.length, 0);
  assert.equal(dry.dryRun, true);
  assert.deepEqual(
    dry.requests.map((s) => [s.step, s.method]),
    [
      ["upsert", "POST"],
      ["add-tags", "POST"],
      ["remove-tags", "DELETE"],
    ],
  );
  assert.match(dry.requests[1].url, /\/contacts\/\{upsert\.contact\.id\}\/tags$/);
  assert.deepEqual(dry.requests[1].dependsOn, ["upsert"]);
  assert.equal(dry.requests[1].placeholders, true);
  assert.equal(dry.requests[0].placeholders, false);
  assert.equal(dry.requests[0].body.email, "jane.doe@example.com");
  // The real run afterwards sends what the dry run showed.
  const r = await flows.run(lead());
  assert.deepEqual(requests()[0].body, dry.requests[0].body);
  assert.equal(r.failed, undefined);
});

test("a failure half-way is reported with done and not-run steps, not thrown", async () => {
  let sent = 0;
  const wrap = (client) => ({
    ...client,
    async send(op, params) {
      const res = await client.send(op, params);
      // After the upsert succeeds, the emulator answers the next request with a 429.
      if (++sent === 1) emu.configure({ burst429: 1 });
      return res;
    },
  });
  const { flows } = setup({ config: { allowCreateLocationTags: true }, wrap });
  const ev = lead();
  ev.payload.lead.opted_in = true;
  const r = await flows.run(ev);
  assert.deepEqual(r.done, ["upsert"]);
  assert.equal(r.failed.step, "add-tags");
  assert.ok(r.failed.error instanceof g.GhlBridgeError);
  assert.equal(r.failed.error.details.status, 429);
  assert.deepEqual(r.notRun, ["remove-tags"]);
  assert.equal(r.outcome, null);
  assert.deepEqual(
    emu.log.map((e) => [e.path.replace(/\/contacts\/[^/]+\/tags/, "/contacts/:id/tags"), e.status]),
    [
      ["/contacts/upsert", 200],
      ["/contacts/:id/tags", 429],
    ],
  );
});

test("a failed catalog page ends the load; the next event loads again", async () => {
  const { flows } = setup();
  emu.configure({ burst429: 1 });
  const ev = { type: "tags.validation.requested", id: "v1", payload: {} };
  const r = await flows.run(ev);
  assert.equal(r.failed.step, "tags-page-1");
  assert.deepEqual(r.done, []);
  const ok = await flows.run({ ...ev, id: "v2" });
  assert.equal(ok.failed, undefined);
  assert.equal(emu.log.length, 2);
});

test("concurrent events share one catalog load (single flight)", async () => {
  const { flows } = setup();
  const ev = (id) => ({ type: "tags.validation.requested", id, payload: {} });
  const runs = await Promise.all([flows.run(ev("c1")), flows.run(ev("c2")), flows.run(ev("c3"))]);
  assert.ok(runs.every((r) => r.outcome?.result.kind === "tagReport"));
  assert.deepEqual(lines(), [`GET /social-media-posting/${DEMO_LOCATION_ID}/tags`]);
});

test("unknown and malformed events throw typed errors naming the event", () => {
  const { flows } = setup();
  assert.throws(
    () => flows.plan({ type: "wishpond.lead.exploded", id: "x1", payload: {} }),
    (e) =>
      e instanceof g.GhlBridgeError &&
      e.code === "FLOW_UNKNOWN_EVENT" &&
      e.details.eventId === "x1",
  );
  assert.throws(
    () => flows.plan({ type: "qwilr.tag.details.updated", id: "x2", payload: { tagIds: [] } }),
    (e) => e.code === "FLOW_MALFORMED_EVENT" && /x2/.test(e.message),
  );
  assert.throws(
    () =>
      flows.plan({
        type: "wishpond.lead.created",
        id: "x3",
        payload: { lead: { id: "9", dynamic_attributes: { first_name: "Anon" } }, arrived: "api" },
      }),
    (e) => e.code === "FLOW_MAPPING_FAILED" && e.details.cause === "NO_MATCH_KEY",
  );
  assert.throws(
    () => flows.plan({ type: "wishpond.lead.created", id: "x4" }),
    (e) => e.code === "FLOW_MALFORMED_EVENT",
  );
  assert.throws(
    () =>
      g.createFlows({
        client: setup().client,
        locationId: DEMO_LOCATION_ID,
        scopes: [],
        rules: { wishpond: { version: 99 } },
      }),
    (e) => e.code === "RULES_INVALID",
  );
});
