// Seeded sample data for one location: contacts, location tags, custom fields,
// users, social-planner tags and connected accounts. Everything is a pure
// function of (seed, locationId): the same pair always yields the same data.

import { createRng } from "./prng.mjs";
import { normalizePhone, normalizeTag } from "./normalize.mjs";

/** Timestamps of seeded records lie before this instant (2025-01-06T00:00:00Z). */
const BASE_MS = Date.UTC(2025, 0, 6);
const DAY_MS = 86_400_000;

const iso = (ms) => new Date(ms).toISOString();

/** Contact custom fields every location has (fieldKey `contact.<key>`). */
const CONTACT_FIELDS = [
  ["utm_source", "UTM Source", "TEXT"],
  ["utm_medium", "UTM Medium", "TEXT"],
  ["utm_campaign", "UTM Campaign", "TEXT"],
  ["utm_term", "UTM Term", "TEXT"],
  ["utm_content", "UTM Content", "TEXT"],
  ["lead_score", "Lead Score", "NUMERICAL"],
  [
    "qwilr_proposal_status",
    "Qwilr Proposal Status",
    "SINGLE_OPTIONS",
    ["Draft", "Sent", "Viewed", "Accepted", "Declined"],
  ],
  ["qwilr_proposal_url", "Qwilr Proposal URL", "TEXT"],
  ["qwilr_proposal_value", "Qwilr Proposal Value", "MONETORY"],
  ["wishpond_campaign", "Wishpond Campaign", "TEXT"],
  ["interests", "Interests", "MULTIPLE_OPTIONS", ["Pricing", "Demo", "Integrations", "Support"]],
  ["notes", "Notes", "LARGE_TEXT"],
  // What a location connected to Qwilr has (the Qwilr preset writes them).
  ["qwilr_last_page", "Qwilr Last Page Viewed", "TEXT"],
  ["qwilr_page_link", "Qwilr Page Link", "TEXT"],
  ["proposal_value", "Proposal Value", "MONETORY"],
  ["proposal_accepted_on", "Proposal Accepted On", "DATE"],
  // Wishpond webinar registrations (the Wishpond preset's webinar route writes it).
  ["webinar_session", "Webinar Session", "TEXT"],
];
const OPPORTUNITY_FIELDS = [["deal_source", "Deal Source", "TEXT"]];

const SOCIAL_TAG_NAMES = [
  "Product Launch",
  "Webinar",
  "Case Study",
  "Customer Story",
  "Hiring",
  "Behind the Scenes",
  "Tips & Tricks",
  "Industry News",
  "Event",
  "Promotion",
  "Holiday",
  "Q&A",
  "Testimonial",
  "Announcement",
  "Partnership",
  "Blog Post",
  "Video",
  "Infographic",
  "Podcast",
  "Newsletter",
  "Giveaway",
  "Team",
  "Milestone",
  "Tutorial",
  "Product Update",
];

const PEOPLE = [
  ["Ada", "Lovelace"],
  ["Grace", "Hopper"],
  ["Alan", "Turing"],
  ["Katherine", "Johnson"],
  ["Linus", "Pauling"],
  ["Rosalind", "Franklin"],
  ["Edsger", "Dijkstra"],
  ["Barbara", "Liskov"],
  ["Donald", "Knuth"],
  ["Margaret", "Hamilton"],
];
const CONTACT_TAGS = [
  "wishpond lead",
  "newsletter",
  "webinar",
  "qwilr sent",
  "vip",
  "trial",
  "customer",
];
const SOURCES = ["google", "facebook", "linkedin", "newsletter", "direct"];
const CAMPAIGNS = ["spring_promo", "webinar_q1", "retargeting", "brand"];

/** The account kinds a location has; linkedin page and tiktok business have statistics. */
const ACCOUNT_KINDS = [
  ["linkedin", "page", "Demo Co (LinkedIn Page)"],
  ["linkedin", "profile", "Ada Lovelace (LinkedIn)"],
  ["tiktok", "business", "democo (TikTok Business)"],
  ["facebook", "page", "Demo Co (Facebook Page)"],
  ["instagram", "business", "democo (Instagram)"],
  ["google", "location", "Demo Co (Google Business Profile)"],
];

/** Builds the fieldKey-less key of a custom field (`utm_source`). */
export function fieldKeyName(field) {
  return field.fieldKey.replace(/^[a-z]+\./, "");
}

/** Seeds one location. `seed` is the emulator seed. */
export function seedLocation(seed, locationId, options = {}) {
  const rng = createRng(seed, `location:${locationId}`);
  const contactCount = options.contactsPerLocation ?? 8;
  const socialTagCount = Math.min(options.socialTagsPerLocation ?? 25, SOCIAL_TAG_NAMES.length);

  const users = PEOPLE.slice(0, 3).map(([firstName, lastName], i) => ({
    id: rng.ghlId(),
    name: `${firstName} ${lastName}`,
    firstName,
    lastName,
    email: `${firstName.toLowerCase()}@demo-agency.example`,
    phone: `+1555010${String(1000 + i)}`,
    extension: "",
    permissions: {
      contactsEnabled: true,
      tagsEnabled: true,
      socialPlanner: true,
      settingsEnabled: i === 0,
    },
    roles: {
      type: "account",
      role: i === 0 ? "admin" : "user",
      locationIds: [locationId],
      restrictSubAccount: false,
    },
    deleted: false,
  }));

  const customFields = [
    ...CONTACT_FIELDS.map((f) => ["contact", ...f]),
    ...OPPORTUNITY_FIELDS.map((f) => ["opportunity", ...f]),
  ].map(([model, key, name, dataType, picklist], position) => ({
    id: rng.ghlId(),
    name,
    fieldKey: `${model}.${key}`,
    placeholder: name,
    dataType,
    position: position * 50,
    ...(picklist ? { picklistOptions: picklist } : {}),
    locationId,
    model,
  }));
  const byKey = Object.fromEntries(customFields.map((f) => [f.fieldKey, f]));

  const contacts = [];
  for (let i = 0; i < contactCount; i += 1) {
    const [firstName, lastName] = PEOPLE[i % PEOPLE.length];
    const added = BASE_MS - rng.int(2, 120) * DAY_MS - rng.int(0, DAY_MS - 1);
    const tags = [...new Set([rng.pick(CONTACT_TAGS), rng.pick(CONTACT_TAGS)])].map(normalizeTag);
    const values = [
      ["contact.utm_source", rng.pick(SOURCES)],
      ["contact.utm_campaign", rng.pick(CAMPAIGNS)],
      ["contact.lead_score", rng.int(0, 100)],
    ];
    if (rng.next() < 0.5)
      values.push([
        "contact.qwilr_proposal_status",
        rng.pick(["Draft", "Sent", "Viewed", "Accepted"]),
      ]);
    contacts.push(
      buildContact({
        id: rng.ghlId(),
        locationId,
        firstName,
        lastName,
        email: `${firstName}.${lastName}${i >= PEOPLE.length ? i : ""}@example.com`,
        phone: normalizePhone(`+1 415 555 ${String(1000 + i * 37).padStart(4, "0")}`),
        companyName: rng.pick([
          "Analytical Engines",
          "Compilers Inc",
          "Bletchley Labs",
          "Orbital Math",
        ]),
        source: "public api",
        tags,
        customFields: values.map(([k, value]) => ({ id: byKey[k].id, value })),
        dateAdded: iso(added),
        dateUpdated: iso(added + rng.int(0, 30) * DAY_MS),
        assignedTo: rng.pick(users).id,
      }),
    );
  }

  const tagNames = new Set([...CONTACT_TAGS.map(normalizeTag), ...contacts.flatMap((c) => c.tags)]);
  const locationTags = [...tagNames].map((name) => ({ id: rng.ghlId(), name, locationId }));

  // Some tags are soft-deleted; which ones depends on the seed.
  const deleted = new Set();
  while (deleted.size < Math.floor(socialTagCount / 5)) deleted.add(rng.int(0, socialTagCount - 1));
  const socialTags = SOCIAL_TAG_NAMES.slice(0, socialTagCount).map((tag, i) => {
    const created = BASE_MS - (socialTagCount - i) * 3 * DAY_MS + rng.int(0, DAY_MS - 1);
    return {
      _id: rng.objectId(),
      tag,
      locationId,
      createdBy: rng.pick(users).id,
      deleted: deleted.has(i),
      createdAt: iso(created),
      updatedAt: iso(created + rng.int(0, 5) * DAY_MS),
    };
  });

  const oauthId = rng.ghlId();
  const accounts = ACCOUNT_KINDS.map(([platform, type, name]) => {
    const profileId = rng.objectId();
    return {
      id: `${oauthId}_${locationId}_${profileId}`,
      oauthId,
      profileId,
      name,
      platform,
      type,
      expire: iso(BASE_MS + rng.int(30, 90) * DAY_MS),
      isExpired: false,
      meta: { canDelete: true },
    };
  });
  const groups = [{ id: rng.objectId(), name: "Primary", accountIds: accounts.map((a) => a.id) }];

  return {
    id: locationId,
    // Shown by "Test connection" (GET /locations/{id}); derived from the id, no randomness drawn.
    name: `${locationId
      .replace(/[0-9]+$/, "")
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .replace(/^./, (c) => c.toUpperCase())}`,
    timezone: "UTC",
    contacts,
    locationTags,
    customFields,
    users,
    socialTags,
    accounts,
    groups,
  };
}

/** A contact record shaped like GHL's `GetContectByIdSchema`. */
export function buildContact(fields) {
  const c = {
    id: fields.id,
    locationId: fields.locationId,
    type: "lead",
    source: fields.source ?? "public api",
    tags: fields.tags ?? [],
    customFields: fields.customFields ?? [],
    dateAdded: fields.dateAdded,
    dateUpdated: fields.dateUpdated ?? fields.dateAdded,
    dnd: false,
  };
  for (const key of [
    "firstName",
    "lastName",
    "email",
    "phone",
    "companyName",
    "address1",
    "city",
    "state",
    "country",
    "postalCode",
    "website",
    "timezone",
    "assignedTo",
    "dateOfBirth",
    "gender",
  ]) {
    if (fields[key] !== undefined && fields[key] !== null) c[key] = fields[key];
  }
  return deriveContactNames(c);
}

/** Recomputes the lower-case mirror fields GHL keeps beside names and email. */
export function deriveContactNames(c) {
  const full = [c.firstName, c.lastName].filter(Boolean).join(" ");
  if (full) c.name = full;
  if (c.firstName) c.firstNameLowerCase = c.firstName.toLowerCase();
  if (c.lastName) c.lastNameLowerCase = c.lastName.toLowerCase();
  if (full) c.fullNameLowerCase = full.toLowerCase();
  if (c.email) c.emailLowerCase = c.email.toLowerCase();
  return c;
}
