// OAuth through the runner against the GHL emulator's OAuth endpoints: /oauth/start
// redirects to the authorize URL with a state, the callback trades the code
// (form-urlencoded) and stores the tokens encrypted; refresh tokens rotate for real (a
// used one stops working); two workers refreshing at once make ONE refresh call and
// both use the new token; a 401 refreshes; no token ever appears in a log line or an
// error; a replayed state is refused.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_OAUTH_CLIENT, startEmulator } from "../../js/emulator/index.mjs";
import { createClient } from "../../pkg/entries/node.js";
import {
  createTokenManager,
  createVault,
  parseVaultKey,
  startServer,
} from "../../pkg/runner/index.js";
import { capturedLogger, runnerConfig } from "./runner-fixtures.mjs";
import { memoryRunnerStore } from "./runner-memory-store.mjs";

let emu;
let made;
let store;
let server;
let logs;
const SCOPES = ["contacts.readonly", "contacts.write"];

const oauthConfig = (doc) => {
  doc.oauthApps = {
    app: {
      clientId: DEMO_OAUTH_CLIENT.clientId,
      clientSecret: { env: "TEST_CLIENT_SECRET" },
      scopes: SCOPES,
    },
  };
  doc.connections = {
    oa: { locationId: "demoLocation00000001", auth: { oauth: "app" }, scopes: SCOPES },
  };
  doc.sources = {};
};

before(async () => {
  emu = await startEmulator();
  made = runnerConfig({
    emu,
    patch: oauthConfig,
    env: { TEST_CLIENT_SECRET: DEMO_OAUTH_CLIENT.clientSecret },
  });
  store = memoryRunnerStore();
  logs = capturedLogger();
  server = await startServer({ config: made.config, store, tokens: manager(), log: logs.log });
});
after(async () => {
  await server?.close();
  await emu?.stop();
});

const vault = () => createVault(parseVaultKey(made.env.TEST_VAULT_KEY, "key"));
/** One worker's token manager: its own memory and holder id, the shared store. */
const manager = (extra = {}) =>
  createTokenManager({ config: made.config, store, vault: vault(), log: logs.log, ...extra });
const refreshCalls = () =>
  emu.oauth.log.filter((e) => e.endpoint === "token" && e.grant === "refresh_token");

/** Every token value the emulator handed out (read from what the test store holds). */
function knownTokens() {
  const out = [];
  for (const [name, s] of store.secrets) {
    if (!name.startsWith("oauth:")) continue;
    const rec = vault().open(name, s.value);
    out.push(rec.accessToken, rec.refreshToken);
  }
  return out.filter(Boolean);
}

async function authorize() {
  const start = await fetch(`${server.url}/oauth/start?connection=oa`, { redirect: "manual" });
  assert.equal(start.status, 302);
  const to = new URL(start.headers.get("location"));
  assert.equal(to.pathname, "/oauth/chooselocation");
  assert.equal(to.searchParams.get("client_id"), DEMO_OAUTH_CLIENT.clientId);
  assert.equal(to.searchParams.get("redirect_uri"), `${server.url}/oauth/callback`);
  assert.ok(to.searchParams.get("state").length >= 32);
  // The emulator consents and sends the browser back with a code.
  const consent = await fetch(to, { redirect: "manual" });
  assert.equal(consent.status, 302);
  const back = new URL(consent.headers.get("location"));
  const cb = await fetch(`${server.url}${back.pathname}${back.search}`);
  return { cb, back };
}

test("start -> authorize -> callback: tokens stored encrypted; a replayed state is refused", {
  timeout: 120_000,
}, async () => {
  const { cb, back } = await authorize();
  assert.equal(cb.status, 200, await cb.clone().text());
  assert.deepEqual(await cb.json(), { connected: "oa" });
  const sealed = store.secrets.get("oauth:oa");
  assert.ok(sealed);
  const [access, refresh] = knownTokens();
  assert.ok(access.startsWith("oauth-at-") && refresh.startsWith("oauth-rt-"));
  assert.ok(!sealed.value.includes(access) && !sealed.value.includes(refresh), "encrypted at rest");

  const replay = await fetch(`${server.url}${back.pathname}${back.search}`);
  assert.equal(replay.status, 400);
  assert.equal((await replay.json()).error.code, "OAUTH_STATE_INVALID");
  const forged = await fetch(`${server.url}/oauth/callback?code=x&state=madeup`);
  assert.equal(forged.status, 400);
});

test("two workers refreshing at once: one refresh call; both use the new token; the old refresh token is dead", {
  timeout: 120_000,
}, async () => {
  // Make the stored access token expired, as a day later.
  const rec = vault().open("oauth:oa", store.secrets.get("oauth:oa").value);
  const oldRefresh = rec.refreshToken;
  const expired = { ...rec, expiresAt: Date.now() - 1000 };
  const cur = store.secrets.get("oauth:oa");
  assert.ok(await store.casSecret("oauth:oa", cur.version, vault().seal("oauth:oa", expired)));

  const before = refreshCalls().length;
  const [w1, w2] = [manager(), manager()];
  const [t1, t2] = await Promise.all([w1.getToken("oa"), w2.getToken("oa")]);
  assert.equal(refreshCalls().length - before, 1, "exactly one refresh call in the emulator's log");
  assert.equal(t1, t2);
  assert.notEqual(t1, rec.accessToken);
  const stored = vault().open("oauth:oa", store.secrets.get("oauth:oa").value);
  assert.equal(stored.accessToken, t1, "the new token was stored before it was handed out");
  assert.notEqual(stored.refreshToken, oldRefresh, "the rotated refresh token is stored");

  // Both workers' clients work with it against GHL.
  for (const w of [w1, w2]) {
    const client = createClient({
      getToken: w.getter("oa"),
      locationId: "demoLocation00000001",
      scopes: SCOPES,
      baseUrl: emu.url,
    });
    const { contact } = await client.getContact(
      emu.state.locations.demoLocation00000001.contacts[0].id,
    );
    assert.ok(contact.id);
  }

  // Rotation is real: the old refresh token no longer works at the emulator.
  const res = await fetch(`${emu.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: DEMO_OAUTH_CLIENT.clientId,
      client_secret: DEMO_OAUTH_CLIENT.clientSecret,
      grant_type: "refresh_token",
      refresh_token: oldRefresh,
    }),
  });
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error, "invalid_grant");
});

test("a 401 from GHL refreshes once (single-flight in a process) and the call succeeds", {
  timeout: 120_000,
}, async () => {
  const w = manager();
  const token = await w.getToken("oa");
  emu.revokeToken(token); // GHL now answers 401 to it
  const before = refreshCalls().length;
  const client = createClient({
    getToken: w.getter("oa"),
    locationId: "demoLocation00000001",
    scopes: SCOPES,
    baseUrl: emu.url,
  });
  const id = emu.state.locations.demoLocation00000001.contacts[0].id;
  const results = await Promise.all([client.getContact(id), client.getContact(id)]);
  for (const r of results) assert.ok(r.contact.id);
  assert.equal(refreshCalls().length - before, 1);
});

test("refreshDue renews a token that expires within the app's margin, before any 401", {
  timeout: 120_000,
}, async () => {
  const rec = vault().open("oauth:oa", store.secrets.get("oauth:oa").value);
  const soon = { ...rec, expiresAt: Date.now() + 60_000 }; // inside the 5-minute margin
  const cur = store.secrets.get("oauth:oa");
  assert.ok(await store.casSecret("oauth:oa", cur.version, vault().seal("oauth:oa", soon)));
  const before = refreshCalls().length;
  await manager().refreshDue();
  assert.equal(refreshCalls().length - before, 1);
  const now = vault().open("oauth:oa", store.secrets.get("oauth:oa").value);
  assert.notEqual(now.accessToken, rec.accessToken);
  assert.ok(now.expiresAt > Date.now() + 3_600_000);
  await manager().refreshDue(); // nothing due now
  assert.equal(refreshCalls().length - before, 1);
});

test("tokens and the client secret never appear in logs or errors", {
  timeout: 120_000,
}, async () => {
  // An error path: a refresh with a dead refresh token.
  const rec = vault().open("oauth:oa", store.secrets.get("oauth:oa").value);
  const cur = store.secrets.get("oauth:oa");
  const dead = { ...rec, refreshToken: "oauth-rt-not-a-real-one-0000", expiresAt: 0 };
  await store.casSecret("oauth:oa", cur.version, vault().seal("oauth:oa", dead));
  const err = await manager()
    .getToken("oa")
    .then(
      () => null,
      (e) => e,
    );
  assert.equal(err?.code, "OAUTH_EXCHANGE_FAILED");
  const text = `${logs.text()}\n${JSON.stringify(err)}\n${err.message}\n${err.stack}`;
  const secrets = [
    ...knownTokens(),
    ...emu.oauth.log.map(() => DEMO_OAUTH_CLIENT.clientSecret),
    made.env.TEST_VAULT_KEY,
  ];
  for (const s of new Set([...secrets, rec.accessToken, rec.refreshToken]))
    assert.ok(!text.includes(s), "a token or secret leaked into the logs or an error");
  assert.ok(logs.lines.length > 3, "there are logs to check");
});
