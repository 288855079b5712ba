// `ghl-bridge serve --migrate` on PostgreSQL: without it a fresh database is refused at
// start (`STORE_NOT_MIGRATED`, naming the command); with it the CLI applies the versioned
// migrations (logged by name), serves, acknowledges durably and stops on SIGTERM; a
// second start applies none again.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startEmulator } from "../../js/emulator/index.mjs";
import { cleanups } from "../support/cleanup.mjs";
import { postgresSkipReason, startPostgres } from "../support/postgres.mjs";
import { serveCli } from "../support/serve-cli.mjs";
import { runnerConfig } from "./runner-fixtures.mjs";

const skip = await postgresSkipReason();
test("serve --migrate applies the migrations on PostgreSQL once, then serves and stops on SIGTERM", {
  skip: skip ?? false,
  timeout: 120_000,
}, async (t) => {
  const own = cleanups(t);
  const emu = await startEmulator();
  own(() => emu.stop());
  const pg = await startPostgres();
  own(() => pg.stop());
  const dir = mkdtempSync(join(tmpdir(), "ghl-bridge-migrate-test-"));
  own(() => rmSync(dir, { recursive: true, force: true }));
  const { doc, env } = runnerConfig({ emu });
  doc.store = { kind: "postgres", url: { env: "TEST_DATABASE_URL" } };
  const file = join(dir, "ghl-bridge.config.json");
  writeFileSync(file, JSON.stringify(doc));
  const allEnv = { ...env, TEST_DATABASE_URL: pg.url };

  // Without --migrate a fresh database is refused at start, saying what to run.
  await assert.rejects(serveCli(own, file, allEnv, []), (e) => {
    assert.match(e.message, /^exited 2: /);
    assert.match(e.message, /STORE_NOT_MIGRATED.*ghl-bridge serve --migrate/);
    return true;
  });

  const first = await serveCli(own, file, allEnv, ["--migrate"]);
  const migrations = /"msg":"migrations","applied":(\[[^\]]*\])/.exec(first.lines());
  assert.ok(migrations, first.lines());
  assert.ok(JSON.parse(migrations[1]).length >= 1, "the migrations were applied, by name");
  const d = emu.webhooks.build(
    "ContactCreate",
    { id: "c-migrate", email: "migrate@example.com" },
    { locationId: "demoLocation00000001" },
  );
  const res = await fetch(`${first.url}/hooks/ghl`, {
    method: "POST",
    headers: d.headers,
    body: d.body,
  });
  assert.deepEqual([res.status, await res.json()], [200, { outcome: "accepted" }]);
  assert.equal(await first.stop(), 0);

  const second = await serveCli(own, file, allEnv, ["--migrate"]);
  assert.match(second.lines(), /"msg":"migrations","applied":\[\]/, "applied once");
  assert.equal(await second.stop(), 0);
  assert.ok(
    !`${first.lines()}${second.lines()}`.includes(pg.url),
    "the database URL is not logged",
  );
});
