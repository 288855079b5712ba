/**
 * The mapping editor's logic without DOM: the sample as a tree of source paths, edits
 * of the rules document (each returns a new document, the old one untouched), the
 * transform list read from the rules document's JSON Schema, mapping suggestions, the
 * problem -> control assignment, and the preview path (compile once, the sample with its
 * trace, the recent events counted in one batch of the part that decides whom they reach).
 *
 * The core decides: whether a document is valid, what a record maps to, the trace.
 * This module only arranges what the core says for the screen (labels, order, which
 * control a JSON Pointer belongs to) and proposes edits the core then checks.
 */

/** The target whose values become tags to add (besides the contact fields). */
export const TAGS_TARGET = "tags";

/**
 * The tests a simple condition may make, from the schema's `Condition` (its properties
 * besides the path, the case flag and the combinations `all`, `any`, `not`).
 */
export function conditionTests(schema) {
  const defs = schema?.definitions ?? schema?.$defs;
  const props = defs?.Condition?.properties ?? {};
  const skip = new Set(["path", "caseSensitive", "all", "any", "not"]);
  return Object.keys(props).filter((k) => !skip.has(k));
}

// ---- the sample ------------------------------------------------------------------------

/** The record the rules read from a sample: a flow event's `payload`, else the sample. */
export function recordOf(sample) {
  if (isObject(sample) && typeof sample.type === "string" && isObject(sample.payload)) {
    return sample.payload;
  }
  return sample;
}

/** Is `v` a plain (non-array) object? */
export function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The type word of a JSON value: text, number, yes/no, list, group, empty. */
export function typeOf(v) {
  if (v === null || v === undefined) return "empty";
  if (Array.isArray(v)) return "list";
  if (typeof v === "boolean") return "yesno";
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "text";
  return "group";
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** The source path of `key` under `parent` (`lead.email`, `fields["First Name"]`), or null. */
export function childPath(parent, key) {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (IDENT.test(key) && key !== "*") return parent === "" ? key : `${parent}.${key}`;
  // The grammar quotes a key with " or ', and a key may not hold either quote.
  if (key.includes('"') || key.includes("'") || key === "") return null;
  return `${parent}["${key}"]`;
}

/**
 * The sample as rows of a tree, depth first: `{ path, key, depth, value, type, leaf }`.
 * Lists of plain values are leaves (a list maps to tags or is joined); lists of groups
 * show their items. A key the grammar cannot name has `path: null`.
 */
export function sampleRows(record, maxRows = 500) {
  const rows = [];
  const walk = (v, path, depth) => {
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [key, value] of entries) {
      if (rows.length >= maxRows) return;
      const p = path === null ? null : childPath(path, key);
      const type = typeOf(value);
      const nested =
        (type === "group" && Object.keys(value).length > 0) ||
        (type === "list" && value.some((x) => typeof x === "object" && x !== null));
      rows.push({ path: p, key: String(key), depth, value, type, leaf: !nested });
      if (nested) walk(value, p, depth + 1);
    }
  };
  if (typeof record === "object" && record !== null) walk(record, "", 0);
  return rows;
}

/** A short text of a value for the screen. */
export function shortValue(v, max = 60) {
  let s;
  if (v === undefined) s = "";
  else if (typeof v === "string") s = JSON.stringify(v);
  else s = JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

// ---- targets -----------------------------------------------------------------------------

/** The key of a target for comparisons: `f:firstName`, `id:abc`, `key:contact.x`. */
export function targetKey(to) {
  if (typeof to === "string") return `f:${to}`;
  if (isObject(to)) {
    if (typeof to.customFieldId === "string") return `id:${to.customFieldId}`;
    if (typeof to.customField === "string") return `key:${to.customField}`;
  }
  return "";
}

/** The target a key names (the inverse of `targetKey`). */
export function targetOf(key) {
  if (key.startsWith("f:")) return key.slice(2);
  if (key.startsWith("id:")) return { customFieldId: key.slice(3) };
  if (key.startsWith("key:")) return { customField: key.slice(4) };
  return "";
}

/** The custom fields in the form the core's compile options take (`key` when known). */
export function coreCustomFields(customFields) {
  if (!Array.isArray(customFields) || customFields.length === 0) return undefined;
  // Without every key the core cannot resolve documents that name fields by key.
  if (!customFields.every((f) => typeof (f.key ?? f.fieldKey) === "string")) return undefined;
  return customFields.map((f) => ({
    id: String(f.id),
    key: String(f.key ?? f.fieldKey),
    name: String(f.name ?? ""),
    dataType: String(f.dataType ?? ""),
  }));
}

// ---- document edits ---------------------------------------------------------------------

/** A deep copy of JSON data. */
export function clone(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** The value at a JSON Pointer, or undefined. */
export function getAt(doc, pointer) {
  let v = doc;
  for (const seg of splitPointer(pointer)) {
    if (typeof v !== "object" || v === null) return undefined;
    v = v[seg];
  }
  return v;
}

/** The segments of a JSON Pointer. */
export function splitPointer(pointer) {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** A JSON Pointer of segments. */
export function joinPointer(segs) {
  return segs.map((s) => `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

/**
 * A copy of `doc` with the value at `pointer` set (`undefined` removes it; a list item
 * removed shifts the rest). Missing parents are created as objects.
 */
export function setAt(doc, pointer, value) {
  const out = clone(doc) ?? {};
  const segs = splitPointer(pointer);
  if (segs.length === 0) return value;
  let v = out;
  segs.slice(0, -1).forEach((seg, i) => {
    if (typeof v[seg] !== "object" || v[seg] === null)
      v[seg] = /^(\d+|-)$/.test(segs[i + 1]) ? [] : {};
    v = v[seg];
  });
  const last = segs[segs.length - 1];
  if (value === undefined) {
    if (Array.isArray(v)) v.splice(Number(last), 1);
    else delete v[last];
  } else if (Array.isArray(v) && last === "-") {
    v.push(value);
  } else {
    v[last] = value;
  }
  return prune(out);
}

/** Drops empty optional lists and objects the grammar treats as absent. */
function prune(doc) {
  for (const k of ["mappings", "tagRules", "routes"]) {
    if (Array.isArray(doc[k]) && doc[k].length === 0) delete doc[k];
  }
  if (isObject(doc.settings) && Object.keys(doc.settings).length === 0) delete doc.settings;
  return doc;
}

/** A rule id not yet used in the document, from a base word (`first-name`, `first-name-2`). */
export function freshId(doc, base) {
  const used = new Set();
  const collect = (v) => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (isObject(v)) {
      if (typeof v.id === "string") used.add(v.id);
      Object.values(v).forEach(collect);
    }
  };
  collect(doc);
  const stem =
    String(base)
      .replace(/([a-z])([A-Z])/g, "$1-$2")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "rule";
  if (!used.has(stem)) return stem;
  for (let i = 2; ; i++) if (!used.has(`${stem}-${i}`)) return `${stem}-${i}`;
}

/** The mappings list of a rule set: `""` is the default one, else `/routes/N`. */
export function mappingsPointer(base) {
  return `${base}/mappings`;
}

/** A copy of `doc` with one mapping appended to the rule set at `base`. */
export function addMapping(doc, base, from, to, transforms = []) {
  const list = getAt(doc, mappingsPointer(base));
  const m = { id: freshId(doc, targetIdWord(to)), from, to };
  if (transforms.length > 0) m.transforms = transforms;
  return setAt(doc, mappingsPointer(base), [...(Array.isArray(list) ? list : []), m]);
}

function targetIdWord(to) {
  if (typeof to === "string") return to;
  if (isObject(to)) return to.customField ?? `custom-${to.customFieldId ?? "field"}`;
  return "mapping";
}

// ---- transforms (from the schema) -------------------------------------------------------

/**
 * The transforms of the rules document's JSON Schema: `[{ op, description, params:
 * [{ name, description, type, required, enum }] }]`, in the schema's order. The schema is
 * generated from the core's types, so this list is the core's.
 */
export function transformsFromSchema(schema) {
  const defs = schema?.definitions ?? schema?.$defs ?? {};
  const variants = defs.Transform?.oneOf ?? defs.Transform?.anyOf ?? [];
  const out = [];
  for (const v of variants) {
    const op = v.properties?.op;
    const name = op?.const ?? op?.enum?.[0];
    if (typeof name !== "string") continue;
    const required = new Set(v.required ?? []);
    const params = [];
    for (const [p, s] of Object.entries(v.properties ?? {})) {
      if (p === "op") continue;
      const r = resolve(defs, s);
      params.push({
        name: p,
        description: s.description ?? r.description ?? "",
        type: paramType(r),
        required: required.has(p),
        enum: r.enum ?? r.oneOf?.map((x) => x.const ?? x.enum?.[0]).filter(Boolean),
      });
    }
    out.push({ op: name, description: v.description ?? "", params });
  }
  return out;
}

function resolve(defs, s) {
  if (typeof s?.$ref === "string") return defs[s.$ref.split("/").pop()] ?? {};
  if (Array.isArray(s?.allOf) && s.allOf.length === 1) return resolve(defs, s.allOf[0]);
  return s ?? {};
}

function paramType(s) {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type;
  if (s.enum || s.oneOf) return "choice";
  if (t === "integer" || t === "number") return "number";
  if (t === "boolean") return "boolean";
  if (t === "object") return "table";
  if (t === "string") return "text";
  return "json";
}

/** The op of a transform as written (`"trim"`, `{ op: "truncate", length: 5 }`). */
export function transformOp(t) {
  if (typeof t === "string") {
    if (t === "firstName" || t === "lastName") return "splitName";
    return t;
  }
  return isObject(t) && typeof t.op === "string" ? t.op : "";
}

/** A new transform of `op` as the document writes it: a bare name when it has no required parameter. */
export function newTransform(spec) {
  const required = spec.params.filter((p) => p.required);
  if (required.length === 0) return spec.op;
  const t = { op: spec.op };
  for (const p of required) {
    if (p.type === "number") t[p.name] = 10;
    else if (p.type === "choice") t[p.name] = p.enum?.[0] ?? "";
    else if (p.type === "table") t[p.name] = {};
    else if (p.type === "json") t[p.name] = "";
    else t[p.name] = "";
  }
  return t;
}

// ---- suggestions ------------------------------------------------------------------------

/** Words a source key may use for each standard field (compared without case and punctuation). */
const SYNONYMS = {
  firstName: ["firstname", "fname", "givenname", "first", "forename"],
  lastName: ["lastname", "lname", "surname", "familyname", "last"],
  name: ["name", "fullname", "yourname", "contactname"],
  email: ["email", "emailaddress", "mail", "youremail", "workemail"],
  phone: ["phone", "phonenumber", "mobile", "mobilephone", "cell", "cellphone", "tel", "telephone"],
  companyName: ["company", "companyname", "organization", "organisation", "business"],
  address1: ["address", "address1", "street", "streetaddress", "addressline1"],
  city: ["city", "town"],
  state: ["state", "province", "region", "county"],
  postalCode: ["zip", "zipcode", "postalcode", "postcode"],
  country: ["country", "countrycode"],
  website: ["website", "url", "site", "web", "homepage"],
  timezone: ["timezone", "tz"],
  source: ["source", "leadsource"],
  dateOfBirth: ["birthday", "dob", "dateofbirth", "birthdate"],
  tags: ["tags", "labels"],
};

/** The transforms a suggestion starts with, by standard field. */
const SUGGESTED_TRANSFORMS = {
  email: ["email"],
  phone: ["phone"],
  firstName: ["trim", "titleCase"],
  lastName: ["trim", "titleCase"],
  name: ["trim", "titleCase"],
  city: ["trim", "titleCase"],
  state: ["trim", "uppercase"],
  country: ["country"],
  dateOfBirth: ["date"],
  website: ["trim", "lowercase"],
};

/** The transforms a new mapping to `to` starts with, for a source value of `type`. */
export function defaultTransforms(to, type) {
  if (to === TAGS_TARGET || type === "list") return [];
  if (typeof to === "string" && SUGGESTED_TRANSFORMS[to]) return [...SUGGESTED_TRANSFORMS[to]];
  return type === "text" ? ["trim"] : [];
}

const NOT_A_PERSON = /(^|\.)(campaign|page|project|form|event|utm|company|product|list)s?\.name$/i;

const norm = (s) =>
  String(s)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");

/**
 * Proposed mappings for the sample's fields that nothing maps yet: a standard field
 * whose usual names match the source key (`first_name`, `phone_number`, Wishpond's
 * `dynamic_attributes.*`), or a custom field whose name or key matches. One proposal
 * per target, the shallowest source first. `[{ from, to, transforms, value }]`.
 */
export function suggestMappings(doc, record, customFields = []) {
  const mappedTargets = new Set();
  const mappedSources = new Set();
  const each = (list) => {
    for (const m of Array.isArray(list) ? list : []) {
      mappedTargets.add(targetKey(m.to));
      if (typeof m.from === "string") mappedSources.add(m.from);
    }
  };
  each(doc?.mappings);
  const custom = (Array.isArray(customFields) ? customFields : []).map((f) => ({
    to: { customFieldId: String(f.id) },
    words: [norm(f.name), norm(String(f.key ?? f.fieldKey ?? "").replace(/^contact\./, ""))].filter(
      Boolean,
    ),
  }));
  const best = new Map();
  for (const row of sampleRows(record)) {
    if (!row.leaf || row.path === null || mappedSources.has(row.path)) continue;
    if (/\[\d+\]/.test(row.path)) continue;
    const word = norm(row.key);
    let to = null;
    for (const [field, words] of Object.entries(SYNONYMS)) {
      if (words.includes(word)) {
        to = field;
        break;
      }
    }
    // "name" under a campaign, page or project names that thing, not the person.
    if (to === "name" && NOT_A_PERSON.test(row.path)) to = null;
    if (to === null) to = custom.find((c) => c.words.includes(word))?.to ?? null;
    if (to === null) continue;
    if (to === TAGS_TARGET && row.type !== "list") continue;
    if (to !== TAGS_TARGET && (row.type === "list" || row.type === "group")) continue;
    const key = targetKey(to);
    if (mappedTargets.has(key)) continue;
    const rank = row.depth * 2 + (row.type === "empty" || row.value === "" ? 1 : 0);
    const prev = best.get(key);
    if (prev === undefined || rank < prev.rank) {
      best.set(key, {
        from: row.path,
        to,
        transforms: defaultTransforms(to, row.type),
        value: row.value,
        rank,
      });
    }
  }
  return [...best.values()].map(({ rank: _rank, ...s }) => s);
}

// ---- problems -> controls ---------------------------------------------------------------

/**
 * Assigns each problem to the control nearest its pointer: the control of the pointer
 * itself, else of its closest parent that has one. Returns `{ byControl: Map<pointer,
 * Problem[]>, loose: Problem[] }` (loose: no control, shown in the summary only).
 */
export function assignProblems(problems, controls) {
  const byControl = new Map();
  const loose = [];
  for (const p of problems) {
    let ptr = p.pointer;
    for (;;) {
      if (controls.has(ptr)) break;
      if (ptr === "") {
        ptr = null;
        break;
      }
      ptr = ptr.slice(0, ptr.lastIndexOf("/"));
    }
    if (ptr === null) loose.push(p);
    else byControl.set(ptr, [...(byControl.get(ptr) ?? []), p]);
  }
  return { byControl, loose };
}

/** A problem's message without the core's "Rule 'x' (at /pointer): " prefix (shown at its control). */
export function plainMessage(message) {
  return String(message).replace(/^Rule '[^']*' \(at [^)]*\): /, "");
}

/**
 * Where a pointer is, in the editor's words: `["mapping", 2]` for `/mappings/1/...`,
 * `["tagRule", 1]`, `["scoreRule", 1]`, `["threshold", 1]`, `["scoring"]`, `["route", 1]`
 * (a route's own mappings as `["routeMapping", 1, 2]`), `["settings"]`, or `["document"]`.
 */
export function placeOf(pointer) {
  const s = splitPointer(pointer);
  const n = (i) => Number(s[i]) + 1;
  if (s[0] === "mappings" && s.length > 1) return ["mapping", n(1)];
  if (s[0] === "tagRules" && s.length > 1) return ["tagRule", n(1)];
  if (s[0] === "scoring") {
    if (s[1] === "rules" && s.length > 2) return ["scoreRule", n(2)];
    if (s[1] === "thresholds" && s.length > 2) return ["threshold", n(2)];
    return ["scoring"];
  }
  if (s[0] === "routes" && s.length > 1) {
    if (s[2] === "mappings" && s.length > 3) return ["routeMapping", n(1), n(3)];
    return ["route", n(1)];
  }
  if (s[0] === "settings") return ["settings"];
  return ["document"];
}

/** A DOM id for the control of a pointer (ids stay valid in `aria-describedby` lists). */
export function controlId(pointer) {
  return `c${pointer.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
}

// ---- the preview path -------------------------------------------------------------------

/** The contact fields GHL's upsert matches on (the flows refuse a result with neither). */
export const MATCH_FIELDS = ["email", "phone"];

/**
 * The part of a document that decides whom a record reaches: the mappings to email and
 * phone (default and per route, in order), every route's condition (the first route that
 * holds is the one used) and the settings (the phone's default country). Applied to a
 * record it gives exactly the email and phone the whole document gives, with less work
 * (no names, tags or scores) and a small result.
 */
export function reachDocument(doc) {
  if (!isObject(doc)) return doc;
  const keep = (list) =>
    Array.isArray(list) ? list.filter((m) => MATCH_FIELDS.includes(m?.to)) : undefined;
  const out = { version: doc.version };
  if (doc.settings !== undefined) out.settings = doc.settings;
  const mappings = keep(doc.mappings);
  if (mappings?.length) out.mappings = mappings;
  if (Array.isArray(doc.routes)) {
    out.routes = doc.routes.map((r) => {
      if (!isObject(r)) return r;
      const route = { id: r.id, when: r.when };
      const m = keep(r.mappings);
      if (m?.length) route.mappings = m;
      return route;
    });
  }
  return out;
}

/**
 * The preview of a document after an edit: compiled once (the core validates while
 * compiling); the shown sample applied with its trace; the other records only counted
 * (`batch: { total, reach, none, failed }`: reach a contact by email or phone, give
 * neither, cannot be mapped), from one `applyBatch` of the document's `reachDocument`.
 * `memo` (an object the caller keeps) holds the last counts by that document's text and
 * the records list: an edit that changes nothing about whom the records reach reuses
 * them, exactly. `{ problems, result, batch }`; no result and no batch while the document
 * has problems. Speed: benches/mapping-editor/preview.mjs.
 */
export function previewPath(core, doc, options, sample, records = [], memo = {}) {
  let compiled;
  try {
    compiled = core.compileRules(doc, options);
  } catch (e) {
    if (e?.code === "RULES_INVALID" && Array.isArray(e.details?.problems)) {
      return { problems: e.details.problems, result: null, batch: null };
    }
    return { problems: [errorOf(e, "")], result: null, batch: null };
  }
  let result = null;
  try {
    if (sample !== undefined && sample !== null) {
      try {
        result = compiled.apply(sample, { trace: true });
      } catch (e) {
        result = { error: errorOf(e) };
      }
    }
  } finally {
    compiled.free();
  }
  return { problems: [], result, batch: batchCounts(core, doc, options, records, memo) };
}

/** The counts of `previewPath`, reused from `memo` while they cannot have changed. */
export function batchCounts(core, doc, options, records, memo = {}) {
  if (!Array.isArray(records) || records.length === 0) return null;
  const reach = JSON.stringify(reachDocument(doc));
  const key = `${reach}\u0000${JSON.stringify(options ?? null)}`;
  if (memo.records === records && memo.key === key) return memo.batch;
  const compiled = core.compileRules(reach, options);
  let results;
  try {
    results = compiled.applyBatch(records);
  } finally {
    compiled.free();
  }
  const batch = { total: results.length, reach: 0, none: 0, failed: 0 };
  for (const r of results) {
    if (r.error) batch.failed++;
    else if (matchOf(r).key !== null) batch.reach++;
    else batch.none++;
  }
  Object.assign(memo, { records, key, batch });
  return batch;
}

function errorOf(e, pointer) {
  const out = { code: e?.code ?? "ERROR", message: String(e?.message ?? e) };
  return pointer === undefined ? out : { pointer, ...out };
}

/**
 * Who a result would reach: GHL's upsert matches on email, else phone (the flows refuse a
 * result with neither). `{ key: "email" | "phone" | null, value, name }`.
 */
export function matchOf(result) {
  const u = result?.upsert ?? {};
  const name =
    [u.firstName, u.lastName].filter((x) => typeof x === "string" && x !== "").join(" ") ||
    (typeof u.name === "string" ? u.name : "");
  for (const key of MATCH_FIELDS) {
    if (typeof u[key] === "string" && u[key].trim() !== "") return { key, value: u[key], name };
  }
  return { key: null, value: "", name };
}
