// The packed package bundled as users bundle it (esbuild with the README's commands,
// webpack 5, Vite 8, Vite 6 with target es2022), each build served as a site and run in
// headless Chromium: both the full and the lean module load in the same page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch, serveDir } from "./harness.mjs";
import { builds, consumerProject } from "../packaging/consumer.mjs";

let project, browser;
before(async () => {
  project = await consumerProject();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await project?.remove();
});

for (const [name, build] of Object.entries(builds)) {
  test(`${name}: the bundled app runs in a page with both modules`, async () => {
    const site = await serveDir(join(project.dir, build(project)));
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.goto(`${site.url}/`);
      const result = await page
        .waitForFunction(() => window.result, null, { timeout: 30000 })
        .then((h) => h.jsonValue());
      assert.deepEqual(errors, []);
      assert.match(result.version, /^\d+\.\d+\.\d+$/);
      assert.equal(result.leanVersion, result.version);
      assert.equal(JSON.parse(result.leanBody).email, "c@d.co");
      assert.equal(result.email, "x@y.z");
    } finally {
      await page.close();
      await site.close();
    }
  });
}
