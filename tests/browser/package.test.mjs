// The built package loaded in a real page the way users load it: an ES module import
// of pkg/entries/web.js (top-level await instantiates the Wasm module).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveRepo, launch } from "./harness.mjs";
import {
  startEmulator,
  DEMO_TOKEN,
  DEMO_LOCATION_ID,
  ALL_SCOPES,
} from "../../js/emulator/index.mjs";

let server, browser, page, emu;
before(async () => {
  emu = await startEmulator({ seed: 3 });
  server = await serveRepo();
  browser = await launch();
  page = await browser.newPage();
  await page.goto(`${server.url}/tests/browser/blank.html`);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await emu?.stop();
});

test("the web entry loads and errors are real Errors with codes", async () => {
  const out = await page.evaluate(async () => {
    const g = await import("/pkg/entries/web.js");
    let err;
    try {
      g.validatePlan({
        id: "e",
        flow: "f",
        locationId: "l",
        steps: [{ id: "a", operation: "x", after: ["z"] }],
      });
    } catch (e) {
      err = {
        isError: e instanceof Error,
        isBridge: e instanceof g.GhlBridgeError,
        code: e.code,
        dep: e.details.dependency,
      };
    }
    return { version: g.version(), err };
  });
  assert.match(out.version, /^\d+\.\d+\.\d+$/);
  assert.deepEqual(out.err, {
    isError: true,
    isBridge: true,
    code: "PLAN_UNKNOWN_DEPENDENCY",
    dep: "z",
  });
});

test("a panic becomes INTERNAL_PANIC and the module keeps working", async () => {
  const out = await page.evaluate(async () => {
    // The web entry with the test hooks, in one bundle (a hook must reach the entry's glue).
    const g = await import("/pkg/entries/internal-web.js");
    const { __testPanic } = g;
    let caught;
    try {
      __testPanic("browser boom");
    } catch (e) {
      caught = { code: e.code, message: e.message, isError: e instanceof Error };
    }
    return { caught, after: g.version() };
  });
  assert.equal(out.caught.code, "INTERNAL_PANIC");
  assert.equal(out.caught.isError, true);
  assert.match(out.caught.message, /browser boom/);
  assert.match(out.after, /^\d+\.\d+\.\d+$/);
});

test("the slim entry needs and accepts an explicit initialize()", async () => {
  // A fresh page: no entry has loaded the module yet.
  const fresh = await browser.newPage();
  await fresh.goto(`${server.url}/tests/browser/blank.html`);
  const v = await fresh.evaluate(async () => {
    const s = await import("/pkg/entries/slim.js");
    let before;
    try {
      s.version();
    } catch (e) {
      before = e instanceof s.GhlBridgeError && e.code;
    }
    await s.initialize();
    await s.initialize(); // idempotent
    return { before, after: s.version() };
  });
  await fresh.close();
  assert.equal(v.before, "NOT_INITIALIZED");
  assert.match(v.after, /^\d+\.\d+\.\d+$/);
});

test("from a page: createClient sends through fetch to the emulator and reads rate limits", async () => {
  const out = await page.evaluate(
    async ({ url, token, locationId, scopes }) => {
      const g = await import("/pkg/entries/web.js");
      const c = g.createClient({ token, locationId, scopes, baseUrl: url });
      const up = await c.upsertContact({ email: "browser@example.com", firstName: "Page" });
      await c.addContactTags(up.contact.id, ["from-browser"]);
      const tags = await c.socialTags({ limit: 3 });
      let err;
      try {
        await c.upsertContact({ firstName: "no key" });
      } catch (e) {
        err = { code: e.code, status: e.details.status, isError: e instanceof Error };
      }
      return {
        id: up.contact.id,
        isNew: up.new,
        page: tags.results.tags.length,
        count: tags.results.count,
        rl: c.rateLimit(),
        err,
      };
    },
    { url: emu.url, token: DEMO_TOKEN, locationId: DEMO_LOCATION_ID, scopes: [...ALL_SCOPES] },
  );
  assert.equal(out.isNew, true);
  assert.equal(out.page, 3);
  assert.equal(out.count, 25);
  assert.equal(out.rl.max, 100);
  assert.deepEqual(out.err, { code: "GHL_HTTP_ERROR", status: 422, isError: true });
  const stored = Object.values(emu.state.locations[DEMO_LOCATION_ID].contacts).find(
    (k) => k.id === out.id,
  );
  assert.deepEqual(stored.tags, ["from-browser"]);
});
