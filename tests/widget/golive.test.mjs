// Go live and Activity, as a person: a staging dry run shows the exact requests and
// sends nothing; going live needs a confirmation naming what starts; an event is
// delivered and shows in Activity; a failing one (emulator fault) is dead-lettered with
// GHL's message and traceId, and "Retry" delivers it once the fault is gone.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ALL_SCOPES } from "../../js/emulator/index.mjs";
import {
  axe,
  connect,
  DEMO_LOCATION_ID,
  hasBrowser,
  openConsole,
  setup,
  shots,
} from "./helpers.mjs";

const skip = hasBrowser ? false : "chromium is not installed (run `make setup`)";
let env;
before(async () => {
  if (!skip) env = await setup();
});
after(async () => env?.close());

const contactWrites = (log) =>
  log.filter((e) => e.operation?.startsWith("contacts.") && e.method !== "GET");

test("staging: a dry run shows the exact requests and nothing is sent", { skip }, async () => {
  const { page, context } = await openConsole(env);
  await connect(page);
  await page.getByRole("tab", { name: "Go live" }).click();
  await page
    .getByLabel("Event to try")
    .selectOption({ label: "Example: Wishpond lead jane.doe@example.com (Spring Giveaway)" });
  const before = env.emu.log.length;
  await page.getByRole("button", { name: "Dry run" }).click();
  await page.getByRole("heading", { name: "Requests that would be sent" }).waitFor();
  await page.getByText("Nothing was sent to HighLevel.").waitFor();
  const upsert = page.locator("li[data-step=upsert]");
  await upsert.getByText("POST").waitFor();
  await upsert.getByText(/\/contacts\/upsert$/).waitFor();
  // The exact body: the mapped, normalised email and the location.
  const body = JSON.parse(await upsert.locator("pre").textContent());
  assert.equal(body.email, "jane.doe@example.com");
  assert.equal(body.locationId, "demoLocation00000001");
  await page
    .getByText(
      "This event will update Jane Doe (matched by jane.doe@example.com), or create it if there is none.",
    )
    .waitFor();
  // No header shown carries a token.
  assert.ok(!(await upsert.textContent()).includes("Bearer"));
  assert.deepEqual(contactWrites(env.emu.log.slice(before)), []);
  await context.close();
});

test("staging: a flow in stages shows stage 2's requests, the answers as placeholders", {
  skip,
}, async () => {
  // A token that may not create location tags: the location's tags are read first
  // (stage 1), the contact written once they are known (stage 2).
  const token = "pit-console-no-tag-create";
  env.emu.addToken(token, {
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES.filter((s) => s !== "locations/tags.write"),
  });
  for (const colorScheme of ["light", "dark"]) {
    const { page, context, errors } = await openConsole(env, { colorScheme });
    await connect(page, token);
    await page.getByRole("tab", { name: "Go live" }).click();
    await page
      .getByLabel("Event to try")
      .selectOption({ label: "Example: Wishpond lead jane.doe@example.com (Spring Giveaway)" });
    const before = env.emu.log.length;
    await page.getByRole("button", { name: "Dry run" }).click();
    await page.getByText("Stage 1: sent first").waitFor();
    await page.getByText("Stage 2: sent once HighLevel has answered stage 1").waitFor();
    const first = page.locator("ol[data-stage='1'] li.card");
    assert.deepEqual(await first.locator(".method").allInnerTexts(), ["GET"]);
    // The headers the core builds (a read has no body: no Content-Type), no token.
    await first.getByText("Headers: Accept: application/json, Version: 2021-07-28").waitFor();
    assert.match(
      await first.locator(".url").textContent(),
      /\/locations\/demoLocation00000001\/tags$/,
    );
    // Stage 2 as it will be sent: the upsert's exact body, then the tags by the id the
    // upsert answers (named, not invented).
    const second = page.locator("ol[data-stage='2']");
    const upsert = second.locator("li[data-step=upsert]");
    await upsert.getByText("POST").waitFor();
    await upsert.getByText(/\/contacts\/upsert$/).waitFor();
    const body = JSON.parse(await upsert.locator("pre").textContent());
    assert.equal(body.email, "jane.doe@example.com");
    assert.equal(body.locationId, DEMO_LOCATION_ID);
    const add = second.locator("li[data-step=add-tags]");
    await add.getByText("POST").waitFor();
    assert.match(
      await add.locator(".url").textContent(),
      /\/contacts\/\{upsert\.contact\.id\}\/tags$/,
    );
    assert.ok(JSON.parse(await add.locator("pre").textContent()).tags.includes("wishpond"));
    await page.getByText("Values in {braces} come from an earlier request’s answer.").waitFor();
    await page.getByText(/as if the location had every tag the rules add/).waitFor();
    // Nothing was sent: no request at all reached the emulator for the dry run.
    assert.deepEqual(env.emu.log.slice(before), []);
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: `${shots}golive-stages-${colorScheme}.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("go live, deliver an event and watch it in Activity; make one fail and retry it", {
  skip,
}, async () => {
  const { page, context } = await openConsole(env, { extra: "&attempts=1" });
  // The host hears the mode change and the delivery (typed events, bubbling out).
  await page.evaluate(() => {
    window.heard = [];
    for (const type of ["ghl-mode-changed", "ghl-delivered"])
      document.addEventListener(type, (e) => window.heard.push([e.type, e.detail]));
  });
  await connect(page);
  await page.getByRole("tab", { name: "Go live" }).click();
  await page.getByRole("button", { name: "Go live…" }).click();
  const dialog = page.getByRole("dialog", { name: "Start delivering to HighLevel?" });
  await dialog.getByText("From now on, these will be sent to Demo Location:").waitFor();
  await dialog.getByText("New Wishpond leads become HighLevel contacts").waitFor();
  await page.screenshot({ path: `${shots}golive-confirm.png` });
  await dialog.getByRole("button", { name: "Start delivering" }).click();
  await page.getByText("Live: events are now delivered to HighLevel.").waitFor();
  assert.equal(await page.locator("ghl-bridge-console").getAttribute("mode"), "production");

  await page
    .getByLabel("Event to try")
    .selectOption({ label: "Example: Wishpond lead jane.doe@example.com (Spring Giveaway)" });
  await page.getByRole("button", { name: "Send this event" }).click();
  await page.getByText(/Event example-wishpond-lead is queued for delivery/).waitFor();
  assert.deepEqual(await page.evaluate(() => window.heard), [
    ["ghl-mode-changed", { mode: "production" }],
    ["ghl-delivered", { planId: "example-wishpond-lead", queued: true }],
  ]);
  await page.getByRole("tab", { name: "Activity" }).click();
  await page.locator("dd[data-count=done]").filter({ hasText: /^1$/ }).waitFor();
  assert.ok(env.emu.log.some((e) => e.operation === "contacts.upsert-contact" && e.status === 200));
  // Named as people name it (the lead's email), not by its id.
  await page
    .locator("tr[data-kind=done]")
    .getByText("Wishpond lead jane.doe@example.com")
    .waitFor();

  // A fault: every GHL answer is a 502 (before the handler runs: nothing happens).
  env.emu.configure({ errorRate: 1, errorStatuses: [502] });
  await page.getByRole("tab", { name: "Go live" }).click();
  await page
    .getByLabel("Event to try")
    .selectOption({ label: "Example: Qwilr proposal accepted by Jane Doe" });
  await page.getByRole("button", { name: "Send this event" }).click();
  await page.getByText(/is queued for delivery/).waitFor();
  await page.getByRole("tab", { name: "Activity" }).click();
  const dead = page.locator("li[data-plan=example-qwilr-accepted]");
  await dead.waitFor();
  await dead.getByText("HighLevel did not answer after several tries").waitFor();
  await dead.getByText(/HighLevel said: “.+”/).waitFor();
  const trace = await dead.locator("code").textContent();
  assert.ok(
    env.emu.log.some((e) => e.traceId === trace),
    "the traceId shown is the one GHL sent",
  );
  await page.locator("dd[data-count=dead]").filter({ hasText: /^1$/ }).waitFor();
  // The rate budget gauge, from GHL's X-RateLimit-* headers.
  assert.ok((await page.getByRole("meter").count()) >= 1);
  // The error log shows GHL's status and traceId too, and the filter narrows it.
  await page.getByLabel("Show").selectOption({ label: "Failures only" });
  await page.locator("tr[data-kind=dead]").getByText(trace).waitFor();
  assert.equal(await page.locator("tr[data-kind=done]").count(), 0);
  await page.screenshot({ path: `${shots}activity-dead.png`, fullPage: true });

  env.emu.configure({ errorRate: 0 });
  await page
    .getByRole("button", {
      name: "Retry Qwilr proposal “Website Redesign Proposal” accepted by jane.doe@example.com",
    })
    .click();
  await page.getByText("1 event is queued again.").waitFor();
  await page.getByLabel("Show").selectOption({ label: "Everything" });
  await page.locator("dd[data-count=done]").filter({ hasText: /^2$/ }).waitFor();
  await page.getByText("No failed events.").waitFor();
  await context.close();
});

test("Retry all queues every failed event again", { skip }, async () => {
  const { page, context } = await openConsole(env, { extra: "&attempts=1" });
  await connect(page);
  env.emu.configure({ errorRate: 1, errorStatuses: [503] });
  await page.getByRole("tab", { name: "Go live" }).click();
  await page.getByRole("button", { name: "Go live…" }).click();
  await page.getByRole("button", { name: "Start delivering" }).click();
  for (const label of [
    "Example: Wishpond lead jane.doe@example.com (Spring Giveaway)",
    "Example: Qwilr proposal accepted by Jane Doe",
  ]) {
    await page.getByLabel("Event to try").selectOption({ label });
    await page.getByRole("button", { name: "Send this event" }).click();
    await page.getByText(/is queued for delivery/).waitFor();
  }
  await page.getByRole("tab", { name: "Activity" }).click();
  await page.locator("dd[data-count=dead]").filter({ hasText: /^2$/ }).waitFor();
  env.emu.configure({ errorRate: 0 });
  await page.getByRole("button", { name: "Retry all" }).click();
  await page.getByText("2 events are queued again.").waitFor();
  await page.locator("dd[data-count=done]").filter({ hasText: /^2$/ }).waitFor();
  await context.close();
});
