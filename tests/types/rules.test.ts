// Type-level tests of the rules API in the published declarations: this file must
// compile, and every `@ts-expect-error` line must really be an error.
import * as g from "../../pkg/entries/node.js";
import type {
  BatchResult,
  CompiledRules,
  CompileOptions,
  MappingResult,
  Problem,
  RulesDocument,
  TraceEntry,
} from "../../pkg/entries/node.js";

const doc: RulesDocument = {
  version: 1,
  mappings: [
    { from: "lead.email", to: "email", transforms: ["trim", { op: "lookup", table: { a: "b" } }] },
  ],
  tagRules: [{ when: { path: "lead.opted_in", equals: true }, add: ["newsletter"] }],
};
const problems: Problem[] = g.validateRules(doc);
const pointer: string = problems[0]?.pointer ?? "";
void pointer;
g.validateRules("{}");
g.validateRules({ anything: 1 });

const options: CompileOptions = {
  customFields: [{ id: "f1", key: "contact.a", name: "A", dataType: "TEXT" }],
  limits: { maxDepth: 10 },
};
const compiled: CompiledRules = g.compileRules(doc, options);
const one: MappingResult = compiled.apply({ lead: { email: "a@b.io" } }, { trace: true });
const email: string | null | undefined = one.upsert.email;
const tags: string[] = one.tagsToAdd;
const trace: TraceEntry[] | undefined = one.trace;
void email, tags, trace;
const viaText: MappingResult = g.applyRules(compiled, '{"lead":{}}');
void viaText;

const batch: BatchResult[] = compiled.applyBatch([{ a: 1 }, '{"b":2}']);
for (const r of batch) {
  if ("error" in r) {
    const code: string = r.error.code;
    void code;
  } else {
    const set: string = r.ruleSet;
    void set;
  }
}
const text: string = compiled.applyBatchJson("[]");
const paths: readonly string[] = compiled.sourcePaths;
void text, paths;
const presets: Record<string, RulesDocument> = g.rulesPresets();
void presets;

// @ts-expect-error a document needs its version
const noVersion: RulesDocument = { mappings: [] };
void noVersion;

// @ts-expect-error `to` names a field or a custom field, not a number
const badTarget: RulesDocument = { version: 1, mappings: [{ from: "a", to: 5 }] };
void badTarget;

// @ts-expect-error the trace option is a boolean
compiled.apply({}, { trace: "yes" });

const wrong: MappingResult = {
  upsert: {},
  tagsToAdd: [],
  tagsToRemove: [],
  ruleSet: "default",
  warnings: [],
  // @ts-expect-error results are read-only data, not a place for unknown fields
  extra: 1,
};
void wrong;

// @ts-expect-error a record is an object or JSON text
compiled.apply(42);
