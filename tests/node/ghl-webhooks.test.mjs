// GHL webhook intake through the package: real signatures (keys generated in the test
// and by the emulator) verified by WebCrypto over the bytes received; forged, stale,
// replayed and unsigned deliveries refused; the ContactTagUpdate diff; the published
// keys parse with the platform.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import * as g from "../../pkg/entries/node.js";
import {
  startEmulator,
  DEMO_TOKEN,
  DEMO_LOCATION_ID,
  ALL_SCOPES,
} from "../../js/emulator/index.mjs";

const ed = generateKeyPairSync("ed25519");
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const config = {
  ed25519PublicKeyPem: ed.publicKey.export({ type: "spki", format: "pem" }),
  rsaPublicKeyPem: rsa.publicKey.export({ type: "spki", format: "pem" }),
};
const NOW = Date.parse("2026-03-05T14:22:10Z");

function delivery(fields, { legacy = false, at = NOW, id = "wh-1", space = 0 } = {}) {
  const body = Buffer.from(
    JSON.stringify(
      { webhookId: id, timestamp: new Date(at).toISOString(), ...fields },
      null,
      space,
    ),
  );
  const headers = { "content-type": "application/json" };
  if (!legacy) headers["x-ghl-signature"] = sign(null, body, ed.privateKey).toString("base64");
  headers["x-wh-signature"] = sign("sha256", body, rsa.privateKey).toString("base64");
  return { headers, body };
}

const contact = (type, tags, extra = {}) => ({
  type,
  locationId: "loc1",
  id: "c1",
  email: "ada@example.com",
  tags,
  ...extra,
});

async function refused(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof g.GhlBridgeError && e instanceof Error);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

test("the published keys parse with the platform and match the facts", () => {
  const edPem = readFileSync(
    new URL("../../src/sources/keys/ghl-webhook-ed25519.pem", import.meta.url),
    "utf8",
  );
  const key = createPublicKey(edPem);
  assert.equal(key.asymmetricKeyType, "ed25519");
  assert.equal(
    Buffer.from(key.export({ format: "jwk" }).x, "base64url").toString("hex"),
    "8b61d1d6cacbe28d7c3bc0516bb815258ec6edbba96cddc7f40c09ac708388e8",
  );
  const rsaKey = createPublicKey(
    readFileSync(new URL("../../src/sources/keys/ghl-webhook-rsa.pem", import.meta.url), "utf8"),
  );
  assert.equal(rsaKey.asymmetricKeyType, "rsa");
  assert.equal(rsaKey.asymmetricKeyDetails.modulusLength, 4096);
  // The default receiver imports both into WebCrypto (a forged delivery is then refused
  // as invalid, not as an import failure).
  const r = g.createGhlWebhookReceiver({ now: () => NOW });
  const d = delivery(contact("ContactCreate", []));
  return Promise.all([
    refused(r.receive(d.headers, d.body), "WEBHOOK_SIGNATURE_INVALID"),
    refused(
      r.receive({ "x-wh-signature": d.headers["x-wh-signature"] }, d.body),
      "WEBHOOK_SIGNATURE_INVALID",
    ),
  ]);
});

test("Ed25519 and RSA signatures verify over the exact bytes; whitespace is kept, not re-serialised", async () => {
  const r = g.createGhlWebhookReceiver({ config, now: () => NOW });
  const pretty = delivery(contact("ContactCreate", ["vip"]), { space: 2 });
  const out = await r.receive(pretty.headers, pretty.body);
  assert.equal(out.outcome, "accepted");
  assert.equal(out.event.kind, "ContactCreate");
  assert.equal(out.event.contact.email, "ada@example.com");
  const legacy = delivery(contact("ContactUpdate", ["vip"]), { legacy: true, id: "wh-2" });
  assert.equal(
    (await r.receive(legacy.headers, new Uint8Array(legacy.body).buffer)).outcome,
    "accepted",
  );
  // The Ed25519 header wins: a good RSA signature beside a bad Ed25519 one is refused.
  const mixed = delivery(contact("ContactUpdate", []), { id: "wh-3" });
  mixed.headers["x-ghl-signature"] = delivery(contact("ContactUpdate", ["x"]), {
    id: "wh-3",
  }).headers["x-ghl-signature"];
  await refused(r.receive(mixed.headers, mixed.body), "WEBHOOK_SIGNATURE_INVALID");
});

test("forged, stale, replayed and unsigned deliveries are refused or acknowledged, each with its reason", async () => {
  let now = NOW;
  const r = g.createGhlWebhookReceiver({ config, now: () => now });
  const good = delivery(contact("ContactCreate", []), { id: "wh-10" });
  const forged = Buffer.from(good.body.toString().replace("ada@", "eve@"));
  await refused(r.receive(good.headers, forged), "WEBHOOK_SIGNATURE_INVALID");
  const stale = delivery(contact("ContactCreate", []), { id: "wh-11", at: NOW - 5 * 60_000 - 1 });
  await refused(r.receive(stale.headers, stale.body), "WEBHOOK_STALE");
  await refused(r.receive({ "x-ghl-signature": "N/A" }, good.body), "WEBHOOK_UNSIGNED");
  await refused(r.receive({}, good.body), "WEBHOOK_UNSIGNED");
  assert.equal((await r.receive(good.headers, good.body)).outcome, "accepted");
  now += 1000;
  const again = await r.receive(good.headers, good.body);
  assert.deepEqual(again, { outcome: "duplicate", webhookId: "wh-10" });
  const log = r.log();
  assert.deepEqual(
    log.map((e) => [e.outcome, e.status, e.error?.code ?? null]),
    [
      ["refused", 401, "WEBHOOK_SIGNATURE_INVALID"],
      ["refused", 400, "WEBHOOK_STALE"],
      ["refused", 401, "WEBHOOK_UNSIGNED"],
      ["refused", 401, "WEBHOOK_UNSIGNED"],
      ["accepted", 200, null],
      ["duplicate", 200, null],
    ],
  );
  // Persisted ids survive a new receiver.
  const r2 = g.createGhlWebhookReceiver({ config, now: () => now });
  r2.restoreSeenIds(r.seenIds());
  assert.equal((await r2.receive(good.headers, good.body)).outcome, "duplicate");
});

test("unsigned deliveries pass only with the test option", async () => {
  const r = g.createGhlWebhookReceiver({
    config: { ...config, allowUnsigned: true },
    now: () => NOW,
  });
  const body = Buffer.from(
    JSON.stringify({
      webhookId: "u1",
      timestamp: new Date(NOW).toISOString(),
      ...contact("ContactCreate", []),
    }),
  );
  assert.equal((await r.receive({ "x-ghl-signature": "N/A" }, body)).outcome, "accepted");
});

test("ContactTagUpdate is diffed against the last known list (flat and data-wrapped)", async () => {
  const r = g.createGhlWebhookReceiver({ config, now: () => NOW });
  r.rememberTags("c1", ["lead", "webinar"], NOW - 10_000);
  const d1 = delivery(
    { type: "ContactTagUpdate", data: { id: "c1", tags: ["lead", "customer"] } },
    { id: "t1", at: NOW - 5_000 },
  );
  const out = await r.receive(d1.headers, d1.body);
  assert.deepEqual(
    [out.event.tagChange.added, out.event.tagChange.removed],
    [["customer"], ["webinar"]],
  );
  const d2 = delivery(contact("ContactTagUpdate", ["customer"]), { id: "t2", at: NOW - 1_000 });
  const out2 = await r.receive(d2.headers, d2.body);
  assert.deepEqual([out2.event.tagChange.added, out2.event.tagChange.removed], [[], ["lead"]]);
  assert.deepEqual(await r.knownTags("c1"), ["customer"]);
});

test("a knownTags store is read once per delivery that needs it; a failed read is STORAGE_ERROR and the retry is processed", async () => {
  const lists = new Map();
  const reads = [];
  let failNext = false;
  const knownTags = {
    async get(id) {
      reads.push(id);
      if (failNext) {
        failNext = false;
        throw new Error("database unreachable");
      }
      return lists.get(id);
    },
    async apply(op) {
      if (op.op === "put") lists.set(op.list.contactId, op.list);
      else lists.delete(op.contactId);
    },
  };
  const r = g.createGhlWebhookReceiver({ config, now: () => NOW, knownTags });
  const d1 = delivery(contact("ContactTagUpdate", ["lead"]), { id: "k1", at: NOW - 3_000 });
  assert.deepEqual((await r.receive(d1.headers, d1.body)).event.tagChange.added, ["lead"]);
  // Another process changed the stored list meanwhile: the next diff is against it.
  lists.set("c1", { contactId: "c1", tags: ["lead", "vip"], atMs: NOW - 2_000 });
  const d2 = delivery(contact("ContactTagUpdate", ["vip"]), { id: "k2", at: NOW - 1_000 });
  failNext = true;
  await assert.rejects(
    r.receive(d2.headers, d2.body),
    (e) =>
      e instanceof g.GhlBridgeError && e.code === "STORAGE_ERROR" && /unreachable/.test(e.message),
  );
  const out = await r.receive(d2.headers, d2.body);
  assert.equal(out.outcome, "accepted", "the retry is not taken for a duplicate");
  assert.deepEqual([out.event.tagChange.added, out.event.tagChange.removed], [[], ["lead"]]);
  assert.deepEqual(lists.get("c1").tags, ["vip"]);
  // A contact event without tags reads nothing; a per-call store wins over the receiver's.
  const d3 = delivery({ type: "ContactUpdate", locationId: "loc1", id: "c1" }, { id: "k3" });
  await r.receive(d3.headers, d3.body);
  assert.deepEqual(reads, ["c1", "c1", "c1"]);
  const other = { get: async () => undefined, apply: async () => {} };
  const d4 = delivery(contact("ContactTagUpdate", ["x"]), { id: "k4" });
  const mine = await r.receive(d4.headers, d4.body, { knownTags: other });
  assert.equal(mine.event.tagChange.previousKnown, false);
  assert.deepEqual(lists.get("c1").tags, ["vip"], "the per-call store took the write");
  assert.deepEqual(
    r.log().map((e) => e.outcome),
    ["accepted", "unfinished", "accepted", "accepted", "accepted"],
  );
  // A store without both methods is refused before anything runs.
  assert.throws(
    () => g.createGhlWebhookReceiver({ config, knownTags: { get: async () => undefined } }),
    (e) => e.code === "INVALID_ARGUMENT" && e.details.argument === "options.knownTags",
  );
  await assert.rejects(
    r.receive(d4.headers, d4.body, { knownTags: 3 }),
    (e) => e.code === "INVALID_ARGUMENT" && e.details.argument === "options.knownTags",
  );
});

test("known tag lists persist through a storage adapter: a restart diffs against them", async () => {
  const storage = g.memoryStorage();
  const first = g.createGhlWebhookReceiver({ config, now: () => NOW, storage });
  const d1 = delivery(contact("ContactTagUpdate", ["lead", "webinar"]), {
    id: "p1",
    at: NOW - 5_000,
  });
  await first.receive(d1.headers, d1.body);
  // Written before receive resolved.
  assert.deepEqual(storage.snapshot().get("ghl-tags:c1"), {
    contactId: "c1",
    tags: ["lead", "webinar"],
    atMs: NOW - 5_000,
  });
  const d2 = delivery(contact("ContactTagUpdate", ["lead", "customer"]), {
    id: "p2",
    at: NOW - 1_000,
  });
  // Without the storage, a restart turns every tag into "added".
  const amnesiac = g.createGhlWebhookReceiver({ config, now: () => NOW });
  const lost = await amnesiac.receive(d2.headers, d2.body);
  assert.deepEqual(lost.event.tagChange.added, ["lead", "customer"]);
  assert.equal(lost.event.tagChange.previousKnown, false);
  // With it, the restarted receiver diffs against the stored list.
  const restarted = g.createGhlWebhookReceiver({ config, now: () => NOW, storage });
  const out = await restarted.receive(d2.headers, d2.body);
  assert.deepEqual(
    [out.event.tagChange.added, out.event.tagChange.removed, out.event.tagChange.previousKnown],
    [["customer"], ["webinar"], true],
  );
  // ContactDelete forgets the contact, in the storage too.
  const d3 = delivery(contact("ContactDelete", []), { id: "p3", at: NOW - 500 });
  await restarted.receive(d3.headers, d3.body);
  assert.equal(storage.snapshot().has("ghl-tags:c1"), false);
  // A storage that fails is a typed rejection, not a silent loss.
  const broken = g.createGhlWebhookReceiver({
    config,
    now: () => NOW,
    storage: {
      load: async () => [],
      apply: async () => {
        throw new Error("disk full");
      },
      close: async () => {},
    },
  });
  await assert.rejects(
    broken.receive(d1.headers, d1.body),
    (e) =>
      e instanceof g.GhlBridgeError &&
      e.code === "STORAGE_ERROR" &&
      /disk full/.test(e.message) &&
      e.details.outcome.outcome === "accepted",
  );
});

test("accepted intake events become flow events (toFlowEvent)", async () => {
  const r = g.createGhlWebhookReceiver({ config, now: () => NOW });
  const d = delivery(contact("ContactTagUpdate", ["vip"]), { id: "f1" });
  const out = await r.receive(d.headers, d.body);
  const ev = g.toFlowEvent(out.event);
  assert.equal(ev.type, "ghl.contact.tags.updated");
  assert.equal(ev.id, "ghl:f1");
  assert.equal(ev.locationId, "loc1");
  assert.deepEqual(ev.payload.added, ["vip"]);
  const created = delivery(contact("ContactCreate", ["vip"]), { id: "f2" });
  assert.equal(g.toFlowEvent((await r.receive(created.headers, created.body)).event), null);
  assert.throws(
    () => g.toFlowEvent({ type: "stripe.charge" }),
    (e) => e instanceof g.GhlBridgeError && e.code === "WEBHOOK_MALFORMED",
  );
  assert.throws(
    () => g.toFlowEvent("nope"),
    (e) => e.code === "INVALID_ARGUMENT" && e.details.argument === "sourceEvent",
  );
});

test("hostile bodies get typed errors with the status to answer", async () => {
  const r = g.createGhlWebhookReceiver({ config, now: () => NOW });
  for (const [text, code] of [
    ["{", "WEBHOOK_MALFORMED"],
    ["null", "WEBHOOK_MALFORMED"],
    [" ".repeat(300 * 1024), "WEBHOOK_BODY_TOO_LARGE"],
  ]) {
    const body = Buffer.from(text);
    const headers = { "x-ghl-signature": sign(null, body, ed.privateKey).toString("base64") };
    await assert.rejects(
      r.receive(headers, body),
      (e) => e.code === code && typeof e.details.status === "number",
    );
  }
  await refused(r.receive({ "x-ghl-signature": "%%%" }, "{}"), "WEBHOOK_SIGNATURE_MALFORMED");
});

test("the emulator sends signed webhooks, and on tag changes through its API", async () => {
  const emu = await startEmulator({ seed: 1 });
  const received = [];
  const r = g.createGhlWebhookReceiver({ config: emu.webhooks.publicKeys });
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      try {
        const out = await r.receive(req.headers, Buffer.concat(chunks));
        received.push(out);
        res.writeHead(200).end(JSON.stringify(out));
      } catch (e) {
        received.push({ refused: e.code });
        res.writeHead(e.details?.status ?? 500).end(JSON.stringify({ code: e.code }));
      }
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}/ghl`;
  try {
    const fields = { id: "c9", email: "x@example.com", tags: ["a"] };
    assert.equal(
      (await emu.webhooks.send(url, "ContactCreate", fields, { wrap: true })).status,
      200,
    );
    assert.equal(
      (await emu.webhooks.send(url, "ContactCreate", fields, { legacy: true })).status,
      200,
    );
    assert.equal(
      (await emu.webhooks.send(url, "ContactCreate", fields, { forge: true })).status,
      401,
    );
    assert.equal(
      (await emu.webhooks.send(url, "ContactCreate", fields, { unsigned: true })).status,
      401,
    );
    assert.equal(
      (
        await emu.webhooks.send(url, "ContactCreate", fields, {
          timestampMs: Date.now() - 3_600_000,
        })
      ).status,
      400,
    );
    // The emulator itself reports a tag change made through its API.
    emu.webhooks.subscribe(url);
    const client = g.createClient({
      token: DEMO_TOKEN,
      locationId: DEMO_LOCATION_ID,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
    });
    const c = emu.state.locations[DEMO_LOCATION_ID].contacts[0];
    r.rememberTags(c.id, [...c.tags], Date.now() - 1000);
    await client.send("contacts.add-tags", {
      path: { contactId: c.id },
      body: { tags: ["qwilr-accepted"] },
    });
    await emu.webhooks.settled();
    const last = received.at(-1);
    assert.equal(last.outcome, "accepted", JSON.stringify(last));
    assert.equal(last.event.kind, "ContactTagUpdate");
    assert.deepEqual(last.event.tagChange.added, ["qwilr-accepted"]);
    assert.deepEqual(last.event.tagChange.removed, []);
  } finally {
    server.close();
    await emu.stop();
  }
});
