// Connection panel, as a person: paste a token, test it, read which flows are ready and
// which permission is missing (named, with how to grant it); keyboard only.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_READONLY_TOKEN } from "../../js/emulator/index.mjs";
import { DEMO_TOKEN, connect, hasBrowser, openConsole, setup } from "./helpers.mjs";

const skip = hasBrowser ? false : "chromium is not installed (run `make setup`)";
let env;
before(async () => {
  if (!skip) env = await setup();
});
after(async () => env?.close());

test("connect with a token: the location is read and every flow is ready", { skip }, async () => {
  const { page, context, errors } = await openConsole(env);
  await connect(page);
  await page.getByText("Connected to Demo Location (demoLocation00000001).").waitFor();
  assert.equal(await page.getByText("Ready", { exact: true }).count(), 6);
  await page.getByText("This token can do everything the console needs.").waitFor();
  // The location was read from GHL (the emulator), with the token.
  assert.ok(env.emu.log.some((e) => e.operation === "locations.get-location" && e.status === 200));
  // The token is never shown back: not in the field, not in the page's text.
  assert.equal(await page.getByLabel("Private Integration Token").inputValue(), "");
  const text = await page.locator("ghl-bridge-console").evaluate((el) => el.shadowRoot.textContent);
  assert.ok(!text.includes(DEMO_TOKEN));
  const events = await page.evaluate(() => document.body.outerHTML);
  assert.ok(!events.includes(DEMO_TOKEN));
  assert.deepEqual(errors, []);
  await context.close();
});

test("a host's token provider (the property, set after the element is on the page) connects it", {
  skip,
}, async () => {
  const { page, context, errors } = await openConsole(env);
  // As a trusted host does it: its own element (configured by attributes, with the
  // backend it makes itself) is on the page first, then the property is set.
  await page.evaluate(
    ([api, location]) => {
      document.querySelector("ghl-bridge-console").remove();
      const el = document.createElement("ghl-bridge-console");
      el.setAttribute("base-url", api);
      el.setAttribute("location-id", location);
      document.querySelector("main").append(el);
    },
    [env.emu.url, "demoLocation00000001"],
  );
  // The host's own code runs once the console shows (it asks its page for a token).
  await page.getByText("It starts with “pit-”.").waitFor();
  await page.evaluate((token) => {
    window.providerCalls = 0;
    document.querySelector("ghl-bridge-console").tokenProvider = async () => {
      window.providerCalls += 1;
      return token;
    };
  }, DEMO_TOKEN);
  await page.getByText("This console gets its token from the page it runs in.").waitFor();
  // Nothing typed: the token comes from the host.
  await page.getByRole("button", { name: "Save and test connection" }).click();
  await page.getByText("Connected to Demo Location (demoLocation00000001).").waitFor();
  assert.ok((await page.evaluate(() => window.providerCalls)) > 0);
  const text = await page.locator("ghl-bridge-console").evaluate((el) => el.shadowRoot.textContent);
  assert.ok(!text.includes(DEMO_TOKEN));
  assert.deepEqual(errors, []);
  await context.close();
});

test("no part of the token is shown back (not even its last characters)", { skip }, async () => {
  const token = "pit-console-regression-Q7zW";
  env.emu.addToken(token, { locationId: "demoLocation00000001" });
  const { page, context } = await openConsole(env);
  await connect(page, token);
  await page
    .getByText("A token is saved (it is never shown). Leave this empty to keep it.")
    .waitFor();
  const html = await page.locator("ghl-bridge-console").evaluate((el) => el.shadowRoot.innerHTML);
  assert.ok(!html.includes("Q7zW"));
  await context.close();
});

test("a read-only token: the missing permission is named, with how to grant it; nothing was written", {
  skip,
}, async () => {
  const { page, context } = await openConsole(env);
  const before = env.emu.log.length;
  await connect(page, DEMO_READONLY_TOKEN);
  const contacts = page.locator("li[data-flow=contacts]");
  await contacts.getByText("Missing permission: contacts.write").waitFor();
  await contacts
    .getByText(/open Settings → Private Integrations, edit this integration, tick “contacts.write”/)
    .waitFor();
  await page
    .locator("li[data-flow=tags]")
    .getByText("Missing permission: locations/tags.write")
    .waitFor();
  await page.locator("li[data-flow=statistics]").getByText("Ready").waitFor();
  // The probes asked GHL and were refused or rejected: no contact or tag was created.
  const writes = env.emu.log
    .slice(before)
    .filter((e) => e.method !== "GET" && e.status >= 200 && e.status < 300);
  assert.deepEqual(
    writes.map((e) => e.operation),
    [],
  );
  await context.close();
});

test("a wrong token is explained in words, and the events carry no token", { skip }, async () => {
  const { page, context } = await openConsole(env);
  await page.evaluate(() => {
    window.__events = [];
    for (const t of ["ghl-error", "ghl-connected"])
      document.addEventListener(t, (e) => window.__events.push({ type: e.type, detail: e.detail }));
  });
  await page.getByLabel("Private Integration Token").fill("pit-not-a-real-token-0000");
  await page.getByRole("button", { name: "Save and test connection" }).click();
  await page
    .getByRole("alert")
    .getByText(/HighLevel did not accept the token/)
    .waitFor();
  const events = await page.evaluate(() => window.__events);
  assert.equal(events[0].type, "ghl-error");
  assert.equal(events[0].detail.code, "GHL_HTTP_ERROR");
  assert.ok(!JSON.stringify(events).includes("pit-not-a-real-token"));
  await context.close();
});

test("keyboard only: tabs with the arrow keys, the form with Tab and Enter", { skip }, async () => {
  const { page, context } = await openConsole(env);
  await page.getByRole("tab", { name: "Connection" }).focus();
  await page.keyboard.press("ArrowRight");
  assert.equal(
    await page.getByRole("tab", { name: "Sources" }).getAttribute("aria-selected"),
    "true",
  );
  await page.keyboard.press("End");
  assert.equal(
    await page.getByRole("tab", { name: "Dashboard" }).getAttribute("aria-selected"),
    "true",
  );
  await page.keyboard.press("Home");
  assert.equal(
    await page.getByRole("tab", { name: "Connection" }).getAttribute("aria-selected"),
    "true",
  );
  // Tab from the tab list into the panel, then on to the token field (as a person does:
  // Tab until the field has the focus; the panel renders after the tab change).
  const token = page.getByLabel("Private Integration Token");
  const focused = () => token.evaluate((el) => el.matches(":focus"));
  for (let i = 0; i < 4 && !(await focused()); i++) await page.keyboard.press("Tab");
  assert.ok(await focused(), "Tab reaches the token field");
  await page.keyboard.type(DEMO_TOKEN);
  await page.keyboard.press("Enter");
  await page.getByText("Connected to Demo Location (demoLocation00000001).").waitFor();
  await context.close();
});
