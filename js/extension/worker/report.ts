/**
 * The statistics schedule: a `chrome.alarms` alarm at the package's `nextRun` for the
 * weekly schedule in the settings; when it fires, the flows run `statistics.requested`
 * (accounts, statistics, series, the report) and the Slack Block Kit message is posted
 * to the incoming webhook. The webhook URL is a secret: it never appears in a message.
 */
import { nextRun } from "../../../pkg/entries/slim.js";
import type { Engine } from "./engine.js";
import { addActivity, loadReportState, saveReportState, secret } from "./store.js";
import { type Settings, SLACK_ORIGIN } from "../shared/protocol.js";

export const REPORT_ALARM = "ghl-bridge/report";

/** Schedules (or clears) the report alarm from the settings. */
export async function scheduleReport(settings: Settings, now = Date.now()): Promise<void> {
  if (!settings.report.enabled) {
    await chrome.alarms.clear(REPORT_ALARM);
    await saveReportState({ nextRunAt: null });
    return;
  }
  const { weekday, hour, minute, utcOffsetMinutes } = settings.report;
  const when = nextRun(now, { kind: "weekly", weekday, hour, minute, utcOffsetMinutes });
  await chrome.alarms.create(REPORT_ALARM, { when });
  await saveReportState({ nextRunAt: when });
}

/** Whether a URL is one the report may be posted to (Slack's webhooks; loopback in the development build). */
export function slackUrlAllowed(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === "https:" && u.hostname === "hooks.slack.com") return true;
  return (
    __GHL_BRIDGE_DEV__ && u.protocol === "http:" && ["127.0.0.1", "localhost"].includes(u.hostname)
  );
}

/** Whether the extension may post to this webhook (Slack's host is an optional permission). */
async function mayPost(url: string): Promise<boolean> {
  if (new URL(url).hostname !== "hooks.slack.com") return true; // loopback: the development build's host permission
  return (await chrome.permissions?.contains({ origins: [SLACK_ORIGIN] })) ?? false;
}

/** Runs the statistics flow and posts the report to Slack; records the outcome. */
export async function sendReport(engine: Engine, trigger: "schedule" | "dashboard"): Promise<void> {
  const at = Date.now();
  try {
    const webhook = await secret("slackWebhookUrl");
    if (!webhook) throw new Error("no Slack incoming webhook URL is set (options page)");
    if (!slackUrlAllowed(webhook))
      throw new Error("the Slack webhook URL must be https://hooks.slack.com/...");
    if (!(await mayPost(webhook)))
      throw new Error(
        "posting to hooks.slack.com was not allowed: turn the weekly report on again in the options page and allow it",
      );
    const report = await engine.flows.run({
      type: "statistics.requested",
      id: `statistics-${trigger}-${at}`,
      payload: { trigger, title: "Weekly social report" },
    });
    const result = (report.outcome?.result ?? {}) as { slack?: unknown };
    if (report.failed || !result.slack)
      throw new Error(
        `the statistics could not be read: ${report.failed?.error.code ?? "no report"}`,
      );
    const res = await fetch(webhook, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(result.slack),
      redirect: "error",
    });
    if (!res.ok) throw new Error(`Slack answered ${res.status}`);
    await saveReportState({ lastSentAt: at, lastError: null });
    await addActivity("report", "weekly report sent to Slack");
  } catch (e) {
    // Messages name the problem, never the webhook URL.
    const text = e instanceof Error ? e.message : String(e);
    await saveReportState({ lastError: text });
    await addActivity("error", `weekly report not sent: ${text}`);
  }
}

export { loadReportState };
