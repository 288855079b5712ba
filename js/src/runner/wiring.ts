/**
 * The worker as the runner starts it: the store developer's `startWorker` (worker/)
 * given the runner's connections (tokens from the token manager: PITs and refreshing
 * OAuth), the rules documents of each connection (files named in the config, else the
 * package's presets), the intake -> flow event conversion (`events.ts`), and its events
 * turned into log lines and metrics.
 */
import type { StartWorker } from "./app.js";
import { CONSOLE_KEYS, rulesOf } from "./console-state.js";
import { intakeToEvent } from "./events.js";
import { type WorkerConnection, type WorkerEvent, startWorker } from "./worker/index.js";

/** The runner's worker. */
export const runnerWorker: StartWorker = async (ctx) => {
  const { config, log, metrics } = ctx;
  const connections: WorkerConnection[] = await Promise.all(
    Object.entries(await ctx.connections()).map(async ([name, c]) => ({
      name,
      locationId: c.locationId,
      scopes: c.scopes ?? [],
      getToken: ctx.tokens.getter(name),
      baseUrl: config.ghl.baseUrl,
      rules: {
        ...rulesOf(config.baseDir, name, c.rules),
        // Rules saved in the console win over the config's files (read at start).
        ...(
          (await ctx.store.getValue(CONSOLE_KEYS.rules(name))) as
            | { documents?: Record<string, unknown> }
            | undefined
        )?.documents,
      },
    })),
  );
  const onEvent = (e: WorkerEvent) => {
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
    const level = e.type === "tickFailed" ? "error" : e.type === "intakeRejected" ? "warn" : "info";
    log.log(level, `worker: ${e.type}`, { ...e });
  };
  return startWorker({
    store: ctx.store,
    id: ctx.holder,
    connections,
    toEvent: (item, c) => intakeToEvent(item, c.locationId),
    onEvent,
    retriesKey: CONSOLE_KEYS.retries,
  });
};
