// The built package's client against the GHL emulator (a real HTTP server on
// loopback): requests as built, typed helpers, GHL errors, scopes, token refresh,
// rate-limit headers, transport failures, and that tokens never leak.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as g from "../../pkg/entries/node.js";
import {
  startEmulator,
  DEMO_TOKEN,
  DEMO_LOCATION_ID,
  ALL_SCOPES,
} from "../../js/emulator/index.mjs";
import { tinyServer } from "./tiny-server.mjs";

let emu;
before(async () => {
  emu = await startEmulator({ seed: 7 });
});
after(() => emu.stop());
beforeEach(() => {
  emu.reset();
  emu.configure({ errorRate: 0, dropRate: 0, latencyMs: 0, burst429: 0 });
});

/** The users search needs the agency's id; the emulator accepts any. */
const USERS = { companyId: "demo-company" };

const client = (over = {}) =>
  g.createClient({
    token: DEMO_TOKEN,
    locationId: DEMO_LOCATION_ID,
    scopes: [...ALL_SCOPES],
    baseUrl: emu.url,
    ...over,
  });

/** Everything an error exposes, as one string, to look for a token in it. */
const exposed = (e) =>
  [e.message, String(e), JSON.stringify(e), JSON.stringify(e.details), e.stack ?? ""].join("\n");

test("buildRequest returns plain data with GHL's headers and nothing is sent", async () => {
  const c = client();
  const get = await c.buildRequest("social-media-posting.get-tags-location-id", {
    query: { searchText: "vip", limit: 5, skip: 0 },
  });
  assert.equal(get.method, "GET");
  assert.equal(
    get.url,
    `${emu.url}/social-media-posting/${DEMO_LOCATION_ID}/tags?limit=5&searchText=vip&skip=0`,
  );
  assert.deepEqual(get.headers, {
    Accept: "application/json",
    Authorization: `Bearer ${DEMO_TOKEN}`,
    Version: "2021-07-28",
  });
  assert.equal(get.body ?? null, null);
  const post = await c.buildRequest("contacts.upsert-contact", {
    body: { locationId: DEMO_LOCATION_ID, email: "a@b.co" },
  });
  assert.equal(post.headers["Content-Type"], "application/json");
  assert.deepEqual(JSON.parse(post.body), { locationId: DEMO_LOCATION_ID, email: "a@b.co" });
  assert.equal(emu.log.length, 0, "building sends nothing");
});

test("the README's upsert: locationId is filled into the body, and the emulator accepts it", async () => {
  const c = client();
  // Before: built without locationId and answered 422 `locationId should not be empty`.
  const req = await c.buildRequest("contacts.upsert-contact", {
    body: { email: "ada@example.com" },
  });
  assert.deepEqual(JSON.parse(req.body), {
    email: "ada@example.com",
    locationId: DEMO_LOCATION_ID,
  });
  const sent = await c.send("contacts.upsert-contact", { body: { email: "ada@example.com" } });
  assert.equal(sent.status, 200);
  assert.equal(sent.data.contact.locationId, DEMO_LOCATION_ID);
  // A value the caller gives is kept (here another location: the emulator refuses it).
  const other = await c.buildRequest("contacts.upsert-contact", {
    body: { email: "a@b.co", locationId: "elsewhere" },
  });
  assert.equal(JSON.parse(other.body).locationId, "elsewhere");
  await assert.rejects(
    c.send("contacts.upsert-contact", { body: { email: "a@b.co", locationId: "elsewhere" } }),
    (e) => e.details.status === 403,
  );
});

test("spec gaps: unknown query names, comma-joined arrays, form-encoded OAuth, uploads refused", async () => {
  const c = client();
  await assert.rejects(
    c.buildRequest("social-media-posting.get-tags-location-id", { query: { limitt: 5 } }),
    (e) => {
      assert.equal(e.code, "UNKNOWN_PARAMETER");
      assert.equal(e.details.suggestion, "limit");
      assert.equal(e.details.in, "query");
      assert.match(e.message, /did you mean 'limit'/);
      return true;
    },
  );
  const ads = client({ scopes: ["adPublishing.readonly"] });
  const query = {
    groupBy: "campaign",
    startDate: "2026-01-01",
    endDate: "2026-01-31",
    type: "campaign",
    fields: ["clicks", "spend"],
  };
  const report = await ads.buildRequest("ad-manager.fb-get-reporting", { query });
  assert.ok(report.url.includes("&fields=clicks,spend&"), report.url);
  const token = await c.buildRequest("oauth.get-access-token", {
    body: { client_id: "id", grant_type: "refresh_token", refresh_token: "r t" },
  });
  assert.equal(token.headers["Content-Type"], "application/x-www-form-urlencoded");
  assert.equal(token.body, "client_id=id&grant_type=refresh_token&refresh_token=r%20t");
  const uploads = g.listOperations().filter((o) => o.contentType === "multipart/form-data");
  assert.equal(uploads.length, 5);
  for (const op of uploads) {
    const up = client({ scopes: op.scopes });
    await assert.rejects(
      up.send(g.unchecked(op.name), {}),
      (e) =>
        e.code === "UNSUPPORTED_CONTENT_TYPE" && e.details.contentType === "multipart/form-data",
    );
  }
  assert.equal(emu.log.length, 0, "nothing refused was sent");
});

test("the catalog: suggestions for unknown names, listOperations by service and words", async () => {
  const c = client();
  await assert.rejects(
    c.buildRequest("contacts.upsert"),
    (e) => e.code === "UNKNOWN_OPERATION" && e.details.suggestions[0] === "contacts.upsert-contact",
  );
  assert.ok(
    g.ERROR_CODES.includes("UNKNOWN_OPERATION") &&
      g.ERROR_CODES.includes("UNSUPPORTED_CONTENT_TYPE"),
  );
  const all = g.listOperations();
  assert.equal(all.length, 576);
  const users = g.listOperations({ service: "users" });
  assert.deepEqual([...new Set(users.map((o) => o.service))], ["users"]);
  assert.ok(users.some((o) => o.id === "search-users" && !o.deprecated));
  assert.ok(users.some((o) => o.id === "get-user-by-location" && o.deprecated));
  assert.deepEqual(
    g.listOperations({ search: "upsert contact" }).map((o) => o.name),
    ["contacts.upsert-contact"],
  );
  assert.deepEqual(g.listOperations({ service: "nope" }), []);
  assert.ok(g.operationInfo("contacts.upsert-contact").bodyRequiresLocationId);
});

test("path parameters are percent-encoded; empty ids and ids with / are rejected", async () => {
  const c = client();
  const r = await c.buildRequest("contacts.get-contact", { path: { contactId: "a bü?" } });
  assert.equal(r.url, `${emu.url}/contacts/a%20b%C3%BC%3F`);
  for (const bad of ["", "a/b"]) {
    await assert.rejects(
      c.buildRequest("contacts.get-contact", { path: { contactId: bad } }),
      (e) =>
        e instanceof g.GhlBridgeError &&
        e.code === "INVALID_PATH_PARAMETER" &&
        e.message.includes("contactId"),
    );
  }
  await assert.rejects(
    c.buildRequest("contacts.get-contact", {}),
    (e) => e.code === "MISSING_PARAMETER" && e.message.includes("contactId"),
  );
});

test("operations are addressed as service.operationId; ambiguous bare ids list candidates", async () => {
  const c = client();
  await assert.rejects(c.buildRequest("create-custom-field", {}), (e) => {
    assert.equal(e.code, "AMBIGUOUS_OPERATION");
    assert.ok(e.details.candidates.length === 2, JSON.stringify(e.details));
    assert.ok(e.details.candidates.every((n) => n.endsWith(".create-custom-field")));
    return true;
  });
  await assert.rejects(
    c.buildRequest("contacts.upsert-contactz", {}),
    (e) =>
      e.code === "UNKNOWN_OPERATION" && e.details.suggestions.includes("contacts.upsert-contact"),
  );
  const bare = await c.buildRequest("upsert-contact", { body: { email: "x@y.z" } });
  assert.ok(bare.url.endsWith("/contacts/upsert"));
  const info = g.operationInfo("contacts.add-tags");
  assert.deepEqual(
    [info.method, info.path, info.scopes],
    ["POST", "/contacts/{contactId}/tags", ["contacts.write"]],
  );
});

test("an operation needing a scope the token lacks fails before anything is sent", async () => {
  const c = client({ scopes: ["contacts.readonly"] });
  await assert.rejects(c.upsertContact({ email: "a@b.co" }), (e) => {
    assert.equal(e.code, "MISSING_SCOPE");
    assert.match(e.message, /contacts\.upsert-contact/);
    assert.deepEqual(e.details.missingScopes, ["contacts.write"]);
    return true;
  });
  assert.equal(emu.log.length, 0);
});

test("typed helpers: upsert, get, add and remove tags, against the emulator's state", async () => {
  const c = client();
  const up = await c.upsertContact({
    email: "Ada@Example.com",
    firstName: "Ada",
    phone: "+14155550100",
  });
  assert.equal(up.new, true);
  const id = up.contact.id;
  const again = await c.upsertContact({ email: "ada@example.com", lastName: "Lovelace" });
  assert.equal(again.new, false);
  assert.equal(again.contact.id, id, "matched by email, case-insensitively");
  const added = await c.addContactTags(id, ["VIP", "wishpond"]);
  assert.deepEqual([...added.tags].sort(), ["vip", "wishpond"]);
  await c.removeContactTags(id, ["vip"]);
  const got = await c.getContact(id);
  assert.deepEqual(got.contact.tags, ["wishpond"]);
  assert.equal(got.contact.lastName, "Lovelace");
  const stored = Object.values(emu.state.locations[DEMO_LOCATION_ID].contacts).find(
    (k) => k.id === id,
  );
  assert.deepEqual(stored.tags, ["wishpond"]);
  assert.deepEqual(
    emu.log.map((e) => e.operation),
    [
      "contacts.upsert-contact",
      "contacts.upsert-contact",
      "contacts.add-tags",
      "contacts.remove-tags",
      "contacts.get-contact",
    ],
  );
});

test("typed helpers: social-planner tags (paging), details, accounts, statistics, users, fields", async () => {
  const c = client();
  const page1 = await c.socialTags({ limit: 10, skip: 0 });
  const page3 = await c.socialTags({ limit: 10, skip: 20 });
  assert.equal(page1.results.tags.length, 10);
  assert.equal(page1.results.count, 25);
  assert.equal(page3.results.tags.length, 5);
  const t = page1.results.tags[0];
  for (const k of ["_id", "tag", "locationId", "deleted", "createdAt", "updatedAt"])
    assert.ok(k in t, k);
  const ids = page1.results.tags.slice(0, 3).map((x) => x._id);
  const details = await c.socialTagsByIds(ids);
  assert.deepEqual(details.results.tags.map((x) => x._id).sort(), [...ids].sort());
  const accounts = await c.socialAccounts();
  const profiles = accounts.results.accounts
    .filter((a) => ["linkedin", "tiktok"].includes(a.platform))
    .map((a) => a.profileId);
  assert.ok(profiles.length >= 2);
  const stats = await c.socialStatistics({
    profileIds: profiles,
    platforms: ["linkedin", "tiktok"],
  });
  assert.ok(
    stats.results.dayRange.length === 7 || Object.keys(stats.results.totals ?? {}).length > 0,
    JSON.stringify(stats).slice(0, 200),
  );
  const users = await c.users(USERS);
  assert.ok(users.users.length > 0 && users.count === users.users.length);
  // The current search, not the operation the spec marks deprecated.
  assert.equal(emu.log.at(-1).operation, "users.search-users");
  assert.equal(g.operationInfo("users.search-users").deprecated, false);
  assert.equal((await c.users({ ...USERS, limit: 1 })).users.length, 1);
  await assert.rejects(
    c.users({}),
    (e) => e.code === "INVALID_PARAMETER" && e.details.parameter === "companyId",
  );
  assert.ok((await c.customFields()).customFields.some((f) => f.fieldKey === "contact.utm_source"));
  assert.ok(Array.isArray((await c.locationTags()).tags));
});

test("GHL errors are GhlBridgeErrors with status, messages and traceId", async () => {
  const c = client();
  await assert.rejects(c.upsertContact({ firstName: "No match key" }), (e) => {
    assert.ok(e instanceof Error && e instanceof g.GhlBridgeError);
    assert.equal(e.code, "GHL_HTTP_ERROR");
    assert.equal(e.details.status, 422);
    assert.ok(Array.isArray(e.details.messages) && e.details.messages.length > 0);
    assert.equal(e.details.operation, "contacts.upsert-contact");
    assert.match(e.message, /422/);
    return true;
  });
  await assert.rejects(c.socialTagsByIds([]), (e) => e.code === "INVALID_PARAMETER");
  const bad = g.createClient({
    token: "pit-not-a-real-token",
    locationId: DEMO_LOCATION_ID,
    scopes: [...ALL_SCOPES],
    baseUrl: emu.url,
  });
  await assert.rejects(
    bad.users(USERS),
    (e) =>
      e.code === "GHL_HTTP_ERROR" &&
      e.details.status === 401 &&
      !exposed(e).includes("pit-not-a-real-token"),
  );
});

test("every answer's rate-limit headers are parsed into a typed value", async () => {
  const c = client();
  assert.equal(c.rateLimit(), null);
  await c.users(USERS);
  const rl = c.rateLimit();
  assert.deepEqual(Object.keys(rl).sort(), [
    "dailyLimit",
    "dailyRemaining",
    "dailyReset",
    "intervalMs",
    "max",
    "remaining",
  ]);
  assert.equal(rl.max, 100);
  assert.equal(rl.intervalMs, 10000);
  assert.equal(rl.remaining, 99);
  assert.equal(rl.dailyLimit, 200000);
});

test("getToken: one refresh for concurrent 401s (single flight), then the retry succeeds", async () => {
  const stale = "pit-stale-token-aaaa";
  const fresh = "pit-fresh-token-bbbb";
  emu.addToken(stale, { locationId: DEMO_LOCATION_ID });
  emu.addToken(fresh, { locationId: DEMO_LOCATION_ID });
  let calls = 0;
  const c = client({ token: undefined, getToken: async () => (++calls === 1 ? stale : fresh) });
  await c.users(USERS);
  emu.revokeToken(stale);
  const results = await Promise.all([c.users(USERS), c.locationTags(), c.customFields()]);
  assert.equal(results.length, 3);
  assert.equal(calls, 2, "the host was asked once more, not once per request");
  // a second 401 (the fresh token revoked as well) is thrown, not retried forever
  emu.revokeToken(fresh);
  await assert.rejects(
    c.users(USERS),
    (e) => e.code === "GHL_HTTP_ERROR" && e.details.status === 401,
  );
});

test("transport failures are typed: connection refused, dropped connection, timeout", async () => {
  const closed = client({ baseUrl: "http://127.0.0.1:9" });
  await assert.rejects(
    closed.users(USERS),
    (e) => e.code === "NETWORK_ERROR" && e.details.operation === "users.search-users",
  );
  emu.configure({ dropRate: 1 });
  await assert.rejects(client().users(USERS), (e) => e.code === "NETWORK_ERROR");
  emu.configure({ dropRate: 0, latencyMs: 400 });
  await assert.rejects(
    client({ timeoutMs: 50 }).users(USERS),
    (e) => e.code === "TIMEOUT" && e.details.timeoutMs === 50,
  );
});

test("base URLs: https anywhere, http only on loopback", () => {
  assert.throws(
    () => client({ baseUrl: "http://example.com" }),
    (e) => e.code === "INVALID_BASE_URL",
  );
  assert.doesNotThrow(() => client({ baseUrl: "https://services.leadconnectorhq.com" }));
  assert.doesNotThrow(() => client({ baseUrl: "http://localhost:8080" }));
});

test("tokens never appear in errors or their JSON", async () => {
  const secret = "pit-SECRET-do-not-leak-123";
  const c = g.createClient({
    token: secret,
    locationId: DEMO_LOCATION_ID,
    scopes: ["contacts.readonly"],
    baseUrl: emu.url,
  });
  const other = g.createClient({
    token: secret,
    locationId: "l",
    scopes: ["users.readonly"],
    baseUrl: "http://127.0.0.1:9",
  });
  const failures = [
    () => c.upsertContact({ email: "a@b.co" }),
    () => c.buildRequest("nope.nope"),
    () => c.buildRequest("contacts.get-contact", { path: { contactId: "a/b" } }),
    () => c.getContact("does-not-exist"),
    () => other.send("users.get-user-by-location", { query: { locationId: "l" } }),
  ];
  for (const call of failures) {
    await assert.rejects(call, (e) => {
      assert.ok(e instanceof g.GhlBridgeError, String(e));
      assert.ok(!exposed(e).includes(secret), `${e.code} leaks the token`);
      return true;
    });
  }
  assert.ok(
    emu.log.every((entry) => !JSON.stringify(entry).includes(secret)),
    "the emulator's log holds no token either",
  );
});

const bearerOf = (req) => String(req.headers.authorization ?? "").replace(/^Bearer /, "");

test("a token echoed back by the server (401, HTML 500) never reaches the error, its details or stack", async () => {
  const tokens = ["pit-echo-first-token-0001", "pit-echo-second-token-0002"];
  const srv = await tinyServer((req) => {
    const t = bearerOf(req);
    if (req.url.startsWith("/users")) {
      return {
        status: 500,
        headers: { "content-type": "text/html" },
        body: `<html><body>Proxy error. Request header: Authorization: Bearer ${t} (${t})</body></html>`,
      };
    }
    return {
      status: 401,
      body: JSON.stringify({
        statusCode: 401,
        message: `Invalid token: Bearer ${t}`,
        error: `token ${t} rejected`,
        traceId: t,
      }),
    };
  });
  try {
    let calls = 0;
    const c = client({
      token: undefined,
      getToken: async () => tokens[Math.min(calls++, 1)],
      baseUrl: srv.url,
    });
    await assert.rejects(c.getContact("c1"), (e) => {
      assert.ok(e instanceof g.GhlBridgeError);
      assert.equal(e.code, "GHL_HTTP_ERROR");
      assert.equal(e.details.status, 401);
      assert.deepEqual(e.details.disposition, { kind: "refreshAuth" });
      for (const t of tokens)
        assert.ok(!exposed(e).includes(t), `the 401 error leaks ${t}: ${exposed(e)}`);
      assert.match(e.message, /Invalid token: Bearer <redacted>/);
      return true;
    });
    assert.equal(calls, 2, "one refresh on refreshAuth, then the second 401 is thrown");
    await assert.rejects(c.users({ companyId: "company-1" }), (e) => {
      assert.equal(e.details.status, 500);
      for (const t of tokens) assert.ok(!exposed(e).includes(t), `the 500 error leaks ${t}`);
      return true;
    });
  } finally {
    await srv.close();
  }
});

test("getToken() rejecting with an error that names the token: TOKEN_UNAVAILABLE without it", async () => {
  const first = "pit-rotating-token-aaaa-1111";
  let calls = 0;
  const srv = await tinyServer(() => ({
    status: 401,
    body: JSON.stringify({ message: "expired" }),
  }));
  try {
    const c = client({
      token: undefined,
      baseUrl: srv.url,
      getToken: async () => {
        calls += 1;
        if (calls === 1) return first;
        throw new Error(`refresh failed for ${first}: Bearer ${first} revoked`);
      },
    });
    await assert.rejects(c.users({ companyId: "company-1" }), (e) => {
      assert.equal(e.code, "TOKEN_UNAVAILABLE");
      assert.ok(!exposed(e).includes(first), exposed(e));
      return true;
    });
  } finally {
    await srv.close();
  }
});

test("a refused base URL that carries the token is not quoted with it", () => {
  const secret = "pit-base-url-secret-9876";
  for (const baseUrl of [
    `https://api.example/?token=${secret}`,
    `https://${secret}@api.example`,
    `http://api.example/${secret}`,
  ]) {
    assert.throws(
      () => client({ token: secret, baseUrl }),
      (e) =>
        e instanceof g.GhlBridgeError &&
        e.code === "INVALID_BASE_URL" &&
        !exposed(e).includes(secret),
      baseUrl,
    );
  }
});

test("a built request's JSON and inspect forms redact Authorization; the header stays usable", async () => {
  const { inspect } = await import("node:util");
  const r = await client().buildRequest("contacts.get-contact", { path: { contactId: "c1" } });
  assert.equal(r.headers.Authorization, `Bearer ${DEMO_TOKEN}`);
  assert.ok(!JSON.stringify(r).includes(DEMO_TOKEN));
  assert.ok(!inspect(r, { depth: 5 }).includes(DEMO_TOKEN));
  assert.equal(JSON.parse(JSON.stringify(r)).headers.Authorization, "Bearer <redacted>");
  const res = await fetch(r.url, { method: r.method, headers: r.headers });
  assert.notEqual(res.status, 401, "the request as built authenticates");
});

test("a getToken() that never settles fails with TOKEN_UNAVAILABLE within the request timeout", async () => {
  const c = client({ token: undefined, getToken: () => new Promise(() => {}), timeoutMs: 50 });
  await assert.rejects(
    c.users({ companyId: "company-1" }),
    (e) =>
      e instanceof g.GhlBridgeError && e.code === "TOKEN_UNAVAILABLE" && /settle/.test(e.message),
  );
  assert.throws(
    () => client({ token: 5 }),
    (e) =>
      e instanceof g.GhlBridgeError &&
      e.code === "INVALID_ARGUMENT" &&
      e.details.argument === "options.token",
  );
});

test("a redirect to another origin is refused: nothing reaches its target", async () => {
  const target = await tinyServer(() => ({ status: 200, body: "{}" }));
  const api = await tinyServer(() => ({
    status: 307,
    headers: { location: `${target.url}/contacts/upsert` },
  }));
  try {
    const c = client({ baseUrl: api.url });
    await assert.rejects(c.upsertContact({ email: "redirected@x.example" }), (e) => {
      assert.ok(e instanceof g.GhlBridgeError);
      assert.equal(e.code, "REDIRECT_REFUSED");
      assert.equal(e.details.status, 307);
      assert.match(e.message, /never followed/);
      return true;
    });
    assert.equal(api.hits.length, 1);
    assert.equal(target.hits.length, 0, "the redirect's target got nothing");
  } finally {
    await api.close();
    await target.close();
  }
});
