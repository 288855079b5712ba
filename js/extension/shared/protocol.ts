/**
 * The messages between the extension's pages (side panel, options, the console's
 * backend) and its service worker, and the status the worker reports. The worker owns
 * every secret: a page can set one, never read it back (the status says only whether
 * it is set).
 */

/** Settings that are not secret (kept in `chrome.storage.local` under `settings`). */
export interface Settings {
  /** The GHL sub-account the token is for. */
  locationId: string;
  /** The scopes the Private Integration Token was granted. */
  scopes: string[];
  /** API base URLs: honoured in the development build only (the emulators). */
  ghlBaseUrl: string;
  wishpond: SourceSettings;
  qwilr: SourceSettings;
  report: ReportSettings;
  /** Staging: polled events are kept as samples, nothing is sent. Production: the outbox delivers. */
  mode: "staging" | "production";
  /** When the mode last changed (ms), or null. */
  modeSince: number | null;
}

/** One polled source. */
export interface SourceSettings {
  enabled: boolean;
  /** Minutes between polls (at least 1). */
  intervalMinutes: number;
  /** API base URL (development build only). */
  baseUrl: string;
}

/** The weekly statistics report, posted to a Slack incoming webhook. */
export interface ReportSettings {
  enabled: boolean;
  weekday: "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";
  hour: number;
  minute: number;
  utcOffsetMinutes: number;
}

/** The secrets (kept in `chrome.storage.local` under `secrets`; never synced, logged or sent to a page). */
export interface Secrets {
  /** The GHL Private Integration Token. */
  ghlToken: string;
  /** The Wishpond API key (Development -> API Keys). */
  wishpondApiKey: string;
  /** The Qwilr API token (Settings -> API). */
  qwilrToken: string;
  /** The Slack incoming webhook URL (it is a credential: whoever has it can post). */
  slackWebhookUrl: string;
}

export type SecretName = keyof Secrets;
export const SECRET_NAMES: readonly SecretName[] = [
  "ghlToken",
  "wishpondApiKey",
  "qwilrToken",
  "slackWebhookUrl",
];

/** The optional host permission the weekly report needs (asked for in the options page when it is turned on). */
export const SLACK_ORIGIN = "https://hooks.slack.com/*";

/** The scopes the extension's flows use (a Private Integration Token should grant them). */
export const DEFAULT_SCOPES = [
  "contacts.readonly",
  "contacts.write",
  "locations/tags.readonly",
  "locations/tags.write",
  "locations/customFields.readonly",
  "socialplanner/account.readonly",
  "socialplanner/statistics.readonly",
  "socialplanner/tag.readonly",
];

export const DEFAULT_SETTINGS: Settings = {
  locationId: "",
  scopes: DEFAULT_SCOPES,
  ghlBaseUrl: "",
  wishpond: { enabled: true, intervalMinutes: 5, baseUrl: "" },
  qwilr: { enabled: false, intervalMinutes: 15, baseUrl: "" },
  report: { enabled: false, weekday: "monday", hour: 9, minute: 0, utcOffsetMinutes: 0 },
  mode: "production",
  modeSince: null,
};

/** One line of "the last events". */
export interface ActivityEntry {
  at: number;
  kind:
    | "polled"
    | "queued"
    | "delivered"
    | "failed"
    | "dead"
    | "paused"
    | "resumed"
    | "report"
    | "error";
  text: string;
  /** The event it is about, when it is about one. */
  planId?: string;
}

/** A plan that could not be delivered. */
export interface Failure {
  planId: string;
  /** For people: the lead's or contact's email, else the plan id. */
  label: string;
  flow: string;
  reason: string;
  status?: number;
  message?: string;
  attempts: number;
  at: number;
}

/** Why delivery is paused (a revoked or wrong token). */
export interface Paused {
  reason: "auth";
  message: string;
  at: number;
}

/** A polled source's last run. */
export interface SourceStatus {
  enabled: boolean;
  lastPollAt: number | null;
  lastError: string | null;
  /** Events found by the last poll. */
  lastFound: number;
  /** When a poll last found events (a lead, an accepted page), or null. */
  lastFoundAt: number | null;
}

/** Everything a page shows. */
export interface Status {
  dev: boolean;
  version: string;
  /** A token and a location are set. */
  configured: boolean;
  /** Which secrets are set (never their values). */
  secrets: Record<SecretName, boolean>;
  settings: Settings;
  counts: {
    accepted: number;
    pending: number;
    inFlight: number;
    done: number;
    dead: number;
  } | null;
  /**
   * Events delivered whole to GHL (every stage of their flow), counted by the worker
   * since its data was last removed: the outbox's `counts.done` counts each stage.
   */
  delivered: number;
  paused: Paused | null;
  failures: Failure[];
  events: ActivityEntry[];
  sources: { wishpond: SourceStatus; qwilr: SourceStatus };
  report: { nextRunAt: number | null; lastSentAt: number | null; lastError: string | null };
  /** Why the delivery engine could not start (scrubbed), if it could not. */
  error: string | null;
}

/** What a page asks the worker. */
export type Request =
  | { type: "ghl-bridge/status" }
  | {
      type: "ghl-bridge/save";
      settings?: Partial<Omit<Settings, "wishpond" | "qwilr" | "report">> & {
        wishpond?: Partial<SourceSettings>;
        qwilr?: Partial<SourceSettings>;
        report?: Partial<ReportSettings>;
      };
      /** A secret set to "" is removed. */
      secrets?: Partial<Secrets>;
    }
  | { type: "ghl-bridge/retry"; planId?: string }
  | { type: "ghl-bridge/poll"; source: "wishpond" | "qwilr" }
  | { type: "ghl-bridge/report" }
  | { type: "ghl-bridge/forget" };

/** The worker's answer: the status after the request, or a typed error (never a secret). */
export type Reply =
  | { ok: true; status: Status }
  | { ok: false; error: { code: string; message: string }; status?: Status };

/** One `ConsoleBackend` method of the console widget, run by the worker (`extensionBackend()`). */
export interface ConsoleRequest {
  type: "ghl-bridge/console";
  method: string;
  args: unknown[];
}

/** Its answer: the method's JSON, or the interface's `BackendError`. */
export type ConsoleReply =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

/** What the worker broadcasts when something changed (pages then ask for the status). */
export const CHANGED = "ghl-bridge/changed";
