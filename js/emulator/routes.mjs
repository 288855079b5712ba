// The GHL operations the emulator serves. Each route names its OpenAPI
// operation (`<service>.<operationId>`), the scope its token needs, the
// accepted Version values, where the location id comes from, and a handler
// `(ctx) => {status, body}` that may throw `GhlError`.
//
// Location check: the location named by the request (path, query or body)
// must be the token's location, else 403 "The token does not have access to
// this location." Contacts of another location answer the same 403.

import { GhlError, badRequest, forbidden, unprocessable } from "./errors.mjs";
import { normalizeEmail, normalizePhone, normalizeTag } from "./normalize.mjs";
import { buildContact, deriveContactNames, fieldKeyName } from "./seed.mjs";
import { STAT_PLATFORMS, buildStatistics } from "./stats.mjs";
import {
  bodyObject,
  isEmail,
  isIntString,
  optionalString,
  requiredString,
  stringArray,
} from "./validate.mjs";

export const API_VERSION = "2021-07-28";

/** Default page size of `GET /social-media-posting/{locationId}/tags` without `limit`. */
export const SOCIAL_TAGS_DEFAULT_LIMIT = 10;

const CONTACT_STRING_FIELDS = [
  "firstName",
  "lastName",
  "name",
  "email",
  "phone",
  "gender",
  "address1",
  "city",
  "state",
  "postalCode",
  "website",
  "timezone",
  "source",
  "country",
  "companyName",
  "assignedTo",
];

const ok = (body, status = 200) => ({ status, body });

function contactOf(ctx) {
  const id = ctx.params.contactId;
  const contact = ctx.findContact(id);
  if (!contact) throw badRequest(`Contact with id ${id} not found`);
  if (contact.locationId !== ctx.locationId) throw forbidden();
  return contact;
}

function tagsBody(ctx) {
  const body = bodyObject(ctx.body);
  const errors = [];
  stringArray(body, "tags", errors, { required: true });
  if (errors.length) throw unprocessable(errors);
  return body.tags.map(normalizeTag).filter(Boolean);
}

/** `GET /users/search`: `companyId` required; `query` matches names and emails; `skip`/`limit` page. */
function searchUsers(ctx) {
  const { companyId, query, skip, limit } = ctx.query;
  const errors = [];
  if (!companyId) errors.push("companyId should not be empty");
  for (const [name, v] of [
    ["skip", skip],
    ["limit", limit],
  ]) {
    if (v !== undefined && !isIntString(v)) errors.push(`${name} must be a number string`);
  }
  if (errors.length) throw unprocessable(errors);
  const needle = (query ?? "").toLowerCase();
  const users = ctx.loc.users.filter(
    (u) => !needle || [u.name, u.email].some((x) => (x ?? "").toLowerCase().includes(needle)),
  );
  const from = Number(skip ?? 0);
  const page = users.slice(from, from + Number(limit ?? 25));
  return ok({ users: structuredClone(page), count: users.length });
}

/** Adds location tags for names the location does not know yet (GHL does this when tagging). */
function ensureLocationTags(ctx, names) {
  for (const name of names) {
    if (!ctx.loc.locationTags.some((t) => t.name === name)) {
      ctx.loc.locationTags.push({ id: ctx.ids.ghlId(), name, locationId: ctx.loc.id });
    }
  }
}

/** Checks custom field items and turns them into stored `{id, value}` pairs. */
function customFieldValues(ctx, items, errors) {
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) {
    errors.push("customFields must be an array");
    return [];
  }
  const out = [];
  items.forEach((item, i) => {
    const where = `customFields.${i}`;
    if (item === null || typeof item !== "object") {
      errors.push(`${where} must be an object`);
      return;
    }
    const field = ctx.loc.customFields.find(
      (f) =>
        f.model === "contact" &&
        ((item.id !== undefined && f.id === item.id) ||
          (item.id === undefined &&
            item.key !== undefined &&
            (f.fieldKey === item.key || fieldKeyName(f) === item.key))),
    );
    if (item.id === undefined && item.key === undefined) {
      errors.push(`${where}.id should not be empty`);
      return;
    }
    if (!field) {
      errors.push(
        `${where}: no contact custom field with ${item.id !== undefined ? `id ${item.id}` : `key ${item.key}`}`,
      );
      return;
    }
    if (!("field_value" in item)) {
      errors.push(`${where}.field_value should not be empty`);
      return;
    }
    const v = item.field_value;
    if (["NUMERICAL", "MONETORY"].includes(field.dataType)) {
      if (
        !(
          typeof v === "number" ||
          (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)))
        )
      ) {
        errors.push(`${where}.field_value must be a number`);
        return;
      }
    } else if (["MULTIPLE_OPTIONS", "CHECKBOX"].includes(field.dataType)) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
        errors.push(`${where}.field_value must be an array of strings`);
        return;
      }
    } else if (!(typeof v === "string" || typeof v === "number")) {
      errors.push(`${where}.field_value must be a string`);
      return;
    }
    out.push({ id: field.id, value: v });
  });
  return out;
}

function upsertContact(ctx) {
  const body = bodyObject(ctx.body);
  const errors = [];
  requiredString(body, "locationId", errors);
  for (const key of CONTACT_STRING_FIELDS) optionalString(body, key, errors);
  const email =
    typeof body.email === "string" && body.email.trim() !== "" ? body.email.trim() : null;
  const phone =
    typeof body.phone === "string" && body.phone.trim() !== "" ? normalizePhone(body.phone) : null;
  if (email !== null && !isEmail(email)) errors.push("email must be an email");
  if (typeof body.phone === "string" && body.phone.trim() !== "" && !phone)
    errors.push("phone must be a valid phone number");
  if (email === null && phone === null) errors.push("email or phone should not be empty");
  stringArray(body, "tags", errors);
  const values = customFieldValues(ctx, body.customFields, errors);
  if (errors.length) throw unprocessable(errors);
  if (body.locationId !== ctx.locationId) throw forbidden();

  // Match in the location's duplicate-check order; when email and phone match
  // two different contacts, the first wins and the other field is ignored.
  const mine = ctx.loc.contacts;
  const matchers = {
    email: () =>
      email && mine.find((c) => c.email && normalizeEmail(c.email) === normalizeEmail(email)),
    phone: () => phone && mine.find((c) => c.phone && c.phone === phone),
  };
  let match = null;
  let matchedBy = "none";
  for (const key of ctx.options.duplicateOrder) {
    const found = matchers[key]?.();
    if (found) {
      match = found;
      matchedBy = key;
      break;
    }
  }
  const ignored = [];
  const fields = {};
  for (const key of CONTACT_STRING_FIELDS)
    if (typeof body[key] === "string") fields[key] = body[key];
  if (email !== null) fields.email = email;
  if (phone !== null) fields.phone = phone;
  if (match) {
    for (const key of ["email", "phone"]) {
      const other = key === "email" ? matchers.email() : matchers.phone();
      if (other && other !== match) {
        ignored.push(key);
        delete fields[key];
      }
    }
  }
  ctx.note({ match: matchedBy, ignored });
  const now = new Date(ctx.now()).toISOString();
  const tags = Array.isArray(body.tags)
    ? [...new Set(body.tags.map(normalizeTag).filter(Boolean))]
    : null;
  if (tags) ensureLocationTags(ctx, tags);
  const traceId = ctx.ids.uuid();

  if (match) {
    delete fields.name;
    Object.assign(match, fields);
    if (tags) match.tags = tags; // tags on upsert REPLACE all of the contact's tags
    for (const v of values) {
      const at = match.customFields.findIndex((x) => x.id === v.id);
      if (at >= 0) match.customFields[at] = v;
      else match.customFields.push(v);
    }
    match.dateUpdated = now;
    deriveContactNames(match);
    return ok({ new: false, contact: structuredClone(match), traceId });
  }
  if (!fields.firstName && !fields.lastName && typeof body.name === "string") {
    const [first, ...rest] = body.name.trim().split(/\s+/);
    fields.firstName = first;
    if (rest.length) fields.lastName = rest.join(" ");
  }
  delete fields.name;
  const contact = buildContact({
    ...fields,
    id: ctx.ids.ghlId(),
    locationId: ctx.locationId,
    tags: tags ?? [],
    customFields: values,
    dateAdded: now,
  });
  mine.push(contact);
  return ok({ new: true, contact: structuredClone(contact), traceId });
}

function listSocialTags(ctx) {
  const { searchText, limit, skip } = ctx.query;
  const errors = [];
  if (limit !== undefined && !isIntString(limit)) errors.push("limit must be a number string");
  if (skip !== undefined && !isIntString(skip)) errors.push("skip must be a number string");
  if (errors.length) throw unprocessable(errors);
  const needle = (searchText ?? "").toLowerCase();
  const matching = ctx.loc.socialTags
    .filter((t) => t.tag.toLowerCase().includes(needle))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  const from = skip === undefined ? 0 : Number(skip);
  const size = limit === undefined ? SOCIAL_TAGS_DEFAULT_LIMIT : Number(limit);
  return ok({
    success: true,
    statusCode: 200,
    message: "Fetched Tags by Location ID",
    results: { tags: structuredClone(matching.slice(from, from + size)), count: matching.length },
  });
}

function socialTagDetails(ctx) {
  const body = bodyObject(ctx.body);
  const errors = [];
  stringArray(body, "tagIds", errors, { required: true, notEmpty: true });
  if (errors.length) throw unprocessable(errors);
  const wanted = new Set(body.tagIds);
  const tags = ctx.loc.socialTags.filter((t) => wanted.has(t._id));
  return ok(
    {
      success: true,
      statusCode: 201,
      message: "Fetched Tags by Tag IDs",
      results: { tags: structuredClone(tags), count: tags.length },
    },
    201,
  );
}

function statistics(ctx) {
  const body = bodyObject(ctx.body);
  const errors = [];
  stringArray(body, "profileIds", errors, { required: true, notEmpty: true });
  stringArray(body, "platforms", errors);
  if (Array.isArray(body.platforms)) {
    const bad = body.platforms.filter((p) => !STAT_PLATFORMS.includes(p));
    if (bad.length)
      errors.push(
        `each value in platforms must be one of the following values: ${STAT_PLATFORMS.join(", ")}`,
      );
  }
  if (errors.length) throw unprocessable(errors);
  const ids = new Set(body.profileIds);
  const platforms = Array.isArray(body.platforms) ? new Set(body.platforms) : null;
  const accounts = ctx.loc.accounts.filter(
    (a) => ids.has(a.profileId) && (!platforms || platforms.has(a.platform)),
  );
  return ok(
    {
      results: buildStatistics(ctx.seed, accounts, ctx.now()),
      message: "Analytics Built Successfully",
      traceId: ctx.ids.uuid(),
    },
    201,
  );
}

/**
 * `PUT /contacts/{contactId}`: updates one contact by id (an unknown id answers 400, as
 * for the other by-id routes; never creates). `tags` replace all of the contact's tags.
 */
function updateContact(ctx) {
  const contact = contactOf(ctx);
  const body = bodyObject(ctx.body);
  const errors = [];
  if (body.locationId !== undefined) errors.push("property locationId should not exist");
  for (const key of CONTACT_STRING_FIELDS) optionalString(body, key, errors);
  stringArray(body, "tags", errors);
  const values = customFieldValues(ctx, body.customFields, errors);
  if (errors.length) throw unprocessable(errors);
  for (const key of CONTACT_STRING_FIELDS)
    if (typeof body[key] === "string" && key !== "name") contact[key] = body[key];
  if (Array.isArray(body.tags)) {
    contact.tags = [...new Set(body.tags.map(normalizeTag).filter(Boolean))];
    ensureLocationTags(ctx, contact.tags);
  }
  for (const v of values) {
    const at = contact.customFields.findIndex((x) => x.id === v.id);
    if (at >= 0) contact.customFields[at] = v;
    else contact.customFields.push(v);
  }
  contact.dateUpdated = new Date(ctx.now()).toISOString();
  deriveContactNames(contact);
  return ok({ succeded: true, contact: structuredClone(contact) });
}

/** The route table. `path` segments starting with `:` are parameters. */
export const ROUTES = [
  {
    method: "POST",
    path: "/contacts/upsert",
    operation: "contacts.upsert-contact",
    scope: "contacts.write",
    location: "body",
    handler: upsertContact,
  },
  {
    method: "GET",
    path: "/contacts/:contactId",
    operation: "contacts.get-contact",
    scope: "contacts.readonly",
    handler: (ctx) => ok({ contact: structuredClone(contactOf(ctx)) }),
  },
  {
    method: "PUT",
    path: "/contacts/:contactId",
    operation: "contacts.update-contact",
    scope: "contacts.write",
    handler: updateContact,
  },
  {
    method: "POST",
    path: "/contacts/:contactId/tags",
    operation: "contacts.add-tags",
    scope: "contacts.write",
    handler: (ctx) => {
      const contact = contactOf(ctx);
      const names = tagsBody(ctx);
      ensureLocationTags(ctx, names);
      contact.tags = [...new Set([...contact.tags, ...names])];
      contact.dateUpdated = new Date(ctx.now()).toISOString();
      return ok({ tags: [...contact.tags] }, 201);
    },
  },
  {
    method: "DELETE",
    path: "/contacts/:contactId/tags",
    operation: "contacts.remove-tags",
    scope: "contacts.write",
    handler: (ctx) => {
      const contact = contactOf(ctx);
      const names = new Set(tagsBody(ctx));
      contact.tags = contact.tags.filter((t) => !names.has(t));
      contact.dateUpdated = new Date(ctx.now()).toISOString();
      return ok({ tags: [...contact.tags] });
    },
  },
  {
    method: "GET",
    path: "/locations/:locationId",
    operation: "locations.get-location",
    scope: "locations.readonly",
    location: "path",
    handler: (ctx) =>
      ok({ location: { id: ctx.loc.id, name: ctx.loc.name, timezone: ctx.loc.timezone } }),
  },
  {
    method: "GET",
    path: "/locations/:locationId/tags",
    operation: "locations.get-location-tags",
    scope: "locations/tags.readonly",
    location: "path",
    handler: (ctx) => ok({ tags: structuredClone(ctx.loc.locationTags) }),
  },
  {
    method: "POST",
    path: "/locations/:locationId/tags",
    operation: "locations.create-tag",
    scope: "locations/tags.write",
    location: "path",
    handler: (ctx) => {
      const body = bodyObject(ctx.body);
      const errors = [];
      requiredString(body, "name", errors);
      if (errors.length) throw unprocessable(errors);
      const name = normalizeTag(body.name);
      if (!name) throw unprocessable(["name should not be empty"]);
      if (ctx.loc.locationTags.some((t) => t.name === name))
        throw badRequest(`Tag "${name}" already exists`);
      const tag = { id: ctx.ids.ghlId(), name, locationId: ctx.loc.id };
      ctx.loc.locationTags.push(tag);
      return ok({ tag: { ...tag } });
    },
  },
  {
    method: "GET",
    path: "/locations/:locationId/customFields",
    operation: "locations.get-custom-fields",
    scope: "locations/customFields.readonly",
    location: "path",
    handler: (ctx) => {
      const model = ctx.query.model ?? "all";
      if (!["contact", "opportunity", "all"].includes(model)) {
        throw unprocessable([
          "model must be one of the following values: contact, opportunity, all",
        ]);
      }
      const fields = ctx.loc.customFields.filter((f) => model === "all" || f.model === model);
      return ok({ customFields: structuredClone(fields) });
    },
  },
  {
    // Deprecated in the spec in favour of `GET /users/search`; still answered.
    method: "GET",
    path: "/users/",
    operation: "users.get-user-by-location",
    scope: "users.readonly",
    location: "query",
    handler: (ctx) => ok({ users: structuredClone(ctx.loc.users) }),
  },
  {
    method: "GET",
    path: "/users/search",
    operation: "users.search-users",
    scope: "users.readonly",
    location: "optional-query",
    handler: searchUsers,
  },
  {
    method: "GET",
    path: "/social-media-posting/:locationId/tags",
    operation: "social-media-posting.get-tags-location-id",
    scope: "socialplanner/tag.readonly",
    location: "path",
    handler: listSocialTags,
  },
  {
    method: "POST",
    path: "/social-media-posting/:locationId/tags/details",
    operation: "social-media-posting.get-tags-by-ids",
    scope: "socialplanner/tag.readonly",
    location: "path",
    handler: socialTagDetails,
  },
  {
    method: "GET",
    path: "/social-media-posting/:locationId/accounts",
    operation: "social-media-posting.get-account",
    scope: "socialplanner/account.readonly",
    location: "path",
    handler: (ctx) =>
      ok({
        success: true,
        statusCode: 200,
        message: "Fetched Accounts",
        results: {
          accounts: structuredClone(ctx.loc.accounts),
          groups: structuredClone(ctx.loc.groups),
        },
      }),
  },
  {
    method: "POST",
    path: "/social-media-posting/statistics",
    operation: "social-media-posting.get-social-media-statistics",
    scope: "socialplanner/statistics.readonly",
    location: "query",
    handler: statistics,
  },
].map((r) => ({ versions: [API_VERSION], ...r, segments: splitPath(r.path) }));

/** Every scope some route needs (the default demo token holds all of them). */
export const ALL_SCOPES = [...new Set(ROUTES.map((r) => r.scope))];

function splitPath(path) {
  return path.split("/").filter(Boolean);
}

/**
 * Finds the route for a method and path. Returns `{route, params}`, or
 * `{route: null}` when nothing matches. Trailing slashes are ignored.
 * Throws a 400 GhlError for a malformed percent-encoding.
 */
export function matchRoute(method, pathname) {
  const parts = splitPath(pathname);
  for (const route of ROUTES) {
    if (route.method !== method || route.segments.length !== parts.length) continue;
    const params = {};
    let matched = true;
    for (let i = 0; i < parts.length; i += 1) {
      const seg = route.segments[i];
      if (seg.startsWith(":")) {
        try {
          params[seg.slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          throw new GhlError(400, `Malformed path parameter ${seg.slice(1)}`);
        }
      } else if (seg !== parts[i]) {
        matched = false;
        break;
      }
    }
    if (matched) return { route, params };
  }
  return { route: null, params: {} };
}
