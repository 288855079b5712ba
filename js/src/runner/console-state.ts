/**
 * What the console keeps in the runner's store, and what the worker reads of it: one
 * place for the value names (`console-api.ts` writes them, `wiring.ts` and the worker
 * read them) and for a connection's rules documents (the config's files, else presets).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { rulesPresets } from "../entries/node.js";
import { runnerError } from "./errors.js";

/** Store value names the console keeps (per connection unless said). */
export const CONSOLE_KEYS = {
  /** `{documents: {wishpond?, qwilr?}, savedAt}`: rules saved in the console (win over the config's). */
  rules: (c: string) => `console:rules:${c}`,
  /** `{mode, since}`: staging or production. */
  mode: (c: string) => `console:mode:${c}`,
  /** `{locationName, checkedAt}`: the last successful "Test connection". */
  checked: (c: string) => `console:checked:${c}`,
  /** The events handed over in the console (the mapping samples), newest first. */
  samples: (c: string) => `console:samples:${c}`,
  /** `{[locationId]: planId[] | ["*"]}`: dead-letter retries asked for; the worker holding the location runs them. */
  retries: "console:retries",
  /** When a Qwilr intake last accepted an event (ms), by intake name. */
  qwilrLast: (intake: string) => `console:qwilr-last:${intake}`,
} as const;

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
