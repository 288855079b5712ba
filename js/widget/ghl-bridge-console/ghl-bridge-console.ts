/**
 * `<ghl-bridge-console>`: the console a marketer uses to connect HighLevel, set up the
 * sources, map fields, try events in staging, go live and watch delivery.
 *
 * Everything it reads and changes goes through one `ConsoleBackend` (`backend.ts`):
 * the `backend` property, or by default a `DirectBackend` (the package in the page,
 * with the `tokenProvider` property or a token typed in the Connection panel). The
 * panels are render functions in `panels/`; this class holds the state, the tabs, the
 * messages and the events. Shadow DOM; no globals; no token ever rendered or emitted.
 *
 * Events (all `bubbles` and `composed`; `detail` is plain JSON, never a token):
 * `ghl-connected` `{locationId, locationName}`, `ghl-disconnected` `{}`,
 * `ghl-rules-saved` `{source, savedAt}`, `ghl-mode-changed` `{mode}`,
 * `ghl-delivered` `{planId, queued}`, `ghl-tab-changed` `{tab}`,
 * `ghl-error` `{code, message, panel}` (`message` is the text shown to the person).
 */
import { LitElement, type PropertyValues, type TemplateResult, html } from "lit";
import type {
  ActivityEntry,
  ActivityFilter,
  BackendError,
  ConnectionState,
  ConnectionTest,
  ConsoleBackend,
  CustomField,
  DeadLetter,
  DryRunResult,
  Mode,
  ModeState,
  OutboxStatus,
  ReportPreview,
  RulesState,
  SampleEvent,
  Source,
  SourcesState,
  StatisticsState,
  TagsState,
} from "./backend.js";
import { type Core, defaultCoreUrl, loadCore } from "./core-loader.js";
import { DirectBackend, toBackendError } from "./direct-backend.js";
import { renderPanel, renderSignIn } from "./panels.js";
import { RunnerBackend } from "./runner-backend.js";
import { S, TABS, type TabKey, errorText } from "./strings.js";
import { styles } from "./styles.js";

/** The `detail` of each event the element dispatches. */
export interface GhlBridgeConsoleEventMap {
  "ghl-connected": CustomEvent<{ locationId: string; locationName: string | null }>;
  "ghl-disconnected": CustomEvent<Record<string, never>>;
  "ghl-rules-saved": CustomEvent<{ source: Source; savedAt: string | null }>;
  "ghl-mode-changed": CustomEvent<{ mode: Mode }>;
  "ghl-delivered": CustomEvent<{ planId: string; queued: boolean }>;
  "ghl-tab-changed": CustomEvent<{ tab: TabKey }>;
  "ghl-error": CustomEvent<{ code: string; message: string; panel: TabKey }>;
}

const TAB_KEYS = Object.keys(TABS) as TabKey[];
let instances = 0;

/** The console element. */
export class GhlBridgeConsole extends LitElement {
  static override styles = styles;
  static override properties = {
    endpoint: { type: String },
    locationId: { type: String, attribute: "location-id" },
    mode: { type: String, reflect: true },
    baseUrl: { type: String, attribute: "base-url" },
    coreUrl: { type: String, attribute: "core-url" },
    tab: { type: String, reflect: true },
    backend: { attribute: false },
    tokenProvider: { attribute: false },
    busy: { state: true },
    notice: { state: true },
    signIn: { state: true },
  };

  /** URL of a `ghl-bridge serve` runner (its backend comes with the runner). */
  declare endpoint: string | null;
  /** The GHL location (sub-account) id. */
  declare locationId: string | null;
  /** `staging` or `production`, reflected from the backend; setting `production` asks for confirmation. */
  declare mode: Mode;
  /** GHL API base URL for the default direct backend (e.g. an emulator on loopback). */
  declare baseUrl: string | null;
  /** Where the package's web entry is (default: beside this bundle's folder). */
  declare coreUrl: string | null;
  /** The open tab. */
  declare tab: TabKey;
  /** The backend; defaults to a `DirectBackend`. */
  declare backend: ConsoleBackend | null;
  /** The token provider of the default direct backend (trusted places only). */
  declare tokenProvider: (() => string | Promise<string>) | null;
  declare busy: string | null;
  declare notice: { text: string; error: boolean } | null;
  /** Set when the runner asks for a session: whether a password can open one. */
  declare signIn: { password: boolean } | null;

  /** Ids inside the shadow root (unique per instance, so two consoles in one page stay apart). */
  readonly uid = `gbc${++instances}`;

  // Panel state (not reactive properties: `refresh()` re-renders after changes).
  connection: ConnectionState | null = null;
  test: ConnectionTest | null = null;
  sourcesState: SourcesState | null = null;
  rulesState: RulesState | null = null;
  mapSource: Source = "wishpond";
  /** The document as the editor reports it (what "Save rules" saves). */
  mapDocument: unknown = null;
  /**
   * What the editor is given: set on load only, never fed back from its own events
   * (Lit re-assigns object bindings on every render; the same objects mean no change).
   */
  editorInput: { document: unknown; sample: unknown; samples: unknown[] } = {
    document: null,
    sample: null,
    samples: [],
  };
  mapProblems: unknown[] = [];
  samplesList: SampleEvent[] = [];
  customFieldsList: CustomField[] = [];
  core: Core | null = null;
  editorState: "idle" | "loading" | "ready" | "failed" = "idle";
  selectedSample = 0;
  dry: DryRunResult | null = null;
  modeState: ModeState | null = null;
  status: OutboxStatus | null = null;
  activityList: ActivityEntry[] = [];
  activityFilter: ActivityFilter = {};
  dead: DeadLetter[] = [];
  tagsState: TagsState | null = null;
  stats: StatisticsState | null = null;
  statsMetric: string | null = null;
  report: ReportPreview | null = null;
  /** The charts' drawing width: narrower on small screens, so their text stays readable. */
  chartWidth = 640;
  #resize: ResizeObserver | null = null;
  #loaded = new Set<TabKey>();
  #unwatch: (() => void) | null = null;
  #ownBackend: DirectBackend | RunnerBackend | null = null;

  constructor() {
    super();
    this.endpoint = null;
    this.locationId = null;
    this.mode = "staging";
    this.baseUrl = null;
    this.coreUrl = null;
    this.tab = "connection";
    this.backend = null;
    this.tokenProvider = null;
    this.busy = null;
    this.notice = null;
    this.signIn = null;
  }

  /** The backend in use (the property, else a runner's with `endpoint`, else the direct one). */
  get activeBackend(): ConsoleBackend {
    if (this.backend) return this.backend;
    if (this.endpoint) {
      this.#ownBackend ??= new RunnerBackend({
        endpoint: this.endpoint,
        ...(this.locationId ? { locationId: this.locationId } : {}),
      });
      return this.#ownBackend;
    }
    this.#ownBackend ??= new DirectBackend({
      ...(this.locationId ? { locationId: this.locationId } : {}),
      ...(this.baseUrl ? { baseUrl: this.baseUrl } : {}),
      ...(this.coreUrl ? { coreUrl: this.coreUrl } : {}),
      ...(this.tokenProvider ? { tokenProvider: this.tokenProvider } : {}),
    });
    return this.#ownBackend;
  }

  /** The package's API, loaded on first need (the Mapping editor's `core`). */
  async loadCore(): Promise<Core> {
    this.core ??= await loadCore(this.coreUrl ?? defaultCoreUrl());
    return this.core;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#watch();
    this.#resize ??= new ResizeObserver(([entry]) => {
      const w = entry.contentRect.width < 560 ? 340 : 640;
      if (w !== this.chartWidth) {
        this.chartWidth = w;
        this.requestUpdate();
      }
    });
    this.#resize.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unwatch?.();
    this.#unwatch = null;
    this.#resize?.disconnect();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("backend") && changed.get("backend") !== undefined) {
      this.#loaded.clear();
      this.#watch();
    }
    if (changed.has("tokenProvider") && this.#ownBackend instanceof DirectBackend)
      this.#ownBackend.tokenProvider = this.tokenProvider;
    if (
      changed.has("mode") &&
      changed.get("mode") !== undefined &&
      this.modeState &&
      this.mode !== this.modeState.mode
    ) {
      // Staging is always safe; production is only reached through the confirmation.
      if (this.mode === "staging") void this.setMode("staging", false);
      else {
        this.mode = this.modeState.mode;
        this.tab = "golive";
        void this.updateComplete.then(() => this.openConfirm());
      }
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has("tab")) void this.#ensureLoaded(this.tab);
  }

  #watch(): void {
    this.#unwatch?.();
    const b = this.activeBackend;
    this.#unwatch =
      b.watch?.((c) => {
        if (c.kind === "outbox") this.status = c.status;
        else if (c.kind === "activity" && this.tab === "activity") void this.loadActivity();
        else if (c.kind === "mode") this.#applyMode(c.mode);
        else if (c.kind === "connection") this.connection = c.connection;
        this.requestUpdate();
      }) ?? null;
  }

  // ---------------------------------------------------------------- helpers for panels

  /** Runs an action with a busy label; a failure becomes a message in words and a `ghl-error` event. */
  async act<T>(label: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.busy = label;
    this.notice = null;
    try {
      return await fn();
    } catch (e) {
      this.fail(toBackendError(e));
      return undefined;
    } finally {
      this.busy = null;
      this.requestUpdate();
    }
  }

  /** Shows an error in words and emits `ghl-error`. */
  fail(e: BackendError): void {
    if (e.code === "CONSOLE_LOGIN_REQUIRED") {
      // The runner wants a session: the sign-in form replaces the panel until then.
      this.signIn = {
        password:
          (e.details?.password ?? (e.details?.login as { password?: boolean })?.password) !== false,
      };
      this.#loaded.clear();
    }
    const text = errorText(e);
    this.notice = { text, error: true };
    this.emit("ghl-error", { code: e.code, message: text, panel: this.tab });
  }

  /** Shows a problem with what the person entered (no event: nothing failed). */
  warn(text: string): void {
    this.notice = { text, error: true };
  }

  /** Shows a message. */
  say(text: string): void {
    this.notice = { text, error: false };
  }

  /** Dispatches one of the documented events. */
  emit<K extends keyof GhlBridgeConsoleEventMap>(
    type: K,
    detail: GhlBridgeConsoleEventMap[K]["detail"],
  ): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** An element of this console's shadow root. */
  q<E extends Element = HTMLElement>(selector: string): E | null {
    return this.renderRoot.querySelector<E>(selector);
  }

  #applyMode(m: ModeState): void {
    const before = this.modeState?.mode;
    this.modeState = m;
    this.mode = m.mode;
    if (before !== undefined && before !== m.mode) this.emit("ghl-mode-changed", { mode: m.mode });
  }

  async #ensureLoaded(tab: TabKey): Promise<void> {
    if (this.#loaded.has(tab)) return;
    this.#loaded.add(tab);
    const b = this.activeBackend;
    await this.act(S.loading, async () => {
      if (!this.connection) this.connection = await b.connection();
      if (!this.modeState) this.#applyMode(await b.mode());
      switch (tab) {
        case "sources":
          this.sourcesState = await b.sources();
          break;
        case "mapping":
          await this.loadMapping();
          break;
        case "golive":
          this.samplesList = await b.samples();
          break;
        case "activity":
          await this.loadActivity();
          break;
        case "tags":
          this.tagsState = await b.tags();
          break;
        case "dashboard":
          await this.loadDashboard();
          break;
        default:
          break;
      }
    });
  }

  // ---------------------------------------------------------------- actions (used by panels)

  async connect(token: string, locationId: string): Promise<void> {
    const b = this.activeBackend;
    await this.act(S.testing, async () => {
      this.connection = await b.connect({ ...(token ? { token } : {}), locationId });
      await this.runTest();
    });
  }

  /** Signs in to the runner with its console password, then loads the open tab. */
  async login(password: string): Promise<void> {
    const b = this.activeBackend;
    if (!(b instanceof RunnerBackend)) return;
    await this.act(S.loading, async () => {
      await b.login(password);
      this.signIn = null;
      this.connection = null;
      this.modeState = null;
      this.#loaded.clear();
    });
    if (!this.signIn) await this.#ensureLoaded(this.tab);
  }

  /**
   * "Connect with HighLevel": the runner's OAuth start in a window of its own; the panel
   * shows the connection once the runner's callback stored the tokens.
   */
  async connectOAuth(): Promise<void> {
    const b = this.activeBackend;
    if (!(b instanceof RunnerBackend)) return;
    const url = await this.act(S.loading, () => b.oauthStartUrl());
    if (url === undefined) return;
    if (url === null) return this.say(S.oauthNotForPit);
    const popup = window.open(url, `${this.uid}-oauth`, "popup,width=620,height=720");
    this.say(S.oauthWaiting);
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const c = await b.connection().catch(() => null);
      if (c?.connected) {
        popup?.close();
        this.connection = c;
        await this.act(S.testing, () => this.runTest());
        return;
      }
      if (popup?.closed && i > 2) break;
    }
    this.warn(S.oauthNotFinished);
    this.requestUpdate();
  }

  async runTest(): Promise<void> {
    const b = this.activeBackend;
    const t = await b.testConnection();
    this.test = t;
    this.connection = t.connection;
    this.#loaded.clear();
    this.#loaded.add("connection");
    if (t.ok && t.location) {
      this.say(S.connectedTo(t.location.name, t.location.id));
      this.emit("ghl-connected", { locationId: t.location.id, locationName: t.location.name });
    } else if (t.error) this.fail(t.error);
  }

  async disconnect(): Promise<void> {
    await this.act(S.loading, async () => {
      this.connection = await this.activeBackend.disconnect();
      this.test = null;
      this.emit("ghl-disconnected", {});
    });
  }

  async saveSources(patch: Parameters<ConsoleBackend["saveSources"]>[0]): Promise<void> {
    await this.act(S.loading, async () => {
      this.sourcesState = await this.activeBackend.saveSources(patch);
      this.say(S.saved);
    });
  }

  async loadMapping(): Promise<void> {
    const b = this.activeBackend;
    this.editorState = "loading";
    this.requestUpdate();
    const [rules, samples, core] = await Promise.all([
      b.rules(),
      b.samples(this.mapSource),
      this.loadCore(),
    ]);
    this.rulesState = rules;
    this.samplesList = samples;
    this.mapDocument = rules.documents[this.mapSource] ?? null;
    const payloads = samples.map((s) => s.event.payload);
    this.editorInput = {
      document: this.mapDocument,
      sample: payloads[0] ?? null,
      samples: payloads,
    };
    this.mapProblems = [];
    this.customFieldsList = await b.customFields().catch((e) => {
      this.fail(toBackendError(e));
      return [];
    });
    this.core = core;
    try {
      // @ts-expect-error: another element (js/widget/ghl-mapping-editor/); absent, the build stubs it
      await import("../ghl-mapping-editor/define.js");
      this.editorState = customElements.get("ghl-mapping-editor") ? "ready" : "failed";
    } catch {
      this.editorState = "failed";
    }
    this.requestUpdate();
  }

  async saveRules(): Promise<void> {
    await this.act(S.loading, async () => {
      this.rulesState = await this.activeBackend.saveRules(this.mapSource, this.mapDocument);
      this.say(S.mapSaved);
      this.emit("ghl-rules-saved", { source: this.mapSource, savedAt: this.rulesState.savedAt });
    });
  }

  async runDry(): Promise<void> {
    const sample = this.samplesList[this.selectedSample];
    if (!sample) return;
    await this.act(S.loading, async () => {
      this.dry = await this.activeBackend.dryRun(sample.event);
      if (this.dry.error) this.fail(this.dry.error);
    });
  }

  async deliver(): Promise<void> {
    const sample = this.samplesList[this.selectedSample];
    if (!sample) return;
    await this.act(S.loading, async () => {
      const r = await this.activeBackend.deliver(sample.event);
      if (r.dryRun) this.dry = r.dryRun;
      if (r.queued) this.say(S.queued(r.planId));
      this.emit("ghl-delivered", { planId: r.planId, queued: r.queued });
      this.#loaded.delete("activity");
    });
  }

  openConfirm(): void {
    this.q<HTMLDialogElement>("dialog.confirm")?.showModal();
  }

  async setMode(mode: Mode, confirm: boolean): Promise<void> {
    await this.act(S.loading, async () => {
      this.#applyMode(await this.activeBackend.setMode(mode, { confirm }));
      this.say(mode === "production" ? S.nowLive : S.nowStaging);
      this.#loaded.delete("activity");
    });
  }

  async loadActivity(): Promise<void> {
    const b = this.activeBackend;
    const [status, list, dead] = await Promise.all([
      b.outboxStatus(),
      b.activity(this.activityFilter),
      b.deadLetters(),
    ]);
    this.status = status;
    this.activityList = list;
    this.dead = dead;
    this.requestUpdate();
  }

  async retry(planId: string | null): Promise<void> {
    await this.act(S.loading, async () => {
      if (planId) {
        this.status = await this.activeBackend.retry(planId);
        this.say(S.retried(1));
      } else {
        const r = await this.activeBackend.retryAll();
        this.status = r.status;
        this.say(S.retried(r.retried));
      }
      await this.loadActivity();
    });
  }

  async fixTag(id: string): Promise<void> {
    await this.act(S.loading, async () => {
      this.tagsState = await this.activeBackend.fixTag(id);
      this.say(S.fixed);
    });
  }

  async loadDashboard(): Promise<void> {
    const b = this.activeBackend;
    const [stats, report] = await Promise.all([b.statistics(), b.reportPreview()]);
    this.stats = stats;
    this.report = report;
  }

  /** "Send now": to the Slack webhook URL typed in (kept in this call only), else the backend's targets. */
  async sendReport(slackUrl = ""): Promise<void> {
    await this.act(S.loading, async () => {
      const r = await this.activeBackend.sendReportNow(
        slackUrl ? { slack: { webhookUrl: slackUrl } } : undefined,
      );
      this.say(S.sentTo(r.to));
    });
  }

  /** Creates Qwilr webhook subscriptions for `events` (from the Sources panel). */
  async subscribeQwilr(events: string[]): Promise<void> {
    await this.act(S.loading, async () => {
      this.sourcesState = await this.activeBackend.subscribeQwilr(events);
      this.say(S.subscribed(this.sourcesState.qwilr.subscriptions.length));
    });
  }

  /** Removes one Qwilr webhook subscription. */
  async unsubscribeQwilr(id: string): Promise<void> {
    await this.act(S.loading, async () => {
      this.sourcesState = await this.activeBackend.unsubscribeQwilr(id);
      this.say(S.unsubscribed);
    });
  }

  /** Reloads the open tab. */
  async reload(): Promise<void> {
    this.#loaded.delete(this.tab);
    await this.#ensureLoaded(this.tab);
  }

  // ---------------------------------------------------------------- tabs

  selectTab(tab: TabKey, focus = false): void {
    if (this.tab !== tab) {
      this.tab = tab;
      this.notice = null;
      this.emit("ghl-tab-changed", { tab });
    }
    if (focus)
      void this.updateComplete.then(() => this.q<HTMLElement>(`#${this.uid}-tab-${tab}`)?.focus());
  }

  #onTabKey(e: KeyboardEvent): void {
    const i = TAB_KEYS.indexOf(this.tab);
    const next =
      e.key === "ArrowRight"
        ? TAB_KEYS[(i + 1) % TAB_KEYS.length]
        : e.key === "ArrowLeft"
          ? TAB_KEYS[(i - 1 + TAB_KEYS.length) % TAB_KEYS.length]
          : e.key === "Home"
            ? TAB_KEYS[0]
            : e.key === "End"
              ? TAB_KEYS[TAB_KEYS.length - 1]
              : null;
    if (next) {
      e.preventDefault();
      this.selectTab(next, true);
    }
  }

  protected override render(): TemplateResult {
    const c = this.connection;
    const live = this.mode === "production";
    return html`<div class="root" part="base">
      <header>
        <h1>${S.title}</h1>
        <span class="badge ${live ? "live" : "staging"}">${live ? S.modeProduction : S.modeStaging}</span>
        <span class="where">${c?.locationName ?? c?.locationId ?? S.notConnected}</span>
      </header>
      <div role="tablist" aria-label=${S.tablistLabel} @keydown=${this.#onTabKey}>
        ${TAB_KEYS.map(
          (k) => html`<button
            role="tab"
            type="button"
            id="${this.uid}-tab-${k}"
            aria-controls="${this.uid}-panel"
            aria-selected=${this.tab === k ? "true" : "false"}
            tabindex=${this.tab === k ? "0" : "-1"}
            @click=${() => this.selectTab(k)}
          >${TABS[k]}</button>`,
        )}
      </div>
      <div class="notice ${this.notice?.error ? "error" : ""}" role=${this.notice?.error ? "alert" : "status"} aria-live="polite">${
        this.busy ? this.busy : (this.notice?.text ?? "")
      }</div>
      <section role="tabpanel" id="${this.uid}-panel" aria-labelledby="${this.uid}-tab-${this.tab}" tabindex="0">
        ${this.signIn ? renderSignIn(this) : renderPanel(this)}
      </section>
    </div>`;
  }
}
