#!/usr/bin/env node
// Generates src/catalog/table.rs from HighLevel's OpenAPI files and Scopes.md.
//
// Usage: node scripts/gen-catalog.mjs [GHL_API_DIR]
// GHL_API_DIR defaults to $GHL_API_DIR, else ../shared/ghl-api next to the repository.
// No npm dependencies. The output is committed; tests/catalog_spec.rs checks it
// against the spec whenever the spec folder is present.
//
// Encoding (decoded by src/catalog/mod.rs). The table is one text blob, not an array
// of structs: text compresses far better in the Wasm module than pointers do.
// - SERVICES: (file stem, path prefix, first op index) in file-name order; OPS holds
//   each service's operations contiguously, in spec order (paths, then methods).
// - OPS: one line per operation, five tab-separated fields:
//   1. operationId;
//   2. path template; a leading '~' stands for the service's path prefix;
//   3. seven characters: method (index into GET, POST, PUT, PATCH, DELETE), versions
//      (index into VERSIONS; 0 = the spec declares no Version header), body (0 absent,
//      1 optional, 2 required), security (bit set over SCHEMES, one base-32 digit),
//      body content type (index into CONTENT_TYPES), and 1 when the body's schema
//      requires `locationId` (0 otherwise), and 1 when the spec marks the operation
//      deprecated (0 otherwise);
//   4. query parameter names, comma-separated, in spec order; a '!' after the name
//      marks a required one, then a '*' one whose array is sent comma-joined
//      (`explode: false`; the default is one `name=value` per item);
//   5. scopes, comma-separated; from the operation's `security`, else from Scopes.md,
//      else from FACTS.md's operations table.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const apiDir = path.resolve(
  process.argv[2] || process.env.GHL_API_DIR || path.join(root, "..", "shared", "ghl-api"),
);
const out = path.join(root, "src", "catalog", "table.rs");

const METHODS = ["get", "post", "put", "patch", "delete"];
const CONTENT_TYPES = [
  "application/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
];
const SCHEMES = [
  "bearer",
  "Location-Access",
  "Agency-Access",
  "Location-Access-Only",
  "Agency-Access-Only",
];

// Scopes.md: "| scope | METHOD /path/:param | ... |"; an empty or &nbsp; scope cell
// continues the previous scope.
export function normPath(p) {
  return `/${p.trim().replace(/^\/+/, "")}`
    .replace(/\{[^}]*\}/g, ":")
    .replace(/:[A-Za-z0-9_]+/g, ":")
    .replace(/\/+$/, "")
    .toLowerCase();
}
function scopesFromMarkdown(text) {
  const map = new Map();
  let cur = null;
  for (const line of text.split("\n")) {
    if (!line.startsWith("|")) continue;
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((s) => s.trim());
    if (cells.length < 2 || cells[0] === "Scope" || /^-+$/.test(cells[0])) continue;
    if (cells[0] && cells[0] !== "&nbsp;") cur = cells[0];
    const m = /^(GET|POST|PUT|PATCH|DELETE)\s+(\S+)$/.exec(cells[1]);
    if (!m || !cur) continue;
    const key = `${m[1]} ${normPath(m[2])}`;
    if (!map.has(key)) map.set(key, []);
    if (!map.get(key).includes(cur)) map.get(key).push(cur);
  }
  return map;
}

// FACTS.md's table of the operations the product uses names a scope for a few
// operations that neither the spec nor Scopes.md covers (e.g. statistics): the third
// and last source. Rows: "| operation-id | METHOD /path | ... | scope |".
function scopesFromFacts(text) {
  const map = new Map();
  for (const line of text.split("\n")) {
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length < 3 || !/^[a-z0-9-]+$/.test(cells[0])) continue;
    const scope = cells[cells.length - 1];
    if (/^[a-z]+(\/[a-z-]+)?\.(readonly|write)$/.test(scope)) map.set(cells[0], [scope]);
  }
  return map;
}

const mdScopes = scopesFromMarkdown(fs.readFileSync(path.join(apiDir, "Scopes.md"), "utf8"));
const factScopes = scopesFromFacts(fs.readFileSync(path.join(apiDir, "FACTS.md"), "utf8"));
const files = fs
  .readdirSync(path.join(apiDir, "openapi"))
  .filter((f) => f.endsWith(".json"))
  .sort();
// A schema, with a local `$ref` (`#/components/schemas/X`) followed.
function resolve(spec, schema, depth = 0) {
  const ref = schema?.$ref;
  if (typeof ref !== "string" || depth > 8) return schema;
  if (!ref.startsWith("#/components/schemas/")) throw new Error(`unsupported $ref ${ref}`);
  return resolve(
    spec,
    spec.components?.schemas?.[ref.slice("#/components/schemas/".length)],
    depth + 1,
  );
}

const versions = [[]];
const scopes = [];
const intern = (arr, v) => {
  let i = arr.indexOf(v);
  if (i < 0) {
    i = arr.length;
    arr.push(v);
  }
  return i;
};
const services = [];
const ops = [];
for (const f of files) {
  const stem = f.replace(/\.json$/, "");
  const spec = JSON.parse(fs.readFileSync(path.join(apiDir, "openapi", f), "utf8"));
  const list = [];
  for (const [p, item] of Object.entries(spec.paths || {})) {
    for (const [m, op] of Object.entries(item)) {
      if (!METHODS.includes(m)) continue;
      list.push({ p, m, op });
    }
  }
  // Path prefix: the most common first segment.
  const counts = new Map();
  for (const { p } of list) {
    const s = `/${p.split("/")[1]}`;
    counts.set(s, (counts.get(s) || 0) + 1);
  }
  const prefix =
    [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? "";
  services.push({ stem, prefix, start: ops.length });
  for (const { p, m, op } of list) {
    const params = op.parameters || [];
    const ver = params.find((x) => x.in === "header" && x.name === "Version");
    const vs = ver?.schema?.enum ?? [];
    const vkey = JSON.stringify(vs);
    let vi = versions.findIndex((x) => JSON.stringify(x) === vkey);
    if (vi < 0) {
      vi = versions.length;
      versions.push(vs);
    }
    const q = params
      .filter((x) => x.in === "query")
      .map((x) => ({ name: x.name, required: !!x.required, joined: x.explode === false }));
    const body = op.requestBody ? (op.requestBody.required ? 2 : 1) : 0;
    const content = Object.keys(op.requestBody?.content ?? {});
    if (content.length > 1)
      throw new Error(`several body content types in ${stem}.${op.operationId}`);
    const ct = content.length ? CONTENT_TYPES.indexOf(content[0]) : 0;
    if (ct < 0)
      throw new Error(`unknown body content type ${content[0]} in ${stem}.${op.operationId}`);
    const bodySchema = resolve(spec, op.requestBody?.content?.[content[0]]?.schema);
    const bodyLoc = (bodySchema?.required ?? []).includes("locationId") ? 1 : 0;
    let sec = 0;
    const sc = [];
    for (const req of op.security || []) {
      for (const [k, v] of Object.entries(req)) {
        const bit = SCHEMES.indexOf(k);
        if (bit < 0) throw new Error(`unknown security scheme ${k} in ${stem}.${op.operationId}`);
        sec |= 1 << bit;
        for (const s of v) if (!sc.includes(s)) sc.push(s);
      }
    }
    if (sc.length === 0)
      for (const s of mdScopes.get(`${m.toUpperCase()} ${normPath(p)}`) || []) sc.push(s);
    if (sc.length === 0) for (const s of factScopes.get(op.operationId) || []) sc.push(s);
    const rel = p === prefix || p.startsWith(`${prefix}/`) ? `~${p.slice(prefix.length)}` : p;
    ops.push({
      id: op.operationId,
      path: rel,
      m: METHODS.indexOf(m),
      vi,
      body,
      sec,
      ct,
      bodyLoc,
      dep: op.deprecated ? 1 : 0,
      q,
      sc: sc.map((s) => intern(scopes, s)),
    });
  }
}

const s = JSON.stringify;
// Every text field must be free of the separators of the row encoding.
for (const x of ops) {
  for (const t of [x.id, x.path, ...x.q.map((p) => p.name), ...x.sc.map((i) => scopes[i])]) {
    if (/[\t\n,!*"\\]/.test(t) || t === "")
      throw new Error(`cannot encode ${JSON.stringify(t)} (${x.id})`);
  }
}
const B32 = "0123456789abcdefghijklmnopqrstuv";
const row = (x) =>
  [
    x.id,
    x.path,
    `${x.m}${x.vi}${x.body}${B32[x.sec]}${x.ct}${x.bodyLoc}${x.dep}`,
    x.q.map((p) => p.name + (p.required ? "!" : "") + (p.joined ? "*" : "")).join(","),
    x.sc.map((i) => scopes[i]).join(","),
  ].join("\t");
const lines = [];
lines.push(
  "// @generated by scripts/gen-catalog.mjs from HighLevel's OpenAPI files and Scopes.md.",
);
lines.push(
  "// Do not edit by hand; the encoding is described in that script and in src/catalog/mod.rs.",
);
lines.push("");
lines.push(`pub(super) static SCHEMES: [&str; ${SCHEMES.length}] = [${SCHEMES.map(s).join(",")}];`);
lines.push(
  `pub(super) static CONTENT_TYPES: [&str; ${CONTENT_TYPES.length}] = [${CONTENT_TYPES.map(s).join(",")}];`,
);
lines.push(
  `pub(super) static VERSIONS: [&[&str]; ${versions.length}] = [${versions.map((v) => `&[${v.map(s).join(",")}]`).join(",")}];`,
);
lines.push(`pub(super) static SERVICES: [(&str, &str, u16); ${services.length}] = [`);
for (const x of services) lines.push(`(${s(x.stem)},${s(x.prefix)},${x.start}),`);
lines.push("];");
lines.push(`pub(super) const OP_COUNT: usize = ${ops.length};`);
lines.push('pub(super) static OPS: &str = "\\');
for (const x of ops) lines.push(`${row(x).replace(/\t/g, "\\t")}\\n\\`);
lines.push('";');
fs.writeFileSync(out, `${lines.join("\n")}\n`);
console.log(
  `wrote ${path.relative(root, out)}: ${ops.length} operations, ${services.length} services, ${fs.statSync(out).size} bytes`,
);
