/**
 * The options page: hosts the console widget and the extension's own settings (the
 * connection, the polled sources, the weekly report; the API base URLs in the
 * development build). Secret fields are write-only: they start blank, a blank field
 * keeps the stored value, and the worker never sends a secret back.
 */
import {
  type ReportSettings,
  type Request,
  SLACK_ORIGIN,
  type Status,
} from "../shared/protocol.js";
import { ask, onWorkerChange } from "./ask.js";
import { mountConsole } from "./console.js";

const input = (id: string) => document.getElementById(id) as HTMLInputElement;

function fill(s: Status): void {
  const st = s.settings;
  input("wishpondEnabled").checked = st.wishpond.enabled;
  input("wishpondInterval").value = String(st.wishpond.intervalMinutes);
  input("qwilrEnabled").checked = st.qwilr.enabled;
  input("qwilrInterval").value = String(st.qwilr.intervalMinutes);
  input("reportEnabled").checked = st.report.enabled;
  (document.getElementById("reportWeekday") as HTMLSelectElement).value = st.report.weekday;
  input("reportHour").value = String(st.report.hour);
  if (s.secrets.slackWebhookUrl)
    input("slackWebhookUrl").placeholder = "saved (leave blank to keep it)";
  const dev = document.getElementById("dev") as HTMLFieldSetElement;
  dev.hidden = !s.dev;
  if (s.dev) {
    input("ghlBaseUrl").value = st.ghlBaseUrl;
    input("wishpondBaseUrl").value = st.wishpond.baseUrl;
    input("qwilrBaseUrl").value = st.qwilr.baseUrl;
  }
}

let dev = false;
const say = (text: string) => {
  (document.getElementById("saved") as HTMLElement).textContent = text;
};

async function save(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const secret = (id: string) => input(id).value.trim() || undefined;
  const minutes = (id: string) => Math.max(1, Math.round(Number(input(id).value) || 1));
  const slack = secret("slackWebhookUrl");
  const reportOn = input("reportEnabled").checked;
  // Posting to Slack needs its host, an optional permission: asked for here (the Save
  // click is the user gesture the prompt needs, so nothing is awaited before it), only
  // when the report is on with a Slack URL (the development build may post to
  // loopback instead); given back when the report is turned off.
  if (chrome.permissions) {
    const toSlack = slack ? slack.startsWith("https://hooks.slack.com/") : !dev;
    if (reportOn && toSlack) {
      const granted = await chrome.permissions
        .request({ origins: [SLACK_ORIGIN] })
        .catch(() => false);
      if (!granted)
        return say("The weekly report needs permission to post to hooks.slack.com: not saved.");
    } else if (!reportOn)
      await chrome.permissions.remove({ origins: [SLACK_ORIGIN] }).catch(() => false);
  }
  const req: Request = {
    type: "ghl-bridge/save",
    settings: {
      wishpond: {
        enabled: input("wishpondEnabled").checked,
        intervalMinutes: minutes("wishpondInterval"),
      },
      qwilr: { enabled: input("qwilrEnabled").checked, intervalMinutes: minutes("qwilrInterval") },
      report: {
        enabled: reportOn,
        weekday: (document.getElementById("reportWeekday") as HTMLSelectElement)
          .value as ReportSettings["weekday"],
        hour: Math.min(23, Math.max(0, Math.round(Number(input("reportHour").value) || 0))),
        minute: 0,
        utcOffsetMinutes: -new Date().getTimezoneOffset(),
      },
    },
    secrets: { slackWebhookUrl: slack },
  };
  if (dev && req.settings) {
    req.settings.ghlBaseUrl = input("ghlBaseUrl").value.trim();
    req.settings.wishpond = {
      ...req.settings.wishpond,
      baseUrl: input("wishpondBaseUrl").value.trim(),
    };
    req.settings.qwilr = { ...req.settings.qwilr, baseUrl: input("qwilrBaseUrl").value.trim() };
  }
  const r = await ask(req);
  if (!r.ok) return say(`Not saved: ${r.error.message}`);
  input("slackWebhookUrl").value = "";
  fill(r.status);
  say(
    r.status.configured
      ? "Saved. Delivery to GHL is on."
      : r.status.error
        ? `Saved, but delivery could not start: ${r.status.error}`
        : "Saved. Connect to GHL in the console above to start delivery.",
  );
}

async function forget(): Promise<void> {
  if (!confirm("Remove the token, the settings and every queued event from this browser?")) return;
  const r = await ask({ type: "ghl-bridge/forget" });
  if (r.ok) fill(r.status);
  say(r.ok ? "Everything ghl-bridge stored in this browser was removed." : r.error.message);
}

async function sendReport(): Promise<void> {
  const r = await ask({ type: "ghl-bridge/report" });
  say(
    r.ok
      ? r.status.report.lastError
        ? `Report not sent: ${r.status.report.lastError}`
        : "Report sent."
      : r.error.message,
  );
}

async function main(): Promise<void> {
  document
    .getElementById("settings")
    ?.addEventListener("submit", (e) => void save(e as SubmitEvent));
  document.getElementById("forget")?.addEventListener("click", () => void forget());
  document.getElementById("send-report")?.addEventListener("click", () => void sendReport());
  const r = await ask({ type: "ghl-bridge/status" });
  if (r.ok) {
    dev = r.status.dev;
    fill(r.status);
  } else say(r.error.message);
  mountConsole(document.getElementById("console") as HTMLElement);
  // Connecting in the console changes what the hint below the form should say.
  onWorkerChange(() => {
    void ask({ type: "ghl-bridge/status" }).then((r) => {
      const el = document.getElementById("saved") as HTMLElement;
      if (r.ok && r.status.configured && el.textContent?.includes("Connect to GHL")) say("");
    });
  });
}

void main();
