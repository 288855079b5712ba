/**
 * The runner assembled: config -> vault -> store -> tokens -> HTTP server, worker and
 * schedules, each a dependency that tests can replace. The CLI (`cli.ts`) calls
 * `startRunner` with the store from `openStore()` and the worker from `worker/`.
 *
 * Roles: `all` (HTTP, worker and schedules in one process), `http` (intake only) and
 * `worker` (worker and schedules, no HTTP): any number of each share one store.
 */
import { randomBytes } from "node:crypto";
import type { ConnectionConfig, RunnerConfig } from "./config.js";
import type { Logger } from "./log.js";
import { periodic } from "./periodic.js";
import { createPollers } from "./pollers.js";
import { type Metrics, createMetrics } from "./metrics.js";
import { type Scheduler, createScheduler } from "./schedules.js";
import { DYNAMIC_CONNECTIONS, type RunnerServer, type Stoppable, startServer } from "./server.js";
import type { RunnerStore } from "./store/types.js";
import { type TokenManager, createTokenManager } from "./tokens.js";
import { createVault, parseVaultKey } from "./vault.js";

/** What runs in this process. */
export type RunnerRole = "all" | "http" | "worker";

/** What a worker gets (the worker module's `startWorker` takes this). */
export interface WorkerContext {
  config: RunnerConfig;
  store: RunnerStore;
  tokens: TokenManager;
  log: Logger;
  metrics: Metrics;
  /** This process's id in leases. */
  holder: string;
  /** Every connection: the config's and those added by INSTALL webhooks. */
  connections(): Promise<Record<string, ConnectionConfig>>;
  /** The fetch source API reads use (the Qwilr page read; default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

/** Starts a worker (the store developer's `worker/` module, or a test's). */
export type StartWorker = (ctx: WorkerContext) => Promise<Stoppable> | Stoppable;

/** Options of `startRunner`. */
export interface RunnerOptions {
  config: RunnerConfig;
  store: RunnerStore;
  log: Logger;
  role?: RunnerRole;
  startWorker?: StartWorker;
  /** Runs the schedules in this process (default: roles `all` and `worker`). */
  schedules?: boolean;
  /** The package's folder (the console widget and the core it loads: `GET /console/`). */
  consoleDir?: string;
  fetch?: typeof fetch;
  now?: () => number;
}

/** A running runner. */
export interface Runner {
  server?: RunnerServer;
  tokens: TokenManager;
  scheduler?: Scheduler;
  metrics: Metrics;
  /** Graceful stop (intake first, then worker and schedules, then the store). */
  stop(): Promise<void>;
}

/** Starts the runner's parts for `role`. */
export async function startRunner(options: RunnerOptions): Promise<Runner> {
  const { config, store, log } = options;
  const role = options.role ?? "all";
  for (const s of config.secretValues) log.secret(s);
  const vault = createVault(parseVaultKey(config.vault.key, "/vault/key"));
  const holder = `${role}-${process.pid}-${randomBytes(4).toString("hex")}`;
  const metrics = createMetrics();
  let installed: Record<string, ConnectionConfig> = {};
  const refreshInstalled = async () => {
    installed = ((await store.getValue(DYNAMIC_CONNECTIONS)) as typeof installed | undefined) ?? {};
    return installed;
  };
  await refreshInstalled();
  const tokens = createTokenManager({
    config,
    store,
    vault,
    log,
    holder,
    fetch: options.fetch,
    now: options.now,
    extraConnections: () => installed,
  });
  const services: Stoppable[] = [];
  let scheduler: Scheduler | undefined;
  const shared = { config, store, tokens, log, metrics, holder };
  if (role !== "http" && options.startWorker) {
    services.push(
      await options.startWorker({
        ...shared,
        fetch: options.fetch,
        connections: async () => ({ ...config.connections, ...(await refreshInstalled()) }),
      }),
    );
  }
  if (options.schedules ?? role !== "http") {
    scheduler = createScheduler({
      ...shared,
      now: options.now,
      fetch: options.fetch,
      extraConnections: () => installed,
    });
    scheduler.start();
    services.push(scheduler);
    // Pollers produce intake like the endpoints do; they run where the schedules run.
    const pollers = createPollers({ ...shared, now: options.now, fetch: options.fetch });
    pollers.start();
    services.push(pollers);
    // OAuth tokens renewed ahead of expiry (single-flight across processes, see tokens.ts).
    const renew = periodic(() => tokens.refreshDue(), 60_000);
    renew.start();
    services.push(renew);
  }
  let server: RunnerServer | undefined;
  if (role !== "worker") {
    server = await startServer({
      config,
      store,
      tokens,
      log,
      metrics,
      services,
      now: options.now,
      consoleDir: options.consoleDir,
      // "Send now" in the console: this process's scheduler, or an unstarted one (role http).
      reports:
        scheduler ??
        createScheduler({
          ...shared,
          now: options.now,
          fetch: options.fetch,
          extraConnections: () => installed,
        }),
    });
  }
  let stopping: Promise<void> | undefined;
  return {
    server,
    tokens,
    scheduler,
    metrics,
    stop() {
      stopping ??= (async () => {
        if (server) return server.close();
        for (const s of services) await s.stop();
        await store.close();
      })();
      return stopping;
    },
  };
}
