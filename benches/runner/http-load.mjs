// The load side of the HTTP intake benchmark, run in its own process (so its work does
// not share the server's event loop): CONCURRENCY keep-alive senders POST Qwilr
// webhooks with unique idempotency keys to URL, each waiting for its acknowledgement,
// EVENTS in all. Prints one JSON line {events, secs, lat: [ms...] sorted, errors}.
// With RATE, an open loop instead: EVENTS posts offered at RATE per second whatever the
// answers (up to CONCURRENCY sockets; a post waiting for one counts that wait), `secs`
// until the last answer.
// Usage: node http-load.mjs URL EVENTS CONCURRENCY [WARMUP] [RATE]
import { Agent, request } from "node:http";

const [url, eventsArg, concArg, warmArg, rateArg] = process.argv.slice(2);
const RATE = rateArg ? Number(rateArg) : 0;
const EVENTS = Number(eventsArg);
const CONCURRENCY = Number(concArg);
const WARMUP = Number(warmArg ?? 200);
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const target = new URL(url);
const run = `${process.pid}-${Date.now()}`;
const body = (i) =>
  JSON.stringify({
    event: "pageAccepted",
    idempotencyKey: `${run}-${i}`.padEnd(64, "0").slice(0, 64),
    page: { id: "0123456789abcdef01234567", metadata: { email: "ada@example.com" } },
  });

function post(i) {
  return new Promise((resolve) => {
    const data = body(i);
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", () => resolve(0));
    req.end(data);
  });
}

async function phase(from, count) {
  let next = from;
  const end = from + count;
  const lat = [];
  let errors = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < end) {
        const i = next++;
        const t = performance.now();
        const status = await post(i);
        lat.push(performance.now() - t);
        if (status !== 200) errors += 1;
      }
    }),
  );
  return { lat, errors };
}

/** Open loop: `count` posts offered at `RATE` per second. */
async function atRate(from, count) {
  const lat = [];
  let errors = 0;
  const pending = [];
  const started = performance.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * RATE));
    for (; sent < due; sent++) {
      const t = performance.now();
      pending.push(
        post(from + sent).then((status) => {
          lat.push(performance.now() - t);
          if (status !== 200) errors += 1;
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  return { lat, errors };
}

await phase(0, WARMUP);
const started = performance.now();
const { lat, errors } = RATE > 0 ? await atRate(WARMUP, EVENTS) : await phase(WARMUP, EVENTS);
const secs = (performance.now() - started) / 1000;
lat.sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ events: EVENTS, secs, lat, errors })}\n`);
agent.destroy();
