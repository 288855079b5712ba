/**
 * `<ghl-mapping-editor>`: the no-code editor over a rules document (the console's
 * Mapping panel). It never loads Wasm: the host passes the loaded package as `core`.
 *
 * @summary Map a sample event's fields onto HighLevel contact fields, with a live preview.
 *
 * @prop {object} document - the rules document (the editor edits a copy)
 * @prop {object} sample - the event being previewed (a flow event's `payload` is mapped)
 * @prop {object[]} samples - recent events to pick from
 * @prop {{id: string, name: string, dataType: string, key?: string}[]} customFields - the location's custom fields
 * @prop {object} core - the loaded package (`import("ghl-bridge")`): compileRules, validateRules
 *
 * @event ghl-rules-changed - on every edit; `detail: { document, problems }` (bubbles, composed)
 *
 * Invariants: every edit produces a new document object and one event; the preview is the
 * core's answer for exactly the document shown (or marked as stale while it has
 * problems); each problem appears at the control of its JSON Pointer (or its nearest
 * parent's), with `aria-invalid` and `aria-describedby`.
 */
import { LitElement, html, nothing } from "lit";
import { guard } from "lit/directives/guard.js";
import { ifDefined } from "lit/directives/if-defined.js";
import { live } from "lit/directives/live.js";
// The rules schema the build generates from the core (js/src/wasm/, before the widget is bundled).
import schema from "../../src/wasm/rules.schema.json";
import {
  TAGS_TARGET,
  addMapping,
  assignProblems,
  clone,
  conditionTests,
  controlId,
  coreCustomFields,
  defaultTransforms,
  freshId,
  getAt,
  isObject,
  matchOf,
  newTransform,
  placeOf,
  plainMessage,
  previewPath,
  recordOf,
  sampleRows,
  setAt,
  shortValue,
  suggestMappings,
  targetKey,
  targetOf,
  transformOp,
  transformsFromSchema,
} from "./model.js";
import { S, conditionWords } from "./strings.js";
import { styles } from "./styles.js";

/** The transforms of the core (read from the rules document's JSON Schema). */
const TRANSFORMS = transformsFromSchema(schema);
const DRAG_TYPE = "application/x-ghl-source-path";
/** A step value that cannot be computed (the step or one before it has a problem). */
const STEP_UNKNOWN = Symbol("unknown");
/** The tests of a simple condition (the schema's), and the choices shown for them. */
const COND_KEYS = conditionTests(schema);
const COND_OPS = COND_KEYS.flatMap((k) =>
  k === "blank"
    ? ["blankFalse", "blankTrue"]
    : k === "exists"
      ? ["existsTrue", "existsFalse"]
      : [k],
);
/** The standard contact fields, in the upsert body's order: the ones the strings name. */
const STANDARD_FIELDS = Object.keys(S.fieldLabels).filter((f) => f !== TAGS_TARGET);

/** A text typed by a person as a JSON value: `true`, `12`, `null` are read as such, else text. */
function typedValue(text) {
  const t = text.trim();
  if (t === "true" || t === "false" || t === "null" || /^-?\d+(\.\d+)?$/.test(t))
    return JSON.parse(t);
  return text;
}
const shown = (v) => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v));
const listText = (v) => (Array.isArray(v) ? v.join(", ") : "");
const splitList = (t) =>
  t
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
const numberOrText = (t) =>
  t.trim() === "" ? undefined : Number.isFinite(Number(t)) ? Number(t) : t;

export class GhlMappingEditor extends LitElement {
  static properties = {
    document: { attribute: false },
    sample: { attribute: false },
    samples: { attribute: false },
    customFields: { attribute: false },
    core: { attribute: false },
    _doc: { state: true },
    _view: { state: true },
    _choice: { state: true },
    _pasted: { state: true },
    _pasteOpen: { state: true },
    _pasteError: { state: true },
    _picked: { state: true },
    _announce: { state: true },
    _suggestions: { state: true },
    _into: { state: true },
    _jsonText: { state: true },
    _jsonError: { state: true },
    _over: { state: true },
    _assign: { state: true },
    _open: { state: true },
    _closed: { state: true },
  };

  static styles = styles;

  constructor() {
    super();
    this.document = { version: 1 };
    this.sample = undefined;
    this.samples = [];
    this.customFields = [];
    this.core = undefined;
    this._doc = { version: 1 };
    this._view = "editor";
    this._choice = "auto";
    this._pasted = undefined;
    this._pasteOpen = false;
    this._pasteError = "";
    this._picked = null;
    this._announce = "";
    this._suggestions = null;
    this._into = "";
    this._jsonText = "";
    this._jsonError = "";
    this._over = "";
    this._assign = { byControl: new Map(), loose: [] };
    this._open = new Set();
    this._closed = new Set();
    this._problems = [];
    this._preview = null;
    this._good = null;
    this._lastEmitted = undefined;
    this._controls = new Set();
    this._stepCache = new Map();
    this._stepRecord = undefined;
    this._memo = {};
    this._records = [];
    this._recordsOf = undefined;
  }

  // ---- state ----------------------------------------------------------------------------

  willUpdate(changed) {
    if (changed.has("document") && this.document !== this._lastEmitted) {
      this._doc = isObject(this.document) ? clone(this.document) : { version: 1 };
      this._jsonText = JSON.stringify(this._doc, null, 2);
      this._jsonError = "";
      this._suggestions = null;
      this._good = null;
    }
    if (changed.has("sample") && changed.get("sample") !== undefined) this._choice = "auto";
    if (
      ["_doc", "sample", "samples", "customFields", "core", "_choice", "_pasted"].some((k) =>
        changed.has(k),
      )
    ) {
      this._recompute();
    }
    this._controls = new Set();
  }

  updated() {
    const next = assignProblems(this._problems, this._controls);
    if (!sameAssignment(next, this._assign)) this._assign = next;
  }

  /** The event shown: pasted, one of `samples`, or `sample`. */
  _currentSample() {
    const list = Array.isArray(this.samples) ? this.samples : [];
    if (this._choice === "pasted" && this._pasted !== undefined) return this._pasted;
    if (this._choice.startsWith("s:")) {
      const s = list[Number(this._choice.slice(2))];
      if (s !== undefined) return s;
    }
    return this.sample ?? list[0];
  }

  /** The sample's rows (computed once per sample). */
  _rows() {
    const record = recordOf(this._currentSample());
    if (this._rowsCache?.record !== record || this._rowsCache === undefined) {
      this._rowsCache = { record, rows: sampleRows(record) };
    }
    return this._rowsCache.rows;
  }

  _options() {
    return { customFields: coreCustomFields(this.customFields) };
  }

  _recompute() {
    const core = this.core;
    const record = recordOf(this._currentSample());
    if (record !== this._stepRecord) {
      this._stepCache = new Map();
      this._stepRecord = record;
    }
    if (!core || typeof core.compileRules !== "function") {
      this._problems = [];
      this._preview = null;
      this._computed = null;
      return;
    }
    // An edit recomputes at once (the event carries the problems); the update that
    // follows it then has nothing new to compute.
    const inputs = [this._doc, record, this.samples, this.customFields, core];
    if (this._computed?.every((x, i) => x === inputs[i])) return;
    this._computed = inputs;
    // The records list is kept while the samples are the same (the counts' memo needs it).
    if (this._recordsOf !== this.samples) {
      this._recordsOf = this.samples;
      this._records = (Array.isArray(this.samples) ? this.samples : []).map(recordOf);
    }
    const p = previewPath(core, this._doc, this._options(), record, this._records, this._memo);
    this._problems = p.problems;
    this._preview = p;
    if (p.problems.length === 0) this._good = p;
  }

  /** Replaces the document: recomputes, then tells the host. */
  _edit(doc, { keepJson = false } = {}) {
    this._doc = doc;
    if (!keepJson) {
      this._jsonText = JSON.stringify(doc, null, 2);
      this._jsonError = "";
    }
    this._recompute();
    const document = clone(doc);
    this._lastEmitted = document;
    this.dispatchEvent(
      new CustomEvent("ghl-rules-changed", {
        bubbles: true,
        composed: true,
        detail: { document, problems: this._problems },
      }),
    );
  }

  _set(pointer, value) {
    this._edit(setAt(this._doc, pointer, value));
  }

  // ---- controls and problems ------------------------------------------------------------

  /** Registers the control of `pointer`; its id, invalid flag, description id and error text. */
  _c(pointer, { container = false } = {}) {
    this._controls.add(pointer);
    const id = controlId(pointer);
    const problems = this._assign.byControl.get(pointer) ?? [];
    const has = problems.length > 0;
    return {
      id,
      invalid: has && !container ? "true" : undefined,
      desc: has ? `${id}-err` : undefined,
      err: has
        ? html`<div class="error" id=${`${id}-err`}>
            ${problems.map((p) => html`<div>${plainMessage(p.message)}</div>`)}
          </div>`
        : nothing,
    };
  }

  _place(pointer) {
    const [kind, ...n] = placeOf(pointer);
    return S.places[kind](...n);
  }

  _focusProblem(p) {
    this._view = "editor";
    // Every card around the problem opens again, even one the person closed.
    const closed = new Set(
      [...this._closed].filter((c) => !(p.pointer === c || p.pointer.startsWith(`${c}/`))),
    );
    if (closed.size !== this._closed.size) this._closed = closed;
    this._focusWhenShown(p);
  }

  /**
   * Moves focus to the control a problem is shown at, once it is rendered: a card that
   * opens registers its controls in one update, and the problems move to them in the next.
   */
  async _focusWhenShown(p) {
    for (let i = 0; i < 3; i++) {
      await this.updateComplete;
      if (!this.isUpdatePending) break;
    }
    const target = [...this._assign.byControl.entries()].find(([, list]) => list.includes(p));
    const el = target ? this.renderRoot.getElementById(controlId(target[0])) : null;
    if (el) {
      el.scrollIntoView?.({ block: "center" });
      el.focus();
    }
  }

  // ---- targets --------------------------------------------------------------------------

  _targets() {
    const std = [...STANDARD_FIELDS, TAGS_TARGET].map((f) => ({
      key: `f:${f}`,
      label: S.fieldLabels[f] ?? f,
      type: f === "tags" ? "list" : "text",
      custom: false,
    }));
    const custom = (Array.isArray(this.customFields) ? this.customFields : []).map((f) => ({
      key: `id:${f.id}`,
      label: String(f.name ?? f.id),
      type: S.dataTypes[f.dataType] ?? String(f.dataType ?? "").toLowerCase(),
      custom: true,
    }));
    return { std, custom };
  }

  _targetLabel(to) {
    if (typeof to === "string") return S.fieldLabels[to] ?? to;
    const fields = Array.isArray(this.customFields) ? this.customFields : [];
    if (isObject(to) && typeof to.customFieldId === "string") {
      const f = fields.find((x) => String(x.id) === to.customFieldId);
      return f ? String(f.name) : S.unknownCustomId(to.customFieldId);
    }
    if (isObject(to) && typeof to.customField === "string") {
      const f = fields.find((x) => (x.key ?? x.fieldKey) === to.customField);
      return f ? String(f.name) : S.customKey(to.customField);
    }
    return "";
  }

  _mapTo(from, tKey) {
    const to = targetOf(tKey);
    const base = this._into;
    const list = getAt(this._doc, `${base}/mappings`);
    const rows = this._rows();
    const type = rows.find((r) => r.path === from)?.type ?? "text";
    const at = Array.isArray(list)
      ? list.findIndex((m) => targetKey(m.to) === tKey && m.when === undefined)
      : -1;
    const n = Array.isArray(list) ? list.length : 0;
    if (at >= 0) this._set(`${base}/mappings/${at}/from`, from);
    else this._edit(addMapping(this._doc, base, from, to, defaultTransforms(to, type)));
    this._open = new Set([`${base}/mappings/${at >= 0 ? at : n}`]);
    this._picked = null;
    this._announce = S.mapped(from, this._targetLabel(to));
  }

  _onTarget(tKey) {
    if (this._picked === null) {
      this._announce = S.pickFirst;
      return;
    }
    this._mapTo(this._picked, tKey);
  }

  _onDrop(e, tKey) {
    e.preventDefault();
    this._over = "";
    const from = e.dataTransfer?.getData(DRAG_TYPE) || e.dataTransfer?.getData("text/plain");
    if (from) this._mapTo(from, tKey);
  }

  _onDragOver(e, tKey) {
    if (!e.dataTransfer) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    if (this._over !== tKey) this._over = tKey;
  }

  _pick(path) {
    this._picked = this._picked === path ? null : path;
    this._announce = this._picked === null ? S.pickCleared : S.picked(path);
  }

  _onKey(e) {
    if (e.key === "Escape" && this._picked !== null) {
      this._picked = null;
      this._announce = S.pickCleared;
    }
  }

  // ---- the sample -----------------------------------------------------------------------

  _onPaste() {
    const ta = this.renderRoot.getElementById("paste");
    const text = ta?.value ?? "";
    let v;
    try {
      v = JSON.parse(text);
    } catch (e) {
      this._pasteError = S.pasteBad(e instanceof Error ? e.message : String(e));
      return;
    }
    if (!isObject(v)) {
      this._pasteError = S.pasteNotObject;
      return;
    }
    this._pasteError = "";
    this._pasted = v;
    this._choice = "pasted";
    this._pasteOpen = false;
  }

  // ---- JSON view ------------------------------------------------------------------------

  _onJson(e) {
    const text = e.target.value;
    this._jsonText = text;
    let v;
    try {
      v = JSON.parse(text);
    } catch (err) {
      this._jsonError = S.jsonBad(err instanceof Error ? err.message : String(err));
      return;
    }
    this._jsonError = "";
    this._edit(v, { keepJson: true });
  }

  // ---- step values ----------------------------------------------------------------------

  /** The value after each step of a mapping's transforms on the sample (the core computes them). */
  _steps(m) {
    const core = this.core;
    const record = this._stepRecord;
    if (!core || record === undefined || record === null) return null;
    const transforms = Array.isArray(m.transforms) ? m.transforms : [];
    const source = typeof m.template === "string" ? { template: m.template } : { from: m.from };
    const key = JSON.stringify([this._doc.settings ?? null, source, transforms]);
    if (this._stepCache.has(key)) return this._stepCache.get(key);
    const mappings = [];
    for (let i = 0; i <= transforms.length; i++) {
      const one = { ...source, to: { customField: `step${i}` } };
      if (i > 0) one.transforms = transforms.slice(0, i);
      mappings.push(one);
    }
    // A step with a problem: the values up to the step before it are still shown.
    let out = null;
    for (let n = mappings.length; n > 0 && out === null; ) {
      const doc = { version: 1, mappings: mappings.slice(0, n) };
      if (isObject(this._doc.settings)) doc.settings = this._doc.settings;
      let rules;
      try {
        rules = core.compileRules(doc);
      } catch (e) {
        const bad = (e?.details?.problems ?? []).map((p) => Number(p.pointer.split("/")[2]));
        const first = Math.min(...bad.filter(Number.isInteger));
        n = Number.isFinite(first) && first < n ? first : 0;
        continue;
      }
      try {
        const r = rules.apply(record);
        const byKey = new Map((r.upsert.customFields ?? []).map((c) => [c.key, c.field_value]));
        out = mappings.map((_, i) => (i < n ? byKey.get(`step${i}`) : STEP_UNKNOWN));
      } catch {
        n = 0;
      } finally {
        rules.free();
      }
    }
    this._stepCache.set(key, out);
    return out;
  }

  // ---- render ---------------------------------------------------------------------------

  render() {
    const problems = this._problems;
    return html`<div class="root">
      <div class="bar" @keydown=${this._onKey}>
        <h2>${S.title}</h2>
        <div role="tablist" aria-label=${S.views}>
          ${["editor", "json"].map(
            (v) => html`<button
              role="tab"
              id=${`tab-${v}`}
              aria-selected=${this._view === v ? "true" : "false"}
              aria-controls=${`panel-${v}`}
              tabindex=${this._view === v ? "0" : "-1"}
              @click=${() => (this._view = v)}
              @keydown=${this._onTabKey}
            >
              ${v === "editor" ? S.viewEditor : S.viewJson}
            </button>`,
          )}
        </div>
      </div>
      <div class="sr-only" role="status" aria-live="polite">${this._announce}</div>
      ${problems.length > 0 ? this._renderProblems(problems) : nothing}
      <div id="panel-editor" role="tabpanel" aria-labelledby="tab-editor" ?hidden=${this._view !== "editor"} @keydown=${this._onKey}>
        ${this._view === "editor" ? this._renderEditor() : nothing}
      </div>
      <div id="panel-json" role="tabpanel" aria-labelledby="tab-json" class="json" ?hidden=${this._view !== "json"}>
        ${this._view === "json" ? this._renderJson() : nothing}
      </div>
      ${
        this._picked !== null && this._view === "editor"
          ? html`<div class="pickbar">
              <span>${S.pickedBar(this._picked)}</span>
              <button
                @click=${() => {
                  this._picked = null;
                  this._announce = S.pickCleared;
                }}
              >
                ${S.pickCancel}
              </button>
            </div>`
          : nothing
      }
    </div>`;
  }

  _onTabKey(e) {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    this._view = this._view === "editor" ? "json" : "editor";
    this.updateComplete.then(() => this.renderRoot.getElementById(`tab-${this._view}`)?.focus());
  }

  _renderProblems(problems) {
    return html`<div class="problems" role="region" aria-label=${S.problemsHeading(problems.length)}>
      <h3>${S.problemsHeading(problems.length)}</h3>
      <ul>
        ${problems.map(
          (p) => html`<li>
            <strong>${this._place(p.pointer)}:</strong> ${plainMessage(p.message)}
            ${
              this._view === "editor" && !this._assign.loose.includes(p)
                ? html`<button class="link" @click=${() => this._focusProblem(p)}>${S.problemGo}</button>`
                : nothing
            }
          </li>`,
        )}
      </ul>
    </div>`;
  }

  _renderEditor() {
    return html`<div class="layout">
      <div class="stack">${this._renderSample()}</div>
      <div class="stack">${this._renderSuggestions()} ${this._renderTargets()} ${this._renderRules()}</div>
      <div class="stack preview">${this._renderPreview()}</div>
    </div>`;
  }

  _renderSample() {
    const list = Array.isArray(this.samples) ? this.samples : [];
    const current = this._currentSample();
    const record = recordOf(current);
    const rows = this._rows();
    const selected =
      this._choice === "pasted"
        ? "pasted"
        : this._choice.startsWith("s:")
          ? this._choice
          : this.sample !== undefined && !list.includes(this.sample)
            ? "prop"
            : list.length > 0
              ? `s:${Math.max(0, list.indexOf(current))}`
              : "";
    return html`<section aria-labelledby="h-sample">
      <h3 id="h-sample">${S.sampleHeading}</h3>
      <div class="field">
        <label for="sample-pick">${S.samplePick}</label>
        <select
          id="sample-pick"
          .value=${live(selected)}
          @change=${(e) => (this._choice = e.target.value === "prop" ? "auto" : e.target.value)}
        >
          ${list.length === 0 && this.sample === undefined && this._pasted === undefined ? html`<option value="">${S.sampleNone}</option>` : nothing}
          ${this.sample !== undefined && !list.includes(this.sample) ? html`<option value="prop">${S.sampleLabel(this.sample, 0)}</option>` : nothing}
          ${guard([list, selected], () => list.map((s, i) => html`<option value=${`s:${i}`} ?selected=${selected === `s:${i}`}>${S.sampleLabel(s, i)}</option>`))}
          ${this._pasted !== undefined ? html`<option value="pasted">${S.pasted}</option>` : nothing}
        </select>
      </div>
      <button aria-expanded=${this._pasteOpen ? "true" : "false"} aria-controls="paste-box" @click=${() => (this._pasteOpen = !this._pasteOpen)}>
        ${S.pasteToggle}
      </button>
      <div id="paste-box" ?hidden=${!this._pasteOpen}>
        <div class="field">
          <label for="paste">${S.pasteLabel}</label>
          <textarea
            id="paste"
            rows="8"
            spellcheck="false"
            aria-invalid=${ifDefined(this._pasteError ? "true" : undefined)}
            aria-describedby=${ifDefined(this._pasteError ? "paste-err" : undefined)}
          ></textarea>
          ${this._pasteError ? html`<div class="error" id="paste-err" role="alert">${this._pasteError}</div>` : nothing}
        </div>
        <div class="row">
          <button class="primary" @click=${this._onPaste}>${S.pasteUse}</button>
          <button @click=${() => {
            this._pasteOpen = false;
            this._pasteError = "";
          }}>${S.pasteCancel}</button>
        </div>
      </div>
      <h4 id="h-fields" style="margin-top:0.75rem">${S.fieldsHeading}</h4>
      <p class="help">${S.fieldsHelp}</p>
      ${record !== current ? html`<p class="help">${S.payloadNote}</p>` : nothing}
      ${
        rows.length === 0
          ? html`<p class="muted">${S.sampleEmpty}</p>`
          : html`<ul class="plain tree" aria-labelledby="h-fields" tabindex="-1">
            ${guard([rows, this._picked], () => rows.map((r) => this._renderRow(r)))}
          </ul>`
      }
    </section>`;
  }

  _renderRow(r) {
    const pad = `padding-inline-start:${r.depth * 0.9}rem`;
    const typeWord = S.types[r.type];
    if (!r.leaf) {
      return html`<li style=${pad}><div class="group-label">${r.key} <span class="type">${typeWord}</span></div></li>`;
    }
    if (r.path === null) {
      return html`<li style=${pad}><div class="muted" title=${S.unnamable}>${r.key} <span class="type">${typeWord}</span></div></li>`;
    }
    const value = shortValue(r.value);
    // The accessible name is the content: "lead.email, text, "ada@..."" (the parent path
    // and commas hidden from view, so the visible text stays part of the name).
    const parent = r.path.slice(
      0,
      r.path.length - (r.path.endsWith("]") ? r.key.length + 4 : r.key.length),
    );
    return html`<li style=${pad}>
      <button
        class="src"
        draggable="true"
        aria-pressed=${this._picked === r.path ? "true" : "false"}
        title=${r.path}
        @click=${() => this._pick(r.path)}
        @dragstart=${(e) => {
          e.dataTransfer.setData(DRAG_TYPE, r.path);
          e.dataTransfer.setData("text/plain", r.path);
          e.dataTransfer.effectAllowed = "copy";
        }}
      >
        <span class="k"><span class="sep">${parent}</span>${r.path.slice(parent.length)}</span><span class="sep">, </span><span class="type">${typeWord}</span>${value ? html`<span class="sep">, </span>` : nothing}<span class="v">${value}</span>
      </button>
    </li>`;
  }

  _renderTargets() {
    const { std, custom } = this._targets();
    const mappedFrom = new Map();
    const base = this._into;
    for (const m of getAt(this._doc, `${base}/mappings`) ?? []) {
      if (!isObject(m)) continue;
      const k = targetKey(m.to);
      const src = typeof m.from === "string" ? m.from : (m.template ?? "");
      mappedFrom.set(k, [...(mappedFrom.get(k) ?? []), src]);
    }
    const routes = Array.isArray(this._doc.routes) ? this._doc.routes : [];
    const one = (t) => {
      const from = mappedFrom.get(t.key);
      return html`<li>
        <button
          class=${`target${this._over === t.key ? " over" : ""}`}
          data-target=${t.key}
          @click=${() => this._onTarget(t.key)}
          @dragover=${(e) => this._onDragOver(e, t.key)}
          @dragenter=${(e) => this._onDragOver(e, t.key)}
          @dragleave=${() => (this._over = "")}
          @drop=${(e) => this._onDrop(e, t.key)}
        >
          <span>${t.label}</span><span class="type">${t.type}</span>
          <span class="from">${from ? S.mappedFrom(from.join(", ")) : this._picked !== null || this._over === t.key ? S.dropHere : ""}</span>
        </button>
      </li>`;
    };
    return html`<section aria-labelledby="h-targets">
      <div class="bar">
        <h3 id="h-targets">${S.targetsHeading}</h3>
        <button @click=${this._onSuggest}>${S.suggest}</button>
      </div>
      ${
        routes.length > 0
          ? html`<div class="field">
            <label for="map-into">${S.mapInto}</label>
            <select id="map-into" .value=${live(this._into)} @change=${(e) => (this._into = e.target.value)}>
              <option value="">${S.defaultRules}</option>
              ${routes.map((r, i) => html`<option value=${`/routes/${i}`}>${S.routeRules(r?.id ?? i + 1)}</option>`)}
            </select>
          </div>`
          : nothing
      }
      <h4 id="h-std">${S.standardFields}</h4>
      <ul class="plain targets" aria-labelledby="h-std">${std.map(one)}</ul>
      <h4 id="h-custom">${S.customFields}</h4>
      ${custom.length === 0 ? html`<p class="muted">${S.noCustomFields}</p>` : html`<ul class="plain targets" aria-labelledby="h-custom">${custom.map(one)}</ul>`}
    </section>`;
  }

  // ---- suggestions ----------------------------------------------------------------------

  _onSuggest() {
    this._suggestions = suggestMappings(
      this._doc,
      recordOf(this._currentSample()),
      this.customFields,
    );
    this.updateComplete.then(() => this.renderRoot.getElementById("h-suggest")?.focus());
  }

  _accept(s) {
    this._edit(addMapping(this._doc, "", s.from, s.to, s.transforms));
    this._suggestions = this._suggestions.filter((x) => x !== s);
    this._announce = S.mapped(s.from, this._targetLabel(s.to));
  }

  _acceptAll() {
    let doc = this._doc;
    for (const s of this._suggestions) doc = addMapping(doc, "", s.from, s.to, s.transforms);
    const n = this._suggestions.length;
    this._suggestions = [];
    this._edit(doc);
    this._announce = S.acceptedAll(n);
  }

  _renderSuggestions() {
    const list = this._suggestions;
    if (list === null) return nothing;
    return html`<section aria-labelledby="h-suggest">
      <h3 id="h-suggest" tabindex="-1">${S.suggestHeading}</h3>
      ${
        list.length === 0
          ? html`<p>${S.suggestNone}</p>`
          : html`<ul class="plain">
              ${list.map(
                (s) => html`<li class="card">
                  <div><code>${s.from}</code> → <strong>${this._targetLabel(s.to)}</strong></div>
                  <div class="muted mono">${shortValue(s.value)}</div>
                  <div class="row">
                    <button class="primary" aria-label=${`${S.accept}: ${S.suggestRow(s.from, this._targetLabel(s.to))}`} @click=${() => this._accept(s)}>${S.accept}</button>
                    <button aria-label=${`${S.dismiss}: ${S.suggestRow(s.from, this._targetLabel(s.to))}`} @click=${() => (this._suggestions = list.filter((x) => x !== s))}>${S.dismiss}</button>
                  </div>
                </li>`,
              )}
            </ul>
            <button class="primary" @click=${this._acceptAll}>${S.acceptAll}</button>`
      }
    </section>`;
  }

  // ---- rules ----------------------------------------------------------------------------

  _renderRules() {
    const doc = this._doc;
    const mappings = Array.isArray(doc.mappings) ? doc.mappings : [];
    const tagRules = Array.isArray(doc.tagRules) ? doc.tagRules : [];
    const routes = Array.isArray(doc.routes) ? doc.routes : [];
    const cm = this._c("/mappings", { container: true });
    return html`
      <section aria-labelledby="h-mappings" aria-describedby=${ifDefined(cm.desc)}>
        <h3 id="h-mappings">${S.mappingsHeading}</h3>
        ${cm.err}
        ${mappings.length === 0 ? html`<p class="muted">${S.mappingsNone}</p>` : mappings.map((m, i) => this._renderMapping(m, `/mappings/${i}`, i))}
      </section>
      <section aria-labelledby="h-tags">
        <h3 id="h-tags">${S.tagsHeading}</h3>
        <p class="help">${S.tagsTemplateHelp}</p>
        ${tagRules.map((t, i) => this._renderTagRule(t, `/tagRules/${i}`, i))}
        <button @click=${() => this._add("/tagRules", tagRules, { id: freshId(doc, "tag-rule"), add: [] }, "add")}>${S.addTagRule}</button>
      </section>
      ${this._renderScoring(doc.scoring, "/scoring", { used: !routes.some((r) => isObject(r) && r.id === this._shownResult()?.ruleSet && isObject(r.scoring)) })}
      <section aria-labelledby="h-routes">
        <h3 id="h-routes">${S.routesHeading}</h3>
        <p class="help">${S.routesHelp}</p>
        ${routes.map((r, i) => this._renderRoute(r, `/routes/${i}`))}
        <button @click=${this._addRoute}>${S.addRoute}</button>
      </section>
      ${this._renderSettings()}
    `;
  }

  _firstPath() {
    return this._picked ?? this._rows().find((r) => r.leaf && r.path)?.path ?? "";
  }

  /** Appends `item` to the list at `ptr` and moves focus to its `field` control. */
  _add(ptr, list, item, field) {
    this._set(ptr, [...list, item]);
    this._toggle(`${ptr}/${list.length}`, true);
    this._focus(`${ptr}/${list.length}/${field}`);
  }

  _focus(ptr) {
    this.updateComplete.then(() => this.renderRoot.getElementById(controlId(ptr))?.focus());
  }

  _addRoute() {
    const routes = Array.isArray(this._doc.routes) ? this._doc.routes : [];
    const when = { path: this._firstPath(), exists: true };
    this._add("/routes", routes, { id: freshId(this._doc, "route"), when }, "id");
  }

  _traceOf(id) {
    const r = this._shownResult();
    return Array.isArray(r?.trace) ? r.trace.find((t) => t.rule === id) : undefined;
  }

  _renderTargetSelect(to, ptr, labelText, { allowNone = false } = {}) {
    const c = this._c(ptr);
    const { std, custom } = this._targets();
    const key = to === undefined ? "" : targetKey(to);
    const known = [...std, ...custom].some((t) => t.key === key);
    return html`<div class="field">
      <label for=${c.id}>${labelText}</label>
      <select
        id=${c.id}
        aria-invalid=${ifDefined(c.invalid)}
        aria-describedby=${ifDefined(c.desc)}
        .value=${live(key)}
        @change=${(e) => this._set(ptr, e.target.value === "" ? undefined : targetOf(e.target.value))}
      >
        ${allowNone ? html`<option value="">${S.scoringNowhere}</option>` : nothing}
        ${!known && key !== "" ? html`<option value=${key}>${this._targetLabel(to)}</option>` : nothing}
        <optgroup label=${S.standardFields}>${std.map((t) => html`<option value=${t.key}>${t.label}</option>`)}</optgroup>
        ${custom.length > 0 ? html`<optgroup label=${S.customFields}>${custom.map((t) => html`<option value=${t.key}>${t.label} (${t.type})</option>`)}</optgroup>` : nothing}
      </select>
      ${c.err}
    </div>`;
  }

  /** Has the document a problem at `ptr` or inside it? */
  _problemsIn(ptr) {
    return this._problems.filter((p) => p.pointer === ptr || p.pointer.startsWith(`${ptr}/`));
  }

  /**
   * Is the card at `ptr` open: opened by the person, just added, or holding a problem
   * (a card with a problem opens itself, unless the person closed it since).
   */
  _isOpen(ptr) {
    if (this._open.has(ptr)) return true;
    return this._problemsIn(ptr).length > 0 && !this._closed.has(ptr);
  }

  _toggle(ptr, open) {
    const next = new Set(this._open);
    const closed = new Set(this._closed);
    if (open) {
      next.add(ptr);
      closed.delete(ptr);
    } else {
      next.delete(ptr);
      closed.add(ptr);
    }
    this._open = next;
    this._closed = closed;
  }

  _remove(ptr) {
    this._open = new Set();
    this._set(ptr, undefined);
  }

  /**
   * A card that starts closed: a heading whose button (`aria-expanded`) shows the name
   * and a summary line; the body is rendered only while open (a preset has dozens of
   * cards). `actions` stay beside the button (remove...).
   */
  _card(ptr, { name, summary, fired, actions = nothing, level = 4, body }) {
    const card = this._c(ptr, { container: true });
    const open = this._isOpen(ptr);
    const bodyId = `${card.id}-body`;
    const bad = this._problemsIn(ptr).length;
    return html`<div class=${`card${bad > 0 ? " has-problem" : ""}`} id=${card.id} tabindex="-1" data-ptr=${ptr} role="group" aria-labelledby=${`${card.id}-t`} aria-describedby=${ifDefined(card.desc)}>
      <div class="card-head">
        <div role="heading" aria-level=${level} class="card-title">
          <button
            class="disclosure"
            id=${`${card.id}-t`}
            aria-expanded=${open ? "true" : "false"}
            aria-controls=${bodyId}
            @click=${() => this._toggle(ptr, !open)}
          >
            <span class="chev" aria-hidden="true"></span>
            <span class="name">${name}</span>
            <span class="sum">${summary}${fired === undefined ? nothing : html` · <span class=${fired ? "ok" : "bad"}>${fired ? S.fired : S.notFired}</span>`}${bad > 0 ? html` · <span class="bad">${S.summaryProblem(bad)}</span>` : nothing}</span>
          </button>
        </div>
        ${actions}
      </div>
      <div class="card-body" id=${bodyId} ?hidden=${!open}>${open ? html`${card.err}${body()}` : nothing}</div>
    </div>`;
  }

  /** The words of a transform list for a summary line. */
  _stepWords(transforms) {
    return transforms.map((t) => {
      const op = transformOp(t);
      const name = S.transformNames[op] ?? (op || "?");
      if (t === "firstName" || t === "lastName")
        return `${name} (${t === "firstName" ? "first" : "last"})`;
      return name;
    });
  }

  _renderMapping(m, ptr, i, level = 4) {
    if (!isObject(m)) return nothing;
    const useTemplate = typeof m.template === "string" && typeof m.from !== "string";
    const srcPtr = `${ptr}/${useTemplate ? "template" : "from"}`;
    const trace = typeof m.id === "string" ? this._traceOf(m.id) : undefined;
    const transforms = Array.isArray(m.transforms) ? m.transforms : [];
    const label = this._targetLabel(m.to);
    const from = shown(useTemplate ? m.template : m.from);
    const summary = html`<code>${S.summaryFrom(label, from, this._stepWords(transforms))}</code>${m.when !== undefined ? html` · ${S.summaryWhen(conditionWords(m.when))}` : nothing}${
      trace
        ? html` → <span class=${trace.fired ? "ok" : "bad"}>${trace.fired ? html`<code>${shortValue(trace.after, 40)}</code>` : S.skipped}</span>`
        : nothing
    }`;
    return this._card(ptr, {
      name: S.places.mapping(i + 1),
      summary,
      level,
      actions: html`<button class="icon" aria-label=${`${S.removeMapping}: ${S.mappingName(i, label)}`} @click=${() => this._remove(ptr)}>✕</button>`,
      body: () => {
        // Step values are computed for open cards only.
        return this._renderMappingBody(m, {
          srcPtr,
          useTemplate,
          trace,
          transforms,
          steps: this._steps(m),
        });
      },
    });
  }

  _renderMappingBody(m, { srcPtr, useTemplate, trace, transforms, steps }) {
    const ptr = srcPtr.slice(0, srcPtr.lastIndexOf("/"));
    const src = this._c(srcPtr);
    return html`
      <div class="row">
        <div class="field">
          <label for=${src.id}>${useTemplate ? S.fromTemplate : S.from}</label>
          <input
            id=${src.id}
            class="mono"
            aria-invalid=${ifDefined(src.invalid)}
            aria-describedby=${ifDefined(src.desc)}
            .value=${live(shown(useTemplate ? m.template : m.from))}
            @input=${(e) => this._set(srcPtr, e.target.value)}
            @dragover=${(e) => e.dataTransfer && e.preventDefault()}
            @drop=${(e) => {
              e.preventDefault();
              const path =
                e.dataTransfer?.getData(DRAG_TYPE) || e.dataTransfer?.getData("text/plain");
              if (!path) return;
              // A field dropped here becomes the source; on a text with fields, one more {field}.
              this._set(
                srcPtr,
                useTemplate ? `${m.template}${m.template ? " " : ""}{${path}}` : path,
              );
            }}
          />
          ${src.err}
        </div>
        ${this._renderTargetSelect(m.to, `${ptr}/to`, S.to)}
      </div>
      <label class="inline">
        <input
          type="checkbox"
          .checked=${live(useTemplate)}
          @change=${(e) => {
            const next = { ...m };
            if (e.target.checked) {
              next.template = typeof m.from === "string" && m.from !== "" ? `{${m.from}}` : "";
              delete next.from;
            } else {
              next.from = (/\{([^}]*)\}/.exec(m.template ?? "") ?? [])[1] ?? "";
              delete next.template;
            }
            this._set(ptr, next);
          }}
        />${S.useTemplate}
      </label>
      <div class="muted">
        ${S.sampleValue}: <code>${steps ? shortValue(steps[0]) || S.nothing : "—"}</code>
        ${
          trace
            ? html`→ <span class=${trace.fired ? "ok" : "bad"}>${trace.fired ? html`${S.willWrite} <code>${shortValue(trace.after)}</code>` : html`${S.skipped}: ${trace.why}`}</span>`
            : nothing
        }
      </div>
      ${this._renderTransforms(transforms, `${ptr}/transforms`, steps)}
      ${this._renderCondition(m.when, `${ptr}/when`)}
    `;
  }

  _renderTransforms(transforms, ptr, steps) {
    const c = this._c(ptr, { container: true });
    const addId = `${c.id}-add`;
    return html`<div aria-describedby=${ifDefined(c.desc)}>
      <h4>${S.transformsLabel}</h4>
      ${c.err}
      ${
        transforms.length > 0
          ? html`<ol class="plain steps">
            ${transforms.map((t, j) => this._renderStep(t, `${ptr}/${j}`, j, transforms, steps ? steps[j + 1] : undefined, steps !== null))}
          </ol>`
          : nothing
      }
      <div class="field">
        <label for=${addId}>${S.addTransform}</label>
        <select
          id=${addId}
          @change=${(e) => {
            const spec = TRANSFORMS.find((t) => t.op === e.target.value);
            e.target.value = "";
            if (spec) this._set(ptr, [...transforms, newTransform(spec)]);
          }}
        >
          <option value="">${S.addTransformNone}</option>
          ${TRANSFORMS.map((t) => html`<option value=${t.op} title=${t.description}>${S.transformNames[t.op] ?? t.op}: ${t.description}</option>`)}
        </select>
      </div>
    </div>`;
  }

  _renderStep(t, ptr, j, all, value, known) {
    const c = this._c(ptr, { container: true });
    const op = transformOp(t);
    const spec = TRANSFORMS.find((x) => x.op === op);
    const name = S.transformNames[op] ?? (typeof t === "string" ? t : op || "?");
    const label =
      typeof t === "string" && (t === "firstName" || t === "lastName")
        ? `${name} (${t === "firstName" ? "first" : "last"})`
        : name;
    return html`<li aria-describedby=${ifDefined(c.desc)}>
      <div class="head">
        <strong>${j + 1}. ${label}</strong>
        ${
          j > 0
            ? html`<button class="icon" aria-label=${S.moveUp(label)} @click=${() => {
                const next = [...all];
                [next[j - 1], next[j]] = [next[j], next[j - 1]];
                this._set(ptr.slice(0, ptr.lastIndexOf("/")), next);
              }}>↑</button>`
            : nothing
        }
        <button class="icon" aria-label=${S.removeTransform(label)} @click=${() => this._set(ptr, undefined)}>✕</button>
      </div>
      ${c.err}
      ${isObject(t) && spec ? html`<div class="row">${spec.params.map((p) => this._renderParam(t, p, `${ptr}/${p.name}`))}</div>` : nothing}
      ${
        known && value !== STEP_UNKNOWN
          ? html`<div class="muted">${S.stepValue} <code>${value === undefined ? S.nothing : shortValue(value)}</code></div>`
          : nothing
      }
    </li>`;
  }

  _renderParam(t, p, ptr) {
    const c = this._c(ptr);
    const v = t[p.name];
    const label = S.paramNames[p.name] ?? p.name;
    const common = (input) => html`<div class="field">
      ${p.type === "boolean" ? input : html`<label for=${c.id}>${label}</label>${input}`}
      ${c.err}
    </div>`;
    if (p.type === "boolean") {
      return common(html`<label class="inline"
        ><input
          type="checkbox"
          id=${c.id}
          aria-invalid=${ifDefined(c.invalid)}
          aria-describedby=${ifDefined(c.desc)}
          .checked=${live(v === true)}
          @change=${(e) => this._set(ptr, e.target.checked ? true : undefined)}
        />${label}</label
      >`);
    }
    if (p.type === "choice") {
      return common(html`<select id=${c.id} aria-invalid=${ifDefined(c.invalid)} aria-describedby=${ifDefined(c.desc)} .value=${live(shown(v))} @change=${(e) => this._set(ptr, e.target.value)}>
        ${(p.enum ?? []).map((o) => html`<option value=${o}>${o}</option>`)}
      </select>`);
    }
    const text =
      p.type === "text"
        ? shown(v)
        : v === undefined
          ? ""
          : p.type === "number"
            ? String(v)
            : JSON.stringify(v);
    const read = (s) => {
      if (p.type === "number") return numberOrText(s);
      if (p.type === "text") return s === "" && !p.required ? undefined : s;
      if (s.trim() === "") return p.required ? "" : undefined;
      try {
        return JSON.parse(s);
      } catch {
        return s;
      }
    };
    return common(html`<input
      id=${c.id}
      class=${p.type === "text" ? "" : "mono"}
      inputmode=${ifDefined(p.type === "number" ? "numeric" : undefined)}
      aria-invalid=${ifDefined(c.invalid)}
      aria-describedby=${ifDefined(c.desc)}
      .value=${live(text)}
      @change=${(e) => this._set(ptr, read(e.target.value))}
    />`);
  }

  /**
   * A condition: one test (field, test, value), or a combination ("all of these tests
   * hold" / "any of these tests holds") whose tests are conditions again. `nested`: the
   * `index` of a test inside a combination (its remove button says which).
   */
  _renderCondition(when, ptr, nested) {
    if (when === undefined) {
      return html`<button
        @click=${() => {
          this._set(ptr, { path: this._firstPath(), blank: false });
          this._focus(`${ptr}/path`);
        }}
      >
        ${S.addCondition}
      </button>`;
    }
    const c = this._c(ptr);
    const keys = isObject(when) ? COND_KEYS.filter((k) => k in when) : [];
    const group = isObject(when) ? ["all", "any"].filter((k) => k in when) : [];
    const kind = group.length === 1 && keys.length === 0 && !("not" in when) ? group[0] : "one";
    const simple = isObject(when) && keys.length <= 1 && group.length === 0 && !("not" in when);
    const legend = nested === undefined ? S.when : S.condTestName(nested);
    const removeLabel = nested === undefined ? S.removeCondition : S.removeTest(nested);
    const remove = html`<button @click=${() => this._set(ptr, undefined)}>${removeLabel}</button>`;
    if (kind === "one" && !simple) {
      return html`<div class="field" aria-describedby=${ifDefined(c.desc)}>
        <h4 id=${c.id} tabindex="-1">${legend}</h4>
        <p class="muted">${S.condComplex}</p>
        <pre>${JSON.stringify(when, null, 1)}</pre>
        ${c.err}
        ${remove}
      </div>`;
    }
    const combineId = kind === "one" ? `${c.id}-combine` : c.id;
    const setCombine = (next) => {
      if (next === kind) return;
      const first = kind === "one" ? when : (when[kind] ?? [])[0];
      if (next === "one") {
        this._set(ptr, isObject(first) ? first : { path: this._firstPath(), blank: false });
      } else if (kind === "one") {
        this._set(ptr, { [next]: [when] });
      } else {
        const { [kind]: list, ...rest } = when;
        this._set(ptr, { ...rest, [next]: list });
      }
    };
    const combine = html`<div class="field">
      <label for=${combineId}>${S.condCombine}</label>
      <select
        id=${combineId}
        aria-invalid=${ifDefined(kind === "one" ? undefined : c.invalid)}
        aria-describedby=${ifDefined(kind === "one" ? undefined : c.desc)}
        .value=${live(kind)}
        @change=${(e) => setCombine(e.target.value)}
      >
        ${["one", "all", "any"].map((k) => html`<option value=${k} ?selected=${k === kind}>${S.combine[k]}</option>`)}
      </select>
    </div>`;
    if (kind !== "one") {
      const list = Array.isArray(when[kind]) ? when[kind] : [];
      const listPtr = `${ptr}/${kind}`;
      return html`<fieldset class="card cond" aria-describedby=${ifDefined(c.desc)}>
        <legend>${legend}</legend>
        ${combine}
        ${c.err}
        <ol class="plain">
          ${list.map((x, i) => html`<li>${this._renderCondition(x, `${listPtr}/${i}`, i)}</li>`)}
        </ol>
        <div class="row">
          <button
            @click=${() => {
              this._set(listPtr, [...list, { path: this._firstPath(), blank: false }]);
              this._focus(`${listPtr}/${list.length}/path`);
            }}
          >
            ${S.addTest}
          </button>
          ${remove}
        </div>
      </fieldset>`;
    }
    const k = keys[0];
    const op =
      k === "blank"
        ? when.blank
          ? "blankTrue"
          : "blankFalse"
        : k === "exists"
          ? when.exists
            ? "existsTrue"
            : "existsFalse"
          : (k ?? "");
    const pathC = this._c(`${ptr}/path`);
    const valC = k !== undefined ? this._c(`${ptr}/${k}`) : null;
    const needsValue = k !== undefined && k !== "blank" && k !== "exists";
    const setOp = (next) => {
      const base = { path: when.path };
      if (when.caseSensitive !== undefined) base.caseSensitive = when.caseSensitive;
      const old = k !== undefined && needsValue ? when[k] : "";
      const text = Array.isArray(old) ? old.join(", ") : shown(old);
      if (next === "blankTrue" || next === "blankFalse") base.blank = next === "blankTrue";
      else if (next === "existsTrue" || next === "existsFalse") base.exists = next === "existsTrue";
      else if (next === "in") base.in = splitList(text).map(typedValue);
      else if (["gt", "gte", "lt", "lte"].includes(next)) base[next] = numberOrText(text) ?? 0;
      else if (next === "equals") base.equals = typedValue(text);
      else base[next] = text;
      this._set(ptr, base);
    };
    const valueText = !needsValue ? "" : k === "in" ? listText(when.in) : shown(when[k]);
    const readValue = (s) =>
      k === "in"
        ? splitList(s).map(typedValue)
        : k === "equals"
          ? typedValue(s)
          : ["gt", "gte", "lt", "lte"].includes(k)
            ? numberOrText(s)
            : s;
    return html`<fieldset class="card cond">
      <legend>${legend}</legend>
      ${nested === undefined ? combine : nothing}
      <div class="row">
        <div class="field">
          <label for=${pathC.id}>${S.condPath}</label>
          <input id=${pathC.id} class="mono" aria-invalid=${ifDefined(pathC.invalid)} aria-describedby=${ifDefined(pathC.desc)} .value=${live(shown(when.path))} @input=${(e) => this._set(`${ptr}/path`, e.target.value)} />
          ${pathC.err}
        </div>
        <div class="field">
          <label for=${c.id}>${S.condOp}</label>
          <select id=${c.id} aria-invalid=${ifDefined(c.invalid)} aria-describedby=${ifDefined(c.desc)} .value=${live(op)} @change=${(e) => setOp(e.target.value)}>
            ${op === "" ? html`<option value="">—</option>` : nothing}
            ${COND_OPS.map((o) => html`<option value=${o} ?selected=${o === op}>${S.ops[o]}</option>`)}
          </select>
          ${c.err}
        </div>
        ${
          needsValue
            ? html`<div class="field">
              <label for=${valC.id}>${S.condValue}</label>
              <input id=${valC.id} aria-invalid=${ifDefined(valC.invalid)} aria-describedby=${ifDefined(valC.desc)} .value=${live(valueText)} @change=${(e) => this._set(`${ptr}/${k}`, readValue(e.target.value))} />
              ${valC.err}
            </div>`
            : nothing
        }
      </div>
      ${remove}
    </fieldset>`;
  }

  _renderTagRule(t, ptr, i, level = 4) {
    if (!isObject(t)) return nothing;
    const trace = typeof t.id === "string" ? this._traceOf(t.id) : undefined;
    const list = (v) => (Array.isArray(v) ? v.map(String) : []);
    const summary = html`${S.summaryTags(list(t.add), list(t.remove))}${t.when !== undefined ? html` · ${S.summaryWhen(conditionWords(t.when))}` : nothing}`;
    return this._card(ptr, {
      name: S.tagRuleName(i),
      summary,
      level,
      fired: trace?.fired,
      actions: html`<button class="icon" aria-label=${`${S.removeTagRule} (${i + 1})`} @click=${() => this._remove(ptr)}>✕</button>`,
      body: () => {
        const add = this._c(`${ptr}/add`);
        const remove = this._c(`${ptr}/remove`);
        return html`${trace ? html`<p class="muted">${trace.why}</p>` : nothing}
          <div class="row">
            <div class="field">
              <label for=${add.id}>${S.tagsAdd}</label>
              <input id=${add.id} aria-invalid=${ifDefined(add.invalid)} aria-describedby=${ifDefined(add.desc)} .value=${live(listText(t.add))} @change=${(e) => this._set(`${ptr}/add`, splitList(e.target.value))} />
              ${add.err}
            </div>
            <div class="field">
              <label for=${remove.id}>${S.tagsRemove}</label>
              <input id=${remove.id} aria-invalid=${ifDefined(remove.invalid)} aria-describedby=${ifDefined(remove.desc)} .value=${live(listText(t.remove))} @change=${(e) => this._set(`${ptr}/remove`, splitList(e.target.value))} />
              ${remove.err}
            </div>
          </div>
          ${this._renderCondition(t.when, `${ptr}/when`)}`;
      },
    });
  }

  _renderNumber(ptr, label, v) {
    const c = this._c(ptr);
    return html`<div class="field">
      <label for=${c.id}>${label}</label>
      <input id=${c.id} inputmode="numeric" aria-invalid=${ifDefined(c.invalid)} aria-describedby=${ifDefined(c.desc)} .value=${live(v === undefined ? "" : String(v))} @change=${(e) => this._set(ptr, numberOrText(e.target.value))} />
      ${c.err}
    </div>`;
  }

  _renderText(ptr, label, v, { mono = false, onInput = true } = {}) {
    const c = this._c(ptr);
    const set = (e) => this._set(ptr, e.target.value === "" ? undefined : e.target.value);
    return html`<div class="field">
      <label for=${c.id}>${label}</label>
      <input id=${c.id} class=${mono ? "mono" : ""} aria-invalid=${ifDefined(c.invalid)} aria-describedby=${ifDefined(c.desc)} .value=${live(shown(v))} @input=${onInput ? set : null} @change=${onInput ? null : set} />
      ${c.err}
    </div>`;
  }

  /**
   * Lead scoring at `ptr` (`/scoring`, or a route's own `/routes/N/scoring`): one card
   * whose body holds the switch, the settings, the score rules (cards again) and the
   * score tags.
   */
  _renderScoring(
    scoring,
    ptr,
    { level = 3, name = S.scoringHeading, onLabel = S.scoringOn, used = true } = {},
  ) {
    const on = isObject(scoring);
    const rules = on && Array.isArray(scoring.rules) ? scoring.rules : [];
    const thresholds = on && Array.isArray(scoring.thresholds) ? scoring.thresholds : [];
    const score = used ? this._shownResult()?.score : undefined;
    const summary = on
      ? html`${S.summaryScoring(rules.length, thresholds.length, scoring.writeTo === undefined ? "" : this._targetLabel(scoring.writeTo))}${typeof score === "number" ? html` · ${S.score}: ${score}` : nothing}`
      : S.summaryScoringOff;
    return this._card(ptr, {
      name,
      summary,
      level,
      body: () => html`
        <label class="inline"><input type="checkbox" .checked=${live(on)} @change=${(e) => {
          this._set(ptr, e.target.checked ? { rules: [] } : undefined);
          this._toggle(ptr, true);
        }} />${onLabel}</label>
        ${on ? this._renderScoringBody(scoring, ptr, rules, thresholds, level) : nothing}
      `,
    });
  }

  _renderScoringBody(scoring, ptr, rules, thresholds, level) {
    return html`
      <div class="row">
        ${this._renderText(`${ptr}/base`, S.scoringBase, scoring.base, { mono: true })}
        ${this._renderNumber(`${ptr}/min`, S.scoringMin, scoring.min)}
        ${this._renderNumber(`${ptr}/max`, S.scoringMax, scoring.max)}
      </div>
      ${this._renderTargetSelect(scoring.writeTo, `${ptr}/writeTo`, S.scoringWriteTo, { allowNone: true })}
      ${rules.map((r, i) => {
        const rp = `${ptr}/rules/${i}`;
        const trace = typeof r?.id === "string" ? this._traceOf(r.id) : undefined;
        const summary = html`${S.summaryPoints(r?.points, r?.per, r?.cap)}${r?.when !== undefined ? html` · ${S.summaryWhen(conditionWords(r.when))}` : nothing}`;
        return this._card(rp, {
          name: S.scoreRuleName(i),
          summary,
          fired: trace?.fired,
          level: level + 1,
          actions: html`<button class="icon" aria-label=${`${S.removeScoreRule} (${i + 1})`} @click=${() => this._remove(rp)}>✕</button>`,
          body: () => html`${trace ? html`<p class="muted">${trace.why}</p>` : nothing}
            <div class="row">
              ${this._renderNumber(`${rp}/points`, S.points, r?.points)}
              ${this._renderText(`${rp}/per`, S.per, r?.per, { mono: true })}
              ${this._renderNumber(`${rp}/cap`, S.cap, r?.cap)}
            </div>
            ${this._renderCondition(r?.when, `${rp}/when`)}`,
        });
      })}
      <button @click=${() => this._add(`${ptr}/rules`, rules, { id: freshId(this._doc, "score-rule"), points: 10 }, "points")}>${S.addScoreRule}</button>
      <div role="heading" aria-level=${level + 1} class="subhead">${S.thresholds}</div>
      ${thresholds.map((t, i) => {
        const tp = `${ptr}/thresholds/${i}`;
        const tc = this._c(tp, { container: true });
        const tags = this._c(`${tp}/tags`);
        return html`<div class="card" role="group" aria-label=${S.thresholdName(i)} aria-describedby=${ifDefined(tc.desc)}>
          ${tc.err}
          <div class="row">
            ${this._renderNumber(`${tp}/at`, S.thresholdAt, t?.at)}
            <div class="field">
              <label for=${tags.id}>${S.thresholdTags}</label>
              <input id=${tags.id} aria-invalid=${ifDefined(tags.invalid)} aria-describedby=${ifDefined(tags.desc)} .value=${live(listText(t?.tags))} @change=${(e) => this._set(`${tp}/tags`, splitList(e.target.value))} />
              ${tags.err}
            </div>
            <button class="icon" aria-label=${`${S.removeThreshold} (${i + 1})`} @click=${() => this._set(tp, undefined)}>✕</button>
          </div>
        </div>`;
      })}
      <button @click=${() => this._add(`${ptr}/thresholds`, thresholds, { at: 50, tags: [] }, "at")}>${S.addThreshold}</button>
    `;
  }

  /** The sample's result shown (the last one without problems while the document has some). */
  _shownResult() {
    return (this._problems.length > 0 ? this._good : this._preview)?.result ?? null;
  }

  _renderRoute(r, ptr) {
    if (!isObject(r)) return nothing;
    const mappings = Array.isArray(r.mappings) ? r.mappings : [];
    const tagRules = Array.isArray(r.tagRules) ? r.tagRules : [];
    const trace = typeof r.id === "string" ? this._traceOf(r.id) : undefined;
    const id = r.id ?? "";
    const summary = html`${S.summaryWhen(conditionWords(r.when))} · ${S.summaryRoute(mappings.length, tagRules.length, isObject(r.scoring))}`;
    return this._card(ptr, {
      name: S.routeRules(id),
      summary,
      fired: trace?.fired,
      actions: html`<button class="icon" aria-label=${`${S.removeRoute} (${id})`} @click=${() => this._remove(ptr)}>✕</button>`,
      body: () => html`
        ${this._renderText(`${ptr}/id`, S.routeName, r.id, { onInput: false })}
        ${this._renderCondition(r.when, `${ptr}/when`)}
        <div role="heading" aria-level="5" class="subhead">${S.routeMappings(id)}</div>
        ${mappings.map((m, i) => this._renderMapping(m, `${ptr}/mappings/${i}`, i, 5))}
        <button @click=${() => {
          this._edit(addMapping(this._doc, ptr, this._firstPath(), "source", []));
          this._toggle(`${ptr}/mappings/${mappings.length}`, true);
        }}>${S.routeAddMapping}</button>
        ${tagRules.map((t, i) => this._renderTagRule(t, `${ptr}/tagRules/${i}`, i, 5))}
        <button @click=${() => this._add(`${ptr}/tagRules`, tagRules, { id: freshId(this._doc, "tag-rule"), add: [] }, "add")}>${S.addTagRule}</button>
        ${this._renderScoring(r.scoring, `${ptr}/scoring`, {
          level: 5,
          name: S.routeScoringHeading(id),
          onLabel: S.routeScoringOn,
          used: this._shownResult()?.ruleSet === r.id,
        })}
      `,
    });
  }

  _renderSettings() {
    const s = isObject(this._doc.settings) ? this._doc.settings : {};
    return this._card("/settings", {
      name: S.settingsHeading,
      summary: S.summarySettings(s.defaultCountry, s.lowercaseTags !== false, s.maxTagLength),
      level: 3,
      body: () => {
        const lc = this._c("/settings/lowercaseTags");
        return html`
          ${this._renderText("/settings/defaultCountry", S.defaultCountry, s.defaultCountry)}
          <label class="inline"
            ><input type="checkbox" id=${lc.id} aria-invalid=${ifDefined(lc.invalid)} aria-describedby=${ifDefined(lc.desc)} .checked=${live(s.lowercaseTags !== false)} @change=${(e) => this._set("/settings/lowercaseTags", e.target.checked ? undefined : false)} />${S.lowercaseTags}</label
          >
          ${lc.err}
          ${this._renderNumber("/settings/maxTagLength", S.maxTagLength, s.maxTagLength)}
        `;
      },
    });
  }

  // ---- preview --------------------------------------------------------------------------

  _renderPreview() {
    const stale = this._problems.length > 0;
    const p = stale ? this._good : this._preview;
    const r = p?.result;
    return html`<section aria-labelledby="h-preview" class=${stale ? "stale-wrap" : ""}>
      <h3 id="h-preview">${S.previewHeading}</h3>
      ${stale ? html`<p class="error">${p ? S.previewStale : S.previewNone}</p>` : nothing}
      ${
        r
          ? html`<div class=${stale ? "stale" : ""}>${r.error ? html`<p class="who none">${S.recordError(r.error.message)}</p>` : this._renderResult(r, p)}</div>`
          : stale
            ? nothing
            : html`<p class="muted">${S.sampleEmpty}</p>`
      }
    </section>`;
  }

  _renderResult(r, p) {
    const who = matchOf(r);
    const fields = Object.entries(r.upsert ?? {}).filter(([k]) => k !== "customFields");
    const custom = Array.isArray(r.upsert?.customFields) ? r.upsert.customFields : [];
    const b = p.batch;
    return html`
      <p class=${`who${who.key === null ? " none" : ""}`} data-testid="who">${who.key === null ? S.whoNone : S.whoUpdate(who.name, who.key, who.value)}</p>
      ${b ? html`<p class="muted" data-testid="batch">${S.batch(b.reach, b.total, b.none, b.failed)}</p>` : nothing}
      <p class="muted">${S.ruleSet(r.ruleSet)}</p>
      <h4 id="h-body">${S.body}</h4>
      ${
        fields.length + custom.length === 0
          ? html`<p class="muted">${S.bodyNone}</p>`
          : html`<table aria-labelledby="h-body">
            <tbody>
              ${fields.map(([k, v]) => html`<tr><th scope="row">${S.fieldLabels[k] ?? k}</th><td>${shown(v)}</td></tr>`)}
              ${custom.map((c) => html`<tr><th scope="row">${this._targetLabel(c.id ? { customFieldId: c.id } : { customField: c.key })}</th><td>${shown(c.field_value)}</td></tr>`)}
            </tbody>
          </table>`
      }
      <details>
        <summary>${S.bodyJson}</summary>
        <pre>${JSON.stringify(r.upsert, null, 2)}</pre>
      </details>
      <h4 id="h-added">${S.tagsAdded}</h4>
      ${this._chips(r.tagsToAdd, "h-added")}
      <h4 id="h-removed">${S.tagsRemoved}</h4>
      ${this._chips(r.tagsToRemove, "h-removed")}
      ${typeof r.score === "number" ? html`<h4>${S.score}: <span data-testid="score">${r.score}</span></h4>` : nothing}
      ${
        r.warnings?.length > 0
          ? html`<h4>${S.warnings}</h4>
            <ul>
              ${r.warnings.map((w) => html`<li>${w.rule}: ${w.message}</li>`)}
            </ul>`
          : nothing
      }
      ${
        (r.trace ?? []).length === 0
          ? html`<h4>${S.trace}</h4><p class="muted">${S.traceNone}</p>`
          : html`<details open>
        <summary>${S.trace}</summary>
        <div class="trace-wrap" tabindex="0" role="region" aria-label=${S.trace}>
          <table>
            <thead>
              <tr><th scope="col">${S.traceRule}</th><th scope="col" class="nowrap">${S.traceFired}</th><th scope="col">${S.traceWhy}</th></tr>
            </thead>
            <tbody>
              ${(r.trace ?? []).map(
                (t) => html`<tr>
                  <td class="nowrap"><code>${t.rule}</code><div class="muted">${S.kinds[t.kind] ?? t.kind}</div></td>
                  <td class=${`nowrap ${t.fired ? "ok" : "bad"}`}>${t.fired ? S.yes : S.no}</td>
                  <td>${t.why}${t.after !== undefined ? html`<div class="mono">${shortValue(t.before, 40)} → ${shortValue(t.after, 40)}</div>` : nothing}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </details>`
      }
    `;
  }

  _chips(tags, labelledBy) {
    if (!Array.isArray(tags) || tags.length === 0) return html`<p class="muted">${S.noTags}</p>`;
    return html`<ul class="chips" aria-labelledby=${labelledBy}>
      ${tags.map((t) => html`<li class="chip">${t}</li>`)}
    </ul>`;
  }

  _renderJson() {
    return html`<div class="layout json-layout">
      <div>${this._renderJsonBox()}</div>
      <div class="stack preview">${this._renderPreview()}</div>
    </div>`;
  }

  _renderJsonBox() {
    const problems = this._problems;
    const describedBy = [
      this._jsonError ? "json-err" : "",
      problems.length > 0 ? "json-problems" : "",
    ]
      .filter(Boolean)
      .join(" ");
    return html`<div class="field">
      <label for="json">${S.jsonLabel}</label>
      <textarea
        id="json"
        spellcheck="false"
        aria-invalid=${ifDefined(this._jsonError || problems.length > 0 ? "true" : undefined)}
        aria-describedby=${ifDefined(describedBy || undefined)}
        .value=${live(this._jsonText)}
        @input=${this._onJson}
      ></textarea>
      ${this._jsonError ? html`<div class="error" id="json-err" role="alert">${this._jsonError}</div>` : nothing}
      ${
        problems.length > 0
          ? html`<ul class="error" id="json-problems">
            ${problems.map((p) => html`<li><code>${S.jsonProblemAt(p.pointer)}</code>: ${plainMessage(p.message)}</li>`)}
          </ul>`
          : nothing
      }
    </div>`;
  }
}

function sameAssignment(a, b) {
  if (a.loose.length !== b.loose.length || a.byControl.size !== b.byControl.size) return false;
  if (a.loose.some((p, i) => p !== b.loose[i])) return false;
  for (const [k, v] of a.byControl) {
    const w = b.byControl.get(k);
    if (!w || w.length !== v.length || w.some((p, i) => p !== v[i])) return false;
  }
  return true;
}
