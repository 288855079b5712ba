/**
 * A small checker for the subset of JSON Schema the runner's config schema uses, so the
 * published schema is the one source of the config's shape and defaults (no second
 * description in code, no runtime dependency). It refuses a schema that uses any other
 * keyword, so the schema cannot silently say more than is checked.
 *
 * Result: every problem as `{at, reason}` (`at` a JSON Pointer of the document), the
 * document with `default`s filled in, and where the secret references are.
 */

/** A schema node (the subset below). */
export type SchemaNode = { [keyword: string]: unknown };

/** One problem of the document. */
export interface SchemaProblem {
  /** JSON Pointer of the value (`""` for the whole document). */
  at: string;
  /** What is wrong with it. */
  reason: string;
}

/** The keywords this checker implements; annotations are listed too. */
export const SUPPORTED_KEYWORDS = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "enum",
  "const",
  "pattern",
  "minLength",
  "minimum",
  "maximum",
  "items",
  "minItems",
  "oneOf",
  "$ref",
  // annotations
  "$schema",
  "$id",
  "$defs",
  "title",
  "description",
  "default",
  "x-hint",
]);

const pointer = (base: string, key: string | number) =>
  `${base}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Keywords of `schema` (recursively) that the checker does not implement. */
export function unsupportedKeywords(schema: unknown, at = ""): string[] {
  if (!schema || typeof schema !== "object") return [];
  const out: string[] = [];
  const node = schema as SchemaNode;
  for (const [k, v] of Object.entries(node)) {
    if (!SUPPORTED_KEYWORDS.has(k)) out.push(`${at}/${k}`);
    if (k === "properties" || k === "$defs")
      for (const [n, s] of Object.entries(v as object))
        out.push(...unsupportedKeywords(s, `${at}/${k}/${n}`));
    else if (k === "items" || (k === "additionalProperties" && typeof v === "object"))
      out.push(...unsupportedKeywords(v, `${at}/${k}`));
    else if (k === "oneOf")
      for (const [i, s] of (v as unknown[]).entries())
        out.push(...unsupportedKeywords(s, `${at}/${k}/${i}`));
  }
  return out;
}

/** Checks `doc` against `root`. */
export function checkSchema(
  root: SchemaNode,
  doc: unknown,
  secretRef = "#/$defs/secret",
): { problems: SchemaProblem[]; value: unknown; secrets: string[] } {
  const problems: SchemaProblem[] = [];
  const secrets: string[] = [];
  const resolve = (ref: string): SchemaNode => {
    const path = ref.replace(/^#\//, "").split("/");
    let node: unknown = root;
    for (const p of path) node = (node as SchemaNode)[p];
    if (!node) throw new Error(`schema: unresolved $ref ${ref}`);
    return node as SchemaNode;
  };

  // Returns the value with defaults filled in; pushes problems into `out`.
  function walk(s: SchemaNode, v: unknown, at: string, out: SchemaProblem[]): unknown {
    if (typeof s.$ref === "string") {
      if (s.$ref === secretRef) {
        const before = out.length;
        const r = walk(resolve(s.$ref), v, at, out);
        if (out.length === before) secrets.push(at);
        return r;
      }
      return walk(resolve(s.$ref), v, at, out);
    }
    if (Array.isArray(s.oneOf)) {
      const matches: unknown[] = [];
      let closest: SchemaProblem[] | undefined;
      for (const branch of s.oneOf as SchemaNode[]) {
        const mine: SchemaProblem[] = [];
        const r = walk(branch, v, at, mine);
        if (mine.length === 0) matches.push(r);
        else if (!closest || mine.length < closest.length) closest = mine;
      }
      if (matches.length === 1) return matches[0];
      const hint = typeof s["x-hint"] === "string" ? s["x-hint"] : "one of the allowed forms";
      out.push({
        at,
        reason:
          matches.length === 0
            ? `expected ${hint}${closest?.[0] ? ` (closest: ${closest[0].at || "/"}: ${closest[0].reason})` : ""}`
            : `matches more than one form of ${hint}`,
      });
      return v;
    }
    if ("const" in s && v !== s.const) {
      out.push({ at, reason: `must be ${JSON.stringify(s.const)}` });
      return v;
    }
    if (Array.isArray(s.enum) && !s.enum.includes(v)) {
      out.push({ at, reason: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}` });
      return v;
    }
    if (typeof s.type === "string") {
      const t = typeOf(v);
      const ok = t === s.type || (s.type === "number" && t === "integer");
      if (!ok) {
        out.push({
          at,
          reason: `must be ${s.type === "integer" ? "an integer" : `a ${s.type}`}, not ${t}`,
        });
        return v;
      }
    }
    if (typeof v === "string") {
      if (typeof s.minLength === "number" && v.length < s.minLength)
        out.push({
          at,
          reason:
            s.minLength === 1
              ? "must not be empty"
              : `must have at least ${s.minLength} characters`,
        });
      if (typeof s.pattern === "string" && !new RegExp(s.pattern).test(v))
        out.push({ at, reason: `does not match ${s.pattern}` });
    }
    if (typeof v === "number") {
      if (typeof s.minimum === "number" && v < s.minimum)
        out.push({ at, reason: `must be at least ${s.minimum}` });
      if (typeof s.maximum === "number" && v > s.maximum)
        out.push({ at, reason: `must be at most ${s.maximum}` });
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === "number" && v.length < s.minItems)
        out.push({ at, reason: `must have at least ${s.minItems} item(s)` });
      if (s.items && typeof s.items === "object")
        return v.map((x, i) => walk(s.items as SchemaNode, x, pointer(at, i), out));
      return v;
    }
    if (v && typeof v === "object") {
      const obj = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, SchemaNode>;
      const res: Record<string, unknown> = {};
      for (const r of (s.required as string[] | undefined) ?? [])
        if (!(r in obj)) out.push({ at: pointer(at, r), reason: "is required" });
      if (typeof s.minProperties === "number" && Object.keys(obj).length < s.minProperties)
        out.push({
          at,
          reason: `must have at least ${s.minProperties} entr${s.minProperties === 1 ? "y" : "ies"}`,
        });
      for (const [k, x] of Object.entries(obj)) {
        if (k in props) res[k] = walk(props[k], x, pointer(at, k), out);
        else if (s.additionalProperties === false)
          out.push({ at: pointer(at, k), reason: "is not a known key" });
        else if (s.additionalProperties && typeof s.additionalProperties === "object")
          res[k] = walk(s.additionalProperties as SchemaNode, x, pointer(at, k), out);
        else res[k] = x;
      }
      for (const [k, p] of Object.entries(props))
        if (!(k in obj) && "default" in p) res[k] = structuredClone(p.default);
      return res;
    }
    return v;
  }

  const value = walk(root, doc, "", problems);
  return { problems, value, secrets };
}
