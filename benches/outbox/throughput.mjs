// Throughput benchmark: how much of GHL's burst limit the outbox uses, and how often
// it runs into 429s doing so. The emulator's window is shortened to 100 requests per
// 1,000 ms (GHL: 100 per 10 s) and the outbox is configured with the same window; a
// backlog of contact events (2 requests each, no faults, 2-20 ms latency) keeps it busy
// for about 16 s. Prints `budget: used=X% http429=Y%` (targets: >= 95%, <= 1%).
//
// "used" is measured over the emulator's own fixed windows: the requests admitted in
// every whole window, divided by what the limit allows over the time those windows
// spanned (the next window's opening minus the first one's).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import * as g from "../../pkg/entries/node.js";
import {
  startEmulator,
  ALL_SCOPES,
  DEMO_LOCATION_ID,
  DEMO_TOKEN,
} from "../../js/emulator/index.mjs";
import { contactPlan } from "./lib.mjs";

const LIMIT = { max: 100, intervalMs: 1000 };
const loaded = process.argv.includes("--loaded");
const label = loaded ? "budget-loaded" : "budget";
const events = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 800);
// The burner stops by itself after two minutes, whatever happens to this process.
const burner = loaded
  ? spawn(
      process.execPath,
      ["-e", "const end = Date.now() + 120000; while (Date.now() < end) {}"],
      { stdio: "ignore" },
    )
  : null;
const emu = await startEmulator({
  seed: 3,
  rateLimit: LIMIT,
  latencyMs: [2, 20],
  maxLogEntries: 1_000_000,
});
const dir = await mkdtemp(join(tmpdir(), "ghl-outbox-throughput-"));
const ob = await g.createOutbox({
  token: DEMO_TOKEN,
  locationId: DEMO_LOCATION_ID,
  scopes: ALL_SCOPES,
  baseUrl: emu.url,
  storage: await g.fileStorage(join(dir, "outbox.jsonl")),
  config: { burstMax: LIMIT.max, burstIntervalMs: LIMIT.intervalMs, windowMarginMs: 25 },
  autoStart: false,
});
await Promise.all(
  Array.from({ length: events }, (_, i) =>
    ob.accept(
      contactPlan({
        id: `tp${i}`,
        locationId: DEMO_LOCATION_ID,
        email: `tp${i}@throughput.example`,
        firstName: `n${i}`,
        tags: [`t${i % 7}`],
      }),
    ),
  ),
);
// Node loads its fetch implementation on first use (tens of ms): done here, so that the
// first window is not opened late by the runtime's cold start.
await (await fetch(`${emu.url}/__emulator/health`)).text();
const startedAt = Date.now();
ob.start();
await ob.idle();
if (process.env.DEBUG_BUDGET)
  console.log(
    "first arrival after start",
    emu.log[0].timeMs - startedAt,
    "ms; arrival spread of first 5",
    emu.log.slice(0, 5).map((e) => e.timeMs - startedAt),
  );
const counts = ob.counts();
const stats = ob.stats();
await ob.close();
burner?.kill();
await emu.stop();
await rm(dir, { recursive: true, force: true });

// The emulator's windows: one opens at the first arrival when none is open.
const times = emu.log.map((e) => e.timeMs).sort((a, b) => a - b);
const starts = [];
let open = -Infinity;
for (const t of times) {
  if (t >= open + LIMIT.intervalMs) {
    open = t;
    starts.push(t);
  }
}
if (process.env.DEBUG_BUDGET)
  for (let k = 0; k + 1 < starts.length; k++)
    console.log(
      k,
      starts[k + 1] - starts[k],
      emu.log.filter((e) => e.timeMs >= starts[k] && e.timeMs < starts[k + 1]).length,
      emu.log.filter((e) => e.timeMs >= starts[k] && e.timeMs < starts[k + 1]).at(-1).timeMs -
        starts[k],
    );
const last = starts.length - 1; // the last window may be partly empty (the backlog ran out)
const admitted = emu.log.filter(
  (e) => e.status !== 429 && e.timeMs >= starts[0] && e.timeMs < starts[last],
).length;
const allowed = ((starts[last] - starts[0]) / LIMIT.intervalMs) * LIMIT.max;
const used = (100 * admitted) / allowed;
const http429 = (100 * emu.log.filter((e) => e.status === 429).length) / emu.log.length;
console.log(
  `${label}: ${emu.log.length} requests, ${last} whole windows of ${LIMIT.max}/${LIMIT.intervalMs} ms, ${counts.done}/${counts.accepted} events delivered, ${stats.http429} 429s`,
);
console.log(`${label}: used=${used.toFixed(1)}% http429=${http429.toFixed(2)}%`);
if (counts.done !== events || used < 95 || http429 > 1) {
  console.error(`${label}: below target (used >= 95%, http429 <= 1%)`);
  process.exit(1);
}
