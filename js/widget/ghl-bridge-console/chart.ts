/**
 * Plain SVG charts for the dashboard (no chart library): grouped bars of the 7-day
 * totals against the 7 days before, and a line of one metric per day. Each chart has
 * a text alternative (`role="img"` with a label naming every value); the numbers are
 * also in the table beside it.
 */
import { html, svg } from "lit";

/** One group of the bar chart. */
export interface BarGroup {
  label: string;
  current: number;
  previous: number | null;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (n: number) => Math.round(n).toLocaleString();

/** Grouped bars: current (accent) and previous (grey) per group. */
export function barChart(
  groups: BarGroup[],
  title: string,
  labels: { current: string; previous: string },
  w = 640,
) {
  const rowH = 34;
  const left = w < 500 ? 112 : 150;
  const h = groups.length * rowH + 24;
  const max = niceMax(Math.max(1, ...groups.flatMap((g) => [g.current, g.previous ?? 0])));
  const x = (v: number) => left + ((w - left - 60) * v) / max;
  const described = groups
    .map(
      (g) =>
        `${g.label}: ${fmt(g.current)} (${labels.current}), ${g.previous === null ? "unknown" : fmt(g.previous)} (${labels.previous})`,
    )
    .join("; ");
  return html`<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${title}. ${described}" data-chart="totals">
    ${groups.map((g, i) => {
      const y = i * rowH + 4;
      return svg`<g data-metric=${g.label}>
        <text x=${left - 8} y=${y + 17} text-anchor="end">${g.label}</text>
        <rect class="cur" x=${left} y=${y + 2} width=${Math.max(1, x(g.current) - left)} height="12" data-value=${g.current}></rect>
        <text x=${x(g.current) + 4} y=${y + 12}>${fmt(g.current)}</text>
        <rect class="prev" x=${left} y=${y + 16} width=${Math.max(1, x(g.previous ?? 0) - left)} height="12" data-value=${g.previous ?? ""}></rect>
        <text x=${x(g.previous ?? 0) + 4} y=${y + 26}>${g.previous === null ? "?" : fmt(g.previous)}</text>
      </g>`;
    })}
    <line class="axis" x1=${left} x2=${left} y1="0" y2=${h - 20}></line>
  </svg>`;
}

/** A line of daily values. */
export function lineChart(days: string[], values: (number | null)[], title: string, w = 640) {
  const h = 200;
  const pad = { l: 52, r: 28, t: 12, b: 30 };
  const max = niceMax(Math.max(1, ...values.map((v) => v ?? 0)));
  const x = (i: number) => pad.l + ((w - pad.l - pad.r) * i) / Math.max(1, days.length - 1);
  const y = (v: number) => h - pad.b - ((h - pad.t - pad.b) * v) / max;
  const pts = values.map((v, i) => (v === null ? null : ([x(i), y(v)] as const)));
  const d = pts
    .filter((p): p is readonly [number, number] => p !== null)
    .map((p, i) => `${i === 0 ? "M" : "L"}${p[0].toFixed(1)},${p[1].toFixed(1)}`)
    .join(" ");
  const described = days
    .map((day, i) => `${day}: ${values[i] === null ? "no data" : fmt(values[i] as number)}`)
    .join("; ");
  return html`<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${title}. ${described}" data-chart="series">
    <line class="axis" x1=${pad.l} x2=${w - pad.r} y1=${h - pad.b} y2=${h - pad.b}></line>
    <line class="axis" x1=${pad.l} x2=${pad.l} y1=${pad.t} y2=${h - pad.b}></line>
    <text x=${pad.l - 6} y=${pad.t + 4} text-anchor="end">${fmt(max)}</text>
    <text x=${pad.l - 6} y=${h - pad.b} text-anchor="end">0</text>
    ${d ? svg`<path class="line" d=${d}></path>` : null}
    ${pts.map((p) => (p ? svg`<circle class="dot" cx=${p[0]} cy=${p[1]} r="3"></circle>` : null))}
    ${days.map((day, i) => svg`<text x=${x(i)} y=${h - 10} text-anchor="middle">${day.slice(5)}</text>`)}
  </svg>`;
}
