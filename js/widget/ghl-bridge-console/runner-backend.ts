/**
 * `RunnerBackend`: the console's backend when `<ghl-bridge-console endpoint=...>` names a
 * `ghl-bridge serve` runner. Each method is one call of the runner's console API,
 * `POST {endpoint}console/api/call/{method}` with `{connection, args}` (the runner's
 * `console-api.ts`; the reference is docs/serve.md); where the runner answers the core's
 * raw data, `shapes.ts` shapes it as the in-page backend does.
 *
 * - Sessions: the runner's operator password (an `HttpOnly` cookie the page never sees),
 *   or, framed by HighLevel as a custom page, the `REQUEST_USER_DATA` handshake: the
 *   parent's answer is accepted only from HighLevel's app origins the runner names, its
 *   encrypted payload is posted to the runner (which decrypts it), and the session token
 *   it answers is kept in memory only and sent as a header.
 * - No token ever reaches the page: the runner holds them; a token typed into the
 *   Connection panel is refused here, before anything is sent.
 */
import {
  type ActivityEntry,
  type ActivityFilter,
  type BackendError,
  type ConnectInput,
  type ConnectionState,
  type ConnectionTest,
  type ConsoleBackend,
  type DeadLetter,
  type DryRunResult,
  FLOW_SCOPES,
  type FlowName,
  type Mode,
  type ModeState,
  type OutboxStatus,
  type ReportPreview,
  type RulesState,
  type SampleEvent,
  type Source,
  type StatisticsState,
  type TagsState,
  backendError,
} from "./backend.js";
import { CONSOLE_METHODS, remoteBackend } from "./remote-backend.js";
import { withExamples } from "./samples.js";
import {
  deadLettersOf,
  dryRunOf,
  eventLabel,
  failuresOf,
  filterActivity,
  fixTagWith,
  originsOf,
  parkedAt,
  statisticsOf,
  statusOf,
  type TagFix,
  tagReferences,
  tagsStateOf,
} from "./shapes.js";
import { S } from "./strings.js";

/** A connection of the runner, as its session lists it. */
export interface RunnerConnection {
  name: string;
  locationId: string;
  auth: "pit" | "oauth";
  connected: boolean;
}

/** The runner's answer about the session. */
export interface RunnerSession {
  authenticated: boolean;
  via: "password" | "ghl" | null;
  user: { userName: string | null; email: string | null; role: string | null } | null;
  expiresAt: string | null;
  connections: RunnerConnection[];
  login: { password: boolean; customPage: { origins: string[] } | null };
}

/** Options of `new RunnerBackend()`. */
export interface RunnerBackendOptions {
  /** The runner's address (`https://bridge.example.com/`, or relative to the page). */
  endpoint: string;
  /** The connection to use (default: the one of `locationId`, else the first). */
  connection?: string;
  locationId?: string;
  /** The window the console runs in (the handshake asks its parent). */
  window?: Window;
  /** How long to wait for HighLevel's answer to `REQUEST_USER_DATA` (10 s). */
  handshakeMs?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: the runner's JSON (the core's shapes)
type Any = any;

/**
 * Asks HighLevel (the parent window) for the user's encrypted context: resolves to the
 * payload of `{message: "REQUEST_USER_DATA_RESPONSE", payload}` from one of `origins`.
 */
export function requestUserData(
  win: Window,
  origins: string[],
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      win.removeEventListener("message", onMessage);
    };
    function onMessage(e: MessageEvent) {
      if (e.source !== win.parent || e.data?.message !== "REQUEST_USER_DATA_RESPONSE") return;
      done();
      if (!origins.includes(e.origin))
        reject(
          backendError(
            "CONSOLE_USER_DATA_INVALID",
            `the user data came from ${e.origin}, which is not HighLevel's app (${origins.join(", ")})`,
            { origin: e.origin },
          ),
        );
      else if (typeof e.data.payload !== "string" || !e.data.payload)
        reject(backendError("CONSOLE_USER_DATA_INVALID", "HighLevel's answer has no payload"));
      else resolve(e.data.payload);
    }
    win.addEventListener("message", onMessage);
    timer = setTimeout(() => {
      done();
      reject(
        backendError("CONSOLE_LOGIN_REQUIRED", "HighLevel did not answer REQUEST_USER_DATA", {
          timeout: true,
        }),
      );
    }, timeoutMs);
    // What FACTS says HighLevel's custom pages send; the request holds nothing secret.
    win.parent.postMessage({ message: "REQUEST_USER_DATA" }, "*");
  });
}

/**
 * The backend over a `ghl-bridge serve` runner. The plain methods (the runner answers
 * the interface's JSON as is) are `remoteBackend`'s, one call each; the class keeps
 * only those that refuse or shape something here (a token typed in, the core's raw
 * dry runs, statistics, activity and tags) and the session.
 */
// The plain methods are set in the constructor, from `CONSOLE_METHODS`.
export interface RunnerBackend extends ConsoleBackend {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above
export class RunnerBackend {
  readonly kind = "runner" as const;
  readonly #api: string;
  readonly #opts: RunnerBackendOptions;
  #session: RunnerSession | null = null;
  #sessionToken: string | null = null;
  #starting: Promise<RunnerSession> | null = null;
  #connection: string | null;
  #samples: SampleEvent[] = [];
  #tagFixes = new Map<string, TagFix>();

  constructor(options: RunnerBackendOptions) {
    this.#opts = options;
    const base = new URL(options.endpoint, globalThis.document?.baseURI ?? undefined);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    this.#api = new URL("console/api/", base).href;
    this.#connection = options.connection ?? null;
    const plain = remoteBackend("runner", (method, args) => this.#call(method, ...args));
    const self = this as unknown as Record<string, unknown>;
    for (const method of CONSOLE_METHODS) if (!(method in self)) self[method] = plain[method];
  }

  // ------------------------------------------------------------------ plumbing

  async #post(path: string, body: unknown): Promise<Any> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-ghl-bridge-console": "1",
    };
    if (this.#sessionToken) headers["x-ghl-bridge-session"] = this.#sessionToken;
    let res: Response;
    try {
      res = await fetch(this.#api + path, {
        method: "POST",
        headers,
        body: JSON.stringify(body ?? {}),
        credentials: "same-origin",
      });
    } catch (e) {
      throw backendError("NETWORK_ERROR", `the runner cannot be reached: ${(e as Error).message}`);
    }
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const err = (data?.error ?? {
        code: "NETWORK_ERROR",
        message: `the runner answered HTTP ${res.status}`,
      }) as BackendError;
      if (err.code === "CONSOLE_LOGIN_REQUIRED") {
        // Expired (a custom page's session is short): the next call signs in again.
        this.#session = null;
        this.#sessionToken = null;
      }
      throw err;
    }
    return data;
  }

  /** The session now, trying HighLevel's handshake when framed by it. */
  async session(): Promise<RunnerSession> {
    if (this.#session?.authenticated) return this.#session;
    this.#starting ??= (async () => {
      let s = (await this.#post("session", {})) as RunnerSession;
      const win = this.#opts.window ?? globalThis.window;
      const origins = s.login.customPage?.origins ?? [];
      if (!s.authenticated && origins.length > 0 && win?.parent && win.parent !== win) {
        const payload = await requestUserData(win, origins, this.#opts.handshakeMs);
        const answer = await this.#post("session/ghl", { payload });
        this.#sessionToken = answer.sessionToken;
        const { sessionToken: _kept, ...rest } = answer;
        s = rest as RunnerSession;
      }
      this.#session = s;
      return s;
    })().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  /** Signs in with the runner's console password. */
  async login(password: string): Promise<RunnerSession> {
    this.#session = (await this.#post("session/login", { password })) as RunnerSession;
    return this.#session;
  }

  /** Ends the session. */
  async logout(): Promise<RunnerSession> {
    this.#sessionToken = null;
    this.#session = null;
    return (await this.#post("session/logout", {})) as RunnerSession;
  }

  /** The connection this backend uses (its name and kind), once signed in. */
  async current(): Promise<RunnerConnection> {
    const s = await this.session();
    if (!s.authenticated)
      throw backendError("CONSOLE_LOGIN_REQUIRED", "sign in to the console first", {
        password: s.login.password,
      });
    const list = s.connections;
    const c =
      list.find((x) => x.name === this.#connection) ??
      list.find((x) => x.locationId === this.#opts.locationId) ??
      list[0];
    if (!c) throw backendError("NOT_CONNECTED", "this session may use no connection");
    this.#connection = c.name;
    return c;
  }

  /** Where "Connect with HighLevel" goes (the runner's OAuth start), or null for a PIT connection. */
  async oauthStartUrl(): Promise<string | null> {
    const c = await this.current();
    if (c.auth !== "oauth") return null;
    return new URL(`../../oauth/start?connection=${encodeURIComponent(c.name)}`, this.#api).href;
  }

  async #call(method: string, ...args: unknown[]): Promise<Any> {
    const c = await this.current();
    const framed = this.#sessionToken !== null;
    try {
      return await this.#post(`call/${method}`, { connection: c.name, args });
    } catch (e) {
      // A custom page's session is short (its payload has no timestamp): when it ended,
      // HighLevel is asked again once (the handshake) and the call made again.
      if (!framed || (e as BackendError).code !== "CONSOLE_LOGIN_REQUIRED") throw e;
      const again = await this.current();
      return this.#post(`call/${method}`, { connection: again.name, args });
    }
  }

  /** The events the runner saw (named once: every panel labels plans by them). */
  #origin() {
    return originsOf(this.#samples);
  }

  // ------------------------------------------------------------------ connection

  async connect(input: ConnectInput): Promise<ConnectionState> {
    if (input?.token)
      throw backendError(
        "NOT_SUPPORTED",
        "the runner keeps its own tokens (its configuration, or Connect with HighLevel): nothing was sent",
      );
    return this.#call("connect", { locationId: input?.locationId });
  }

  async testConnection(): Promise<ConnectionTest> {
    const t = await this.#call("testConnection");
    const granted = new Set<string>(t.granted ?? []);
    const status = (scope: string) =>
      scope === "locations.readonly"
        ? t.location
          ? "granted"
          : t.error?.details?.status === 401
            ? "missing"
            : "unknown"
        : granted.has(scope)
          ? "granted"
          : "missing";
    const flows = (Object.keys(FLOW_SCOPES) as FlowName[]).map((flow) => {
      const scopes = FLOW_SCOPES[flow].map((scope) => ({ scope, status: status(scope) }) as const);
      return { flow, scopes, ready: scopes.every((s) => s.status === "granted") };
    });
    return {
      ok: t.location !== null,
      location: t.location,
      flows,
      error: t.error,
      connection: t.connection,
    };
  }

  // ------------------------------------------------------------------ rules

  async samples(source?: Source): Promise<SampleEvent[]> {
    await this.#seen();
    return withExamples(this.#samples, Date.now(), source);
  }
  async #seen(): Promise<SampleEvent[]> {
    this.#samples = ((await this.#call("samples")) as Omit<SampleEvent, "label">[]).map((s) => ({
      ...s,
      label: eventLabel(s.event),
    }));
    return this.#samples;
  }

  // ------------------------------------------------------------------ go live

  #dry(eventId: string, p: Any): DryRunResult {
    if (p.error) return { eventId, requests: [], match: null, error: p.error };
    return dryRunOf(eventId, p.requests, p.next, p.warnings, p.later);
  }
  async dryRun(event: SampleEvent["event"]): Promise<DryRunResult> {
    return this.#dry(event.id, await this.#call("dryRun", event));
  }
  mode(): Promise<ModeState> {
    return this.#modeState(this.#call("mode"));
  }
  setMode(mode: Mode, options: { confirm?: boolean } = {}): Promise<ModeState> {
    return this.#modeState(this.#call("setMode", mode, options));
  }
  async #modeState(p: Promise<Any>): Promise<ModeState> {
    const m = await p;
    return {
      mode: m.mode,
      since: m.since ?? null,
      running: m.mode === "production" ? [S.runnerRunning] : [],
    };
  }
  async deliver(event: SampleEvent["event"]) {
    const r = await this.#call("deliver", event);
    return {
      planId: r.planId as string,
      queued: Boolean(r.queued),
      dryRun: r.preview ? this.#dry(event.id, r.preview) : null,
    };
  }

  // ------------------------------------------------------------------ activity

  #status(s: Any): OutboxStatus {
    // The runner's clock (`at`) reads the stored window, so a skewed page clock does not.
    const at = typeof s.at === "number" ? s.at : Date.now();
    const state =
      s.mode !== "production" ? "stopped" : parkedAt(s.budget, at) ? "parked" : "running";
    return statusOf(s.counts, s.mode, state, s.budget ?? null, at);
  }
  async outboxStatus(): Promise<OutboxStatus> {
    return this.#status(await this.#call("outboxStatus"));
  }
  async activity(filter: ActivityFilter = {}): Promise<ActivityEntry[]> {
    await this.#seen().catch(() => undefined);
    const origin = this.#origin();
    // The events the runner's worker planned in staging (sent nowhere), with their requests.
    const staged = ((await this.#call("staged").catch(() => [])) as Any[]).map(
      (e): ActivityEntry => {
        const dry = dryRunOf(
          String(e.eventId),
          e.requests ?? [],
          e.next ?? [],
          e.warnings ?? [],
          e.later ?? [],
        );
        return {
          at: String(e.at),
          planId: String(e.eventId),
          label: origin(String(e.eventId), dry.match).label,
          step: null,
          kind: "info",
          status: null,
          ghlMessage: S.stagedNotSent(dry.requests.map((r) => `${r.method} ${r.url}`.trim())),
          traceId: null,
          source: e.source === "qwilr" ? "qwilr" : "wishpond",
          requests: dry.requests,
          next: dry.next ?? [],
        };
      },
    );
    return filterActivity([...failuresOf(await this.#call("activity"), origin), ...staged], filter);
  }
  async deadLetters(): Promise<DeadLetter[]> {
    await this.#seen().catch(() => undefined);
    return deadLettersOf(await this.#call("deadLetters"), this.#origin());
  }
  async retry(planId: string): Promise<OutboxStatus> {
    return this.#status(await this.#call("retry", planId));
  }
  async retryAll(): Promise<{ retried: number; status: OutboxStatus }> {
    const r = await this.#call("retryAll");
    return { retried: r.retried, status: this.#status(r.status) };
  }

  // ------------------------------------------------------------------ tags

  async tags(): Promise<TagsState> {
    const { documents } = (await this.#call("rules")) as RulesState;
    const r = await this.#call("tags", tagReferences(documents));
    const { state, fixes } = tagsStateOf(r.tags, r.report, r.loadedAt, documents);
    this.#tagFixes = fixes;
    return state;
  }
  fixTag(findingId: string): Promise<TagsState> {
    // The fix is the rules' (GHL's API cannot change social-planner tags): saved on the runner.
    return fixTagWith(findingId, {
      fixes: () => this.#tagFixes,
      tags: () => this.tags(),
      documents: async () => ((await this.#call("rules")) as RulesState).documents,
      save: (source, doc) => this.#call("saveRules", source, doc),
    });
  }

  // ------------------------------------------------------------------ statistics

  async statistics(): Promise<StatisticsState> {
    const r = await this.#call("statistics");
    return statisticsOf(r.series, r.asOf);
  }
  async reportPreview(): Promise<ReportPreview> {
    const { markdown, csv, slack } = await this.#call("statistics");
    return { markdown, csv, slack };
  }
}
