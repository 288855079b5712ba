// A dry run of a flow in stages (issue 12, Go live staging): the later stages' requests
// are shown too, planned by the core before the answers they need, with those answers as
// named placeholders ({upsert.contact.id}); nothing reaches the emulator. The real run
// afterwards sends those requests with the placeholders filled from GHL's answers.
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

const json = (p) => JSON.parse(readFileSync(new URL(`../../${p}`, import.meta.url), "utf8"));
// The preset as it is: its score accumulates (read from the contact, then written).
const rules = { wishpond: json("src/rules/presets/wishpond-lead.json") };
const lead = () => ({
  type: "wishpond.lead.created",
  id: "evt_dry_stages",
  payload: json("tests/fixtures/wishpond/lead-created.json"),
});

let emu;
before(async () => {
  emu = await startEmulator({ seed: 3 });
});
after(() => emu.stop());
beforeEach(() => emu.reset());

async function setup(config) {
  const client = g.createClient({
    token: DEMO_TOKEN,
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    baseUrl: emu.url,
  });
  const { customFields } = await client.customFields();
  const flows = g.createFlows({
    client,
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    rules,
    config,
    compile: { customFields },
  });
  emu.log.length = 0;
  return { client, flows, customFields };
}

test("a dry run shows stage 2's requests with placeholders; the run sends them filled", async () => {
  const { flows, customFields } = await setup({ allowCreateLocationTags: true });
  const dry = await flows.run(lead(), { dryRun: true });
  assert.deepEqual(emu.log, [], "nothing sent");
  assert.deepEqual(
    dry.requests.map((r) => `${r.method} ${r.step}`),
    ["POST upsert"],
  );
  assert.equal(dry.later.length, 1);
  const [stage2] = dry.later;
  assert.equal(stage2.stage, 2);
  assert.equal(stage2.flowPlan.plan.id, `${dry.eventId}#2`);
  assert.deepEqual(
    stage2.requests.map((r) => [r.step, r.method]),
    [
      ["add-tags", "POST"],
      ["remove-tags", "DELETE"],
      ["score", "POST"],
    ],
  );
  const [add, , score] = stage2.requests;
  assert.match(add.url, /\/contacts\/\{upsert\.contact\.id\}\/tags$/);
  assert.deepEqual(add.dependsOn, ["upsert"]);
  assert.equal(add.placeholders, true);
  assert.equal(add.error, undefined);
  const scoreId = customFields.find((f) => f.fieldKey === "contact.lead_score").id;
  const ledgerId = customFields.find((f) => f.fieldKey === "contact.score_ledger").id;
  const field = (body, id) => body.customFields.find((f) => f.id === id)?.field_value;
  assert.match(
    field(score.body, scoreId),
    /^\{upsert\.contact\.score\} \+ (\d+), kept between 0 and 200$/,
  );
  assert.match(field(score.body, ledgerId), /^\{upsert\.contact\.scoreLedger\} [0-9a-f]{16}$/);
  assert.ok(
    stage2.flowPlan.warnings.some((w) => w.includes("no tags and no score yet")),
    "the stage says what it assumed",
  );

  // The run: stage 2 is what the dry run showed, its placeholders filled from the answer.
  const r = await flows.run(lead());
  assert.equal(r.failed, undefined);
  const contactId = r.outcome.result.contactId;
  const sent = emu.log.slice(1).map((e) => ({ line: `${e.method} ${e.path}`, body: e.body }));
  assert.deepEqual(
    sent.map((s) => s.line),
    [`POST /contacts/${contactId}/tags`, "POST /contacts/upsert"],
    "a new contact has nothing to remove (that step is skipped)",
  );
  assert.deepEqual(sent[0].body, add.body, "a new contact lacks every tag the dry run listed");
  const points = Number(/\+ (\d+),/.exec(field(score.body, scoreId))[1]);
  assert.equal(field(sent[1].body, scoreId), 0 + points);
  assert.equal(
    field(sent[1].body, ledgerId),
    field(score.body, ledgerId).replace("{upsert.contact.scoreLedger} ", ""),
  );
  assert.equal(sent[1].body.email, score.body.email);
});

test("without tag creation the dry run says it assumed the location's tags", async () => {
  const { flows } = await setup({});
  const dry = await flows.run(lead(), { dryRun: true });
  assert.deepEqual(emu.log, []);
  // The headers the run sends (the builder's), without the token's: a read has no body,
  // so no Content-Type.
  const [upsert, tagsRead] = dry.requests;
  assert.deepEqual(upsert.headers, {
    Accept: "application/json",
    "Content-Type": "application/json",
    Version: "2021-07-28",
  });
  assert.deepEqual(tagsRead.headers, { Accept: "application/json", Version: "2021-07-28" });
  assert.deepEqual(
    dry.requests.map((r) => r.step),
    ["upsert", "location-tags"],
  );
  assert.deepEqual(
    dry.later[0].requests.map((r) => r.step),
    ["add-tags", "remove-tags", "score"],
  );
  const warned = (text) => dry.later[0].flowPlan.warnings.some((w) => w.includes(text));
  assert.ok(warned("no tags and no score yet"));
  assert.ok(warned("as if the location had every tag the rules add"));
});

test("a one-stage flow has no later stage", async () => {
  const client = g.createClient({
    token: DEMO_TOKEN,
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    baseUrl: emu.url,
  });
  const flows = g.createFlows({
    client,
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    rules,
    config: { allowCreateLocationTags: true },
  });
  // Compiled without the location's custom fields, the score does not accumulate.
  const dry = await flows.run(lead(), { dryRun: true });
  assert.deepEqual(dry.later, []);
  assert.deepEqual(emu.log, []);
});

// Flows 5 and 3: the statistics after the accounts read, and a catalog's next tag-list
// page and details reads, are shown too (the core plans them as the run does).
test("a statistics dry run shows the statistics request with the accounts' profile ids as a placeholder", async () => {
  const { flows } = await setup({});
  const ev = { type: "statistics.requested", id: "evt_dry_stats", payload: {} };
  const dry = await flows.run(ev, { dryRun: true });
  assert.deepEqual(emu.log, [], "nothing sent");
  assert.deepEqual(
    dry.requests.map((r) => `${r.method} ${r.step}`),
    ["GET accounts"],
  );
  assert.equal(dry.later.length, 1);
  const [stage2] = dry.later;
  assert.equal(stage2.stage, 2);
  assert.equal(stage2.flowPlan.plan.id, "evt_dry_stats#2");
  const [stats] = stage2.requests;
  assert.equal(stats.method, "POST");
  assert.match(stats.url, /\/social-media-posting\/statistics\?locationId=/);
  assert.deepEqual(stats.body.profileIds, ["{accounts.results.accounts.profileId}"]);
  assert.deepEqual(stats.dependsOn, ["accounts"]);
  assert.equal(stats.placeholders, true);
  assert.equal(stats.error, undefined);
  assert.ok(
    stage2.flowPlan.warnings.some((w) => w.includes("the accounts HighLevel answers decide")),
  );

  // The run sends that request with the ids the accounts answer selected.
  const r = await flows.run(ev);
  assert.equal(r.failed, undefined);
  assert.deepEqual(
    emu.log.map((e) => `${e.method} ${e.path}`),
    [
      `GET /social-media-posting/${DEMO_LOCATION_ID}/accounts`,
      "POST /social-media-posting/statistics",
    ],
  );
  const sent = emu.log[1].body;
  assert.ok(sent.profileIds.length > 0);
  assert.deepEqual(sent, { ...stats.body, profileIds: sent.profileIds });
});

test("a catalog dry run shows the next tag-list page and the details reads it assumes", async () => {
  const { flows } = await setup({ catalog: { pageSize: 10 } });
  const ev = {
    type: "qwilr.social-post.location.updated",
    id: "evt_dry_post",
    payload: { post: { id: "post_dry", tags: ["unknownTagId00000001"] } },
  };
  const dry = await flows.run(ev, { dryRun: true });
  assert.deepEqual(emu.log, [], "nothing sent");
  assert.deepEqual(
    dry.requests.map((r) => `${r.method} ${r.step}`),
    ["GET tags-page-1"],
  );
  assert.deepEqual(
    dry.later.map((s) => [s.stage, s.requests.map((r) => `${r.method} ${r.step}`)]),
    [
      [2, ["GET tags-page-2"]],
      [3, ["POST tag-details-1"]],
    ],
  );
  const [page2, details] = dry.later.map((s) => s.requests[0]);
  assert.match(page2.url, /[?&]skip=10(&|$)/);
  assert.deepEqual(details.body, { tagIds: ["unknownTagId00000001"] });
  const warned = (i, text) => dry.later[i].flowPlan.warnings.some((w) => w.includes(text));
  assert.ok(warned(0, "a first page that is full"));
  assert.ok(warned(1, "none of the tag ids this event references"));

  // The run (25 tags: three pages) sends page 2 and the details read as shown.
  const r = await flows.run(ev);
  assert.equal(r.failed, undefined);
  const sent = emu.log.map((e) => ({
    line: `${e.method} ${e.path}`,
    query: e.query,
    body: e.body,
  }));
  assert.equal(sent.length, 4, JSON.stringify(sent.map((s) => s.line)));
  assert.equal(new URL(page2.url).search, `?${new URLSearchParams(sent[1].query)}`);
  assert.match(details.url, new RegExp(`${sent[3].line.split(" ")[1]}$`));
  assert.deepEqual(sent[3].body, details.body);
});
