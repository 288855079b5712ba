/**
 * `DirectBackend`: the console's backend with the package in the page. For trusted
 * places only (the extension's options page, a developer's own page): the token comes
 * from a token provider property (or is typed into the Connection panel and kept in
 * memory only), and the settings, rules and outbox live in the browser's IndexedDB
 * through the package's own adapter (`indexedDbStorage`).
 *
 * The Wasm core is imported on the first call that needs it (`core-loader.ts`).
 * Nothing here returns, logs or stores a token: settings records hold the location and
 * the scopes found, never the token; errors leave as the package's scrubbed
 * `GhlBridgeError` fields (`code`, `message`, `details`).
 */
import {
  type ActivityEntry,
  type ActivityFilter,
  type BackendChange,
  type BackendError,
  type ConnectInput,
  type ConnectionState,
  type ConnectionTest,
  type ConsoleBackend,
  type CustomField,
  type DeadLetter,
  type DryRunResult,
  FLOW_SCOPES,
  type FlowName,
  type Mode,
  type ModeState,
  type OutboxStatus,
  type QwilrSubscriptionInfo,
  type ReportPreview,
  type ReportSent,
  type ReportTarget,
  type RulesState,
  type SampleEvent,
  type ScopeCheck,
  type Source,
  type SourcesPatch,
  type SourcesState,
  type StatisticsState,
  type TagsState,
  backendError,
} from "./backend.js";
import { type Core, loadCore, loadIndexedDbStorage } from "./core-loader.js";
import { withExamples } from "./samples.js";
import { probeScopes } from "./scope-probe.js";
import {
  deadLettersOf,
  dryRunOf,
  eventLabel,
  type OutboxDeadLetter,
  originsOf,
  outboxActivity,
  fixTagWith,
  statisticsOf,
  type TagFix,
  tagReferences,
  tagsStateOf,
} from "./shapes.js";

/** Options of `new DirectBackend()`. */
export interface DirectBackendOptions {
  /** The host's current token (e.g. the extension's stored PIT). Never called for display. */
  tokenProvider?: () => string | Promise<string>;
  /** The location, when known up front. */
  locationId?: string;
  /** GHL's API base URL (default: GHL's; http only on loopback, e.g. an emulator). */
  baseUrl?: string;
  /** Where the package's web entry is (default: beside the widget's folder). */
  coreUrl?: string;
  /** Prefix of the IndexedDB database names (default `ghl-bridge-console`). */
  storageName?: string;
  /** The capture intake URL the page snippet posts to (`data-intake`), if any. */
  intakeUrl?: string;
  /** The capture script's URL for the snippet (default: the package's `capture/capture.js`). */
  captureScriptUrl?: string;
  /** The clock (ms); defaults to `Date.now`. */
  now?: () => number;
  /** The outbox's `config` (`maxAttempts`, `backoffBaseMs`...; GHL's documented limits by default). */
  outboxConfig?: Record<string, unknown>;
  /**
   * Qwilr's webhook subscriptions from the Sources panel: `webhookUrl` is the public URL
   * Qwilr posts to (e.g. a runner's `/hooks/qwilr/<secret>`; this page receives nothing
   * itself), `baseUrl` Qwilr's API (default Qwilr's; http only on loopback, e.g. the
   * emulator), `tokenProvider` the API token (else the one typed in the Sources panel,
   * kept in memory only). Without this option the panel shows the manual steps.
   */
  qwilr?: {
    webhookUrl?: string;
    baseUrl?: string;
    tokenProvider?: () => string | Promise<string>;
  };
  /** The fetch for Qwilr's API and the report's Slack webhook (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

interface Settings {
  locationId: string | null;
  locationName: string | null;
  checkedAt: string | null;
  tokenSource: ConnectionState["tokenSource"];
  granted: string[] | null;
  mode: Mode;
  since: string | null;
  rules: Partial<Record<Source, unknown>>;
  rulesSavedAt: string | null;
  siteKey: string | null;
  wishpondKeySet: boolean;
  qwilrTokenSet: boolean;
  samples: SampleEvent[];
}

const ALL_SCOPES = [...new Set(Object.values(FLOW_SCOPES).flat())];
const REPORT_TITLE = "Weekly social report";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * A webhook URL the person typed, checked: https, or http on loopback (a local test
 * receiver). The URL is a secret: errors never repeat it.
 */
export function webhookUrl(text: unknown): string {
  let u: URL | null = null;
  try {
    u = new URL(String(text ?? "").trim());
  } catch {
    u = null;
  }
  const ok =
    u !== null &&
    (u.protocol === "https:" || (u.protocol === "http:" && LOOPBACK.has(u.hostname))) &&
    u.username === "" &&
    u.password === "";
  if (!ok || u === null)
    throw backendError(
      "INVALID_ARGUMENT",
      "the Slack webhook URL must be a whole https:// address (as Slack shows it)",
      { argument: "target.slack.webhookUrl" },
    );
  return u.href;
}

/** 32 random bytes as hex (the platform's generator). */
function randomHex(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
const MAX_SAMPLES = 20;
const MAX_ACTIVITY = 500;
const SETTINGS_KEY = "console-settings";

// biome-ignore lint/suspicious/noExplicitAny: values of the package (typed in pkg/)
type Any = any;

/** A thrown value as the interface's JSON error (the package's fields, nothing else). */
export function toBackendError(e: unknown): BackendError {
  const x = e as { code?: unknown; message?: unknown; details?: unknown };
  const code = typeof x?.code === "string" ? x.code : "INTERNAL";
  const message = typeof x?.message === "string" ? x.message : String(e);
  const details =
    x?.details && typeof x.details === "object"
      ? (JSON.parse(JSON.stringify(x.details)) as Record<string, unknown>)
      : undefined;
  return backendError(code, message, details);
}

/**
 * The flows' config for a token with these scopes (every host of the console's flows
 * uses it): tagging a contact in GHL creates a missing location tag anyway, so with
 * `locations/tags.write` the flow plans the upsert at once instead of reading the
 * location's tags first (without it, a tag the location lacks is dropped).
 */
export function flowConfig(scopes: readonly string[]): { allowCreateLocationTags: boolean } {
  return { allowCreateLocationTags: scopes.includes("locations/tags.write") };
}

/** The backend with the package in the page. */
export class DirectBackend implements ConsoleBackend {
  readonly kind = "direct" as const;
  #tokenProvider: (() => string | Promise<string>) | null;
  readonly #opts: DirectBackendOptions;
  #now: () => number;
  #token: string | null = null;
  #settings: Settings;
  #settingsLoaded: Promise<void> | null = null;
  #store: Any = null;
  #client: Any = null;
  #outbox: Any = null;
  #outboxLoading: Promise<Any> | null = null;
  #activity: ActivityEntry[] = [];
  #listeners = new Set<(c: BackendChange) => void>();
  #parked = false;
  #paused = false;
  #findingFixes = new Map<string, TagFix>();
  /** The client of the last connection test (its answers read the rate budget too). */
  #probeClient: Any = null;
  /** The Qwilr API token typed in the Sources panel (memory only, never stored). */
  #qwilrToken: string | null = null;

  constructor(options: DirectBackendOptions = {}) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.#tokenProvider = options.tokenProvider ?? null;
    this.#settings = {
      locationId: options.locationId ?? null,
      locationName: null,
      checkedAt: null,
      tokenSource: options.tokenProvider ? "provider" : null,
      granted: null,
      mode: "staging",
      since: null,
      rules: {},
      rulesSavedAt: null,
      siteKey: null,
      wishpondKeySet: false,
      qwilrTokenSet: false,
      samples: [],
    };
  }

  /** The host's token provider; set it before `connect` (or type a token in the panel). */
  get tokenProvider(): (() => string | Promise<string>) | null {
    return this.#tokenProvider;
  }

  /** Setting it changes where the token comes from: the panels are told (once the saved settings are read). */
  set tokenProvider(provider: (() => string | Promise<string>) | null) {
    this.#tokenProvider = provider;
    void this.#loadSettings().then(
      () => this.#emit({ kind: "connection", connection: this.#connectionState() }),
      () => {},
    );
  }

  // ------------------------------------------------------------------ plumbing

  #core(): Promise<Core> {
    return loadCore(this.#opts.coreUrl);
  }

  async #loadSettings(): Promise<void> {
    if (!this.#settingsLoaded) {
      this.#settingsLoaded = (async () => {
        const indexedDbStorage = await loadIndexedDbStorage(this.#opts.coreUrl);
        this.#store = await indexedDbStorage(
          `${this.#opts.storageName ?? "ghl-bridge-console"}-settings`,
        );
        const rows: { key: string; record: unknown }[] = await this.#store.load();
        const saved = rows.find((r) => r.key === SETTINGS_KEY)?.record as
          | Partial<Settings>
          | undefined;
        if (saved) {
          const keepLocation = this.#settings.locationId;
          Object.assign(this.#settings, saved);
          if (keepLocation && keepLocation !== saved.locationId) {
            this.#settings.locationId = keepLocation;
            this.#settings.granted = null;
            this.#settings.locationName = null;
          }
        }
      })();
      this.#settingsLoaded.catch(() => {
        this.#settingsLoaded = null;
      });
    }
    return this.#settingsLoaded;
  }

  async #saveSettings(): Promise<void> {
    await this.#loadSettings();
    // The settings record never holds a token (only whether one is set, and its hint).
    await this.#store.apply([{ op: "put", key: SETTINGS_KEY, record: this.#settings }]);
  }

  async #getToken(): Promise<string> {
    if (this.#token) return this.#token;
    if (this.tokenProvider) return await this.tokenProvider();
    throw backendError("NOT_CONNECTED", "no token: connect first");
  }

  #hasToken(): boolean {
    return this.#token !== null || this.tokenProvider !== null;
  }

  #scopes(): string[] {
    return this.#settings.granted ?? ALL_SCOPES;
  }

  #locationId(): string {
    const id = this.#settings.locationId;
    if (!id) throw backendError("NOT_CONNECTED", "no location: connect first");
    return id;
  }

  async #clientFor(scopes: string[] = this.#scopes()): Promise<Any> {
    const core = await this.#core();
    if (!this.#hasToken()) throw backendError("NOT_CONNECTED", "no token: connect first");
    return core.createClient({
      getToken: () => this.#getToken(),
      locationId: this.#locationId(),
      scopes,
      ...(this.#opts.baseUrl ? { baseUrl: this.#opts.baseUrl } : {}),
    });
  }

  async #theClient(): Promise<Any> {
    await this.#loadSettings();
    this.#client ??= await this.#clientFor();
    return this.#client;
  }

  async #rulesDocs(): Promise<Record<Source, unknown>> {
    const core = await this.#core();
    const presets = core.rulesPresets();
    return {
      wishpond: this.#settings.rules.wishpond ?? presets["wishpond-lead"],
      qwilr: this.#settings.rules.qwilr ?? presets["qwilr-events"],
    };
  }

  async #flows(): Promise<Any> {
    const core = await this.#core();
    const client = await this.#theClient();
    return core.createFlows({
      client,
      locationId: this.#locationId(),
      scopes: this.#scopes(),
      rules: await this.#rulesDocs(),
      config: flowConfig(this.#scopes()),
    });
  }

  #emit(change: BackendChange): void {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  #record(entry: ActivityEntry): void {
    this.#activity.unshift(entry);
    if (this.#activity.length > MAX_ACTIVITY) this.#activity.length = MAX_ACTIVITY;
    this.#emit({ kind: "activity", entry });
  }

  #originOf(planId: string) {
    return originsOf(this.#settings.samples)(planId);
  }

  async #theOutbox(): Promise<Any> {
    if (this.#outbox) return this.#outbox;
    this.#outboxLoading ??= (async () => {
      const core = await this.#core();
      await this.#loadSettings();
      const locationId = this.#locationId();
      const storage = await core.indexedDbStorage(
        `${this.#opts.storageName ?? "ghl-bridge-console"}-outbox-${locationId}`,
      );
      const outbox = await core.createOutbox({
        getToken: () => this.#getToken(),
        locationId,
        scopes: this.#scopes(),
        storage,
        autoStart: this.#settings.mode === "production",
        ...(this.#opts.outboxConfig ? { config: this.#opts.outboxConfig } : {}),
        ...(this.#opts.baseUrl ? { baseUrl: this.#opts.baseUrl } : {}),
        onEvent: (e: Any) => this.#onOutboxEvent(e),
      });
      this.#outbox = outbox;
      return outbox;
    })();
    try {
      return await this.#outboxLoading;
    } finally {
      this.#outboxLoading = null;
    }
  }

  #onOutboxEvent(e: Any): void {
    const at = new Date(this.#now()).toISOString();
    if (e.type === "progress") {
      if (e.kind === "done" || e.kind === "sent") this.#parked = false;
      this.#record({
        at,
        planId: e.planId,
        ...this.#originOf(e.planId),
        step: null,
        kind: e.kind,
        status: null,
        ghlMessage: null,
        traceId: null,
      });
      if (this.#outbox)
        void this.outboxStatus().then((status) => this.#emit({ kind: "outbox", status }));
    } else if (e.type === "locationParked") {
      this.#parked = true;
    } else if (e.type === "authPaused") {
      this.#paused = true;
    }
  }

  // ------------------------------------------------------------------ connection

  #connectionState(): ConnectionState {
    const s = this.#settings;
    return {
      connected: this.#hasToken() && s.locationId !== null,
      locationId: s.locationId,
      locationName: s.locationName,
      tokenSource: this.#hasToken() ? (this.#token ? "pit" : "provider") : null,
      checkedAt: s.checkedAt,
    };
  }

  async connection(): Promise<ConnectionState> {
    await this.#loadSettings();
    return this.#connectionState();
  }

  async connect(input: ConnectInput): Promise<ConnectionState> {
    await this.#loadSettings();
    const locationId = String(input?.locationId ?? "").trim();
    if (!locationId) throw backendError("INVALID_ARGUMENT", "connect: locationId is required");
    const token = typeof input.token === "string" ? input.token.trim() : "";
    if (token) this.#token = token;
    if (!this.#hasToken()) throw backendError("NOT_CONNECTED", "connect: a token is required");
    if (locationId !== this.#settings.locationId) {
      Object.assign(this.#settings, { locationName: null, checkedAt: null, granted: null });
      await this.#closeOutbox();
    }
    this.#settings.locationId = locationId;
    this.#client = null;
    await this.#saveSettings();
    const state = this.#connectionState();
    this.#emit({ kind: "connection", connection: state });
    return state;
  }

  async testConnection(): Promise<ConnectionTest> {
    await this.#loadSettings();
    const locationId = this.#locationId();
    // Every scope listed, so the package lets each probe reach GHL: GHL decides.
    const probeClient = await this.#clientFor(ALL_SCOPES);
    let location: ConnectionTest["location"] = null;
    let error: BackendError | null = null;
    try {
      const { data } = await probeClient.send("locations.get-location", { path: { locationId } });
      const l = (data?.location ?? data) as { id?: string; name?: string; timezone?: string };
      location = {
        id: l.id ?? locationId,
        name: l.name ?? locationId,
        ...(l.timezone ? { timezone: l.timezone } : {}),
      };
    } catch (e) {
      error = toBackendError(e);
    }
    const tokenRefused =
      error?.code === "GHL_HTTP_ERROR" &&
      error.details?.status === 401 &&
      !String((error.details?.messages as string[] | undefined) ?? "").includes(
        "not authorized for this scope",
      );
    const found: Record<string, ScopeCheck["status"]> = tokenRefused
      ? Object.fromEntries(ALL_SCOPES.map((s) => [s, "unknown" as const]))
      : {
          ...(await probeScopes(
            (op, p) => probeClient.send(op, p),
            locationId,
            ALL_SCOPES.filter((s) => s !== "locations.readonly"),
          )),
          "locations.readonly": location
            ? "granted"
            : error?.details?.status === 401
              ? "missing"
              : "unknown",
        };
    const flows = (Object.keys(FLOW_SCOPES) as FlowName[]).map((flow) => {
      const scopes = FLOW_SCOPES[flow].map((scope) => ({
        scope,
        status: found[scope] ?? "unknown",
      }));
      return { flow, scopes, ready: scopes.every((s) => s.status === "granted") };
    });
    this.#probeClient = probeClient;
    if (!tokenRefused) {
      this.#settings.granted = ALL_SCOPES.filter((s) => found[s] !== "missing");
      this.#client = null;
    }
    if (location) {
      this.#settings.locationName = location.name;
      this.#settings.checkedAt = new Date(this.#now()).toISOString();
    }
    await this.#saveSettings();
    const connection = this.#connectionState();
    this.#emit({ kind: "connection", connection });
    return { ok: location !== null && !tokenRefused, location, flows, error, connection };
  }

  async disconnect(): Promise<ConnectionState> {
    await this.#loadSettings();
    this.#token = null;
    this.#client = null;
    await this.#closeOutbox();
    Object.assign(this.#settings, { locationName: null, checkedAt: null, granted: null });
    await this.#saveSettings();
    const state = this.#connectionState();
    this.#emit({ kind: "connection", connection: state });
    return state;
  }

  async #closeOutbox(): Promise<void> {
    const o = this.#outbox;
    this.#outbox = null;
    if (o) await o.close();
  }

  // ------------------------------------------------------------------ sources

  async sources(): Promise<SourcesState> {
    await this.#loadSettings();
    const s = this.#settings;
    const last = (src: Source) =>
      s.samples.find((x) => x.source === src && !x.event.id.startsWith("example-"))?.seenAt ?? null;
    let subscriptions: QwilrSubscriptionInfo[] = [];
    let subscriptionsError: BackendError | null = null;
    if (this.#opts.qwilr && this.#hasQwilrToken()) {
      try {
        subscriptions = await this.qwilrSubscriptions();
      } catch (e) {
        subscriptionsError = toBackendError(e);
      }
    }
    return {
      wishpond: {
        apiKeySet: s.wishpondKeySet,
        siteKey: s.siteKey,
        intakeUrl: this.#opts.intakeUrl ?? null,
        poll: { lastPollAt: null, lastLeadAt: last("wishpond"), lastError: null },
      },
      qwilr: {
        tokenSet: s.qwilrTokenSet || this.#hasQwilrToken(),
        subscriptions,
        lastEventAt: last("qwilr"),
        canSubscribe: typeof this.#opts.qwilr?.webhookUrl === "string",
        subscriptionsError,
      },
    };
  }

  async saveSources(patch: SourcesPatch): Promise<SourcesState> {
    await this.#loadSettings();
    // No poller runs in a page: the Wishpond key is not used, only that one was given is
    // kept. The Qwilr token is kept in memory for the subscriptions, never stored.
    if (patch.wishpond?.apiKey) this.#settings.wishpondKeySet = true;
    if (patch.wishpond && "siteKey" in patch.wishpond) {
      const k = patch.wishpond.siteKey?.trim() ?? "";
      this.#settings.siteKey = k || null;
    }
    const qwilrToken = patch.qwilr?.token?.trim();
    if (qwilrToken) {
      this.#qwilrToken = qwilrToken;
      this.#settings.qwilrTokenSet = true;
    }
    await this.#saveSettings();
    return this.sources();
  }

  #hasQwilrToken(): boolean {
    return this.#qwilrToken !== null || typeof this.#opts.qwilr?.tokenProvider === "function";
  }

  /**
   * The package's Qwilr intake, used here for its subscription requests only (the core
   * builds them and reads Qwilr's answers; the unknowns of Qwilr's shapes stay there).
   * This page receives no webhook, so the intake's URL secret is a fresh random one that
   * nothing uses.
   */
  async #qwilr(): Promise<Any> {
    const q = this.#opts.qwilr;
    if (!q) throw backendError("NOT_SUPPORTED", "this console has no Qwilr API set up");
    const core = await this.#core();
    return core.createQwilrIntake({
      secret: randomHex(),
      getToken: async () => {
        const t = this.#qwilrToken ?? (q.tokenProvider ? await q.tokenProvider() : "");
        if (!t)
          throw backendError(
            "QWILR_TOKEN_NEEDED",
            "no Qwilr API token: type it in the Sources panel (this page keeps it in memory only)",
          );
        return t;
      },
      ...(q.baseUrl ? { config: { baseUrl: q.baseUrl } } : {}),
      ...(this.#opts.fetch ? { fetch: this.#opts.fetch } : {}),
    });
  }

  async qwilrSubscriptions(): Promise<QwilrSubscriptionInfo[]> {
    const intake = await this.#qwilr();
    const list = (await intake.subscriptions()) as {
      id: string;
      event: string;
      targetUrl: string;
    }[];
    return list.map((x) => ({ id: x.id, event: x.event, url: x.targetUrl }));
  }

  async subscribeQwilr(events: string[]): Promise<SourcesState> {
    if (!Array.isArray(events) || !events.every((e) => typeof e === "string" && e !== "")) {
      throw backendError(
        "INVALID_ARGUMENT",
        "subscribeQwilr: events must be a list of Qwilr event names",
        {
          argument: "events",
        },
      );
    }
    const url = this.#opts.qwilr?.webhookUrl;
    if (typeof url !== "string")
      throw backendError(
        "NOT_SUPPORTED",
        "Qwilr webhooks need a public URL: the runner receives them",
      );
    const intake = await this.#qwilr();
    const have = await this.qwilrSubscriptions();
    for (const event of new Set(events)) {
      if (have.some((x) => x.event === event && x.url === url)) continue;
      await intake.subscribe(event, url);
    }
    return this.sources();
  }

  async unsubscribeQwilr(id: string): Promise<SourcesState> {
    if (typeof id !== "string" || id === "")
      throw backendError("INVALID_ARGUMENT", "unsubscribeQwilr: id must be a subscription id", {
        argument: "id",
      });
    const intake = await this.#qwilr();
    await intake.unsubscribe(id);
    return this.sources();
  }

  // ------------------------------------------------------------------ rules

  async rules(): Promise<RulesState> {
    await this.#loadSettings();
    return { documents: await this.#rulesDocs(), savedAt: this.#settings.rulesSavedAt };
  }

  async saveRules(source: Source, document: unknown): Promise<RulesState> {
    if (source !== "wishpond" && source !== "qwilr") {
      throw backendError("INVALID_ARGUMENT", "saveRules: source must be wishpond or qwilr");
    }
    const core = await this.#core();
    await this.#loadSettings();
    const problems = core.validateRules(document);
    if (problems.length > 0) {
      throw backendError(
        "RULES_INVALID",
        `the ${source} rules have ${problems.length} problem(s)`,
        {
          problems: JSON.parse(JSON.stringify(problems)),
        },
      );
    }
    this.#settings.rules = {
      ...this.#settings.rules,
      [source]: JSON.parse(JSON.stringify(document)),
    };
    this.#settings.rulesSavedAt = new Date(this.#now()).toISOString();
    await this.#saveSettings();
    return this.rules();
  }

  async samples(source?: Source): Promise<SampleEvent[]> {
    await this.#loadSettings();
    return withExamples(this.#settings.samples, this.#now(), source);
  }

  async customFields(): Promise<CustomField[]> {
    const client = await this.#theClient();
    const { customFields } = await client.customFields();
    return (customFields as Any[]).map((f) => ({
      id: f.id,
      name: f.name,
      dataType: f.dataType,
      ...(f.fieldKey ? { fieldKey: f.fieldKey } : {}),
    }));
  }

  // ------------------------------------------------------------------ go live

  async dryRun(event: SampleEvent["event"]): Promise<DryRunResult> {
    const flows = await this.#flows();
    try {
      const preview = await flows.run(event, { dryRun: true });
      return dryRunOf(
        event.id,
        preview.requests,
        preview.flowPlan?.then ?? [],
        preview.flowPlan?.warnings ?? [],
        preview.later,
      );
    } catch (e) {
      return { eventId: event?.id ?? "", requests: [], match: null, error: toBackendError(e) };
    }
  }

  async mode(): Promise<ModeState> {
    await this.#loadSettings();
    const s = this.#settings;
    return {
      mode: s.mode,
      since: s.since,
      running:
        s.mode === "production"
          ? ["Wishpond leads → HighLevel contacts", "Qwilr proposals → HighLevel contacts"]
          : [],
    };
  }

  async setMode(mode: Mode, options: { confirm?: boolean } = {}): Promise<ModeState> {
    await this.#loadSettings();
    if (mode !== "staging" && mode !== "production") {
      throw backendError("INVALID_ARGUMENT", "setMode: mode must be staging or production");
    }
    if (mode === "production" && this.#settings.mode !== "production" && options.confirm !== true) {
      throw backendError("CONFIRMATION_REQUIRED", "going live needs confirm: true");
    }
    this.#settings.mode = mode;
    this.#settings.since = mode === "production" ? new Date(this.#now()).toISOString() : null;
    await this.#saveSettings();
    if (this.#outbox) {
      if (mode === "production") this.#outbox.start();
      else this.#outbox.stop();
    }
    const state = await this.mode();
    this.#emit({ kind: "mode", mode: state });
    return state;
  }

  async deliver(
    event: SampleEvent["event"],
  ): Promise<{ planId: string; queued: boolean; dryRun: DryRunResult | null }> {
    await this.#loadSettings();
    const source: Source = String(event?.type ?? "").startsWith("qwilr.") ? "qwilr" : "wishpond";
    this.#settings.samples = [
      { event, source, seenAt: new Date(this.#now()).toISOString(), label: eventLabel(event) },
      ...this.#settings.samples.filter((s) => s.event.id !== event.id),
    ].slice(0, MAX_SAMPLES);
    await this.#saveSettings();
    if (this.#settings.mode !== "production") {
      return { planId: event.id, queued: false, dryRun: await this.dryRun(event) };
    }
    const flows = await this.#flows();
    const { plan } = flows.plan(event);
    const outbox = await this.#theOutbox();
    const accepted = await outbox.accept(plan);
    return { planId: accepted.planId, queued: true, dryRun: null };
  }

  // ------------------------------------------------------------------ activity

  async outboxStatus(): Promise<OutboxStatus> {
    await this.#loadSettings();
    // The location's budget is shared: the freshest answer this page saw reads it.
    const rate = this.#client?.rateLimit?.() ?? this.#probeClient?.rateLimit?.() ?? null;
    const outbox = this.#settings.locationId && this.#hasToken() ? await this.#theOutbox() : null;
    const counts = outbox?.counts() ?? { accepted: 0, pending: 0, inFlight: 0, done: 0, dead: 0 };
    return {
      counts,
      rate: {
        burstMax: rate?.max ?? null,
        burstRemaining: rate?.remaining ?? null,
        intervalMs: rate?.intervalMs ?? null,
        dailyMax: rate?.dailyLimit ?? null,
        dailyRemaining: rate?.dailyRemaining ?? null,
      },
      state:
        this.#settings.mode !== "production" || !outbox
          ? "stopped"
          : this.#paused
            ? "paused"
            : this.#parked
              ? "parked"
              : "running",
      mode: this.#settings.mode,
    };
  }

  async activity(filter: ActivityFilter = {}): Promise<ActivityEntry[]> {
    const outbox = await this.#theOutbox();
    // Progress entries of failures duplicate the log's richer ones.
    const progress = this.#activity.filter((a) => a.kind !== "failed" && a.kind !== "dead");
    return outboxActivity(outbox.log(), progress, filter, originsOf(this.#settings.samples));
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const outbox = await this.#theOutbox();
    return deadLettersOf(
      outbox.deadLetters() as OutboxDeadLetter[],
      originsOf(this.#settings.samples),
    );
  }

  async retry(planId: string): Promise<OutboxStatus> {
    const outbox = await this.#theOutbox();
    await outbox.retrigger(planId);
    return this.outboxStatus();
  }

  async retryAll(): Promise<{ retried: number; status: OutboxStatus }> {
    const outbox = await this.#theOutbox();
    const retried = await outbox.retriggerAll();
    return { retried, status: await this.outboxStatus() };
  }

  // ------------------------------------------------------------------ tags

  async tags(): Promise<TagsState> {
    const core = await this.#core();
    const client = await this.#theClient();
    const catalog = core.createTagCatalog({ client, locationId: this.#locationId() });
    await catalog.load();
    const docs = await this.#rulesDocs();
    const { report } = await catalog.report(tagReferences(docs));
    const { state, fixes } = tagsStateOf(
      catalog.tags() as Any[],
      report,
      new Date(this.#now()).toISOString(),
      docs,
    );
    this.#findingFixes = fixes;
    return state;
  }

  fixTag(findingId: string): Promise<TagsState> {
    return fixTagWith(findingId, {
      fixes: () => this.#findingFixes,
      tags: () => this.tags(),
      documents: () => this.#rulesDocs(),
      save: (source, doc) => this.saveRules(source, doc),
    });
  }

  // ------------------------------------------------------------------ statistics

  #hostMetrics(): { metric: string; source: string; value: number; timestampMs: number }[] {
    return this.#activity
      .filter((a) => a.kind === "done" && a.source)
      .map((a) => ({
        metric: a.source === "qwilr" ? "acceptances" : "leads",
        source: a.source as string,
        value: 1,
        timestampMs: Date.parse(a.at),
      }));
  }

  async #statisticsRun(): Promise<Any> {
    const flows = await this.#flows();
    const report = await flows.run({
      type: "statistics.requested",
      id: `console-statistics-${this.#now()}-${Math.random().toString(36).slice(2)}`,
      payload: {
        trigger: "dashboard",
        title: REPORT_TITLE,
        hostMetrics: this.#hostMetrics(),
      },
    });
    if (report.failed) throw toBackendError(report.failed.error);
    const result = report.outcome?.result;
    if (result?.kind !== "statistics")
      throw backendError("STATS_NO_RESULT", "the statistics flow gave no series");
    return result;
  }

  async statistics(): Promise<StatisticsState> {
    const { series } = await this.#statisticsRun();
    return statisticsOf(series, new Date(this.#now()).toISOString());
  }

  async reportPreview(): Promise<ReportPreview> {
    const { markdown, csv, slack } = await this.#statisticsRun();
    return { markdown, csv, slack };
  }

  /**
   * Posts the weekly report (the core's Slack blocks, the same the preview shows) to the
   * Slack incoming-webhook URL the person entered, from this page. A page's own origin
   * must be allowed by the receiver (CORS): Slack's own hooks answer no preflight, so in a
   * plain web page this works through a relay that allows the origin; the extension's
   * pages (host permissions) post to Slack directly. Redirects are not followed.
   */
  async sendReportNow(target?: ReportTarget): Promise<ReportSent> {
    if (target?.slack?.webhookUrl === undefined)
      throw backendError(
        "NOT_SUPPORTED",
        "this console sends the report to a Slack incoming-webhook URL: enter one",
      );
    const url = webhookUrl(target.slack.webhookUrl);
    const { slack } = await this.#statisticsRun();
    const doFetch = this.#opts.fetch ?? globalThis.fetch.bind(globalThis);
    let res: Response;
    try {
      res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(slack),
        redirect: "manual",
      });
    } catch (e) {
      // Never the URL (a secret) in the error: only what failed.
      throw backendError("REPORT_NOT_SENT", "the Slack webhook could not be reached", {
        status: 0,
        reason: e instanceof Error ? e.name : "network",
      });
    }
    if (!res.ok)
      throw backendError("REPORT_NOT_SENT", `the Slack webhook answered HTTP ${res.status}`, {
        status: res.status,
      });
    return { sentAt: new Date(this.#now()).toISOString(), to: ["Slack"] };
  }

  watch(listener: (change: BackendChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the outbox and closes the storage (the element calls it when it is removed). */
  async close(): Promise<void> {
    await this.#closeOutbox();
    await this.#store?.close();
    this.#store = null;
    this.#settingsLoaded = null;
  }
}
