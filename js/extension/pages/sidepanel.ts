/**
 * The side panel: status at a glance (connection, pending / delivered / failed, a
 * paused delivery in words), the failures with "Retry", the last events, "Poll now"
 * and "Open console". Everything comes from the worker's status; nothing here holds
 * a secret.
 */
import type { Reply, Status } from "../shared/protocol.js";
import { ask, el, onWorkerChange, when } from "./ask.js";

const $ = (id: string) => document.getElementById(id) as HTMLElement;

function show(s: Status): void {
  $("connection").textContent = s.configured
    ? `Connected to GHL location ${s.settings.locationId}${s.dev ? " (development build)" : ""}`
    : s.error
      ? `Delivery could not start: ${s.error}`
      : "Not connected: open the console to enter your GHL location and Private Integration Token.";
  const paused = $("paused");
  paused.hidden = !s.paused;
  paused.textContent = s.paused?.message ?? "";
  $("pending").textContent = String(s.counts?.pending ?? 0);
  $("done").textContent = String(s.delivered);
  $("dead").textContent = String(s.counts?.dead ?? 0);
  $("dead-box").classList.toggle("bad", (s.counts?.dead ?? 0) > 0);
  const src = (name: string, x: Status["sources"]["wishpond"]) =>
    x.enabled
      ? `${name}: last poll ${when(x.lastPollAt)}${x.lastError ? ` (failed: ${x.lastError})` : ""}`
      : `${name}: off`;
  const report = s.settings.report.enabled
    ? `Weekly report: next ${when(s.report.nextRunAt)}, last sent ${when(s.report.lastSentAt)}${s.report.lastError ? ` (failed: ${s.report.lastError})` : ""}`
    : "Weekly report: off";
  $("sources").textContent =
    `${src("Wishpond", s.sources.wishpond)} · ${src("Qwilr", s.sources.qwilr)} · ${report}`;
  const failures = $("failures");
  failures.replaceChildren(
    ...(s.failures.length
      ? s.failures.map((f) => {
          const retry = el("button", { "aria-label": `Retry ${f.label}` }, "Retry");
          retry.addEventListener("click", () =>
            act(ask({ type: "ghl-bridge/retry", planId: f.planId })),
          );
          return el(
            "li",
            {},
            el(
              "span",
              { class: "grow" },
              `${f.label}: ${f.reason}${f.status ? ` ${f.status}` : ""}${f.message ? `: ${f.message}` : ""}${f.attempts ? `, ${f.attempts} attempt(s)` : ""}`,
            ),
            retry,
          );
        })
      : [el("li", { class: "muted" }, "No failures.")]),
  );
  $("retry-all").hidden = s.failures.length < 2;
  $("events").replaceChildren(
    ...(s.events.length
      ? s.events.map((e) =>
          el(
            "li",
            {},
            el("span", { class: "muted" }, new Date(e.at).toLocaleTimeString()),
            el("span", { class: "grow" }, e.text),
          ),
        )
      : [el("li", { class: "muted" }, "Nothing yet.")]),
  );
}

async function act(p: Promise<Reply>): Promise<void> {
  const r = await p;
  $("message").textContent = r.ok ? "" : r.error.message;
  if (r.ok) show(r.status);
  else if (r.status) show(r.status);
}

const refresh = () => act(ask({ type: "ghl-bridge/status" }));

/** A poll button is disabled while its poll runs. */
function pollButton(id: string, source: "wishpond" | "qwilr"): void {
  const b = $(id) as HTMLButtonElement;
  b.addEventListener("click", () => {
    b.disabled = true;
    void act(ask({ type: "ghl-bridge/poll", source })).finally(() => {
      b.disabled = false;
    });
  });
}
pollButton("poll-wishpond", "wishpond");
pollButton("poll-qwilr", "qwilr");
$("retry-all").addEventListener("click", () => act(ask({ type: "ghl-bridge/retry" })));
$("open-console").addEventListener("click", () => void chrome.runtime.openOptionsPage());
onWorkerChange(() => void refresh());
void refresh();
