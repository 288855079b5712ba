/**
 * Every word the console shows, in one place (a translation replaces this module).
 * Errors are turned into words a marketer uses by `errorText` (from the stable `code`
 * and structured `details` of the package's errors; never from a token).
 */
import type { BackendError, FlowName } from "./backend.js";

/** The tabs, in order (their text is each tab's accessible name). */
export const TABS = {
  connection: "Connection",
  sources: "Sources",
  mapping: "Mapping",
  golive: "Go live",
  activity: "Activity",
  tags: "Tags",
  dashboard: "Dashboard",
} as const;

/** A tab's key. */
export type TabKey = keyof typeof TABS;

/** What each flow is for, in words. */
export const FLOW_LABELS: Record<FlowName, string> = {
  location: "Read the location (Test connection)",
  contacts: "Create and update contacts from Wishpond and Qwilr",
  tags: "Add and remove contact tags",
  customFields: "Fill custom fields",
  socialTags: "Social Planner tag catalog (Tags tab)",
  statistics: "Social statistics (Dashboard)",
};

export const S = {
  title: "HighLevel sync",
  tablistLabel: "Console sections",
  modeStaging: "Staging",
  modeProduction: "Live",
  loading: "Loading…",
  refresh: "Refresh",
  close: "Close",
  cancel: "Cancel",
  never: "never",
  copied: "Copied to the clipboard.",
  copyFailed: "Could not copy: select the text and copy it yourself.",

  // Connection
  connTitle: "Connect to HighLevel",
  connIntro:
    "Paste a Private Integration Token from HighLevel (Settings → Private Integrations) and the Location ID of your sub-account (Settings → Business Profile).",
  tokenLabel: "Private Integration Token",
  tokenHelpKept: "A token is saved (it is never shown). Leave this empty to keep it.",
  tokenHelpProvider:
    "This console gets its token from the page it runs in. Leave this empty to keep it.",
  tokenHelp: "It starts with “pit-”. It is never shown again after you save it.",
  locationLabel: "Location ID",
  connectButton: "Save and test connection",
  testButton: "Test connection",
  disconnectButton: "Disconnect",
  oauthButton: "Connect with HighLevel",
  connIntroRunner:
    "The sync service (ghl-bridge serve) keeps this location’s token: a Private Integration Token in its settings, or “Connect with HighLevel”. Test what it may do here.",
  oauthNotForPit:
    "This location uses a Private Integration Token set in the sync service’s settings: there is nothing to connect.",
  oauthWaiting: "Finish connecting in the HighLevel window that opened…",
  oauthNotFinished:
    "HighLevel did not finish connecting. Open “Connect with HighLevel” again and approve the app.",
  signInTitle: "Sign in to the console",
  signInHelp: "The console password is set by whoever runs the sync service (ghl-bridge serve).",
  signInNoPassword:
    "Open this console from HighLevel (its custom page in your sub-account), or ask whoever runs the sync service to set a console password.",
  passwordLabel: "Console password",
  signInButton: "Sign in",
  needPassword: "Type the console password.",
  runnerWishpondSet:
    "The sync service polls Wishpond with the API key in its settings; the page capture’s site key is set there too.",
  runnerWishpondUnset:
    "No Wishpond source is set up in the sync service’s settings for this location (sources.wishpond, sources.capture).",
  runnerQwilrSet:
    "The sync service reads Qwilr with the API token in its settings. Subscribe it to Qwilr’s webhooks here.",
  runnerQwilrUnset:
    "No Qwilr source is set up in the sync service’s settings for this location (sources.qwilr).",
  testing: "Testing the connection…",
  connectedTo: (name: string, id: string) => `Connected to ${name} (${id}).`,
  notConnected: "Not connected yet.",
  lastChecked: (when: string) => `Last checked ${when}.`,
  scopesTitle: "What this token may do",
  scopeReady: "Ready",
  scopeMissing: (scopes: string[]) => `Missing permission: ${scopes.join(", ")}`,
  scopeUnknown: "Not checked",
  grantHowTo: (scopes: string[]) =>
    `To grant ${scopes.join(" and ")}: in HighLevel open Settings → Private Integrations, edit this integration, tick ${scopes
      .map((s) => `“${s}”`)
      .join(" and ")} under Scopes, save, then press “Test connection” again.`,
  allReady: "This token can do everything the console needs.",
  needLocationId: "Enter the Location ID.",
  needToken: "Paste the Private Integration Token.",

  // Sources
  srcTitle: "Sources",
  wishpondTitle: "Wishpond",
  wishpondKey: "Wishpond API key",
  wishpondKeySet: "An API key is saved. Leave this empty to keep it.",
  siteKey: "Site key for the page capture",
  siteKeyHelp: "A name for this website (letters, digits, - and _), e.g. “spring-landing”.",
  saveWishpond: "Save Wishpond settings",
  saveQwilr: "Save Qwilr token",
  saved: "Saved.",
  lastLead: (when: string) => `Last lead seen: ${when}.`,
  lastPoll: (when: string) => `Last poll: ${when}.`,
  snippetTitle: "Page capture snippet",
  snippetHelp:
    "Paste this before </body> on your Wishpond landing page. It sends each form submission to HighLevel.",
  snippetNeedsSiteKey: "Enter a site key to generate the snippet.",
  snippetNoIntake:
    "This console has no intake address for page captures; the snippet shows where it goes once the sync service (ghl-bridge serve) runs.",
  copy: "Copy snippet",
  qwilrTitle: "Qwilr",
  qwilrToken: "Qwilr API token",
  qwilrTokenSet: "A token is saved. Leave this empty to keep it.",
  subscriptions: "Webhook subscriptions",
  noSubscriptions: "No webhook subscriptions.",
  subscribe: "Create the subscriptions",
  qwilrEventsLegend: "Qwilr events to receive",
  qwilrEventsNone: "Choose at least one Qwilr event.",
  subscribed: (n: number) => `${n} Qwilr subscription${n === 1 ? "" : "s"} in place.`,
  unsubscribed: "Subscription removed.",
  removeSub: "Remove",
  unsubscribe: (event: string) => `Remove the ${event} subscription`,
  lastEvent: (when: string) => `Last Qwilr event: ${when}.`,
  qwilrManual:
    "Qwilr sends webhooks to a public address, which the sync service (ghl-bridge serve) provides. Without it, ask your developer to set up the service; this page cannot receive them.",

  // Mapping
  mapTitle: "Mapping",
  mapSource: "Rules for",
  mapLoadFailed: "The mapping editor could not be loaded.",
  mapSave: "Save rules",
  mapSaved: "Rules saved.",
  mapProblems: (n: number) =>
    n === 1 ? "1 problem to fix before saving." : `${n} problems to fix before saving.`,
  mapNoProblems: "No problems.",

  // Go live
  liveTitle: "Go live",
  liveStaging:
    "Staging: events are tried out here and the exact requests are shown. Nothing is sent to HighLevel.",
  liveProduction: (since: string) => `Live since ${since}: events are delivered to HighLevel.`,
  eventLabel: "Event to try",
  dryRun: "Dry run",
  sendEvent: "Send this event",
  dryRunTitle: "Requests that would be sent",
  nothingSent: "Nothing was sent to HighLevel.",
  matchNote: (who: string, name: string) =>
    `This event will update ${name || "the contact"} (matched by ${who}), or create it if there is none.`,
  noRequests: "This event needs no request.",
  goLive: "Go live…",
  backToStaging: "Back to staging",
  confirmTitle: "Start delivering to HighLevel?",
  confirmBody: (location: string) => `From now on, these will be sent to ${location}:`,
  confirmRuns: [
    "New Wishpond leads become HighLevel contacts, with their tags and custom fields.",
    "Accepted and viewed Qwilr proposals update the matching contacts.",
    "Events waiting in staging are not sent; only new ones are.",
  ],
  confirmButton: "Start delivering",
  /** An Activity entry the runner planned and did not send (staging), with its requests. */
  stagedNotSent: (requests: string[]) =>
    `Staging: not sent. Would send ${requests.length ? requests.join("; ") : "nothing"}.`,
  /** What people call an event (`eventLabel` in shapes.ts). */
  wishpondEventLabel: (email: string) => `Wishpond lead${email ? ` ${email}` : ""}`,
  qwilrEventLabel: (name: string, verb: string, email: string) =>
    `Qwilr proposal ${name ? `“${name}” ` : ""}${verb}${email ? ` by ${email}` : ""}`,
  unknownEventLabel: (shortId: string) => `Event ${shortId}`,
  hintedEventLabel: (who: string, shortId: string) => `Event for ${who} (${shortId})`,
  stagedRequests: (n: number) => `The ${n === 1 ? "request" : `${n} requests`} it would send`,
  runnerRunning: "Wishpond leads → HighLevel contacts (the runner's worker)",
  nowLive: "Live: events are now delivered to HighLevel.",
  nowStaging: "Back in staging: nothing more is sent.",
  queued: (id: string) => `Event ${id} is queued for delivery. Watch it in Activity.`,
  thenNote: "After HighLevel answers these:",
  placeholderNote: "Values in {braces} come from an earlier request’s answer.",
  stageNote: (n: number) =>
    n === 1 ? "Stage 1: sent first" : `Stage ${n}: sent once HighLevel has answered stage ${n - 1}`,

  // Activity
  actTitle: "Activity",
  progressLabel: "Deliveries done",
  /** The counts are deliveries: an event in stages is one per stage (`OutboxCounts`). */
  countsNote:
    "Counted in deliveries: an event that needs an answer from HighLevel first counts once per step.",
  countAccepted: "Accepted",
  countPending: "Waiting",
  countInFlight: "In flight",
  countDone: "Delivered",
  countDead: "Failed for good",
  rateLabel: "Requests left in this 10-second window",
  dailyLabel: "Requests left today",
  rateUnknown: "The rate budget shows after the first answer from HighLevel.",
  stateLabel: {
    running: "Delivering",
    paused: "Paused: the token was refused",
    parked: "Waiting for HighLevel’s rate limit",
    stopped: "Not delivering (staging)",
  },
  logTitle: "Log",
  filterKind: "Show",
  filterAll: "Everything",
  filterFailures: "Failures only",
  filterDelivered: "Delivered only",
  filterSource: "Source",
  filterAnySource: "Any source",
  filterText: "Search",
  colTime: "Time",
  colEvent: "Event",
  colWhat: "What happened",
  colGhl: "HighLevel said",
  colTrace: "Trace ID",
  noActivity: "Nothing has happened yet.",
  kindText: {
    queued: "Queued",
    sent: "Sent",
    done: "Delivered",
    failed: "Failed, will retry",
    dead: "Failed for good",
    info: "Note",
  },
  deadTitle: "Failed for good",
  noDead: "No failed events.",
  retry: (label: string) => `Retry ${label}`,
  retryText: "Retry",
  retryAll: "Retry all",
  retried: (n: number) => (n === 1 ? "1 event is queued again." : `${n} events are queued again.`),
  deadReason: {
    REJECTED: "HighLevel refused the data",
    RETRIES_EXHAUSTED: "HighLevel did not answer after several tries",
    RATE_LIMITED_TOO_OFTEN: "HighLevel’s rate limit was hit too often",
    UNRESOLVED: "A value from an earlier step was missing",
    UNEXPECTED_STATUS: "HighLevel gave an unexpected answer",
    INVALID_PLAN: "The stored event could not be read",
    INVALID_REQUEST: "The request could not be built",
  } as Record<string, string>,
  traceIdNote: "Give the trace ID to HighLevel support if you contact them.",

  // Tags
  tagsTitle: "Tags",
  catalogTitle: "Social Planner tags",
  reportTitle: "Check",
  noFindings: "No problems found in the tags.",
  deletedBadge: "deleted",
  manualStep: "Manual step",
  tagFixLabel: (name: string) => `Use “${name}” in the mapping rules`,
  /** The manual step of a tag finding (by the core's proposal `action`). */
  tagManual: (action: string, name: string, other: string, where: string[]) => {
    const settings = "In HighLevel, open Marketing → Social Planner → Settings → Tags and";
    if (action === "rename") return `${settings} rename “${name}” to “${other}”.`;
    if (action === "remove") return `${settings} delete “${name}”.`;
    if (action === "recreateOrRemove")
      return `In HighLevel, recreate the tag “${name}” in the Social Planner, or remove it from the rules and posts that use it.`;
    if (action === "createOrFix")
      return `In HighLevel, create the tag “${name}” in the Social Planner, or correct the reference where it is used (${where.join(", ")}).`;
    return `${settings} keep only “${other}”.`;
  },
  fixed: "Fixed.",
  tagCount: (n: number) => `${n} tags`,

  // Dashboard
  dashTitle: "Dashboard",
  chartTitle: "Last 7 days against the 7 days before",
  seriesTitle: (metric: string) => `${metric} per day`,
  metricLabel: "Metric",
  thisWeek: "Last 7 days",
  lastWeek: "7 days before",
  change: "Change",
  reportTitleText: "Weekly report",
  downloadCsv: "Download CSV",
  sendNow: "Send now",
  slackUrl: "Slack incoming-webhook URL",
  slackUrlHelp:
    "From Slack: Apps → Incoming Webhooks → Add to a channel. It starts with https://hooks.slack.com/. Kept on this page only.",
  slackRunner:
    "The report goes to the Slack channels and email addresses set up in the sync service's configuration.",
  slackUrlOptional: "Leave empty to send to the channels the sync service is set up for.",
  slackUrlNeeded: "Paste the Slack incoming-webhook URL first.",
  sentTo: (to: string[]) => `Report sent to ${to.join(", ") || "the configured channel"}.`,
  noStats: "No statistics yet.",
} as const;

/** Qwilr's webhook events (the names Qwilr uses, FACTS) in the words the Sources panel shows. */
export const QWILR_EVENT_LABELS: Record<string, string> = {
  pageAccepted: "A proposal is accepted",
  pagePartiallyAccepted: "A proposal is partly accepted",
  pagePreviewAccepted: "A preview is accepted",
  pageFirstViewed: "A proposal is opened for the first time",
  pageViewed: "A proposal is viewed",
  pageSetLive: "A proposal is made live",
  pageRevivedLive: "A proposal is made live again",
};

/** Human names of metrics and platforms (others shown as they are). */
export const METRIC_NAMES: Record<string, string> = {
  impressions: "Impressions",
  reach: "Reach",
  engagement: "Engagement",
  likes: "Likes",
  comments: "Comments",
  shares: "Shares",
  followers: "Followers",
  posts: "Posts",
  leads: "Wishpond leads",
  acceptances: "Qwilr acceptances",
};

/** A date-time for people, in the browser's locale. */
export function when(iso: string | null): string {
  if (!iso) return S.never;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

function messages(e: BackendError): string {
  const m = e.details?.messages;
  return Array.isArray(m) ? m.join("; ") : typeof m === "string" ? m : "";
}

/** An error in words a marketer uses (from the code and details; never the raw message of a token source). */
export function errorText(e: BackendError | null | undefined): string {
  if (!e) return "";
  const status = typeof e.details?.status === "number" ? e.details.status : null;
  switch (e.code) {
    case "NOT_CONNECTED":
      return "Connect to HighLevel first (Connection tab).";
    case "CONFIRMATION_REQUIRED":
      return "Please confirm before going live.";
    case "MISSING_SCOPE": {
      const scopes = (e.details?.missingScopes as string[] | undefined) ?? [];
      return `This token may not do that: it lacks the ${scopes.join(", ") || "required"} permission. ${S.grantHowTo(scopes.length ? scopes : ["the missing permission"])}`;
    }
    case "INVALID_TOKEN":
    case "TOKEN_UNAVAILABLE":
      return "The token could not be used. Paste the whole Private Integration Token again.";
    case "NETWORK_ERROR":
      return "HighLevel could not be reached. Check your internet connection and try again.";
    case "TIMEOUT":
      return "HighLevel took too long to answer. Try again in a minute.";
    case "WASM_LOAD_FAILED":
      return "The console’s engine could not be loaded. Reload the page; if it keeps happening, tell your developer (the .wasm file is not served).";
    case "RULES_INVALID": {
      const n = Array.isArray(e.details?.problems) ? (e.details.problems as unknown[]).length : 0;
      return `The mapping rules have ${n || "some"} problem${n === 1 ? "" : "s"}. Fix them in the Mapping tab, then save again.`;
    }
    case "INVALID_ARGUMENT":
      if (e.details?.argument === "target.slack.webhookUrl")
        return "The Slack webhook URL must be the whole https:// address Slack shows (https://hooks.slack.com/services/…).";
      return `Something is missing or wrong in what was entered (${e.message}).`;
    case "REPORT_NOT_SENT":
      return status === 404 || status === 403
        ? "Slack did not accept the report: the webhook URL is wrong or was removed. Create a new incoming webhook in Slack and paste its URL."
        : "The report could not be sent. Check the webhook URL and try again.";
    case "QWILR_TOKEN_NEEDED":
      return "Type the Qwilr API token above first: this page keeps it only while it is open.";
    case "SOURCE_BAD_CREDENTIALS":
      return "Qwilr did not accept the API token. Create a new one in Qwilr (Settings → API) and paste it here.";
    case "NOT_SUPPORTED":
      return `Not available here: ${e.message}.`;
    case "CONSOLE_LOGIN_REQUIRED":
      return S.signInTitle;
    case "CONSOLE_LOGIN_FAILED":
      return "That password is not right. Try again.";
    case "CONSOLE_RATE_LIMITED":
      return "Too many wrong passwords. Wait a minute, then try again.";
    case "CONSOLE_USER_DATA_INVALID":
      return "HighLevel’s sign-in could not be checked. Reload the page in HighLevel; if it keeps happening, the app’s shared secret in the sync service is wrong.";
    case "CONSOLE_USER_DATA_REPLAYED":
      return "This HighLevel sign-in was used already. Open the page again from HighLevel’s menu.";
    case "CONSOLE_FORBIDDEN":
      return `The sync service refused this: ${e.message}.`;
    case "CONSOLE_NOT_CONFIGURED":
      return `The sync service is not set up for this: ${e.message}.`;
    case "STATS_NO_PROFILES":
      return "No social accounts are connected in HighLevel’s Social Planner, so there are no statistics.";
    case "GHL_HTTP_ERROR": {
      const said = messages(e);
      if (status === 401 && said.includes("not authorized for this scope"))
        return "HighLevel says this token lacks a permission for that. See “What this token may do” in the Connection tab.";
      if (status === 401)
        return "HighLevel did not accept the token. Check that you pasted the whole Private Integration Token and that it was not deleted.";
      if (status === 403)
        return "This token belongs to another location. Check the Location ID, or use the token of this location.";
      if (status === 404)
        return "HighLevel does not know this location or record. Check the Location ID.";
      if (status === 422 || status === 400)
        return `HighLevel refused the data${said ? `: ${said}` : ""}.`;
      if (status === 429) return "HighLevel’s rate limit is reached. Delivery resumes by itself.";
      return "HighLevel is having trouble right now. Try again in a few minutes.";
    }
    default:
      return `Something went wrong (${e.code}). Try again; if it keeps happening, give this code to your developer.`;
  }
}
