// Tests of the GHL emulator over real HTTP (global fetch against loopback).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  DEMO_LOCATION_ID,
  DEMO_READONLY_TOKEN,
  DEMO_TOKEN,
  OTHER_LOCATION_ID,
  OTHER_LOCATION_TOKEN,
  startEmulator,
} from "../../js/emulator/index.mjs";

const VERSION = "2021-07-28";
const RL_HEADERS = [
  "x-ratelimit-max",
  "x-ratelimit-remaining",
  "x-ratelimit-interval-milliseconds",
  "x-ratelimit-limit-daily",
  "x-ratelimit-daily-remaining",
  "x-ratelimit-daily-reset",
];

/** Calls the emulator; `headers: null` values are left out. */
async function call(
  emu,
  method,
  path,
  { body, token = DEMO_TOKEN, version = VERSION, headers = {} } = {},
) {
  const h = { Accept: "application/json" };
  if (token) h.Authorization = `Bearer ${token}`;
  if (version) h.Version = version;
  if (body !== undefined) h["Content-Type"] = "application/json";
  const res = await fetch(emu.url + path, {
    method,
    headers: { ...h, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const upsert = (emu, fields, opts = {}) =>
  call(emu, "POST", "/contacts/upsert", {
    body: { locationId: DEMO_LOCATION_ID, ...fields },
    ...opts,
  });

function assertRateLimitHeaders(res, what) {
  for (const name of RL_HEADERS) {
    assert.match(
      res.headers.get(name) ?? "",
      /^\d+$/,
      `${what}: header ${name} missing or not a number`,
    );
  }
}

describe("GHL routes", () => {
  let emu;
  before(async () => {
    emu = await startEmulator({ seed: 7 });
  });
  after(() => emu.stop());

  test("missing Version header answers 400 GHL-shaped; a wrong value too", async () => {
    const res = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, { version: null });
    assert.equal(res.status, 400);
    assert.equal(res.body.statusCode, 400);
    assert.equal(typeof res.body.message, "string");
    const wrong = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, {
      version: "2021-04-15",
    });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.message, /2021-04-15/);
  });

  test("unknown or missing token answers 401 Invalid JWT", async () => {
    for (const token of ["not-a-token", null]) {
      const res = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, { token });
      assert.equal(res.status, 401);
      assert.deepEqual(
        { ...res.body, traceId: undefined },
        {
          statusCode: 401,
          message: "Invalid JWT",
          error: "Unauthorized",
          traceId: undefined,
        },
      );
      assert.match(
        res.body.traceId,
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  test("a token without the route scope answers 401 with the exact message", async () => {
    const res = await upsert(emu, { email: "scope@example.com" }, { token: DEMO_READONLY_TOKEN });
    assert.equal(res.status, 401);
    assert.equal(res.body.message, "The token is not authorized for this scope.");
    assert.equal(res.body.error, "Unauthorized");
    const read = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, {
      token: DEMO_READONLY_TOKEN,
    });
    assert.equal(read.status, 200);
  });

  test("another location's token answers 403, also for its contacts", async () => {
    const res = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, {
      token: OTHER_LOCATION_TOKEN,
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.statusCode, 403);
    const other = emu.state.locations[OTHER_LOCATION_ID].contacts[0];
    const contact = await call(emu, "GET", `/contacts/${other.id}`);
    assert.equal(contact.status, 403);
    const body = await upsert(emu, { email: "x@example.com", locationId: OTHER_LOCATION_ID });
    assert.equal(body.status, 403);
  });

  test("upsert creates, then updates by email (any case), then by phone (any format)", async () => {
    const created = await upsert(emu, {
      firstName: "Mary",
      lastName: "Shelley",
      email: "Mary.Shelley@Example.com",
      phone: "+1 (202) 555-0199",
    });
    assert.equal(created.status, 200);
    assert.equal(created.body.new, true);
    assert.match(created.body.traceId, /^[0-9a-f-]{36}$/);
    const { id } = created.body.contact;
    assert.equal(id.length, 20);
    assert.equal(created.body.contact.phone, "+12025550199");
    assert.equal(created.body.contact.emailLowerCase, "mary.shelley@example.com");

    const byEmail = await upsert(emu, { email: "MARY.SHELLEY@example.com", city: "London" });
    assert.equal(byEmail.body.new, false);
    assert.equal(byEmail.body.contact.id, id);
    assert.equal(byEmail.body.contact.city, "London");

    const byPhone = await upsert(emu, { phone: "202-555-0199", companyName: "Frankenstein Ltd" });
    assert.equal(byPhone.body.new, false);
    assert.equal(byPhone.body.contact.id, id);
    assert.equal(byPhone.body.contact.companyName, "Frankenstein Ltd");
    assert.equal(byPhone.body.contact.city, "London");

    const fetched = await call(emu, "GET", `/contacts/${id}`);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.body.contact.companyName, "Frankenstein Ltd");
  });

  test("email and phone matching two contacts: email wins, phone ignored and logged", async () => {
    const a = await upsert(emu, { email: "first@dup.example", phone: "+14155550001" });
    const b = await upsert(emu, { email: "second@dup.example", phone: "+14155550002" });
    assert.notEqual(a.body.contact.id, b.body.contact.id);
    const both = await upsert(emu, { email: "first@dup.example", phone: "+14155550002" });
    assert.equal(both.body.contact.id, a.body.contact.id);
    assert.equal(both.body.contact.phone, "+14155550001");
    const entry = emu.log.at(-1);
    assert.equal(entry.match, "email");
    assert.deepEqual(entry.ignored, ["phone"]);
  });

  test("tags on upsert replace all tags; add and remove tags diff them", async () => {
    const c = await upsert(emu, { email: "tags@example.com", tags: ["Alpha", "beta"] });
    const { id } = c.body.contact;
    assert.deepEqual(c.body.contact.tags, ["alpha", "beta"]);
    const replaced = await upsert(emu, { email: "tags@example.com", tags: ["Gamma"] });
    assert.deepEqual(replaced.body.contact.tags, ["gamma"]);
    const untouched = await upsert(emu, { email: "tags@example.com", city: "Paris" });
    assert.deepEqual(untouched.body.contact.tags, ["gamma"], "no tags field leaves tags alone");

    const added = await call(emu, "POST", `/contacts/${id}/tags`, {
      body: { tags: ["Delta", "GAMMA"] },
    });
    assert.equal(added.status, 201);
    assert.deepEqual(added.body.tags, ["gamma", "delta"]);
    const removed = await call(emu, "DELETE", `/contacts/${id}/tags`, {
      body: { tags: ["Gamma"] },
    });
    assert.equal(removed.status, 200);
    assert.deepEqual(removed.body.tags, ["delta"]);
    const got = await call(emu, "GET", `/contacts/${id}`);
    assert.deepEqual(got.body.contact.tags, ["delta"]);

    const locTags = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`);
    const names = locTags.body.tags.map((t) => t.name);
    for (const n of ["alpha", "gamma", "delta"])
      assert.ok(names.includes(n), `location tag ${n} created`);
  });

  test("unknown contact answers 400; bad tags body 422", async () => {
    const res = await call(emu, "GET", "/contacts/doesNotExist00000000");
    assert.equal(res.status, 400);
    assert.match(res.body.message, /doesNotExist00000000/);
    const some = emu.state.locations[DEMO_LOCATION_ID].contacts[0];
    const bad = await call(emu, "POST", `/contacts/${some.id}/tags`, { body: { tags: "vip" } });
    assert.equal(bad.status, 422);
  });

  test("custom fields by id or key are stored as {id, value}; unknown ones are 422", async () => {
    const fields = await call(
      emu,
      "GET",
      `/locations/${DEMO_LOCATION_ID}/customFields?model=contact`,
    );
    assert.equal(fields.status, 200);
    const byKey = Object.fromEntries(fields.body.customFields.map((f) => [f.fieldKey, f]));
    for (const key of [
      "contact.utm_source",
      "contact.utm_campaign",
      "contact.lead_score",
      "contact.qwilr_proposal_status",
    ]) {
      assert.ok(byKey[key], `${key} seeded`);
    }
    assert.ok(fields.body.customFields.every((f) => f.model === "contact"));
    const res = await upsert(emu, {
      email: "cf@example.com",
      customFields: [
        { id: byKey["contact.utm_source"].id, field_value: "newsletter" },
        { key: "lead_score", field_value: 42 },
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.contact.customFields, [
      { id: byKey["contact.utm_source"].id, value: "newsletter" },
      { id: byKey["contact.lead_score"].id, value: 42 },
    ]);
    const bad = await upsert(emu, {
      email: "cf@example.com",
      customFields: [{ key: "no_such_field", field_value: "x" }],
    });
    assert.equal(bad.status, 422);
    const notNumber = await upsert(emu, {
      email: "cf@example.com",
      customFields: [{ key: "lead_score", field_value: "high" }],
    });
    assert.equal(notNumber.status, 422);
  });

  test("validation errors are 422 with a message array", async () => {
    const cases = [
      ["POST", "/contacts/upsert", { locationId: DEMO_LOCATION_ID, firstName: "NoKeys" }],
      ["POST", `/social-media-posting/${DEMO_LOCATION_ID}/tags/details`, { tagIds: [] }],
      ["POST", `/social-media-posting/statistics?locationId=${DEMO_LOCATION_ID}`, {}],
      [
        "POST",
        `/social-media-posting/statistics?locationId=${DEMO_LOCATION_ID}`,
        { profileIds: ["x"], platforms: ["myspace"] },
      ],
      ["POST", "/contacts/upsert", { email: "nolocation@example.com" }],
    ];
    for (const [method, path, body] of cases) {
      const res = await call(emu, method, path, { body });
      assert.equal(res.status, 422, `${path} ${JSON.stringify(body)}`);
      assert.equal(res.body.error, "Unprocessable Entity");
      assert.ok(Array.isArray(res.body.message) && res.body.message.length > 0);
    }
  });

  test("social tags page with limit/skip; count is the total matching", async () => {
    const base = `/social-media-posting/${DEMO_LOCATION_ID}/tags`;
    const seen = [];
    for (let skip = 0; ; skip += 10) {
      const res = await call(emu, "GET", `${base}?limit=10&skip=${skip}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.success, true);
      assert.equal(res.body.results.count, 25);
      if (res.body.results.tags.length === 0) break;
      seen.push(...res.body.results.tags);
    }
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen.map((t) => t._id)).size, 25);
    assert.ok(
      seen.some((t) => t.deleted) && seen.some((t) => !t.deleted),
      "deleted flags are mixed",
    );
    for (const t of seen) {
      assert.deepEqual(Object.keys(t).sort(), [
        "_id",
        "createdAt",
        "createdBy",
        "deleted",
        "locationId",
        "tag",
        "updatedAt",
      ]);
      assert.match(t._id, /^[0-9a-f]{24}$/);
    }
    const dflt = await call(emu, "GET", base);
    assert.equal(dflt.body.results.tags.length, 10);
    const page = await call(emu, "GET", `${base}?limit=3&skip=4`);
    assert.deepEqual(
      page.body.results.tags.map((t) => t._id),
      seen.slice(4, 7).map((t) => t._id),
    );
    const bad = await call(emu, "GET", `${base}?limit=ten`);
    assert.equal(bad.status, 422);
  });

  test("searchText is a case-insensitive substring; count follows it", async () => {
    const res = await call(
      emu,
      "GET",
      `/social-media-posting/${DEMO_LOCATION_ID}/tags?searchText=PRODUCT&limit=1`,
    );
    assert.equal(res.body.results.count, 2);
    assert.equal(res.body.results.tags.length, 1);
    assert.match(res.body.results.tags[0].tag, /product/i);
    const none = await call(
      emu,
      "GET",
      `/social-media-posting/${DEMO_LOCATION_ID}/tags?searchText=zzz`,
    );
    assert.deepEqual(none.body.results, { tags: [], count: 0 });
  });

  test("tags/details reads the given tag ids (201); unknown ids are left out", async () => {
    const all = emu.state.locations[DEMO_LOCATION_ID].socialTags;
    const ids = [all[3]._id, all[11]._id];
    const res = await call(emu, "POST", `/social-media-posting/${DEMO_LOCATION_ID}/tags/details`, {
      body: { tagIds: [...ids, "ffffffffffffffffffffffff"] },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.statusCode, 201);
    assert.equal(res.body.results.count, 2);
    assert.deepEqual(res.body.results.tags.map((t) => t._id).sort(), [...ids].sort());
  });

  test("accounts and statistics: 7-day shape, only LinkedIn pages and TikTok business have figures", async () => {
    const acc = await call(emu, "GET", `/social-media-posting/${DEMO_LOCATION_ID}/accounts`);
    assert.equal(acc.status, 200);
    const { accounts } = acc.body.results;
    assert.ok(accounts.length >= 4);
    for (const a of accounts)
      for (const k of ["id", "oauthId", "profileId", "name", "platform", "type", "isExpired"])
        assert.ok(k in a, k);
    const res = await call(
      emu,
      "POST",
      `/social-media-posting/statistics?locationId=${DEMO_LOCATION_ID}`,
      {
        body: { profileIds: accounts.map((a) => a.profileId) },
      },
    );
    assert.equal(res.status, 201);
    const r = res.body.results;
    assert.equal(r.dayRange.length, 7);
    assert.equal(
      r.dayRange.at(-1),
      ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][new Date().getUTCDay()],
    );
    for (const k of ["posts", "likes", "followers", "impressions", "comments"])
      assert.equal(typeof r.totals[k], "number");
    assert.ok(r.totals.impressions > 0);
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    assert.equal(sum(r.postPerformance.impressions), r.totals.impressions);
    assert.equal(r.breakdowns.impressions.total, r.totals.impressions);
    assert.ok(r.platformTotals.impressions.linkedin.total > 0);
    assert.ok(r.platformTotals.impressions.tiktok.total > 0);
    assert.equal(r.platformTotals.impressions.facebook.total, 0);
    assert.deepEqual(r.platformTotals.impressions.google.series, [0, 0, 0, 0, 0, 0, 0]);
    for (const k of ["posts", "impressions", "reach"]) {
      assert.equal(typeof r.breakdowns[k].totalChange, "number");
      assert.equal(typeof r.breakdowns[k].platforms.linkedin.change, "number");
    }
    assert.ok("male" in r.demographics.gender.totals && "25-34" in r.demographics.age.totals);

    const again = await call(
      emu,
      "POST",
      `/social-media-posting/statistics?locationId=${DEMO_LOCATION_ID}`,
      {
        body: { profileIds: accounts.map((a) => a.profileId), platforms: ["tiktok"] },
      },
    );
    assert.deepEqual(Object.keys(again.body.results.platformTotals.impressions), ["tiktok"]);
    assert.deepEqual(
      again.body.results.platformTotals.impressions.tiktok,
      r.platformTotals.impressions.tiktok,
    );

    const other = await startEmulator({ seed: 8 });
    try {
      const sameIds = await call(emu, "GET", `/social-media-posting/${DEMO_LOCATION_ID}/accounts`);
      assert.deepEqual(sameIds.body, acc.body, "same seed, same accounts");
      const acc8 = await call(other, "GET", `/social-media-posting/${DEMO_LOCATION_ID}/accounts`);
      const r8 = await call(
        other,
        "POST",
        `/social-media-posting/statistics?locationId=${DEMO_LOCATION_ID}`,
        {
          body: { profileIds: acc8.body.results.accounts.map((a) => a.profileId) },
        },
      );
      assert.notDeepEqual(r8.body.results.totals, r.totals, "another seed, other figures");
    } finally {
      await other.stop();
    }
  });

  test("users and location tags", async () => {
    const users = await call(emu, "GET", `/users/?locationId=${DEMO_LOCATION_ID}`);
    assert.equal(users.status, 200);
    assert.ok(users.body.users.length >= 2);
    assert.equal((await call(emu, "GET", "/users/")).status, 422);
    // The current search: companyId required, the location filter must be the token's.
    const found = await call(
      emu,
      "GET",
      `/users/search?companyId=c&locationId=${DEMO_LOCATION_ID}&limit=1`,
    );
    assert.equal(found.status, 200);
    assert.equal(found.body.users.length, 1);
    assert.equal(found.body.count, users.body.users.length);
    const named = users.body.users[1];
    const byName = await call(
      emu,
      "GET",
      `/users/search?companyId=c&query=${encodeURIComponent(named.firstName.toUpperCase())}`,
    );
    assert.deepEqual(
      byName.body.users.map((u) => u.id),
      [named.id],
    );
    assert.equal((await call(emu, "GET", "/users/search")).status, 422);
    assert.equal(
      (await call(emu, "GET", "/users/search?companyId=c&locationId=elsewhere")).status,
      403,
    );
    const created = await call(emu, "POST", `/locations/${DEMO_LOCATION_ID}/tags`, {
      body: { name: "Brand New" },
    });
    assert.equal(created.status, 200);
    assert.equal(created.body.tag.name, "brand new");
    assert.equal(created.body.tag.locationId, DEMO_LOCATION_ID);
    const dup = await call(emu, "POST", `/locations/${DEMO_LOCATION_ID}/tags`, {
      body: { name: "brand NEW" },
    });
    assert.equal(dup.status, 400);
  });

  test("a body that is not JSON answers 400", async () => {
    const res = await fetch(`${emu.url}/contacts/upsert`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${DEMO_TOKEN}`,
        Version: VERSION,
        "Content-Type": "application/json",
      },
      body: '{"locationId": ',
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).statusCode, 400);
  });

  test("unknown route answers 404 GHL-shaped", async () => {
    const res = await call(emu, "GET", "/no/such/route");
    assert.equal(res.status, 404);
    assert.deepEqual([res.body.statusCode, res.body.error], [404, "Not Found"]);
  });

  test("rate-limit headers ride on every GHL answer, errors included", async () => {
    const answers = [
      await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`),
      await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, { version: null }),
      await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, { token: "bogus" }),
      await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, { token: null }),
      await call(emu, "GET", "/nowhere"),
      await upsert(emu, {}),
      await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, {
        token: OTHER_LOCATION_TOKEN,
      }),
    ];
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 400, 401, 401, 404, 422, 403],
    );
    for (const a of answers) assertRateLimitHeaders(a, String(a.status));
    assert.equal(answers[0].headers.get("x-ratelimit-max"), "100");
    assert.equal(answers[0].headers.get("x-ratelimit-interval-milliseconds"), "10000");
    assert.equal(answers[0].headers.get("x-ratelimit-limit-daily"), "200000");
  });

  test("the log never holds a token and names the operation", async () => {
    await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, {
      token: "secret-unknown-token-123",
    });
    const text = JSON.stringify(emu.log) + JSON.stringify(emu.state) + JSON.stringify(emu.config());
    for (const t of [
      DEMO_TOKEN,
      DEMO_READONLY_TOKEN,
      OTHER_LOCATION_TOKEN,
      "secret-unknown-token-123",
    ])
      assert.ok(!text.includes(t));
    const last = emu.log.at(-1);
    assert.equal(last.operation, "locations.get-location-tags");
    assert.equal(last.status, 401);
    assert.equal(last.token.label, "unknown");
    assert.match(last.token.fingerprint, /^[0-9a-f]{12}$/);
    const ok = emu.log.find((e) => e.status === 200 && e.operation === "contacts.upsert-contact");
    assert.equal(ok.locationId, DEMO_LOCATION_ID);
    assert.equal(ok.token.label, "demo");
    assert.ok(ok.body.locationId);
  });
});

describe("rate limits", () => {
  test("burst 429 past the limit, 429 does not consume, recovery after the window (fake clock)", async () => {
    let clock = Date.UTC(2025, 5, 2, 12);
    const emu = await startEmulator({
      clock: () => clock,
      rateLimit: { max: 3, intervalMs: 1000 },
    });
    try {
      const get = () => call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`);
      const remaining = [];
      for (let i = 0; i < 3; i += 1)
        remaining.push((await get()).headers.get("x-ratelimit-remaining"));
      assert.deepEqual(remaining, ["2", "1", "0"]);
      clock += 999;
      const limited = await get();
      assert.equal(limited.status, 429);
      assert.equal(limited.body.statusCode, 429);
      assert.match(limited.body.message, /Too Many Requests/);
      assertRateLimitHeaders(limited, "429");
      assert.equal(limited.headers.get("x-ratelimit-remaining"), "0");
      // Another location has its own budget.
      assert.equal(
        (
          await call(emu, "GET", `/locations/${OTHER_LOCATION_ID}/tags`, {
            token: OTHER_LOCATION_TOKEN,
          })
        ).status,
        200,
      );
      clock += 1;
      const back = await get();
      assert.equal(back.status, 200);
      assert.equal(back.headers.get("x-ratelimit-remaining"), "2");
      // Daily remaining counted the 4 accepted requests, not the 429.
      assert.equal(back.headers.get("x-ratelimit-daily-remaining"), String(200_000 - 4));
      assert.equal(back.headers.get("x-ratelimit-daily-reset"), String(Date.UTC(2025, 5, 3)));
    } finally {
      await emu.stop();
    }
  });

  test("a client that follows the headers never sees a 429", async () => {
    let clock = 1_700_000_000_000;
    const emu = await startEmulator({
      clock: () => clock,
      rateLimit: { max: 5, intervalMs: 1000 },
    });
    try {
      let statuses = [];
      for (let i = 0; i < 40; i += 1) {
        const res = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`);
        statuses.push(res.status);
        clock += 37; // requests arrive every 37 ms
        if (res.headers.get("x-ratelimit-remaining") === "0")
          clock += Number(res.headers.get("x-ratelimit-interval-milliseconds"));
      }
      assert.ok(
        statuses.every((s) => s === 200),
        statuses.join(","),
      );
      // The same traffic without waiting is limited.
      statuses = [];
      for (let i = 0; i < 10; i += 1)
        statuses.push((await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`)).status);
      assert.ok(statuses.includes(429));
    } finally {
      await emu.stop();
    }
  });

  test("real-time window: 429 then recovery once the interval passed", async () => {
    const emu = await startEmulator({ rateLimit: { max: 2, intervalMs: 500 } });
    try {
      const get = () => call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`);
      assert.deepEqual(
        [(await get()).status, (await get()).status, (await get()).status],
        [200, 200, 429],
      );
      await new Promise((r) => setTimeout(r, 520));
      assert.equal((await get()).status, 200);
    } finally {
      await emu.stop();
    }
  });

  test("daily limit: 429 with daily remaining 0", async () => {
    const emu = await startEmulator({ rateLimit: { max: 100, intervalMs: 1000, dailyLimit: 2 } });
    try {
      const get = () => call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`);
      await get();
      const second = await get();
      assert.equal(second.headers.get("x-ratelimit-daily-remaining"), "0");
      const third = await get();
      assert.equal(third.status, 429);
      assert.equal(third.headers.get("x-ratelimit-daily-remaining"), "0");
      assert.match(third.body.message, /daily/);
    } finally {
      await emu.stop();
    }
  });
});

describe("faults", () => {
  async function statusRun(options, n = 40) {
    const emu = await startEmulator(options);
    try {
      const out = [];
      for (let i = 0; i < n; i += 1) {
        const res = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`);
        if (res.status >= 500) {
          assert.equal(res.body.statusCode, res.status);
          assertRateLimitHeaders(res, "fault");
        }
        out.push(res.status);
      }
      return { out, log: emu.log.map((e) => e.fault) };
    } finally {
      await emu.stop();
    }
  }

  test("errorRate faults are reproducible with a seed and near the rate", async () => {
    const a = await statusRun({ errorRate: 0.3, faultSeed: "abc" });
    const b = await statusRun({ errorRate: 0.3, faultSeed: "abc" });
    const c = await statusRun({ errorRate: 0.3, faultSeed: "xyz" });
    assert.deepEqual(a.out, b.out);
    assert.notDeepEqual(a.out, c.out);
    const faults = a.out.filter((s) => s >= 500).length;
    assert.ok(faults >= 4 && faults <= 22, `got ${faults} faults of 40`);
    assert.ok(a.out.every((s) => [200, 500, 502, 503].includes(s)));
    assert.equal(a.log.filter((f) => f?.startsWith("error:")).length, faults);
  });

  test('a faulted request does not change state; faultTiming "after" does', async () => {
    const emu = await startEmulator({ errorRate: 1 });
    try {
      const before = emu.state.locations[DEMO_LOCATION_ID].contacts.length;
      const res = await upsert(emu, { email: "lost@example.com" });
      assert.ok(res.status >= 500);
      assert.equal(emu.state.locations[DEMO_LOCATION_ID].contacts.length, before);
      emu.configure({ faultTiming: "after" });
      const res2 = await upsert(emu, { email: "kept@example.com" });
      assert.ok(res2.status >= 500);
      assert.equal(emu.state.locations[DEMO_LOCATION_ID].contacts.length, before + 1);
      assert.equal(emu.log.at(-1).handledStatus, 200);
      emu.configure({ errorRate: 0, faultTiming: "before" });
      const retry = await upsert(emu, { email: "kept@example.com" });
      assert.equal(retry.body.new, false, "retrying the committed upsert updates, not duplicates");
    } finally {
      await emu.stop();
    }
  });

  test("a dropped connection really drops, and is logged", async () => {
    const emu = await startEmulator({ dropRate: 1 });
    try {
      await assert.rejects(call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`), TypeError);
      assert.equal(emu.log.at(-1).fault, "drop");
      emu.configure({ dropRate: 0 });
      assert.equal((await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`)).status, 200);
    } finally {
      await emu.stop();
    }
  });

  test("burst429 forces the next N answers to 429; latency delays answers", async () => {
    const emu = await startEmulator();
    try {
      emu.configure({ burst429: 2 });
      const get = () => call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`);
      assert.deepEqual(
        [(await get()).status, (await get()).status, (await get()).status],
        [429, 429, 200],
      );
      emu.configure({ latencyMs: [40, 60] });
      const t0 = performance.now();
      await get();
      assert.ok(performance.now() - t0 >= 35);
    } finally {
      await emu.stop();
    }
  });
});

describe("control plane and CORS", () => {
  let emu;
  before(async () => {
    emu = await startEmulator({ errorRate: 1, dropRate: 0 });
  });
  after(() => emu.stop());

  const control = async (method, path, body) => {
    const res = await fetch(`${emu.url}/__emulator/${path}`, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body && JSON.stringify(body),
    });
    return { status: res.status, body: await res.json(), headers: res.headers };
  };

  test("control plane works without token, is not faulted, limited or logged", async () => {
    await control("POST", "configure", { rateLimit: { max: 1 } });
    for (let i = 0; i < 3; i += 1) assert.equal((await control("GET", "state")).status, 200);
    assert.equal(emu.log.length, 0);
    const cfg = await control("GET", "config");
    assert.equal(cfg.body.rateLimit.max, 1);
    assert.equal(cfg.body.errorRate, 1);
    assert.ok(cfg.body.tokens.every((t) => !("token" in t)));

    const faulted = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`);
    assert.ok(faulted.status >= 500);
    const configured = await control("POST", "configure", {
      errorRate: 0,
      rateLimit: { max: 100 },
    });
    assert.equal(configured.body.errorRate, 0);
    const bad = await control("POST", "configure", { errorRate: 3 });
    assert.equal(bad.status, 400);

    const added = await control("POST", "tokens", {
      token: "pit-browser-test",
      locationId: DEMO_LOCATION_ID,
      scopes: ["locations/tags.readonly"],
      label: "browser",
    });
    assert.equal(added.status, 201);
    assert.deepEqual(Object.keys(added.body).sort(), ["fingerprint", "label", "locationId"]);
    assert.equal(
      (await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, { token: "pit-browser-test" }))
        .status,
      200,
    );
    await control("DELETE", "tokens", { token: "pit-browser-test" });
    assert.equal(
      (await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, { token: "pit-browser-test" }))
        .status,
      401,
    );

    const log = await control("GET", "log");
    assert.equal(log.body.entries.length, 3);
    assert.ok(!JSON.stringify(log.body).includes("pit-browser-test"));
    const since = await control("GET", `log?since=${log.body.entries[1].seq}`);
    assert.equal(since.body.entries.length, 1);

    await upsert(emu, { email: "reset-me@example.com" });
    const state = await control("GET", "state");
    assert.ok(
      state.body.locations[DEMO_LOCATION_ID].contacts.some(
        (c) => c.email === "reset-me@example.com",
      ),
    );
    const seededIds = emu.state.locations[DEMO_LOCATION_ID].contacts.slice(0, 8).map((c) => c.id);
    assert.equal((await control("POST", "reset")).status, 200);
    assert.equal(emu.log.length, 0);
    assert.ok(
      !emu.state.locations[DEMO_LOCATION_ID].contacts.some(
        (c) => c.email === "reset-me@example.com",
      ),
    );
    assert.deepEqual(
      emu.state.locations[DEMO_LOCATION_ID].contacts.map((c) => c.id),
      seededIds,
      "reset reseeds the same data",
    );
  });

  test("CORS preflight is answered and rate-limit headers are exposed", async () => {
    const pre = await fetch(`${emu.url}/contacts/upsert`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://localhost:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,version,content-type",
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
    const allowed = pre.headers.get("access-control-allow-headers").toLowerCase();
    for (const h of ["authorization", "version", "content-type", "accept"])
      assert.ok(allowed.includes(h), h);
    const res = await call(emu, "GET", `/locations/${DEMO_LOCATION_ID}/tags`, {
      headers: { Origin: "http://localhost:5173" },
    });
    const exposed = res.headers.get("access-control-expose-headers").toLowerCase();
    for (const h of RL_HEADERS) assert.ok(exposed.includes(h), h);
    const ctl = await fetch(`${emu.url}/__emulator/health`);
    assert.equal(ctl.headers.get("access-control-allow-origin"), "*");
  });

  test("stop() closes promptly even with a request waiting on latency", async () => {
    const slow = await startEmulator({ latencyMs: 5_000 });
    const pending = call(slow, "GET", `/locations/${DEMO_LOCATION_ID}/tags`).catch((e) => e);
    await new Promise((r) => setTimeout(r, 30));
    const t0 = performance.now();
    await slow.stop();
    assert.ok(performance.now() - t0 < 500);
    assert.ok((await pending) instanceof Error);
  });
});
