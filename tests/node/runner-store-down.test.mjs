// An unreachable database gives a clear error and no acknowledgement: the runner's HTTP
// side on the real PostgreSQL store (a throwaway cluster); the cluster is stopped, a
// GHL webhook is answered 503 with the store's JSON error (the sender retries), /healthz
// says 503; the cluster comes back and the same delivery is then stored (200 accepted).
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../js/emulator/index.mjs";
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

test("PostgreSQL down: 503 JSON, nothing acknowledged; back up: the retry is stored", {
  skip: skip ?? false,
  timeout: 120_000,
}, async () => {
  const emu = await startEmulator();
  const pg = await startPostgres();
  let server;
  try {
    const store = await openStore({ kind: "postgres", url: pg.url });
    await store.migrate();
    const made = runnerConfig({ emu });
    const { log, text } = capturedLogger();
    const tokens = createTokenManager({
      config: made.config,
      store,
      vault: createVault(parseVaultKey(made.env.TEST_VAULT_KEY, "k")),
      log,
    });
    server = await startServer({ config: made.config, store, tokens, log });
    const d = emu.webhooks.build(
      "ContactCreate",
      { id: "c-pg", email: "pg@example.com" },
      { locationId: "demoLocation00000001" },
    );
    const post = () =>
      fetch(`${server.url}/hooks/ghl`, { method: "POST", headers: d.headers, body: d.body });

    await pg.halt();
    const res = await post();
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.match(body.error.code, /^STORE_/);
    assert.match(body.error.message, /not acknowledged/);
    assert.equal(res.headers.get("retry-after"), "5");
    assert.equal((await fetch(`${server.url}/healthz`)).status, 503);
    assert.match(text(), /not acknowledged/, "the refusal is logged");

    await pg.start();
    let again = await post();
    // The pool may need one failed round to notice the new server: the sender retries.
    for (let i = 0; i < 5 && again.status === 503; i++) again = await post();
    assert.equal(again.status, 200);
    assert.deepEqual(await again.json(), { outcome: "accepted" });
    const counts = await store.counts();
    assert.equal(counts.pendingIntake.demo, 1);
  } finally {
    await server?.close().catch(() => {});
    await pg.stop();
    await emu.stop();
  }
});
