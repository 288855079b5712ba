/**
 * The core's data in the shapes of the `ConsoleBackend` interface: one place for each
 * shape, used by every backend (the in-page one shapes what the package gives it; the
 * runner's console API answers the core's raw data and `RunnerBackend` shapes it here).
 */
import type {
  ActivityEntry,
  ActivityFilter,
  DeadLetter,
  DryRunResult,
  OutboxStatus,
  SampleEvent,
  Source,
  StatisticsState,
} from "./backend.js";

// biome-ignore lint/suspicious/noExplicitAny: the core's JSON (typed in pkg/, not in this bundle)
type Any = any;

/** A dry run's requests as shown (the dry run is the core's: no Authorization header). */
export function dryRunOf(
  eventId: string,
  requests: Any[],
  next: string[] = [],
  warnings: string[] = [],
): DryRunResult {
  const shown = requests.map((r) => ({
    step: r.step,
    method: r.method ?? "",
    url: r.url,
    headers: { Version: "2021-07-28", "Content-Type": "application/json" },
    body: r.body ?? null,
  }));
  const upsert = shown.find((r) => r.step === "upsert")?.body as Record<string, unknown> | null;
  const match = upsert ? ((upsert.email ?? upsert.phone ?? null) as string | null) : null;
  return { eventId, requests: shown, match, next, warnings, error: null };
}

/** The core's statistics series as the dashboard draws it. */
export function statisticsOf(series: Any, asOf: string): StatisticsState {
  return {
    days: (series.days as Any[]).map((d) => d.date),
    totals: (series.totals as Any[]).map((t) => ({
      metric: t.metric,
      platform: t.platform,
      source: t.source,
      value: t.value,
      previous: t.previous ?? null,
      change: t.change ?? null,
    })),
    points: (series.points as Any[]).map((p) => ({
      metric: p.metric,
      platform: p.platform,
      source: p.source,
      value: p.value,
      date: p.date,
    })),
    warnings: series.warnings ?? [],
    asOf,
  };
}

/** An entry of the outbox's delivery log (`outbox.log()`), the fields the console shows. */
export interface OutboxLogEntry {
  at: number;
  planId: string;
  step: string;
  outcome: string;
  status?: number | null;
  ghlMessage?: string | null;
  traceId?: string | null;
}

/** A dead letter of the outbox (`outbox.deadLetters()`), the fields the console shows. */
export interface OutboxDeadLetter {
  planId: string;
  at: number;
  reason: string;
  status?: number | null;
  message?: string | null;
  traceId?: string | null;
}

/** An outbox dead letter as the console's, named by `origin` (where it came from, what people call it). */
export function toDeadLetter(
  d: OutboxDeadLetter,
  origin: { source: Source | null; label: string },
): DeadLetter {
  return {
    planId: d.planId,
    at: new Date(d.at).toISOString(),
    reason: d.reason,
    status: d.status ?? null,
    ghlMessage: d.message ?? null,
    traceId: d.traceId ?? null,
    ...origin,
  };
}

/** The outbox's dead letters, labelled by the samples seen. */
export function deadLettersOf(
  raw: readonly OutboxDeadLetter[],
  samples: SampleEvent[],
): DeadLetter[] {
  return raw.map((d) => {
    const sample = samples.find((s) => s.event.id === d.planId);
    return toDeadLetter(d, { source: sample?.source ?? null, label: sample?.label ?? d.planId });
  });
}

/** The outbox's failure log as activity entries. */
export function failuresOf(
  log: readonly OutboxLogEntry[],
  sourceOf: (planId: string) => Source | null,
): ActivityEntry[] {
  return log.map((l) => ({
    at: new Date(l.at).toISOString(),
    planId: l.planId,
    step: l.step,
    kind: l.outcome === "dead" ? "dead" : "failed",
    status: l.status ?? null,
    ghlMessage: l.ghlMessage ?? null,
    traceId: l.traceId ?? null,
    source: sourceOf(l.planId),
  }));
}

/** Newest first, filtered. */
export function filterActivity(entries: ActivityEntry[], filter: ActivityFilter): ActivityEntry[] {
  let all = [...entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  if (filter.kind?.length) all = all.filter((a) => filter.kind?.includes(a.kind));
  if (filter.source) all = all.filter((a) => a.source === filter.source);
  if (filter.text) {
    const t = filter.text.toLowerCase();
    all = all.filter((a) => JSON.stringify(a).toLowerCase().includes(t));
  }
  return all.slice(0, filter.limit ?? 200);
}

/**
 * The Activity panel's entries (every backend with an outbox: the page's, the
 * extension's worker): GHL's answers to failed attempts from the outbox's log beside
 * the host's `progress` entries, newest first, filtered as `filter` asks, bounded.
 */
export function outboxActivity(
  log: readonly OutboxLogEntry[],
  progress: readonly ActivityEntry[],
  filter: ActivityFilter,
  sourceOf: (planId: string) => Source | null,
): ActivityEntry[] {
  return filterActivity([...failuresOf(log, sourceOf), ...progress], filter);
}

/** An outbox status with no rate budget known (the budget lives where the outbox runs). */
export function statusOf(
  counts: OutboxStatus["counts"],
  mode: OutboxStatus["mode"],
  state: OutboxStatus["state"],
): OutboxStatus {
  return {
    counts,
    rate: {
      burstMax: null,
      burstRemaining: null,
      intervalMs: null,
      dailyMax: null,
      dailyRemaining: null,
    },
    state,
    mode,
  };
}
