// The release build in headless Chromium: it loads (the service worker starts and
// answers), offers no API base URLs, has no loopback permission, and without a
// connection says so in the side panel with a blank badge.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, workerStatus } from "./harness.mjs";

let h;
before(async () => {
  h = await start({ dev: false });
});
after(async () => {
  await h?.stop();
});

test("the release build: no development settings, not connected until the console is used", async () => {
  const options = await h.context.newPage();
  await options.goto(h.url("options.html"));
  await options.locator("ghl-bridge-console").getByRole("tab", { name: "Connection" }).waitFor();
  assert.equal(await options.getByLabel("GHL API base URL").isVisible(), false);
  const reply = await workerStatus(options);
  assert.equal(reply.ok, true);
  assert.equal(reply.status.dev, false);
  assert.equal(reply.status.configured, false);
  const panel = await h.context.newPage();
  await panel.goto(h.url("sidepanel.html"));
  await panel.getByText("Not connected: open the console").waitFor();
  const badge = await panel.evaluate(() => chrome.action.getBadgeText({}));
  assert.equal(badge, "");
  const manifest = await panel.evaluate(() => chrome.runtime.getManifest());
  assert.ok(!manifest.host_permissions.some((p) => p.includes("127.0.0.1")));
});
