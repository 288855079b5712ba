// The Wishpond pollers against the Wishpond emulator: two workers tick at once and the
// period is polled once; every lead becomes one intake item; the cursor is stored; a
// new lead arrives in the next period only; a store failure mid-poll leaves the cursor
// where it was, so the next period stores what was missed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { WISHPOND_EMULATOR_KEY, startWishpondEmulator } from "../../js/emulator/wishpond/index.mjs";
import { createPollers } from "../../pkg/runner/index.js";
import { capturedLogger, runnerConfig } from "./runner-fixtures.mjs";
import { memoryRunnerStore } from "./runner-memory-store.mjs";

let wp;
before(async () => {
  wp = await startWishpondEmulator();
});
after(() => wp.stop());

test("polled once per period across workers; the cursor moves only after the leads are stored", {
  timeout: 120_000,
}, async () => {
  const made = runnerConfig({
    env: { TEST_WP_KEY: WISHPOND_EMULATOR_KEY },
    patch(doc) {
      doc.sources = {
        wishpond: {
          leads: {
            connection: "demo",
            apiKey: { env: "TEST_WP_KEY" },
            baseUrl: wp.url,
            pollIntervalMs: 60_000,
          },
        },
      };
    },
  });
  const store = memoryRunnerStore();
  const { log, text } = capturedLogger();
  let t = 1_000 * 60_000;
  const make = (holder) => createPollers({ config: made.config, store, log, holder, now: () => t });
  const [a, b] = [make("w1"), make("w2")];
  await Promise.all([a.tick(), b.tick()]);
  const items = () => [...store.intake.values()].filter((i) => i.source === "wishpond");
  const seeded = wp.leads.length;
  assert.ok(seeded > 0);
  assert.equal(items().length, seeded, "each lead once");
  assert.ok(items().every((i) => i.connection === "demo" && i.body.lead));
  assert.ok(await store.getValue("cursor:wishpond:leads"));
  const polls = wp.log.length;

  await Promise.all([a.tick(), b.tick()]); // same period: nobody polls
  assert.equal(wp.log.length, polls);

  wp.addLead({ email: "new@example.com", dynamic_attributes: { first_name: "New" } });
  t += 60_000;
  const cursor = await store.getValue("cursor:wishpond:leads");
  // The store takes the claim but refuses the leads (mid-poll): the cursor stays.
  const accept = store.accept;
  store.accept = async () => {
    throw Object.assign(new Error("the store cannot be reached (test)"), {
      code: "STORE_UNAVAILABLE",
    });
  };
  const before = wp.log.length;
  await a.tick();
  store.accept = accept;
  assert.ok(wp.log.length > before, "the poll ran");
  assert.deepEqual(await store.getValue("cursor:wishpond:leads"), cursor);
  assert.match(text(), /the cursor did not move/);

  t += 60_000;
  await Promise.all([a.tick(), b.tick()]);
  assert.equal(items().length, seeded + 1);
  assert.equal(items().at(-1).body.lead.email, "new@example.com");
  assert.ok(!text().includes(WISHPOND_EMULATOR_KEY));
});
