// The direct backend's Qwilr webhook subscriptions (Sources panel, against the Qwilr
// emulator) and the weekly report's "Send now" to a Slack incoming-webhook URL the person
// types (a local HTTP receiver stands in for Slack), as a person uses them.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { QWILR_EMULATOR_TOKEN, startQwilrEmulator } from "../../js/emulator/qwilr/index.mjs";
import { axe, connect, hasBrowser, openConsole, setup, shots } from "./helpers.mjs";

const skip = hasBrowser ? false : "chromium is not installed (run `make setup`)";
let env;
let qwilr;
let slack;
/** The public URL Qwilr would post to (a runner's intake); nothing listens: no webhook is fired here. */
const HOOK = "http://127.0.0.1:9/hooks/qwilr/3f6c1a9e0b7d4c2e8a5f1b3d7e9c0a2b";

/** A Slack stand-in: answers CORS preflights, records each POST; 404 for an unknown hook. */
async function startSlack() {
  const received = [];
  const cors = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "OPTIONS") return res.writeHead(204, cors).end();
      if (!req.url.startsWith("/services/T000/B000/"))
        return res.writeHead(404, cors).end("no_service");
      received.push({
        path: req.url,
        type: req.headers["content-type"],
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200, { ...cors, "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    received,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

before(async () => {
  if (skip) return;
  env = await setup();
  qwilr = await startQwilrEmulator();
  slack = await startSlack();
});
after(async () => {
  await env?.close();
  await qwilr?.stop();
  await slack?.close();
});

const withQwilr = () =>
  `&qwilr=${encodeURIComponent(qwilr.url)}&qwilrHook=${encodeURIComponent(HOOK)}`;

test("sources: Qwilr webhook subscriptions created and removed from the panel (the Qwilr emulator)", {
  skip,
}, async () => {
  const { page, context, errors } = await openConsole(env, { extra: withQwilr() });
  await connect(page);
  await page.getByRole("tab", { name: "Sources" }).click();
  await page.getByText("No webhook subscriptions.").waitFor();
  const events = page.getByRole("group", { name: "Qwilr events to receive" });
  assert.equal(await events.getByLabel("A proposal is accepted").isChecked(), true);
  // Without the Qwilr token the console says what to do first.
  await page.getByRole("button", { name: "Create the subscriptions" }).click();
  await page
    .getByRole("alert")
    .getByText(/Type the Qwilr API token above first/)
    .waitFor();
  assert.equal(qwilr.subscriptions.length, 0);

  await page.getByLabel("Qwilr API token").fill(QWILR_EMULATOR_TOKEN);
  await page.getByRole("button", { name: "Save Qwilr" }).click();
  await page.getByText("A token is saved").waitFor();
  await events.getByLabel("A proposal is viewed").check();
  await page.getByRole("button", { name: "Create the subscriptions" }).click();
  await page.getByRole("status").getByText("2 Qwilr subscriptions in place.").waitFor();
  assert.deepEqual(qwilr.subscriptions.map((s) => [s.event, s.targetUrl]).sort(), [
    ["pageAccepted", HOOK],
    ["pageViewed", HOOK],
  ]);
  const list = page.locator("ul.cards li");
  assert.equal(await list.count(), 2);
  // Subscribed events are shown ticked and cannot be made twice.
  assert.equal(await events.getByLabel("A proposal is viewed").isDisabled(), true);
  await page.getByRole("button", { name: "Create the subscriptions" }).click();
  await page.getByRole("alert").getByText("Choose at least one Qwilr event.").waitFor();
  assert.equal(qwilr.subscriptions.length, 2);
  assert.deepEqual(await axe(page), []);
  await page.screenshot({ path: `${shots}/console-sources-qwilr.png`, fullPage: true });

  await page.getByRole("button", { name: "Remove the A proposal is viewed subscription" }).click();
  await page.getByRole("status").getByText("Subscription removed.").waitFor();
  assert.deepEqual(
    qwilr.subscriptions.map((s) => s.event),
    ["pageAccepted"],
  );
  assert.equal(await list.count(), 1);
  // The requests went to Qwilr's webhook endpoints; the token is in no page text.
  const calls = qwilr.log.filter(
    (l) => l.path.startsWith("/v1/webhooks") && l.method !== "OPTIONS",
  );
  assert.ok(calls.some((l) => l.method === "POST" && l.status === 201));
  assert.ok(calls.some((l) => l.method === "DELETE" && l.status === 204));
  const text = await page.evaluate(
    () => document.querySelector("ghl-bridge-console").shadowRoot.textContent,
  );
  assert.ok(!text.includes(QWILR_EMULATOR_TOKEN));
  assert.deepEqual(errors, []);
  await context.close();
});

test("dashboard: Send now posts the weekly report to the Slack webhook URL typed in; a refused or wrong URL is said in words", {
  skip,
}, async () => {
  const { page, context, errors } = await openConsole(env);
  await connect(page);
  await page.getByRole("tab", { name: "Dashboard" }).click();
  await page
    .locator("[data-report]")
    .getByRole("heading", { name: /Weekly social report/ })
    .waitFor();
  const url = page.getByLabel("Slack incoming-webhook URL");

  await url.fill("http://hooks.slack.example/services/T000/B000/x");
  await page.getByRole("button", { name: "Send now" }).click();
  await page
    .getByRole("alert")
    .getByText(/must be the whole https:\/\/ address/)
    .waitFor();

  const refused = `${slack.url}/services/T999/gone/secretpart`;
  await url.fill(refused);
  await page.getByRole("button", { name: "Send now" }).click();
  const alert = page.getByRole("alert");
  await alert.getByText(/Slack did not accept the report/).waitFor();
  assert.ok(!(await alert.textContent()).includes("secretpart"), "the URL is never repeated");

  await url.fill(`${slack.url}/services/T000/B000/abcdef`);
  await page.getByRole("button", { name: "Send now" }).click();
  await page.getByRole("status").getByText("Report sent to Slack.").waitFor();
  assert.equal(slack.received.length, 1);
  const got = slack.received[0];
  assert.equal(got.type, "application/json");
  const message = JSON.parse(got.body);
  assert.ok(Array.isArray(message.blocks) && message.blocks.length > 0);
  assert.match(got.body, /Weekly social report/);
  assert.deepEqual(await axe(page), []);
  assert.deepEqual(errors, []);
  await context.close();
});
