/**
 * The console's styles, inside its shadow root only (nothing leaks out). `.root` resets
 * every inherited property (`all: initial`), so the host page's fonts, colours,
 * letter-spacing or text-transform on the element do not reach inside. Light and dark
 * follow `prefers-color-scheme`; hosts may theme it with the `--ghl-*` custom properties.
 */
import { css } from "lit";

export const styles = css`
  :host {
    display: block;
    contain: content;
  }
  :host([hidden]) {
    display: none;
  }
  .root {
    all: initial;
    display: block;
    box-sizing: border-box;
    --bg: var(--ghl-bg, #ffffff);
    --fg: var(--ghl-fg, #1b1f24);
    --muted: var(--ghl-muted, #57606a);
    --line: var(--ghl-line, #d0d7de);
    --panel: var(--ghl-panel, #f6f8fa);
    --accent: var(--ghl-accent, #0b5cad);
    --on-accent: var(--ghl-on-accent, #ffffff);
    --ok: #1a7f37;
    --bad: #b42318;
    --warn: #8a5300;
    --focus: #0969da;
    --bar-prev: #8c959f;
    background: var(--bg);
    color: var(--fg);
    font: 400 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
    border: 1px solid var(--line);
    border-radius: 10px;
    overflow: hidden;
    min-width: 0;
    max-width: 100%;
    text-align: start;
  }
  @media (prefers-color-scheme: dark) {
    .root {
      --bg: var(--ghl-bg, #16181d);
      --fg: var(--ghl-fg, #e6e8eb);
      --muted: var(--ghl-muted, #a7b0ba);
      --line: var(--ghl-line, #3a414b);
      --panel: var(--ghl-panel, #1f232a);
      --accent: var(--ghl-accent, #6cb6ff);
      --on-accent: var(--ghl-on-accent, #0b1220);
      --ok: #56d364;
      --bad: #ff8a80;
      --warn: #e3b341;
      --focus: #79c0ff;
      --bar-prev: #6e7681;
    }
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 12px;
    padding: 12px 16px;
    border-bottom: 1px solid var(--line);
    background: var(--panel);
  }
  h1 {
    font-size: 17px;
    margin: 0;
    font-weight: 650;
  }
  h2 {
    font-size: 16px;
    margin: 0 0 8px;
    font-weight: 650;
  }
  h3 {
    font-size: 15px;
    margin: 16px 0 6px;
    font-weight: 650;
  }
  p {
    margin: 0 0 10px;
  }
  .badge {
    display: inline-block;
    padding: 1px 8px;
    border-radius: 999px;
    font-size: 13px;
    border: 1px solid currentColor;
  }
  .badge.live {
    color: var(--ok);
  }
  .badge.staging {
    color: var(--warn);
  }
  .where {
    color: var(--muted);
    font-size: 14px;
    overflow-wrap: anywhere;
  }
  [role="tablist"] {
    display: flex;
    gap: 2px;
    overflow-x: auto;
    padding: 0 8px;
    border-bottom: 1px solid var(--line);
    scrollbar-width: thin;
  }
  [role="tab"] {
    all: unset;
    cursor: pointer;
    padding: 10px 12px;
    white-space: nowrap;
    color: var(--muted);
    border-bottom: 3px solid transparent;
    font: inherit;
  }
  [role="tab"][aria-selected="true"] {
    color: var(--fg);
    border-bottom-color: var(--accent);
    font-weight: 600;
  }
  [role="tab"]:focus-visible,
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  textarea:focus-visible,
  a:focus-visible,
  [tabindex]:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  [role="tabpanel"] {
    padding: 16px;
    min-height: 240px;
  }
  [role="tabpanel"]:focus-visible {
    outline-offset: -3px;
  }
  .notice {
    margin: 0 16px;
  }
  .notice:not(:empty) {
    margin-top: 12px;
    padding: 8px 12px;
    border-radius: 6px;
    border: 1px solid var(--line);
    background: var(--panel);
  }
  .notice.error:not(:empty),
  .error-text {
    color: var(--bad);
    border-color: var(--bad);
  }
  .ok-text {
    color: var(--ok);
  }
  .muted {
    color: var(--muted);
    font-size: 14px;
  }
  form,
  .stack {
    display: grid;
    gap: 12px;
    max-width: 640px;
  }
  label {
    display: grid;
    gap: 4px;
    font-weight: 550;
  }
  .help {
    font-weight: 400;
    color: var(--muted);
    font-size: 14px;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--fg);
    background: var(--bg);
    border: 1px solid var(--muted);
    border-radius: 6px;
    padding: 8px 10px;
    min-width: 0;
    width: 100%;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }
  .row > label {
    flex: 1 1 180px;
  }
  button {
    font: inherit;
    font-weight: 600;
    cursor: pointer;
    border-radius: 6px;
    padding: 8px 14px;
    border: 1px solid var(--accent);
    background: var(--accent);
    color: var(--on-accent);
  }
  a.button {
    display: inline-block;
    font-weight: 600;
    border-radius: 6px;
    padding: 8px 14px;
    border: 1px solid var(--accent);
    text-decoration: none;
  }
  button.secondary,
  a.button.secondary {
    background: transparent;
    color: var(--accent);
  }
  button.danger {
    background: transparent;
    color: var(--bad);
    border-color: var(--bad);
  }
  button:disabled {
    opacity: 0.6;
    cursor: not-allowed;
  }
  fieldset {
    border: 1px solid var(--line);
    border-radius: 8px;
    padding: 10px 12px;
    margin: 0;
  }
  form.send {
    margin-top: 10px;
  }
  legend {
    font-weight: 600;
    padding: 0 4px;
  }
  fieldset label {
    display: flex;
    gap: 8px;
    align-items: flex-start;
    font-weight: 400;
  }
  fieldset input[type="radio"],
  fieldset input[type="checkbox"] {
    width: auto;
    margin-top: 4px;
  }
  .cards {
    display: grid;
    gap: 8px;
    padding: 0;
    margin: 0;
    list-style: none;
  }
  .card {
    border: 1px solid var(--line);
    border-radius: 8px;
    padding: 10px 12px;
    background: var(--bg);
    min-width: 0;
  }
  .card .head {
    display: flex;
    flex-wrap: wrap;
    gap: 6px 10px;
    align-items: baseline;
  }
  .method {
    font-weight: 700;
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  }
  code,
  pre {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 13px;
  }
  .url {
    overflow-wrap: anywhere;
  }
  pre {
    margin: 8px 0 0;
    padding: 8px 10px;
    background: var(--panel);
    border: 1px solid var(--line);
    border-radius: 6px;
    overflow: auto;
    max-height: 320px;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .scroll {
    overflow-x: auto;
    max-width: 100%;
  }
  table {
    border-collapse: collapse;
    width: 100%;
    font-size: 14px;
  }
  th,
  td {
    text-align: start;
    padding: 6px 8px;
    border-bottom: 1px solid var(--line);
    vertical-align: top;
  }
  th {
    font-weight: 600;
    color: var(--muted);
  }
  td.num,
  th.num {
    text-align: end;
    font-variant-numeric: tabular-nums;
  }
  .scopes .missing {
    color: var(--bad);
    font-weight: 600;
  }
  .scopes .ready {
    color: var(--ok);
    font-weight: 600;
  }
  .counts {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(110px, 1fr));
    gap: 8px;
    margin: 8px 0 12px;
  }
  .count {
    border: 1px solid var(--line);
    border-radius: 8px;
    padding: 6px 10px;
  }
  .count dt {
    color: var(--muted);
    font-size: 13px;
  }
  .count dd {
    margin: 0;
    font-size: 20px;
    font-weight: 650;
    font-variant-numeric: tabular-nums;
  }
  .bar {
    display: flex;
    height: 14px;
    border-radius: 7px;
    overflow: hidden;
    background: var(--panel);
    border: 1px solid var(--line);
  }
  .bar span {
    display: block;
    height: 100%;
  }
  .bar .done {
    background: var(--ok);
  }
  .bar .inflight {
    background: var(--accent);
  }
  .bar .pending {
    background: var(--bar-prev);
  }
  .bar .dead {
    background: var(--bad);
  }
  meter,
  progress {
    width: 100%;
    height: 14px;
  }
  .gauges {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
    gap: 8px 16px;
  }
  svg {
    display: block;
    max-width: 100%;
    height: auto;
  }
  svg text {
    fill: var(--fg);
    font: 12px system-ui, sans-serif;
  }
  svg .cur {
    fill: var(--accent);
  }
  svg .prev {
    fill: var(--bar-prev);
  }
  svg .axis {
    stroke: var(--line);
  }
  svg .line {
    stroke: var(--accent);
    fill: none;
    stroke-width: 2;
  }
  svg .dot {
    fill: var(--accent);
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 12px;
    font-size: 13px;
    color: var(--muted);
  }
  .swatch {
    display: inline-block;
    width: 10px;
    height: 10px;
    border-radius: 2px;
    margin-inline-end: 4px;
  }
  .swatch.cur {
    background: var(--accent);
  }
  .swatch.prev {
    background: var(--bar-prev);
  }
  .chips {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    list-style: none;
    padding: 0;
    margin: 0;
  }
  .chips li {
    border: 1px solid var(--line);
    border-radius: 999px;
    padding: 2px 10px;
    font-size: 14px;
  }
  .chips li.deleted {
    color: var(--muted);
    text-decoration: line-through;
  }
  .markdown {
    border: 1px solid var(--line);
    border-radius: 8px;
    padding: 10px 14px;
    overflow-x: auto;
  }
  .markdown table {
    margin: 6px 0 10px;
  }
  dialog {
    color: var(--fg);
    background: var(--bg);
    border: 1px solid var(--line);
    border-radius: 10px;
    max-width: min(520px, calc(100vw - 24px));
    padding: 16px;
  }
  dialog::backdrop {
    background: rgb(0 0 0 / 45%);
  }
  dialog ul {
    padding-inline-start: 20px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  @media (max-width: 480px) {
    [role="tabpanel"] {
      padding: 12px;
    }
    header {
      padding: 10px 12px;
    }
    th,
    td {
      padding: 5px 4px;
    }
  }
  @media (prefers-reduced-motion: no-preference) {
    .bar span {
      transition: width 0.3s ease;
    }
  }
`;
