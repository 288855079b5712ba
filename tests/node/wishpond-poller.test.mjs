// The Wishpond poller through the package against the Wishpond emulator: paging until
// done, the cursor persisted and reused, changed leads, 429 backoff within the budget,
// a bad key. The clock and the waits are virtual (no timed test).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as g from "../../pkg/entries/node.js";
import { startWishpondEmulator } from "../../js/emulator/wishpond/index.mjs";

let w;
before(async () => {
  w = await startWishpondEmulator();
});
after(() => w.stop());

function virtualClock() {
  let t = 1_000_000;
  const waits = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    },
    waits,
  };
}

test("polls every page, then only what changed; the cursor survives a restart", async () => {
  const clock = virtualClock();
  const p = g.createWishpondPoller({
    apiKey: w.apiKey,
    config: { baseUrl: w.url, perPage: 2 },
    ...clock,
  });
  const first = await p.poll();
  assert.equal(first.calls, 2);
  assert.deepEqual(
    first.events.map((e) => [e.type, e.lead.email]),
    w.leads.map((l) => ["wishpond.lead.created", l.email]),
  );
  assert.equal(first.events[0].lead.dynamic_attributes.first_name, "Ada");
  const stored = JSON.parse(JSON.stringify(first.cursor));
  w.updateLead(102, { lead_score: 40 });
  w.addLead({ email: "new@example.com", dynamic_attributes: { first_name: "New" } });
  const p2 = g.createWishpondPoller({
    apiKey: w.apiKey,
    config: { baseUrl: w.url, perPage: 2 },
    cursor: stored,
    ...clock,
  });
  const second = await p2.poll();
  assert.deepEqual(
    second.events.map((e) => [e.type, e.lead.email]),
    [
      ["wishpond.lead.updated", "grace@example.com"],
      ["wishpond.lead.created", "new@example.com"],
    ],
  );
  assert.equal((await p2.poll()).events.length, 0, "nothing new: nothing reported");
  assert.ok(
    w.log.every((e) => !JSON.stringify(e).includes(w.apiKey)),
    "no key in the log",
  );
});

test("a 429 waits (Retry-After) and the poll completes", async () => {
  const clock = virtualClock();
  w.configure({ burst429: 1 });
  const p = g.createWishpondPoller({
    apiKey: w.apiKey,
    config: { baseUrl: w.url, perPage: 50 },
    ...clock,
  });
  const r = await p.poll();
  assert.ok(r.events.length >= 3);
  assert.deepEqual(clock.waits, [1000]);
});

test("a bad key is a typed error and the cursor stays", async () => {
  const p = g.createWishpondPoller({
    apiKey: "wrong",
    config: { baseUrl: w.url },
    ...virtualClock(),
  });
  await assert.rejects(
    p.poll(),
    (e) =>
      e instanceof g.GhlBridgeError &&
      e.code === "SOURCE_BAD_CREDENTIALS" &&
      !e.message.includes("wrong"),
  );
  assert.deepEqual(p.cursor().known, {});
});
