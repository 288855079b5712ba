// The runner's console API (/console/api/...), as the widget's RunnerBackend calls it,
// against the GHL and Qwilr emulators: nothing answers without a session; the session
// cookie is HttpOnly and SameSite=Strict; cross-site calls (no console header, a foreign
// Origin, Sec-Fetch-Site cross-site) are refused; no answer ever holds a token; rules are
// validated by the core (problems with JSON Pointers); mode, deliver, activity, Qwilr
// subscriptions; the HighLevel custom page's payload made by crypto-js (the referee, as
// GHL makes it) opens a session for its location only, and a forged or garbled one is
// refused with a clear error.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import CryptoJS from "crypto-js";
import { DEMO_TOKEN } from "../../js/emulator/index.mjs";
import { QWILR_EMULATOR_TOKEN } from "../../js/emulator/qwilr/index.mjs";
import {
  CUSTOM_PAGE_SESSION_MS,
  consoleSessions,
  decryptUserData,
} from "../../pkg/runner/index.js";
import { startConsoleRunner } from "./runner-console-fixture.mjs";
import { memoryRunnerStore } from "./runner-memory-store.mjs";
import { pageLead } from "./runner-fixtures.mjs";

const PASSWORD = "correct horse battery staple";
const SHARED = "the-app-shared-secret-0123456789";
const LOCATION = "demoLocation00000001";
let env;
let emu;
let qwilr;
let made;
let server;
let logs;
let store;

before(async () => {
  env = await startConsoleRunner({
    env: { TEST_CONSOLE_PASSWORD: PASSWORD, TEST_SHARED: SHARED },
    patch(doc) {
      doc.connections.other = {
        locationId: "otherLocation0000001",
        auth: { pit: { env: "TEST_PIT" } },
      };
      doc.console = {
        password: { env: "TEST_CONSOLE_PASSWORD" },
        customPage: {
          sharedSecret: { env: "TEST_SHARED" },
          origins: ["https://app.gohighlevel.com"],
        },
      };
    },
  });
  ({ emu, qwilr, made, server, logs, store } = env);
});
after(async () => env?.stop());

const HEADERS = { "content-type": "application/json", "x-ghl-bridge-console": "1" };
/** Every answer's text, to grep for tokens at the end. */
const seen = [];
async function post(path, body = {}, { headers = {}, cookie } = {}) {
  const r = await fetch(`${server.url}/console/api/${path}`, {
    method: "POST",
    headers: { ...HEADERS, ...(cookie ? { cookie } : {}), ...headers },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  seen.push(text);
  return { status: r.status, body: JSON.parse(text), headers: r.headers };
}
let cookie;
async function signIn() {
  if (cookie) return cookie;
  const r = await post("session/login", { password: PASSWORD });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  cookie = r.headers.get("set-cookie").split(";")[0];
  return cookie;
}
const call = async (method, args = [], connection = "demo", extra = {}) =>
  post(`call/${method}`, { connection, args }, { cookie: await signIn(), ...extra });

test("without a session nothing answers; a wrong password is refused", async () => {
  const s = await post("session");
  assert.equal(s.status, 200);
  assert.equal(s.body.authenticated, false);
  assert.deepEqual(s.body.connections, []);
  assert.deepEqual(s.body.login, {
    password: true,
    customPage: { origins: ["https://app.gohighlevel.com"] },
  });
  const r = await post("call/connection", { connection: "demo", args: [] });
  assert.equal(r.status, 401);
  assert.equal(r.body.error.code, "CONSOLE_LOGIN_REQUIRED");
  const wrong = await post("session/login", { password: "guess-guess-guess" });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.code, "CONSOLE_LOGIN_FAILED");
});

test("the session cookie is HttpOnly and SameSite=Strict; logout ends the session", async () => {
  const r = await post("session/login", { password: PASSWORD });
  const set = r.headers.get("set-cookie");
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Strict/);
  assert.match(set, /Path=\/console/);
  assert.equal(r.body.authenticated, true);
  assert.deepEqual(
    r.body.connections.map((c) => [c.name, c.locationId, c.auth, c.connected]),
    [
      ["demo", LOCATION, "pit", true],
      ["other", "otherLocation0000001", "pit", true],
    ],
  );
  const mine = set.split(";")[0];
  assert.equal(
    (await post("call/connection", { connection: "demo" }, { cookie: mine })).status,
    200,
  );
  await post("session/logout", {}, { cookie: mine });
  const after = await post("call/connection", { connection: "demo" }, { cookie: mine });
  assert.equal(after.status, 401, "the session is gone after logout");
});

test("CSRF: a call without the console header, from a foreign origin or cross-site is refused", async () => {
  const c = await signIn();
  const noHeader = await fetch(`${server.url}/console/api/call/connection`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: c },
    body: JSON.stringify({ connection: "demo" }),
  });
  assert.equal(noHeader.status, 403);
  assert.equal((await noHeader.json()).error.code, "CONSOLE_FORBIDDEN");
  const foreign = await call("connection", [], "demo", {
    headers: { origin: "https://evil.example" },
  });
  assert.equal(foreign.status, 403);
  const site = await call("connection", [], "demo", {
    headers: { "sec-fetch-site": "cross-site" },
  });
  assert.equal(site.status, 403);
  const form = await fetch(`${server.url}/console/api/call/setMode`, {
    method: "POST",
    headers: {
      cookie: c,
      ...HEADERS,
      "content-type": "text/plain",
    },
    body: "connection=demo",
  });
  assert.equal(form.status, 415);
  const get = await fetch(`${server.url}/console/api/session`);
  assert.equal(get.status, 405);
});

test("connection and test connection: the location read through the runner's token", async () => {
  const c = await call("connection");
  assert.equal(c.status, 200);
  assert.equal(c.body.connected, true);
  assert.equal(c.body.tokenSource, "pit");
  const t = await call("testConnection");
  assert.equal(t.status, 200, JSON.stringify(t.body));
  assert.equal(t.body.location.id, LOCATION);
  assert.ok(t.body.location.name);
  assert.ok(t.body.granted.includes("contacts.write"));
  assert.equal(t.body.connection.locationName, t.body.location.name);
  // A token typed in the page is refused: the runner's tokens come from its config.
  const typed = await call("connect", [{ token: "pit-typed-in-the-page", locationId: LOCATION }]);
  assert.equal(typed.status, 501);
  assert.equal(typed.body.error.code, "NOT_SUPPORTED");
});

test("rules: saved after the core validated them; a bad one answers its problems with JSON Pointers", async () => {
  const r = await call("rules");
  const doc = structuredClone(r.body.documents.wishpond);
  assert.ok(doc, "the preset until saved");
  assert.equal(r.body.savedAt, null);
  const broken = structuredClone(doc);
  broken.fields = [{ to: "not-a-field", from: 42 }];
  const bad = await call("saveRules", ["wishpond", broken]);
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.code, "RULES_INVALID");
  const pointers = bad.body.error.details.problems.map((p) => p.pointer ?? p.path ?? p.at);
  assert.ok(
    pointers.length > 0 && pointers.every((p) => typeof p === "string" && p.startsWith("/")),
    JSON.stringify(bad.body.error.details.problems),
  );
  const good = await call("saveRules", ["wishpond", doc]);
  assert.equal(good.status, 200);
  assert.ok(good.body.savedAt);
  assert.deepEqual(good.body.documents.wishpond, doc);
});

const LEAD = pageLead("console-test-lead-1", "ada@example.com", "1");

test("staging: a dry run shows the exact requests, nothing is sent; production needs confirm and queues", async () => {
  const before = emu.log?.length ?? 0;
  assert.equal((await call("setMode", ["staging"])).body.mode, "staging");
  const d = await call("deliver", [LEAD]);
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(d.body.queued, false);
  // What the worker would send (the runner never creates location tags): the location's
  // tags read first, then, in stage 2, the contact written and tagged by the id the
  // upsert answers (a named placeholder, not an invented id).
  assert.deepEqual(
    d.body.preview.requests.map((q) => `${q.method} ${q.step}`),
    ["GET location-tags"],
    JSON.stringify(d.body),
  );
  const [stage2] = d.body.preview.later;
  assert.equal(stage2.stage, 2);
  assert.ok(
    stage2.requests.some((q) => q.step === "upsert" && q.body.email === "ada@example.com"),
    JSON.stringify(stage2),
  );
  const add = stage2.requests.find((q) => q.step === "add-tags");
  assert.match(add.url, /\/contacts\/\{upsert\.contact\.id\}\/tags$/);
  assert.ok(stage2.flowPlan.warnings.some((w) => w.includes("as if the location had every tag")));
  assert.equal(emu.log?.length ?? 0, before, "nothing reached GHL");
  const samples = await call("samples");
  assert.equal(samples.body[0].event.id, LEAD.id);
  const refused = await call("setMode", ["production"]);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, "CONFIRMATION_REQUIRED");
  const live = await call("setMode", ["production", { confirm: true }]);
  assert.equal(live.body.mode, "production");
  const q = await call("deliver", [
    { ...LEAD, id: "console-test-lead-2", payload: { ...LEAD.payload, id: "console-test-lead-2" } },
  ]);
  assert.equal(q.body.queued, true);
  const status = await call("outboxStatus");
  assert.equal(status.status, 200, JSON.stringify(status.body));
  assert.equal(status.body.counts.pending, 1, "the event waits in the intake for the worker");
  assert.equal((await call("deadLetters")).status, 200);
  assert.equal((await call("activity")).status, 200);
  const retry = await call("retryAll");
  assert.equal(retry.status, 200);
  assert.ok(store.values.get("console:retries")[LOCATION].includes("*"), "the worker is asked");
});

test("Qwilr webhook subscriptions created and removed through the runner (the secret never shown)", async () => {
  const s = await call("subscribeQwilr", [["pageAccepted"]]);
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.qwilr.subscriptions.length, 1);
  const sub = s.body.qwilr.subscriptions[0];
  assert.equal(sub.event, "pageAccepted");
  assert.ok(!sub.url.includes(made.qwilrSecret));
  const listed = await (
    await fetch(`${qwilr.url}/webhooks`, {
      headers: { authorization: `Bearer ${QWILR_EMULATOR_TOKEN}` },
    })
  ).json();
  assert.equal(listed.data[0].targetUrl, `${server.url}/hooks/qwilr/${made.qwilrSecret}`);
  // An event through it: the Sources panel's "last event".
  const r = await fetch(`${server.url}/hooks/qwilr/${made.qwilrSecret}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      event: "pageAccepted",
      idempotencyKey: "a".repeat(64),
      page: { id: "b".repeat(24), metadata: {} },
    }),
  });
  assert.equal(r.status, 200);
  await new Promise((res) => setTimeout(res, 50));
  const st = await call("sources");
  assert.ok(st.body.qwilr.lastEventAt);
  const bad = await call("subscribeQwilr", [["pageDeclined"]]);
  assert.equal(bad.status, 400);
  const gone = await call("unsubscribeQwilr", [sub.id]);
  assert.equal(gone.status, 200);
  assert.deepEqual(gone.body.qwilr.subscriptions, []);
});

/** The payload as HighLevel makes it: CryptoJS AES with the shared secret as passphrase. */
const ghlPayload = (data, secret = SHARED) =>
  CryptoJS.AES.encrypt(JSON.stringify(data), secret).toString();
const USER = {
  userId: "user-1",
  companyId: "company-1",
  role: "admin",
  type: "agency",
  activeLocation: LOCATION,
  userName: "Jane Doe",
  email: "jane@example.com",
};

test("custom page: crypto-js's payload decrypts; a forged or garbled one is refused clearly", () => {
  assert.deepEqual(decryptUserData(ghlPayload(USER), SHARED), USER);
  for (const [payload, words] of [
    [ghlPayload(USER, "another-apps-secret"), /does not decrypt|JSON/],
    ["U2FsdGVkX1+garbled", /base64|format|blocks/],
    [Buffer.from("hello world, not salted at all!!").toString("base64"), /passphrase format/],
    [ghlPayload({ name: "no user id" }), /no userId/],
    [42, /missing or not a string/],
  ]) {
    assert.throws(
      () => decryptUserData(payload, SHARED),
      (e) =>
        e.code === "CONSOLE_USER_DATA_INVALID" &&
        words.test(e.message) &&
        !e.message.includes(SHARED),
    );
  }
});

test("custom page session: only the user's active location; the header token works, a forged payload does not", async () => {
  const forged = await post("session/ghl", { payload: ghlPayload(USER, "guessed-secret-000000") });
  assert.equal(forged.status, 400);
  assert.equal(forged.body.error.code, "CONSOLE_USER_DATA_INVALID");
  const none = await post("session/ghl", {
    payload: ghlPayload({ ...USER, activeLocation: "nowhere000000000001" }),
  });
  assert.equal(none.status, 403);
  const s = await post("session/ghl", { payload: ghlPayload(USER) });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.via, "ghl");
  assert.deepEqual(s.body.user, { userName: "Jane Doe", email: "jane@example.com", role: "admin" });
  assert.deepEqual(
    s.body.connections.map((c) => c.name),
    ["demo"],
  );
  assert.ok(!s.headers.get("set-cookie"), "no cookie inside HighLevel's frame: a header token");
  const h = { "x-ghl-bridge-session": s.body.sessionToken };
  const ok = await post("call/connection", { connection: "demo" }, { headers: h });
  assert.equal(ok.status, 200);
  const other = await post("call/connection", { connection: "other" }, { headers: h });
  assert.equal(other.status, 403);
  assert.equal(other.body.error.code, "CONSOLE_FORBIDDEN");
});

test("custom page: a payload opens one short session; the same payload again is refused", async () => {
  const payload = ghlPayload(USER);
  const before = Date.now();
  const s = await post("session/ghl", { payload });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  // Short: the payload has no timestamp, so its session is bounded (15 minutes, not 8 h).
  const life = Date.parse(s.body.expiresAt) - before;
  assert.ok(life > 0 && life <= CUSTOM_PAGE_SESSION_MS + 1000, `lives ${life} ms`);
  const again = await post("session/ghl", { payload });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, "CONSOLE_USER_DATA_REPLAYED");
  // The first session still works; a fresh payload (HighLevel encrypts anew) opens another.
  const h = { "x-ghl-bridge-session": s.body.sessionToken };
  assert.equal((await post("call/connection", { connection: "demo" }, { headers: h })).status, 200);
  assert.equal((await post("session/ghl", { payload: ghlPayload(USER) })).status, 200);
});

test("console sessions: an expired one is deleted from the store (when read, and by the sweep)", async () => {
  const mem = memoryRunnerStore();
  let t = 1_000_000;
  const sessions = consoleSessions(mem, () => t);
  const s = { via: "password", connections: "*", user: null };
  const a = await sessions.open({ ...s, expiresAt: t + 1000 });
  const b = await sessions.open({ ...s, expiresAt: t + 5000 });
  const names = () => [...mem.values.keys()].filter((n) => n.startsWith("console-session:"));
  assert.equal(names().length, 2);
  t += 2000;
  // Read after its expiry: refused and deleted.
  assert.equal(await sessions.read(a), null);
  assert.equal(names().length, 1);
  assert.ok(await sessions.read(b));
  t += 10_000;
  // Never read again: the next session's opening sweeps it.
  const c = await sessions.open({ ...s, expiresAt: t + 1000 });
  assert.equal(names().length, 1);
  assert.ok(await sessions.read(c));
  assert.equal(await sessions.read(b), null);
  await sessions.close(c);
  assert.equal(names().length, 0);
});

test("tags through the runner: the social-planner catalog, the report, the fixes it allows", async () => {
  const tags = emu.state.locations[LOCATION].socialTags;
  // A live tag of a deleted one's name up to case, the rules naming it: the rules can be
  // pointed at the canonical tag (a fix); a name unknown to the catalog: a manual step.
  const gone = tags.find((t) => t.deleted);
  tags.push({
    ...gone,
    _id: "live0000000000000000000a",
    tag: gone.tag.toLowerCase(),
    deleted: false,
  });
  const refs = [
    { value: gone.tag, source: "rule:wishpond/tagRules/5/add" },
    { value: "No Such Social Tag", source: "rule:wishpond/tagRules/6/add" },
  ];
  const r = await call("tags", [refs]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.tags.length, tags.length);
  const kinds = r.body.report.findings.map((f) => [f.kind, f.proposal.action]);
  assert.deepEqual(kinds, [
    ["caseOrSpaceVariants", "useCanonical"],
    ["unknownReference", "createOrFix"],
  ]);
  // The variants' finding names where the rules use them: the console offers the fix.
  const [variants] = r.body.report.findings;
  assert.ok(
    variants.tags.flatMap((t) => t.sources).includes("rule:wishpond/tagRules/5/add"),
    JSON.stringify(variants),
  );
  assert.ok([gone.tag, gone.tag.toLowerCase()].includes(variants.proposal.name));
  assert.ok(emu.log.some((e) => e.operation === "social-media-posting.get-tags-location-id"));
  const bad = await call("tags", [[{ value: 1 }]]);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "CONSOLE_BAD_REQUEST");
  // The fix itself is a rules change (GHL's API cannot edit social-planner tags): saveRules.
  assert.equal((await call("fixTag", ["finding-0"])).body.error.code, "NOT_SUPPORTED");
});

test("no answer and no log line ever holds a token or the shared secret", () => {
  const all = `${seen.join("\n")}\n${logs.text()}`;
  for (const secret of [DEMO_TOKEN, QWILR_EMULATOR_TOKEN, SHARED, PASSWORD, made.qwilrSecret])
    assert.ok(!all.includes(secret), `a secret leaked: ${secret.slice(0, 6)}…`);
});
