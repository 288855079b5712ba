// The console API with the whole runner (HTTP, worker, schedules) on the embedded store,
// against the GHL emulator: a lead handed over in production is delivered by the worker
// and counted in the outbox status; one GHL refuses becomes a dead letter the console
// lists with GHL's message and traceId, and its Activity the worker's failure log (GHL's
// status and traceId, from the store); "Retry all" asks the worker, which delivers it;
// the dashboard's statistics and "Send now" (a Slack post through the scheduler).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEMO_TOKEN, startEmulator } from "../../js/emulator/index.mjs";
import {
  capturedLogger,
  consoleSession,
  pageLead as lead,
  runnerConfig,
  startTestRunner,
} from "./runner-fixtures.mjs";

const PASSWORD = "console-worker-password";
let emu;
let runner;
let dir;
let call;
let url;
let made;
let store;

// A stand-in for Slack's incoming webhook: keeps what the report posts.
const posted = [];
const slack = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    posted.push(JSON.parse(body));
    res.end("ok");
  });
});

before(async () => {
  await new Promise((r) => slack.listen(0, "127.0.0.1", r));
  emu = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), "ghl-bridge-console-"));
  made = runnerConfig({
    emu,
    env: {
      TEST_PIT: DEMO_TOKEN,
      TEST_PASSWORD: PASSWORD,
      TEST_SLACK: `http://127.0.0.1:${slack.address().port}/services/test`,
    },
    patch(doc) {
      doc.connections.demo.scopes = [
        "contacts.write",
        "contacts.readonly",
        "locations/tags.readonly",
        "locations/tags.write",
      ];
      doc.connections.demo.scopes.push(
        "socialplanner/account.readonly",
        "socialplanner/statistics.readonly",
      );
      doc.connections.demo.weeklyReport = { targets: ["team"] };
      doc.reportTargets = { team: { slack: { webhookUrl: { env: "TEST_SLACK" } } } };
      doc.sources = {};
      doc.console = { password: { env: "TEST_PASSWORD" } };
    },
  });
  ({ runner, store } = await startTestRunner(made, dir, capturedLogger().log));
  url = runner.server.url;
  call = await consoleSession(url, PASSWORD);
});
after(async () => {
  await runner?.stop();
  await emu?.stop();
  slack.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Asks until `ok(answer)` (the worker runs on its own timer); no timing is asserted. */
async function until(method, ok) {
  for (let i = 0; i < 400; i++) {
    const a = await call(method);
    if (ok(a)) return a;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${method} never reached the expected state`);
}

test("production: the worker delivers the lead handed over in the console", async () => {
  assert.equal((await call("mode")).mode, "production");
  const d = await call("deliver", lead("console-worker-1", "ada@example.com"));
  assert.equal(d.queued, true);
  await until("outboxStatus", (s) => s.counts.done >= 1 && s.counts.pending === 0);
  assert.ok(emu.log.some((e) => e.operation === "contacts.upsert-contact" && e.status === 200));
});

test("the outbox status carries the location's rate budget as the worker stored it", async () => {
  const s = await until("outboxStatus", (x) => x.budget !== null);
  // The core's stored budget: GHL's burst window and day, the sends made in them.
  assert.ok(
    s.budget.max > 0 && s.budget.intervalMs > 0 && s.budget.dailyMax > 0,
    JSON.stringify(s),
  );
  assert.equal(s.budget.locationId, made.config.connections.demo.locationId);
  assert.ok(s.budget.dailyUsed >= 1, "the delivery's requests counted");
  assert.ok(s.budget.sends.length >= 1);
  assert.equal(typeof s.at, "number");
});

test("rules saved in the console reach the worker's next event, without a restart", async () => {
  const doc = structuredClone((await call("rules")).documents.wishpond);
  // A tag the location has (the flows add only known tags unless allowed to create them).
  doc.tagRules.push({ id: "tag-console", add: ["vip"] });
  await call("saveRules", "wishpond", doc);
  await call("deliver", lead("console-worker-rules", "lin@example.com"));
  const contacts = emu.state.locations[made.config.connections.demo.locationId].contacts;
  const lin = () => contacts.find((c) => c.email === "lin@example.com");
  // Delivered with its tags (a later stage: the location's tags are read first).
  await until("outboxStatus", () => lin()?.tags?.length > 0);
  assert.ok(lin().tags.includes("vip"), JSON.stringify(lin().tags));
  // The lead of the first test, planned before the save, did not get it.
  const ada = contacts.find((c) => c.email === "ada@example.com");
  assert.ok(!ada.tags.includes("vip"), JSON.stringify(ada.tags));
});

test("an event the worker converts (not handed over in the console) becomes a recent sample", async () => {
  // A lead reaching the intake as a source's would (the console never saw it).
  const e = lead("intake-only-lead", "hopper@example.com");
  assert.equal(
    await store.accept({
      source: "wishpond",
      dedupeKey: e.id,
      connection: "demo",
      body: e.payload,
      receivedAt: Date.now(),
    }),
    "accepted",
  );
  // The widget names its plans by these samples (the lead's email, not the id).
  const samples = await until("samples", (l) => l.some((x) => x.event.id === "intake-only-lead"));
  const mine = samples.find((x) => x.event.id === "intake-only-lead");
  assert.equal(mine.source, "wishpond");
  assert.equal(mine.event.payload.lead.email, "hopper@example.com");
  // Delivered before the next test arms the emulator's faults (it counts dead letters).
  const contacts = emu.state.locations[made.config.connections.demo.locationId].contacts;
  await until(
    "outboxStatus",
    (s) => contacts.some((c) => c.email === "hopper@example.com") && s.counts.pending === 0,
  );
});

test("a refused delivery is a dead letter with GHL's message and traceId; Retry all delivers it", async () => {
  emu.configure({ errorRate: 1, errorStatuses: [422] });
  await call("deliver", lead("console-worker-2", "grace@example.com"));
  const [dead] = await until("deadLetters", (l) => l.length === 1);
  assert.equal(dead.planId, "console-worker-2");
  assert.ok(dead.traceId && emu.log.some((e) => e.traceId === dead.traceId), JSON.stringify(dead));
  // The worker wrote its outbox failure log to the store: the console's Activity shows it.
  const activity = await until("activity", (l) =>
    l.some((e) => e.planId === "console-worker-2" && e.outcome === "dead"),
  );
  const failed = activity.filter((e) => e.planId === "console-worker-2");
  assert.ok(
    failed.every((e) => e.status === 422 && e.traceId),
    JSON.stringify(failed),
  );
  assert.ok(!JSON.stringify(activity).includes(DEMO_TOKEN), "no token in the activity");
  emu.configure({ errorRate: 0 });
  const r = await call("retryAll");
  assert.equal(r.retried, 1);
  await until("deadLetters", (l) => l.length === 0);
  await until("outboxStatus", (s) => s.counts.done >= 2 && s.counts.dead === 0);
});

test("the dashboard's statistics and the weekly report's Send now, through the runner's schedules", async () => {
  const stats = await call("statistics");
  assert.ok(stats.series.totals.length > 0, "totals from the emulator's statistics");
  assert.match(stats.markdown, /#/);
  assert.ok(stats.csv.includes(","));
  const sent = await call("sendReportNow");
  assert.deepEqual(sent.to, ["team"]);
  assert.equal(posted.length, 1, "one Slack post");
  assert.ok(Array.isArray(posted[0].blocks));
});
