// HighLevel OAuth (marketplace apps), emulated: the authorize page, the token endpoint
// and the agency -> location trade, following ../shared/sources/FACTS.md.
//
//   GET  /oauth/chooselocation (also /v2/oauth/chooselocation): consents at once for the
//        configured install (`installFor`) and redirects to `redirect_uri?code=&state=`
//   POST /oauth/token          form-urlencoded; `authorization_code` and `refresh_token`
//   POST /oauth/locationToken  form `companyId`, `locationId`; a Company bearer token
//        with the `oauth.write` scope and a `Version: 2021-07-28` header (as the OpenAPI
//        says); only for a location the app is installed on (`install` / `uninstall`)
//
// Invariants:
// - Refresh tokens ROTATE: each refresh answers a new one and the one used stops
//   working at once (a second use is 401 `invalid_grant`); codes are single-use.
// - Access tokens expire after `expiresIn` seconds of the emulator's clock (then GHL
//   calls answer 401 `Invalid JWT`); location tokens from `/oauth/locationToken` have no
//   refresh token.
// - Agency installs: a Company consent installs the app on `installFor.locations` (the
//   default location unless set); `oauth.install(companyId, locationId)` adds one (what
//   an INSTALL webhook announces) and `oauth.uninstall(companyId, locationId)` removes
//   it and revokes every token issued for that location (UNINSTALL): they answer 401.
// - No token is logged: `oauthLog` entries carry the grant, the client id, the status,
//   and fingerprints only.

import { randomBytes } from "node:crypto";

/** The emulator's demo OAuth app (public development values, valid only here). */
export const DEMO_OAUTH_CLIENT = Object.freeze({
  clientId: "emulator-demo-client",
  clientSecret: "emulator-demo-client-secret",
});

const secretToken = (prefix) => `${prefix}-${randomBytes(18).toString("base64url")}`;

export function createOAuth({ clock, addToken, removeToken, fingerprint, allScopes, defaults }) {
  const clients = new Map([[DEMO_OAUTH_CLIENT.clientId, DEMO_OAUTH_CLIENT.clientSecret]]);
  const codes = new Map(); // code -> {clientId, redirectUri, install, scopes}
  const refreshTokens = new Map(); // token -> {clientId, install, scopes, userType}
  const companyTokens = new Map(); // token -> {companyId, scopes, expiresAtMs}
  const installs = new Map(); // companyId -> Set(locationId)
  const issuedFor = new Map(); // locationId -> Set(access token)
  const installed = (companyId) => {
    if (!installs.has(companyId)) installs.set(companyId, new Set());
    return installs.get(companyId);
  };
  const log = [];
  const settings = {
    expiresIn: 86399,
    installFor: {
      userType: "Location",
      locationId: defaults.locationId,
      companyId: "demoCompany000000001",
    },
  };

  const record = (entry) => log.push({ seq: log.length + 1, timeMs: clock(), ...entry });

  function issue(clientId, install, scopes, withRefresh = true) {
    const expiresAtMs = clock() + settings.expiresIn * 1000;
    const access = secretToken("oauth-at");
    if (install.userType === "Company") {
      companyTokens.set(access, { companyId: install.companyId, scopes, expiresAtMs });
      for (const l of install.locations ?? [defaults.locationId])
        installed(install.companyId).add(l);
    } else {
      addToken(access, { locationId: install.locationId, scopes, label: "oauth", expiresAtMs });
      if (!issuedFor.has(install.locationId)) issuedFor.set(install.locationId, new Set());
      issuedFor.get(install.locationId).add(access);
    }
    const answer = {
      access_token: access,
      token_type: "Bearer",
      expires_in: settings.expiresIn,
      scope: scopes.join(" "),
      userType: install.userType,
      companyId: install.companyId,
      userId: "demoUser000000000001",
    };
    if (install.userType !== "Company") answer.locationId = install.locationId;
    if (withRefresh) {
      const refresh = secretToken("oauth-rt");
      refreshTokens.set(refresh, { clientId, install, scopes });
      answer.refresh_token = refresh;
    }
    return answer;
  }

  function authorize(url) {
    const q = url.searchParams;
    const redirect = q.get("redirect_uri");
    const clientId = q.get("client_id");
    if (q.get("response_type") !== "code" || !redirect || !clients.has(clientId)) {
      record({ endpoint: "authorize", clientId, status: 400 });
      return { status: 400, body: { error: "invalid_request" } };
    }
    const code = secretToken("code");
    const scopes = (q.get("scope") ?? "").split(/\s+/).filter(Boolean);
    codes.set(code, {
      clientId,
      redirectUri: redirect,
      install: { ...settings.installFor },
      scopes: scopes.length ? scopes : [...allScopes],
    });
    const to = new URL(redirect);
    to.searchParams.set("code", code);
    if (q.has("state")) to.searchParams.set("state", q.get("state"));
    record({ endpoint: "authorize", clientId, status: 302 });
    return { status: 302, location: to.href };
  }

  function token(form) {
    const grant = form.get("grant_type");
    const clientId = form.get("client_id");
    const entry = { endpoint: "token", grant, clientId };
    const fail = (status, error, description) => {
      record({ ...entry, status, error });
      return { status, body: { error, error_description: description } };
    };
    if (!clients.has(clientId) || clients.get(clientId) !== form.get("client_secret"))
      return fail(401, "invalid_client", "unknown client or wrong client_secret");
    if (grant === "authorization_code") {
      const code = codes.get(form.get("code") ?? "");
      if (!code || code.clientId !== clientId)
        return fail(401, "invalid_grant", "the code is unknown or was used");
      codes.delete(form.get("code"));
      if (form.has("redirect_uri") && form.get("redirect_uri") !== code.redirectUri)
        return fail(400, "invalid_grant", "redirect_uri does not match the authorize request");
      record({ ...entry, status: 200 });
      return { status: 200, body: issue(clientId, code.install, code.scopes) };
    }
    if (grant === "refresh_token") {
      const used = form.get("refresh_token") ?? "";
      const held = refreshTokens.get(used);
      if (!held || held.clientId !== clientId) {
        return fail(
          401,
          "invalid_grant",
          "the refresh token is unknown or was already used (they rotate)",
        );
      }
      refreshTokens.delete(used); // rotation: the one used stops working now
      record({ ...entry, status: 200, refreshed: fingerprint(used) });
      return { status: 200, body: issue(clientId, held.install, held.scopes) };
    }
    return fail(400, "unsupported_grant_type", `grant_type ${grant} is not supported`);
  }

  function locationToken(form, bearer, headers) {
    const entry = { endpoint: "locationToken", locationId: form.get("locationId") };
    const company = bearer ? companyTokens.get(bearer) : undefined;
    if (!company || company.expiresAtMs <= clock()) {
      record({ ...entry, status: 401 });
      return { status: 401, body: { statusCode: 401, message: "Invalid JWT" } };
    }
    if (!company.scopes.includes("oauth.write")) {
      record({ ...entry, status: 401 });
      return {
        status: 401,
        body: { statusCode: 401, message: "The token is not authorized for this scope." },
      };
    }
    if (!headers.version) {
      record({ ...entry, status: 400 });
      return { status: 400, body: { statusCode: 400, message: "version header is required" } };
    }
    if (!form.get("companyId")) {
      record({ ...entry, status: 422 });
      return { status: 422, body: { statusCode: 422, message: ["companyId should not be empty"] } };
    }
    if (form.get("companyId") !== company.companyId) {
      record({ ...entry, status: 403 });
      return { status: 403, body: { statusCode: 403, message: "companyId is not the token's" } };
    }
    const locationId = form.get("locationId");
    if (!locationId) {
      record({ ...entry, status: 422 });
      return {
        status: 422,
        body: { statusCode: 422, message: ["locationId should not be empty"] },
      };
    }
    if (!installed(company.companyId).has(locationId)) {
      record({ ...entry, status: 400 });
      return {
        status: 400,
        body: { statusCode: 400, message: "The app is not installed on this location" },
      };
    }
    record({ ...entry, status: 200 });
    const install = { userType: "Location", locationId, companyId: company.companyId };
    return { status: 200, body: issue("(location-token)", install, company.scopes, false) };
  }

  return {
    log,
    settings,
    addClient: (clientId, clientSecret) => clients.set(clientId, clientSecret),
    /** Installs the app on a location of the company (what an INSTALL webhook announces). */
    install(companyId, locationId) {
      installed(companyId).add(locationId);
    },
    /** Uninstalls it: no more location tokens, and those issued stop working (401). */
    uninstall(companyId, locationId) {
      installed(companyId).delete(locationId);
      for (const t of issuedFor.get(locationId) ?? []) removeToken?.(t);
      issuedFor.delete(locationId);
      for (const [t, held] of refreshTokens)
        if (held.install.locationId === locationId) refreshTokens.delete(t);
    },
    /** `{status, body?, location?}` for an OAuth path, or null when the path is not one. */
    handle(method, url, rawBody, headers) {
      const p = url.pathname;
      if (method === "GET" && (p === "/oauth/chooselocation" || p === "/v2/oauth/chooselocation"))
        return authorize(url);
      if (method !== "POST" || (p !== "/oauth/token" && p !== "/oauth/locationToken")) return null;
      const type = String(headers["content-type"] ?? "");
      if (!type.startsWith("application/x-www-form-urlencoded"))
        return {
          status: 415,
          body: { error: "invalid_request", error_description: "form-urlencoded only" },
        };
      const form = new URLSearchParams(rawBody);
      if (p === "/oauth/token") return token(form);
      const bearer = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ""))?.[1]?.trim();
      return locationToken(form, bearer, headers);
    },
  };
}
