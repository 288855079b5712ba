/**
 * The extension's service worker. Every listener is registered synchronously at the
 * top level (MV3 wakes the worker for an event only if its listener exists at once),
 * and each handler awaits the engine, which loads the Wasm module and restores the
 * outbox from IndexedDB the first time after a wake. Alarms:
 *
 * - `ghl-bridge/deliver` every minute: wakes the worker so a restored outbox resumes
 *   (retries and rate-limit waits survive the worker being stopped);
 * - `ghl-bridge/wishpond`, `ghl-bridge/qwilr`: the polls, at the configured interval;
 * - `ghl-bridge/report`: the weekly statistics report (see `worker/report.ts`).
 *
 * Pages talk to it with `chrome.runtime.sendMessage` (`shared/protocol.ts`); only
 * pages of this extension are answered, and no answer ever carries a secret.
 */
import { consoleCall } from "./worker/console-service.js";
import {
  CHANGED,
  type ConsoleReply,
  type ConsoleRequest,
  type Failure,
  type Reply,
  type Request,
  type Settings,
  type Status,
} from "./shared/protocol.js";
import {
  engine,
  engineError,
  OUTBOX_DB,
  onChange,
  restartEngine,
  resumeAfterNewToken,
} from "./worker/engine.js";
import { updateBadge } from "./worker/badge.js";
import { loadReportState, REPORT_ALARM, scheduleReport, sendReport } from "./worker/report.js";
import { pollQwilr, pollWishpond } from "./worker/sources.js";
import {
  addActivity,
  clearAll,
  labelFor,
  loadActivity,
  loadDelivered,
  loadPaused,
  loadSettings,
  loadSourceStatus,
  saveSecrets,
  saveSettings,
  secretsSet,
} from "./worker/store.js";

/** Console methods that change nothing (no change notice after them: pages would ask again). */
const CONSOLE_READS = new Set([
  "connection",
  "sources",
  "rules",
  "samples",
  "customFields",
  "dryRun",
  "mode",
  "outboxStatus",
  "activity",
  "deadLetters",
  "tags",
  "statistics",
  "reportPreview",
]);

const DELIVER_ALARM = "ghl-bridge/deliver";
const WISHPOND_ALARM = "ghl-bridge/wishpond";
const QWILR_ALARM = "ghl-bridge/qwilr";
const VERSION = chrome.runtime.getManifest().version;

/** Tells open pages that the status changed (none open is fine). */
function broadcast(): void {
  chrome.runtime.sendMessage({ type: CHANGED }).catch(() => undefined);
}
onChange(broadcast);

/** Creates or clears the alarms for these settings (idempotent; run at every wake). */
async function ensureAlarms(settings: Settings, configured: boolean): Promise<void> {
  const want = async (name: string, on: boolean, minutes: number) => {
    const period = Math.max(1, minutes);
    const have = await chrome.alarms.get(name);
    if (!on) {
      if (have) await chrome.alarms.clear(name);
    } else if (!have || have.periodInMinutes !== period) {
      await chrome.alarms.create(name, { periodInMinutes: period, delayInMinutes: 0.5 });
    }
  };
  await want(DELIVER_ALARM, configured, 1);
  await want(
    WISHPOND_ALARM,
    configured && settings.wishpond.enabled,
    settings.wishpond.intervalMinutes,
  );
  await want(QWILR_ALARM, configured && settings.qwilr.enabled, settings.qwilr.intervalMinutes);
  if (configured && settings.report.enabled) {
    if (!(await chrome.alarms.get(REPORT_ALARM))) await scheduleReport(settings);
  } else await scheduleReport({ ...settings, report: { ...settings.report, enabled: false } });
}

/** Wakes the engine (restoring the outbox), the alarms and the badge. */
async function wake(): Promise<void> {
  const e = await engine();
  await ensureAlarms(e?.settings ?? (await loadSettings()), e !== null);
}

async function status(): Promise<Status> {
  const e = await engine();
  const settings = e?.settings ?? (await loadSettings());
  const failures: Failure[] = [];
  for (const d of e?.outbox.deadLetters() ?? [])
    failures.push({
      planId: d.planId,
      label: await labelFor(d.planId),
      flow: d.flow,
      reason: d.reason,
      status: d.status ?? undefined,
      message: d.message ?? undefined,
      attempts: d.attempts,
      at: d.at,
    });
  return {
    dev: __GHL_BRIDGE_DEV__,
    version: VERSION,
    configured: e !== null,
    secrets: await secretsSet(),
    settings,
    counts: e ? e.outbox.counts() : null,
    delivered: await loadDelivered(),
    paused: await loadPaused(),
    failures,
    events: (await loadActivity()).slice(-20).reverse(),
    sources: await loadSourceStatus(settings),
    report: await loadReportState(),
    error: engineError(),
  };
}

const text = (v: unknown, max = 4096) => typeof v === "string" && v.length <= max;

async function handle(req: Request): Promise<Reply> {
  switch (req.type) {
    case "ghl-bridge/status":
      break;
    case "ghl-bridge/save": {
      const before = await secretsSet();
      if (req.secrets) {
        for (const v of Object.values(req.secrets))
          if (!text(v))
            return {
              ok: false,
              error: { code: "INVALID_ARGUMENT", message: "a secret must be text" },
            };
        await saveSecrets(req.secrets);
      }
      const settings = req.settings ? await saveSettings(req.settings) : await loadSettings();
      const newToken = !!req.secrets?.ghlToken;
      const connectionChanged =
        !!req.settings &&
        ("locationId" in req.settings || "scopes" in req.settings || "ghlBaseUrl" in req.settings);
      if (connectionChanged || (newToken && !before.ghlToken) || req.secrets?.ghlToken === "")
        await restartEngine();
      if (newToken) await resumeAfterNewToken();
      else await engine();
      await ensureAlarms(settings, (await engine()) !== null);
      if (req.settings?.report) await scheduleReport(settings);
      break;
    }
    case "ghl-bridge/retry": {
      const e = await engine();
      if (!e) return notConfigured();
      if (req.planId) await e.outbox.retrigger(req.planId);
      else await e.outbox.retriggerAll();
      await addActivity(
        "queued",
        req.planId
          ? `${await labelFor(req.planId)} queued again`
          : "every failed event queued again",
        req.planId,
      );
      await updateBadge(e.outbox.counts(), await loadPaused());
      break;
    }
    case "ghl-bridge/poll": {
      const e = await engine();
      if (!e) return notConfigured();
      await (req.source === "qwilr" ? pollQwilr(e) : pollWishpond(e));
      await updateBadge(e.outbox.counts(), await loadPaused());
      break;
    }
    case "ghl-bridge/report": {
      const e = await engine();
      if (!e) return notConfigured();
      await sendReport(e, "dashboard");
      break;
    }
    case "ghl-bridge/forget": {
      await restartEngine();
      await chrome.alarms.clearAll();
      await clearAll();
      await new Promise<void>((ok, fail) => {
        const r = indexedDB.deleteDatabase(OUTBOX_DB);
        r.onsuccess = () => ok();
        r.onerror = () => fail(r.error);
        r.onblocked = () => ok();
      });
      await updateBadge(null, null);
      break;
    }
    default:
      return { ok: false, error: { code: "INVALID_ARGUMENT", message: "unknown request" } };
  }
  if (req.type !== "ghl-bridge/status") broadcast();
  return { ok: true, status: await status() };
}

function notConfigured(): Reply {
  return {
    ok: false,
    error: {
      code: "NOT_CONFIGURED",
      message: "set the GHL location and Private Integration Token in the console first",
    },
  };
}

chrome.runtime.onMessage.addListener((msg: Request | ConsoleRequest, sender, reply) => {
  // Only this extension's own pages.
  if (
    sender.id !== chrome.runtime.id ||
    (sender.url && !sender.url.startsWith(chrome.runtime.getURL("")))
  )
    return false;
  if (msg?.type === "ghl-bridge/console") {
    consoleCall(msg.method, msg.args).then(
      (value) => {
        reply({ ok: true, value } satisfies ConsoleReply);
        if (!CONSOLE_READS.has(msg.method)) broadcast();
      },
      (error) => reply({ ok: false, error } satisfies ConsoleReply),
    );
    return true;
  }
  const type: unknown = msg?.type;
  if (typeof type !== "string" || !type.startsWith("ghl-bridge/") || type === CHANGED) return false;
  handle(msg).then(reply, (e: unknown) =>
    reply({
      ok: false,
      error: {
        code: (e as { code?: string })?.code ?? "ERROR",
        message: e instanceof Error ? e.message : String(e),
      },
    }),
  );
  return true;
});

chrome.alarms.onAlarm.addListener((alarm) => {
  void (async () => {
    const e = await engine();
    if (!e) return;
    if (alarm.name === WISHPOND_ALARM) await pollWishpond(e);
    else if (alarm.name === QWILR_ALARM) await pollQwilr(e);
    else if (alarm.name === REPORT_ALARM) {
      await sendReport(e, "schedule");
      await scheduleReport(e.settings);
    }
    await updateBadge(e.outbox.counts(), await loadPaused());
    broadcast();
  })();
});

chrome.runtime.onStartup.addListener(() => void wake());
chrome.runtime.onInstalled.addListener(() => {
  void wake();
  chrome.sidePanel?.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => undefined);
});

// Every wake (an event, a page's message, an alarm) restores the outbox and resumes.
void wake();
