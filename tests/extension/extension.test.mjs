// The browser extension in real headless Chromium (unpacked, development build),
// configured against the emulators as a person would: the options page saves the
// token, the side panel polls Wishpond, shows failures with Retry, a revoked token as
// a clear message; the GHL emulator's request log is the referee. Tests run in order
// on one browser profile (the state carries over, as it does for a person).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEMO_LOCATION_ID } from "../../js/emulator/index.mjs";
import {
  connectConsole,
  emulatorUrls,
  fillOptions,
  SCREENSHOTS,
  saveSourceKey,
  start,
  until,
  workerStatus,
} from "./harness.mjs";

const TOKEN = "pit-extension-test-0001";
const NEW_TOKEN = "pit-extension-test-0002";
let h;
let panel;

before(async () => {
  h = await start({ token: TOKEN });
});
after(async () => {
  await h?.stop();
});

const contactBy = (email) => h.contactBy(email);
const upserts = (email) =>
  h.ghl.log.filter((e) => e.path === "/contacts/upsert" && e.body?.email === email);
const badge = (page) =>
  page.evaluate(async () => ({
    text: await chrome.action.getBadgeText({}),
    title: await chrome.action.getTitle({}),
  }));
/** Waits for the badge to read `expected` (it is set right after the counts change). */
const badgeIs = (page, expected) =>
  until(
    async () => {
      const b = await badge(page);
      return b.text === expected.text && b.title === expected.title;
    },
    `the badge ${JSON.stringify(expected)}`,
  ).then(() => badge(page));
const count = async (page, name) => Number(await page.locator(`#${name}`).textContent());

/** Clicks "Poll Wishpond now" and waits until the poll has finished (the button is enabled again). */
async function poll(page) {
  const button = page.getByRole("button", { name: "Poll Wishpond now" });
  await button.click();
  await until(() => button.isEnabled(), "the poll to finish");
}

async function openPanel() {
  const page = await h.context.newPage();
  await page.goto(h.url("sidepanel.html"));
  return page;
}

test("the options page shows the console; the token saved there stays in the worker", async () => {
  const page = await fillOptions(h, { "Poll Wishpond leads": true, ...emulatorUrls(h) });
  await page.locator("ghl-bridge-console").getByRole("tab", { name: "Connection" }).waitFor();
  await connectConsole(page, { locationId: DEMO_LOCATION_ID, token: TOKEN });
  const c = page.locator("ghl-bridge-console");
  // The console asked GHL through the worker: the location was read with the token.
  await c.getByText(`(${DEMO_LOCATION_ID})`).first().waitFor();
  assert.ok(h.ghl.log.some((e) => e.operation === "locations.get-location" && e.status === 200));
  // The token field is blank again; the page never got the token back.
  assert.equal(await c.getByLabel("Private Integration Token").inputValue(), "");
  await page.screenshot({ path: join(SCREENSHOTS, "options.png"), fullPage: true });
  await saveSourceKey(page, "Wishpond API key", h.wishpond.apiKey);
  await c.getByText("An API key is saved. Leave this empty to keep it.").waitFor();
  const shadow = await c.evaluate((el) => el.shadowRoot.innerHTML);
  assert.ok(!shadow.includes(TOKEN) && !(await page.content()).includes(TOKEN));
  const stored = await page.evaluate(async () => ({
    local: await chrome.storage.local.get(null),
    sync: await chrome.storage.sync.get(null),
  }));
  assert.equal(stored.local.secrets.ghlToken, TOKEN, "kept in chrome.storage.local");
  assert.equal(stored.local.secrets.wishpondApiKey, h.wishpond.apiKey);
  assert.deepEqual(stored.sync, {}, "nothing in chrome.storage.sync");
  await page.close();
});

test("a Wishpond lead is polled and reaches GHL as a contact with its tags", async () => {
  panel = await openPanel();
  await panel.getByText(`Connected to GHL location ${DEMO_LOCATION_ID}`).waitFor();
  // The first poll brings the leads already in Wishpond.
  await poll(panel);
  await until(() => contactBy("ada@example.com").length === 1, "the seeded leads in GHL");
  const lead = h.wishpond.addLead({
    email: "new.lead@example.com",
    dynamic_attributes: { first_name: "nova", last_name: "lead", utm_source: "Newsletter" },
  });
  await poll(panel);
  const [c] = await until(() => {
    const found = contactBy(lead.email);
    return found.length === 1 && found[0].tags?.length ? found : null;
  }, "the new lead as a GHL contact");
  assert.equal(c.firstName, "Nova");
  assert.equal(c.lastName, "Lead");
  assert.ok(c.tags.includes("wishpond"), `tags: ${c.tags}`);
  // The side panel's counts follow: 4 delivered (3 seeded leads and the new one, each
  // in two stages: the worker counts events, the outbox stages), none pending.
  await until(
    async () => (await count(panel, "pending")) === 0 && (await count(panel, "done")) === 4,
    "the panel to show 4 delivered",
  );
  const { status } = await workerStatus(panel);
  assert.deepEqual([status.delivered, status.counts.done, status.counts.dead], [4, 8, 0]);
  // The last events say each lead was delivered, once, by its email.
  const events = panel.getByRole("list", { name: "Last events" });
  for (const email of ["ada@example.com", lead.email])
    assert.equal(await events.getByText(`Wishpond lead ${email} delivered to GHL`).count(), 1);
  // Two stages (the score reads the contact first): one upsert each.
  assert.equal(upserts(lead.email).length, 2, "one upsert per stage");
  // Polled again: nothing new, nothing sent.
  const before = h.ghl.log.length;
  await poll(panel);
  await poll(panel);
  assert.equal(h.ghl.log.length, before, "a repeated poll sends nothing");
  // The console's Sources panel says when a lead was last seen and the last poll (a
  // poll that finds nothing keeps when the last lead was seen).
  const page = await h.context.newPage();
  await page.goto(h.url("options.html"));
  const options = page.locator("ghl-bridge-console");
  await options.getByRole("tab", { name: "Sources" }).click();
  const seen = options.getByText(/^Last lead seen: .+ Last poll: .+\.$/);
  await seen.waitFor();
  assert.ok(!(await seen.textContent()).includes("Last lead seen: never"));
  await page.close();
});

/** The service worker's version ids, from a CDP session on an extension page. */
async function stopWorker(page) {
  const cdp = await h.context.newCDPSession(page);
  const versions = new Map();
  cdp.on("ServiceWorker.workerVersionUpdated", ({ versions: vs }) => {
    for (const v of vs) versions.set(v.versionId, v);
  });
  await cdp.send("ServiceWorker.enable");
  const running = await until(
    () => [...versions.values()].find((v) => v.runningStatus === "running"),
    "the running worker",
  );
  await cdp.send("ServiceWorker.stopWorker", { versionId: running.versionId });
  await until(
    () => versions.get(running.versionId)?.runningStatus === "stopped",
    "the worker to stop",
  );
  await cdp.detach();
}

test("the service worker stopped mid-delivery finishes after restart: nothing lost, nothing done twice", async (t) => {
  h.ghl.configure({ latencyMs: 1500 });
  const leads = [1, 2, 3].map((i) =>
    h.wishpond.addLead({
      email: `restart${i}@example.com`,
      dynamic_attributes: { first_name: `Restart${i}` },
    }),
  );
  await poll(panel);
  const tagged = (l) => (contactBy(l.email)[0]?.tags ?? []).includes("wishpond");
  // Mid-delivery: a contact written, its tags (or other leads) still to send, requests on the wire.
  await until(() => contactBy(leads[0].email).length === 1, "the first contact");
  await stopWorker(panel);
  const atStop = h.ghl.log.length;
  const untaggedAtStop = leads.filter((l) => !tagged(l)).length;
  assert.ok(untaggedAtStop > 0, "the worker was stopped with steps still to deliver");
  h.ghl.configure({ latencyMs: 0 });
  // A person opens the panel again: the worker wakes, restores the outbox, resumes.
  await panel.reload();
  await until(() => leads.every(tagged), "every lead delivered after the restart");
  await until(async () => (await count(panel, "pending")) === 0, "nothing pending");
  for (const l of leads) assert.equal(contactBy(l.email).length, 1, `one contact for ${l.email}`);
  // Referee (the GHL log): no request answered before the stop is sent again after it;
  // a repeat can only be a request that was on the wire at the stop (it changes nothing).
  const key = (e) => `${e.method} ${e.path} ${JSON.stringify(e.body)}`;
  const done = new Set(
    h.ghl.log
      .slice(0, atStop)
      .filter((e) => e.status >= 200 && e.status < 300)
      .map(key),
  );
  const after = h.ghl.log.slice(atStop).map(key);
  assert.deepEqual(
    after.filter((k) => done.has(k)),
    [],
    "nothing done before the stop is sent again",
  );
  // Two stages per lead, one upsert each; a third only for one on the wire at the stop.
  for (const l of leads) assert.ok(upserts(l.email).length <= 3, `upserts of ${l.email}`);
  t.diagnostic(
    `stopped with ${untaggedAtStop} of 3 leads untagged; upserts per lead: ${leads.map((l) => upserts(l.email).length).join(", ")}; requests after the restart: ${after.length}`,
  );
});

test("a failure shows in the side panel and on the badge; Retry delivers it", async () => {
  h.ghl.configure({ errorRate: 1, errorStatuses: [400] });
  const lead = h.wishpond.addLead({ email: "rejected@example.com", dynamic_attributes: {} });
  await poll(panel);
  await until(async () => (await count(panel, "dead")) === 1, "one failure");
  const list = panel.getByRole("list", { name: "Failures" });
  await list.getByText(/REJECTED|rejected/).waitFor();
  await badgeIs(panel, {
    text: "0/1",
    title: "ghl-bridge: 0 pending, 1 failed",
  });
  await panel.screenshot({ path: join(SCREENSHOTS, "sidepanel-failure.png"), fullPage: true });
  h.ghl.configure({ errorRate: 0 });
  await list.getByRole("button", { name: /^Retry/ }).click();
  await until(() => contactBy(lead.email).length === 1, "the retried lead in GHL");
  await until(async () => (await count(panel, "dead")) === 0, "no failure left");
  await badgeIs(panel, { text: "", title: "ghl-bridge: 0 pending, 0 failed" });
});

test("a revoked token pauses delivery with a clear message; a new token resumes it", async () => {
  h.ghl.revokeToken(TOKEN);
  const lead = h.wishpond.addLead({ email: "paused@example.com", dynamic_attributes: {} });
  await poll(panel);
  const alert = panel.getByRole("alert");
  await alert.filter({ hasText: "GHL refused the Private Integration Token (401)" }).waitFor();
  assert.match(await alert.textContent(), /delivery is paused/);
  assert.equal(await count(panel, "pending"), 1);
  await badgeIs(panel, {
    text: "1",
    title: "ghl-bridge: 1 pending, 0 failed, delivery paused: the token was refused",
  });
  assert.equal(contactBy(lead.email).length, 0);
  // The refused token is in no message to a page: not in the panel, not in the status.
  const status = await workerStatus(panel);
  assert.ok(!JSON.stringify(status).includes(TOKEN) && !(await panel.content()).includes(TOKEN));
  await panel.screenshot({ path: join(SCREENSHOTS, "sidepanel-paused.png"), fullPage: true });

  h.ghl.addToken(NEW_TOKEN, { locationId: DEMO_LOCATION_ID, label: "extension-2" });
  // As a person does: "Open console" in the side panel opens the options page.
  const [options] = await Promise.all([
    h.context.waitForEvent("page"),
    panel.getByRole("button", { name: "Open console" }).click(),
  ]);
  await options.waitForURL(h.url("options.html"));
  await connectConsole(options, { locationId: DEMO_LOCATION_ID, token: NEW_TOKEN });
  await until(() => contactBy(lead.email).length === 1, "the paused lead delivered");
  await alert.waitFor({ state: "hidden" });
  await until(async () => (await count(panel, "pending")) === 0, "nothing pending");
  await badgeIs(panel, { text: "", title: "ghl-bridge: 0 pending, 0 failed" });
  await panel.screenshot({ path: join(SCREENSHOTS, "sidepanel.png"), fullPage: true });
  await options.close();
});

test("after a browser restart, what was queued is delivered without opening anything", async () => {
  h.ghl.configure({ latencyMs: 3000 });
  const lead = h.wishpond.addLead({
    email: "restarted.browser@example.com",
    dynamic_attributes: { first_name: "Rey" },
  });
  await poll(panel);
  // Accepted (durable) and on the wire: the browser is closed now.
  assert.equal(await count(panel, "pending"), 1);
  await h.restartBrowser();
  h.ghl.configure({ latencyMs: 0 });
  // No page is opened: the worker starts with the browser and resumes the outbox.
  await until(
    () => (contactBy(lead.email)[0]?.tags ?? []).includes("wishpond"),
    "the queued lead delivered after the restart",
  );
  panel = await openPanel();
  await until(async () => (await count(panel, "pending")) === 0, "nothing pending");
  assert.equal(contactBy(lead.email).length, 1);
  await badgeIs(panel, { text: "", title: "ghl-bridge: 0 pending, 0 failed" });
});

test("Remove all data forgets the token, the settings and the outbox database", async () => {
  const options = await h.context.newPage();
  await options.goto(h.url("options.html"));
  options.once("dialog", (d) => d.accept());
  await options.getByRole("button", { name: "Remove all data" }).click();
  await options
    .getByRole("status")
    .filter({ hasText: "Everything ghl-bridge stored in this browser was removed." })
    .waitFor();
  const left = await options.evaluate(async () => ({
    local: await chrome.storage.local.get(null),
    databases: (await indexedDB.databases()).map((d) => d.name),
    alarms: (await chrome.alarms.getAll()).map((a) => a.name),
  }));
  assert.deepEqual(left.local, {});
  assert.ok(!left.databases.includes("ghl-bridge-outbox"), `databases: ${left.databases}`);
  assert.deepEqual(left.alarms, []);
  const status = await workerStatus(panel);
  assert.equal(status.status.configured, false);
  await options.close();
});
