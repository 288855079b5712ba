/**
 * Which scopes a token has, asked of GHL itself: GHL has no endpoint that lists a
 * Private Integration Token's scopes, but it checks the scope before anything else, so
 * one harmless request per scope tells: "not authorized for this scope" means missing,
 * any other answer (200, 400, 422...) means granted. The write probes are built so that
 * GHL refuses them after the scope check (an unknown contact, a missing name, no
 * profile ids): nothing is written.
 *
 * Shared by every backend (the direct one here; the extension and the runner can
 * import it): it needs only a `send(operation, params)` that rejects with the package's
 * `GhlBridgeError` (`details.status`, `details.messages`).
 */
import type { ScopeCheck } from "./backend.js";

/** A request that needs exactly one scope, harmless whatever the answer. */
interface Probe {
  operation: string;
  params: (locationId: string) => Record<string, unknown>;
}

/** One probe per scope the flows need (see `FLOW_SCOPES`). */
export const PROBES: Record<string, Probe> = {
  "locations.readonly": {
    operation: "locations.get-location",
    params: (locationId) => ({ path: { locationId } }),
  },
  "contacts.readonly": {
    operation: "contacts.get-contact",
    params: () => ({ path: { contactId: "ghl-bridge-scope-probe" } }),
  },
  "contacts.write": {
    operation: "contacts.add-tags",
    params: () => ({ path: { contactId: "ghl-bridge-scope-probe" }, body: { tags: [] } }),
  },
  "locations/tags.readonly": {
    operation: "locations.get-location-tags",
    params: (locationId) => ({ path: { locationId } }),
  },
  "locations/tags.write": {
    operation: "locations.create-tag",
    params: (locationId) => ({ path: { locationId }, body: {} }),
  },
  "locations/customFields.readonly": {
    operation: "locations.get-custom-fields",
    params: (locationId) => ({ path: { locationId }, query: { model: "contact" } }),
  },
  "socialplanner/tag.readonly": {
    operation: "social-media-posting.get-tags-location-id",
    params: (locationId) => ({ path: { locationId }, query: { limit: "1" } }),
  },
  "socialplanner/account.readonly": {
    operation: "social-media-posting.get-account",
    params: (locationId) => ({ path: { locationId } }),
  },
  "socialplanner/statistics.readonly": {
    operation: "social-media-posting.get-social-media-statistics",
    params: (locationId) => ({ query: { locationId }, body: { profileIds: [] } }),
  },
};

/** What one probe's failure means. */
export function probeOutcome(error: unknown): ScopeCheck["status"] {
  const e = error as { code?: string; details?: { status?: number; messages?: string[] } };
  if (e?.code === "MISSING_SCOPE") return "missing";
  if (e?.code !== "GHL_HTTP_ERROR") return "unknown";
  const status = e.details?.status;
  const text = (e.details?.messages ?? []).join(" ").toLowerCase();
  if (status === 401 && text.includes("not authorized for this scope")) return "missing";
  if (status === 401 || status === 403 || status === 429 || (status ?? 500) >= 500)
    return "unknown";
  return "granted";
}

/** Probes each scope (sequentially: a dozen requests, well within the burst budget). */
export async function probeScopes(
  send: (operation: string, params: Record<string, unknown>) => Promise<unknown>,
  locationId: string,
  scopes: string[],
): Promise<Record<string, ScopeCheck["status"]>> {
  const out: Record<string, ScopeCheck["status"]> = {};
  for (const scope of scopes) {
    const probe = PROBES[scope];
    if (!probe) {
      out[scope] = "unknown";
      continue;
    }
    try {
      await send(probe.operation, probe.params(locationId));
      out[scope] = "granted";
    } catch (e) {
      out[scope] = probeOutcome(e);
    }
  }
  return out;
}
