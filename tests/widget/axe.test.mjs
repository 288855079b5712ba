// Every panel: axe-core finds no serious or critical violation, at desktop width in the
// light scheme and at 360 px in the dark one; a screenshot of each is saved under
// target/widget-screenshots/ (look at them after a change).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { axe, connect, hasBrowser, openConsole, setup, shots } from "./helpers.mjs";

const skip = hasBrowser ? false : "chromium is not installed (run `make setup`)";
const PANELS = ["Connection", "Sources", "Mapping", "Go live", "Activity", "Tags", "Dashboard"];
let env;
before(async () => {
  if (!skip) env = await setup();
});
after(async () => env?.close());

/** Brings each panel to a state with content (a dry run, a delivery...). */
async function fill(page, name) {
  if (name === "Go live") {
    await page.getByRole("button", { name: "Dry run" }).click();
    await page.getByText("Nothing was sent to HighLevel.").waitFor();
  } else if (name === "Dashboard") {
    await page.locator("svg[data-chart=totals]").waitFor();
  } else if (name === "Tags") {
    await page.getByRole("heading", { name: /Social Planner tags/ }).waitFor();
  } else if (name === "Activity") {
    await page.locator("dd[data-count=done]").waitFor();
  } else if (name === "Sources") {
    await page.getByLabel("Site key for the page capture").fill("spring-landing");
    await page.getByRole("button", { name: "Save Wishpond settings" }).click();
    await page.getByRole("button", { name: "Copy snippet" }).waitFor();
  } else if (name === "Mapping") {
    await page.getByRole("button", { name: "Save rules" }).waitFor();
  }
  await page
    .getByText("Loading…")
    .waitFor({ state: "detached" })
    .catch(() => {});
}

for (const [label, options] of [
  ["desktop-light", { viewport: { width: 1100, height: 900 }, colorScheme: "light" }],
  ["360-dark", { viewport: { width: 360, height: 800 }, colorScheme: "dark" }],
]) {
  test(`axe on every panel, ${label}; screenshots`, { skip }, async () => {
    const { page, context } = await openConsole(env, options);
    await connect(page);
    const found = {};
    for (const name of PANELS) {
      await page.getByRole("tab", { name }).click();
      await fill(page, name);
      const violations = await axe(page);
      if (violations.length) found[name] = violations;
      await page.screenshot({
        path: `${shots}${label}-${name.toLowerCase().replace(" ", "-")}.png`,
        fullPage: true,
      });
      if (name === "Mapping") {
        // The editor's cards start closed: open every one (those inside open ones too).
        const closed = page.locator('button.disclosure[aria-expanded="false"]');
        for (let i = 0; i < 100 && (await closed.count()) > 0; i++) await closed.first().click();
        assert.equal(await closed.count(), 0);
        const open = await axe(page);
        if (open.length) found["Mapping, every card open"] = open;
        await page.screenshot({ path: `${shots}${label}-mapping-open.png`, fullPage: true });
      }
    }
    // At 360 px nothing overflows sideways (the page does not scroll horizontally).
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
    // The go-live confirmation too.
    await page.getByRole("tab", { name: "Go live" }).click();
    await page.getByRole("button", { name: "Go live…" }).click();
    await page.getByRole("dialog").waitFor();
    const dialog = await axe(page);
    if (dialog.length) found.confirmation = dialog;
    await page.screenshot({ path: `${shots}${label}-confirmation.png` });
    await page.keyboard.press("Escape");
    assert.deepEqual(found, {});
    await context.close();
  });
}

test("the axe check sees inside the shadow root (it fails on an unlabelled field)", {
  skip,
}, async () => {
  const { page, context } = await openConsole(env);
  await page.locator("ghl-bridge-console").evaluate((el) => {
    el.shadowRoot.querySelector("section").append(document.createElement("input"));
  });
  assert.deepEqual(
    (await axe(page)).map((v) => v.id),
    ["label"],
  );
  await context.close();
});
