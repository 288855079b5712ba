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

// ---- flows in stages, delivered durably (every stage through the outbox) ----

const presets = {
  wishpond: json("src/rules/presets/wishpond-lead.json"),
  qwilr: json("src/rules/presets/qwilr-events.json"),
};

/** An emulator, a client, flows with the DEFAULT config (no tag creation). */
async function staged(rulesDocs) {
  const emu = await startEmulator({ seed: 12, rateLimit: { max: 200, intervalMs: 1000 } });
  const loc = emu.state.locations[DEMO_LOCATION_ID];
  // The location has the preset's tags, so the default config adds them (it drops tags a
  // location lacks).
  for (const name of ["wishpond", "wishpond-api"])
    if (!loc.locationTags.some((t) => t.name === name))
      loc.locationTags.push({ id: `tag_${name}`, name, locationId: DEMO_LOCATION_ID });
  const conn = {
    token: DEMO_TOKEN,
    locationId: DEMO_LOCATION_ID,
    scopes: [...ALL_SCOPES],
    baseUrl: emu.url,
  };
  const client = g.createClient(conn);
  const { customFields } = await client.customFields();
  const makeFlows = () =>
    g.createFlows({
      client,
      locationId: DEMO_LOCATION_ID,
      scopes: [...ALL_SCOPES],
      rules: rulesDocs,
      compile: { customFields },
    });
  const scoreField = customFields.find((f) => f.fieldKey === "contact.lead_score")?.id;
  emu.log.length = 0;
  return { emu, conn, makeFlows, scoreField, loc };
}

let phones = 0;
const leadEvent = (id, email) => {
  const payload = json("tests/fixtures/wishpond/lead-created.json");
  payload.lead.email = email;
  // GHL matches by email or phone: each contact its own phone.
  payload.lead.dynamic_attributes.phone_number = `+1415556${String(1000 + (phones++ % 9000))}`;
  return { type: "wishpond.lead.created", id, payload };
};

/** The emulator's requests, as `METHOD path` lines, with the contact id replaced. */
const requestLines = (emu) =>
  emu.log
    .filter((e) => e.status >= 200 && e.status < 300)
    .map((e) => `${e.method} ${e.path.replace(/\/contacts\/(?!upsert)[^/]+/, "/contacts/:id")}`);

test("a contact event with the default config (tags read first) reaches GHL whole through the outbox", async () => {
  const { emu, conn, makeFlows, loc } = await staged({
    wishpond: fixedScore(structuredClone(presets.wishpond)),
  });
  try {
    const flows = makeFlows();
    const fp = flows.plan(leadEvent("evt_tags", "tags@example.com"));
    assert.deepEqual(
      fp.plan.steps.map((s) => s.id),
      ["location-tags"],
      "stage 1 only reads the location's tags",
    );
    const outbox = await g.createOutbox({ ...conn, storage: g.memoryStorage(), flows });
    assert.equal((await outbox.acceptFlow(fp)).disposition.kind, "queued");
    await outbox.idle();
    const contact = Object.values(loc.contacts).find((c) => c.email === "tags@example.com");
    assert.ok(contact, "the contact exists: stage 2 ran");
    assert.ok(
      contact.tags.includes("wishpond") && contact.tags.includes("wishpond-api"),
      contact.tags.join(),
    );
    assert.deepEqual(requestLines(emu), [
      `GET /locations/${DEMO_LOCATION_ID}/tags`,
      "POST /contacts/upsert",
      "POST /contacts/:id/tags",
    ]);
    assert.equal(outbox.counts().pending, 0);
    assert.equal(outbox.deadLetters().length, 0);
    await outbox.close();
  } finally {
    await emu.stop();
  }
});

test("an accumulating score across two events through the outbox adds up (the second waits for the first's stages)", async () => {
  const { emu, conn, makeFlows, loc, scoreField } = await staged({ wishpond: presets.wishpond });
  try {
    assert.ok(scoreField, "the emulator has the score field");
    const flows = makeFlows();
    const outbox = await g.createOutbox({ ...conn, storage: g.memoryStorage(), flows });
    const score = (email) => {
      const c = Object.values(loc.contacts).find((x) => x.email === email);
      return Number(c?.customFields.find((f) => f.id === scoreField)?.value ?? Number.NaN);
    };
    // One event alone: its points.
    await outbox.acceptFlow(flows.plan(leadEvent("evt_one", "one@example.com")));
    await outbox.idle();
    const points = score("one@example.com");
    assert.ok(points > 0, `one event scores (${points})`);
    // Two events of one contact, accepted back to back: both stages of the first
    // before the second reads the contact.
    await outbox.acceptFlow(flows.plan(leadEvent("evt_a", "acc@example.com")));
    await outbox.acceptFlow(flows.plan(leadEvent("evt_b", "acc@example.com")));
    await outbox.idle();
    assert.equal(score("acc@example.com"), 2 * points, "the scores add up");
    assert.equal(outbox.deadLetters().length, 0);
    await outbox.close();
  } finally {
    await emu.stop();
  }
});

/**
 * Memory storage that "crashes" (stops writing, forever) after it applied the batch
 * `crashAfter` picks: what it holds then is what a restarted process finds.
 */
function crashingStorage(inner, crashAfter) {
  let crashed = false;
  return {
    crashed: () => crashed,
    load: () => inner.load(),
    async apply(ops) {
      if (crashed) return new Promise(() => {});
      await inner.apply(ops);
      if (crashAfter(ops)) crashed = true;
    },
    async close() {},
  };
}

for (const [when, crashAfter] of [
  [
    "stage 1 stored as done, stage 2 not yet accepted",
    (ops) => ops.some((o) => o.op === "put" && o.record.state?.kind === "awaiting"),
  ],
  [
    "stage 2 accepted, stage 1 not yet released",
    (ops) => ops.some((o) => o.op === "put" && o.key.endsWith("#2")),
  ],
]) {
  test(`a restart between a flow's stages (${when}) finishes it: nothing lost, nothing sent twice`, async () => {
    const { emu, conn, makeFlows, loc, scoreField } = await staged({ wishpond: presets.wishpond });
    try {
      const inner = g.memoryStorage();
      const storage = crashingStorage(inner, crashAfter);
      let first;
      first = await g.createOutbox({
        ...conn,
        storage,
        flows: makeFlows(),
        // The process dies here: nothing more leaves it.
        onEvent: (e) => {
          if (e.type === "continue") first.stop();
        },
      });
      await first.acceptFlow(makeFlows().plan(leadEvent("evt_r", "restart@example.com")));
      for (let i = 0; i < 500 && !storage.crashed(); i++)
        await new Promise((r) => setTimeout(r, 5));
      assert.ok(storage.crashed(), "the crash point was reached");
      await new Promise((r) => setTimeout(r, 20));
      const before = requestLines(emu);
      assert.deepEqual(
        before.filter((l) => l !== `GET /locations/${DEMO_LOCATION_ID}/tags`),
        ["POST /contacts/upsert"],
        "only stage 1 was sent before the crash",
      );
      // The restarted process: same storage, fresh flows (nothing cached).
      const second = await g.createOutbox({ ...conn, storage: inner, flows: makeFlows() });
      await second.idle();
      const lines = requestLines(emu);
      const upserts = lines.filter((l) => l === "POST /contacts/upsert");
      assert.equal(upserts.length, 2, `stage 1's upsert and stage 2's, once each: ${lines}`);
      assert.equal(lines.filter((l) => l.endsWith("/tags") && l.startsWith("GET")).length, 1);
      assert.ok(lines.includes("POST /contacts/:id/tags"), "stage 2's tags were added");
      const c = Object.values(loc.contacts).find((x) => x.email === "restart@example.com");
      assert.ok(c.tags.includes("wishpond"), c.tags.join());
      assert.ok(Number(c.customFields.find((f) => f.id === scoreField)?.value) > 0, "scored");
      assert.deepEqual(
        { pending: second.counts().pending, dead: second.counts().dead },
        { pending: 0, dead: 0 },
      );
      await second.close();
    } finally {
      await emu.stop();
    }
  });
}
