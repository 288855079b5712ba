// The runner's console, Activity and Tags, as a person uses them in Chromium against the
// GHL and Qwilr emulators: the rate-budget gauges read the location's budget as the
// worker stored it with its outbox (named, with their numbers); staged events are named
// by people's words (the lead's email, the Qwilr proposal's name, never a 64-character
// id) and open to the exact requests they would send; the Tags panel shows the
// social-planner catalog and its report through the runner, with a fix that changes
// the rules and a manual step where GHL's API allows none. axe-core on both panels, in
// light and dark; screenshots in target/widget-screenshots/runner-activity*.png,
// runner-tags*.png.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { CONSOLE_KEYS } from "../../pkg/runner/index.js";
import { launch } from "../browser/harness.mjs";
import { startConsoleRunner } from "../node/runner-console-fixture.mjs";
import { consoleSession, pageLead as lead } from "../node/runner-fixtures.mjs";
import { axe, hasBrowser, shots } from "./helpers.mjs";

const skip = hasBrowser ? false : "chromium is not installed (run `make setup`)";
const PASSWORD = "console-password-activity";
const LOCATION = "demoLocation00000001";
const QWILR_ID = "9f".repeat(32);
let env;
let browser;
let call;

before(async () => {
  if (skip) return;
  env = await startConsoleRunner({
    consoleDir: fileURLToPath(new URL("../../pkg/", import.meta.url)),
    env: { TEST_PASSWORD: PASSWORD },
    patch(doc) {
      doc.console = { password: { env: "TEST_PASSWORD" } };
    },
  });
  browser = await launch();
  call = await consoleSession(env.server.url, PASSWORD);
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

async function open(colorScheme = "light") {
  const context = await browser.newContext({
    viewport: { width: 1100, height: 900 },
    locale: "en-US",
    colorScheme,
    // Only so that axe-core can be injected (the page's CSP allows no inline script).
    bypassCSP: true,
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${env.server.url}/console/?location=${LOCATION}`);
  await page.getByLabel("Console password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Connect to HighLevel" }).waitFor();
  return { page, context, errors };
}

const accepted = {
  type: "qwilr.pageAccepted",
  id: QWILR_ID,
  payload: {
    type: "qwilr.pageAccepted",
    id: QWILR_ID,
    page: { id: "pg_1", name: "Website Redesign Proposal", status: "accepted", tags: [] },
    acceptance: { email: "grace@example.com", name: "Grace Hopper", total: 18500 },
    contact: { by: "email", email: "grace@example.com", from: "acceptance" },
  },
};

test("Activity: the rate-budget gauges from the stored budget; staged events named and their requests", {
  skip,
}, async () => {
  const now = Date.now();
  // The location's budget as the worker's outbox stores it (the core's record).
  await env.store.outboxStorage(LOCATION).apply([
    {
      op: "put",
      key: ` rate-budget:${LOCATION}`,
      record: {
        format: 1,
        rateBudget: {
          locationId: LOCATION,
          at: now,
          sends: [now - 2000, now - 1000, now - 500],
          max: 100,
          intervalMs: 10_000,
          dailyMax: 200_000,
          day: Math.floor(now / 86_400_000),
          dailyUsed: 1234,
        },
      },
    },
  ]);
  // Two events handed over in staging, recorded as the worker records its staged dry runs.
  await call("setMode", "staging");
  const staged = [];
  for (const event of [lead("activity-lead-1", "ada@example.com"), accepted]) {
    const d = await call("deliver", event);
    assert.equal(d.queued, false);
    staged.push({
      eventId: event.id,
      source: event.type.startsWith("qwilr.") ? "qwilr" : "wishpond",
      flow: "contact",
      at: new Date().toISOString(),
      requests: d.preview.requests,
      later: d.preview.later,
      next: d.preview.next,
      warnings: d.preview.warnings,
    });
  }
  await env.store.setValue(CONSOLE_KEYS.staged("demo"), staged.reverse());

  for (const scheme of ["light", "dark"]) {
    const { page, context, errors } = await open(scheme);
    await page.getByRole("tab", { name: "Activity" }).click();
    const burst = page.getByRole("meter", {
      name: "Requests left in this 10-second window: 97 / 100",
    });
    await burst.waitFor();
    assert.equal(await burst.getAttribute("max"), "100");
    assert.equal(await burst.evaluate((m) => m.value), 97);
    const daily = page.getByRole("meter", { name: "Requests left today: 198,766 / 200,000" });
    assert.equal(await daily.evaluate((m) => m.value), 198_766);
    // People's names for the events, not ids.
    const log = page.getByRole("region", { name: "Log" });
    await log.getByText("Wishpond lead ada@example.com").waitFor();
    await log
      .getByText("Qwilr proposal “Website Redesign Proposal” accepted by grace@example.com")
      .waitFor();
    const text = await log.textContent();
    assert.ok(!text.includes(QWILR_ID), "no 64-character id shown");
    // A staged event opens to the exact requests it would send (nothing was sent).
    const row = log.locator("tr", { hasText: "Wishpond lead ada@example.com" });
    await row.getByText(/request.* it would send/).click();
    await row.locator("li.card .method").first().waitFor();
    const methods = await row.locator("li.card .method").allInnerTexts();
    const lead1 = staged.find((s) => s.eventId === "activity-lead-1");
    assert.deepEqual(
      methods,
      [lead1.requests, ...lead1.later.map((s) => s.requests)].flat().map((r) => r.method),
    );
    // Every stage: the location's tags read, then (stage 2) the contact written and
    // tagged by the id the upsert answers, named as a placeholder.
    await row.getByText("Stage 2: sent once HighLevel has answered stage 1").waitFor();
    const second = row.locator("ol[data-stage='2']");
    assert.ok(
      (await second.locator("li[data-step=upsert] pre").textContent()).includes("ada@example.com"),
    );
    assert.match(
      await second.locator("li[data-step=add-tags] .url").textContent(),
      /\/contacts\/\{upsert\.contact\.id\}\/tags$/,
    );
    await row.getByText("Values in {braces} come from an earlier request’s answer.").waitFor();
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: `${shots}runner-activity-${scheme}.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  }
  assert.equal(
    env.emu.log.filter((e) => e.operation === "contacts.upsert-contact").length,
    0,
    "nothing sent in staging",
  );
});

test("Tags through the runner: the catalog and report, a fix applied to the rules, a manual step", {
  skip,
}, async () => {
  const tags = env.emu.state.locations[LOCATION].socialTags;
  const gone = tags.find((t) => t.deleted);
  const variant = gone.tag.toLowerCase();
  tags.push({ ...gone, _id: "live0000000000000000000b", tag: variant, deleted: false });
  const doc = structuredClone((await call("rules")).documents.wishpond);
  doc.tagRules.push({ id: "tag-social", add: [gone.tag, "No Such Social Tag"] });
  await call("saveRules", "wishpond", doc);

  const { page, context, errors } = await open();
  await page.getByRole("tab", { name: "Tags" }).click();
  await page.getByRole("heading", { name: "Social Planner tags" }).waitFor();
  // Every catalog tag listed (deleted ones marked).
  assert.equal(await page.locator("ul.chips > li").count(), tags.length);
  const fix = page.getByRole("button", { name: /^Use “.+” in the mapping rules$/ });
  await fix.waitFor();
  const target = (await fix.textContent()).match(/“(.+)”/)[1];
  assert.ok([gone.tag, variant].includes(target));
  // No fix through GHL's API for a tag the catalog lacks: the manual step, in words.
  await page
    .getByText("In HighLevel, create the tag “No Such Social Tag”", { exact: false })
    .waitFor();
  assert.deepEqual(await axe(page), []);
  await page.screenshot({ path: `${shots}runner-tags.png`, fullPage: true });
  await fix.click();
  await fix.waitFor({ state: "detached" });
  // The fix was saved on the runner: the rules name the canonical tag only.
  const saved = (await call("rules")).documents.wishpond.tagRules.find(
    (r) => r.id === "tag-social",
  );
  assert.deepEqual(saved.add, [target, "No Such Social Tag"]);
  await page.screenshot({ path: `${shots}runner-tags-fixed.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
