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
  RateBudget,
  SampleEvent,
  Source,
  StatisticsState,
  TagFinding,
  TagsState,
} from "./backend.js";
import { backendError } from "./backend.js";
import { S } from "./strings.js";

// biome-ignore lint/suspicious/noExplicitAny: the core's JSON (typed in pkg/, not in this bundle)
type Any = any;

/**
 * A dry run's requests as shown (the core's dry run: its headers without Authorization):
 * the first stage's, then each later stage's (`later`, planned by the core before the
 * answers it needs: placeholders such as `{upsert.contact.id}` name them; the package's
 * `DryRunStage`s, or what the runner keeps of them), each request with its stage, and
 * the later stages' warnings after the first's (once each). `next` (the stages named only) is kept
 * when no later stage is shown.
 */
export function dryRunOf(
  eventId: string,
  requests: Any[],
  next: string[] = [],
  warnings: string[] = [],
  later: Any[] = [],
): DryRunResult {
  const stages = [{ stage: 1, requests }, ...later];
  const shown = stages.flatMap((s) =>
    (s.requests as Any[]).map((r) => ({
      step: r.step,
      stage: s.stage as number,
      method: r.method ?? "",
      url: r.url,
      headers: r.headers ?? {},
      body: r.body ?? null,
    })),
  );
  const upsert = shown.find((r) => r.step === "upsert")?.body as Record<string, unknown> | null;
  const match = upsert ? ((upsert.email ?? upsert.phone ?? null) as string | null) : null;
  // Who people will recognise: the name the rules mapped, as the upsert writes it.
  const name = [upsert?.firstName, upsert?.lastName].filter((x) => typeof x === "string" && x);
  return {
    eventId,
    requests: shown,
    match,
    name: name.join(" ") || null,
    next: later.length ? [] : next,
    // A later stage is planned again from the event: its mapping warnings repeat the first's.
    warnings: [...new Set([...warnings, ...later.flatMap((s) => s.flowPlan?.warnings ?? [])])],
    error: null,
  };
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

/** A plan's event id: a later stage's plan id is `<eventId>#<stage>` (the core's). */
export function eventIdOf(planId: string): string {
  return planId.replace(/#\d+$/, "");
}

/**
 * What people call an event (the one place; samples, activity and dead letters use it):
 * a Wishpond lead by its email, a Qwilr proposal by its name (and who accepted it).
 */
export function eventLabel(event: SampleEvent["event"]): string {
  const p = (event?.payload ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const email = String(p.lead?.email ?? p.contact?.email ?? p.acceptance?.email ?? "").trim();
  const type = String(event?.type ?? "");
  if (!type.startsWith("qwilr.")) return S.wishpondEventLabel(email);
  // `qwilr.pageAccepted` -> "accepted".
  const verb = type
    .slice("qwilr.".length)
    .replace(/^page/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .trim();
  return S.qwilrEventLabel(String(p.page?.name ?? "").trim(), verb, email);
}

/** Where a plan's event came from and what people call it. */
export interface EventOrigin {
  source: Source | null;
  label: string;
}

/**
 * Names plans by the events `known` (the samples the backend saw): their label, else
 * `hint` (who the plan's requests name, e.g. the upsert's email) with a short id (a
 * Qwilr event's id is a 64-character hash: shown cut).
 */
export function originsOf(
  known: readonly { event: SampleEvent["event"]; source: Source; label?: string }[],
): (planId: string, hint?: string | null) => EventOrigin {
  const byId = new Map(known.map((k) => [k.event.id, k]));
  return (planId, hint) => {
    const id = eventIdOf(planId);
    const k = byId.get(id);
    if (k) return { source: k.source, label: k.label ?? eventLabel(k.event) };
    const source: Source | null = id.startsWith("wishpond")
      ? "wishpond"
      : id.startsWith("qwilr")
        ? "qwilr"
        : null;
    const short = id.length > 16 ? `${id.slice(0, 8)}…` : id;
    return { source, label: hint ? S.hintedEventLabel(hint, short) : S.unknownEventLabel(short) };
  };
}

/** The outbox's dead letters, named by `origin`. */
export function deadLettersOf(
  raw: readonly OutboxDeadLetter[],
  origin: (planId: string) => EventOrigin,
): DeadLetter[] {
  return raw.map((d) => toDeadLetter(d, origin(d.planId)));
}

/** The outbox's failure log as activity entries. */
export function failuresOf(
  log: readonly OutboxLogEntry[],
  origin: (planId: string) => EventOrigin,
): ActivityEntry[] {
  return log.map((l) => ({
    at: new Date(l.at).toISOString(),
    planId: l.planId,
    ...origin(l.planId),
    step: l.step,
    kind: l.outcome === "dead" ? "dead" : "failed",
    status: l.status ?? null,
    ghlMessage: l.ghlMessage ?? null,
    traceId: l.traceId ?? null,
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
  origin: (planId: string) => EventOrigin,
): ActivityEntry[] {
  return filterActivity([...failuresOf(log, origin), ...progress], filter);
}

/**
 * A location's stored rate budget (the core's `OutboxBudget`, kept with its outbox
 * records under ` rate-budget:<location>`) as the gauges show it at `now`: the sends
 * still in the burst window, and the day's use when the stored day is today (UTC).
 * Null: no budget stored yet (nothing sent), every figure unknown.
 */
export function rateOf(budget: Any | null | undefined, now: number): RateBudget {
  if (!budget || typeof budget.max !== "number")
    return {
      burstMax: null,
      burstRemaining: null,
      intervalMs: null,
      dailyMax: null,
      dailyRemaining: null,
    };
  const sent = ((budget.sends ?? []) as number[]).filter(
    (t) => t > now - budget.intervalMs && t <= now,
  ).length;
  const today = Math.floor(now / 86_400_000);
  const usedToday = budget.day === today ? Number(budget.dailyUsed ?? 0) : 0;
  return {
    burstMax: budget.max,
    burstRemaining: Math.max(0, budget.max - sent),
    intervalMs: budget.intervalMs,
    dailyMax: budget.dailyMax,
    dailyRemaining: Math.max(0, budget.dailyMax - usedToday),
  };
}

/** True when a stored budget says the location is parked (a 429, the daily limit) at `now`. */
export function parkedAt(budget: Any | null | undefined, now: number): boolean {
  return typeof budget?.parkedUntil === "number" && budget.parkedUntil > now;
}

/** An outbox status; `budget` the location's stored rate budget (absent: unknown). */
export function statusOf(
  counts: OutboxStatus["counts"],
  mode: OutboxStatus["mode"],
  state: OutboxStatus["state"],
  budget: Any | null = null,
  now = Date.now(),
): OutboxStatus {
  return { counts, rate: rateOf(budget, now), state, mode };
}

// ---------------------------------------------------------------- tags

/** A tag a rules document names: its value and where (`rule:<source>/tagRules/<i>/<add|remove>`). */
export interface TagReference {
  value: string;
  source: string;
}

/** The catalog tags the rules documents name (templates such as `campaign: {campaign.name}` name none). */
export function tagReferences(docs: Partial<Record<string, unknown>>): TagReference[] {
  const refs: TagReference[] = [];
  for (const [source, doc] of Object.entries(docs)) {
    const rules = ((doc as Any)?.tagRules ?? []) as Any[];
    rules.forEach((r, i) => {
      for (const key of ["add", "remove"]) {
        for (const v of (Array.isArray(r?.[key]) ? r[key] : []) as unknown[]) {
          if (typeof v === "string" && !v.includes("{"))
            refs.push({ value: v, source: `rule:${source}/tagRules/${i}/${key}` });
        }
      }
    });
  }
  return refs;
}

/** A finding's fix that can be made from here: the rules naming `from` name `to` instead. */
export interface TagFix {
  from: string[];
  to: string;
}

/**
 * The core's tag catalog and validation report as the Tags panel shows them, with the
 * fixes (by finding id) that can be made from here. GHL's API cannot change
 * social-planner tags: what can be fixed is what the rules documents reference (point
 * them at the live tag); anything else is a manual step in HighLevel, in words.
 */
export function tagsStateOf(
  catalog: readonly Any[],
  report: Any,
  loadedAt: string,
  docs: Partial<Record<Source, unknown>>,
): { state: TagsState; fixes: Map<string, TagFix> } {
  const fixes = new Map<string, TagFix>();
  const findings = ((report?.findings ?? []) as Any[]).map((f, i): TagFinding => {
    const id = `finding-${i}`;
    const names = (f.tags as Any[]).map((t) => String(t.name));
    const where = [...new Set((f.tags as Any[]).flatMap((t) => t.sources as string[]))];
    const p = f.proposal as { action: string; name?: string; suggestion?: string };
    let fix: TagFinding["fix"] = null;
    const to = p.name;
    const candidate = to ? { from: names.filter((n) => n !== to), to } : null;
    // Offered only where the rules would change (a rule names a variant, not `to` itself).
    if (
      (p.action === "replaceWith" || p.action === "useCanonical") &&
      candidate &&
      where.some((s) => s.startsWith("rule:")) &&
      Object.keys(rulesWithTagFixed(docs, candidate)).length > 0
    ) {
      fix = { label: S.tagFixLabel(candidate.to) };
      fixes.set(id, candidate);
    }
    const manual = fix
      ? null
      : S.tagManual(p.action, names[0] ?? "", p.suggestion ?? p.name ?? "", where);
    return { id, kind: f.kind, tags: names, message: f.message, fix, manual };
  });
  return {
    state: {
      tags: catalog.map((t) => ({ id: t._id, name: t.tag, deleted: Boolean(t.deleted) })),
      findings,
      loadedAt,
    },
    fixes,
  };
}

/** The rules documents `fix` changes (only those), each with `fix.from` replaced by `fix.to`. */
export function rulesWithTagFixed(
  docs: Partial<Record<Source, unknown>>,
  fix: TagFix,
): Partial<Record<Source, unknown>> {
  const lower = new Set(fix.from.map((n) => n.trim().toLowerCase()));
  const out: Partial<Record<Source, unknown>> = {};
  for (const source of ["wishpond", "qwilr"] as Source[]) {
    const doc = JSON.parse(JSON.stringify(docs[source] ?? null)) as Any;
    let changed = false;
    for (const r of (doc?.tagRules ?? []) as Any[]) {
      for (const key of ["add", "remove"]) {
        if (!Array.isArray(r?.[key])) continue;
        r[key] = r[key].map((v: unknown) => {
          if (typeof v === "string" && v !== fix.to && lower.has(v.trim().toLowerCase())) {
            changed = true;
            return fix.to;
          }
          return v;
        });
      }
    }
    if (changed) out[source] = doc;
  }
  return out;
}

/**
 * Runs a finding's fix (`fixTag`, every backend): the rules documents it changes saved
 * through `io.save`, then the report read again. `NOT_SUPPORTED` for a finding
 * without one (only a manual step).
 */
export async function fixTagWith(
  findingId: string,
  io: {
    fixes: () => Map<string, TagFix>;
    tags: () => Promise<TagsState>;
    documents: () => Promise<Partial<Record<Source, unknown>>>;
    save: (source: Source, doc: unknown) => Promise<unknown>;
  },
): Promise<TagsState> {
  if (io.fixes().size === 0) await io.tags();
  const fix = io.fixes().get(findingId);
  if (!fix)
    throw backendError("NOT_SUPPORTED", "this finding has no fix that can be made from here");
  for (const [source, doc] of Object.entries(rulesWithTagFixed(await io.documents(), fix)))
    await io.save(source as Source, doc);
  return io.tags();
}
