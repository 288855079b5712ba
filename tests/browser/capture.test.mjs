// ghl-bridge/capture in headless Chromium: a person fills a Wishpond-like form; the
// script posts the fields (by name and label), page, referrer and UTM values to an
// intake on another origin, which checks them with the package's capture intake. Then
// offline: the submission is queued in localStorage and sent when the page is online
// again. The page's own handler keeps running; nothing is thrown into the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as g from "../../pkg/entries/node.js";
import { serveRepo, launch } from "./harness.mjs";

let site, browser, intakeServer, intakeUrl;
const received = [];
const errors = [];
const duplicates = []; // the script's resend of a submission already taken (answered 200, not processed)

async function until(check, what) {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

before(async () => {
  site = await serveRepo();
  const intake = g.createCaptureIntake({
    config: { sites: [{ siteKey: "pk_test_site", allowedOrigins: [site.url] }] },
  });
  intakeServer = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const cors = { "access-control-allow-origin": req.headers.origin ?? "*" };
      try {
        const out = intake.receive(req.headers.origin, Buffer.concat(chunks));
        if (out.outcome === "duplicate") duplicates.push(out);
        else received.push(out);
        res.writeHead(200, cors).end(JSON.stringify({ outcome: out.outcome }));
      } catch (e) {
        errors.push(e.code);
        res.writeHead(e.details?.status ?? 500, cors).end(JSON.stringify({ code: e.code }));
      }
    });
  });
  await new Promise((ok) => intakeServer.listen(0, "127.0.0.1", ok));
  intakeUrl = `http://127.0.0.1:${intakeServer.address().port}/capture`;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await site?.close();
  intakeServer?.closeAllConnections();
  intakeServer?.close();
});

async function openForm(context, config) {
  const page = await context.newPage();
  const pageErrors = [];
  const warnings = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  await page.addInitScript((c) => {
    window.GhlBridgeCapture = c;
  }, config);
  await page.goto(
    `${site.url}/tests/browser/capture.html?utm_source=facebook&utm_campaign=spring&x=1`,
    { referer: "https://www.facebook.com/" },
  );
  return { page, pageErrors, warnings };
}

async function fillAndSubmit(page, email) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Phone number").fill("+44 20 7946 0018");
  await page.getByLabel("Company").fill("Analytical Engines");
  await page.getByLabel("I agree").check();
  await page.getByRole("button", { name: "Sign up" }).click();
}

test("a submitted form reaches the intake as a Wishpond lead event", async () => {
  const context = await browser.newContext();
  const { page, pageErrors } = await openForm(context, { intakeUrl, siteKey: "pk_test_site" });
  await fillAndSubmit(page, "ada@example.com");
  await until(() => received.length === 1, "the capture arrived");
  const out = received[0];
  assert.equal(out.outcome, "accepted");
  const ev = out.event;
  assert.equal(ev.type, "wishpond.lead.created");
  assert.equal(ev.arrived, "page");
  assert.equal(ev.lead.email, "ada@example.com");
  assert.equal(ev.lead.dynamic_attributes.first_name, "Ada");
  assert.equal(ev.lead.dynamic_attributes.phone_number, "+44 20 7946 0018");
  assert.equal(ev.lead.dynamic_attributes.company, "Analytical Engines");
  assert.equal(ev.lead.dynamic_attributes.consent, "yes");
  assert.ok(!JSON.stringify(ev).includes("never-sent"), "password fields are never sent");
  assert.deepEqual(ev.utm, { utm_source: "facebook", utm_campaign: "spring" });
  assert.equal(ev.page.title, "Spring webinar");
  assert.match(ev.page.url, /capture\.html\?utm_source=facebook/);
  assert.equal(ev.page.referrer, "https://www.facebook.com/");
  assert.equal(await page.textContent("#status"), "thanks 1", "the page's own handler ran");
  await until(
    async () => (await page.evaluate(() => localStorage.getItem("ghlBridgeCaptureQueue"))) === "[]",
    "the queue emptied",
  );
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("offline: the submission waits in localStorage and is sent when the page is online", async () => {
  const context = await browser.newContext();
  const { page, pageErrors, warnings } = await openForm(context, {
    intakeUrl,
    siteKey: "pk_test_site",
  });
  const before = received.length;
  await context.setOffline(true);
  await fillAndSubmit(page, "grace@example.com");
  await until(
    async () =>
      JSON.parse(await page.evaluate(() => localStorage.getItem("ghlBridgeCaptureQueue") || "[]"))
        .length === 1,
    "queued",
  );
  assert.equal(received.length, before, "nothing was sent while offline");
  assert.equal(await page.textContent("#status"), "thanks 1");
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await until(() => received.length === before + 1, "sent once online");
  assert.equal(received.at(-1).event.lead.email, "grace@example.com");
  assert.ok(warnings.length <= 1, `at most one console warning: ${warnings}`);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a refused key or a dead intake never breaks the page", async () => {
  const context = await browser.newContext();
  const { page, pageErrors, warnings } = await openForm(context, {
    intakeUrl,
    siteKey: "pk_unknown",
  });
  await fillAndSubmit(page, "eve@example.com");
  await until(() => errors.includes("CAPTURE_UNKNOWN_SITE"), "the intake refused the key");
  const dead = await openForm(context, {
    intakeUrl: "http://127.0.0.1:9/capture",
    siteKey: "pk_test_site",
  });
  await fillAndSubmit(dead.page, "x@example.com");
  await dead.page.getByRole("button", { name: "Sign up" }).click();
  assert.equal(await dead.page.textContent("#status"), "thanks 2", "the form keeps working");
  assert.deepEqual([...pageErrors, ...dead.pageErrors], []);
  await until(() => warnings.length === 1, "one warning for the refusal");
  await context.close();
});
