// Shared by the runner worker tests and the scale/kill benchmarks: an emulator with N
// locations (one token each), the matching worker connections (Wishpond rules
// preset, custom fields as the location has them), Wishpond lead events as intake
// items, and the referee that reads the emulator's request log and state.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ALL_SCOPES, startEmulator } from "../../js/emulator/index.mjs";

const json = (p) => JSON.parse(readFileSync(new URL(`../../${p}`, import.meta.url), "utf8"));
const RULES = { wishpond: json("src/rules/presets/wishpond-lead.json") };
const LEAD = json("tests/fixtures/wishpond/lead-created.json");

/** A 20-character location id, like GHL's. */
export const locationId = (i) => `benchLocation${String(i).padStart(7, "0")}`;

/** Starts an emulator serving `n` locations; resolves to { emu, connections }. */
export async function runnerEmulator(n, { outboxConfig, ...options } = {}) {
  const tokens = {};
  for (let i = 0; i < n; i++)
    tokens[`pit-bench-${i}`] = {
      locationId: locationId(i),
      scopes: [...ALL_SCOPES],
      label: `bench-${i}`,
    };
  const emu = await startEmulator({
    seed: 5,
    tokens,
    locations: Array.from({ length: n }, (_, i) => locationId(i)),
    maxLogEntries: 10_000_000,
    ...options,
  });
  const connections = Array.from({ length: n }, (_, i) => ({
    name: `conn-${i}`,
    locationId: locationId(i),
    scopes: [...ALL_SCOPES],
    token: `pit-bench-${i}`,
    baseUrl: emu.url,
    rules: RULES,
    flowConfig: { allowCreateLocationTags: true },
    compile: {
      customFields: emu.state.locations[locationId(i)].customFields.filter(
        (f) => f.model === "contact",
      ),
    },
    outboxConfig,
  }));
  return { emu, connections };
}

/** The email of event `k`. */
export const emailOf = (k) => `lead${k}@runner.example`;

/** Intake item `k` for connection `c` (a Wishpond lead event as its body). */
export function leadItem(k, c) {
  const payload = structuredClone(LEAD);
  payload.lead.email = emailOf(k);
  // Where Wishpond puts them (the preset reads these): GHL matches by email or phone.
  payload.lead.dynamic_attributes.phone_number = `+1415${String(5_000_000 + k).padStart(7, "0")}`;
  payload.lead.dynamic_attributes.first_name = `lead${k}`;
  return {
    source: "wishpond",
    dedupeKey: `lead-${k}`,
    connection: c.name,
    body: { type: "wishpond.lead.created", id: `evt-${k}`, payload },
    receivedAt: Date.now(),
  };
}

/**
 * Reads the emulator: per accepted event (email -> location), the successful upserts
 * in the log and the contacts in the state. `lost`: accepted, not dead, and no contact;
 * `duplicated`: more than one contact for an email, or a successful upsert answered
 * twice for an event that no kill interrupted (`resent` counts those after kills).
 */
export function referee(emu, accepted, dead = new Set()) {
  const upserts = new Map();
  for (const e of emu.log) {
    if (e.operation !== "contacts.upsert-contact" || e.status !== 200) continue;
    const email = e.body?.email;
    // One key per request of a flow: an accumulating score upserts twice (stage 1 reads
    // the contact, stage 2 writes the score); the custom fields sent tell them apart.
    const fields = (e.body?.customFields ?? []).map((f) => f.id ?? f.key).sort();
    const key = `${email} ${fields.join(",")}`;
    upserts.set(key, (upserts.get(key) ?? 0) + 1);
  }
  let lost = 0;
  let duplicated = 0;
  let resent = 0;
  let delivered = 0;
  for (const [email, loc] of accepted) {
    const contacts = Object.values(emu.state.locations[loc].contacts).filter(
      (c) => c.email === email,
    );
    if (contacts.length > 1) duplicated += 1;
    if (contacts.length === 0 && !dead.has(email)) lost += 1;
    if (contacts.length > 0) delivered += 1;
    if ([...upserts].some(([k, n]) => k.startsWith(`${email} `) && n > 1)) resent += 1;
  }
  return { lost, duplicated, resent, delivered, upserts };
}

/**
 * Per location, the emulator's fixed windows (one opens at the first request when none
 * is open): the most requests any window saw (429s included) and the budget used over
 * the whole windows (admitted / what the limit allowed over their span).
 */
export function windows(emu, limit) {
  const byLoc = new Map();
  for (const e of emu.log) {
    if (!e.locationId) continue;
    if (!byLoc.has(e.locationId)) byLoc.set(e.locationId, []);
    byLoc.get(e.locationId).push(e);
  }
  let maxPerWindow = 0;
  let admitted = 0;
  let allowed = 0;
  let http429 = 0;
  for (const entries of byLoc.values()) {
    entries.sort((a, b) => a.timeMs - b.timeMs);
    const starts = [];
    let open = Number.NEGATIVE_INFINITY;
    let count = 0;
    for (const e of entries) {
      if (e.timeMs >= open + limit.intervalMs) {
        open = e.timeMs;
        starts.push(e.timeMs);
        count = 0;
      }
      count += 1;
      maxPerWindow = Math.max(maxPerWindow, count);
      if (e.status === 429) http429 += 1;
    }
    const last = starts.length - 1; // the last window may be partly empty (the backlog ran out)
    if (last < 1) continue;
    admitted += entries.filter(
      (e) => e.status !== 429 && e.timeMs >= starts[0] && e.timeMs < starts[last],
    ).length;
    allowed += ((starts[last] - starts[0]) / limit.intervalMs) * limit.max;
  }
  return { maxPerWindow, used: allowed > 0 ? (100 * admitted) / allowed : 0, http429 };
}

const WORKER = fileURLToPath(new URL("./worker-proc.mjs", import.meta.url));

const written = new Map();

/** Spawns a worker process; resolves once it is ready: { child, lines, exited }. */
export function spawnWorker(settings) {
  // The settings go in a file (50 connections' rules do not fit in the environment).
  let file = written.get(settings);
  if (!file) {
    file = join(mkdtempSync(join(tmpdir(), "ghlb-worker-")), "settings.json");
    writeFileSync(file, JSON.stringify(settings));
    written.set(settings, file);
  }
  const child = spawn(process.execPath, [WORKER, file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = [];
  const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      let e;
      try {
        e = JSON.parse(line);
      } catch {
        return;
      }
      lines.push(e);
      if (e.type === "ready") resolve();
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`worker exited (${code ?? signal}) before ready`)),
    );
  });
  return ready.then(() => ({ child, lines, exited }));
}
