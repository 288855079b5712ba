// GHL's own contact webhooks feed flows in the runner: a signed `ContactTagUpdate` from
// the GHL emulator is verified and tag-diffed by the package's receiver at the endpoint
// (each contact's known tags kept in the runner's store), becomes a
// `ghl.contact.tags.updated` flow event in the worker, and the connection's `ghl` rules
// answer it (a contact tagged `vip` gets `priority`). After a restart the diff is made
// against the stored list (no tag counts as "added" again). `ContactCreate` plans
// nothing and is completed, not dead-lettered.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startEmulator } from "../../js/emulator/index.mjs";
import { knownTagsName } from "../../pkg/runner/index.js";
import { until } from "../support/until.mjs";
import {
  VIP_RULES,
  capturedLogger,
  locationTags,
  runnerConfig,
  startTestRunner,
} from "./runner-fixtures.mjs";

const LOCATION = "demoLocation00000001";
let emu;
let dir;
let made;
let logs;
let store;
let runner;

async function start() {
  ({ store, runner } = await startTestRunner(made, dir, logs.log));
}
async function stop() {
  await runner?.stop();
  runner = undefined;
}

before(async () => {
  emu = await startEmulator();
  locationTags(emu, LOCATION, ["priority"]);
  dir = await mkdtemp(join(tmpdir(), "ghlb-ghl-flows-"));
  const rules = join(dir, "ghl-rules.json");
  await writeFile(rules, JSON.stringify(VIP_RULES));
  made = runnerConfig({
    emu,
    patch: (doc) => {
      doc.connections.demo.scopes = [
        "contacts.write",
        "contacts.readonly",
        "locations/tags.readonly",
      ];
      doc.connections.demo.rules = { ghl: rules };
    },
  });
  logs = capturedLogger();
  await start();
});

after(async () => {
  await stop().catch(() => {});
  await emu?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const contact = (id) => emu.state.locations[LOCATION].contacts.find((c) => c.id === id);
const settled = async () => {
  const c = await store.counts();
  const pending = Object.values(c.pendingIntake).reduce((a, b) => a + b, 0);
  const outbox = Object.values(c.outbox).reduce((a, b) => a + b.pending, 0);
  return pending === 0 && outbox === 0;
};
const addTagCalls = () => emu.log.filter((e) => e.operation === "contacts.add-tags").length;

test("a signed ContactTagUpdate -> ghl.contact.tags.updated -> the ghl rules tag the contact; known tags survive a restart", {
  timeout: 120_000,
}, async () => {
  const res = await fetch(`${emu.url}/contacts/upsert`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${made.env.TEST_PIT}`,
      version: "2021-07-28",
      "content-type": "application/json",
    },
    body: JSON.stringify({ locationId: LOCATION, email: "vip@example.com", tags: ["lead"] }),
  });
  assert.ok(res.ok, await res.clone().text());
  const id = (await res.json()).contact.id;
  const t0 = Date.now() - 5_000;
  const hook = (type, tags, at) =>
    emu.webhooks.send(
      `${runner.server.url}/hooks/ghl`,
      type,
      { id, email: "vip@example.com", tags },
      { locationId: LOCATION, timestampMs: at },
    );

  let d = await hook("ContactCreate", ["lead"], t0);
  assert.deepEqual([d.status, d.body], [200, { outcome: "accepted" }]);
  d = await hook("ContactTagUpdate", ["lead"], t0 + 1000);
  assert.deepEqual([d.status, d.body], [200, { outcome: "accepted" }]);
  d = await hook("ContactTagUpdate", ["lead", "vip"], t0 + 2000);
  assert.deepEqual([d.status, d.body], [200, { outcome: "accepted" }]);
  await until(() => contact(id).tags.includes("priority"), "the ghl rules tagged the contact");
  assert.equal(addTagCalls(), 1, "one add-tags call: only the change that added vip");
  await until(settled, "everything processed");
  assert.deepEqual(await store.deadIntake(), [], "ContactCreate completed, nothing dead");

  // The known tags are in the store, so a restart diffs against them.
  const known = await store.getValue(knownTagsName(id));
  assert.deepEqual([...known.tags].sort(), ["lead", "vip"]);
  await stop();
  contact(id).tags = contact(id).tags.filter((t) => t !== "priority");
  await start();
  d = await hook("ContactTagUpdate", ["lead", "vip"], t0 + 3000);
  assert.deepEqual([d.status, d.body], [200, { outcome: "accepted" }]);
  await until(settled, "processed after the restart");
  assert.equal(addTagCalls(), 1, "nothing counted as added again after the restart");
  assert.ok(!contact(id).tags.includes("priority"));

  for (const secret of [made.env.TEST_PIT, made.env.TEST_VAULT_KEY, made.qwilrSecret])
    assert.ok(!logs.text().includes(secret), "a secret is in the log");
});
