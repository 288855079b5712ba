/**
 * Mapping rules: `validateRules`, `compileRules` once, then `apply` / `applyBatch` many
 * times.
 *
 * How records cross into Wasm (the fast path): compiling returns the trie of paths the
 * rules read (`slotPlan`); for a record held as an object, this module reads only those
 * values in JavaScript and sends them as one short JSON list, never the whole record.
 * A record given as JSON text goes in as it is. Results come back as JSON text and are
 * parsed once per batch.
 *
 * Objects are read the way `JSON.stringify` would write them (the conversion rule of
 * the whole package: own enumerable properties, getters called, `toJSON` honoured so a
 * `Date` is its ISO text, `undefined`, functions and symbols absent; keys are not read
 * on lists nor indexes on objects), so an object and its JSON text give the same result. Limits on objects
 * apply to what the rules read: nesting counts from the path's depth, `maxStringLen`
 * applies to every text read, `maxRecordBytes` to the JSON of the values read.
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { GhlBridgeError, guard, instanceGeneration, type ErrorDetails } from "./errors.js";
import {
  arg,
  checkMethods,
  list,
  object,
  optional,
  sync,
  text as textKind,
  withMethods,
} from "./check.js";
import type {
  ApplyOptions,
  BatchError,
  CompileContext,
  MappingResult,
  Problem,
  RulesDocument,
  SlotPlan,
} from "./wasm/types.js";

/** Options of `compileRules` and `validateRules`: the location's custom fields and limits. */
export type CompileOptions = CompileContext;

/** One entry of a batch's results, in the order of the records. */
export type BatchResult = MappingResult | BatchError;

/** A record: an object, or its JSON text. */
export type RulesRecord = object | string;

/** A compiled rules document. */
export interface CompiledRules {
  /** Applies the rules to one record; throws a `GhlBridgeError` when the record cannot be read. */
  apply(record: RulesRecord, options?: ApplyOptions): MappingResult;
  /** Applies the rules to many records; a failing record gets `{ error }` in its place. */
  applyBatch(records: ReadonlyArray<RulesRecord>, options?: ApplyOptions): BatchResult[];
  /** JSON text of a list of records in, JSON text of the list of results out. */
  applyBatchJson(records: string, options?: ApplyOptions): string;
  /** Every source path the rules read, in slot order. */
  readonly sourcePaths: readonly string[];
  /** Frees the compiled rules now (otherwise the garbage collector does it). */
  free(): void;
}

/** Records per call into Wasm in `applyBatch` (bounds the module's memory). */
const CHUNK = 1000;

const isEnumerable = Object.prototype.propertyIsEnumerable;

/** `v` as `JSON.stringify` sees it under `key`: its `toJSON()` result when it has one. */
function jsonView(v: unknown, key: string | number): unknown {
  return typeof v === "object" &&
    v !== null &&
    typeof (v as { toJSON?: unknown }).toJSON === "function"
    ? (v as { toJSON(k: string): unknown }).toJSON(String(key))
    : v;
}

/** `JSON.stringify` of a document, or the document's own text. */
function documentText(doc: unknown): string {
  if (typeof doc === "string") return doc;
  let text: string | undefined;
  try {
    text = JSON.stringify(doc);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new GhlBridgeError(
      "RULES_NOT_JSON",
      `the rules document cannot be written as JSON: ${reason}`,
      { reason },
    );
  }
  if (text === undefined) {
    throw new GhlBridgeError("RULES_NOT_JSON", "the rules document is not JSON data", {
      reason: typeof doc,
    });
  }
  return text;
}

/**
 * Every problem of a rules document at once (an empty list when there is none), each
 * with the JSON Pointer of the offending part and a plain-language message. Throws
 * only when `doc` is not JSON data (`RULES_NOT_JSON`).
 */
export function validateRules(doc: unknown, options?: CompileOptions): Problem[] {
  arg("validateRules", "options", options, optional(object));
  const text = documentText(doc);
  return guard(() => glue.validateRules(text, options));
}

/** The ready-made rules documents by name (`wishpond-lead`, `qwilr-events`). */
export function rulesPresets(): Record<string, RulesDocument> {
  return guard(() => glue.rulesPresets());
}

type Walk = (v: unknown, vals: unknown[]) => void;

/** Builds the reader of a plan: record -> `[value per slot..., [missing slots]]`. */
function extractor(plan: SlotPlan): (record: object) => unknown[] {
  const make = (at: number): Walk => {
    const node = plan.nodes[at];
    if (node === undefined) return () => {};
    const slot = node.slot ?? -1;
    const multi = slot >= 0 && plan.multi[slot] === true;
    const keys = node.keys.map(([k, c]) => ({ k, walk: make(c) }));
    const indexes = node.indexes.map(([i, c]) => ({ i, walk: make(c) }));
    const wild = node.wild === undefined || node.wild === null ? undefined : make(node.wild);
    const onList = indexes.length > 0 || wild !== undefined;
    return (v, vals) => {
      if (slot >= 0) {
        if (!multi) vals[slot] = v;
        else if (vals[slot] === undefined) vals[slot] = [v];
        else (vals[slot] as unknown[]).push(v);
      }
      if (typeof v !== "object" || v === null) return;
      if (Array.isArray(v)) {
        if (!onList) return;
        for (let i = 0; i < v.length; i++) {
          let x: unknown = jsonView(v[i], i);
          if (x === undefined || typeof x === "function" || typeof x === "symbol") x = null;
          for (const ix of indexes) if (ix.i === i) ix.walk(x, vals);
          if (wild !== undefined) wild(x, vals);
        }
        return;
      }
      const o = v as Record<string, unknown>;
      for (const key of keys) {
        if (!isEnumerable.call(o, key.k)) continue;
        const x = jsonView(o[key.k], key.k);
        if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
        key.walk(x, vals);
      }
    };
  };
  const root = make(0);
  const n = plan.slots;
  return (record) => {
    const vals: unknown[] = new Array(n);
    root(jsonView(record, ""), vals);
    const missing: number[] = [];
    for (let i = 0; i < n; i++) {
      if (vals[i] === undefined) {
        vals[i] = null;
        missing.push(i);
      }
    }
    vals.push(missing);
    return vals;
  };
}

function isBatchError(r: unknown): r is BatchError {
  return typeof r === "object" && r !== null && "error" in r;
}

function throwIfError(r: MappingResult | BatchError): MappingResult {
  if (isBatchError(r)) {
    const { code, message, details } = r.error;
    const d = typeof details === "object" && details !== null ? (details as ErrorDetails) : {};
    throw new GhlBridgeError(code, message, d);
  }
  return r;
}

function notJson(e: unknown): BatchError {
  const reason = e instanceof Error ? e.message : String(e);
  return {
    error: {
      code: "RECORD_NOT_JSON",
      message: `the record cannot be read as JSON data: ${reason}`,
      details: { reason },
    },
  };
}

/**
 * Validates and compiles a rules document once. Throws `RULES_INVALID` (all problems
 * in `details.problems`) or `RULES_NOT_JSON`.
 */
export function compileRules(doc: RulesDocument | string, options?: CompileOptions): CompiledRules {
  arg("compileRules", "options", options, optional(object));
  const text = documentText(doc);
  let inner = guard(() => new glue.CompiledRules(text, options));
  let generation = instanceGeneration();
  // After a panic reset the old Wasm object is gone: rebuild it from the document.
  const wasm = (): glue.CompiledRules => {
    if (generation !== instanceGeneration()) {
      inner = guard(() => new glue.CompiledRules(text, options));
      generation = instanceGeneration();
    }
    return inner;
  };
  const plan = guard(() => inner.slotPlan());
  const extract = extractor(plan);
  const isRecordObject = (r: unknown): r is object =>
    typeof r === "object" && r !== null && !Array.isArray(r);

  /** One record that is not a plain object goes through the JSON text path. */
  const applyText = (r: unknown, trace: boolean): MappingResult | BatchError => {
    let text: string | undefined;
    try {
      text = typeof r === "string" ? r : JSON.stringify(r);
    } catch (e) {
      return notJson(e);
    }
    if (text === undefined) return notJson(new Error(`${typeof r} is not JSON data`));
    const t = text;
    return JSON.parse(guard(() => wasm().applyJson(t, trace))) as MappingResult | BatchError;
  };

  /** A chunk of plain objects through the extracted-values path. */
  const applyObjects = (records: ReadonlyArray<object>, trace: boolean): BatchResult[] => {
    const lists: unknown[][] = [];
    const failed = new Map<number, BatchError>();
    for (let i = 0; i < records.length; i++) {
      try {
        lists.push(extract(records[i] as object));
      } catch (e) {
        failed.set(i, notJson(e));
      }
    }
    let text: string;
    try {
      text = JSON.stringify(lists);
    } catch {
      // Some value cannot be written (a BigInt, a cycle): find which, one by one.
      const parts: string[] = [];
      let k = 0;
      for (let i = 0; i < records.length; i++) {
        if (failed.has(i)) continue;
        try {
          parts.push(JSON.stringify(lists[k]));
        } catch (e) {
          failed.set(i, notJson(e));
        }
        k++;
      }
      text = `[${parts.join(",")}]`;
    }
    const results = JSON.parse(guard(() => wasm().applyBatchSlots(text, trace))) as BatchResult[];
    if (failed.size === 0) return results;
    const out: BatchResult[] = [];
    let k = 0;
    for (let i = 0; i < records.length; i++)
      out.push(failed.get(i) ?? (results[k++] as BatchResult));
    return out;
  };

  return checkMethods(
    "rules",
    {
      apply(record, options) {
        const trace = options?.trace === true;
        if (!isRecordObject(record)) return throwIfError(applyText(record, trace));
        let text: string;
        try {
          text = JSON.stringify(extract(record));
        } catch (e) {
          return throwIfError(notJson(e));
        }
        return throwIfError(
          JSON.parse(guard(() => wasm().applySlots(text, trace))) as MappingResult | BatchError,
        );
      },

      applyBatch(records, options) {
        const trace = options?.trace === true;
        if (!Array.isArray(records)) {
          throw new GhlBridgeError("INVALID_ARGUMENT", "applyBatch takes a list of records", {
            argument: "records",
          });
        }
        const out: BatchResult[] = [];
        let objects: object[] = [];
        const flush = (): void => {
          if (objects.length === 0) return;
          for (const r of applyObjects(objects, trace)) out.push(r);
          objects = [];
        };
        for (const r of records as ReadonlyArray<unknown>) {
          if (isRecordObject(r)) {
            objects.push(r);
            if (objects.length >= CHUNK) flush();
          } else {
            flush();
            out.push(applyText(r, trace));
          }
        }
        flush();
        return out;
      },

      applyBatchJson(records, options) {
        const trace = options?.trace === true;
        return guard(() => wasm().applyBatchJson(records, trace));
      },

      sourcePaths: Object.freeze([...plan.paths]),

      free() {
        inner.free();
      },
    } satisfies CompiledRules,
    {
      apply: sync(["record", anything], applyOptions),
      applyBatch: sync(["records", list], applyOptions),
      applyBatchJson: sync(["records", textKind], applyOptions),
    },
  );
}

const anything = { expected: "anything", test: () => true };
const applyOptions = ["options", optional(object)] as const;

/** Applies compiled rules to one record (the same as `compiled.apply(record, options)`). */
export function applyRules(
  compiled: CompiledRules,
  record: RulesRecord,
  options?: ApplyOptions,
): MappingResult {
  arg("applyRules", "compiled", compiled, withMethods("apply"));
  return compiled.apply(record, options);
}
