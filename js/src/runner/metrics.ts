/**
 * `/metrics` in the Prometheus text format (version 0.0.4). The HTTP side counts what
 * it accepts and refuses; the worker counts deliveries, dead letters, retries, 429s and
 * budget use through the same object (`inc`, `set`, `gauge`: a value computed when the
 * page is read); queue depths come from the store when the page is read. Label values are escaped; no secret is ever a label.
 */
import type { RunnerStore } from "./store/types.js";

type Labels = Record<string, string>;
interface Family {
  help: string;
  type: "counter" | "gauge";
  values: Map<string, { labels: Labels; value: number; read?: () => number }>;
}

/** The metric names the runner and the worker write (declared so they show at 0). */
export const METRICS = {
  ghl_bridge_intake_accepted_total: {
    type: "counter",
    help: "Intake items durably accepted, by source.",
  },
  ghl_bridge_intake_duplicates_total: {
    type: "counter",
    help: "Intake deliveries acknowledged as duplicates, by source.",
  },
  ghl_bridge_intake_refused_total: {
    type: "counter",
    help: "Intake deliveries refused, by source and code.",
  },
  ghl_bridge_delivered_total: { type: "counter", help: "GHL requests delivered, by location." },
  ghl_bridge_dead_total: { type: "counter", help: "Outbox steps dead-lettered, by location." },
  ghl_bridge_retries_total: { type: "counter", help: "Outbox retries, by location." },
  ghl_bridge_rate_limited_total: { type: "counter", help: "GHL 429 answers, by location." },
  ghl_bridge_budget_used_ratio: {
    type: "gauge",
    help: "Share of the location's rate budget used in the last window.",
  },
  ghl_bridge_intake_pending: {
    type: "gauge",
    help: "Intake items not yet processed, by connection.",
  },
  ghl_bridge_outbox_pending: { type: "gauge", help: "Outbox records pending, by location." },
  ghl_bridge_outbox_dead: { type: "gauge", help: "Outbox records dead, by location." },
  ghl_bridge_reports_sent_total: { type: "counter", help: "Scheduled reports sent, by target." },
  ghl_bridge_intake_dead_total: {
    type: "counter",
    help: "Intake items dead-lettered by this process's worker, by connection.",
  },
  ghl_bridge_intake_retries_total: {
    type: "counter",
    help: "Intake items retried after a transient source API failure, by connection.",
  },
  ghl_bridge_intake_dead: {
    type: "gauge",
    help: "Intake items dead-lettered (kept with the reason), by connection.",
  },
} as const;

/** A metric name. */
export type MetricName = keyof typeof METRICS;

/** The runner's metrics. */
export interface Metrics {
  inc(name: MetricName, labels?: Labels, by?: number): void;
  set(name: MetricName, labels: Labels, value: number): void;
  /** A gauge whose value `read` computes each time the page is read (replaces `set`). */
  gauge(name: MetricName, labels: Labels, read: () => number): void;
  /** The exposition text (reads queue depths from the store). */
  render(store?: RunnerStore): Promise<string>;
}

const escapeLabel = (v: string) =>
  v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const key = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k])}"`)
    .join(",");

/** A fresh metrics registry. */
export function createMetrics(): Metrics {
  const families = new Map<MetricName, Family>();
  for (const [name, m] of Object.entries(METRICS))
    families.set(name as MetricName, { help: m.help, type: m.type, values: new Map() });
  const cell = (name: MetricName, labels: Labels) => {
    const f = families.get(name) as Family;
    const k = key(labels);
    let c = f.values.get(k);
    if (!c) {
      c = { labels, value: 0 };
      f.values.set(k, c);
    }
    return c;
  };
  return {
    inc: (name, labels = {}, by = 1) => {
      cell(name, labels).value += by;
    },
    set: (name, labels, value) => {
      const c = cell(name, labels);
      c.value = value;
      c.read = undefined;
    },
    gauge: (name, labels, read) => {
      cell(name, labels).read = read;
    },
    async render(store) {
      if (store) {
        const counts = await store.counts();
        for (const [conn, n] of Object.entries(counts.pendingIntake))
          cell("ghl_bridge_intake_pending", { connection: conn }).value = n;
        for (const [conn, n] of Object.entries(counts.deadIntake ?? {}))
          cell("ghl_bridge_intake_dead", { connection: conn }).value = n;
        for (const [loc, o] of Object.entries(counts.outbox)) {
          cell("ghl_bridge_outbox_pending", { location: loc }).value = o.pending;
          cell("ghl_bridge_outbox_dead", { location: loc }).value = o.dead;
        }
      }
      const out: string[] = [];
      for (const [name, f] of families) {
        out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
        for (const c of f.values.values()) {
          if (c.read) c.value = c.read();
          const l = key(c.labels);
          out.push(`${name}${l ? `{${l}}` : ""} ${c.value}`);
        }
      }
      return `${out.join("\n")}\n`;
    },
  };
}
