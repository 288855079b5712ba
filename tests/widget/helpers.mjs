// Shared set-up of the console tests: the GHL emulator (real HTTP), a static server of
// the repository (the demo page imports pkg/console/ as a user's page would), Debian's
// headless Chromium (tests/browser/harness.mjs), screenshots under
// target/widget-screenshots/ and axe-core run inside the page.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { DEMO_LOCATION_ID, DEMO_TOKEN, startEmulator } from "../../js/emulator/index.mjs";
import { chromiumPath, launch, serveRepo } from "../browser/harness.mjs";

export { DEMO_LOCATION_ID, DEMO_TOKEN };
export const hasBrowser = chromiumPath() !== null;
export const shots = fileURLToPath(new URL("../../target/widget-screenshots/", import.meta.url));
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** Starts the emulator, the static server and the browser; `close()` stops them. */
export async function setup() {
  const emu = await startEmulator();
  const site = await serveRepo();
  const browser = await launch();
  return {
    emu,
    site,
    browser,
    demoUrl: (extra = "") =>
      `${site.url}/js/widget/demo/?api=${encodeURIComponent(emu.url)}&location=${DEMO_LOCATION_ID}${extra}`,
    async close() {
      await browser.close();
      await site.close();
      await emu.stop();
    },
  };
}

/** A fresh page (its own storage) with the console's demo page open. */
export async function openConsole(
  env,
  { extra = "", viewport = { width: 1100, height: 900 }, colorScheme = "light" } = {},
) {
  const context = await env.browser.newContext({ viewport, colorScheme, locale: "en-US" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(env.demoUrl(extra));
  await page.getByRole("tab", { name: "Connection" }).waitFor();
  return { page, context, errors };
}

/** Types the token and submits, as a person would; resolves once the result shows. */
export async function connect(page, token = DEMO_TOKEN) {
  await page.getByLabel("Private Integration Token").fill(token);
  await page.getByRole("button", { name: "Save and test connection" }).click();
  await page.getByRole("heading", { name: "What this token may do" }).waitFor();
}

/** axe-core over the console element only (the host page is not ours): serious and critical violations. */
export async function axe(page, selector = "ghl-bridge-console") {
  if (!(await page.evaluate(() => "axe" in window)))
    await page.addScriptTag({ content: axeSource });
  return page.evaluate(async (sel) => {
    const r = await window.axe.run({ include: [sel] }, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
      }));
  }, selector);
}
