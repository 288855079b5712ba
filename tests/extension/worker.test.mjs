// The service worker's engine in Node (no browser): the Wishpond emulator's leads in
// their real shape are polled, converted by the core (`toFlowEvent`), planned by the
// presets' flows in stages (the accumulating score reads the contact first) and
// delivered by the outbox on IndexedDB (fake-indexeddb) to the GHL emulator. The
// cheapest level that shows a lead reaching GHL whole: contact, tags, score.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { DEMO_LOCATION_ID, startEmulator } from "../../js/emulator/index.mjs";
import { startWishpondEmulator } from "../../js/emulator/wishpond/index.mjs";
import { until, workerInNode } from "./harness.mjs";

const TOKEN = "pit-worker-node-0001";
let ghl;
let wishpond;
let node;
let w;

before(async () => {
  node = await workerInNode();
  w = node.worker;
  ghl = await startEmulator({ seed: 13 });
  wishpond = await startWishpondEmulator();
  ghl.addToken(TOKEN, { locationId: DEMO_LOCATION_ID });
  await w.saveSettings({
    locationId: DEMO_LOCATION_ID,
    ghlBaseUrl: ghl.url,
    wishpond: { enabled: true, intervalMinutes: 5, baseUrl: wishpond.url },
  });
  await w.saveSecrets({ ghlToken: TOKEN, wishpondApiKey: wishpond.apiKey });
});
after(async () => {
  await w?.restartEngine();
  await Promise.all([ghl?.stop(), wishpond?.stop()]);
  await node?.cleanup();
});

const contact = (email) =>
  Object.values(ghl.state.locations[DEMO_LOCATION_ID].contacts).filter((c) => c.email === email);
const delivered = async () =>
  (await w.loadActivity()).filter((a) => a.kind === "delivered").map((a) => a.text);
const ok = (e) => e.status >= 200 && e.status < 300;
const score = (c) => {
  const field = ghl.state.locations[DEMO_LOCATION_ID].customFields.find(
    (f) => f.fieldKey === "contact.lead_score",
  );
  return Number(c.customFields.find((f) => f.id === field.id)?.value ?? Number.NaN);
};
const upserts = (email, log = ghl.log) =>
  log.filter((l) => l.path === "/contacts/upsert" && ok(l) && l.body?.email === email).length;

test("polled leads reach GHL whole through every stage: the contact, its tags, its score", async () => {
  const e = await w.engine();
  assert.ok(e, `the engine started (${w.engineError()})`);
  // Tags the location lacks (a fresh location has no "wishpond" tag).
  const loc = ghl.state.locations[DEMO_LOCATION_ID];
  assert.ok(!loc.locationTags.some((t) => t.name === "wishpond"));
  await w.pollWishpond(e);
  await e.outbox.idle();
  const leads = wishpond.leads.map((l) => l.email);
  assert.equal(leads.length, 3);
  for (const email of leads) {
    const found = contact(email);
    assert.equal(found.length, 1, `one contact for ${email}`);
    assert.ok(found[0].tags.includes("wishpond"), `${email} tags: ${found[0].tags}`);
    assert.ok(score(found[0]) > 0, `${email} scored (the second stage)`);
    assert.equal(upserts(email), 2, `${email}: one upsert per stage`);
  }
  // Two stages per lead (the first reads the contact for the score), both delivered.
  assert.equal(e.outbox.counts().pending, 0);
  assert.equal(e.outbox.deadLetters().length, 0);
  const tagged = ghl.log.filter((l) => ok(l) && /^\/contacts\/[^/]+\/tags$/.test(l.path));
  assert.equal(tagged.length, 3, "one tag write per lead");
  // People are told once per lead, by its email, when all of it is in GHL.
  assert.deepEqual(
    (await delivered()).sort(),
    leads.map((m) => `Wishpond lead ${m} delivered to GHL`).sort(),
  );
  // Counted as events (3), not as the outbox's stages (6).
  assert.equal(await w.loadDelivered(), 3);
  assert.equal(e.outbox.counts().done, 6);
  // The badge: nothing pending, nothing failed.
  assert.deepEqual(node.badge, { text: "", title: "ghl-bridge: 0 pending, 0 failed" });
  // Polled again: nothing new, nothing sent.
  const sent = ghl.log.length;
  await w.pollWishpond(e);
  await e.outbox.idle();
  assert.equal(ghl.log.length, sent);
});

test("the worker stopped between a lead's stages resumes from IndexedDB: nothing lost, nothing sent twice", async () => {
  const e = await w.engine();
  ghl.configure({ latencyMs: 300 });
  const lead = wishpond.addLead({
    email: "between.stages@example.com",
    dynamic_attributes: { first_name: "between", last_name: "stages" },
  });
  await w.pollWishpond(e);
  const from = ghl.log.length;
  // Stopped (a settings change restarts the engine) while the first stage's upsert is
  // on the wire: the stop waits for its answer and records it; the second stage is to come.
  await until(() => e.outbox.counts().inFlight === 1, "the first stage's upsert on the wire");
  assert.equal(ghl.log.length, from, "not answered yet");
  await w.restartEngine();
  const atStop = ghl.log.length;
  assert.equal(upserts(lead.email), 1, "stopped before the second stage");
  ghl.configure({ latencyMs: 0 });
  const again = await w.engine();
  assert.notEqual(again, e, "a new engine, restored from IndexedDB");
  await again.outbox.idle();
  const [c] = contact(lead.email);
  assert.ok(c?.tags.includes("wishpond"), `tags: ${c?.tags}`);
  assert.ok(score(c) > 0, "the second stage ran after the restart");
  assert.equal(upserts(lead.email), 2);
  assert.equal(contact(lead.email).length, 1);
  const key = (l) => `${l.method} ${l.path} ${JSON.stringify(l.body)}`;
  const before = new Set(ghl.log.slice(from, atStop).map(key));
  const repeated = ghl.log.slice(atStop).filter((l) => before.has(key(l)));
  assert.deepEqual(repeated, [], "nothing sent before the stop is sent again");
  assert.equal(
    (await delivered()).filter((t) => t.includes(lead.email)).length,
    1,
    "delivered once, when all of it is in GHL",
  );
  assert.equal(again.outbox.counts().pending, 0);
  assert.equal(await w.loadDelivered(), 4);
});

test("the weekly report posts to hooks.slack.com only once its optional permission is granted", async () => {
  const e = await w.engine();
  const webhook = "https://hooks.slack.com/services/T000/B000/secretpart";
  await w.saveSecrets({ slackWebhookUrl: webhook });
  const posted = [];
  const real = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    if (String(url).startsWith("https://hooks.slack.com/")) {
      posted.push(JSON.parse(init.body));
      return new Response("ok", { status: 200 });
    }
    return real(url, init);
  };
  try {
    await w.sendReport(e, "dashboard");
    const refused = await w.loadReportState();
    assert.match(refused.lastError, /posting to hooks\.slack\.com was not allowed/);
    assert.doesNotMatch(refused.lastError, /secretpart/, "the URL is not in the message");
    assert.equal(posted.length, 0);
    node.granted.add("https://hooks.slack.com/*");
    await w.sendReport(e, "dashboard");
    const sent = await w.loadReportState();
    assert.equal(sent.lastError, null);
    assert.equal(posted.length, 1);
    assert.match(JSON.stringify(posted[0].blocks), /Weekly social report/);
  } finally {
    globalThis.fetch = real;
  }
});
