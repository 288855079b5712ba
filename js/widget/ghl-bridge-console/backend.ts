/**
 * The one interface through which `<ghl-bridge-console>` reads and changes state.
 *
 * Three implementations exist or are planned, and the element does not know which it has:
 * - `DirectBackend` (`direct-backend.ts`): the package in the page, a token provider,
 *   storage through the package's IndexedDB adapter (trusted places only).
 * - `ExtensionBackend` (the browser extension): each method is one message to its service
 *   worker, answered with the same JSON.
 * - a runner backend: each method is one HTTP call to `ghl-bridge serve`.
 *
 * Rules every implementation keeps:
 * - Every method is async and takes and returns plain JSON (no class instances, no
 *   functions, no `Date`, no `undefined` inside arrays), so it survives `postMessage`,
 *   `chrome.runtime.sendMessage` and `JSON.stringify` unchanged.
 * - A token goes IN (`connect`) and never comes back OUT: no method returns it, puts it in
 *   an error, a log entry, an event or a stored record.
 * - A failure rejects with a `BackendError`-shaped object (`{code, message, details?}`):
 *   `code` is the package's stable error code (`MISSING_SCOPE`, `GHL_HTTP_ERROR`...) or
 *   one of `BACKEND_CODES`; `message` is for
 *   logs; the element turns `code` and `details` into words a marketer uses.
 * - A method a backend cannot do (e.g. Qwilr webhooks without a public intake URL)
 *   rejects with `NOT_SUPPORTED`; the element shows the panel's manual steps instead.
 */

/** Staging: dry runs only, nothing sent to GHL. Production: the outbox delivers. */
export type Mode = "staging" | "production";

/** The sources the console configures. */
export type Source = "wishpond" | "qwilr";

/** The flows whose scopes the Connection panel checks. */
export type FlowName =
  | "location"
  | "contacts"
  | "tags"
  | "socialTags"
  | "statistics"
  | "customFields";

/** A failure as every backend reports it (JSON). */
export interface BackendError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

// ---------------------------------------------------------------- connection

/** What `connect` takes. The token is write-only: it is never returned. */
export interface ConnectInput {
  /** A Private Integration Token (or an OAuth access token). Omit to keep the stored one. */
  token?: string;
  locationId: string;
}

/** The connection as the element shows it (never the token). */
export interface ConnectionState {
  connected: boolean;
  locationId: string | null;
  /** The location's name, once `testConnection` read it. */
  locationName: string | null;
  /** Where the token came from: typed in, OAuth through the runner, the host's provider. */
  tokenSource: "pit" | "oauth" | "provider" | null;
  /** ISO time of the last successful test, or null. */
  checkedAt: string | null;
}

/** One scope one flow needs, and whether the token has it. */
export interface ScopeCheck {
  scope: string;
  /** `granted`: GHL accepted it; `missing`: GHL said the token is not authorized; `unknown`: not checked (network error...). */
  status: "granted" | "missing" | "unknown";
}

/** A flow's needs against the token's scopes. */
export interface FlowScopes {
  flow: FlowName;
  scopes: ScopeCheck[];
  /** True when every scope is granted. */
  ready: boolean;
}

/** The result of "Test connection": the location read, and the scopes per flow. */
export interface ConnectionTest {
  ok: boolean;
  location: { id: string; name: string; timezone?: string } | null;
  flows: FlowScopes[];
  /** Set when the location could not be read. */
  error: BackendError | null;
  connection: ConnectionState;
}

// ---------------------------------------------------------------- sources

/** Source settings as shown (credentials never returned, only whether they are set). */
export interface SourcesState {
  wishpond: {
    apiKeySet: boolean;
    /** The site key the capture snippet uses. */
    siteKey: string | null;
    /** The URL the capture script posts to (`data-intake`), or null when this backend has none. */
    intakeUrl: string | null;
    poll: { lastPollAt: string | null; lastLeadAt: string | null; lastError: BackendError | null };
  };
  qwilr: {
    tokenSet: boolean;
    subscriptions: QwilrSubscriptionInfo[];
    lastEventAt: string | null;
    /** True when this backend can create webhook subscriptions (it has a public URL). */
    canSubscribe: boolean;
    /** Why the subscriptions could not be read (Qwilr refused the token...), or null. */
    subscriptionsError?: BackendError | null;
  };
}

/** One Qwilr webhook subscription: Qwilr's id, the event (`pageAccepted`...), where Qwilr posts. */
export interface QwilrSubscriptionInfo {
  id: string;
  event: string;
  url: string;
}

/** A change of source settings; credentials are write-only. */
export interface SourcesPatch {
  wishpond?: { apiKey?: string; siteKey?: string | null };
  qwilr?: { token?: string };
}

// ---------------------------------------------------------------- rules and samples

/** The rules documents by source (see the package's `rules.schema.json`). */
export interface RulesState {
  documents: Partial<Record<Source, unknown>>;
  /** ISO time of the last save, or null (presets). */
  savedAt: string | null;
}

/** A recent event seen by the backend, usable as a mapping sample and in a dry run. */
export interface SampleEvent {
  /** The flows event: `{type, id, payload, locationId?}`. */
  event: { type: string; id: string; payload: Record<string, unknown>; locationId?: string };
  source: Source;
  /** ISO time it was seen. */
  seenAt: string;
  /** A short label (e.g. "Lead ada@example.com, Spring campaign"). */
  label: string;
}

/** A location custom field (the mapping editor's `customFields`). */
export interface CustomField {
  id: string;
  name: string;
  dataType: string;
  fieldKey?: string;
}

// ---------------------------------------------------------------- go live

/** One request a dry run would send (the Authorization header is never included). */
export interface PreviewRequest {
  step: string;
  /** The flow's stage: 1 is sent first; a later one once HighLevel answered the one before. */
  stage: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** What a dry run shows: the exact requests, nothing sent. */
export interface DryRunResult {
  eventId: string;
  requests: PreviewRequest[];
  /** Which contact the event will match (email/phone), when the plan says. */
  match: string | null;
  /** The contact's name as the upsert writes it ("Jane Doe"), when the rules map one. */
  name?: string | null;
  /** Later stages named only (their requests are not shown), for people. */
  next?: string[];
  /** Warnings of the planner (tags dropped, values doubtful...), for people. */
  warnings?: string[];
  error: BackendError | null;
}

/** The mode, and what production delivers. */
export interface ModeState {
  mode: Mode;
  /** ISO time production started, or null. */
  since: string | null;
  /** What runs in production (human labels: "Wishpond leads -> contacts"...). */
  running: string[];
}

// ---------------------------------------------------------------- activity

/**
 * Outbox counts, as the package's `outbox.counts()`, in deliveries: an event whose flow
 * comes in stages (the location's tags read first, then the contact written) is one
 * delivery per stage, each later stage counted when it is accepted. Every backend
 * shows the core's counts as they are, so the figures agree wherever they are read.
 */
export interface OutboxCounts {
  /** Deliveries accepted (a staged flow: one per stage; duplicates not counted). */
  accepted: number;
  /** Deliveries neither delivered nor dead. */
  pending: number;
  /** Requests on the wire. */
  inFlight: number;
  /** Deliveries done. */
  done: number;
  /** Deliveries in dead plans. */
  dead: number;
}

/** The location's rate budget (from GHL's `X-RateLimit-*` headers). */
export interface RateBudget {
  burstMax: number | null;
  burstRemaining: number | null;
  intervalMs: number | null;
  dailyMax: number | null;
  dailyRemaining: number | null;
}

/** The outbox now. */
export interface OutboxStatus {
  counts: OutboxCounts;
  rate: RateBudget;
  /** `running`, `paused` (auth: fix the token), `parked` (budget used up, resumes alone), `stopped`. */
  state: "running" | "paused" | "parked" | "stopped";
  mode: Mode;
}

/** One entry of the activity log. */
export interface ActivityEntry {
  at: string;
  planId: string;
  /** What people call the event (a lead's email, a proposal's name: `eventLabel`). */
  label: string;
  step: string | null;
  kind: "queued" | "sent" | "done" | "failed" | "dead" | "info";
  /** HTTP status GHL answered, when there was an answer. */
  status: number | null;
  /** GHL's own message (scrubbed), when it sent one. */
  ghlMessage: string | null;
  traceId: string | null;
  source: Source | null;
  /** A staged event (dry run, nothing sent): the exact requests it would send, every stage's. */
  requests?: PreviewRequest[];
  /** A staged event: later stages named only (their requests are not shown). */
  next?: string[];
}

/** Filters of the activity log; omitted fields match everything. */
export interface ActivityFilter {
  kind?: ActivityEntry["kind"][];
  source?: Source;
  text?: string;
  limit?: number;
}

/** A plan that cannot be delivered until someone acts. */
export interface DeadLetter {
  planId: string;
  at: string;
  /** The package's reason code: `REJECTED`, `RETRIES_EXHAUSTED`, `MISSING_SCOPE`... */
  reason: string;
  status: number | null;
  ghlMessage: string | null;
  traceId: string | null;
  source: Source | null;
  label: string;
}

// ---------------------------------------------------------------- tags

/** One social-planner tag. */
export interface CatalogTag {
  id: string;
  name: string;
  deleted: boolean;
}

/** One finding of the tag validation report, with what can fix it. */
export interface TagFinding {
  id: string;
  /** The core's finding kind: `caseOrSpaceVariants`, `deletedReferenced`, `unknownReference`, `blankName`, `overlongName`. */
  kind: string;
  /** The tag names concerned. */
  tags: string[];
  /** The core's sentence for people. */
  message: string;
  /** A fix that can be made from here (run by `fixTag`), or null when only a manual step exists. */
  fix: { label: string } | null;
  /** The manual step, in words. */
  manual: string | null;
}

/** The catalog and the validation report. */
export interface TagsState {
  tags: CatalogTag[];
  findings: TagFinding[];
  loadedAt: string | null;
}

// ---------------------------------------------------------------- statistics

/** A 7-day total against the previous 7 days (the core's `WeeklyTotal`). */
export interface StatTotal {
  metric: string;
  /** `linkedin`, `all`, or a host name such as `wishpond`. */
  platform: string;
  /** Who measured it: `ghl`, `wishpond`, `qwilr`. */
  source: string;
  value: number;
  previous: number | null;
  change: { absolute: number | null; percent: number | null } | null;
}

/** One daily value (the core's `MetricPoint`). */
export interface StatPoint {
  metric: string;
  platform: string;
  source: string;
  value: number;
  /** `YYYY-MM-DD`. */
  date: string;
}

/** The statistics the dashboard draws (the core's series, GHL and host metrics merged). */
export interface StatisticsState {
  /** The 7 days of the period, `YYYY-MM-DD`, oldest first. */
  days: string[];
  totals: StatTotal[];
  points: StatPoint[];
  /** Sentences for people about data that did not fit. */
  warnings: string[];
  /** ISO time the statistics were read. */
  asOf: string;
}

/** The weekly report, rendered by the core. */
export interface ReportPreview {
  markdown: string;
  csv: string;
  slack: unknown;
}

/**
 * Where "Send now" sends the weekly report: a Slack incoming-webhook URL (the same shape
 * as a report target of the runner's config). The URL is a secret: never returned,
 * logged or put in an error.
 */
export interface ReportTarget {
  slack: { webhookUrl: string };
}

/** What "Send now" did. */
export interface ReportSent {
  sentAt: string;
  to: string[];
}

// ---------------------------------------------------------------- change notices

/** A notice a backend pushes when state changed outside a call (outbox progress...). */
export type BackendChange =
  | { kind: "outbox"; status: OutboxStatus }
  | { kind: "activity"; entry: ActivityEntry }
  | { kind: "connection"; connection: ConnectionState }
  | { kind: "mode"; mode: ModeState };

/** The backend interface. Every method: async, JSON in, JSON out. */
export interface ConsoleBackend {
  /** Which implementation this is (for the element's wording only). */
  readonly kind: "direct" | "extension" | "runner";

  /** The connection now (never the token). */
  connection(): Promise<ConnectionState>;
  /** Stores the token (write-only) and location; does not test them. */
  connect(input: ConnectInput): Promise<ConnectionState>;
  /** Reads the location and checks each flow's scopes against GHL. */
  testConnection(): Promise<ConnectionTest>;
  /** Forgets the token. */
  disconnect(): Promise<ConnectionState>;

  /** Source settings and status. */
  sources(): Promise<SourcesState>;
  /** Changes source settings (credentials write-only). */
  saveSources(patch: SourcesPatch): Promise<SourcesState>;
  /** The Qwilr webhook subscriptions, as Qwilr lists them (`NOT_SUPPORTED` without a Qwilr API). */
  qwilrSubscriptions(): Promise<QwilrSubscriptionInfo[]>;
  /**
   * Subscribes this backend's webhook URL to each of `events` (Qwilr's names:
   * `pageAccepted`, `pageViewed`...; one subscription per event, none made twice);
   * resolves with the sources after it. `NOT_SUPPORTED` when Qwilr cannot reach this
   * backend (no public URL).
   */
  subscribeQwilr(events: string[]): Promise<SourcesState>;
  /** Removes one subscription by Qwilr's id; resolves with the sources after it. */
  unsubscribeQwilr(id: string): Promise<SourcesState>;

  /** The rules documents (presets until saved). */
  rules(): Promise<RulesState>;
  /** Validates and saves one source's document; rejects `RULES_INVALID` with `details.problems`. */
  saveRules(source: Source, document: unknown): Promise<RulesState>;
  /** Recent events, newest first (the mapping samples and dry-run inputs). */
  samples(source?: Source): Promise<SampleEvent[]>;
  /** The location's contact custom fields. */
  customFields(): Promise<CustomField[]>;

  /** The dry run of one event with the saved rules: the exact requests, nothing sent. */
  dryRun(event: SampleEvent["event"]): Promise<DryRunResult>;
  /** The mode now. */
  mode(): Promise<ModeState>;
  /** Switches mode; production requires `confirm: true` (else `CONFIRMATION_REQUIRED`). */
  setMode(mode: Mode, options?: { confirm?: boolean }): Promise<ModeState>;
  /** Hands an event to the pipeline: dry run in staging, the outbox in production. */
  deliver(
    event: SampleEvent["event"],
  ): Promise<{ planId: string; queued: boolean; dryRun: DryRunResult | null }>;

  /** The outbox's counts, rate budget and state. */
  outboxStatus(): Promise<OutboxStatus>;
  /** The activity log, newest first. */
  activity(filter?: ActivityFilter): Promise<ActivityEntry[]>;
  /** The dead letters. */
  deadLetters(): Promise<DeadLetter[]>;
  /** Retries one dead letter. */
  retry(planId: string): Promise<OutboxStatus>;
  /** Retries every dead letter; resolves with how many. */
  retryAll(): Promise<{ retried: number; status: OutboxStatus }>;

  /** The social-planner tag catalog and the validation report. */
  tags(): Promise<TagsState>;
  /** Runs a finding's fix (when `fix` is not null). */
  fixTag(findingId: string): Promise<TagsState>;

  /** The statistics (7 days against the previous 7, per platform, series). */
  statistics(): Promise<StatisticsState>;
  /** The weekly report (Markdown, CSV, Slack blocks), nothing sent. */
  reportPreview(): Promise<ReportPreview>;
  /**
   * Sends the weekly report now: to `target` (a Slack incoming-webhook URL the person
   * entered), or, without one, to the targets this backend has configured (the runner's
   * config, the extension's options). Rejects `INVALID_ARGUMENT` for a URL that is not
   * https (http only on loopback), `NOT_SUPPORTED` when there is nowhere to send, and
   * `REPORT_NOT_SENT` when the receiver refused it (its HTTP status in `details.status`).
   */
  sendReportNow(target?: ReportTarget): Promise<ReportSent>;

  /** Optional: pushes changes; returns an unsubscribe function. The element polls without it. */
  watch?(listener: (change: BackendChange) => void): () => void;
}

/** The codes the backends add to the package's own. */
export const BACKEND_CODES = [
  "NOT_CONNECTED",
  "NOT_SUPPORTED",
  "CONFIRMATION_REQUIRED",
  "QWILR_TOKEN_NEEDED",
  "REPORT_NOT_SENT",
] as const;

/** Makes a `BackendError` (plain JSON, safe to post across contexts). */
export function backendError(
  code: string,
  message: string,
  details?: Record<string, unknown>,
): BackendError {
  return details === undefined ? { code, message } : { code, message, details };
}

/** The scopes each flow needs (one place; the Connection panel and every backend read it). */
export const FLOW_SCOPES: Record<FlowName, string[]> = {
  location: ["locations.readonly"],
  contacts: ["contacts.readonly", "contacts.write"],
  tags: ["locations/tags.readonly", "locations/tags.write"],
  customFields: ["locations/customFields.readonly"],
  socialTags: ["socialplanner/tag.readonly"],
  statistics: ["socialplanner/account.readonly", "socialplanner/statistics.readonly"],
};
