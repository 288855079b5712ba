/** Storage in memory only, for hosts that ask for it (nothing survives a reload). */
import type { OutboxStorage, StoreOp } from "./types.js";
import { arg, kind, optional } from "../check.js";

/** `[key, record]` pairs, as a list or a `Map`. */
const pairs = kind("a list or Map of [key, record] pairs with string keys", (v) =>
  v instanceof Map
    ? [...v.keys()].every((k) => typeof k === "string")
    : Array.isArray(v) && v.every((e) => Array.isArray(e) && typeof e[0] === "string"),
);

/** Creates an in-memory store; `seed` pre-fills it (tests of restore). */
export function memoryStorage(
  seed?: Iterable<[string, unknown]>,
): OutboxStorage & { snapshot(): Map<string, unknown> } {
  arg("memoryStorage", "seed", seed, optional(pairs));
  const data = new Map<string, string>();
  for (const [k, v] of seed ?? []) data.set(k, JSON.stringify(v));
  return {
    async load() {
      return [...data].map(([key, text]) => ({ key, record: JSON.parse(text) as unknown }));
    },
    async apply(ops: StoreOp[]) {
      // Serialise first so a record that cannot be stored fails the whole batch.
      const staged = ops.map((o) =>
        o.op === "put" ? { ...o, text: JSON.stringify(o.record) } : o,
      );
      for (const o of staged) {
        if (o.op === "put") data.set(o.key, o.text);
        else data.delete(o.key);
      }
    },
    async close() {},
    snapshot() {
      return new Map([...data].map(([k, t]) => [k, JSON.parse(t) as unknown]));
    },
  };
}
