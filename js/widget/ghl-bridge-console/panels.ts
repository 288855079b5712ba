/**
 * The seven panels, one render function each, over the element's state. They call the
 * element's actions (which go through the backend); they never hold a token: the token
 * field is read once on submit and cleared.
 */
import { type TemplateResult, html, nothing } from "lit";
import type { ActivityEntry, FlowScopes, PreviewRequest, Source, StatTotal } from "./backend.js";
import { barChart, lineChart } from "./chart.js";
import type { GhlBridgeConsole } from "./ghl-bridge-console.js";
import { inline, markdown } from "./markdown.js";
import { FLOW_LABELS, METRIC_NAMES, QWILR_EVENT_LABELS, S, errorText, when } from "./strings.js";

type El = GhlBridgeConsole;

/** The open tab's panel. */
export function renderPanel(el: El): TemplateResult {
  switch (el.tab) {
    case "connection":
      return connection(el);
    case "sources":
      return sources(el);
    case "mapping":
      return mapping(el);
    case "golive":
      return golive(el);
    case "activity":
      return activity(el);
    case "tags":
      return tags(el);
    case "dashboard":
      return dashboard(el);
    default:
      return html``;
  }
}

const id = (el: El, name: string) => `${el.uid}-${name}`;
const value = (el: El, name: string) => el.q<HTMLInputElement>(`#${id(el, name)}`)?.value ?? "";

// ------------------------------------------------------------------ Connection

function connection(el: El): TemplateResult {
  const c = el.connection;
  const tokenHelp =
    c?.tokenSource === "provider"
      ? S.tokenHelpProvider
      : c?.tokenSource === "pit"
        ? S.tokenHelpKept
        : S.tokenHelp;
  const haveToken = c?.tokenSource !== null && c?.tokenSource !== undefined;
  const submit = (e: Event) => {
    e.preventDefault();
    const tokenInput = el.q<HTMLInputElement>(`#${id(el, "token")}`);
    const token = tokenInput?.value.trim() ?? "";
    const locationId = value(el, "location").trim();
    if (!locationId) return el.warn(S.needLocationId);
    if (!token && !haveToken && el.activeBackend.kind !== "runner") return el.warn(S.needToken);
    if (tokenInput) tokenInput.value = "";
    void el.connect(token, locationId);
  };
  const runner = el.activeBackend.kind === "runner";
  return html`<h2>${S.connTitle}</h2>
    <p class="muted">${runner ? S.connIntroRunner : S.connIntro}</p>
    <form @submit=${submit} autocomplete="off">
      ${
        runner
          ? nothing
          : html`<label for=${id(el, "token")}>${S.tokenLabel}
        <span class="help" id=${id(el, "token-help")}>${tokenHelp}</span>
      </label>
      <input id=${id(el, "token")} type="password" autocomplete="off" spellcheck="false" aria-describedby=${id(el, "token-help")} />`
      }
      <label for=${id(el, "location")}>${S.locationLabel}</label>
      <input id=${id(el, "location")} type="text" spellcheck="false" autocomplete="off" .value=${c?.locationId ?? el.locationId ?? ""} />
      <div class="row">
        <button type="submit" ?disabled=${el.busy !== null}>${S.connectButton}</button>
        ${
          c?.connected
            ? html`<button type="button" class="secondary" ?disabled=${el.busy !== null} @click=${() => el.act(S.testing, () => el.runTest())}>${S.testButton}</button>
              <button type="button" class="danger" @click=${() => el.disconnect()}>${S.disconnectButton}</button>`
            : nothing
        }
        ${runner ? html`<button type="button" class="secondary" ?disabled=${el.busy !== null} @click=${() => el.connectOAuth()}>${S.oauthButton}</button>` : nothing}
      </div>
    </form>
    ${c?.checkedAt ? html`<p class="muted" style="margin-top:8px">${S.lastChecked(when(c.checkedAt))}</p>` : nothing}
    ${el.test ? scopes(el.test.flows) : nothing}`;
}

function scopes(flows: FlowScopes[]): TemplateResult {
  const missingAll = [
    ...new Set(
      flows.flatMap((f) => f.scopes.filter((s) => s.status === "missing").map((s) => s.scope)),
    ),
  ];
  return html`<h3>${S.scopesTitle}</h3>
    <ul class="cards scopes">
      ${flows.map((f) => {
        const missing = f.scopes.filter((s) => s.status === "missing").map((s) => s.scope);
        const unknown = f.scopes.some((s) => s.status === "unknown");
        return html`<li class="card" data-flow=${f.flow}>
          <div class="head">
            <strong>${FLOW_LABELS[f.flow]}</strong>
            ${
              f.ready
                ? html`<span class="ready">${S.scopeReady}</span>`
                : missing.length
                  ? html`<span class="missing">${S.scopeMissing(missing)}</span>`
                  : unknown
                    ? html`<span class="muted">${S.scopeUnknown}</span>`
                    : nothing
            }
          </div>
          ${missing.length ? html`<p class="muted">${S.grantHowTo(missing)}</p>` : nothing}
        </li>`;
      })}
    </ul>
    ${missingAll.length === 0 && flows.every((f) => f.ready) ? html`<p class="ok-text">${S.allReady}</p>` : nothing}`;
}

// ------------------------------------------------------------------ sign-in (runner)

/** The runner's sign-in, in place of the panel until a session exists. */
export function renderSignIn(el: El): TemplateResult {
  const submit = (e: Event) => {
    e.preventDefault();
    const input = el.q<HTMLInputElement>(`#${id(el, "password")}`);
    const password = input?.value ?? "";
    if (input) input.value = "";
    if (!password) return el.warn(S.needPassword);
    void el.login(password);
  };
  return html`<h2>${S.signInTitle}</h2>
    ${
      el.signIn?.password
        ? html`<p class="muted">${S.signInHelp}</p>
          <form @submit=${submit} autocomplete="off">
            <label for=${id(el, "password")}>${S.passwordLabel}</label>
            <input id=${id(el, "password")} type="password" autocomplete="current-password" />
            <div class="row"><button type="submit" ?disabled=${el.busy !== null}>${S.signInButton}</button></div>
          </form>`
        : html`<p class="muted">${S.signInNoPassword}</p>`
    }`;
}

// ------------------------------------------------------------------ Sources

function snippet(siteKey: string, intakeUrl: string | null, scriptUrl: string): string {
  return `<script src="${scriptUrl}"\n  data-intake="${intakeUrl ?? "https://YOUR-SYNC-SERVICE/capture"}"\n  data-site-key="${siteKey}" defer></script>`;
}

function sources(el: El): TemplateResult {
  const s = el.sourcesState;
  if (!s) return html`<h2>${S.srcTitle}</h2><p class="muted">${S.loading}</p>`;
  const siteKey = s.wishpond.siteKey ?? "";
  const scriptUrl = new URL("../capture/capture.js", import.meta.url).href;
  const code = siteKey ? snippet(siteKey, s.wishpond.intakeUrl, scriptUrl) : "";
  const saveWishpond = (e: Event) => {
    e.preventDefault();
    const key = el.q<HTMLInputElement>(`#${id(el, "wp-key")}`);
    const apiKey = key?.value.trim() ?? "";
    if (key) key.value = "";
    void el.saveSources({
      wishpond: { ...(apiKey ? { apiKey } : {}), siteKey: value(el, "wp-site").trim() || null },
    });
  };
  const saveQwilr = (e: Event) => {
    e.preventDefault();
    const t = el.q<HTMLInputElement>(`#${id(el, "qw-token")}`);
    const token = t?.value.trim() ?? "";
    if (t) t.value = "";
    if (token) void el.saveSources({ qwilr: { token } });
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      el.say(S.copied);
    } catch {
      const pre = el.q<HTMLElement>(`#${id(el, "snippet")}`);
      if (pre) getSelection()?.selectAllChildren(pre);
      el.say(S.copyFailed);
    }
    el.requestUpdate();
  };
  // The runner's credentials and site keys come from its configuration, never the page.
  const runner = el.activeBackend.kind === "runner";
  return html`<h2>${S.srcTitle}</h2>
    <h3>${S.wishpondTitle}</h3>
    ${
      runner
        ? html`<p class="muted">${s.wishpond.apiKeySet ? S.runnerWishpondSet : S.runnerWishpondUnset}</p>`
        : html`<form @submit=${saveWishpond} autocomplete="off">
      <label for=${id(el, "wp-key")}>${S.wishpondKey}
        ${s.wishpond.apiKeySet ? html`<span class="help">${S.wishpondKeySet}</span>` : nothing}
      </label>
      <input id=${id(el, "wp-key")} type="password" autocomplete="off" />
      <label for=${id(el, "wp-site")}>${S.siteKey} <span class="help">${S.siteKeyHelp}</span></label>
      <input id=${id(el, "wp-site")} type="text" pattern="[A-Za-z0-9_\\-]{1,64}" .value=${siteKey} />
      <div class="row"><button type="submit">${S.saveWishpond}</button></div>
    </form>`
    }
    <p class="muted" style="margin-top:8px">${S.lastLead(when(s.wishpond.poll.lastLeadAt))} ${s.wishpond.poll.lastPollAt ? S.lastPoll(when(s.wishpond.poll.lastPollAt)) : ""}</p>
    ${s.wishpond.poll.lastError ? html`<p class="error-text">${errorText(s.wishpond.poll.lastError)}</p>` : nothing}
    <h3>${S.snippetTitle}</h3>
    ${
      code
        ? html`<p class="muted">${S.snippetHelp}</p>
          ${s.wishpond.intakeUrl ? nothing : html`<p class="muted">${S.snippetNoIntake}</p>`}
          <pre id=${id(el, "snippet")} aria-label=${S.snippetTitle} tabindex="0">${code}</pre>
          <div class="row"><button type="button" class="secondary" @click=${copy}>${S.copy}</button></div>`
        : html`<p class="muted">${S.snippetNeedsSiteKey}</p>`
    }
    <h3>${S.qwilrTitle}</h3>
    ${
      runner
        ? html`<p class="muted">${s.qwilr.tokenSet ? S.runnerQwilrSet : S.runnerQwilrUnset}</p>`
        : html`<form @submit=${saveQwilr} autocomplete="off">
      <label for=${id(el, "qw-token")}>${S.qwilrToken}
        ${s.qwilr.tokenSet ? html`<span class="help">${S.qwilrTokenSet}</span>` : nothing}
      </label>
      <input id=${id(el, "qw-token")} type="password" autocomplete="off" />
      <div class="row"><button type="submit">${S.saveQwilr}</button></div>
    </form>`
    }
    <p class="muted" style="margin-top:8px">${S.lastEvent(when(s.qwilr.lastEventAt))}</p>
    <h3>${S.subscriptions}</h3>
    ${s.qwilr.subscriptionsError ? html`<p class="error-text">${errorText(s.qwilr.subscriptionsError)}</p>` : nothing}
    ${
      s.qwilr.subscriptions.length
        ? html`<ul class="cards">${s.qwilr.subscriptions.map(
            (
              sub,
            ) => html`<li class="card row"><span>${QWILR_EVENT_LABELS[sub.event] ?? sub.event}</span><code class="url">${sub.url}</code>
            <button type="button" class="danger" aria-label=${S.unsubscribe(QWILR_EVENT_LABELS[sub.event] ?? sub.event)}
              @click=${() => el.unsubscribeQwilr(sub.id)}>${S.removeSub}</button></li>`,
          )}</ul>`
        : html`<p class="muted">${S.noSubscriptions}</p>`
    }
    ${s.qwilr.canSubscribe ? qwilrSubscribeForm(el, s.qwilr.subscriptions) : html`<p class="muted">${S.qwilrManual}</p>`}`;
}

/** The Qwilr events to subscribe to (those already subscribed shown ticked and fixed). */
function qwilrSubscribeForm(el: El, subs: { event: string }[]): TemplateResult {
  const have = new Set(subs.map((x) => x.event));
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const events = [...form.querySelectorAll<HTMLInputElement>("input[name=qwilr-event]")]
      .filter((x) => x.checked && !x.disabled)
      .map((x) => x.value);
    if (events.length === 0) return el.warn(S.qwilrEventsNone);
    void el.subscribeQwilr(events);
  };
  return html`<form @submit=${submit}>
    <fieldset>
      <legend>${S.qwilrEventsLegend}</legend>
      ${Object.entries(QWILR_EVENT_LABELS).map(
        ([
          event,
          label,
        ]) => html`<label class="check"><input type="checkbox" name="qwilr-event" value=${event}
          ?checked=${have.has(event) || event === "pageAccepted"} ?disabled=${have.has(event)} /> ${label}</label>`,
      )}
    </fieldset>
    <div class="row"><button type="submit" class="secondary" ?disabled=${el.busy !== null}>${S.subscribe}</button></div>
  </form>`;
}

// ------------------------------------------------------------------ Mapping

function mapping(el: El): TemplateResult {
  const pick = (e: Event) => {
    el.mapSource = (e.target as HTMLSelectElement).value as Source;
    void el.act(S.loading, () => el.loadMapping());
  };
  const onChange = (e: CustomEvent<{ document: unknown; problems: unknown[] }>) => {
    el.mapDocument = e.detail.document;
    el.mapProblems = Array.isArray(e.detail.problems) ? e.detail.problems : [];
    el.requestUpdate();
  };
  return html`<h2>${S.mapTitle}</h2>
    <div class="row">
      <label for=${id(el, "map-source")}>${S.mapSource}</label>
      <select id=${id(el, "map-source")} @change=${pick} .value=${el.mapSource}>
        <option value="wishpond">Wishpond</option>
        <option value="qwilr">Qwilr</option>
      </select>
    </div>
    ${
      el.editorState === "ready"
        ? html`<ghl-mapping-editor
          .document=${el.editorInput.document}
          .sample=${el.editorInput.sample}
          .samples=${el.editorInput.samples}
          .customFields=${el.customFieldsList}
          .core=${el.core}
          @ghl-rules-changed=${onChange}
        ></ghl-mapping-editor>`
        : el.editorState === "failed"
          ? html`<p class="error-text">${S.mapLoadFailed}</p>`
          : html`<p class="muted">${S.loading}</p>`
    }
    <p class="muted" role="status">${el.mapProblems.length ? S.mapProblems(el.mapProblems.length) : S.mapNoProblems}</p>
    <div class="row">
      <button type="button" ?disabled=${el.mapDocument === null || el.mapProblems.length > 0 || el.busy !== null} @click=${() => el.saveRules()}>${S.mapSave}</button>
    </div>`;
}

// ------------------------------------------------------------------ Go live

function request(r: PreviewRequest): TemplateResult {
  return html`<li class="card" data-step=${r.step}>
    <div class="head"><span class="method">${r.method}</span><code class="url">${r.url}</code></div>
    <div class="muted">Headers: ${Object.entries(r.headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ")}</div>
    ${r.body !== null && r.body !== undefined ? html`<pre tabindex="0" aria-label="Body of ${r.step}">${JSON.stringify(r.body, null, 2)}</pre>` : nothing}
  </li>`;
}

/** A dry run's requests, stage by stage (a later stage's placeholders name the answers). */
function requests(list: PreviewRequest[]): TemplateResult {
  const stages = [...new Set(list.map((r) => r.stage))];
  return html`${stages.map(
    (
      n,
    ) => html`${stages.length > 1 ? html`<p class="stage"><strong>${S.stageNote(n)}</strong></p>` : nothing}
      <ol class="cards" data-stage=${n}>${list.filter((r) => r.stage === n).map(request)}</ol>`,
  )}
    ${list.some((r) => r.stage > 1 || /\{[^}]+\}/.test(r.url)) ? html`<p class="muted">${S.placeholderNote}</p>` : nothing}`;
}

function golive(el: El): TemplateResult {
  const m = el.modeState;
  const live = m?.mode === "production";
  const location =
    el.connection?.locationName ?? el.connection?.locationId ?? "your HighLevel location";
  const dry = el.dry;
  return html`<h2>${S.liveTitle}</h2>
    <p>${live ? S.liveProduction(when(m?.since ?? null)) : S.liveStaging}</p>
    <div class="row">
      ${
        live
          ? html`<button type="button" class="secondary" @click=${() => el.setMode("staging", false)}>${S.backToStaging}</button>`
          : html`<button type="button" ?disabled=${!el.connection?.connected} @click=${() => el.openConfirm()}>${S.goLive}</button>`
      }
    </div>
    <div class="stack" style="margin-top:16px">
      <label for=${id(el, "sample")}>${S.eventLabel}</label>
      <select id=${id(el, "sample")} @change=${(e: Event) => {
        el.selectedSample = Number((e.target as HTMLSelectElement).value);
        el.dry = null;
        el.requestUpdate();
      }}>
        ${el.samplesList.map((s, i) => html`<option value=${i} ?selected=${i === el.selectedSample}>${s.label}</option>`)}
      </select>
      <div class="row">
        <button type="button" class="secondary" ?disabled=${el.busy !== null || !el.samplesList.length} @click=${() => el.runDry()}>${S.dryRun}</button>
        ${live ? html`<button type="button" ?disabled=${el.busy !== null} @click=${() => el.deliver()}>${S.sendEvent}</button>` : nothing}
      </div>
    </div>
    ${
      dry && !dry.error
        ? html`<section aria-labelledby=${id(el, "dry-title")}>
          <h3 id=${id(el, "dry-title")}>${S.dryRunTitle}</h3>
          <p class="ok-text">${S.nothingSent}</p>
          ${dry.match ? html`<p>${S.matchNote(dry.match, dry.name ?? "")}</p>` : nothing}
          ${dry.requests.length ? requests(dry.requests) : html`<p>${S.noRequests}</p>`}
          ${dry.next?.length ? html`<p class="muted">${S.thenNote} ${dry.next.join("; ")}.</p>` : nothing}
          ${dry.warnings?.length ? html`<ul class="muted">${dry.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : nothing}
        </section>`
        : nothing
    }
    <dialog class="confirm" aria-labelledby=${id(el, "confirm-title")} @close=${() => el.requestUpdate()}>
      <h2 id=${id(el, "confirm-title")}>${S.confirmTitle}</h2>
      <p>${S.confirmBody(location)}</p>
      <ul>${S.confirmRuns.map((r) => html`<li>${r}</li>`)}</ul>
      <div class="row">
        <button type="button" @click=${() => {
          el.q<HTMLDialogElement>("dialog.confirm")?.close();
          void el.setMode("production", true);
        }}>${S.confirmButton}</button>
        <button type="button" class="secondary" @click=${() => el.q<HTMLDialogElement>("dialog.confirm")?.close()}>${S.cancel}</button>
      </div>
    </dialog>`;
}

// ------------------------------------------------------------------ Activity

function activity(el: El): TemplateResult {
  const st = el.status;
  const c = st?.counts ?? { accepted: 0, pending: 0, inFlight: 0, done: 0, dead: 0 };
  const total = Math.max(1, c.accepted);
  const waiting = Math.max(0, c.pending - c.inFlight);
  const pct = (n: number) => `${((100 * n) / total).toFixed(1)}%`;
  const f = el.activityFilter;
  const setFilter = () => {
    const kind = value(el, "f-kind");
    const source = value(el, "f-source");
    const text = value(el, "f-text").trim();
    el.activityFilter = {
      ...(kind === "failures"
        ? { kind: ["failed", "dead"] }
        : kind === "done"
          ? { kind: ["done"] }
          : {}),
      ...(source ? { source: source as Source } : {}),
      ...(text ? { text } : {}),
    };
    void el.act(S.loading, () => el.loadActivity());
  };
  const r = st?.rate;
  return html`<h2>${S.actTitle}</h2>
    <div class="row"><button type="button" class="secondary" @click=${() => el.reload()}>${S.refresh}</button>
      <span class="muted">${st ? S.stateLabel[st.state] : ""}</span></div>
    <div class="bar" role="img" aria-label="${S.progressLabel}: ${c.done} of ${c.accepted}">
      <span class="done" style="width:${pct(c.done)}"></span>
      <span class="inflight" style="width:${pct(c.inFlight)}"></span>
      <span class="pending" style="width:${pct(waiting)}"></span>
      <span class="dead" style="width:${pct(c.dead)}"></span>
    </div>
    <p class="muted">${S.countsNote}</p>
    <dl class="counts">
      <div class="count"><dt>${S.countAccepted}</dt><dd data-count="accepted">${c.accepted}</dd></div>
      <div class="count"><dt>${S.countInFlight}</dt><dd data-count="inFlight">${c.inFlight}</dd></div>
      <div class="count"><dt>${S.countPending}</dt><dd data-count="pending">${waiting}</dd></div>
      <div class="count"><dt>${S.countDone}</dt><dd data-count="done">${c.done}</dd></div>
      <div class="count"><dt>${S.countDead}</dt><dd data-count="dead">${c.dead}</dd></div>
    </dl>
    ${
      r && r.burstMax !== null
        ? html`<div class="gauges">
          <label>${S.rateLabel}: ${r.burstRemaining} / ${r.burstMax}
            <meter min="0" max=${r.burstMax} low=${Math.ceil(r.burstMax * 0.2)} optimum=${r.burstMax} .value=${r.burstRemaining ?? 0}></meter></label>
          ${
            r.dailyMax !== null
              ? html`<label>${S.dailyLabel}: ${r.dailyRemaining?.toLocaleString()} / ${r.dailyMax.toLocaleString()}
                <meter min="0" max=${r.dailyMax} low=${Math.ceil(r.dailyMax * 0.1)} optimum=${r.dailyMax} .value=${r.dailyRemaining ?? 0}></meter></label>`
              : nothing
          }
        </div>`
        : html`<p class="muted">${S.rateUnknown}</p>`
    }
    <h3>${S.deadTitle}</h3>
    ${
      el.dead.length
        ? html`<div class="row"><button type="button" @click=${() => el.retry(null)}>${S.retryAll}</button></div>
          <ul class="cards">${el.dead.map(
            (d) => html`<li class="card" data-plan=${d.planId}>
              <div class="head"><strong>${d.label}</strong><span class="error-text">${S.deadReason[d.reason] ?? d.reason}</span>
                ${d.status ? html`<span class="muted">HTTP ${d.status}</span>` : nothing}</div>
              ${d.ghlMessage ? html`<p>${S.colGhl}: “${d.ghlMessage}”</p>` : nothing}
              ${d.traceId ? html`<p class="muted">${S.colTrace}: <code>${d.traceId}</code>. ${S.traceIdNote}</p>` : nothing}
              <button type="button" class="secondary" aria-label=${S.retry(d.label)} @click=${() => el.retry(d.planId)}>${S.retryText}</button>
            </li>`,
          )}</ul>`
        : html`<p class="muted">${S.noDead}</p>`
    }
    <h3>${S.logTitle}</h3>
    <div class="row">
      <label>${S.filterKind}
        <select id=${id(el, "f-kind")} @change=${setFilter}>
          <option value="" ?selected=${!f.kind}>${S.filterAll}</option>
          <option value="failures" ?selected=${f.kind?.includes("failed") ?? false}>${S.filterFailures}</option>
          <option value="done" ?selected=${f.kind?.length === 1 && f.kind[0] === "done"}>${S.filterDelivered}</option>
        </select></label>
      <label>${S.filterSource}
        <select id=${id(el, "f-source")} @change=${setFilter}>
          <option value="" ?selected=${!f.source}>${S.filterAnySource}</option>
          <option value="wishpond" ?selected=${f.source === "wishpond"}>Wishpond</option>
          <option value="qwilr" ?selected=${f.source === "qwilr"}>Qwilr</option>
        </select></label>
      <label>${S.filterText}
        <input id=${id(el, "f-text")} type="search" .value=${f.text ?? ""} @change=${setFilter} /></label>
    </div>
    ${el.activityList.length ? log(el.activityList) : html`<p class="muted">${S.noActivity}</p>`}`;
}

function log(list: ActivityEntry[]): TemplateResult {
  return html`<div class="scroll" tabindex="0" role="region" aria-label=${S.logTitle}>
    <table>
      <thead><tr><th scope="col">${S.colTime}</th><th scope="col">${S.colEvent}</th><th scope="col">${S.colWhat}</th><th scope="col">${S.colGhl}</th><th scope="col">${S.colTrace}</th></tr></thead>
      <tbody>${list.map(
        (a) => html`<tr data-kind=${a.kind}>
          <td>${new Date(a.at).toLocaleTimeString()}</td>
          <td><span title=${a.planId}>${a.label}</span>${a.step ? html` <span class="muted">(${a.step})</span>` : nothing}</td>
          <td>${S.kindText[a.kind]}${a.status ? ` (HTTP ${a.status})` : ""}</td>
          <td>${a.ghlMessage ?? ""}${
            a.requests?.length
              ? html`<details><summary>${S.stagedRequests(a.requests.length)}</summary>
                  ${requests(a.requests)}
                  ${a.next?.length ? html`<p class="muted">${S.thenNote} ${a.next.join("; ")}.</p>` : nothing}</details>`
              : nothing
          }</td>
          <td>${a.traceId ? html`<code>${a.traceId}</code>` : ""}</td>
        </tr>`,
      )}</tbody>
    </table>
  </div>`;
}

// ------------------------------------------------------------------ Tags

function tags(el: El): TemplateResult {
  const t = el.tagsState;
  if (!t) return html`<h2>${S.tagsTitle}</h2><p class="muted">${S.loading}</p>`;
  return html`<h2>${S.tagsTitle}</h2>
    <div class="row"><button type="button" class="secondary" @click=${() => el.reload()}>${S.refresh}</button></div>
    <h3>${S.reportTitle}</h3>
    ${
      t.findings.length
        ? html`<ul class="cards">${t.findings.map(
            (f) => html`<li class="card" data-finding=${f.kind}>
            <p>${inline(f.message)}</p>
            ${f.fix ? html`<button type="button" @click=${() => el.fixTag(f.id)}>${f.fix.label}</button>` : nothing}
            ${f.manual ? html`<p class="muted"><strong>${S.manualStep}:</strong> ${f.manual}</p>` : nothing}
          </li>`,
          )}</ul>`
        : html`<p class="ok-text">${S.noFindings}</p>`
    }
    <h3>${S.catalogTitle} <span class="muted">(${S.tagCount(t.tags.length)})</span></h3>
    <ul class="chips">${t.tags.map(
      (tag) =>
        html`<li class=${tag.deleted ? "deleted" : ""}>${tag.name}${tag.deleted ? html` <span class="badge">${S.deletedBadge}</span>` : nothing}</li>`,
    )}</ul>`;
}

// ------------------------------------------------------------------ Dashboard

const metricName = (m: string) => METRIC_NAMES[m] ?? m;
const totalLabel = (t: StatTotal) =>
  `${metricName(t.metric)}${t.platform !== "all" && t.platform !== t.source ? ` (${t.platform})` : ""}`;

function dashboard(el: El): TemplateResult {
  const st = el.stats;
  if (!st) return html`<h2>${S.dashTitle}</h2><p class="muted">${S.loading}</p>`;
  const main = st.totals.filter((t) => t.platform === "all" || t.source !== "ghl");
  const shown = main.length ? main : st.totals;
  const metrics = [...new Set(st.points.map((p) => `${p.metric}|${p.platform}|${p.source}`))];
  const chosen =
    el.statsMetric && metrics.includes(el.statsMetric)
      ? el.statsMetric
      : (metrics.find((m) => m.includes("|all|")) ?? metrics[0]);
  const [cm, cp, cs] = (chosen ?? "||").split("|");
  const daily = st.days.map((d) => {
    const p = st.points.find(
      (x) => x.date === d && x.metric === cm && x.platform === cp && x.source === cs,
    );
    return p ? p.value : null;
  });
  const csvHref = el.report
    ? `data:text/csv;charset=utf-8,${encodeURIComponent(el.report.csv)}`
    : "";
  return html`<h2>${S.dashTitle}</h2>
    <div class="row"><button type="button" class="secondary" @click=${() => el.reload()}>${S.refresh}</button>
      <span class="muted">${when(st.asOf)}</span></div>
    ${st.warnings.map((w) => html`<p class="muted">${w}</p>`)}
    ${
      shown.length === 0
        ? html`<p class="muted">${S.noStats}</p>`
        : html`<h3>${S.chartTitle}</h3>
          <div class="legend"><span><span class="swatch cur"></span>${S.thisWeek}</span><span><span class="swatch prev"></span>${S.lastWeek}</span></div>
          ${barChart(
            shown.map((t) => ({ label: totalLabel(t), current: t.value, previous: t.previous })),
            S.chartTitle,
            { current: S.thisWeek, previous: S.lastWeek },
            el.chartWidth,
          )}
          <div class="scroll" tabindex="0" role="region" aria-label=${S.chartTitle}>
            <table data-table="totals">
              <thead><tr><th scope="col">${S.metricLabel}</th><th scope="col" class="num">${S.thisWeek}</th><th scope="col" class="num">${S.lastWeek}</th><th scope="col" class="num">${S.change}</th></tr></thead>
              <tbody>${st.totals.map(
                (
                  t,
                ) => html`<tr><td>${totalLabel(t)}</td><td class="num">${t.value.toLocaleString()}</td><td class="num">${t.previous === null ? "–" : Math.round(t.previous).toLocaleString()}</td>
                  <td class="num">${t.change?.percent !== null && t.change?.percent !== undefined ? `${t.change.percent > 0 ? "+" : ""}${t.change.percent.toFixed(1)}%` : "–"}</td></tr>`,
              )}</tbody>
            </table>
          </div>
          ${
            metrics.length
              ? html`<h3>${S.seriesTitle(metricName(cm))}</h3>
                <label>${S.metricLabel}
                  <select @change=${(e: Event) => {
                    el.statsMetric = (e.target as HTMLSelectElement).value;
                    el.requestUpdate();
                  }}>${metrics.map((m) => {
                    const [a, b, c] = m.split("|");
                    return html`<option value=${m} ?selected=${m === chosen}>${metricName(a)}${b !== "all" && b !== c ? ` (${b})` : ""}</option>`;
                  })}</select></label>
                ${lineChart(st.days, daily, S.seriesTitle(metricName(cm)), el.chartWidth)}`
              : nothing
          }`
    }
    <h3>${S.reportTitleText}</h3>
    ${
      el.report
        ? html`<div class="markdown" data-report>${markdown(el.report.markdown)}</div>
          <div class="row" style="margin-top:10px">
            <a class="button secondary" href=${csvHref} download="weekly-report.csv">${S.downloadCsv}</a>
          </div>
          <form class="send" @submit=${(e: Event) => {
            e.preventDefault();
            const input = el.q<HTMLInputElement>(`#${id(el, "slack-url")}`);
            const url = input?.value.trim() ?? "";
            if (!url && el.activeBackend.kind === "direct") return el.warn(S.slackUrlNeeded);
            void el.sendReport(url);
          }} autocomplete="off">
            ${
              el.activeBackend.kind === "runner"
                ? // The runner sends only to the targets its configuration names.
                  html`<p class="help">${S.slackRunner}</p>`
                : html`<label for=${id(el, "slack-url")}>${S.slackUrl}
              <span class="help" id=${id(el, "slack-help")}>${S.slackUrlHelp} ${el.activeBackend.kind === "direct" ? "" : S.slackUrlOptional}</span>
            </label>
            <input id=${id(el, "slack-url")} type="url" spellcheck="false" autocomplete="off" aria-describedby=${id(el, "slack-help")} />`
            }
            <div class="row"><button type="submit" ?disabled=${el.busy !== null}>${S.sendNow}</button></div>
          </form>`
        : nothing
    }`;
}
