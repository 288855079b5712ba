// Shared by the outbox fault test (tests/node/outbox.test.mjs, 1,000 events) and the
// fault benchmark (benches/outbox/fault.mjs, 10,000 events): generates Wishpond lead
// events, maps each through the Wishpond rules preset (the mapping-rules engine), turns
// the result into a plan (upsert, then add-tags with $missing and remove-tags with
// $present, skipped when empty, as the flows build them), runs them through an outbox
// against the GHL emulator with faults, and checks the emulator's contacts against what
// the rules say.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, ALL_SCOPES } from "../../js/emulator/index.mjs";

/**
 * A contact event's plan: upsert the contact, then add the tags it lacks and remove the
 * unwanted ones it has. `body` (the rules' upsert body) wins over email/firstName.
 */
export function contactPlan({
  id,
  locationId,
  email,
  firstName,
  tags,
  customFields,
  body: mapped,
  removeTags = [],
}) {
  const body = mapped ? { ...mapped, locationId } : { locationId, email, firstName };
  if (customFields) body.customFields = [...(body.customFields ?? []), ...customFields];
  email = body.email;
  const remove = removeTags.length
    ? [
        {
          id: "remove-tags",
          operation: "contacts.remove-tags",
          skipWhenEmpty: "/tags",
          params: {
            path: { contactId: { $from: "upsert", pointer: "/contact/id" } },
            body: {
              tags: { $present: removeTags, in: { $from: "upsert", pointer: "/contact/tags" } },
            },
          },
          why: "untag the contact",
        },
      ]
    : [];
  return {
    id,
    flow: "test.contact",
    locationId,
    contactKey: email.toLowerCase(),
    steps: [
      {
        id: "upsert",
        operation: "contacts.upsert-contact",
        params: { body },
        why: "create or update the contact",
      },
      {
        id: "add-tags",
        operation: "contacts.add-tags",
        skipWhenEmpty: "/tags",
        params: {
          path: { contactId: { $from: "upsert", pointer: "/contact/id" } },
          body: { tags: { $missing: tags, in: { $from: "upsert", pointer: "/contact/tags" } } },
        },
        why: "tag the contact",
      },
      ...remove,
    ],
  };
}

/** A tiny deterministic generator (xorshift32) so every run makes the same events. */
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const preset = JSON.parse(
  readFileSync(new URL("../../src/rules/presets/wishpond-lead.json", import.meta.url), "utf8"),
);

/**
 * Events: `n` Wishpond lead events over `n / 3` people (so updates to one contact queue
 * and coalesce), each mapped by the Wishpond rules preset; 1% of them invalid (an
 * unknown custom field added: GHL answers 422) on emails of their own.
 */
export function makeEvents(g, n, locationId, seed = 7) {
  const rules = g.compileRules(preset);
  const r = rng(seed);
  const people = Math.max(1, Math.floor(n / 3));
  const events = [];
  for (let i = 0; i < n; i++) {
    const bad = r() < 0.01;
    const who = bad ? `bad${i}` : `user${Math.floor(r() * people)}`;
    // A Wishpond lead as the poller normalises it (fields in `dynamic_attributes`).
    const lead = {
      type: "wishpond.lead.created",
      id: `wishpond:${i}:bench`,
      arrived: r() < 0.5 ? "api" : "page",
      lead: {
        id: String(i),
        email: ` ${who.toUpperCase()}@Fault.Example `,
        dynamic_attributes: { first_name: `n${i}`, last_name: "tester", company: `Co ${i % 37}` },
      },
      page: { title: `Campaign ${i % 5}` },
      utm: {
        utm_source: r() < 0.5 ? "Facebook" : "Google",
        utm_medium: "cpc",
        utm_campaign: `c${i % 3}`,
      },
    };
    const m = rules.apply(lead);
    const customFields = bad ? [{ key: "no_such_field", field_value: "x" }] : undefined;
    const plan = contactPlan({
      id: `e${i}`,
      locationId,
      body: m.upsert,
      tags: m.tagsToAdd,
      removeTags: m.tagsToRemove,
      customFields,
    });
    events.push({
      index: i,
      bad,
      email: m.upsert.email,
      firstName: m.upsert.firstName,
      tags: m.tagsToAdd,
      removeTags: m.tagsToRemove,
      plan,
    });
  }
  return events;
}

/** What the emulator must hold afterwards: per email, the last name, and the tags the
 * events add and remove, applied in order (GHL keeps contact tags lower-cased). */
export function expectedContacts(events) {
  const want = new Map();
  for (const e of events) {
    if (e.bad) continue;
    const c = want.get(e.email) ?? { firstName: "", tags: new Set() };
    c.firstName = e.firstName;
    for (const t of e.tags) c.tags.add(t.toLowerCase());
    for (const t of e.removeTags) c.tags.delete(t.toLowerCase());
    want.set(e.email, c);
  }
  return want;
}

/**
 * Runs `events` through a fresh outbox over the emulator with faults. Returns the
 * figures of the fault line and the checks' details.
 */
export async function faultRun(
  g,
  { events: n, rateLimit, storage: storageKind = "file", log = () => {} },
) {
  const tokenA = "pit-fault-run-token-a";
  const tokenB = "pit-fault-run-token-b";
  const locationId = "faultLocation0000001";
  const emu = await startEmulator({
    seed: 11,
    tokens: { [tokenA]: { locationId, scopes: ALL_SCOPES, label: "a" } },
    locations: [locationId],
    rateLimit,
    errorRate: 0.2,
    dropRate: 0.05,
    latencyMs: [1, 15],
    maxLogEntries: 10_000_000,
  });
  const dir = await mkdtemp(join(tmpdir(), "ghl-outbox-fault-"));
  const storage =
    storageKind === "file" ? await g.fileStorage(join(dir, "outbox.jsonl")) : g.memoryStorage();
  let current = tokenA;
  let getTokenCalls = 0;
  const events = makeEvents(g, n, locationId);
  const ob = await g.createOutbox({
    getToken: async () => {
      getTokenCalls += 1;
      return current;
    },
    locationId,
    scopes: ALL_SCOPES,
    baseUrl: emu.url,
    storage,
    config: {
      burstMax: rateLimit.max,
      burstIntervalMs: rateLimit.intervalMs,
      windowMarginMs: 30,
      backoffBaseMs: 20,
      backoffCapMs: 500,
      maxAttempts: 10,
    },
  });

  // Faults over time: a burst of five forced 429s every n/3 requests, the token
  // expires after 0.6 n requests.
  const ghlRequests = () => emu.log.length;
  const burstEvery = Math.max(100, Math.floor(n / 3));
  let nextBurst = burstEvery;
  let expired = false;
  const started = Date.now();
  const watcher = setInterval(() => {
    const k = ghlRequests();
    if (k >= nextBurst) {
      emu.configure({ burst429: 5 });
      nextBurst += burstEvery;
    }
    if (!expired && k >= n * 0.6) {
      expired = true;
      emu.revokeToken(tokenA);
      emu.addToken(tokenB, { locationId, label: "b" });
      current = tokenB;
    }
  }, 10);

  // Accept (in chunks, so the storage commits groups), with re-sends of earlier ids.
  const carrier = new Map(); // event id -> id of the plan that carries it
  const r = rng(3);
  let duplicatesSent = 0;
  let duplicatesDropped = 0;
  for (let i = 0; i < events.length; i += 100) {
    const chunk = events.slice(i, i + 100).map((e) => e.plan);
    for (let k = 0; k < 3; k++) {
      const j = Math.floor(r() * (i + chunk.length));
      chunk.push(events[j].plan);
      duplicatesSent += 1;
    }
    // Keep a backlog of a few hundred events, as a busy source would: delivery runs
    // while events arrive, so some updates queue behind in-flight ones, some coalesce.
    while (ob.counts().pending > 300) await new Promise((r) => setTimeout(r, 5));
    const results = await Promise.all(chunk.map((p) => ob.accept(p)));
    for (const res of results) {
      if (res.disposition.kind === "duplicate") duplicatesDropped += 1;
      else carrier.set(res.planId, res.planId);
      if (res.disposition.kind === "coalesced") carrier.set(res.disposition.replaced, res.planId);
    }
  }
  await ob.idle();
  const seconds = (Date.now() - started) / 1000;
  clearInterval(watcher);
  const counts = ob.counts();
  const stats = ob.stats();
  const dead = ob.deadLetters();
  const exported = ob.exportLog();
  await ob.close();

  // Which plan did each applied upsert belong to? Its firstName names the newest event.
  const find = (id) => {
    let c = id;
    while (carrier.get(c) !== c) c = carrier.get(c);
    return c;
  };
  const applied = new Map();
  for (const e of emu.log) {
    if (e.operation !== "contacts.upsert-contact" || e.status !== 200 || e.fault) continue;
    const id = `e${e.body.firstName.slice(1)}`;
    applied.set(id, (applied.get(id) ?? 0) + 1);
  }
  const deadIds = new Set(dead.map((d) => d.planId));
  let duplicated = 0;
  let lost = 0;
  for (const e of events) {
    const c = find(e.plan.id);
    if (deadIds.has(c)) continue;
    const times = applied.get(c) ?? 0;
    if (times === 0) lost += 1;
    if (times > 1 && c === e.plan.id) duplicated += 1;
  }
  lost += counts.accepted - counts.done - counts.dead;

  // The emulator's contacts against the events.
  const want = expectedContacts(events);
  const contacts = emu.state.locations[locationId].contacts.filter((c) =>
    c.email?.endsWith("@fault.example"),
  );
  const byEmail = new Map();
  for (const c of contacts)
    byEmail.set(c.email.toLowerCase(), [...(byEmail.get(c.email.toLowerCase()) ?? []), c]);
  const mismatches = [];
  for (const [email, w] of want) {
    const got = byEmail.get(email) ?? [];
    const tags = new Set(got[0]?.tags ?? []);
    const sameTags =
      got.length === 1 && tags.size === w.tags.size && [...w.tags].every((t) => tags.has(t));
    if (got.length !== 1 || got[0].firstName !== w.firstName || !sameTags)
      mismatches.push({ email, want: { firstName: w.firstName, tags: [...w.tags] }, got });
  }
  const strays = [...byEmail.keys()].filter((e) => !want.has(e));
  const http429 = emu.log.filter((e) => e.status === 429).length;
  const http422 = emu.log.filter((e) => e.status === 422).length;
  const figures = {
    accepted: counts.accepted,
    delivered: counts.done,
    dead: counts.dead,
    duplicated,
    lost,
    requests_per_event: emu.log.length / counts.accepted,
    http429,
  };
  const line = `fault: accepted=${figures.accepted} delivered=${figures.delivered} dead=${figures.dead} duplicated=${figures.duplicated} lost=${figures.lost} requests_per_event=${figures.requests_per_event.toFixed(2)} http429=${figures.http429}`;
  log(line);
  await emu.stop();
  await rm(dir, { recursive: true, force: true });
  return {
    figures,
    line,
    seconds,
    stats,
    dead,
    exported,
    mismatches,
    strays,
    getTokenCalls,
    tokens: [tokenA, tokenB],
    duplicatesSent,
    duplicatesDropped,
    badEvents: events.filter((e) => e.bad).length,
    http422,
    expired,
  };
}
