/**
 * GHL tokens for the runner: Private Integration Tokens from the config, and OAuth
 * tokens kept encrypted in the store (`oauth:<connection>`), refreshed before they
 * expire and when GHL answers 401.
 *
 * Invariants:
 * - A refresh is single-flight across every process on the store: one in-flight
 *   promise per connection in a process, and across processes the store lease
 *   `oauth-refresh:<connection>`; the holder re-reads the record after acquiring it and
 *   uses a token another process stored meanwhile instead of refreshing again.
 * - The rotated refresh token is stored (compare-and-set on the secret's version)
 *   BEFORE the new access token is handed to anyone: a crash after the refresh call
 *   loses at most that one call, never a stored refresh token that still works.
 * - Agency (Company) connections trade their token for location tokens
 *   (`/oauth/locationToken`), kept under `oauth:<connection>@<locationId>`; those have
 *   no refresh token and are traded again when they expire.
 * - Every token value is registered with the logger's scrubber as soon as it is seen.
 */
import { randomBytes } from "node:crypto";
import type { RunnerStore, StoredSecret } from "./store/types.js";
import type { ConnectionConfig, OAuthAppConfig, RunnerConfig } from "./config.js";
import { runnerError } from "./errors.js";
import type { Logger } from "./log.js";
import type { Vault } from "./vault.js";

/** What the runner keeps of one OAuth grant (sealed by the vault). */
export interface TokenRecord {
  accessToken: string;
  refreshToken?: string;
  /** When the access token expires (ms since the epoch). */
  expiresAt: number;
  userType: "Location" | "Company";
  locationId?: string;
  companyId?: string;
  scope?: string;
}

/** A token endpoint's answer (form-urlencoded request, JSON answer). */
interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  userType?: string;
  locationId?: string;
  companyId?: string;
  scope?: string;
}

/** Options of `createTokenManager`. */
export interface TokenManagerOptions {
  config: Pick<RunnerConfig, "connections" | "oauthApps" | "ghl">;
  store: RunnerStore;
  vault: Vault;
  log: Logger;
  /** Names this process in leases (a random id by default). */
  holder?: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** How long a process waits for another one's refresh (15 s). */
  waitMs?: number;
  /** Connections added at run time (INSTALL webhooks), by name. */
  extraConnections?: () => Record<string, ConnectionConfig>;
}

/** The runner's token manager. */
export interface TokenManager {
  /** A usable access token (refreshed first when it expires within the app's margin). */
  getToken(connection: string): Promise<string>;
  /** A new token after GHL refused `stale` (401): one refresh for all who saw it. */
  refresh(connection: string, stale: string): Promise<string>;
  /** For `createClient({getToken})`: the first call gets the token, later ones refresh it. */
  getter(connection: string): () => Promise<string>;
  /** Stores a grant from the OAuth callback (the code exchange). */
  saveGrant(connection: string, answer: unknown): Promise<void>;
  /** Trades an authorization code at the token endpoint (form-urlencoded). */
  exchangeCode(app: string, code: string, redirectUri: string): Promise<unknown>;
  /** Forgets a connection's stored tokens (UNINSTALL). */
  forget(connection: string): Promise<void>;
  /**
   * Refreshes every authorized OAuth connection whose access token expires within its
   * app's `refreshBeforeMs` (the runner calls this periodically, so tokens are renewed
   * before they expire, not only after a 401).
   */
  refreshDue(): Promise<void>;
}

const secretName = (connection: string) => `oauth:${connection}`;

/** Creates the token manager. */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { config, store, vault, log } = options;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const holder = options.holder ?? `runner-${randomBytes(6).toString("hex")}`;
  const waitMs = options.waitMs ?? 15_000;
  const inflight = new Map<string, Promise<string>>();

  const connectionOf = (name: string): ConnectionConfig => {
    const c = config.connections[name] ?? options.extraConnections?.()[name];
    if (!c)
      throw runnerError("OAUTH_NOT_CONNECTED", `no connection named ${name}`, { connection: name });
    return c;
  };
  const appOf = (name: string): [string, OAuthAppConfig] => {
    const c = connectionOf(name);
    if (!("oauth" in c.auth))
      throw runnerError(
        "OAUTH_NOT_CONNECTED",
        `connection ${name} uses a Private Integration Token, not OAuth`,
        {
          connection: name,
        },
      );
    return [c.auth.oauth, config.oauthApps[c.auth.oauth]];
  };

  async function read(name: string): Promise<{ rec: TokenRecord; version: number } | undefined> {
    const s: StoredSecret | undefined = await store.getSecret(name);
    if (!s) return undefined;
    const rec = vault.open(name, s.value) as TokenRecord;
    log.secret(rec.accessToken);
    log.secret(rec.refreshToken);
    return { rec, version: s.version };
  }

  function recordOf(answer: TokenAnswer, fallback?: TokenRecord): TokenRecord {
    if (typeof answer.access_token !== "string" || answer.access_token === "")
      throw runnerError(
        "OAUTH_EXCHANGE_FAILED",
        "the token endpoint answered without an access_token",
        {},
      );
    log.secret(answer.access_token);
    log.secret(answer.refresh_token);
    const ttl = Number.isFinite(answer.expires_in) ? Number(answer.expires_in) : 86_399;
    return {
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token ?? fallback?.refreshToken,
      expiresAt: now() + Math.max(0, ttl) * 1000,
      userType: answer.userType === "Company" ? "Company" : "Location",
      locationId: answer.locationId ?? fallback?.locationId,
      companyId: answer.companyId ?? fallback?.companyId,
      scope: answer.scope ?? fallback?.scope,
    };
  }

  async function post(
    path: string,
    form: Record<string, string>,
    bearer?: string,
  ): Promise<TokenAnswer> {
    const url = `${config.ghl.baseUrl}${path}`;
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if (bearer) {
      headers.authorization = `Bearer ${bearer}`;
      headers.version = "2021-07-28";
    }
    let res: Response;
    try {
      res = await doFetch(url, {
        method: "POST",
        headers,
        body: new URLSearchParams(form).toString(),
        redirect: "manual",
        signal: AbortSignal.timeout(15_000),
      });
    } catch (e) {
      throw runnerError(
        "OAUTH_EXCHANGE_FAILED",
        `${path}: ${log.scrub(String((e as Error).message))}`,
        {
          path,
          httpStatus: 0,
        },
      );
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const err = (body as { error?: string; error_description?: string } | undefined) ?? {};
      throw runnerError(
        "OAUTH_EXCHANGE_FAILED",
        log.scrub(
          `${path}: HTTP ${res.status} ${err.error ?? ""} ${err.error_description ?? ""}`.trim(),
        ),
        { path, httpStatus: res.status, error: err.error ?? null },
      );
    }
    return (body ?? {}) as TokenAnswer;
  }

  const usable = (rec: TokenRecord, margin: number) => rec.expiresAt - margin > now();

  /** One refresh across processes: lease, re-read, refresh, CAS, release. */
  async function refreshShared(
    name: string,
    conn: string,
    stale: string | undefined,
  ): Promise<string> {
    const [, app] = appOf(conn);
    const lease = `oauth-refresh:${conn}`;
    const until = now() + waitMs;
    for (;;) {
      const seen = await read(name);
      if (!seen)
        throw runnerError(
          "OAUTH_NOT_CONNECTED",
          `connection ${conn} has no OAuth tokens yet: open /oauth/start?connection=${conn}`,
          {
            connection: conn,
          },
        );
      if (seen.rec.accessToken !== stale && usable(seen.rec, app.refreshBeforeMs))
        return seen.rec.accessToken;
      if (await store.acquireLease(lease, holder, 30_000)) {
        try {
          // Re-read under the lease: another process may have refreshed meanwhile.
          const cur = await read(name);
          if (!cur)
            throw runnerError("OAUTH_NOT_CONNECTED", `connection ${conn} was removed`, {
              connection: conn,
            });
          if (cur.rec.accessToken !== stale && usable(cur.rec, app.refreshBeforeMs))
            return cur.rec.accessToken;
          if (!cur.rec.refreshToken)
            throw runnerError(
              "OAUTH_NOT_CONNECTED",
              `connection ${conn} has no refresh token: authorize again`,
              {
                connection: conn,
              },
            );
          const answer = await post("/oauth/token", {
            client_id: app.clientId,
            client_secret: app.clientSecret,
            grant_type: "refresh_token",
            refresh_token: cur.rec.refreshToken,
            user_type: cur.rec.userType,
          });
          const next = recordOf(answer, cur.rec);
          // Stored before anyone uses the new access token (the old refresh token is dead now).
          const ok = await store.casSecret(name, cur.version, vault.seal(name, next));
          if (!ok) {
            log.error("oauth refresh stored nothing: the record changed under the lease", {
              connection: conn,
            });
            throw runnerError(
              "OAUTH_STORE_CONFLICT",
              `connection ${conn}: the refreshed tokens could not be stored`,
              {
                connection: conn,
              },
            );
          }
          log.info("oauth token refreshed", {
            connection: conn,
            expiresAt: new Date(next.expiresAt).toISOString(),
          });
          return next.accessToken;
        } finally {
          await store.releaseLease(lease, holder).catch(() => undefined);
        }
      }
      if (now() > until)
        throw runnerError(
          "OAUTH_REFRESH_BUSY",
          `connection ${conn}: another process holds the refresh for too long`,
          {
            connection: conn,
          },
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** A location token traded from the agency (Company) connection's token. */
  async function agencyLocationToken(
    conn: string,
    c: ConnectionConfig,
    stale?: string,
  ): Promise<string> {
    const name = `${secretName(conn)}@${c.locationId}`;
    // A connection added by an INSTALL webhook trades the token of the agency connection it came through.
    const owner = c.via ?? conn;
    const [, app] = appOf(owner);
    const seen = await read(name);
    if (seen && seen.rec.accessToken !== stale && usable(seen.rec, app.refreshBeforeMs))
      return seen.rec.accessToken;
    const company = await single(secretName(owner), owner, undefined);
    const companyRec = (await read(secretName(owner)))?.rec;
    const answer = await post(
      "/oauth/locationToken",
      { companyId: companyRec?.companyId ?? "", locationId: c.locationId },
      company,
    );
    const rec = recordOf(answer);
    if (!(await store.casSecret(name, seen?.version ?? 0, vault.seal(name, rec)))) {
      const again = await read(name);
      if (again) return again.rec.accessToken;
    }
    return rec.accessToken;
  }

  function single(name: string, conn: string, stale: string | undefined): Promise<string> {
    const key = `${name}\u0000${stale ?? ""}`;
    let p = inflight.get(key);
    if (!p) {
      p = refreshShared(name, conn, stale).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  }

  async function tokenFor(conn: string, stale?: string): Promise<string> {
    const c = connectionOf(conn);
    if ("pit" in c.auth) {
      log.secret(c.auth.pit);
      return c.auth.pit;
    }
    const [, app] = appOf(c.via ?? conn);
    if (app.userType === "Company") return agencyLocationToken(conn, c, stale);
    return single(secretName(conn), conn, stale);
  }

  return {
    getToken: (conn) => tokenFor(conn),
    refresh: (conn, stale) => tokenFor(conn, stale),
    getter(conn) {
      let last: string | undefined;
      return async () => {
        last = last === undefined ? await tokenFor(conn) : await tokenFor(conn, last);
        return last;
      };
    },
    async saveGrant(conn, answer) {
      const name = secretName(conn);
      const rec = recordOf(answer as TokenAnswer);
      for (let i = 0; i < 5; i++) {
        const cur = await store.getSecret(name);
        if (await store.casSecret(name, cur?.version ?? 0, vault.seal(name, rec))) {
          log.info("oauth connection authorized", { connection: conn, userType: rec.userType });
          return;
        }
      }
      throw runnerError(
        "OAUTH_STORE_CONFLICT",
        `connection ${conn}: the new tokens could not be stored`,
        {
          connection: conn,
        },
      );
    },
    async exchangeCode(appName, code, redirectUri) {
      const app = config.oauthApps[appName];
      log.secret(code);
      return post("/oauth/token", {
        client_id: app.clientId,
        client_secret: app.clientSecret,
        grant_type: "authorization_code",
        code,
        user_type: app.userType,
        redirect_uri: redirectUri,
      });
    },
    async refreshDue() {
      const all = { ...config.connections, ...(options.extraConnections?.() ?? {}) };
      for (const [name, c] of Object.entries(all)) {
        if (!("oauth" in c.auth)) continue;
        try {
          if (await store.getSecret(secretName(c.via ?? name))) await tokenFor(name);
        } catch (e) {
          log.warn("oauth token not refreshed ahead of expiry", {
            connection: name,
            error: {
              code: (e as { code?: string }).code,
              message: log.scrub(String((e as Error).message)),
            },
          });
        }
      }
    },
    async forget(conn) {
      await store.deleteSecret(secretName(conn));
      const c = options.extraConnections?.()[conn] ?? config.connections[conn];
      if (c) await store.deleteSecret(`${secretName(conn)}@${c.locationId}`);
    },
  };
}
