// Agency installs. The GHL emulator's `POST /oauth/locationToken` (form-urlencoded, a
// Company token with `oauth.write`, `Version` header, only for locations the app is
// installed on; UNINSTALL revokes) and, through the runner: an agency (Company) OAuth
// connection authorized once; an `INSTALL` webhook adds the location's connection, whose
// deliveries use a location token traded from the Company token; an `UNINSTALL` stops
// delivery for that location, deletes its tokens and dead-letters (retires, with the
// reason) the outbox items it still had, so nothing is lost silently; installed again,
// the operator sends them with the console's `resendRetired`.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEMO_OAUTH_CLIENT, OTHER_LOCATION_ID } from "../../js/emulator/index.mjs";
import { until } from "../support/until.mjs";
import { VIP_RULES, consoleSession, startEmulatedRunner } from "./runner-fixtures.mjs";

const A = "demoLocation00000001";
const B = OTHER_LOCATION_ID;
const COMPANY = "demoCompany000000001";
const SCOPES = ["contacts.write", "contacts.readonly", "locations/tags.readonly", "oauth.write"];
let emu;
let rulesDir;
let store;
let runner;
let made;
let logs;
let started;

before(async () => {
  rulesDir = await mkdtemp(join(tmpdir(), "ghlb-agency-rules-"));
  const rules = join(rulesDir, "ghl-rules.json");
  await writeFile(rules, JSON.stringify(VIP_RULES));
  started = await startEmulatedRunner({
    prefix: "ghlb-agency-",
    tags: { [A]: ["priority"], [B]: ["priority"] },
    config: configOf(rules),
  });
  ({ emu, store, runner, made, logs } = started);
});

after(async () => {
  await started?.stop();
  if (rulesDir) await rm(rulesDir, { recursive: true, force: true });
});

/** The agency app and its connection, with the `ghl` rules at `rules`. */
const configOf = (rules) => ({
  env: {
    TEST_CLIENT_SECRET: DEMO_OAUTH_CLIENT.clientSecret,
    TEST_CONSOLE_PASSWORD: "console-password-for-agency-tests",
  },
  patch: (doc) => {
    doc.oauthApps = {
      agencyApp: {
        clientId: DEMO_OAUTH_CLIENT.clientId,
        clientSecret: { env: "TEST_CLIENT_SECRET" },
        scopes: SCOPES,
        userType: "Company",
      },
    };
    doc.connections = {
      agency: {
        locationId: A,
        auth: { oauth: "agencyApp" },
        scopes: SCOPES,
        rules: { ghl: rules },
      },
    };
    doc.sources = {};
    doc.console = { password: { env: "TEST_CONSOLE_PASSWORD" } };
  },
});

const form = (fields) => new URLSearchParams(fields).toString();
/** A Company token from the emulator's own OAuth flow (authorize, then the code trade). */
async function companyToken(scopes) {
  emu.oauth.settings.installFor = { userType: "Company", companyId: COMPANY, locations: [A] };
  const auth = new URL(`${emu.url}/oauth/chooselocation`);
  auth.searchParams.set("response_type", "code");
  auth.searchParams.set("client_id", DEMO_OAUTH_CLIENT.clientId);
  auth.searchParams.set("redirect_uri", "http://127.0.0.1:9/cb");
  auth.searchParams.set("scope", scopes.join(" "));
  const consent = await fetch(auth, { redirect: "manual" });
  const code = new URL(consent.headers.get("location")).searchParams.get("code");
  const res = await fetch(`${emu.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form({
      client_id: DEMO_OAUTH_CLIENT.clientId,
      client_secret: DEMO_OAUTH_CLIENT.clientSecret,
      grant_type: "authorization_code",
      code,
      user_type: "Company",
    }),
  });
  const answer = await res.json();
  assert.equal(answer.userType, "Company");
  assert.equal(answer.locationId, undefined);
  return answer.access_token;
}
const trade = (token, fields, { version = true, json = false } = {}) =>
  fetch(`${emu.url}/oauth/locationToken`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      ...(version ? { version: "2021-07-28" } : {}),
      "content-type": json ? "application/json" : "application/x-www-form-urlencoded",
    },
    body: json ? JSON.stringify(fields) : form(fields),
  });
const tags = (loc, token) =>
  fetch(`${emu.url}/locations/${loc}/tags`, {
    headers: { authorization: `Bearer ${token}`, version: "2021-07-28" },
  });

test("emulator: /oauth/locationToken trades a Company token for a location token, as GHL documents it", {
  timeout: 30_000,
}, async () => {
  const company = await companyToken(SCOPES);
  assert.equal(
    (await trade(company, { companyId: COMPANY, locationId: B })).status,
    400,
    "not installed",
  );
  assert.equal(
    (await trade(company, { companyId: COMPANY, locationId: A }, { version: false })).status,
    400,
    "Version header",
  );
  assert.equal(
    (await trade(company, { companyId: COMPANY, locationId: A }, { json: true })).status,
    415,
    "form-urlencoded only",
  );
  assert.equal((await trade(company, { locationId: A })).status, 422, "companyId required");
  assert.equal((await trade(company, { companyId: "other", locationId: A })).status, 403);
  assert.equal((await trade("not-a-token", { companyId: COMPANY, locationId: A })).status, 401);
  const noScope = await companyToken(["contacts.readonly"]);
  assert.equal(
    (await trade(noScope, { companyId: COMPANY, locationId: A })).status,
    401,
    "oauth.write",
  );

  emu.oauth.install(COMPANY, B);
  const res = await trade(company, { companyId: COMPANY, locationId: B });
  assert.equal(res.status, 200);
  const answer = await res.json();
  assert.equal(answer.locationId, B);
  assert.equal(answer.refresh_token, undefined, "no refresh token: traded again when it expires");
  assert.equal((await tags(B, answer.access_token)).status, 200, "the location token works for B");
  assert.equal((await tags(A, answer.access_token)).status, 403, "and only for B");
  emu.oauth.uninstall(COMPANY, B);
  assert.equal((await tags(B, answer.access_token)).status, 401, "revoked by the uninstall");
  assert.equal((await trade(company, { companyId: COMPANY, locationId: B })).status, 400);
  assert.ok(
    emu.oauth.log.every((e) => !JSON.stringify(e).includes(company)),
    "no token in the OAuth log",
  );
});

test("runner: INSTALL adds the location (traded token), UNINSTALL stops it, deletes its tokens, retires its outbox with the reason", {
  timeout: 120_000,
}, async () => {
  const url = runner.server.url;
  emu.oauth.settings.installFor = { userType: "Company", companyId: COMPANY, locations: [A] };
  const cb = await fetch(`${url}/oauth/start?connection=agency`);
  assert.equal(cb.status, 200, await cb.clone().text());
  assert.deepEqual(await cb.json(), { connected: "agency" });

  // INSTALL on B: the connection is added and B's events are delivered with a B token.
  emu.oauth.install(COMPANY, B);
  let d = await emu.webhooks.send(
    `${url}/hooks/ghl`,
    "INSTALL",
    { companyId: COMPANY },
    { locationId: B },
  );
  assert.deepEqual([d.status, d.body], [200, { outcome: "accepted" }]);
  assert.ok(`installed-${B}` in runner.server.dynamicConnections());
  emu.addToken("test-token-b", { locationId: B });
  const contact = async (loc, token, email, tagList) => {
    const res = await fetch(`${emu.url}/contacts/upsert`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        version: "2021-07-28",
        "content-type": "application/json",
      },
      body: JSON.stringify({ locationId: loc, email, tags: tagList }),
    });
    assert.ok(res.ok, await res.clone().text());
    return (await res.json()).contact.id;
  };
  const onB = (id) => emu.state.locations[B].contacts.find((c) => c.id === id);
  const b1 = await contact(B, "test-token-b", "b1@example.com", ["vip"]);
  const tagUpdate = (loc, id, tagList) =>
    emu.webhooks.send(
      `${url}/hooks/ghl`,
      "ContactTagUpdate",
      { id, tags: tagList },
      { locationId: loc },
    );
  d = await tagUpdate(B, b1, ["vip"]);
  assert.deepEqual([d.status, d.body], [200, { outcome: "accepted" }]);
  await until(() => onB(b1).tags.includes("priority"), "delivered to B");
  const traded = emu.oauth.log.filter((e) => e.endpoint === "locationToken" && e.status === 200);
  assert.ok(
    traded.some((e) => e.locationId === B),
    "B's token was traded from the Company token",
  );
  const sent = emu.log.find((e) => e.operation === "contacts.add-tags" && e.locationId === B);
  assert.equal(sent.token.label, "oauth", "sent with the traded location token");

  // B's deliveries fail for now: its next event waits in the outbox.
  emu.configure({ errorRate: 1 });
  const b2 = await contact(B, "test-token-b", "b2@example.com", ["vip"]).catch(() => null);
  assert.equal(b2, null, "the emulator refuses everything now");
  emu.configure({ errorRate: 0 });
  const b3 = await contact(B, "test-token-b", "b3@example.com", ["vip"]);
  emu.configure({ errorRate: 1 });
  d = await tagUpdate(B, b3, ["vip"]);
  assert.equal(d.status, 200);
  await until(async () => ((await store.counts()).outbox[B]?.pending ?? 0) > 0, "pending on B");

  // UNINSTALL: delivery stops, tokens go, the pending outbox items are retired with the reason.
  emu.oauth.uninstall(COMPANY, B);
  d = await emu.webhooks.send(
    `${url}/hooks/ghl`,
    "UNINSTALL",
    { companyId: COMPANY },
    { locationId: B },
  );
  assert.deepEqual([d.status, d.body], [200, { outcome: "accepted" }]);
  assert.ok(!(`installed-${B}` in runner.server.dynamicConnections()));
  let retired;
  await until(async () => {
    retired = await store.retiredOutbox(B);
    return retired.length > 0;
  }, "B's outbox retired");
  assert.equal(retired[0].reason.code, "CONNECTION_REMOVED");
  assert.match(retired[0].reason.message, /uninstalled/);
  const counts = await store.counts();
  assert.equal(counts.outbox[B].pending, 0);
  assert.ok(counts.outbox[B].dead >= 1, "counted as dead, not lost");
  assert.equal(await store.getSecret(`oauth:installed-${B}@${B}`), undefined, "B's token deleted");
  await until(() => /"msg":"worker: connectionRemoved"/.test(logs.text()), "logged");
  const lastB = emu.log.filter((e) => e.locationId === B).at(-1).seq;

  // A still delivers; B gets nothing more.
  emu.configure({ errorRate: 0 });
  const a1 = await contact(A, made.env.TEST_PIT, "a1@example.com", ["vip"]);
  d = await tagUpdate(A, a1, ["vip"]);
  assert.equal(d.status, 200);
  await until(
    () => emu.state.locations[A].contacts.find((c) => c.id === a1).tags.includes("priority"),
    "A delivered",
  );
  assert.equal(emu.log.filter((e) => e.locationId === B).at(-1).seq, lastB, "nothing sent to B");
  assert.ok(!onB(b3).tags.includes("priority"));
  for (const secret of [made.env.TEST_CLIENT_SECRET, made.env.TEST_VAULT_KEY])
    assert.ok(!logs.text().includes(secret), "a secret is in the log");
  retiredContact = b3;
});

let retiredContact;
test("runner: installed again, the retired outbox records are sent when the operator asks (console resendRetired)", {
  timeout: 120_000,
}, async (t) => {
  if (!retiredContact) return t.skip("needs the UNINSTALL test's retired records");
  const url = runner.server.url;
  const onB = () => emu.state.locations[B].contacts.find((c) => c.id === retiredContact);
  const retiredBefore = await store.retiredOutbox(B);
  assert.ok(retiredBefore.length >= 1);
  emu.oauth.install(COMPANY, B);
  const d = await emu.webhooks.send(
    `${url}/hooks/ghl`,
    "INSTALL",
    { companyId: COMPANY },
    { locationId: B },
  );
  assert.equal(d.status, 200);
  const name = `installed-${B}`;
  const takenB = () =>
    logs.lines.filter((l) => l.includes('"msg":"worker: locationTaken"') && l.includes(B)).length;
  const takenBefore = takenB();
  await until(() => takenB() > takenBefore, "the worker took B again");
  // Installing does not send them by itself: the retired records stay retired.
  assert.equal((await store.retiredOutbox(B)).length, retiredBefore.length);
  assert.ok(!onB().tags.includes("priority"));

  const call = await consoleSession(url, made.env.TEST_CONSOLE_PASSWORD, name);
  const asked = await call("resendRetired");
  assert.equal(asked.retired, retiredBefore.length);
  await until(() => onB().tags.includes("priority"), "the retired delivery reached B");
  assert.deepEqual(await store.retiredOutbox(B), [], "no longer retired");
  await until(() => /"msg":"worker: retiredRestored"/.test(logs.text()), "logged");
  const sent = emu.log.filter(
    (e) => e.operation === "contacts.add-tags" && e.locationId === B && e.status < 300,
  );
  assert.equal(sent.at(-1).token.label, "oauth", "sent with a newly traded location token");
  // Asked again with nothing retired: nothing to do.
  assert.equal((await call("resendRetired")).retired, 0);
});
