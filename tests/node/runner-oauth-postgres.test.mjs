// Two workers refreshing one OAuth token at once, as two processes on one PostgreSQL
// store (two pools, two token managers): the store's lease and compare-and-set make ONE
// refresh call at the GHL emulator, both workers get the new token, and the rotated
// refresh token is the one stored (the memory-store test covers one process's view).
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO_OAUTH_CLIENT, startEmulator } from "../../js/emulator/index.mjs";
import {
  createTokenManager,
  createVault,
  parseVaultKey,
  startServer,
} from "../../pkg/runner/index.js";
import { openStore } from "../../pkg/runner/store/index.js";
import { postgresSkipReason, startPostgres } from "../support/postgres.mjs";
import { capturedLogger, runnerConfig } from "./runner-fixtures.mjs";

const skip = await postgresSkipReason();
const SCOPES = ["contacts.readonly", "contacts.write"];

test("two workers on one PostgreSQL store refreshing at once: one refresh call, both use the new token", {
  skip: skip ?? false,
  timeout: 120_000,
}, async () => {
  const emu = await startEmulator();
  const pg = await startPostgres();
  const stores = [];
  let server;
  try {
    const made = runnerConfig({
      emu,
      env: { TEST_CLIENT_SECRET: DEMO_OAUTH_CLIENT.clientSecret },
      patch: (doc) => {
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
      },
    });
    for (let i = 0; i < 2; i++) {
      const s = await openStore({ kind: "postgres", url: pg.url });
      await s.migrate();
      stores.push(s);
    }
    const { log } = capturedLogger();
    const vault = () => createVault(parseVaultKey(made.env.TEST_VAULT_KEY, "key"));
    const manager = (store) =>
      createTokenManager({ config: made.config, store, vault: vault(), log });
    server = await startServer({
      config: made.config,
      store: stores[0],
      tokens: manager(stores[0]),
      log,
    });
    // Authorize once through the runner (the emulator consents).
    const start = await fetch(`${server.url}/oauth/start?connection=oa`, { redirect: "manual" });
    const consent = await fetch(new URL(start.headers.get("location")), { redirect: "manual" });
    const back = new URL(consent.headers.get("location"));
    assert.equal((await fetch(`${server.url}${back.pathname}${back.search}`)).status, 200);

    // The stored access token expired, as a day later.
    const cur = await stores[1].getSecret("oauth:oa");
    const rec = vault().open("oauth:oa", cur.value);
    const expired = { ...rec, expiresAt: Date.now() - 1000 };
    assert.ok(
      await stores[1].casSecret("oauth:oa", cur.version, vault().seal("oauth:oa", expired)),
    );

    const refreshes = () =>
      emu.oauth.log.filter((e) => e.endpoint === "token" && e.grant === "refresh_token").length;
    const before = refreshes();
    const [t1, t2] = await Promise.all([
      manager(stores[0]).getToken("oa"),
      manager(stores[1]).getToken("oa"),
    ]);
    assert.equal(refreshes() - before, 1, "exactly one refresh call across the two workers");
    assert.equal(t1, t2);
    assert.notEqual(t1, rec.accessToken);
    const stored = vault().open("oauth:oa", (await stores[0].getSecret("oauth:oa")).value);
    assert.equal(stored.accessToken, t1);
    assert.notEqual(stored.refreshToken, rec.refreshToken, "the rotated refresh token is stored");
  } finally {
    await server?.close().catch(() => {});
    for (const s of stores) await s.close().catch(() => {});
    await pg?.stop();
    await emu.stop();
  }
});
