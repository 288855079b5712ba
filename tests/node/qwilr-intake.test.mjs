// Qwilr intake through the package against the Qwilr emulator: subscriptions, a page
// accepted -> webhook -> page read -> correlated event; a wrong secret, a replay, a
// page read answered 429 (released and processed on the retry), an unlinked page
// skipped with its reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import * as g from "../../pkg/entries/node.js";
import { startQwilrEmulator } from "../../js/emulator/qwilr/index.mjs";

const SECRET = randomBytes(16).toString("hex");
let q;
let intake;
let server;
let hookUrl;
const results = [];

before(async () => {
  q = await startQwilrEmulator();
  intake = g.createQwilrIntake({ secret: SECRET, token: q.token, config: { baseUrl: q.url } });
  server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const secret = new URL(req.url, "http://x").pathname.split("/").pop();
      try {
        const out = await intake.receive(secret, Buffer.concat(chunks));
        results.push(out);
        res.writeHead(200).end(JSON.stringify(out));
      } catch (e) {
        results.push({ refused: e.code, message: e.message });
        res.writeHead(e.details?.status ?? 500).end(JSON.stringify({ code: e.code }));
      }
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  hookUrl = `http://127.0.0.1:${server.address().port}/qwilr/${SECRET}`;
});
after(async () => {
  server.close();
  await q.stop();
});

test("a weak secret is refused when the intake is created", () => {
  assert.throws(
    () => g.createQwilrIntake({ secret: "hunter2", token: "t" }),
    (e) => e.code === "SOURCE_CONFIG_INVALID",
  );
});

test("secretsEqual compares exactly", async () => {
  assert.equal(await g.secretsEqual(SECRET, SECRET), true);
  assert.equal(await g.secretsEqual(SECRET, `${SECRET.slice(0, -1)}x`), false);
  assert.equal(await g.secretsEqual(SECRET, ""), false);
});

test("subscriptions: create, list, delete", async () => {
  const created = await intake.subscribe("pageAccepted", hookUrl);
  assert.equal(created[0].event, "pageAccepted");
  await intake.subscribe("pageViewed", hookUrl);
  const extra = await intake.subscribe("pageSetLive", hookUrl);
  let list = await intake.subscriptions();
  assert.deepEqual(
    list.map((s) => s.event),
    ["pageAccepted", "pageViewed", "pageSetLive"],
  );
  await intake.unsubscribe(extra[0].id);
  list = await intake.subscriptions();
  assert.equal(list.length, 2);
  assert.ok(
    q.log.every((e) => !JSON.stringify(e).includes(q.token)),
    "no token in the emulator's log",
  );
});

test("page accepted -> webhook -> page read -> event correlated by the acceptance's or metadata email", async () => {
  const page = q.pages[0];
  const [d] = await q.accept(page.id, {
    name: "Ada Lovelace",
    email: "ada@example.com",
    total: 4200,
  });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  const out = results.at(-1);
  assert.equal(out.outcome, "accepted");
  assert.equal(out.event.type, "qwilr.pageAccepted");
  assert.deepEqual(out.event.contact, {
    by: "email",
    email: "ada@example.com",
    from: "metadata.email",
  });
  assert.equal(out.event.acceptance.total, 4200);
  assert.equal(out.event.page.name, page.name);
  assert.ok(q.log.some((e) => e.path === `/v1/pages/${page.id}?expand=acceptance,metadata`));
  // The same delivery again: acknowledged, no second read.
  const reads = q.log.filter((e) => e.path.startsWith(`/v1/pages/${page.id}`)).length;
  const [again] = await q.fire("pageAccepted", page.id, { idempotencyKey: d.idempotencyKey });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, { outcome: "duplicate", idempotencyKey: d.idempotencyKey });
  assert.equal(q.log.filter((e) => e.path.startsWith(`/v1/pages/${page.id}`)).length, reads);
});

test("a wrong secret processes nothing (404, no page read)", async () => {
  const before = q.log.length;
  const res = await fetch(
    hookUrl.replace(
      SECRET,
      SECRET.replace(/./, (c) => (c === "a" ? "b" : "a")),
    ),
    {
      method: "POST",
      body: JSON.stringify({
        event: "pageAccepted",
        idempotencyKey: "k".repeat(64),
        page: { id: q.pages[1].id },
      }),
    },
  );
  assert.equal(res.status, 404);
  assert.equal(q.log.length, before);
});

test("a 429 on the page read is retried by the next delivery; an unlinked page is skipped with its reason", async () => {
  q.configure({ burst429: 1 });
  const [first] = await q.view(q.pages[1].id); // pageViewed only (pageFirstViewed is not subscribed)
  assert.equal(first.status, 503);
  const [retry] = await q.fire("pageViewed", q.pages[1].id, {
    idempotencyKey: first.idempotencyKey,
  });
  assert.equal(retry.status, 200);
  assert.equal(retry.body.outcome, "accepted");
  assert.equal(retry.body.event.contact.email, "grace@example.com");
  const [skipped] = await q.fire("pageViewed", q.pages[2].id);
  assert.equal(skipped.body.outcome, "skipped");
  assert.match(skipped.body.reason, /names no GHL contact/);
  const outcomes = intake.log().map((e) => e.outcome);
  assert.ok(
    outcomes.includes("refused") && outcomes.includes("skipped") && outcomes.includes("duplicate"),
  );
});
