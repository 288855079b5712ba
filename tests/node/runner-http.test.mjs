// The runner's HTTP contract over real loopback HTTP, with the GHL emulator's signed
// webhooks: forged / unsigned / stale GHL webhooks 401 and nothing stored, a replay 200
// and stored once; a wrong Qwilr secret 404 and nothing stored; capture CORS per site
// key (foreign origin 403); an unreachable store gives 503 JSON and no acknowledgement,
// and the sender's retry is then stored (not taken for a duplicate); body limits,
// unknown routes, healthz, metrics, graceful shutdown.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEmulator } from "../../js/emulator/index.mjs";
import {
  createTokenManager,
  createVault,
  parseVaultKey,
  startServer,
} from "../../pkg/runner/index.js";
import { capturedLogger, runnerConfig } from "./runner-fixtures.mjs";
import { memoryRunnerStore } from "./runner-memory-store.mjs";

let emu;
let store;
let server;
let qwilrSecret;
let logs;

before(async () => {
  emu = await startEmulator();
  const made = runnerConfig({ emu });
  qwilrSecret = made.qwilrSecret;
  store = memoryRunnerStore();
  logs = capturedLogger();
  const tokens = createTokenManager({
    config: made.config,
    store,
    vault: createVault(parseVaultKey(made.env.TEST_VAULT_KEY, "key")),
    log: logs.log,
  });
  server = await startServer({ config: made.config, store, tokens, log: logs.log });
});
after(async () => {
  await server?.close();
  await emu?.stop();
});

const post = (path, body, headers = {}) =>
  fetch(`${server.url}${path}`, { method: "POST", headers, body });
const stored = (source) => [...store.intake.values()].filter((i) => i.source === source);

async function refusal(res, status, code) {
  assert.equal(res.status, status);
  assert.match(res.headers.get("content-type"), /application\/json/);
  const body = await res.json();
  assert.equal(body.error.code, code, body.error.message);
  assert.ok(body.error.message.length > 10);
  return body;
}

test("GHL webhooks: signed accepted once, forged 401, unsigned 401, stale 401, replay 200 not stored again", {
  timeout: 120_000,
}, async () => {
  const fields = { id: "c-http-1", email: "ada@example.com", tags: ["a"] };
  const opts = { locationId: "demoLocation00000001" };
  const ok = emu.webhooks.build("ContactCreate", fields, opts);
  let res = await post("/hooks/ghl", ok.body, ok.headers);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { outcome: "accepted" });
  assert.equal(stored("ghl").length, 1);
  assert.equal(stored("ghl")[0].dedupeKey, ok.webhookId);
  assert.equal(stored("ghl")[0].connection, "demo");

  const forged = emu.webhooks.build("ContactCreate", fields, { ...opts, forge: true });
  await refusal(
    await post("/hooks/ghl", forged.body, forged.headers),
    401,
    "WEBHOOK_SIGNATURE_INVALID",
  );
  const unsigned = emu.webhooks.build("ContactCreate", fields, { ...opts, unsigned: true });
  await refusal(await post("/hooks/ghl", unsigned.body, unsigned.headers), 401, "WEBHOOK_UNSIGNED");
  const stale = emu.webhooks.build("ContactCreate", fields, {
    ...opts,
    timestampMs: Date.now() - 3_600_000,
  });
  await refusal(await post("/hooks/ghl", stale.body, stale.headers), 401, "WEBHOOK_STALE");

  res = await post("/hooks/ghl", ok.body, ok.headers);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).outcome, "duplicate");
  assert.equal(stored("ghl").length, 1, "nothing refused or replayed was stored");

  // A second process (a fresh receiver with no memory) still stores it once: the store dedupes.
  const again = emu.webhooks.build("ContactCreate", fields, { ...opts, webhookId: ok.webhookId });
  res = await post("/hooks/ghl", again.body, again.headers);
  assert.equal(res.status, 200);
  assert.equal(stored("ghl").length, 1);
});

test("GHL webhooks for a location without a connection: 200 ignored, nothing stored", {
  timeout: 120_000,
}, async () => {
  const before = stored("ghl").length;
  const d = emu.webhooks.build(
    "ContactCreate",
    { id: "c9", email: "x@example.com" },
    { locationId: "elsewhere0000000001" },
  );
  const res = await post("/hooks/ghl", d.body, d.headers);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).outcome, "ignored");
  assert.equal(stored("ghl").length, before);
});

const qwilrBody = (key) =>
  JSON.stringify({
    event: "pageAccepted",
    idempotencyKey: key,
    page: { id: "a".repeat(24), metadata: {} },
  });

test("Qwilr: a wrong secret is 404 and nothing is processed; the right one 200, stored once", {
  timeout: 120_000,
}, async () => {
  const key = "b".repeat(64);
  const wrong = qwilrSecret.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
  await refusal(
    await post(`/hooks/qwilr/${wrong}`, qwilrBody(key)),
    404,
    "WEBHOOK_SECRET_MISMATCH",
  );
  await refusal(await post("/hooks/qwilr/short", qwilrBody(key)), 404, "WEBHOOK_SECRET_MISMATCH");
  assert.equal(stored("qwilr").length, 0);
  assert.equal(emu.log.length, 0, "no call anywhere");

  let res = await post(`/hooks/qwilr/${qwilrSecret}`, qwilrBody(key));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).outcome, "accepted");
  res = await post(`/hooks/qwilr/${qwilrSecret}`, qwilrBody(key));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).outcome, "duplicate");
  const items = stored("qwilr");
  assert.equal(items.length, 1);
  assert.equal(items[0].body.event, "pageAccepted");
  assert.equal(items[0].body.intake, "main");
  assert.equal(items[0].body.webhook.idempotencyKey, key);

  const bad = await post(
    `/hooks/qwilr/${qwilrSecret}`,
    JSON.stringify({ event: "pageDeclined", idempotencyKey: "c".repeat(64) }),
  );
  assert.equal(bad.status, 400);
  assert.ok(!logs.text().includes(qwilrSecret), "the URL secret is never logged");
});

const capture = (id, siteKey = "site-1") =>
  JSON.stringify({
    v: 1,
    siteKey,
    id,
    fields: [
      { name: "email", label: "Email", value: "lin@example.com" },
      { name: "first_name", label: "First name", value: "Lin" },
    ],
    page: { url: "https://pages.example.com/offer", referrer: "", title: "Offer" },
    utm: {},
  });

test("capture: CORS only for the key's origins; a foreign origin is 403 and nothing stored", {
  timeout: 120_000,
}, async () => {
  const good = { origin: "https://pages.example.com", "content-type": "text/plain" };
  let pre = await fetch(`${server.url}/capture/site-1`, {
    method: "OPTIONS",
    headers: { origin: good.origin },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), good.origin);
  pre = await fetch(`${server.url}/capture/site-1`, {
    method: "OPTIONS",
    headers: { origin: "https://evil.example" },
  });
  assert.equal(pre.status, 403);
  assert.equal(pre.headers.get("access-control-allow-origin"), null);

  let res = await post("/capture/site-1", capture("sub-1"), good);
  assert.equal(res.status, 202);
  assert.equal(res.headers.get("access-control-allow-origin"), good.origin);
  assert.equal((await res.json()).outcome, "accepted");
  assert.equal(stored("capture").length, 1);
  assert.equal(stored("capture")[0].body.lead.email, "lin@example.com");

  const evil = { origin: "https://evil.example", "content-type": "text/plain" };
  res = await post("/capture/site-1", capture("sub-2"), evil);
  await refusal(res, 403, "CAPTURE_ORIGIN_REFUSED");
  assert.equal(res.headers.get("access-control-allow-origin"), null);
  await refusal(
    await post("/capture/nope", capture("sub-3", "nope"), good),
    403,
    "CAPTURE_UNKNOWN_SITE",
  );
  assert.equal(stored("capture").length, 1);
});

test("an unreachable store: 503 JSON, no acknowledgement; the retry is stored once the store is back", {
  timeout: 120_000,
}, async () => {
  const d = emu.webhooks.build(
    "ContactCreate",
    { id: "c-down", email: "down@example.com" },
    { locationId: "demoLocation00000001" },
  );
  const key = "d".repeat(64);
  const n = store.intake.size;
  store.failing = true;
  try {
    const body = await refusal(
      await post("/hooks/ghl", d.body, d.headers),
      503,
      "STORE_UNAVAILABLE",
    );
    assert.match(body.error.message, /not acknowledged/);
    await refusal(
      await post(`/hooks/qwilr/${qwilrSecret}`, qwilrBody(key)),
      503,
      "STORE_UNAVAILABLE",
    );
    await refusal(
      await post("/capture/site-1", capture("sub-down"), { origin: "https://pages.example.com" }),
      503,
      "STORE_UNAVAILABLE",
    );
    await refusal(await fetch(`${server.url}/healthz`), 503, "STORE_UNAVAILABLE");
  } finally {
    store.failing = false;
  }
  assert.equal(store.intake.size, n);
  // The senders retry: each is now stored, not answered "duplicate" from memory.
  let res = await post("/hooks/ghl", d.body, d.headers);
  assert.deepEqual(await res.json(), { outcome: "accepted" });
  res = await post(`/hooks/qwilr/${qwilrSecret}`, qwilrBody(key));
  assert.deepEqual(await res.json(), { outcome: "accepted" });
  res = await post("/capture/site-1", capture("sub-down"), { origin: "https://pages.example.com" });
  assert.deepEqual(await res.json(), { outcome: "accepted" });
  assert.equal(store.intake.size, n + 3);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
});

test("refusals are JSON: unknown route 404, wrong method 405, body over the limit 413", {
  timeout: 120_000,
}, async () => {
  await refusal(await fetch(`${server.url}/nope`), 404, "HTTP_NOT_FOUND");
  await refusal(await fetch(`${server.url}/hooks/ghl`), 405, "HTTP_METHOD_NOT_ALLOWED");
  await refusal(await post("/hooks/ghl", "x".repeat(70_000)), 413, "HTTP_BODY_TOO_LARGE");
  await refusal(await fetch(`${server.url}/console`), 404, "HTTP_NOT_FOUND");
});

test("metrics: Prometheus text with accepted, refused and queue depth per connection", {
  timeout: 120_000,
}, async () => {
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /# TYPE ghl_bridge_intake_accepted_total counter/);
  assert.match(text, /ghl_bridge_intake_accepted_total\{source="ghl"\} [1-9]/);
  assert.match(
    text,
    /ghl_bridge_intake_refused_total\{code="WEBHOOK_SIGNATURE_INVALID",source="ghl"\} 1/,
  );
  assert.match(text, /ghl_bridge_intake_pending\{connection="demo"\} [1-9]/);
  for (const name of [
    "delivered_total",
    "dead_total",
    "retries_total",
    "rate_limited_total",
    "budget_used_ratio",
  ])
    assert.match(text, new RegExp(`# TYPE ghl_bridge_${name} `));
});
