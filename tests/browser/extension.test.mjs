// The package inside a real MV3 extension's module service worker (Chromium loads the
// unpacked extension): static import of `ghl-bridge/slim`, `initialize()` awaited in the
// handler (top-level await would stop the worker from starting), fetch to the emulator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { chromiumPath } from "./harness.mjs";
import {
  startEmulator,
  DEMO_TOKEN,
  DEMO_LOCATION_ID,
  ALL_SCOPES,
} from "../../js/emulator/index.mjs";

let emu, dir, context;
before(async () => {
  emu = await startEmulator({ seed: 5 });
  dir = await mkdtemp(join(tmpdir(), "ghl-bridge-ext-"));
  const ext = join(dir, "ext");
  await cp(fileURLToPath(new URL("./extension", import.meta.url)), ext, { recursive: true });
  await cp(fileURLToPath(new URL("../../pkg", import.meta.url)), join(ext, "ghl-bridge"), {
    recursive: true,
  });
  context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      `--disable-extensions-except=${ext}`,
      `--load-extension=${ext}`,
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});
after(async () => {
  await context?.close();
  await emu?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("an extension service worker initialises the package and talks to GHL", async () => {
  const worker =
    context.serviceWorkers()[0] ??
    (await context.waitForEvent("serviceworker", { timeout: 15000 }));
  const out = await worker.evaluate((args) => self.ghlBridge.check(args), {
    url: emu.url,
    token: DEMO_TOKEN,
    locationId: DEMO_LOCATION_ID,
    scopes: [...ALL_SCOPES],
  });
  assert.match(out.version, /^\d+\.\d+\.\d+$/);
  assert.equal(out.beforeInit, "NOT_INITIALIZED", "a call before initialize() is a typed error");
  assert.equal(out.isNew, true);
  assert.equal(out.rateLimit.max, 100);
  const stored = Object.values(emu.state.locations[DEMO_LOCATION_ID].contacts).find(
    (k) => k.id === out.id,
  );
  assert.equal(stored.email, "extension@example.com");
});

test("an extension page messages the worker; the worker's listener initialises and answers", async () => {
  const worker =
    context.serviceWorkers()[0] ??
    (await context.waitForEvent("serviceworker", { timeout: 15000 }));
  const id = new URL(worker.url()).host;
  const page = await context.newPage();
  await page.goto(`chrome-extension://${id}/page.html`);
  const out = await page.evaluate(
    (args) => chrome.runtime.sendMessage({ type: "ghl-bridge.check", args }),
    {
      url: emu.url,
      token: DEMO_TOKEN,
      locationId: DEMO_LOCATION_ID,
      scopes: [...ALL_SCOPES],
    },
  );
  assert.equal(out.error, undefined);
  assert.match(out.version, /^\d+\.\d+\.\d+$/);
  await page.close();
});
