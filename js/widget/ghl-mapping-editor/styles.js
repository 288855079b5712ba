/**
 * The mapping editor's styles: all inside its shadow root (nothing leaks out, the host
 * page's CSS reaches in only through the `--ghl-*` custom properties). Light and dark
 * follow `prefers-color-scheme`; the layout follows the element's own width (container
 * queries), so it works at 360 px and in a wide console alike.
 */
import { css } from "lit";

export const styles = css`
  :host {
    --ghl-bg: #ffffff;
    --ghl-fg: #1d2330;
    --ghl-muted: #566074;
    --ghl-line: #c9cfda;
    --ghl-panel: #f4f6f9;
    --ghl-accent: #1f5fd1;
    --ghl-accent-fg: #ffffff;
    --ghl-ok: #17733a;
    --ghl-bad: #b3261e;
    --ghl-bad-bg: #fdecea;
    --ghl-pick: #e3ecfc;
    --ghl-radius: 6px;
    display: block;
    container-type: inline-size;
  }
  /* The host page's inherited styles (letter-spacing, text-transform, ...) stop here. */
  .root {
    all: initial;
    display: block;
    color: var(--ghl-fg);
    background: var(--ghl-bg);
    font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    text-align: start;
    padding: 0.5rem;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --ghl-bg: #15181e;
      --ghl-fg: #e6e9ef;
      --ghl-muted: #a3acbb;
      --ghl-line: #3a4150;
      --ghl-panel: #1e232b;
      --ghl-accent: #8ab4ff;
      --ghl-accent-fg: #0b1220;
      --ghl-ok: #6fd38f;
      --ghl-bad: #ff8a80;
      --ghl-bad-bg: #3a1d1b;
      --ghl-pick: #23345a;
    }
  }
  * {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  h2,
  h3,
  h4 {
    margin: 0 0 0.5rem;
    line-height: 1.25;
  }
  h2 {
    font-size: 1.15rem;
  }
  h3 {
    font-size: 1rem;
  }
  h4 {
    font-size: 0.9rem;
  }
  p {
    margin: 0.25rem 0 0.5rem;
  }
  .muted,
  .help {
    color: var(--ghl-muted);
    font-size: 0.85rem;
  }
  button,
  input,
  select,
  textarea {
    font: inherit;
    color: inherit;
  }
  input,
  select,
  textarea {
    background: var(--ghl-bg);
    border: 1px solid var(--ghl-line);
    border-radius: var(--ghl-radius);
    padding: 0.35rem 0.5rem;
    min-height: 2.25rem;
    max-width: 100%;
  }
  input[type="checkbox"] {
    min-height: auto;
    width: 1.1rem;
    height: 1.1rem;
  }
  textarea {
    width: 100%;
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.85rem;
  }
  [aria-invalid="true"] {
    border-color: var(--ghl-bad);
    outline: 1px solid var(--ghl-bad);
  }
  button {
    border: 1px solid var(--ghl-line);
    background: var(--ghl-panel);
    border-radius: var(--ghl-radius);
    padding: 0.35rem 0.7rem;
    min-height: 2.25rem;
    cursor: pointer;
  }
  button.primary {
    background: var(--ghl-accent);
    color: var(--ghl-accent-fg);
    border-color: var(--ghl-accent);
  }
  button.link {
    border: none;
    background: none;
    color: var(--ghl-accent);
    text-decoration: underline;
    padding: 0.1rem 0.25rem;
    min-height: auto;
  }
  button.icon {
    padding: 0.2rem 0.5rem;
  }
  :focus-visible {
    outline: 3px solid var(--ghl-accent);
    outline-offset: 2px;
  }
  label {
    display: block;
    font-size: 0.85rem;
    color: var(--ghl-muted);
    margin-bottom: 0.15rem;
  }
  label.inline {
    display: inline-flex;
    align-items: center;
    gap: 0.4rem;
    color: var(--ghl-fg);
  }
  .field {
    margin: 0 0 0.5rem;
    min-width: 0;
  }
  .field > input,
  .field > select {
    width: 100%;
  }
  .error {
    color: var(--ghl-bad);
    background: var(--ghl-bad-bg);
    border-radius: var(--ghl-radius);
    padding: 0.25rem 0.5rem;
    margin: 0.25rem 0;
    font-size: 0.85rem;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: flex-end;
  }
  .row > .field {
    flex: 1 1 9rem;
  }
  .bar {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    justify-content: space-between;
    margin-bottom: 0.75rem;
  }
  [role="tablist"] {
    display: inline-flex;
    gap: 0.25rem;
  }
  [role="tab"][aria-selected="true"] {
    background: var(--ghl-accent);
    color: var(--ghl-accent-fg);
    border-color: var(--ghl-accent);
  }
  .layout {
    display: grid;
    gap: 1rem;
    grid-template-columns: minmax(0, 1fr);
  }
  @container (min-width: 900px) {
    .layout {
      grid-template-columns: minmax(16rem, 1fr) minmax(20rem, 1.6fr) minmax(18rem, 1.2fr);
      align-items: start;
    }
    .preview {
      position: sticky;
      top: 0.5rem;
    }
  }
  @container (min-width: 900px) {
    .json-layout {
      grid-template-columns: minmax(0, 1.6fr) minmax(18rem, 1fr);
    }
    .tree {
      max-height: 70vh;
      overflow-y: auto;
    }
    /* A preset's trace has dozens of rules: it scrolls in its column instead of making the page long. */
    .trace-wrap {
      max-height: 60vh;
      overflow-y: auto;
    }
  }
  @container (min-width: 620px) and (max-width: 899px) {
    .layout {
      grid-template-columns: minmax(0, 1fr) minmax(0, 1.4fr);
    }
    .json-layout {
      grid-template-columns: minmax(0, 1fr);
    }
    .preview {
      grid-column: 1 / -1;
    }
  }
  section,
  .card {
    border: 1px solid var(--ghl-line);
    border-radius: var(--ghl-radius);
    padding: 0.75rem;
    min-width: 0;
  }
  .card {
    background: var(--ghl-panel);
    margin: 0 0 0.6rem;
  }
  .card-head {
    display: flex;
    gap: 0.5rem;
    align-items: flex-start;
    justify-content: space-between;
  }
  .card-title {
    flex: 1 1 auto;
    min-width: 0;
    margin: 0;
    font-size: 0.95rem;
    font-weight: normal;
  }
  button.disclosure {
    display: block;
    width: 100%;
    text-align: start;
    border: none;
    background: none;
    padding: 0.15rem 0.25rem;
    overflow-wrap: anywhere;
  }
  button.disclosure .chev::before {
    content: "▸";
    display: inline-block;
    width: 1rem;
  }
  button.disclosure[aria-expanded="true"] .chev::before {
    content: "▾";
  }
  button.disclosure .sum {
    color: var(--ghl-muted);
    font-size: 0.85rem;
  }
  .card.has-problem {
    border-color: var(--ghl-bad);
  }
  .card-body {
    margin-top: 0.5rem;
  }
  .subhead {
    font-weight: 600;
    margin: 0.75rem 0 0.35rem;
  }
  fieldset.cond {
    background: var(--ghl-bg);
  }
  fieldset.cond ol > li > fieldset,
  fieldset.cond ol > li > .field {
    margin-inline-start: 0.5rem;
  }
  details.card > summary {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 0.5rem;
    align-items: baseline;
    margin: 0;
  }
  details.card[open] > summary {
    margin-bottom: 0.5rem;
  }
  summary .name {
    font-weight: 600;
  }
  .stack > * + * {
    margin-top: 1rem;
  }
  .plain {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .tree li {
    margin: 0.1rem 0;
  }
  .src {
    display: flex;
    width: 100%;
    gap: 0.4rem;
    align-items: baseline;
    text-align: start;
    background: var(--ghl-bg);
    padding: 0.25rem 0.4rem;
    cursor: grab;
    overflow: hidden;
  }
  .src[aria-pressed="true"] {
    background: var(--ghl-pick);
    border-color: var(--ghl-accent);
  }
  .src .k {
    font-weight: 600;
    white-space: nowrap;
  }
  .src .v {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    flex: 1 1 auto;
    min-width: 0;
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.8rem;
  }
  .group-label {
    font-weight: 600;
    padding: 0.2rem 0.4rem;
  }
  .type {
    font-size: 0.75rem;
    color: var(--ghl-muted);
    border: 1px solid var(--ghl-line);
    border-radius: 999px;
    padding: 0 0.4rem;
    white-space: nowrap;
  }
  .targets li {
    margin: 0.2rem 0;
  }
  .target {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    width: 100%;
    text-align: start;
    gap: 0.1rem 0.5rem;
    background: var(--ghl-bg);
  }
  .target .from {
    grid-column: 1 / -1;
    font-size: 0.8rem;
    color: var(--ghl-muted);
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    overflow-wrap: anywhere;
  }
  .target.over {
    background: var(--ghl-pick);
    border: 2px dashed var(--ghl-accent);
  }
  .chips {
    display: flex;
    flex-wrap: wrap;
    gap: 0.3rem;
    margin: 0.25rem 0;
    padding: 0;
    list-style: none;
  }
  .chip {
    border: 1px solid var(--ghl-line);
    border-radius: 999px;
    padding: 0.05rem 0.55rem;
    background: var(--ghl-bg);
    font-size: 0.85rem;
  }
  .steps li {
    border-inline-start: 3px solid var(--ghl-line);
    padding: 0.3rem 0 0.3rem 0.5rem;
    margin: 0.25rem 0;
  }
  .steps .head {
    display: flex;
    gap: 0.3rem;
    align-items: center;
    flex-wrap: wrap;
  }
  .steps .head strong {
    flex: 1 1 auto;
  }
  code,
  .mono {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.82rem;
    overflow-wrap: anywhere;
  }
  .ok {
    color: var(--ghl-ok);
  }
  .bad {
    color: var(--ghl-bad);
  }
  .who {
    font-weight: 600;
    border-inline-start: 4px solid var(--ghl-accent);
    padding: 0.4rem 0.6rem;
    background: var(--ghl-panel);
    border-radius: var(--ghl-radius);
  }
  .who.none {
    border-color: var(--ghl-bad);
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.85rem;
  }
  th,
  td {
    text-align: start;
    vertical-align: top;
    border-bottom: 1px solid var(--ghl-line);
    padding: 0.25rem 0.3rem;
    overflow-wrap: anywhere;
  }
  .nowrap,
  .nowrap code {
    white-space: nowrap;
    overflow-wrap: normal;
  }
  .trace-wrap {
    overflow-x: auto;
  }
  pre {
    margin: 0.25rem 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    font-size: 0.8rem;
    background: var(--ghl-panel);
    padding: 0.5rem;
    border-radius: var(--ghl-radius);
  }
  details > summary {
    cursor: pointer;
    margin: 0.25rem 0;
  }
  .pickbar {
    position: sticky;
    bottom: 0;
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    justify-content: space-between;
    margin-top: 0.5rem;
    padding: 0.5rem 0.75rem;
    background: var(--ghl-pick);
    border: 1px solid var(--ghl-accent);
    border-radius: var(--ghl-radius);
    font-weight: 600;
  }
  .problems {
    border: 1px solid var(--ghl-bad);
    background: var(--ghl-bad-bg);
    border-radius: var(--ghl-radius);
    padding: 0.5rem 0.75rem;
    margin-bottom: 0.75rem;
  }
  .problems li {
    margin: 0.2rem 0;
  }
  .stale {
    border: 2px dashed var(--ghl-line);
    border-radius: var(--ghl-radius);
    padding: 0.4rem;
  }
  /* Text that is part of an accessible name but not shown (kept inline, so names stay one run). */
  .sep {
    font-size: 0;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .json textarea {
    min-height: 28rem;
  }
`;
