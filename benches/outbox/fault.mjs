// Fault benchmark: 10,000 contact events through the outbox against the GHL emulator
// with 20% 5xx answers, 5% dropped connections, 1-15 ms latency, bursts of forced 429s
// and a token that expires mid-run (fileStorage, fsync per group commit). Prints the
// `fault:` line; exits non-zero when an event is lost or applied twice, or when the
// emulator's contacts differ from what the events say.
import * as g from "../../pkg/entries/node.js";
import { faultRun } from "./lib.mjs";

const n = Number(process.argv[2] ?? 10_000);
const r = await faultRun(g, {
  events: n,
  rateLimit: { max: 1000, intervalMs: 1000 },
  log: (l) => console.log(l),
});
const f = r.figures;
console.log(
  `fault: ${r.seconds.toFixed(1)} s, ${(r.stats.requestsSent / r.seconds).toFixed(0)} requests/s, token refreshes=${r.stats.tokenRefreshes} getToken calls=${r.getTokenCalls}, coalesced=${r.stats.coalesced}, duplicate ids dropped=${r.duplicatesDropped}/${r.duplicatesSent}, contact mismatches=${r.mismatches.length}`,
);
const ok =
  f.delivered + f.dead === f.accepted &&
  f.duplicated === 0 &&
  f.lost === 0 &&
  r.mismatches.length === 0 &&
  r.strays.length === 0;
if (!ok) {
  console.error("fault: FAILED", JSON.stringify(r.mismatches.slice(0, 5)));
  process.exit(1);
}
