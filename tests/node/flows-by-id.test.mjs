// A Qwilr page correlated by a GHL contact id (its metadata) is written by that id
// against the emulator: PUT /contacts/{id} and the tag routes by id, never an upsert;
// a wrong id is the typed FLOW_CONTACT_NOT_FOUND naming it, and nothing is created.
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
const fixture = (p) => json(`tests/fixtures/${p}`);

let emu;
before(async () => {
  emu = await startEmulator({ seed: 1 });
});
after(() => emu.stop());
beforeEach(() => emu.reset());

function flows() {
  const client = g.createClient({
    token: DEMO_TOKEN,
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    baseUrl: emu.url,
  });
  return g.createFlows({
    client,
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    rules: {
      wishpond: json("src/rules/presets/wishpond-lead.json"),
      qwilr: json("src/rules/presets/qwilr-events.json"),
    },
    config: { allowCreateLocationTags: true },
  });
}

/** The accepted page naming only a GHL contact id: no email in metadata or acceptance. */
function acceptedById(contactId, id) {
  const payload = fixture("qwilr/page-accepted.json");
  payload.id = id;
  payload.page.metadata = { ghlContactId: contactId };
  delete payload.acceptance.email;
  delete payload.acceptance.raw.acceptedBy.email;
  payload.contact = { by: "contactId", contactId, key: "ghlContactId" };
  return { type: payload.type, id, payload };
}

const lines = () => emu.log.map((e) => `${e.method} ${e.path}`);
const contacts = () => emu.state.locations[DEMO_LOCATION_ID].contacts;

test("a page naming only a GHL contact id updates that contact by id", async () => {
  const f = flows();
  const lead = await f.run({
    type: "wishpond.lead.created",
    id: "evt_lead",
    payload: fixture("wishpond/lead-created.json"),
  });
  const id = lead.outcome.result.contactId;
  const count = contacts().length;
  emu.log.length = 0;
  const r = await f.run(acceptedById(id, "q-by-id"));
  assert.equal(r.failed, undefined, r.failed?.error?.message);
  assert.deepEqual(lines().slice(0, 2), [`PUT /contacts/${id}`, `POST /contacts/${id}/tags`]);
  assert.ok(!lines().includes("POST /contacts/upsert"), "never an upsert");
  const put = emu.log[0].body;
  assert.equal(put.locationId, undefined, "an update takes no locationId");
  assert.equal(put.source, "Qwilr: Website redesign proposal");
  assert.equal(r.outcome.result.contactId, id);
  assert.equal(r.outcome.result.created, false);
  assert.ok(r.outcome.result.tags.includes("proposal-accepted"));
  assert.equal(contacts().length, count, "nothing created");
  const c = contacts().find((x) => x.id === id);
  assert.equal(c.source, "Qwilr: Website redesign proposal");
  assert.ok(c.tags.includes("proposal-accepted"));
});

test("a wrong contact id is FLOW_CONTACT_NOT_FOUND naming it, never a create", async () => {
  const count = contacts().length;
  const r = await flows().run(acceptedById("noSuchContact0000001", "q-wrong"));
  assert.equal(r.outcome, null);
  assert.equal(r.failed.step, "update");
  assert.equal(r.failed.error.code, "FLOW_CONTACT_NOT_FOUND");
  assert.equal(r.failed.error.details.contactId, "noSuchContact0000001");
  assert.match(r.failed.error.message, /noSuchContact0000001/);
  assert.deepEqual(lines(), ["PUT /contacts/noSuchContact0000001"]);
  assert.equal(contacts().length, count, "nothing created");
});
