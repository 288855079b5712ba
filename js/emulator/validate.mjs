// Class-validator-style checks: each returns a list of messages (empty = valid).

const isStr = (v) => typeof v === "string";

export function requiredString(obj, key, out) {
  const v = obj[key];
  if (v === undefined || v === null || v === "") out.push(`${key} should not be empty`);
  else if (!isStr(v)) out.push(`${key} must be a string`);
}

export function optionalString(obj, key, out) {
  const v = obj[key];
  if (v !== undefined && v !== null && !isStr(v)) out.push(`${key} must be a string`);
}

export function stringArray(obj, key, out, { required = false, notEmpty = false } = {}) {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) out.push(`${key} should not be empty`, `${key} must be an array`);
    return;
  }
  if (!Array.isArray(v)) {
    out.push(`${key} must be an array`);
    return;
  }
  if (notEmpty && v.length === 0) out.push(`${key} should not be empty`);
  if (v.some((x) => !isStr(x))) out.push(`each value in ${key} must be a string`);
}

/** Loose e-mail shape check (one @, a dot in the domain, no blanks). */
export function isEmail(v) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);
}

/** A non-negative integer written as a string (GHL's limit/skip). */
export function isIntString(v) {
  return /^\d+$/.test(v);
}

/** The request body as an object; GHL answers 400 when it is not one. */
export function bodyObject(body) {
  return body !== null && typeof body === "object" && !Array.isArray(body) ? body : {};
}
