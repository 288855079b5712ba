// The outbox in Node against the GHL emulator: the fault test (1,000 events), restart
// from a file, coalescing and duplicates, dead letters and re-triggering, token
// refresh (single flight), the auth pause, and the log export.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as g from "../../pkg/entries/node.js";
import { __testPanic } from "../../pkg/internal.js";
import {
  startEmulator,
  ALL_SCOPES,
  DEMO_LOCATION_ID,
  DEMO_TOKEN,
} from "../../js/emulator/index.mjs";
import { contactPlan, faultRun } from "../../benches/outbox/lib.mjs";
import { tinyServer } from "./tiny-server.mjs";

const LOC = DEMO_LOCATION_ID;
const FAST = {
  burstMax: 500,
  burstIntervalMs: 1000,
  windowMarginMs: 20,
  backoffBaseMs: 10,
  backoffCapMs: 100,
};
const plan = (i, email, tags = [`t${i}`], extra = {}) =>
  contactPlan({ id: `e${i}`, locationId: LOC, email, firstName: `n${i}`, tags, ...extra });
// Every upsert that reached GHL (faulted ones have no operation: the handler never ran).
const upserts = (emu) => emu.log.filter((e) => e.path === "/contacts/upsert");
const contact = (emu, email) => emu.state.locations[LOC].contacts.filter((c) => c.email === email);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withEmu(options, body) {
  const emu = await startEmulator({
    seed: 5,
    rateLimit: { max: 500, intervalMs: 1000 },
    ...options,
  });
  try {
    return await body(emu);
  } finally {
    await emu.stop();
  }
}

test("fault test: 1,000 events with 5xx, drops, latency, 429 bursts and an expiring token", async () => {
  const r = await faultRun(g, {
    events: 1000,
    rateLimit: { max: 200, intervalMs: 1000 },
    log: (l) => console.log(l),
  });
  const f = r.figures;
  assert.equal(f.accepted, 1000);
  assert.equal(f.delivered + f.dead, f.accepted, "delivered + dead-lettered = accepted");
  assert.equal(f.duplicated, 0, "no event applied twice");
  assert.equal(f.lost, 0, "no event lost");
  assert.deepEqual(r.mismatches, [], "the emulator's contacts are what the events say");
  assert.deepEqual(r.strays, [], "no contact the events do not name");
  // The only dead letters are the invalid events, rejected by GHL with 422, not retried.
  assert.equal(f.dead, r.badEvents);
  for (const d of r.dead) {
    assert.equal(d.reason, "REJECTED");
    assert.equal(d.status, 422);
    assert.match(d.message, /no_such_field|custom field/i);
  }
  assert.equal(r.http422, r.badEvents, "each rejected event got exactly one 422: no retry");
  assert.equal(r.duplicatesDropped, r.duplicatesSent, "re-sent event ids are dropped");
  assert.ok(r.expired, "the token expired mid-run");
  assert.equal(r.getTokenCalls, 2, "one initial getToken() and one refresh for the whole run");
  assert.equal(r.stats.tokenRefreshes, 1);
  assert.ok(r.stats.http5xx > 50 && r.stats.failures > 10, "the faults happened");
  assert.ok(
    f.http429 >= 5 && r.stats.http429 === f.http429,
    "the 429 bursts happened and were answered",
  );
  for (const t of r.tokens) assert.ok(!r.exported.includes(t), "no token in the log export");
});

test("accept resolves only after the storage made the event durable", async () => {
  await withEmu({}, async (emu) => {
    const inner = g.memoryStorage();
    let release;
    const gate = new Promise((r) => (release = r));
    const storage = {
      load: () => inner.load(),
      close: () => inner.close(),
      apply: async (ops) => {
        await gate;
        return inner.apply(ops);
      },
    };
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
      storage,
      config: FAST,
      autoStart: false,
    });
    let acked = false;
    const p = ob.accept(plan(1, "durable@x.example")).then(() => (acked = true));
    await sleep(30);
    assert.equal(acked, false, "not acknowledged before the write");
    assert.equal(inner.snapshot().size, 0);
    release();
    await p;
    assert.equal(inner.snapshot().get("e1").state.kind, "pending");
    await ob.close();
  });
});

test("restart from a file mid-run: done steps are not repeated, pending ones finish", async () => {
  await withEmu({ latencyMs: [5, 25] }, async (emu) => {
    const dir = await mkdtemp(join(tmpdir(), "ghl-outbox-restart-"));
    const path = join(dir, "outbox.jsonl");
    try {
      // First run: "crashes" (its storage stops answering, as a killed process would)
      // once 60 upserts reached GHL.
      const file1 = await g.fileStorage(path);
      let crashed = false;
      const storage1 = {
        load: () => file1.load(),
        close: () => file1.close(),
        apply: (ops) => (crashed ? new Promise(() => {}) : file1.apply(ops)),
      };
      const ob1 = await g.createOutbox({
        token: DEMO_TOKEN,
        locationId: LOC,
        scopes: ALL_SCOPES,
        baseUrl: emu.url,
        storage: storage1,
        config: FAST,
      });
      const n = 200;
      await Promise.all(
        Array.from({ length: n }, (_, i) => ob1.accept(plan(i, `r${i}@restart.example`))),
      );
      while (upserts(emu).length < 60) await sleep(2);
      crashed = true;
      ob1.stop();
      const crashAt = emu.log.length;

      // What the file says was done before the crash.
      const file2 = await g.fileStorage(path);
      // Plan records (the location's rate budget is stored beside them).
      const stored = await file2.load();
      const before = new Map(stored.filter((r) => r.record.plan).map((r) => [r.key, r.record]));
      assert.equal(before.size, n, "every accepted event was stored");
      assert.ok(
        stored.some((r) => r.record.rateBudget?.locationId === LOC),
        "the location's rate budget was stored with them",
      );
      const upsertDone = [...before.values()]
        .filter((r) => r.steps[0].outcome?.kind === "done")
        .map((r) => r.plan.id);
      const allDone = [...before.values()].filter((r) => r.state.kind === "done").length;
      assert.ok(
        upsertDone.length > 20 && upsertDone.length < n,
        `some upserts done before the crash (${upsertDone.length})`,
      );

      await sleep(60); // requests of the first run still on the wire land now
      const afterCrash = emu.log.length;
      const ob2 = await g.createOutbox({
        token: DEMO_TOKEN,
        locationId: LOC,
        scopes: ALL_SCOPES,
        baseUrl: emu.url,
        storage: file2,
        config: FAST,
      });
      assert.equal(ob2.counts().done, allDone, "restored counts");
      await ob2.idle();
      assert.deepEqual(ob2.counts(), { accepted: n, pending: 0, inFlight: 0, done: n, dead: 0 });
      const second = emu.log.slice(afterCrash);
      const doneSet = new Set(upsertDone);
      const repeated = second.filter(
        (e) =>
          e.operation === "contacts.upsert-contact" && doneSet.has(`e${e.body.firstName.slice(1)}`),
      );
      assert.deepEqual(repeated, [], "no upsert recorded as done was sent again");
      // Every event applied; at most the requests in flight at the crash were sent twice.
      const per = new Map();
      for (const e of upserts(emu)) per.set(e.body.firstName, (per.get(e.body.firstName) ?? 0) + 1);
      assert.equal(per.size, n);
      const twice = [...per.values()].filter((k) => k > 1).length;
      assert.ok(twice <= FAST_IN_FLIGHT, `${twice} upserts sent twice (in flight at the crash)`);
      for (let i = 0; i < n; i++) {
        const c = contact(emu, `r${i}@restart.example`);
        assert.equal(c.length, 1);
        assert.deepEqual(c[0].tags, [`t${i}`]);
      }
      assert.ok(afterCrash >= crashAt);
      await ob2.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
const FAST_IN_FLIGHT = 12; // the default maxInFlight

test("pending updates to one contact coalesce; duplicate ids are dropped, before and after delivery", async () => {
  await withEmu({}, async (emu) => {
    const events = [];
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
      storage: g.memoryStorage(),
      config: FAST,
      autoStart: false,
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(await ob.accept(plan(1, "co@x.example", ["a"])), {
      planId: "e1",
      disposition: { kind: "queued" },
    });
    assert.deepEqual(await ob.accept(plan(2, "co@x.example", ["b"])), {
      planId: "e2",
      disposition: { kind: "coalesced", replaced: "e1" },
    });
    assert.deepEqual((await ob.accept(plan(1, "co@x.example", ["a"]))).disposition, {
      kind: "duplicate",
    });
    assert.deepEqual((await ob.accept(plan(3, "other@x.example", ["c"]))).disposition, {
      kind: "queued",
    });
    ob.start();
    await ob.idle();
    assert.deepEqual(ob.counts(), { accepted: 3, pending: 0, inFlight: 0, done: 3, dead: 0 });
    const up = upserts(emu).filter((e) => e.body.email === "co@x.example");
    assert.equal(up.length, 1, "one upsert for the two updates");
    assert.equal(up[0].body.firstName, "n2", "the newer value wins");
    assert.deepEqual(contact(emu, "co@x.example")[0].tags.sort(), ["a", "b"]);
    assert.deepEqual(
      (await ob.accept(plan(2, "co@x.example", ["b"]))).disposition,
      { kind: "duplicate" },
      "a delivered id is remembered",
    );
    const progress = events.filter((e) => e.type === "progress");
    assert.deepEqual([...new Set(progress.map((e) => e.kind))].sort(), ["done", "queued", "sent"]);
    assert.deepEqual(progress.at(-1).counts.done, 3);
    assert.equal(ob.stats().coalesced, 1);
    assert.equal(ob.stats().duplicatesDropped, 2);
    await ob.close();
  });
});

test("422 dead-letters at once with GHL's message; retries exhausted dead-letter; re-trigger delivers", async () => {
  await withEmu({}, async (emu) => {
    const dead = [];
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
      storage: g.memoryStorage(),
      config: { ...FAST, maxAttempts: 3 },
      onEvent: (e) => e.type === "deadLettered" && dead.push(e),
    });
    await ob.accept(
      plan(1, "bad@x.example", ["a"], {
        customFields: [{ key: "no_such_field", field_value: "x" }],
      }),
    );
    await ob.idle();
    assert.equal(upserts(emu).length, 1, "a 422 is not retried");
    let [d] = ob.deadLetters();
    assert.equal(d.planId, "e1");
    assert.equal(d.reason, "REJECTED");
    assert.equal(d.status, 422);
    assert.equal(d.stepId, "upsert");
    assert.ok(d.message.length > 0 && d.traceId, "GHL's message and traceId");
    assert.equal(dead.length, 1);

    // 5xx every time: three attempts, then dead; fixed: re-trigger delivers.
    emu.configure({ errorRate: 1 });
    await ob.accept(plan(2, "flaky@x.example", ["b"]));
    await ob.idle();
    assert.equal(upserts(emu).filter((e) => e.body.email === "flaky@x.example").length, 3);
    d = ob.deadLetters().find((x) => x.planId === "e2");
    assert.equal(d.reason, "RETRIES_EXHAUSTED");
    assert.equal(d.attempts, 3);
    assert.deepEqual(ob.counts(), { accepted: 2, pending: 0, inFlight: 0, done: 0, dead: 2 });
    emu.configure({ errorRate: 0 });
    await ob.retrigger("e2");
    await ob.idle();
    assert.deepEqual(
      ob.deadLetters().map((x) => x.planId),
      ["e1"],
    );
    assert.equal(contact(emu, "flaky@x.example").length, 1);
    await assert.rejects(
      ob.retrigger("e2"),
      (e) => e instanceof g.GhlBridgeError && e.code === "OUTBOX_NOT_DEAD",
    );
    assert.equal(await ob.retriggerAll(), 1);
    await ob.idle();
    assert.equal(
      upserts(emu).filter((e) => e.body.email === "bad@x.example").length,
      2,
      "re-triggered once",
    );
    assert.deepEqual(ob.counts(), { accepted: 2, pending: 0, inFlight: 0, done: 1, dead: 1 });
    await ob.close();
  });
});

test("a request that cannot be built (missing scope) is dead-lettered, not sent", async () => {
  await withEmu({}, async (emu) => {
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ["contacts.readonly"],
      baseUrl: emu.url,
      storage: g.memoryStorage(),
      config: FAST,
    });
    await ob.accept(plan(1, "scope@x.example"));
    await ob.idle();
    const [d] = ob.deadLetters();
    assert.equal(d.reason, "INVALID_REQUEST");
    assert.match(d.message, /MISSING_SCOPE|scope/);
    assert.equal(emu.log.length, 0);
    await ob.close();
  });
});

test("401: one getToken() for all requests in flight (single flight), then delivery continues", async () => {
  await withEmu({ latencyMs: [5, 15] }, async (emu) => {
    emu.addToken("pit-test-old", { locationId: LOC });
    let current = "pit-test-old";
    let calls = 0;
    const ob = await g.createOutbox({
      getToken: async () => {
        calls += 1;
        await sleep(20);
        return current;
      },
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
      storage: g.memoryStorage(),
      config: FAST,
    });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => ob.accept(plan(i, `tok${i}@x.example`))),
    );
    // The token expires while requests are on the wire.
    while (emu.log.length < 10) await sleep(1);
    emu.revokeToken("pit-test-old");
    emu.addToken("pit-test-new", { locationId: LOC });
    current = "pit-test-new";
    await ob.idle();
    assert.equal(calls, 2, "the first token, then one refresh");
    assert.ok(emu.log.filter((e) => e.status === 401).length >= 2, "several requests saw the 401");
    assert.equal(ob.stats().tokenRefreshes, 1);
    assert.equal(ob.counts().done, 60);
    const log = ob.exportLog();
    assert.ok(
      !log.includes("pit-test-old") && !log.includes("pit-test-new"),
      "no token in the log",
    );
    const entries = JSON.parse(log);
    const e401 = entries.find((e) => e.status === 401);
    assert.equal(e401.outcome, "authRefresh");
    for (const key of ["at", "flow", "planId", "step", "operation", "attempt"])
      assert.ok(key in e401, key);
    await ob.close();
  });
});

test("a second 401 after the refresh pauses delivery with an auth error until resumeAuth()", async () => {
  await withEmu({}, async (emu) => {
    let current = "pit-never-valid";
    let calls = 0;
    const events = [];
    const ob = await g.createOutbox({
      getToken: () => {
        calls += 1;
        return current;
      },
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
      storage: g.memoryStorage(),
      config: FAST,
      onEvent: (e) => events.push(e),
    });
    for (let i = 0; i < 5; i++) await ob.accept(plan(i, `pause${i}@x.example`));
    while (!events.some((e) => e.type === "authPaused")) await sleep(5);
    while (ob.counts().inFlight > 0) await sleep(5); // requests already on the wire land
    const sent = emu.log.length;
    await sleep(100);
    assert.equal(emu.log.length, sent, "nothing is sent while paused");
    assert.equal(calls, 2);
    assert.match(events.find((e) => e.type === "authPaused").reason, /token/i);
    assert.equal(ob.counts().pending, 5);
    assert.ok(!ob.exportLog().includes(current));
    current = DEMO_TOKEN;
    ob.resumeAuth();
    await ob.idle();
    assert.equal(ob.counts().done, 5);
    assert.equal(calls, 3);
    assert.ok(!ob.exportLog().includes(DEMO_TOKEN), "no token in the log export");
    await ob.close();
  });
});

test("a failed write rebuilds the outbox from its storage; the unacknowledged event is accepted again", async () => {
  await withEmu({}, async (emu) => {
    const inner = g.memoryStorage();
    let calls = 0;
    const storage = {
      load: () => inner.load(),
      close: () => inner.close(),
      apply: async (ops) => {
        calls += 1;
        if (calls === 2) throw new Error("disk full");
        return inner.apply(ops);
      },
    };
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
      storage,
      config: FAST,
      autoStart: false,
    });
    await ob.accept(plan(1, "w1@x.example"));
    await assert.rejects(
      ob.accept(plan(2, "w2@x.example")),
      (e) => e instanceof g.GhlBridgeError && e.code === "STORAGE_ERROR",
    );
    // Not acknowledged, so its source sends it again: the rebuilt outbox takes it.
    assert.deepEqual((await ob.accept(plan(2, "w2@x.example"))).disposition, { kind: "queued" });
    ob.start();
    await ob.idle();
    assert.deepEqual(ob.counts(), { accepted: 2, pending: 0, inFlight: 0, done: 2, dead: 0 });
    assert.equal(contact(emu, "w1@x.example").length, 1);
    assert.equal(contact(emu, "w2@x.example").length, 1);
    await ob.close();
  });
});

test("after an internal error resets the Wasm instance, the outbox rebuilds itself from storage", async () => {
  await withEmu({}, async (emu) => {
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
      storage: g.memoryStorage(),
      config: FAST,
      autoStart: false,
    });
    await ob.accept(plan(1, "p1@x.example"));
    await ob.accept(plan(2, "p2@x.example"));
    assert.throws(
      () => __testPanic("outbox test"),
      (e) => e.code === "INTERNAL_PANIC",
    );
    assert.throws(
      () => ob.counts(),
      (e) => e instanceof g.GhlBridgeError && e.code === "OUTBOX_RECOVERING",
    );
    await ob.accept(plan(3, "p3@x.example"));
    ob.start();
    await ob.idle();
    assert.deepEqual(ob.counts(), { accepted: 3, pending: 0, inFlight: 0, done: 3, dead: 0 });
    for (const i of [1, 2, 3]) assert.equal(contact(emu, `p${i}@x.example`).length, 1);
    await ob.close();
  });
});

const okBody = (url) =>
  url.startsWith("/contacts/upsert")
    ? { new: true, contact: { id: "c1", tags: [] } }
    : { tags: ["t"] };
const tinyPlan = (id, email) =>
  contactPlan({ id, locationId: LOC, email, firstName: id, tags: ["t"] });

test("tokens a server echoes back reach no log entry, dead letter, stored record or event", async () => {
  const tokens = ["pit-outbox-echo-token-aaaa", "pit-outbox-echo-token-bbbb"];
  let mode = "mixed";
  const srv = await tinyServer((req, body) => {
    const t = String(req.headers.authorization).replace(/^Bearer /, "");
    if (mode === "401")
      return {
        status: 401,
        body: JSON.stringify({
          statusCode: 401,
          message: `Invalid token: Bearer ${t}`,
          traceId: t,
        }),
      };
    if (body.includes("reject@"))
      return {
        status: 422,
        body: JSON.stringify({ statusCode: 422, message: [`token ${t} may not write`], error: t }),
      };
    if (body.includes("fail@"))
      return {
        status: 500,
        headers: { "content-type": "text/html" },
        body: `<h1>500</h1><pre>authorization: Bearer ${t}\n${t}</pre>`,
      };
    return { status: 200, body: JSON.stringify(okBody(req.url)) };
  });
  const events = [];
  let calls = 0;
  const storage = g.memoryStorage();
  try {
    const ob = await g.createOutbox({
      getToken: async () => tokens[Math.min(calls++, 1)],
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: srv.url,
      storage,
      config: { ...FAST, maxAttempts: 2 },
      onEvent: (e) => events.push(e),
    });
    await ob.accept(tinyPlan("reject", "reject@x.example"));
    await ob.accept(tinyPlan("fail", "fail@x.example"));
    await ob.accept(tinyPlan("fine", "fine@x.example"));
    await ob.idle();
    assert.deepEqual(ob.counts(), { accepted: 3, pending: 0, inFlight: 0, done: 1, dead: 2 });
    mode = "401";
    await ob.accept(tinyPlan("auth", "auth@x.example"));
    while (!events.some((e) => e.type === "authPaused")) await sleep(5);
    assert.equal(calls, 2, "one refresh, then the pause");
    const dead = ob.deadLetters();
    assert.deepEqual(dead.map((d) => d.reason).sort(), ["REJECTED", "RETRIES_EXHAUSTED"]);
    assert.ok(dead.find((d) => d.reason === "REJECTED").message.includes("<redacted>"));
    const everything = [
      ob.exportLog(),
      JSON.stringify(dead),
      JSON.stringify([...storage.snapshot()]),
      JSON.stringify(events),
      JSON.stringify(ob.log()),
    ].join("\n");
    assert.ok(ob.log().length >= 4, "the log holds the 422, the 500s and the 401s");
    for (const t of tokens)
      assert.ok(!everything.includes(t), `${t} leaked: ${everything.slice(0, 2000)}`);
    ob.stop();
    await ob.close();
  } finally {
    await srv.close();
  }
});

test("a 429 with a huge interval header is clamped: no TimeoutOverflowWarning, delivered after the clamp", async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on("warning", onWarning);
  let first = true;
  const srv = await tinyServer((req) => {
    if (first) {
      first = false;
      return {
        status: 429,
        headers: {
          "content-type": "application/json",
          "x-ratelimit-interval-milliseconds": "9999999999999",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-max": "100",
        },
        body: "{}",
      };
    }
    return { status: 200, body: JSON.stringify(okBody(req.url)) };
  });
  const events = [];
  try {
    const config = { ...FAST, burstIntervalMs: 20, windowMarginMs: 0 };
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: srv.url,
      storage: g.memoryStorage(),
      config,
      onEvent: (e) => events.push(e),
    });
    const before = Date.now();
    await ob.accept(tinyPlan("parked", "parked@x.example"));
    await ob.idle();
    assert.deepEqual(ob.counts(), { accepted: 1, pending: 0, inFlight: 0, done: 1, dead: 0 });
    const parked = events.find((e) => e.type === "locationParked");
    assert.ok(
      parked.until - before <= 30 * config.burstIntervalMs + 200,
      `parked for ${parked.until - before} ms`,
    );
    await ob.close();
    await sleep(20);
    assert.deepEqual(warnings.filter((w) => w.name === "TimeoutOverflowWarning").map(String), []);
    assert.equal(srv.hits.length, 3, "the 429, then the upsert and the tags");
  } finally {
    process.off("warning", onWarning);
    await srv.close();
  }
});

test("a redirect is never followed by the outbox: dead-lettered, its target gets nothing", async () => {
  const target = await tinyServer(() => ({ status: 200, body: "{}" }));
  const api = await tinyServer(() => ({
    status: 307,
    headers: { location: `${target.url}/contacts/upsert` },
  }));
  try {
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: api.url,
      storage: g.memoryStorage(),
      config: FAST,
    });
    await ob.accept(tinyPlan("redirected", "redirected@x.example"));
    await ob.idle();
    const [d] = ob.deadLetters();
    assert.equal(d.reason, "UNEXPECTED_STATUS");
    assert.equal(d.status, 307);
    assert.match(d.message, /never followed/);
    assert.equal(api.hits.length, 1, "not retried");
    assert.equal(target.hits.length, 0);
    await ob.close();
  } finally {
    await api.close();
    await target.close();
  }
});

test("nonsense options are refused with typed errors naming the option", async () => {
  const base = {
    token: DEMO_TOKEN,
    locationId: LOC,
    scopes: ALL_SCOPES,
    baseUrl: "http://127.0.0.1:9",
    storage: g.memoryStorage(),
    autoStart: false,
  };
  await assert.rejects(
    g.createOutbox({ ...base, token: 5 }),
    (e) =>
      e instanceof g.GhlBridgeError &&
      e.code === "INVALID_ARGUMENT" &&
      e.details.argument === "options.token",
  );
  for (const [option, value] of [
    ["maxInFlight", 0],
    ["maxInFlightPerLocation", 0],
    ["burstMax", 0],
    ["burstIntervalMs", 2 ** 40],
    ["maxAttempts", 0],
  ]) {
    await assert.rejects(
      g.createOutbox({ ...base, config: { [option]: value } }),
      (e) =>
        e instanceof g.GhlBridgeError &&
        e.code === "OUTBOX_INVALID_CONFIG" &&
        e.details.option === option &&
        e.message.includes(option),
      option,
    );
  }
});

test("internal errors that recur after every rebuild stop the outbox without starving the event loop", {
  timeout: 20_000,
}, async () => {
  await withEmu({}, async (emu) => {
    let timerFired = false;
    setTimeout(() => (timerFired = true), 1);
    // Every event the outbox reports traps the instance: each rebuild traps again.
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
      storage: g.memoryStorage(),
      config: FAST,
      onEvent: () => {
        try {
          __testPanic("trap in onEvent");
        } catch {
          // the trap reset the instance; the outbox must notice and rebuild
        }
      },
    });
    await ob.accept(plan(1, "trap@x.example")).catch(() => undefined);
    await assert.rejects(
      ob.idle(),
      (e) =>
        e instanceof g.GhlBridgeError && e.code === "OUTBOX_FAILED" && e.details.recoveries > 0,
    );
    assert.ok(timerFired, "a timer set before still fired");
    assert.throws(
      () => ob.counts(),
      (e) => e.code === "OUTBOX_FAILED",
    );
    await assert.rejects(ob.accept(plan(2, "trap2@x.example")), (e) => e.code === "OUTBOX_FAILED");
    await ob.close();
  });
});

test("what an outbox retains is bounded however many events it delivers (tombstones, log), in memory and in storage", async () => {
  const srv = await tinyServer((req) => ({ status: 200, body: JSON.stringify(okBody(req.url)) }));
  try {
    const storage = g.memoryStorage();
    const config = { ...FAST, maxTombstones: 50, logCapacity: 10 };
    const ob = await g.createOutbox({
      token: DEMO_TOKEN,
      locationId: LOC,
      scopes: ALL_SCOPES,
      baseUrl: srv.url,
      storage,
      config,
    });
    for (let i = 0; i < 400; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          ob.accept(tinyPlan(`m${i + k}`, `m${i + k}@x.example`)),
        ),
      );
      await ob.idle();
    }
    assert.equal(ob.counts().done, 400);
    const r = ob.retained();
    assert.ok(r.tombstones <= 50, JSON.stringify(r));
    assert.ok(r.logEntries <= 10 && r.records === 0 && r.locations === 1, JSON.stringify(r));
    // The tombstones and the location's rate budget.
    assert.ok(storage.snapshot().size <= 51, `storage keeps ${storage.snapshot().size} records`);
    await ob.close();
  } finally {
    await srv.close();
  }
});
