// The outbox in headless Chromium over real IndexedDB: a page accepts 500 events and
// starts delivering them to the emulator; the page is closed mid-way (the tab closes);
// a new page on the same origin restores from IndexedDB and finishes. Every event must
// be delivered exactly once in effect.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveRepo, launch } from "./harness.mjs";
import { startEmulator, DEMO_LOCATION_ID } from "../../js/emulator/index.mjs";

let server, browser, emu;
before(async () => {
  server = await serveRepo();
  browser = await launch();
  emu = await startEmulator({
    seed: 9,
    rateLimit: { max: 100, intervalMs: 1000 },
    latencyMs: [3, 15],
  });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await emu?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const applied = () => emu.log.filter((e) => e.path === "/contacts/upsert" && e.status === 200);

test("close the page mid-way, reopen it: all 500 events delivered exactly once in effect", async () => {
  const N = 500;
  const context = await browser.newContext();
  const page1 = await context.newPage();
  const url = `${server.url}/tests/browser/outbox.html?emu=${encodeURIComponent(emu.url)}`;
  await page1.goto(`${url}&accept=${N}`);
  await page1.waitForFunction(
    () => window.__outbox?.accepted === 500 || window.__outbox?.error,
    null,
    { timeout: 30_000 },
  );
  assert.equal(await page1.evaluate(() => window.__outbox.error), null);
  while (applied().length < 150) await sleep(5);
  await page1.close(); // the tab goes away with requests on the wire
  const atClose = applied().length;
  assert.ok(atClose < N, `closed mid-way (${atClose} upserts applied)`);

  const page2 = await context.newPage();
  await page2.goto(url);
  await page2.waitForFunction(() => window.__outbox?.done || window.__outbox?.error, null, {
    timeout: 60_000,
  });
  const out = await page2.evaluate(() => window.__outbox);
  assert.equal(out.error, null);
  assert.equal(out.restored.accepted, N, "every accepted event was in IndexedDB");
  assert.ok(
    out.restored.done > 0 && out.restored.done < N,
    `restored mid-way (${out.restored.done} done)`,
  );
  assert.deepEqual(out.done, { accepted: N, pending: 0, inFlight: 0, done: N, dead: 0 });

  // Exactly once in effect: one contact per event, with its values and its tag; an
  // upsert applied twice only for the few requests on the wire when the tab closed.
  const contacts = emu.state.locations[DEMO_LOCATION_ID].contacts.filter((c) =>
    c.email?.endsWith("@browser.example"),
  );
  assert.equal(contacts.length, N);
  for (const c of contacts) {
    const i = Number(/^b(\d+)@/.exec(c.email)[1]);
    assert.equal(c.firstName, `n${i}`);
    assert.deepEqual(c.tags, [`t${i % 5}`]);
  }
  const per = new Map();
  for (const e of applied()) per.set(e.body.email, (per.get(e.body.email) ?? 0) + 1);
  assert.equal(per.size, N);
  const twice = [...per.values()].filter((k) => k > 1);
  assert.ok(
    twice.every((k) => k === 2) && twice.length <= 12,
    `${twice.length} upserts repeated (at most those in flight at the close)`,
  );
  console.log(
    `outbox in Chromium: closed after ${atClose} upserts, restored with ${out.restored.done} done, ${twice.length} in-flight upserts sent again, ${N} contacts exactly as sent`,
  );
  await context.close();
});
