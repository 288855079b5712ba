/**
 * The service worker's side of `extensionBackend()`: each `ConsoleBackend` method of the
 * console widget arrives as one message (`ghl-bridge/console`, method and arguments)
 * and is answered here with the interface's JSON, from the worker's own engine (the
 * token, the outbox, the pollers stay here). The token goes in (`connect`) and never
 * comes out. What an extension cannot do (Qwilr webhooks need a public URL: it polls
 * instead; tag fixes) rejects with `NOT_SUPPORTED`.
 */
import { createClient, validateRules } from "../../../pkg/entries/slim.js";
import type {
  ActivityEntry,
  ActivityFilter,
  BackendError,
  ConnectInput,
  ConnectionState,
  ConnectionTest,
  DeadLetter,
  DryRunResult,
  FlowName,
  Mode,
  ModeState,
  OutboxStatus,
  ReportPreview,
  RulesState,
  SampleEvent,
  Source,
  SourcesPatch,
  SourcesState,
  StatisticsState,
} from "../../widget/ghl-bridge-console/backend.js";
import { FLOW_SCOPES } from "../../widget/ghl-bridge-console/backend.js";
import { toBackendError } from "../../widget/ghl-bridge-console/direct-backend.js";
import type { ConsoleMethod } from "../../widget/ghl-bridge-console/remote-backend.js";
import { probeScopes } from "../../widget/ghl-bridge-console/scope-probe.js";
import {
  dryRunOf,
  type EventOrigin,
  originsOf,
  outboxActivity,
  toDeadLetter,
} from "../../widget/ghl-bridge-console/shapes.js";
import { type Engine, engine, restartEngine, resumeAfterNewToken } from "./engine.js";
import { loadReportState, sendReport } from "./report.js";
import {
  KEYS,
  loadActivity,
  loadPaused,
  loadSettings,
  loadSourceStatus,
  saveSecrets,
  saveSettings,
  secretsSet,
} from "./store.js";

const err = (code: string, message: string, details?: Record<string, unknown>): BackendError =>
  details ? { code, message, details } : { code, message };

/** A thrown value as the interface's error (the package's scrubbed fields only). */
export const asBackendError = toBackendError;

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);
const local = chrome.storage.local;
async function get<T>(key: string, fallback: T): Promise<T> {
  return ((await local.get(key))[key] as T | undefined) ?? fallback;
}

async function running(): Promise<Engine> {
  const e = await engine();
  if (!e) throw err("NOT_CONNECTED", "no GHL location and token are set");
  return e;
}

interface Check {
  locationName: string | null;
  checkedAt: number | null;
}

async function connection(): Promise<ConnectionState> {
  const s = await loadSettings();
  const set = await secretsSet();
  const check = await get<Check>(KEYS.connectionCheck, { locationName: null, checkedAt: null });
  return {
    connected: !!s.locationId && set.ghlToken,
    locationId: s.locationId || null,
    locationName: check.locationName,
    tokenSource: set.ghlToken ? "pit" : null,
    checkedAt: iso(check.checkedAt),
  };
}

const ALL_SCOPES = [...new Set(Object.values(FLOW_SCOPES).flat())];

async function testConnection(): Promise<ConnectionTest> {
  const e = await running();
  const locationId = e.settings.locationId;
  // Every scope listed for the probes, so GHL (not the package) decides each one.
  const probe = createClient({ ...e.connection, scopes: ALL_SCOPES });
  const send = (op: string, params: Record<string, unknown>) =>
    probe.send(op as never, params as never);
  let location: ConnectionTest["location"] = null;
  let error: BackendError | null = null;
  try {
    const { data } = await send("locations.get-location", { path: { locationId } });
    const l = ((data as { location?: unknown })?.location ?? data) as {
      id?: string;
      name?: string;
    };
    location = { id: l.id ?? locationId, name: l.name ?? locationId };
  } catch (x) {
    error = asBackendError(x);
  }
  const refused = error?.details?.status === 401;
  const found = refused
    ? {}
    : await probeScopes(
        send,
        locationId,
        ALL_SCOPES.filter((s) => s !== "locations.readonly"),
      );
  if (location) found["locations.readonly"] = "granted";
  const flows = (Object.keys(FLOW_SCOPES) as FlowName[]).map((flow) => {
    const scopes = FLOW_SCOPES[flow].map((scope) => ({ scope, status: found[scope] ?? "unknown" }));
    return { flow, scopes, ready: scopes.every((s) => s.status === "granted") };
  });
  if (location) {
    await local.set({
      [KEYS.connectionCheck]: { locationName: location.name, checkedAt: Date.now() },
    });
    // The outbox checks scopes before sending: give it what GHL granted.
    const granted = ALL_SCOPES.filter((s) => found[s] === "granted");
    if (granted.length) {
      await saveSettings({ scopes: [...new Set([...e.settings.scopes, ...granted])] });
      await restartEngine();
    }
  }
  return { ok: !!location, location, flows, error, connection: await connection() };
}

async function sources(): Promise<SourcesState> {
  const s = await loadSettings();
  const set = await secretsSet();
  const st = await loadSourceStatus(s);
  return {
    wishpond: {
      apiKeySet: set.wishpondApiKey,
      siteKey: null,
      intakeUrl: null,
      poll: {
        lastPollAt: iso(st.wishpond.lastPollAt),
        lastLeadAt: iso(st.wishpond.lastFoundAt),
        lastError: st.wishpond.lastError ? err("SOURCE_API_ERROR", st.wishpond.lastError) : null,
      },
    },
    qwilr: {
      tokenSet: set.qwilrToken,
      subscriptions: [],
      lastEventAt: iso(st.qwilr.lastFoundAt),
      canSubscribe: false,
    },
  };
}

async function rules(): Promise<RulesState> {
  return get<RulesState>(KEYS.rules, { documents: {}, savedAt: null });
}

async function outboxStatus(): Promise<OutboxStatus> {
  const s = await loadSettings();
  const e = await engine();
  const rate = e?.client.rateLimit() as Record<string, number | undefined> | null | undefined;
  return {
    counts: e?.outbox.counts() ?? { accepted: 0, pending: 0, inFlight: 0, done: 0, dead: 0 },
    rate: {
      burstMax: rate?.max ?? null,
      burstRemaining: rate?.remaining ?? null,
      intervalMs: rate?.intervalMs ?? null,
      dailyMax: rate?.dailyLimit ?? null,
      dailyRemaining: rate?.dailyRemaining ?? null,
    },
    state: !e ? "stopped" : (await loadPaused()) ? "paused" : "running",
    mode: s.mode,
  };
}

/** Where each polled event came from and what people call it (from the samples). */
async function origins(): Promise<(planId: string) => EventOrigin> {
  return originsOf(await get<SampleEvent[]>(KEYS.samples, []));
}

/** The worker's last events about a plan, in the console's kinds. */
const CONSOLE_KIND: Partial<Record<string, ActivityEntry["kind"]>> = {
  delivered: "done",
  queued: "queued",
};

async function activity(filter: ActivityFilter = {}): Promise<ActivityEntry[]> {
  const e = await running();
  const origin = await origins();
  // The progress the worker recorded (queued again, delivered), beside GHL's answers.
  const progress: ActivityEntry[] = (await loadActivity()).flatMap((a) => {
    const kind = CONSOLE_KIND[a.kind];
    if (!a.planId || !kind) return [];
    return [
      {
        at: new Date(a.at).toISOString(),
        planId: a.planId,
        ...origin(a.planId),
        step: null,
        kind,
        status: null,
        ghlMessage: null,
        traceId: null,
      },
    ];
  });
  return outboxActivity(e.outbox.log(), progress, filter, origin);
}

async function deadLetters(): Promise<DeadLetter[]> {
  const e = await running();
  const origin = await origins();
  return e.outbox.deadLetters().map((d) => toDeadLetter(d, origin(d.planId)));
}

async function dryRun(event: SampleEvent["event"]): Promise<DryRunResult> {
  const e = await running();
  try {
    const r = await e.flows.run(event, { dryRun: true });
    // The console's one shape of a dry run: every stage's requests, the warnings.
    return dryRunOf(
      r.eventId,
      r.requests,
      r.flowPlan.then ?? [],
      r.flowPlan.warnings ?? [],
      r.later,
    );
  } catch (x) {
    return { eventId: event.id, requests: [], match: null, error: asBackendError(x) };
  }
}

async function mode(): Promise<ModeState> {
  const s = await loadSettings();
  const running = [
    s.wishpond.enabled ? "Wishpond leads -> contacts" : null,
    s.qwilr.enabled ? "Qwilr accepted pages -> contacts" : null,
    s.report.enabled ? "Weekly report -> Slack" : null,
  ].filter((x): x is string => x !== null);
  return { mode: s.mode, since: iso(s.modeSince), running: s.mode === "production" ? running : [] };
}

async function statisticsRun(e: Engine) {
  const r = await e.flows.run({
    type: "statistics.requested",
    id: `statistics-console-${Date.now()}`,
    payload: { trigger: "dashboard", title: "Weekly social report" },
  });
  if (r.failed) throw asBackendError(r.failed.error);
  return (r.outcome?.result ?? {}) as {
    series: { days: { date: string }[]; totals: unknown[]; points: unknown[]; warnings?: string[] };
    markdown: string;
    csv: string;
    slack: unknown;
  };
}

type Method = (...args: never[]) => Promise<unknown>;

/** The methods, by the interface's names (every one: `CONSOLE_METHODS`). */
const METHODS: Record<ConsoleMethod, Method> = {
  connection,
  async connect(input: ConnectInput) {
    if (typeof input?.locationId !== "string" || !input.locationId.trim())
      throw err("INVALID_ARGUMENT", "connect: locationId must be a non-empty string");
    await saveSettings({ locationId: input.locationId.trim() });
    if (input.token) await saveSecrets({ ghlToken: input.token });
    await restartEngine();
    if (input.token) await resumeAfterNewToken();
    return connection();
  },
  testConnection,
  async disconnect() {
    await saveSecrets({ ghlToken: "" });
    await restartEngine();
    return connection();
  },
  sources,
  async saveSources(patch: SourcesPatch) {
    await saveSecrets({ wishpondApiKey: patch?.wishpond?.apiKey, qwilrToken: patch?.qwilr?.token });
    return sources();
  },
  async qwilrSubscriptions() {
    throw err("NOT_SUPPORTED", "the extension has no Qwilr webhook subscriptions");
  },
  async subscribeQwilr() {
    throw err(
      "NOT_SUPPORTED",
      "the extension has no public URL for Qwilr's webhooks: it polls accepted pages instead",
    );
  },
  async unsubscribeQwilr() {
    throw err("NOT_SUPPORTED", "the extension has no Qwilr webhook subscriptions");
  },
  rules,
  async saveRules(source: Source, document: unknown) {
    if (source !== "wishpond" && source !== "qwilr")
      throw err("INVALID_ARGUMENT", "saveRules: source must be wishpond or qwilr");
    const problems = validateRules(document);
    if (problems.length)
      throw err("RULES_INVALID", "the rules document has problems", { problems });
    const now = await rules();
    const next = {
      documents: { ...now.documents, [source]: document },
      savedAt: new Date().toISOString(),
    };
    await local.set({ [KEYS.rules]: next });
    await restartEngine();
    return next;
  },
  async samples(source?: Source) {
    const all = await get<SampleEvent[]>(KEYS.samples, []);
    return source ? all.filter((s) => s.source === source) : all;
  },
  async customFields() {
    const e = await running();
    return (await e.client.customFields()).customFields.map((f) => ({
      id: f.id,
      name: f.name ?? f.id,
      dataType: f.dataType ?? "TEXT",
      ...(f.fieldKey ? { fieldKey: f.fieldKey } : {}),
    }));
  },
  dryRun,
  mode,
  async setMode(m: Mode, options?: { confirm?: boolean }) {
    if (m !== "staging" && m !== "production")
      throw err("INVALID_ARGUMENT", "setMode: staging or production");
    if (m === "production" && !options?.confirm)
      throw err("CONFIRMATION_REQUIRED", "going live sends events to GHL: confirm it");
    await saveSettings({ mode: m, modeSince: Date.now() });
    await restartEngine();
    return mode();
  },
  async deliver(event: SampleEvent["event"]) {
    const e = await running();
    if (e.settings.mode !== "production")
      return { planId: event.id, queued: false, dryRun: await dryRun(event) };
    const r = await e.outbox.acceptFlow(e.flows.plan(event));
    return { planId: r.planId, queued: r.disposition.kind !== "duplicate", dryRun: null };
  },
  outboxStatus,
  activity,
  deadLetters,
  async retry(planId: string) {
    await (await running()).outbox.retrigger(planId);
    return outboxStatus();
  },
  async retryAll() {
    const retried = await (await running()).outbox.retriggerAll();
    return { retried, status: await outboxStatus() };
  },
  async tags() {
    throw err("NOT_SUPPORTED", "the tag catalog is not available in the extension yet");
  },
  async fixTag() {
    throw err("NOT_SUPPORTED", "the tag catalog is not available in the extension yet");
  },
  async statistics(): Promise<StatisticsState> {
    const { series } = await statisticsRun(await running());
    return {
      days: series.days.map((d) => d.date),
      totals: series.totals as StatisticsState["totals"],
      points: series.points as StatisticsState["points"],
      warnings: series.warnings ?? [],
      asOf: new Date().toISOString(),
    };
  },
  async reportPreview(): Promise<ReportPreview> {
    const { markdown, csv, slack } = await statisticsRun(await running());
    return { markdown, csv, slack };
  },
  async sendReportNow(target?: unknown) {
    if (target !== undefined && target !== null)
      throw err(
        "NOT_SUPPORTED",
        "the extension sends the report to the Slack URL set in its options",
      );
    await sendReport(await running(), "dashboard");
    const r = await loadReportState();
    if (r.lastError) throw err("REPORT_NOT_SENT", r.lastError);
    return { sentAt: iso(r.lastSentAt) ?? new Date().toISOString(), to: ["Slack"] };
  },
};

/** Runs one console method; resolves to its JSON, or rejects with a `BackendError`. */
export async function consoleCall(method: unknown, args: unknown): Promise<unknown> {
  const fn =
    typeof method === "string" && Object.hasOwn(METHODS, method)
      ? METHODS[method as ConsoleMethod]
      : undefined;
  if (!fn) throw err("NOT_SUPPORTED", `unknown console method ${String(method).slice(0, 64)}`);
  try {
    return await fn(...((Array.isArray(args) ? args : []) as never[]));
  } catch (e) {
    throw asBackendError(e);
  }
}

/** Keeps a polled event as a mapping sample (newest first, bounded). */
export async function addSample(sample: SampleEvent): Promise<void> {
  const all = await get<SampleEvent[]>(KEYS.samples, []);
  await local.set({
    [KEYS.samples]: [sample, ...all.filter((s) => s.event.id !== sample.event.id)].slice(0, 20),
  });
}
