// Each contact's known tags are read from the store per delivery, not per process: two
// runner servers on one PostgreSQL store (two pools, as two processes) take alternate
// `ContactTagUpdate`s of one contact and each diff is against the list the other one
// stored; two updates posted to both at once are serialised per contact (one diffs
// against the other's list, never both against the older one) and the newer list is
// kept; with the database down the delivery is 503 (not acknowledged) and its retry,
// once it is back, diffs against the old list. On the embedded store, the lists an
// earlier runner kept in its outbox storage are moved and diffed against, and two
// updates at once to one process are taken one after the other.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startEmulator } from "../../js/emulator/index.mjs";
import {
  KNOWN_TAGS,
  createTokenManager,
  createVault,
  knownTagsName,
  parseVaultKey,
  startServer,
} from "../../pkg/runner/index.js";
import { openStore } from "../../pkg/runner/store/index.js";
import { postgresSkipReason, startPostgres } from "../support/postgres.mjs";
import { capturedLogger, runnerConfig } from "./runner-fixtures.mjs";

const LOCATION = "demoLocation00000001";
const skip = await postgresSkipReason();

async function serverOn(store, made) {
  const { log } = capturedLogger();
  const tokens = createTokenManager({
    config: made.config,
    store,
    vault: createVault(parseVaultKey(made.env.TEST_VAULT_KEY, "k")),
    log,
  });
  return startServer({ config: made.config, store, tokens, log });
}

/** Posts a signed ContactTagUpdate of `contact` to `server`. */
function tagUpdate(emu, server, contact, tags, at) {
  return emu.webhooks.send(
    `${server.url}/hooks/ghl`,
    "ContactTagUpdate",
    { id: contact, email: `${contact}@example.com`, tags },
    { locationId: LOCATION, timestampMs: at },
  );
}

/** The tag change of every stored intake item, by webhook timestamp. */
async function changes(store) {
  const items = await store.claimIntake("test", 1000, 60_000);
  return items
    .map((i) => i.body)
    .sort((a, b) => a.timestampMs - b.timestampMs)
    .map((e) => ({
      contact: e.contact.id,
      added: e.tagChange.added,
      removed: e.tagChange.removed,
      outOfOrder: e.tagChange.outOfOrder,
    }));
}

test("two runners on one PostgreSQL store diff each contact's updates against the shared list", {
  skip: skip ?? false,
  timeout: 120_000,
}, async () => {
  const emu = await startEmulator();
  const pg = await startPostgres();
  const servers = [];
  const stores = [];
  try {
    const made = runnerConfig({ emu });
    for (let i = 0; i < 2; i++) {
      const store = await openStore({ kind: "postgres", url: pg.url });
      await store.migrate();
      stores.push(store);
      servers.push(await serverOn(store, made));
    }
    const [a, b] = servers;
    const t0 = Date.now() - 60_000;

    // Alternate updates of one contact: A, B, A, B.
    const steps = [
      [a, ["lead"]],
      [b, ["lead", "vip"]],
      [a, ["vip"]],
      [b, ["vip", "customer"]],
    ];
    for (const [i, [server, tags]] of steps.entries()) {
      const r = await tagUpdate(emu, server, "c-alt", tags, t0 + i * 1000);
      assert.deepEqual([r.status, r.body], [200, { outcome: "accepted" }], `update ${i}`);
    }
    assert.deepEqual(
      (await changes(stores[0])).map(({ added, removed }) => [added, removed]),
      [
        [["lead"], []],
        [["vip"], []],
        [[], ["lead"]],
        [["customer"], []],
      ],
      "each diff is against the list the other runner stored",
    );
    assert.deepEqual((await stores[1].getValue(knownTagsName("c-alt"))).tags, ["vip", "customer"]);

    // Two updates of one contact at once, one to each runner (three contacts): serialised
    // per contact, so the later one sees the earlier one's list, in either order.
    const contacts = ["c-race-1", "c-race-2", "c-race-3"];
    for (const c of contacts) {
      const r = await tagUpdate(emu, a, c, ["lead"], t0);
      assert.equal(r.status, 200);
    }
    await changes(stores[0]); // the seeds, claimed out of the way
    const raced = await Promise.all(
      contacts.flatMap((c) => [
        tagUpdate(emu, a, c, ["lead", "vip"], t0 + 10_000),
        tagUpdate(emu, b, c, ["lead"], t0 + 20_000),
      ]),
    );
    assert.deepEqual(
      raced.map((r) => r.status),
      raced.map(() => 200),
    );
    const byContact = {};
    for (const x of await changes(stores[0])) {
      byContact[x.contact] ??= [];
      byContact[x.contact].push(x);
    }
    for (const c of contacts) {
      const [first, second] = byContact[c].map(({ added, removed, outOfOrder }) => ({
        added,
        removed,
        outOfOrder,
      }));
      // The older update first: +vip, then -vip. The newer first: nothing, then out of order.
      const serial = [
        [
          { added: ["vip"], removed: [], outOfOrder: false },
          { added: [], removed: ["vip"], outOfOrder: false },
        ],
        [
          { added: [], removed: [], outOfOrder: true },
          { added: [], removed: [], outOfOrder: false },
        ],
      ];
      assert.ok(
        serial.some((s) => JSON.stringify(s) === JSON.stringify([first, second])),
        `${c}: ${JSON.stringify([first, second])} is neither serial order`,
      );
      const kept = await stores[0].getValue(knownTagsName(c));
      assert.deepEqual(
        [kept.tags, kept.atMs],
        [["lead"], t0 + 20_000],
        `${c}: the newer list is kept`,
      );
    }
    // Every contact lease was released.
    for (const c of contacts)
      assert.equal(await stores[0].leaseHolder(`${KNOWN_TAGS}:lock:${c}`), undefined);

    // ContactDelete deletes the list (under the contact's lease, released after).
    const del = await emu.webhooks.send(
      `${b.url}/hooks/ghl`,
      "ContactDelete",
      { id: "c-race-1", email: "c-race-1@example.com" },
      { locationId: LOCATION, timestampMs: t0 + 25_000 },
    );
    assert.equal(del.status, 200);
    assert.equal(await stores[0].getValue(knownTagsName("c-race-1")), undefined);
    assert.equal(await stores[0].leaseHolder(`${KNOWN_TAGS}:lock:c-race-1`), undefined);
    await stores[0].claimIntake("test", 1000, 60_000);

    // The database down: 503, not acknowledged; back up: the retry diffs against the old list.
    const d = emu.webhooks.build(
      "ContactTagUpdate",
      { id: "c-alt", email: "c-alt@example.com", tags: ["customer"] },
      { locationId: LOCATION, timestampMs: t0 + 30_000 },
    );
    const post = () =>
      fetch(`${b.url}/hooks/ghl`, { method: "POST", headers: d.headers, body: d.body });
    await pg.halt();
    const down = await post();
    assert.equal(down.status, 503);
    const err = (await down.json()).error;
    assert.match(err.code, /^STORE_/);
    assert.match(err.message, /not acknowledged/);
    await pg.start();
    let again = await post();
    for (let i = 0; i < 5 && again.status === 503; i++) again = await post();
    assert.deepEqual([again.status, await again.json()], [200, { outcome: "accepted" }]);
    const [retried] = await changes(stores[0]);
    assert.deepEqual([retried.added, retried.removed], [[], ["vip"]]);
  } finally {
    for (const s of servers) await s.close().catch(() => {});
    for (const s of stores) await s.close().catch(() => {});
    await pg?.stop();
    await emu.stop();
  }
});

test("lists an earlier runner kept in its outbox storage are moved and diffed against", {
  timeout: 60_000,
}, async () => {
  const emu = await startEmulator();
  const dir = await mkdtemp(join(tmpdir(), "ghlb-known-tags-"));
  let server;
  const store = await openStore({ kind: "embedded", path: join(dir, "store") });
  try {
    await store.migrate();
    const t0 = Date.now() - 60_000;
    await store.outboxStorage(KNOWN_TAGS).apply([
      {
        op: "put",
        key: "ghl-tags:c-old",
        record: { contactId: "c-old", tags: ["lead"], atMs: t0 },
      },
    ]);
    server = await serverOn(store, runnerConfig({ emu }));
    assert.deepEqual(await store.outboxStorage(KNOWN_TAGS).load(), [], "moved out");
    const r = await tagUpdate(emu, server, "c-old", ["lead", "vip"], t0 + 1000);
    assert.equal(r.status, 200);
    const [change] = await changes(store);
    assert.deepEqual([change.added, change.removed], [["vip"], []]);
    assert.deepEqual((await store.getValue(knownTagsName("c-old"))).tags, ["lead", "vip"]);
    // Two updates of one contact at once to one process: taken one after the other.
    const both = await Promise.all([
      tagUpdate(emu, server, "c-old", ["lead"], t0 + 2000),
      tagUpdate(emu, server, "c-old", ["lead", "vip"], t0 + 3000),
    ]);
    assert.deepEqual(
      both.map((x) => x.status),
      [200, 200],
    );
    const pair = (await changes(store)).map(({ added, removed, outOfOrder }) => ({
      added,
      removed,
      outOfOrder,
    }));
    assert.ok(
      [
        [
          { added: [], removed: ["vip"], outOfOrder: false },
          { added: ["vip"], removed: [], outOfOrder: false },
        ],
        [
          { added: [], removed: [], outOfOrder: true },
          { added: [], removed: [], outOfOrder: false },
        ],
      ].some((s) => JSON.stringify(s) === JSON.stringify(pair)),
      JSON.stringify(pair),
    );
  } finally {
    await server?.close().catch(() => {});
    await store.close().catch(() => {});
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
