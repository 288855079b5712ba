// The runner reads the Qwilr page in its worker: a Qwilr webhook (from the Qwilr
// emulator) is acknowledged by the runner's endpoint, the worker reads the page
// (`GET /v1/pages/{id}?expand=acceptance,metadata`), the package's Qwilr intake
// normalises it, the flows plan it and the outbox delivers it: the contact lands in the
// GHL emulator with its tags and score. A page deleted before the read is dead-lettered
// with its reason (kept in the store, nothing sent); a 503 on the read is retried with
// backoff and then delivered. No secret appears in the runner's log.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { startQwilrEmulator } from "../../js/emulator/qwilr/index.mjs";
import { startEmulatedRunner } from "./runner-fixtures.mjs";
import { until } from "../support/until.mjs";

const LOCATION = "demoLocation00000001";
let emu;
let q;
let store;
let runner;
let made;
let logs;
let started;

before(async () => {
  q = await startQwilrEmulator();
  started = await startEmulatedRunner({
    prefix: "ghlb-qwilr-",
    // The location has the tags the Qwilr rules add (the runner creates no location tags).
    tags: {
      [LOCATION]: ["qwilr", "proposal-accepted", "proposal-viewed", "warm-lead", "hot-lead"],
    },
    config: {
      patch: (doc) => {
        doc.sources.qwilr.main.baseUrl = q.url;
        doc.connections.demo.scopes = [
          "contacts.write",
          "contacts.readonly",
          "locations/tags.readonly",
          "locations/tags.write",
        ];
      },
      env: { TEST_QWILR_TOKEN: q.token },
    },
  });
  ({ emu, store, runner, made, logs } = started);
  for (const event of ["pageAccepted", "pageViewed"]) {
    const res = await fetch(`${q.url}/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${q.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        event,
        targetUrl: `${runner.server.url}/hooks/qwilr/${made.qwilrSecret}`,
      }),
    });
    assert.equal(res.status, 201);
  }
});

after(async () => {
  await started?.stop();
  await q?.stop();
});

const contactOf = (email) =>
  Object.values(emu.state.locations[LOCATION].contacts).find((c) => c.email === email);
const fieldId = (key) =>
  emu.state.locations[LOCATION].customFields.find((f) => f.fieldKey === key).id;
const reads = (pageId) => q.log.filter((e) => e.path.startsWith(`/v1/pages/${pageId}`));

test("Qwilr webhook -> runner -> page read -> the contact in GHL with its tags and score", {
  timeout: 60_000,
}, async () => {
  const page = q.pages[0];
  const [d] = await q.accept(page.id, {
    name: "ada lovelace",
    email: "ada@example.com",
    total: 12000,
  });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.deepEqual(d.body, { outcome: "accepted" });
  await until(() => contactOf("ada@example.com")?.tags?.includes("proposal-accepted"), "delivered");
  await until(
    () =>
      contactOf("ada@example.com").customFields?.some(
        (f) => f.id === fieldId("contact.lead_score") && Number(f.value) > 0,
      ),
    "the score written",
  );
  const c = contactOf("ada@example.com");
  assert.ok(c.tags.includes("qwilr"), `tags: ${c.tags}`);
  assert.ok(c.tags.includes("hot-lead"), `accepted with a total of 12,000: hot lead (${c.tags})`);
  assert.equal(c.firstName, "Ada");
  const score = c.customFields.find((f) => f.id === fieldId("contact.lead_score"));
  assert.equal(Number(score.value), 70, "50 accepted + 20 big deal");
  assert.deepEqual(
    reads(page.id).map((e) => [e.path, e.status]),
    [[`/v1/pages/${page.id}?expand=acceptance,metadata`, 200]],
    "one page read, by the worker",
  );
});

test("a page deleted before the read: dead-lettered with its reason, kept, nothing sent", {
  timeout: 60_000,
}, async () => {
  const gone = {
    id: randomBytes(12).toString("hex"),
    name: "Withdrawn proposal",
    status: "live",
    tags: [],
    link: "https://pages.qwilr.example/gone",
    metadata: { email: "gone@example.com" },
    acceptance: null,
    viewed: false,
  };
  q.pages.push(gone);
  // The delivery names the page; it is deleted before the worker reads it.
  const delivered = q.fire("pageViewed", gone.id);
  q.pages.splice(q.pages.indexOf(gone), 1);
  const [d] = await delivered;
  assert.equal(d.status, 200);
  let dead;
  await until(async () => {
    dead = (await store.deadIntake()).find((i) => i.dedupeKey === d.idempotencyKey);
    return dead;
  }, "dead-lettered");
  assert.equal(dead.reason.code, "QWILR_PAGE_GONE");
  assert.match(dead.reason.message, /no longer exists \(HTTP 404\)/);
  assert.equal(dead.body.webhook.page.id, gone.id, "the webhook is kept with the reason");
  assert.deepEqual(
    reads(gone.id).map((e) => e.status),
    [404],
  );
  assert.equal(contactOf("gone@example.com"), undefined, "nothing sent to GHL");
  await until(() => /"msg":"worker: intakeRejected".*QWILR_PAGE_GONE/.test(logs.text()), "logged");
});

test("a 503 on the page read: the intake row waits (backoff), then the retry delivers", {
  timeout: 60_000,
}, async () => {
  const page = q.pages[1];
  q.configure({ failNext: { status: 503, count: 1 } });
  const deliveries = await q.view(page.id);
  const viewed = deliveries.find((x) => x.event === "pageViewed");
  assert.equal(viewed.status, 200, "acknowledged before the read");
  await until(() => contactOf("grace@example.com")?.tags?.includes("proposal-viewed"), "delivered");
  assert.deepEqual(
    reads(page.id).map((e) => e.status),
    [503, 200],
    "read once, refused, read again",
  );
  assert.match(logs.text(), /"msg":"worker: intakeRetry".*SOURCE_API_ERROR/);
  assert.equal(
    (await store.deadIntake()).filter((i) => i.dedupeKey === viewed.idempotencyKey).length,
    0,
  );
  const metrics = await (await fetch(`${runner.server.url}/metrics`)).text();
  assert.match(metrics, /ghl_bridge_intake_retries_total\{connection="demo"\} 1/);
  for (const secret of [q.token, made.qwilrSecret, made.env.TEST_PIT, made.env.TEST_VAULT_KEY])
    assert.ok(!logs.text().includes(secret), "a secret is in the log");
});
