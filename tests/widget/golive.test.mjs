// Go live and Activity, as a person: a staging dry run shows the exact requests and
// sends nothing; going live needs a confirmation naming what starts; an event is
// delivered and shows in Activity; a failing one (emulator fault) is dead-lettered with
// GHL's message and traceId, and "Retry" delivers it once the fault is gone.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, hasBrowser, openConsole, setup, shots } from "./helpers.mjs";

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
    .getByText("This event will update the contact matched by jane.doe@example.com")
    .waitFor();
  // No header shown carries a token.
  assert.ok(!(await upsert.textContent()).includes("Bearer"));
  assert.deepEqual(contactWrites(env.emu.log.slice(before)), []);
  await context.close();
});

test("go live, deliver an event and watch it in Activity; make one fail and retry it", {
  skip,
}, async () => {
  const { page, context } = await openConsole(env, { extra: "&attempts=1" });
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
