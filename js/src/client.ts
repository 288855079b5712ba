/**
 * `createClient`: GHL requests built and checked by the core, sent with `fetch`.
 *
 * Tokens: pass `token` (fixed) or `getToken()` (the host supplies fresh tokens: OAuth
 * refresh needs the app's secret and never happens in a browser). With `getToken`, a
 * 401 triggers one refresh, shared by all concurrent calls (single flight), and one
 * retry; a second 401 is thrown. Tokens are never logged or put in errors.
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { GhlBridgeError, guard, guardAsync, instanceGeneration } from "./errors.js";
import { arg, async, checkMethods, func, name, names, nullable, object, optional, options as checkOptions, positive, sync, text, token as tokenKind } from "./check.js";
import type {
  ClientConfig,
  ContactResult,
  ContactTagsResult,
  CustomFieldsResult,
  HttpRequest,
  LocationTagResult,
  LocationTagsResult,
  OperationInfo,
  RateLimit,
  RequestParams,
  SendResult,
  SocialTagsQuery,
  StatisticsRequest,
  StatisticsResponse,
  AccountsResponse,
  TagsResponse,
  UpsertContact,
  UpsertContactResult,
  UsersResult,
} from "./wasm/types.js";

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

/** A GHL client. */
export interface Client {
  /** Builds any operation's request as plain data; sends nothing. */
  buildRequest(operation: string, params?: RequestParams): Promise<HttpRequest>;
  /** Builds, checks and sends any operation. */
  send(operation: string, params?: RequestParams): Promise<SendResult>;
  /** The `X-RateLimit-*` headers of the last answer. */
  rateLimit(): RateLimit | null;
  /** `POST /contacts/upsert` (locationId added). */
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
  /** `GET /users/?locationId=`. */
  users(): Promise<UsersResult>;
  /** Social-planner tags of the location, one page (`searchText`, `limit`, `skip`). */
  socialTags(query?: SocialTagsQuery): Promise<TagsResponse>;
  /** Details of social-planner tags by id (`tags/details`; reads, writes nothing). */
  socialTagsByIds(tagIds: string[]): Promise<TagsResponse>;
  /** Connected social accounts (their `profileId`s feed statistics). */
  socialAccounts(): Promise<AccountsResponse>;
  /** Statistics of the last 7 days against the 7 before. */
  socialStatistics(request: StatisticsRequest): Promise<StatisticsResponse>;
}

/** The catalog entry of an operation (`service.operationId` or a unique bare id). */
export function operationInfo(name: string): OperationInfo {
  arg("operationInfo", "name", name, nameKind);
  return guard(() => glue.operationInfo(name));
}

/**
 * Supplies tokens: a fixed one, or the host's `getToken()` with a cached current value
 * and a single-flight refresh.
 * @internal
 */
export class TokenSource {
  #fixed?: string;
  #get?: () => string | Promise<string>;
  #current?: Promise<string>;

  constructor(token?: string, getToken?: () => string | Promise<string>) {
    if (token === undefined && getToken === undefined) {
      throw new GhlBridgeError("INVALID_ARGUMENT", "createClient needs `token` or `getToken`", { argument: "token" });
    }
    this.#fixed = token;
    this.#get = getToken;
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

  async #fetch(): Promise<string> {
    try {
      const t = await this.#get!();
      if (typeof t !== "string" || t.trim() === "") throw new Error("getToken() returned no token");
      return t;
    } catch (e) {
      this.#current = undefined;
      const reason = e instanceof Error ? e.message : String(e);
      throw new GhlBridgeError("TOKEN_UNAVAILABLE", `getToken() failed: ${reason}`, { reason });
    }
  }
}

/** Creates a client. Throws `INVALID_BASE_URL` and friends at once. */
export function createClient(options: ClientOptions): Client {
  checkOptions("createClient", options, connection);
  const tokens = new TokenSource(options.token, options.getToken);
  const config: ClientConfig & { timeoutMs?: number } = {
    locationId: options.locationId,
    scopes: options.scopes,
    baseUrl: options.baseUrl ?? null,
    timeoutMs: options.timeoutMs,
  };
  let inner = guard(() => new glue.Client(config));
  let generation = instanceGeneration();
  // After a panic reset the old Wasm object is gone: rebuild it from the options.
  const wasm = (): glue.Client => {
    if (generation !== instanceGeneration()) {
      inner = guard(() => new glue.Client(config));
      generation = instanceGeneration();
    }
    return inner;
  };

  /** Runs one authorised call; on 401, refreshes the token once and retries once. */
  async function authorised<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await tokens.current();
    try {
      return await guardAsync(() => call(token));
    } catch (e) {
      const unauthorized = e instanceof GhlBridgeError && e.code === "GHL_HTTP_ERROR" && e.details.status === 401;
      if (!unauthorized || !tokens.refreshable) throw e;
      const fresh = await tokens.refresh(token);
      return guardAsync(() => call(fresh));
    }
  }

  return checkMethods("client", {
    async buildRequest(operation, params = {}) {
      const token = await tokens.current();
      return guard(() => wasm().buildRequest(operation, params, token));
    },
    send: (operation, params = {}) => authorised((t) => wasm().send(operation, params, t)),
    rateLimit: () => guard(() => wasm().rateLimit()),
    upsertContact: (contact) => authorised((t) => wasm().upsertContact(contact, t)),
    getContact: (id) => authorised((t) => wasm().getContact(id, t)),
    addContactTags: (id, tags) => authorised((t) => wasm().addContactTags(id, tags, t)),
    removeContactTags: (id, tags) => authorised((t) => wasm().removeContactTags(id, tags, t)),
    locationTags: () => authorised((t) => wasm().locationTags(t)),
    createLocationTag: (name) => authorised((t) => wasm().createLocationTag(name, t)),
    customFields: () => authorised((t) => wasm().customFields(t)),
    users: () => authorised((t) => wasm().users(t)),
    socialTags: (query = {}) => authorised((t) => wasm().socialTags(query, t)),
    socialTagsByIds: (ids) => authorised((t) => wasm().socialTagsByIds(ids, t)),
    socialAccounts: () => authorised((t) => wasm().socialAccounts(t)),
    socialStatistics: (request) => authorised((t) => wasm().socialStatistics(request, t)),
  } satisfies Client, clientSignatures);
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
};
