// The element in hostile places: a host page whose CSS targets everything, an iframe;
// it adds no globals and leaks no styles.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_LOCATION_ID, connect, hasBrowser, setup, shots } from "./helpers.mjs";

const skip = hasBrowser ? false : "chromium is not installed (run `make setup`)";
let env;
before(async () => {
  if (!skip) env = await setup();
});
after(async () => env?.close());

const query = () => `?api=${encodeURIComponent(env.emu.url)}&location=${DEMO_LOCATION_ID}`;

test("hostile host CSS cannot hide or restyle it; it still connects", { skip }, async () => {
  const context = await env.browser.newContext({
    viewport: { width: 1100, height: 900 },
    locale: "en-US",
  });
  const page = await context.newPage();
  await page.goto(`${env.site.url}/tests/widget/hostile.html${query()}`);
  await page.getByRole("tab", { name: "Connection" }).waitFor();
  await connect(page);
  await page.getByText("Connected to Demo Location (demoLocation00000001).").waitFor();
  const style = await page.locator("ghl-bridge-console").evaluate((el) => {
    const b = el.shadowRoot.querySelector("button[type=submit]");
    const cs = getComputedStyle(b);
    const root = getComputedStyle(el.shadowRoot.querySelector(".root"));
    return {
      display: cs.display,
      color: root.color,
      font: root.fontFamily,
      spacing: root.letterSpacing,
      transform: root.textTransform,
      bg: root.backgroundColor,
    };
  });
  assert.notEqual(style.display, "none");
  assert.notEqual(style.color, "rgb(255, 0, 255)");
  assert.ok(!/comic/i.test(style.font), style.font);
  assert.equal(style.transform, "none");
  assert.ok(style.spacing === "normal" || style.spacing === "0px", style.spacing);
  assert.equal(style.bg, "rgb(255, 255, 255)");
  await page.screenshot({ path: `${shots}hostile-host.png`, fullPage: true });
  await context.close();
});

test("no globals added, no styles leaked into the host page", { skip }, async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.site.url}/tests/browser/blank.html`);
  const result = await page.evaluate(async (src) => {
    const before = new Set(Object.getOwnPropertyNames(window));
    const symbolsBefore = Object.getOwnPropertyNames(Symbol).join();
    const btn = document.createElement("button");
    btn.textContent = "host";
    document.body.append(btn);
    const styleBefore =
      getComputedStyle(btn).cssText ||
      JSON.stringify([...getComputedStyle(btn)].map((k) => getComputedStyle(btn)[k]));
    const sheetsBefore = document.styleSheets.length + document.adoptedStyleSheets.length;
    await import(src);
    const el = document.createElement("ghl-bridge-console");
    document.body.append(el);
    await el.updateComplete;
    const added = Object.getOwnPropertyNames(window).filter((k) => !before.has(k));
    const styleAfter =
      getComputedStyle(btn).cssText ||
      JSON.stringify([...getComputedStyle(btn)].map((k) => getComputedStyle(btn)[k]));
    return {
      added,
      symbols: Object.getOwnPropertyNames(Symbol).join() === symbolsBefore,
      sameStyle: styleBefore === styleAfter,
      sheets: document.styleSheets.length + document.adoptedStyleSheets.length - sheetsBefore,
      defined: customElements.get("ghl-bridge-console") !== undefined,
    };
  }, `${env.site.url}/pkg/console/ghl-bridge-console.js`);
  // Not even Lit's version records (the build leaves them out).
  assert.deepEqual(result.added, []);
  assert.equal(result.symbols, true, "no Symbol.metadata polyfill");
  assert.equal(result.sameStyle, true);
  assert.equal(result.sheets, 0);
  assert.equal(result.defined, true);
  await context.close();
});

test("inside an iframe: the same console connects and goes through staging", { skip }, async () => {
  const context = await env.browser.newContext({
    viewport: { width: 900, height: 900 },
    locale: "en-US",
  });
  const page = await context.newPage();
  await page.goto(`${env.site.url}/tests/browser/blank.html`);
  await page.evaluate((src) => {
    const f = document.createElement("iframe");
    f.src = src;
    f.title = "HighLevel sync";
    f.style.cssText = "width:880px;height:860px;border:0";
    document.body.append(f);
  }, `${env.site.url}/js/widget/demo/${query()}`);
  const frame = page.frameLocator("iframe[title='HighLevel sync']");
  await frame.getByLabel("Private Integration Token").fill("pit-emulator-demo-all-scopes");
  await frame.getByRole("button", { name: "Save and test connection" }).click();
  await frame.getByText("Connected to Demo Location (demoLocation00000001).").waitFor();
  await frame.getByRole("tab", { name: "Go live" }).click();
  await frame.getByRole("button", { name: "Dry run" }).click();
  await frame.getByText("Nothing was sent to HighLevel.").waitFor();
  await page.screenshot({ path: `${shots}iframe.png` });
  await context.close();
});
