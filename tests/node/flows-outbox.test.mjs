// Flows and the outbox together, as a widget runs them: each Wishpond or Qwilr contact
// event is planned by the flows (rules -> upsert -> tag diff), the plan is accepted
// into a durable outbox, and the outbox delivers it through faults. The emulator's
// contacts must end up as the rules say.
import { test } from "node:test";
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
// One stage per event (the outbox delivers one plan): the presets with a score that
// does not accumulate (an accumulating score reads the contact first, in a stage of
// its own; see flows_sources.rs and the demo).
const fixedScore = (doc) => {
  delete doc.scoring.base;
  return doc;
};
const rules = {
  wishpond: fixedScore(json("src/rules/presets/wishpond-lead.json")),
  qwilr: fixedScore(json("src/rules/presets/qwilr-events.json")),
};

test("flow plans go through the outbox: delivered once each through 5xx and drops", async () => {
  const emu = await startEmulator({ seed: 11, rateLimit: { max: 200, intervalMs: 1000 } });
  try {
    const client = g.createClient({
      token: DEMO_TOKEN,
      locationId: DEMO_LOCATION_ID,
      scopes: [...ALL_SCOPES],
      baseUrl: emu.url,
    });
    // Custom fields by id, as GHL takes them: the rules' keys compile to the location's ids.
    const { customFields } = await client.customFields();
    const flows = g.createFlows({
      client,
      locationId: DEMO_LOCATION_ID,
      scopes: [...ALL_SCOPES],
      rules,
      config: { allowCreateLocationTags: true },
      compile: { customFields },
    });
    const lead = json("tests/fixtures/wishpond/lead-created.json");
    const events = [];
    for (let i = 0; i < 40; i++) {
      const payload = structuredClone(lead);
      payload.lead.email = `lead${i}@example.com`;
      payload.lead.dynamic_attributes.phone_number = `+1415555${String(1000 + i)}`;
      payload.lead.dynamic_attributes.first_name = `lead${i}`;
      events.push({ type: "wishpond.lead.created", id: `evt_${i}`, payload });
    }
    // A Qwilr proposal view goes the same way (its own rules preset).
    events.push({
      type: "qwilr.pageViewed",
      id: "evt_qwilr",
      payload: json("tests/fixtures/qwilr/page-viewed.json"),
    });

    const storage = g.memoryStorage();
    const outbox = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: DEMO_LOCATION_ID,
      scopes: [...ALL_SCOPES],
      baseUrl: emu.url,
      storage,
      config: {
        backoffBaseMs: 5,
        backoffCapMs: 50,
        burstMax: 200,
        burstIntervalMs: 1000,
        windowMarginMs: 20,
      },
    });
    emu.configure({ errorRate: 0.2, dropRate: 0.05 });
    for (const event of events) {
      const { plan } = flows.plan(event);
      const accepted = await outbox.accept(plan);
      assert.equal(accepted.disposition.kind, "queued", event.id);
    }
    await outbox.idle();
    assert.deepEqual(outbox.counts(), {
      accepted: events.length,
      pending: 0,
      inFlight: 0,
      done: events.length,
      dead: 0,
    });

    const contacts = Object.values(emu.state.locations[DEMO_LOCATION_ID].contacts);
    for (let i = 0; i < 40; i++) {
      const found = contacts.filter((c) => c.email === `lead${i}@example.com`);
      assert.equal(found.length, 1, `lead${i} exists exactly once`);
      assert.equal(found[0].firstName, `Lead${i}`, "title-cased by the rules");
      assert.ok(
        found[0].tags.includes("wishpond") && found[0].tags.includes("wishpond-api"),
        found[0].tags.join(),
      );
    }
    const upserts = emu.log.filter(
      (e) => e.operation === "contacts.upsert-contact" && e.status === 200,
    );
    assert.ok(upserts.length >= events.length, "every event's upsert landed");
    const ids = new Set(customFields.map((f) => f.id));
    for (const u of upserts) {
      assert.ok(
        u.body.customFields.length > 0 && u.body.customFields.every((f) => ids.has(f.id)),
        "custom fields are sent by id",
      );
    }
    await outbox.close();
  } finally {
    await emu.stop();
  }
});
