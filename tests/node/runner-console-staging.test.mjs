// Staging on the runner (issue 12, Go live): while a connection is in staging, the worker
// plans the leads its sources send as a dry run and sends nothing to GHL; the console
// API shows each with the exact requests ("staging: not sent"). After going live through
// the console API, a new lead is delivered as a contact; the staged one is not sent.
// The whole runner (HTTP, worker) on the embedded store, against the GHL emulator.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEMO_TOKEN, startEmulator } from "../../js/emulator/index.mjs";
import { modeOf, notSent } from "../../pkg/runner/console-state.js";
import { until } from "../support/until.mjs";
import {
  capturedLogger,
  consoleSession,
  runnerConfig,
  startTestRunner,
} from "./runner-fixtures.mjs";

const PASSWORD = "console-staging-password";
const LOCATION = "demoLocation00000001";
let emu;
let runner;
let store;
let dir;
let call;
let url;
const logged = capturedLogger();

before(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), "ghl-bridge-staging-"));
  const made = runnerConfig({
    emu,
    env: { TEST_PIT: DEMO_TOKEN, TEST_PASSWORD: PASSWORD },
    patch(doc) {
      doc.connections.demo.scopes = [
        "contacts.write",
        "contacts.readonly",
        "locations/tags.readonly",
        "locations/tags.write",
      ];
      doc.sources = { capture: doc.sources.capture };
      doc.console = { password: { env: "TEST_PASSWORD" } };
    },
  });
  ({ store, runner } = await startTestRunner(made, dir, logged.log));
  url = runner.server.url;
  call = await consoleSession(url, PASSWORD);
});
after(async () => {
  await runner?.stop();
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A page capture, as the snippet on a Wishpond page posts it. */
async function capture(id, email) {
  const res = await fetch(`${url}/capture/site-1`, {
    method: "POST",
    headers: { origin: "https://pages.example.com", "content-type": "text/plain" },
    body: JSON.stringify({
      v: 1,
      siteKey: "site-1",
      id,
      fields: [{ name: "email", label: "Email", value: email }],
      page: { url: "https://pages.example.com/x", referrer: "", title: "X" },
      utm: {},
    }),
  });
  assert.equal(res.status, 202, await res.text());
}

const contactWith = (email) =>
  emu.state.locations[LOCATION].contacts.find((c) => c.email === email);
const ghlRequests = () => emu.log.filter((e) => e.operation?.startsWith("contacts."));
const pendingIntake = async () => (await store.counts()).pendingIntake.demo ?? 0;

test("a connection never switched is in production; staging is decided in one place", async () => {
  assert.equal((await call("mode")).mode, "production");
  assert.deepEqual(await modeOf(store, "demo"), { mode: "production", since: null });
  const since = "2026-01-01T00:00:00.000Z";
  assert.equal(notSent({ mode: "staging", since: null }, Date.parse(since) + 1), true);
  assert.equal(notSent({ mode: "production", since: null }, 0), false);
  // Received while staging, claimed after going live: not sent retroactively.
  assert.equal(notSent({ mode: "production", since }, Date.parse(since) - 1), true);
  assert.equal(notSent({ mode: "production", since }, Date.parse(since)), false);
});

test("staging: a captured lead reaches no GHL request; the console shows its dry-run requests", async () => {
  const m = await call("setMode", "staging");
  assert.equal(m.mode, "staging");
  const before = ghlRequests().length;
  await capture("sub-staged-1", "staged@example.com");
  let entry;
  await until(async () => {
    const staged = await call("staged");
    entry = staged.find((e) => e.eventId.endsWith(":sub-staged-1"));
    return entry !== undefined && (await pendingIntake()) === 0;
  }, "the staged lead recorded and its intake item completed");
  // Every stage's requests as they would be built: the location's tags read, then the
  // contact written (stage 2, the upsert's answer named as placeholders).
  assert.deepEqual(
    entry.requests.map((r) => r.step),
    ["location-tags"],
  );
  assert.deepEqual(
    entry.later.map((s) => [s.stage, s.requests.map((r) => r.step)]),
    [[2, ["upsert", "add-tags"]]],
  );
  for (const r of [...entry.requests, ...entry.later[0].requests])
    assert.ok(r.operation && r.url && !r.error, JSON.stringify(r));
  assert.match(entry.later[0].requests[1].url, /\/contacts\/\{upsert\.contact\.id\}\/tags$/);
  // The console's dry run of the same event shows what the worker staged (one flows
  // configuration for both: tags are never created on the runner).
  const sample = (await call("samples")).find((s) => s.event.id === entry.eventId);
  const dry = await call("dryRun", sample.event);
  assert.deepEqual(
    [dry.requests, dry.later].map((x) => JSON.stringify(x)),
    [entry.requests, entry.later].map((x) => JSON.stringify(x)),
  );
  assert.ok(!JSON.stringify(entry).includes(DEMO_TOKEN), "no token in the staged entry");
  // Nothing failed either: the Activity's failure log has no entry for it.
  assert.ok(!(await call("activity")).some((a) => a.planId === entry.eventId));
  // The item is complete and the outbox never had it: nothing reached GHL.
  const status = await call("outboxStatus");
  assert.equal(status.mode, "staging");
  assert.equal(status.counts.pending, 0);
  assert.equal(status.counts.done, 0);
  assert.equal(ghlRequests().length, before, JSON.stringify(ghlRequests()));
  assert.equal(contactWith("staged@example.com"), undefined);
});

test("after going live through the console API a new lead is delivered; the staged one is not", async () => {
  await assert.rejects(call("setMode", "production"), /CONFIRMATION_REQUIRED/);
  const live = await call("setMode", "production", { confirm: true });
  assert.equal(live.mode, "production");
  assert.ok(live.since);
  // Going live again keeps when production started.
  assert.equal((await call("setMode", "production", { confirm: true })).since, live.since);
  await capture("sub-live-1", "live@example.com");
  await until(async () => {
    const s = await call("outboxStatus");
    return s.counts.done >= 1 && s.counts.pending === 0;
  }, "the live lead delivered");
  assert.ok(contactWith("live@example.com"), "the live lead is a contact");
  assert.equal(contactWith("staged@example.com"), undefined, "the staged lead was not sent");
  const staged = await call("staged");
  assert.equal(staged.length, 1, "only the staging lead was staged");
});
