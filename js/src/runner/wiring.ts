/**
 * The worker as the runner starts it: the store developer's `startWorker` (worker/)
 * given the runner's connections (tokens from the token manager: PITs and refreshing
 * OAuth), the rules documents of each connection (files named in the config, else the
 * package's presets; `ghl` rules only when named), the intake -> flow event conversion
 * (`events.ts`: the Qwilr page read), the connections read again as INSTALL / UNINSTALL
 * webhooks change them or the console saves rules (the next events use them), each connection's console mode (staging: planned and recorded,
 * not sent; `console-state.ts` decides), each converted event kept as a recent console
 * sample (`recordSample`), and its events turned into log lines and metrics.
 */
import type { StartWorker } from "./app.js";
import {
  CONSOLE_KEYS,
  modeOf,
  notSent,
  recordSample,
  RUNNER_FLOW_CONFIG,
  recordStaged,
  rulesOf,
} from "./console-state.js";
import { createIntakeConverter } from "./events.js";
import { type WorkerConnection, type WorkerEvent, startWorker } from "./worker/index.js";

/** The runner's worker. */
export const runnerWorker: StartWorker = async (ctx) => {
  const { config, log, metrics } = ctx;
  // Built once per connection name (rules read, token getter made), so a refresh
  // (INSTALL / UNINSTALL) keeps the connections that did not change as they are.
  // Rebuilt when the console saves rules (their `savedAt` changes): the worker then plans
  // the next events with them (read at each refresh, every 2 s).
  const built = new Map<string, WorkerConnection>();
  const savedAt = new Map<string, string | null>();
  const workerConnections = async (): Promise<WorkerConnection[]> => {
    const all = await ctx.connections();
    for (const name of [...built.keys()]) if (!(name in all)) built.delete(name);
    const out: WorkerConnection[] = [];
    for (const [name, c] of Object.entries(all)) {
      let w = built.get(name);
      // Rules saved in the console win over the config's files.
      const saved = (await ctx.store.getValue(CONSOLE_KEYS.rules(name))) as
        | { documents?: Record<string, unknown>; savedAt?: string }
        | undefined;
      const at = saved?.savedAt ?? null;
      if (!w || w.locationId !== c.locationId || savedAt.get(name) !== at) {
        savedAt.set(name, at);
        w = {
          name,
          locationId: c.locationId,
          scopes: c.scopes ?? [],
          getToken: ctx.tokens.getter(name),
          baseUrl: config.ghl.baseUrl,
          rules: { ...rulesOf(config.baseDir, name, c.rules), ...saved?.documents },
          flowConfig: RUNNER_FLOW_CONFIG,
        };
        built.set(name, w);
      }
      out.push(w);
    }
    return out;
  };
  const connections = await workerConnections();
  const toEvent = createIntakeConverter({ config, fetch: ctx.fetch });
  const onEvent = (e: WorkerEvent) => {
    if (e.type === "budget") {
      // Read when /metrics is: the share of the window open then (sends age out).
      const b = e.budget;
      metrics.gauge("ghl_bridge_budget_used_ratio", { location: e.locationId }, () => {
        const now = Date.now();
        const sent = b.sends.filter((t) => t > now - b.intervalMs && t <= now).length;
        return Math.min(1, sent / Math.max(1, b.max));
      });
      return;
    }
    if (e.type === "outbox") {
      const ev = e.event;
      const loc = { location: e.locationId };
      if (ev.type === "progress" && ev.kind === "done")
        metrics.inc("ghl_bridge_delivered_total", loc);
      else if (ev.type === "progress" && ev.kind === "failed")
        metrics.inc("ghl_bridge_retries_total", loc);
      else if (ev.type === "deadLettered") {
        metrics.inc("ghl_bridge_dead_total", loc);
        log.warn("worker: dead letter", { location: e.locationId, planId: ev.planId, reason: ev });
      } else if (ev.type === "locationParked") metrics.inc("ghl_bridge_rate_limited_total", loc);
      else if (ev.type === "authPaused")
        log.warn("worker: delivery paused for auth", { location: e.locationId, reason: ev.reason });
      return;
    }
    if (e.type === "intakeRejected")
      metrics.inc("ghl_bridge_intake_dead_total", { connection: e.connection });
    else if (e.type === "intakeRetry")
      metrics.inc("ghl_bridge_intake_retries_total", { connection: e.connection });
    const level =
      e.type === "tickFailed"
        ? "error"
        : e.type === "intakeRejected" ||
            e.type === "intakeRetry" ||
            e.type === "connectionRemoved" ||
            e.type === "warning"
          ? "warn"
          : "info";
    log.log(level, `worker: ${e.type}`, { ...e });
  };
  return startWorker({
    store: ctx.store,
    id: ctx.holder,
    connections,
    toEvent: async (item, c) => {
      const event = await toEvent(item, c.locationId);
      // A recent sample for the console (real events to map, plans named by their event).
      // Best effort: a sample not kept never holds the event back.
      if (event)
        await recordSample(ctx.store, c.name, event, item.receivedAt).catch(() => undefined);
      return event;
    },
    refreshConnections: workerConnections,
    onEvent,
    retriesKey: CONSOLE_KEYS.retries,
    failureLogKey: CONSOLE_KEYS.failures,
    staging: {
      async notSent(name) {
        const m = await modeOf(ctx.store, name);
        return (item) => notSent(m, item.receivedAt);
      },
      record: (name, staged) => recordStaged(ctx.store, name, staged),
    },
  });
};
