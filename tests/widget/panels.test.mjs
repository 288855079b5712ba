// Dashboard, Tags, Sources and the Mapping tab's contract with <ghl-mapping-editor>,
// as a person sees them, against the GHL emulator.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DEMO_LOCATION_ID,
  DEMO_TOKEN,
  connect,
  hasBrowser,
  openConsole,
  setup,
} from "./helpers.mjs";

const skip = hasBrowser ? false : "chromium is not installed (run `make setup`)";
let env;
before(async () => {
  if (!skip) env = await setup();
});
after(async () => env?.close());

/** GHL's own 7-day totals for the location, asked of the emulator directly. */
async function emulatorTotals() {
  const h = {
    Authorization: `Bearer ${DEMO_TOKEN}`,
    Version: "2021-07-28",
    "Content-Type": "application/json",
  };
  const accounts = await (
    await fetch(`${env.emu.url}/social-media-posting/${DEMO_LOCATION_ID}/accounts`, { headers: h })
  ).json();
  const profileIds = (accounts.results?.accounts ?? []).map((a) => a.profileId);
  const r = await fetch(
    `${env.emu.url}/social-media-posting/statistics?locationId=${DEMO_LOCATION_ID}`,
    {
      method: "POST",
      headers: h,
      body: JSON.stringify({ profileIds }),
    },
  );
  return (await r.json()).results.totals;
}

test("dashboard: a chart and table with the emulator's numbers, the report rendered, CSV, Send now", {
  skip,
}, async () => {
  const { page, context } = await openConsole(env);
  await connect(page);
  await page.getByRole("tab", { name: "Dashboard" }).click();
  const chart = page.locator("svg[data-chart=totals]");
  await chart.waitFor();
  const totals = await emulatorTotals();
  const table = page.locator("table[data-table=totals]");
  for (const [metric, label] of [
    ["impressions", "Impressions"],
    ["followers", "Followers"],
    ["likes", "Likes"],
  ]) {
    const row = table.getByRole("row", { name: new RegExp(`^${label} `) });
    await row
      .getByRole("cell", { name: totals[metric].toLocaleString("en-US"), exact: true })
      .waitFor();
    // The bar of the chart carries the same value.
    assert.equal(
      await chart.locator(`g[data-metric="${label}"] rect.cur`).getAttribute("data-value"),
      String(totals[metric]),
    );
  }
  assert.match(
    await chart.getAttribute("aria-label"),
    new RegExp(`Impressions: ${totals.impressions.toLocaleString("en-US")}`),
  );
  await page.locator("svg[data-chart=series]").waitFor();
  // The weekly report: Markdown rendered (headings and tables), no raw markup left.
  const report = page.locator("[data-report]");
  await report.getByRole("heading", { name: /Weekly social report/ }).waitFor();
  assert.ok((await report.locator("table").count()) >= 1);
  assert.ok(!(await report.textContent()).includes("|---"));
  const href = await page.getByRole("link", { name: "Download CSV" }).getAttribute("href");
  assert.match(decodeURIComponent(href), /impressions/);
  // Send now needs a Slack webhook URL in this console (sending: sources-report.test.mjs).
  await page.getByRole("button", { name: "Send now" }).click();
  await page.getByRole("alert").getByText("Paste the Slack incoming-webhook URL first.").waitFor();
  await context.close();
});

test("tags: the catalog and the validation report, each finding with a fix or a manual step", {
  skip,
}, async () => {
  const { page, context } = await openConsole(env);
  await connect(page);
  await page.getByRole("tab", { name: "Tags" }).click();
  await page.getByRole("heading", { name: /Social Planner tags/ }).waitFor();
  const live = env.emu.state.locations[DEMO_LOCATION_ID].socialTags;
  await page.getByText(`${live.length} tags`).waitFor();
  const deleted = live.find((t) => t.deleted);
  await page.locator("li.deleted", { hasText: deleted.tag }).waitFor();
  // The preset rules reference tags the Social Planner does not know: each finding says what to do.
  const findings = page.locator("li[data-finding]");
  await findings.first().waitFor();
  const n = await findings.count();
  for (let i = 0; i < n; i++) {
    const f = findings.nth(i);
    const actionable =
      (await f.getByRole("button").count()) + (await f.getByText("Manual step:").count());
    assert.ok(actionable >= 1, `finding ${i} has a fix or a manual step`);
  }
  await context.close();
});

test("sources: the capture snippet for a site key, with a working Copy button; credentials never shown", {
  skip,
}, async () => {
  const { page, context } = await openConsole(env);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await connect(page);
  await page.getByRole("tab", { name: "Sources" }).click();
  await page.getByLabel("Wishpond API key").fill("wp-secret-key-123");
  await page.getByLabel("Site key for the page capture").fill("spring-landing");
  await page.getByRole("button", { name: "Save Wishpond settings" }).click();
  const snippet = page.getByLabel("Page capture snippet");
  await snippet.getByText(/data-site-key="spring-landing"/).waitFor();
  assert.match(
    await snippet.textContent(),
    /<script src="http:\/\/127\.0\.0\.1:\d+\/pkg\/capture\/capture\.js"/,
  );
  await page.getByRole("button", { name: "Copy snippet" }).click();
  await page.getByText("Copied to the clipboard.").waitFor();
  assert.match(
    await page.evaluate(() => navigator.clipboard.readText()),
    /data-site-key="spring-landing"/,
  );
  await page.getByText("An API key is saved. Leave this empty to keep it.").waitFor();
  assert.equal(await page.getByLabel("Wishpond API key").inputValue(), "");
  const html = await page.locator("ghl-bridge-console").evaluate((el) => el.shadowRoot.innerHTML);
  assert.ok(!html.includes("wp-secret-key-123"));
  // Qwilr webhooks need the runner: the manual step says so.
  await page.getByText(/Qwilr sends webhooks to a public address/).waitFor();
  await context.close();
});

test("mapping: the editor gets the document, samples, custom fields and core; Save rules saves its document", {
  skip,
}, async () => {
  const { page, context } = await openConsole(env);
  // A stand-in for <ghl-mapping-editor> (another developer's element) that records what
  // it was given and emits ghl-rules-changed as the real one does.
  await page.evaluate(() => {
    customElements.define(
      "ghl-mapping-editor",
      class extends HTMLElement {
        set core(c) {
          // As a Lit property: the same value is no change; the core arrives once loaded.
          if (!c || c === this._core) return;
          this._core = c;
          const doc = structuredClone(this.document);
          doc.tagRules = [...(doc.tagRules ?? []), { add: ["from-the-editor"] }];
          const problems = c.validateRules(doc);
          queueMicrotask(() =>
            this.dispatchEvent(
              new CustomEvent("ghl-rules-changed", {
                detail: { document: doc, problems },
                bubbles: true,
                composed: true,
              }),
            ),
          );
          window.__editor = {
            hasDocument: Array.isArray(this.document?.mappings),
            sampleHasLead: typeof this.sample?.lead === "object",
            samples: this.samples?.length,
            customFields: this.customFields?.map((f) => f.name),
            coreHasCompile: typeof c.compileRules === "function",
          };
        }
      },
    );
    document.addEventListener("ghl-rules-saved", (e) => (window.__saved = e.detail));
  });
  await connect(page);
  await page.getByRole("tab", { name: "Mapping" }).click();
  // The editor is rendered (and given its inputs) once the core and the samples are loaded.
  await page.waitForFunction(() => window.__editor !== undefined);
  await page.getByText("No problems.").waitFor();
  const seen = await page.evaluate(() => window.__editor);
  assert.equal(seen.hasDocument, true);
  assert.equal(seen.sampleHasLead, true);
  assert.ok(seen.samples >= 1);
  assert.ok(
    seen.customFields.includes("utm_source") || seen.customFields.length >= 10,
    JSON.stringify(seen.customFields),
  );
  assert.equal(seen.coreHasCompile, true);
  await page.getByRole("button", { name: "Save rules" }).click();
  await page.getByText("Rules saved.").waitFor();
  assert.equal((await page.evaluate(() => window.__saved)).source, "wishpond");
  // The saved document is the one the dry run uses now.
  await page.getByRole("tab", { name: "Go live" }).click();
  await page.getByRole("button", { name: "Dry run" }).click();
  await page
    .locator("li[data-step=add-tags]")
    .getByText(/from-the-editor/)
    .waitFor();
  await context.close();
});

test("mapping: an editor that reports every new document it is given does not loop", {
  skip,
}, async () => {
  const { page, context } = await openConsole(env);
  // A legal editor: each new document object it receives is re-validated and reported.
  await page.evaluate(() => {
    window.__documentSets = 0;
    customElements.define(
      "ghl-mapping-editor",
      class extends HTMLElement {
        set document(d) {
          if (d === this._d) return;
          this._d = d;
          window.__documentSets++;
          const copy = structuredClone(d);
          queueMicrotask(() =>
            this.dispatchEvent(
              new CustomEvent("ghl-rules-changed", {
                detail: { document: copy, problems: [] },
                bubbles: true,
                composed: true,
              }),
            ),
          );
        }
      },
    );
  });
  await connect(page);
  await page.getByRole("tab", { name: "Mapping" }).click();
  await page.getByRole("button", { name: "Save rules" }).waitFor();
  await page.getByText("No problems.").waitFor();
  await page.getByRole("button", { name: "Save rules" }).click();
  await page.getByText("Rules saved.").waitFor();
  // Its own report is not fed back to it: the document was given once per load.
  assert.ok((await page.evaluate(() => window.__documentSets)) <= 2);
  await context.close();
});
