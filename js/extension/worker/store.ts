/**
 * What the worker keeps in `chrome.storage.local` (never `sync`): the settings, the
 * secrets, the sources' cursors, the pause, the last events and the report's state.
 * The outbox itself is in IndexedDB (`ghl-bridge-outbox`). Secrets are read here and
 * handed only to the package's `getToken` / `getApiKey` callbacks.
 */
import {
  type ActivityEntry,
  DEFAULT_SETTINGS,
  type Paused,
  type Request,
  SECRET_NAMES,
  type SecretName,
  type Secrets,
  type Settings,
  type SourceStatus,
} from "../shared/protocol.js";
import type { SampleEvent } from "../../widget/ghl-bridge-console/backend.js";
import { originsOf } from "../../widget/ghl-bridge-console/shapes.js";

/** The storage keys (one place). */
export const KEYS = {
  settings: "settings",
  secrets: "secrets",
  wishpondCursor: "wishpondCursor",
  qwilrState: "qwilrState",
  paused: "paused",
  activity: "activity",
  sources: "sourceStatus",
  report: "reportState",
  customFields: "customFields",
  connectionCheck: "connectionCheck",
  rules: "rules",
  samples: "samples",
  delivered: "delivered",
} as const;

/** How many "last events" are kept. */
export const ACTIVITY_CAPACITY = 50;

const local = () => chrome.storage.local;

async function read<T>(key: string): Promise<T | undefined> {
  const got = await local().get(key);
  return got[key] as T | undefined;
}

async function write(key: string, value: unknown): Promise<void> {
  await local().set({ [key]: value });
}

/** The settings, with defaults for anything missing. */
export async function loadSettings(): Promise<Settings> {
  const s = (await read<Partial<Settings>>(KEYS.settings)) ?? {};
  return {
    ...DEFAULT_SETTINGS,
    ...s,
    wishpond: { ...DEFAULT_SETTINGS.wishpond, ...s.wishpond },
    qwilr: { ...DEFAULT_SETTINGS.qwilr, ...s.qwilr },
    report: { ...DEFAULT_SETTINGS.report, ...s.report },
  };
}

type SaveRequest = Extract<Request, { type: "ghl-bridge/save" }>;

/** Merges changed settings in; returns the new settings. */
export async function saveSettings(patch: NonNullable<SaveRequest["settings"]>): Promise<Settings> {
  const s = await loadSettings();
  const next: Settings = {
    ...s,
    ...patch,
    wishpond: { ...s.wishpond, ...patch.wishpond },
    qwilr: { ...s.qwilr, ...patch.qwilr },
    report: { ...s.report, ...patch.report },
  };
  await write(KEYS.settings, next);
  return next;
}

/** One secret ("" when unset). */
export async function secret(name: SecretName): Promise<string> {
  const all = (await read<Partial<Secrets>>(KEYS.secrets)) ?? {};
  return all[name] ?? "";
}

/** Sets (or, with "", removes) secrets. */
export async function saveSecrets(patch: Partial<Secrets>): Promise<void> {
  const all = (await read<Partial<Secrets>>(KEYS.secrets)) ?? {};
  for (const name of SECRET_NAMES) {
    const v = patch[name];
    if (v === undefined) continue;
    const t = String(v).trim();
    if (t === "") delete all[name];
    else all[name] = t;
  }
  await write(KEYS.secrets, all);
}

/** Which secrets are set. */
export async function secretsSet(): Promise<Record<SecretName, boolean>> {
  const all = (await read<Partial<Secrets>>(KEYS.secrets)) ?? {};
  return Object.fromEntries(SECRET_NAMES.map((n) => [n, !!all[n]])) as Record<SecretName, boolean>;
}

export const loadPaused = () => read<Paused>(KEYS.paused).then((p) => p ?? null);
export const savePaused = (p: Paused | null) =>
  p ? write(KEYS.paused, p) : local().remove(KEYS.paused);

export const loadCursor = <T>(key: typeof KEYS.wishpondCursor | typeof KEYS.qwilrState) =>
  read<T>(key);
export const saveCursor = (
  key: typeof KEYS.wishpondCursor | typeof KEYS.qwilrState,
  value: unknown,
) => write(key, value);

const emptySource = (enabled: boolean): SourceStatus => ({
  enabled,
  lastPollAt: null,
  lastError: null,
  lastFound: 0,
  lastFoundAt: null,
});

export async function loadSourceStatus(
  settings: Settings,
): Promise<{ wishpond: SourceStatus; qwilr: SourceStatus }> {
  const s = (await read<Record<string, SourceStatus>>(KEYS.sources)) ?? {};
  return {
    wishpond: { ...emptySource(false), ...s.wishpond, enabled: settings.wishpond.enabled },
    qwilr: { ...emptySource(false), ...s.qwilr, enabled: settings.qwilr.enabled },
  };
}

/** Saves a source's last poll; `lastFoundAt` is kept unless the poll found events. */
export async function saveSourceStatus(
  source: "wishpond" | "qwilr",
  status: Omit<SourceStatus, "enabled" | "lastFoundAt"> & { lastFoundAt?: number },
): Promise<void> {
  const s = (await read<Record<string, SourceStatus>>(KEYS.sources)) ?? {};
  await write(KEYS.sources, { ...s, [source]: { ...s[source], ...status } });
}

export interface ReportState {
  nextRunAt: number | null;
  lastSentAt: number | null;
  lastError: string | null;
}
export const loadReportState = async (): Promise<ReportState> => ({
  nextRunAt: null,
  lastSentAt: null,
  lastError: null,
  ...(await read<ReportState>(KEYS.report)),
});
export const saveReportState = async (patch: Partial<ReportState>) =>
  write(KEYS.report, { ...(await loadReportState()), ...patch });

// The last events: appended in order (one writer at a time), newest last.
let activityChain: Promise<void> = Promise.resolve();

/** Appends one line to "the last events" (bounded). */
export function addActivity(
  kind: ActivityEntry["kind"],
  text: string,
  planId?: string,
): Promise<void> {
  activityChain = activityChain.then(async () => {
    const list = (await read<ActivityEntry[]>(KEYS.activity)) ?? [];
    list.push(planId ? { at: Date.now(), kind, text, planId } : { at: Date.now(), kind, text });
    await write(KEYS.activity, list.slice(-ACTIVITY_CAPACITY));
  });
  return activityChain.catch(() => undefined);
}

/** Counts one event delivered whole (in order with the last events). */
export function countDelivered(): Promise<void> {
  activityChain = activityChain.then(async () => {
    await write(KEYS.delivered, ((await read<number>(KEYS.delivered)) ?? 0) + 1);
  });
  return activityChain.catch(() => undefined);
}

/** How many events were delivered whole. */
export const loadDelivered = () => read<number>(KEYS.delivered).then((n) => n ?? 0);

export const loadActivity = () => read<ActivityEntry[]>(KEYS.activity).then((a) => a ?? []);

/**
 * What people call an event (`originsOf` in the console's shapes.ts: its sample's
 * label, the lead's email or the proposal's name). Every stage has its event's label.
 */
export async function labelFor(planId: string): Promise<string> {
  return originsOf((await read<SampleEvent[]>(KEYS.samples)) ?? [])(planId).label;
}

/** Removes everything the extension stored here (the outbox database is deleted by the caller). */
export const clearAll = () => local().clear();
