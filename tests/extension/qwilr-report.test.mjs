// The extension's other schedules in headless Chromium: accepted Qwilr pages polled
// (Qwilr's webhooks cannot reach a browser) and delivered to GHL as contacts with the
// preset's tags, and the weekly statistics report posted to a Slack incoming webhook
// (a loopback stand-in in the development build), with its alarm scheduled.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import {
  emulatorUrls,
  fillOptions,
  SCREENSHOTS,
  setUp,
  start,
  until,
  workerStatus,
} from "./harness.mjs";

const TOKEN = "pit-extension-test-qwilr";
let h;
let slack;
const posts = [];

before(async () => {
  h = await start({ token: TOKEN });
  slack = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      posts.push({ path: req.url, type: req.headers["content-type"], body: JSON.parse(body) });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise((ok) => slack.listen(0, "127.0.0.1", ok));
});
after(async () => {
  await h?.stop();
  slack?.close();
});

const contactBy = (email) => h.contactBy(email);

test("an accepted Qwilr page is polled and reaches GHL with the preset's tags, once", async () => {
  const options = await setUp(h, {
    settings: {
      "Poll Wishpond leads": false,
      "Poll accepted Qwilr pages": true,
      ...emulatorUrls(h),
    },
    token: TOKEN,
    source: ["Qwilr API token", h.qwilr.token],
  });
  await options
    .locator("ghl-bridge-console")
    .getByText("A token is saved. Leave this empty to keep it.")
    .waitFor();
  await options.close();
  const page = h.qwilr.pages[1];
  await h.qwilr.accept(page.id, { name: "Grace Hopper", email: "grace@example.com", total: 4200 });
  const panel = await h.context.newPage();
  await panel.goto(h.url("sidepanel.html"));
  const button = panel.getByRole("button", { name: "Poll Qwilr now" });
  await button.click();
  await until(() => button.isEnabled(), "the poll to finish");
  const [c] = await until(() => {
    const found = contactBy("grace@example.com");
    return found[0]?.tags?.includes("proposal-accepted") ? found : null;
  }, "the accepting contact in GHL");
  assert.ok(c.tags.includes("qwilr"), `tags: ${c.tags}`);
  // The page was read with its acceptance (the core's reading), once.
  const reads = h.qwilr.log.filter((e) => e.path.startsWith(`/v1/pages/${page.id}`));
  assert.equal(reads.length, 1);
  // The contact shows the tags once the upsert is in; the delivery's last stage may
  // still be on its way, so GHL's log is counted once the outbox has nothing pending.
  await until(
    async () => (await workerStatus(panel)).status.counts.pending === 0,
    "the delivery to finish",
  );
  // Polled again: the page is known, nothing is read or sent.
  const before = h.ghl.log.length;
  await button.click();
  await until(() => button.isEnabled(), "the second poll to finish");
  assert.equal(h.qwilr.log.filter((e) => e.path.startsWith(`/v1/pages/${page.id}`)).length, 1);
  assert.equal(h.ghl.log.length, before);
  await panel.close();
});

test("the console's Go live and Activity panels work through the worker", async () => {
  const page = await h.context.newPage();
  await page.goto(h.url("options.html"));
  const c = page.locator("ghl-bridge-console");
  // The polled Qwilr page is a sample: its dry run shows the exact requests, sends nothing.
  await c.getByRole("tab", { name: "Go live" }).click();
  // Named as people name it (the proposal's name, who accepted it: `eventLabel`).
  const label = (
    await c
      .getByLabel("Event to try")
      .locator("option", { hasText: "grace@example.com" })
      .first()
      .textContent()
  ).trim();
  assert.match(label, /^Qwilr proposal “.+” accepted by grace@example\.com$/);
  await c.getByLabel("Event to try").selectOption({ label });
  const before = h.ghl.log.length;
  await c.getByRole("button", { name: "Dry run" }).click();
  await c.getByRole("heading", { name: "Requests that would be sent" }).waitFor();
  await c
    .getByText(/\/contacts\/upsert$/)
    .first()
    .waitFor();
  // The score accumulates here (the contact read first): stage 2 is shown too, by the
  // console's one shape of a dry run, with the contact's id named as a placeholder.
  await c.getByText("Stage 2: sent once HighLevel has answered stage 1").waitFor();
  assert.match(
    await c.locator("ol[data-stage='2'] li.card .url").first().textContent(),
    /\/contacts\/\{upsert\.contact\.id\}\/tags$/,
  );
  assert.equal(h.ghl.log.length, before, "a dry run sends nothing");
  // Activity: the worker's delivery log and counts.
  await c.getByRole("tab", { name: "Activity" }).click();
  // The outbox's counts (each stage of a flow counted), as the worker has them.
  const { status } = await workerStatus(page);
  assert.ok(status.counts.done >= 1 && status.counts.pending === 0, JSON.stringify(status.counts));
  await c
    .locator("dd[data-count=done]")
    .filter({ hasText: new RegExp(`^${status.counts.done}$`) })
    .waitFor();
  assert.ok((await c.locator("tr[data-kind=done]").count()) >= 1);
  await page.screenshot({ path: join(SCREENSHOTS, "options-activity.png"), fullPage: true });
  await page.close();
});

test("the weekly report is scheduled on an alarm and posted to the Slack webhook", async () => {
  const url = `http://127.0.0.1:${slack.address().port}/services/T000/B000/secretpart`;
  const options = await fillOptions(h, {
    "Send the weekly social report to Slack": true,
    "Slack incoming webhook URL": url,
    "Hour (0-23, your time)": "9",
  });
  const alarm = await options.evaluate(() => chrome.alarms.get("ghl-bridge/report"));
  assert.ok(alarm && alarm.scheduledTime > Date.now(), "the report alarm is set");
  const at = new Date(alarm.scheduledTime);
  assert.equal(at.getDay(), 1, "on a Monday");
  assert.equal(at.getHours(), 9);
  await options.getByRole("button", { name: "Send report now" }).click();
  await options
    .getByRole("form", { name: "Extension settings" })
    .getByRole("status")
    .filter({ hasText: "Report sent." })
    .waitFor();
  assert.equal(posts.length, 1);
  assert.equal(posts[0].type, "application/json");
  assert.ok(Array.isArray(posts[0].body.blocks), "a Block Kit message");
  assert.match(JSON.stringify(posts[0].body), /Weekly social report/);
  assert.ok(!(await options.content()).includes("secretpart"), "the webhook URL is not shown");
  await options.close();
});
