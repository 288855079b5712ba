/**
 * The worker as the runner starts it: the store developer's `startWorker` (worker/)
 * given the runner's connections (tokens from the token manager: PITs and refreshing
 * OAuth), the rules documents of each connection (files named in the config, else the
 * package's presets), the intake -> flow event conversion (`events.ts`), and its events
 * turned into log lines and metrics.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { rulesPresets } from "../entries/node.js";
import type { StartWorker } from "./app.js";
import { runnerError } from "./errors.js";
import { intakeToEvent } from "./events.js";
import { type WorkerConnection, type WorkerEvent, startWorker } from "./worker/index.js";

function rulesOf(baseDir: string, name: string, rules: { wishpond?: string; qwilr?: string } = {}) {
  const presets = rulesPresets();
  const read = (source: "wishpond" | "qwilr", preset: string) => {
    const path = rules[source];
    if (!path) return presets[preset];
    try {
      return JSON.parse(readFileSync(resolve(baseDir, path), "utf8"));
    } catch (e) {
      throw runnerError(
        "CONFIG_INVALID",
        `/connections/${name}/rules/${source}: ${path} cannot be read as JSON (${(e as Error).message})`,
        { at: `/connections/${name}/rules/${source}` },
      );
    }
  };
  return { wishpond: read("wishpond", "wishpond-lead"), qwilr: read("qwilr", "qwilr-events") };
}

/** The runner's worker. */
export const runnerWorker: StartWorker = async (ctx) => {
  const { config, log, metrics } = ctx;
  const connections: WorkerConnection[] = Object.entries(await ctx.connections()).map(
    ([name, c]) => ({
      name,
      locationId: c.locationId,
      scopes: c.scopes ?? [],
      getToken: ctx.tokens.getter(name),
      baseUrl: config.ghl.baseUrl,
      rules: rulesOf(config.baseDir, name, c.rules),
    }),
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
  });
};
