/**
 * What the console keeps in the runner's store, and what the worker reads of it: one
 * place for the value names (`console-api.ts` writes them, `wiring.ts` and the worker
 * read them), for a connection's mode (staging or production: `modeOf`, read by the
 * console API and the worker alike) with the worker's staged dry runs (`recordStaged`),
 * and for a connection's rules documents (the config's files, else presets).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { rulesPresets } from "../entries/node.js";
import type { DryRunReport } from "../flows.js";
import type { FlowConfig } from "../wasm/types.js";
import { runnerError } from "./errors.js";
import type { RunnerStore } from "./store/types.js";
import type { StagedRun } from "./worker/index.js";

/** Store value names the console keeps (per connection unless said). */
export const CONSOLE_KEYS = {
  /** `{documents: {wishpond?, qwilr?}, savedAt}`: rules saved in the console (win over the config's). */
  rules: (c: string) => `console:rules:${c}`,
  /** `{mode, since}`: staging or production. */
  mode: (c: string) => `console:mode:${c}`,
  /** `{locationName, checkedAt}`: the last successful "Test connection". */
  checked: (c: string) => `console:checked:${c}`,
  /** The worker's staged dry runs (`StagedEntry`, newest first, at most `MAX_STAGED`). */
  staged: (c: string) => `console:staged:${c}`,
  /** A location's outbox failure log (the core's `LogEntry`s, oldest first, the last 50), by location id. */
  failures: (locationId: string) => `console:failures:${locationId}`,
  /** Recent events (handed over in the console, converted by the worker), newest first (`recordSample`). */
  samples: (c: string) => `console:samples:${c}`,
  /** `{[locationId]: planId[] | ["*"]}`: dead-letter retries asked for; the worker holding the location runs them. */
  retries: "console:retries",
  /** When a Qwilr intake last accepted an event (ms), by intake name. */
  qwilrLast: (intake: string) => `console:qwilr-last:${intake}`,
} as const;

/** A connection's mode: since when it is in production (null: never switched, or staging). */
export interface ModeState {
  /** `staging`: the worker plans and records its events, nothing is sent to GHL. */
  mode: "staging" | "production";
  /** When production started (ISO); events received before it are not sent. */
  since: string | null;
}

/**
 * The mode of a connection, the one place that decides it. A connection never switched
 * is in production: the runner delivers what its sources send unless the console set
 * staging.
 */
export async function modeOf(store: RunnerStore, name: string): Promise<ModeState> {
  const m = (await store.getValue(CONSOLE_KEYS.mode(name))) as ModeState | undefined;
  return m ?? { mode: "production", since: null };
}

/** True when an event received at `receivedAt` (ms) is not to be sent under `m`. */
export function notSent(m: ModeState, receivedAt: number): boolean {
  if (m.mode === "staging") return true;
  // Events seen in staging are not sent retroactively after going live.
  return m.since !== null && receivedAt < Date.parse(m.since);
}

/**
 * The flows' configuration on the runner, the worker's and the console API's dry runs
 * alike (so a dry run shows what the worker sends): the defaults, so tags the location
 * lacks are dropped, never created (the location's tags are read first).
 */
export const RUNNER_FLOW_CONFIG: Partial<FlowConfig> = {};

/** One event the worker planned and did not send (the connection was in staging). */
export type StagedEntry = StagedRun;

/**
 * What the console keeps and shows of a dry run (the worker's staged events, the console
 * API's `dryRun`): every stage's requests and warnings, the names of the stages not
 * shown (the core's `flowPlan.then`, under a name that is not a thenable's). The later
 * stages keep their number, requests and warnings, not their plans.
 */
export function dryRunView(dry: DryRunReport) {
  return {
    requests: dry.requests,
    later: dry.later.map((s) => ({
      stage: s.stage,
      requests: s.requests,
      flowPlan: { warnings: s.flowPlan.warnings ?? [] },
    })),
    next: dry.flowPlan.then ?? [],
    warnings: dry.flowPlan.warnings ?? [],
  };
}

/** How many staged entries the store keeps per connection. */
export const MAX_STAGED = 50;

/**
 * Records a staged dry run for the console (newest first, bounded). Only the worker
 * holding the connection's location writes it, so the read-modify-write has one writer.
 */
export async function recordStaged(
  store: RunnerStore,
  name: string,
  entry: StagedEntry,
): Promise<void> {
  const key = CONSOLE_KEYS.staged(name);
  const cur = ((await store.getValue(key)) as StagedEntry[] | undefined) ?? [];
  await store.setValue(
    key,
    [entry, ...cur.filter((e) => e.eventId !== entry.eventId)].slice(0, MAX_STAGED),
  );
}

/** How many recent events (the mapping samples) the store keeps per connection. */
export const MAX_SAMPLES = 20;

/**
 * Keeps an event as a recent sample of its connection (newest first, bounded, one per
 * id): the events handed over in the console and those the worker converted, so the
 * console can pick real events and name every plan by its event.
 */
export async function recordSample(
  store: RunnerStore,
  name: string,
  event: { id: string; type: string },
  seenAt: number,
): Promise<void> {
  const key = CONSOLE_KEYS.samples(name);
  const seen = ((await store.getValue(key)) as { event: { id: string } }[] | undefined) ?? [];
  const source = event.type.startsWith("qwilr.") ? "qwilr" : "wishpond";
  const sample = { event, source, seenAt: new Date(seenAt).toISOString() };
  await store.setValue(
    key,
    [sample, ...seen.filter((s) => s.event.id !== event.id)].slice(0, MAX_SAMPLES),
  );
}

/** A connection's rules documents: the files its config names, else the package's presets. */
export function rulesOf(
  baseDir: string,
  name: string,
  rules: { wishpond?: string; qwilr?: string; ghl?: string } = {},
) {
  const presets = rulesPresets();
  const read = (source: "wishpond" | "qwilr" | "ghl", preset?: string) => {
    const path = rules[source];
    if (!path) return preset ? presets[preset] : undefined;
    try {
      return JSON.parse(readFileSync(resolve(baseDir, path), "utf8"));
    } catch (e) {
      throw runnerError(
        "CONFIG_INVALID",
        `/connections/${name}/rules/${source}: ${path} cannot be read as JSON (${(e as Error).message})`,
        { at: `/connections/${name}/rules/${source}` },
      );
    }
  };
  const out: Record<string, unknown> = {
    wishpond: read("wishpond", "wishpond-lead"),
    qwilr: read("qwilr", "qwilr-events"),
  };
  // GHL's own tag changes act only when the connection names its rules (no preset).
  const ghl = read("ghl");
  if (ghl !== undefined) out.ghl = ghl;
  return out;
}
