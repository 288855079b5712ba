/**
 * `createClient`: GHL requests built and checked by the core, sent with `fetch`.
 *
 * Tokens: pass `token` (fixed) or `getToken()` (the host supplies fresh tokens: OAuth
 * refresh needs the app's secret and never happens in a browser). With `getToken`, a
 * 401 (the core's `refreshAuth` disposition) triggers one refresh, shared by all
 * concurrent calls (single flight), and one retry; a second 401 is thrown. A
 * `getToken()` that does not settle within `timeoutMs` fails with
 * `TOKEN_UNAVAILABLE`. Tokens are never logged or put in errors: every error is
 * scrubbed of every token seen (even one a server echoed back), and a built request's
 * `toJSON`/inspect form redacts `Authorization`.
 *
 * Operation names are typed: `OperationName` is the union of the catalog's 576
 * `service.operationId` names (generated), so a typo fails to compile. For an operation
 * newer than the catalog, `unchecked("service.newOperation")` is the escape hatch (the
 * core still refuses a name it does not know, with suggestions).
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { GhlBridgeError, guard, guardAsync, instanceGeneration, toBridgeError } from "./errors.js";
import { transmit } from "./transport.js";
import type { ErrorDetails } from "./errors.js";
import {
  arg,
  async,
  checkMethods,
  func,
  name,
  names,
  nullable,
  object,
  optional,
  options as checkOptions,
  positive,
  sync,
  text,
  token as tokenKind,
} from "./check.js";
import type {
  AccountsResponse,
  ClientConfig,
  ContactResult,
  ContactTagsResult,
  CustomFieldsResult,
  HttpRequest,
  LocationTagResult,
  LocationTagsResult,
  OperationInfo,
  Plan,
  PreviewStep,
  OperationQuery,
  RateLimit,
  RequestParams,
  SendResult,
  SocialTagsQuery,
  StatisticsRequest,
  StatisticsResponse,
  TagsResponse,
  UpsertContact,
  UpsertContactResult,
  UsersQuery,
  UsersResult,
} from "./wasm/types.js";
import type { OperationName } from "./wasm/names.js";

/**
 * An operation name the catalog's types do not know (e.g. newer than the catalog),
 * made with `unchecked()`; the core still checks it when building.
 */
export type UncheckedOperation = `${string}.${string}` & { readonly __unchecked: true };

/** What `buildRequest`, `send` and `operationInfo` take: a catalog name, or an unchecked one. */
export type AnyOperation = OperationName | UncheckedOperation;

/** Marks a name as deliberately outside the generated `OperationName` union. */
export function unchecked(name: string): UncheckedOperation {
  return name as UncheckedOperation;
}

/** Options of `createClient`. */
export interface ClientOptions {
  /** A fixed token (Private Integration Token or OAuth access token). */
  token?: string;
  /** Returns a current token; called again once after a 401. */
  getToken?: () => string | Promise<string>;
  /** The GHL location (sub-account) id. */
  locationId: string;
  /** The scopes the token was granted; operations needing others fail before sending. */
  scopes: string[];
  /** API base URL (https, or http on loopback, e.g. the emulator). */
  baseUrl?: string;
  /** Per-request timeout in milliseconds (default 30,000). */
  timeoutMs?: number;
}

/** The typed helpers: built by the Wasm client's `helper(name, args, token)`. */
const HELPERS = [
  "upsertContact",
  "getContact",
  "addContactTags",
  "removeContactTags",
  "locationTags",
  "createLocationTag",
  "customFields",
  "users",
  "socialTags",
  "socialTagsByIds",
  "socialAccounts",
  "socialStatistics",
] as const satisfies readonly (keyof glue.TypedHelperSignatures)[];

/** A helper's signature in the glue (which prepares a request) as the helper that sends it: without its trailing token argument, resolving to the prepared result type. */
type WithoutToken<F> = F extends (...args: [...infer A, string]) => glue.Prepared<infer R>
  ? (...args: A) => Promise<R>
  : never;

/**
 * The typed helpers: each sends one operation and resolves to GHL's answer, typed by
 * the Rust result types. Written out here (rather than derived from the Wasm glue's
 * declarations) so the published types do not depend on the glue's (whose DOM and
 * `Symbol.dispose` types a Node or ES2022 consumer lacks); `helpersMatchTheGlue`
 * below fails to compile if the two ever disagree.
 */
export interface TypedHelpers {
  /** `POST /contacts/upsert` (`locationId` added). */
  upsertContact(contact: UpsertContact): Promise<UpsertContactResult>;
  /** `GET /contacts/{contactId}`. */
  getContact(contactId: string): Promise<ContactResult>;
  /** `POST /contacts/{contactId}/tags`. */
  addContactTags(contactId: string, tags: string[]): Promise<ContactTagsResult>;
  /** `DELETE /contacts/{contactId}/tags`. */
  removeContactTags(contactId: string, tags: string[]): Promise<ContactTagsResult>;
  /** `GET /locations/{locationId}/tags`. */
  locationTags(): Promise<LocationTagsResult>;
  /** `POST /locations/{locationId}/tags`. */
  createLocationTag(name: string): Promise<LocationTagResult>;
  /** `GET /locations/{locationId}/customFields?model=contact`. */
  customFields(): Promise<CustomFieldsResult>;
  /** The location's users: `GET /users/search?companyId=&locationId=` (needs the agency's `companyId`). */
  users(query: UsersQuery): Promise<UsersResult>;
  /** Social-planner tags of the location, one page (`searchText`, `limit`, `skip`). */
  socialTags(query?: SocialTagsQuery): Promise<TagsResponse>;
  /** Details of social-planner tags by id (`tags/details`; reads, writes nothing). */
  socialTagsByIds(tagIds: string[]): Promise<TagsResponse>;
  /** Connected social accounts (their `profileId`s feed statistics). */
  socialAccounts(): Promise<AccountsResponse>;
  /** Statistics of the last 7 days against the 7 before. */
  socialStatistics(request: StatisticsRequest): Promise<StatisticsResponse>;
}

/**
 * Compiles only while each glue method (minus the token) can stand for the helper
 * declared above: it takes every argument the helper accepts and its result is what the
 * helper promises.
 */
// biome-ignore lint/style/noNonNullAssertion: a type-level check; the value is never read.
const helpersMatchTheGlue: { [K in keyof glue.TypedHelperSignatures]: TypedHelpers[K] } = null! as {
  [K in keyof glue.TypedHelperSignatures]: WithoutToken<glue.TypedHelperSignatures[K]>;
};
void helpersMatchTheGlue;
/** Compiles only while `HELPERS` names every helper of the glue. */
// biome-ignore lint/style/noNonNullAssertion: a type-level check; the value is never read.
const everyHelperListed: (typeof HELPERS)[number] = null! as keyof glue.TypedHelperSignatures;
void everyHelperListed;

/** A GHL client. */
export interface Client extends TypedHelpers {
  /** Builds any operation's request as plain data; sends nothing. */
  buildRequest(operation: AnyOperation, params?: RequestParams): Promise<HttpRequest>;
  /**
   * The dry run of a plan for this client: each step built as it would be sent, with
   * placeholders for values known only from earlier responses; sends nothing. Throws
   * `PLAN_*` errors (e.g. `PLAN_FOREIGN_LOCATION` for a plan naming another location).
   * Full module only (`ghl-bridge`); the lean `ghl-bridge/client` throws `NOT_AVAILABLE`.
   * A flow's later stage (`flows.run(event, {dryRun})` gives them) names the step ids of
   * the stages before it in `earlier`: their answers show as placeholders too.
   */
  previewPlan(plan: Plan, earlier?: string[]): PreviewStep[];
  /** Builds, checks and sends any operation. */
  send(operation: AnyOperation, params?: RequestParams): Promise<SendResult>;
  /** The `X-RateLimit-*` headers of the last answer. */
  rateLimit(): RateLimit | null;
}

/** The catalog entry of an operation (`service.operationId` or a unique bare id). */
export function operationInfo(name: AnyOperation): OperationInfo {
  arg("operationInfo", "name", name, nameKind);
  return guard(() => glue.operationInfo(name));
}

/** The longest delay a JS timer can take (2^31-1 ms); longer ones fire at once. @internal */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The default per-request timeout, which also bounds `getToken()`. @internal */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** A timeout option as a timer can take it (1 ms to 2^31-1 ms; the default when absent). @internal */
export function timerMs(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms)) return DEFAULT_TIMEOUT_MS;
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(ms)));
}

/**
 * The catalog's operations, in catalog order: all of them, those of one `service`
 * (e.g. `"contacts"`), and/or those whose name or path contains every word of `search`
 * (any case), e.g. `listOperations({ search: "contact tags" })`.
 */
export function listOperations(query: OperationQuery = {}): OperationInfo[] {
  return guard(() => glue.listOperations(query.service ?? undefined, query.search ?? undefined));
}

/**
 * Supplies tokens: a fixed one, or the host's `getToken()` with a cached current value
 * and a single-flight refresh. It remembers the tokens it handed out (the current one
 * and up to three before it) so that every text the package keeps or shows can be
 * scrubbed of them (`scrub`, `scrubError`: the core's one scrubber).
 * @internal
 */
export class TokenSource {
  #fixed?: string;
  #get?: () => string | Promise<string>;
  #current?: Promise<string>;
  #known: string[] = [];
  #timeoutMs: number;

  constructor(token?: unknown, getToken?: unknown, timeoutMs?: number) {
    if (token === undefined && getToken === undefined) {
      throw new GhlBridgeError("INVALID_ARGUMENT", "createClient needs `token` or `getToken`", {
        argument: "token",
      });
    }
    if (token !== undefined && (typeof token !== "string" || token.trim() === "")) {
      throw new GhlBridgeError(
        "INVALID_ARGUMENT",
        `\`token\` must be a non-empty string, not ${token === null ? "null" : typeof token}`,
        { argument: "token" },
      );
    }
    if (getToken !== undefined && typeof getToken !== "function") {
      throw new GhlBridgeError(
        "INVALID_ARGUMENT",
        `\`getToken\` must be a function, not ${getToken === null ? "null" : typeof getToken}`,
        { argument: "getToken" },
      );
    }
    this.#fixed = token as string | undefined;
    if (this.#fixed !== undefined) this.#remember(this.#fixed);
    this.#get = getToken as (() => string | Promise<string>) | undefined;
    this.#timeoutMs = timerMs(timeoutMs);
  }

  /** True when a 401 can be answered by asking the host again. */
  get refreshable(): boolean {
    return this.#get !== undefined;
  }

  /** The current token. */
  current(): Promise<string> {
    if (this.#fixed !== undefined) return Promise.resolve(this.#fixed);
    this.#current ??= this.#fetch();
    return this.#current;
  }

  /**
   * Asks the host for a fresh token, once for all callers that saw the same stale
   * token (`stale`); later callers get the refreshed value.
   */
  async refresh(stale: string): Promise<string> {
    const now = await this.current();
    if (now !== stale) return now; // someone refreshed already
    this.#current = this.#fetch();
    return this.#current;
  }

  /** `text` without any token this source handed out, nor any `Bearer <value>`. */
  scrub(text: string): string {
    return glue.scrubSecrets(String(text), this.#known);
  }

  /**
   * The error with every token this source knows removed from its message, details
   * and stack (a server or `getToken()` may have echoed one). Errors that hold none
   * come back as they are; any other value becomes a `GhlBridgeError`.
   */
  scrubError(e: unknown): GhlBridgeError {
    const err = e instanceof GhlBridgeError ? e : toBridgeError(e);
    const details = JSON.stringify(err.details ?? {});
    const cause = (err as { cause?: unknown }).cause;
    const causeText =
      cause instanceof Error
        ? `${cause.message}\n${cause.stack ?? ""}`
        : cause === undefined
          ? ""
          : String(cause);
    const clean =
      this.scrub(err.message) === err.message &&
      this.scrub(details) === details &&
      this.scrub(err.stack ?? "") === (err.stack ?? "") &&
      this.scrub(causeText) === causeText;
    if (clean) return err;
    let scrubbed: ErrorDetails;
    try {
      scrubbed = JSON.parse(this.scrub(details)) as ErrorDetails;
    } catch {
      scrubbed = {};
    }
    // A fresh error: its stack is built from the scrubbed message; the cause (which
    // holds the original text) is dropped.
    return new GhlBridgeError(err.code, this.scrub(err.message), scrubbed);
  }

  #remember(t: string): void {
    this.#known = [t, ...this.#known.filter((k) => k !== t)].slice(0, 4);
  }

  async #fetch(): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`getToken() did not settle within ${this.#timeoutMs} ms`)),
          this.#timeoutMs,
        );
      });
      const t = await Promise.race([
        Promise.resolve().then(() => (this.#get as () => string | Promise<string>)()),
        timedOut,
      ]);
      if (typeof t !== "string" || t.trim() === "") throw new Error("getToken() returned no token");
      this.#remember(t);
      return t;
    } catch (e) {
      this.#current = undefined;
      const reason = this.scrub(e instanceof Error ? e.message : String(e));
      throw new GhlBridgeError("TOKEN_UNAVAILABLE", `getToken() failed: ${reason}`, { reason });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Adds a `toJSON` and a Node inspect form that redact `Authorization` (the header
 * itself stays as built, for sending). */
function redactedView(req: HttpRequest): HttpRequest {
  const view = (): HttpRequest => ({
    ...req,
    headers: {
      ...req.headers,
      ...("Authorization" in req.headers ? { Authorization: "Bearer <redacted>" } : {}),
    },
  });
  Object.defineProperty(req, "toJSON", { value: view, enumerable: false });
  Object.defineProperty(req, Symbol.for("nodejs.util.inspect.custom"), {
    value: () => view(),
    enumerable: false,
  });
  return req;
}

/** Creates a client. Throws `INVALID_BASE_URL` and friends at once. */
export function createClient(options: ClientOptions): Client {
  checkOptions("createClient", options, connection);
  const tokens = new TokenSource(options.token, options.getToken, options.timeoutMs);
  const config: ClientConfig & { timeoutMs?: number } = {
    locationId: options.locationId,
    scopes: options.scopes,
    baseUrl: options.baseUrl ?? null,
    timeoutMs: options.timeoutMs,
  };
  let inner: glue.Client;
  try {
    inner = guard(() => new glue.Client(config));
  } catch (e) {
    throw tokens.scrubError(e); // a refused base URL may carry the token
  }
  let generation = instanceGeneration();
  // After a panic reset the old Wasm object is gone: rebuild it from the options.
  const wasm = (): glue.Client => {
    if (generation !== instanceGeneration()) {
      inner = guard(() => new glue.Client(config));
      generation = instanceGeneration();
    }
    return inner;
  };

  /**
   * Runs one authorised call; when the core's response policy says `refreshAuth`
   * (GHL answered 401), refreshes the token once and retries once. Every error leaves
   * scrubbed of every token seen.
   */
  async function authorised<T>(call: (token: string) => Promise<T>): Promise<T> {
    try {
      const token = await tokens.current();
      try {
        return await guardAsync(() => call(token));
      } catch (e) {
        const disposition =
          e instanceof GhlBridgeError
            ? (e.details.disposition as { kind?: string } | undefined)
            : undefined;
        if (disposition?.kind !== "refreshAuth" || !tokens.refreshable) throw e;
        const fresh = await tokens.refresh(token);
        return await guardAsync(() => call(fresh));
      }
    } catch (e) {
      throw tokens.scrubError(e);
    }
  }

  const timeoutMs = timerMs(options.timeoutMs);
  /**
   * Sends what the core prepared and has the core read the answer (`bodyOnly`: the
   * typed helpers' result, the body; else a `SendResult`).
   */
  async function exchange<T>(
    prepare: () => glue.Prepared<T>,
    token: string,
    bodyOnly: boolean,
  ): Promise<T> {
    const { operation, request } = guard(prepare);
    const response = await transmit(operation, request, timeoutMs);
    return guard(() => wasm().settle(operation, response, token, bodyOnly)) as T;
  }

  return checkMethods(
    "client",
    {
      async buildRequest(operation, params = {}) {
        try {
          const token = await tokens.current();
          return redactedView(guard(() => wasm().buildRequest(operation, params, token)));
        } catch (e) {
          throw tokens.scrubError(e);
        }
      },
      previewPlan: (plan, earlier) =>
        guard(() => {
          // The dry run lives in the full module (flows); the lean one has no preview.
          const w = wasm() as unknown as {
            previewPlan?: (plan: Plan, earlier?: string[]) => PreviewStep[];
          };
          if (typeof w.previewPlan !== "function")
            throw new GhlBridgeError(
              "NOT_AVAILABLE",
              "previewPlan needs the full module ('ghl-bridge'), not 'ghl-bridge/client'",
              { argument: "plan" },
            );
          return w.previewPlan(plan, earlier);
        }),
      send: (operation, params = {}) =>
        authorised((t) => exchange(() => wasm().prepare(operation, params, t), t, false)),
      rateLimit: () => guard(() => wasm().rateLimit()),
      ...typedHelpers((name, args) =>
        authorised((t) => exchange(() => wasm().helper(name, args, t), t, true)),
      ),
    } satisfies Client,
    clientSignatures,
  );
}

/** The typed helpers, each one calling `call` with its name and arguments. */
function typedHelpers(
  call: (name: (typeof HELPERS)[number], args: unknown[]) => Promise<unknown>,
): TypedHelpers {
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of HELPERS) out[name] = (...args) => call(name, args);
  return out as unknown as TypedHelpers;
}

const nameKind = name;

/**
 * The connection options `createClient` and `createOutbox` share, by kind.
 * @internal
 */
export const connection = {
  token: optional(tokenKind),
  getToken: optional(func),
  locationId: name,
  scopes: names,
  baseUrl: nullable(text),
  timeoutMs: optional(positive),
};

const op = ["operation", name] as const;
const params = ["params", optional(object)] as const;
const id = ["contactId", name] as const;
const tags = ["tags", names] as const;

/** The arguments of the client's methods. */
const clientSignatures: { [K in keyof Client]?: ReturnType<typeof sync> } = {
  buildRequest: async(op, params),
  send: async(op, params),
  rateLimit: sync(),
  upsertContact: async(["contact", object]),
  getContact: async(id),
  addContactTags: async(id, tags),
  removeContactTags: async(id, tags),
  createLocationTag: async(["name", name]),
  socialTags: async(["query", optional(object)]),
  socialTagsByIds: async(["tagIds", names]),
  socialStatistics: async(["request", object]),
  users: async(["query", object]),
  previewPlan: sync(["plan", object], ["earlier", optional(names)]),
};
