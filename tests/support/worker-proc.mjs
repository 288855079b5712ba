// One runner worker in its own process, for the tests and benchmarks that SIGKILL it:
// `node worker-proc.mjs` with its settings as JSON in GHLB_WORKER (store url,
// connections, worker options). Prints one JSON line per worker event (no tokens: the
// worker's events carry none) and `{"type":"ready"}` once started; SIGTERM stops it
// gracefully (outboxes closed, leases released), then it exits 0.
import { openStore } from "../../pkg/runner/store/index.js";
import { startWorker } from "../../pkg/runner/worker/index.js";

const settings = JSON.parse(process.env.GHLB_WORKER ?? "{}");
const store = await openStore(settings.store);
const quiet = new Set(settings.quiet ?? ["outbox"]);
const say = (e) => {
  if (!quiet.has(e.type)) process.stdout.write(`${JSON.stringify(e)}\n`);
};
const worker = await startWorker({
  ...settings.worker,
  store,
  connections: settings.connections,
  onEvent: say,
});
say({ type: "ready", id: worker.id });
process.on("SIGTERM", async () => {
  await worker.stop();
  await store.close();
  say({ type: "stopped", stats: worker.stats() });
  process.exit(0);
});
