/**
 * Schedules that run themselves: per connection, statistics on its interval and the
 * weekly report built (the package's flows: `statistics.requested`, its Markdown and
 * `statisticsSlack`) and sent to its targets (a Slack incoming-webhook POST; email over
 * SMTP with nodemailer).
 *
 * Invariants:
 * - Exactly one process runs a (job, period): `store.claimPeriod` decides, so N
 *   workers ticking at once run each statistics period once and send each report once
 *   per target. A period is the statistics interval's slot (`floor(now / everyMs)`) or
 *   the weekly slot's start (`nextRun` of the core minus one week).
 * - A weekly slot is caught up only within a day of its time (a runner started days
 *   later does not send old reports); a send that still fails after its retries is
 *   logged and counted, not repeated in another period.
 * - Nothing secret is logged: the Slack URL and the SMTP password are config secrets.
 */
import { randomBytes } from "node:crypto";
import { createClient, createFlows, nextRun, statisticsSlack } from "../entries/node.js";
import type { Schedule, Series } from "../wasm/types.js";
import type { ConnectionConfig, ReportTarget, RunnerConfig } from "./config.js";
import { runnerError } from "./errors.js";
import { type Logger, errorFields } from "./log.js";
import type { Metrics } from "./metrics.js";
import { periodic } from "./periodic.js";
import type { RunnerStore } from "./store/types.js";
import type { TokenManager } from "./tokens.js";

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A statistics run's result as the scheduler keeps it. */
export interface StatisticsResult {
  series: Series;
  markdown: string;
}

/** Options of `createScheduler`. */
export interface SchedulerOptions {
  config: Pick<RunnerConfig, "connections" | "reportTargets" | "ghl">;
  store: RunnerStore;
  tokens: TokenManager;
  log: Logger;
  metrics?: Metrics;
  holder?: string;
  now?: () => number;
  fetch?: typeof fetch;
  /** How often to look for due jobs (30 s). */
  tickMs?: number;
  /** Replaces the statistics run (tests; default: the package's flows against GHL). */
  statistics?: (
    connection: string,
    c: ConnectionConfig,
    title: string,
  ) => Promise<StatisticsResult>;
  /** Connections added by INSTALL webhooks. */
  extraConnections?: () => Record<string, ConnectionConfig>;
}

/** The scheduler. */
export interface Scheduler {
  /** Runs every due job once (what the timer calls); resolves when they are done. */
  tick(): Promise<void>;
  /** Starts the timer. */
  start(): void;
  /** Stops the timer and waits for a running tick. */
  stop(): Promise<void>;
  /**
   * Builds a connection's weekly report now and sends it to every target ("Send now" in
   * the console); outside the weekly period claims, so it never stops the scheduled one.
   */
  sendNow(connection: string): Promise<{ sentAt: string; to: string[] }>;
}

/** The weekly schedule of a connection's report, in the core's type. */
export function weeklySchedule(w: NonNullable<ConnectionConfig["weeklyReport"]>): Schedule {
  return {
    kind: "weekly",
    weekday: w.weekday,
    hour: w.hour,
    minute: w.minute,
    utcOffsetMinutes: w.utcOffsetMinutes,
  } as unknown as Schedule;
}

type Mailer = {
  sendMail(m: { from: string; to: string[]; subject: string; text: string }): Promise<unknown>;
};
type NodemailerModule = {
  createTransport(o: {
    host: string;
    port: number;
    secure: boolean;
    auth?: { user: string; pass: string };
  }): Mailer;
};

/** Creates the scheduler. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { config, store, tokens, log } = options;
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const holder = options.holder ?? `sched-${randomBytes(6).toString("hex")}`;
  const tickMs = options.tickMs ?? 30_000;

  async function defaultStatistics(
    name: string,
    c: ConnectionConfig,
    title: string,
  ): Promise<StatisticsResult> {
    const client = createClient({
      getToken: tokens.getter(name),
      locationId: c.locationId,
      scopes: c.scopes ?? [],
      baseUrl: config.ghl.baseUrl,
    } as Parameters<typeof createClient>[0]);
    const flows = createFlows({ client, locationId: c.locationId, scopes: c.scopes ?? [] });
    const run = await flows.run({
      type: "statistics.requested",
      id: `schedule-${name}-${now()}`,
      payload: { trigger: "schedule", title },
    } as unknown as Parameters<typeof flows.run>[0]);
    const result = run.outcome?.result as
      | { kind: string; series: Series; markdown: string }
      | undefined;
    if (run.failed || result?.kind !== "statistics")
      throw runnerError(
        "REPORT_SEND_FAILED",
        `statistics for ${name} failed: ${run.failed?.error.message ?? "no result"}`,
        { connection: name },
      );
    return { series: result.series, markdown: result.markdown };
  }
  const statistics = options.statistics ?? defaultStatistics;

  async function retry<T>(what: string, f: () => Promise<T>): Promise<T> {
    let last: unknown;
    for (let i = 0; i < 3; i++) {
      try {
        return await f();
      } catch (e) {
        last = e;
        await new Promise((r) => setTimeout(r, 200 * 2 ** i));
      }
    }
    throw runnerError(
      "REPORT_SEND_FAILED",
      `${what}: ${log.scrub(String((last as Error)?.message ?? last))}`,
      {},
    );
  }

  async function sendReport(
    targetName: string,
    target: ReportTarget,
    title: string,
    r: StatisticsResult,
  ) {
    if ("slack" in target) {
      const message = statisticsSlack(r.series, title);
      await retry(`slack report to ${targetName}`, async () => {
        const res = await doFetch(target.slack.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(message),
          redirect: "manual",
          signal: AbortSignal.timeout(15_000),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      });
    } else {
      const e = target.email;
      const name = "nodemailer";
      const nodemailer = (await import(name)) as NodemailerModule & { default?: NodemailerModule };
      const transport = (nodemailer.default ?? nodemailer).createTransport({
        host: e.host,
        port: e.port,
        secure: e.secure,
        auth: e.user && e.password ? { user: e.user, pass: e.password } : undefined,
      });
      await retry(`email report to ${targetName}`, () =>
        transport.sendMail({ from: e.from, to: e.to, subject: title, text: r.markdown }),
      );
    }
    options.metrics?.inc("ghl_bridge_reports_sent_total", { target: targetName });
    log.info("report sent", { target: targetName });
  }

  async function runConnection(name: string, c: ConnectionConfig) {
    const t = now();
    if (c.statistics) {
      const period = String(Math.floor(t / c.statistics.everyMs));
      if (await store.claimPeriod(`statistics:${name}`, period, holder)) {
        const r = await statistics(name, c, "Statistics");
        await store.setValue(`statistics:${name}:last`, {
          period,
          atMs: t,
          series: r.series,
        });
        log.info("statistics collected", { connection: name, period });
      }
    }
    if (c.weeklyReport) {
      const w = c.weeklyReport;
      const slot = nextRun(t, weeklySchedule(w)) - WEEK_MS;
      if (t - slot <= DAY_MS) {
        const period = new Date(slot).toISOString();
        // One claim per target: each gets the report once, whoever sends it.
        const mine: string[] = [];
        for (const target of w.targets)
          if (await store.claimPeriod(`report:${name}:${target}`, period, holder))
            mine.push(target);
        if (mine.length) {
          const r = await statistics(name, c, w.title);
          for (const target of mine) {
            try {
              await sendReport(target, config.reportTargets[target], w.title, r);
            } catch (e) {
              log.error("report not sent", {
                connection: name,
                target,
                period,
                error: errorFields(e),
              });
            }
          }
        }
      }
    }
  }

  async function tick() {
    const all = { ...config.connections, ...(options.extraConnections?.() ?? {}) };
    for (const [name, c] of Object.entries(all)) {
      try {
        await runConnection(name, c);
      } catch (e) {
        log.error("scheduled job failed", { connection: name, error: errorFields(e) });
      }
    }
  }

  async function sendNow(name: string) {
    const c = { ...config.connections, ...(options.extraConnections?.() ?? {}) }[name];
    const w = c?.weeklyReport;
    if (!c || !w)
      throw runnerError(
        "NOT_SUPPORTED",
        `connection ${name} has no weeklyReport (targets) in the runner's config`,
        { connection: name },
      );
    const r = await statistics(name, c, w.title);
    for (const target of w.targets)
      await sendReport(target, config.reportTargets[target], w.title, r);
    return { sentAt: new Date(now()).toISOString(), to: [...w.targets] };
  }

  return { tick, sendNow, ...periodic(tick, tickMs) };
}
