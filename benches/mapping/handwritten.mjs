// The benchmark's 20-rule mapping (benches/data/rules-20.json) written by hand in plain
// JavaScript: idiomatic and reasonable, the way a developer would write it for these
// leads, with the same semantics as the rules engine on them (US default country,
// tags trimmed / collapsed / lower-cased / de-duplicated ignoring case, a dropped
// phone number reported as a warning).

const COUNTRIES = {
  "united states": "US",
  usa: "US",
  us: "US",
  canada: "CA",
  "united kingdom": "GB",
  uk: "GB",
  germany: "DE",
  france: "FR",
  australia: "AU",
};

const PAID = new Set(["cpc", "ppc", "paid"]);

/** A non-blank string, or undefined. */
function text(v) {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === "string" ? v : String(v);
  return s.trim() === "" ? undefined : s;
}

function titleCase(s) {
  return s
    .toLowerCase()
    .replace(/(^|[\s\-'(/.])(\p{L}|\p{N})/gu, (_, sep, c) => sep + c.toUpperCase());
}

/** E.164 for US/Canada numbers and numbers written with a "+" country code. */
function phoneE164(raw) {
  const s = raw.trim();
  if (!/^\+?[\d\s\-.()/]+$/.test(s)) return undefined;
  const digits = s.replace(/\D/g, "");
  if (s.startsWith("+"))
    return digits.length >= 8 && digits.length <= 15 && digits[0] !== "0"
      ? `+${digits}`
      : undefined;
  if (digits.length === 10 && digits[0] !== "0" && digits[0] !== "1") return `+1${digits}`;
  if (digits.length === 11 && digits[0] === "1") return `+${digits}`;
  return undefined;
}

/** MM/DD/YYYY or YYYY-MM-DD to YYYY-MM-DD (real dates only). */
function isoDate(raw) {
  const s = raw.trim();
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  const iso = us ? null : /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(s);
  let y, mo, d;
  if (us) [y, mo, d] = [+us[3], +us[1], +us[2]];
  else if (iso) [y, mo, d] = [+iso[1], +iso[2], +iso[3]];
  else return undefined;
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1000 || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return undefined;
  return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

function normaliseTag(t) {
  const n = t.trim().split(/\s+/).join(" ").toLowerCase();
  return n === "" ? undefined : n.slice(0, 64).trimEnd();
}

/** Maps one Wishpond lead event to the GHL upsert body, tag diff and warnings. */
export function mapLead(rec) {
  const lead = rec.lead ?? {};
  const upsert = {};
  const warnings = [];
  const set = (field, v) => {
    if (v !== undefined && v !== "") upsert[field] = v;
  };

  const first = text(lead.first_name);
  const last = text(lead.last_name);
  const email = text(lead.email);
  set("firstName", first && titleCase(first.trim()));
  set("lastName", last && titleCase(last.trim()));
  set("email", email?.trim().toLowerCase());
  const phoneRaw = text(lead.phone);
  if (phoneRaw !== undefined) {
    const p = phoneE164(phoneRaw);
    if (p) upsert.phone = p;
    else
      warnings.push({
        rule: "phone",
        code: "INVALID_PHONE",
        message: `'${phoneRaw}' is not a phone number we can read, so it was left out (rule 'phone').`,
      });
  }
  set("companyName", text(lead.company)?.trim());
  const city = text(lead.city);
  set("city", city && titleCase(city.trim()));
  set("state", text(lead.state)?.trim().toUpperCase());
  set("postalCode", text(lead.zip)?.trim());
  const country = text(lead.country);
  if (country !== undefined) set("country", COUNTRIES[country.trim().toLowerCase()] ?? country);
  set("source", text(lead.source)?.trim() ?? "Wishpond");
  const birthday = text(lead.birthday);
  if (birthday !== undefined) {
    const d = isoDate(birthday);
    if (d) upsert.dateOfBirth = d;
    else
      warnings.push({
        rule: "birthday",
        code: "INVALID_DATE",
        message: `'${birthday}' is not a date we can read, so it was left out (rule 'birthday').`,
      });
  }

  const utm = lead.utm ?? {};
  const customFields = [];
  const custom = (key, v, lower) => {
    const t = text(v);
    if (t !== undefined)
      customFields.push({ key, field_value: lower ? t.trim().toLowerCase() : t.trim() });
  };
  custom("contact.utm_source", utm.source, true);
  custom("contact.utm_medium", utm.medium, true);
  custom("contact.utm_campaign", utm.campaign, false);
  custom("contact.utm_term", utm.term, false);
  custom("contact.utm_content", utm.content, false);
  if (customFields.length > 0) upsert.customFields = customFields;

  // Tags: one entry per tag ignoring case; a later add or remove wins.
  const tags = new Map();
  const tag = (t, add) => {
    const n = normaliseTag(t);
    if (n !== undefined) tags.set(n, add);
  };
  for (const t of Array.isArray(lead.tags) ? lead.tags : lead.tags == null ? [] : [lead.tags]) {
    for (const part of String(t).split(",")) tag(part, true);
  }
  tag("wishpond", true);
  tag(`campaign: ${(rec.campaign?.name ?? "").trim()}`, true);
  if (
    PAID.has(
      String(utm.medium ?? "")
        .trim()
        .toLowerCase(),
    )
  )
    tag("paid-traffic", true);
  if (lead.opted_in === true || String(lead.opted_in).trim().toLowerCase() === "true") {
    tag("newsletter", true);
    tag("unsubscribed", false);
  }
  const tagsToAdd = [];
  const tagsToRemove = [];
  for (const [t, add] of tags) (add ? tagsToAdd : tagsToRemove).push(t);

  return { upsert, tagsToAdd, tagsToRemove, ruleSet: "default", warnings };
}
