/**
 * Every word the mapping editor shows, in one place (the words a marketer uses: "event",
 * "HighLevel contact field", "tag", "lead score"; never "JSON Pointer" or "slot").
 * Functions take what the sentence needs.
 */
export const S = {
  title: "Mapping",
  viewEditor: "Visual editor",
  viewJson: "JSON",
  views: "Editor view",

  // the sample
  sampleHeading: "Sample event",
  samplePick: "Recent event",
  sampleNone: "No recent events yet: paste one below",
  sampleLabel: (s, i) => {
    const r = s?.payload ?? s;
    const who = r?.lead?.email ?? r?.contact?.email ?? r?.email ?? r?.id ?? "";
    const type =
      typeof s?.type === "string" ? s.type : typeof r?.event === "string" ? r.event : "event";
    return `${i + 1}. ${type}${who ? ` · ${who}` : ""}`;
  },
  pasted: "Pasted event",
  pasteToggle: "Paste an event",
  pasteLabel: "Event as JSON",
  pasteUse: "Use this event",
  pasteCancel: "Cancel",
  pasteBad: (why) =>
    `This is not valid JSON: ${why}. Paste the event exactly as the source sent it.`,
  pasteNotObject: "Paste one event: a JSON object in { curly braces }.",
  sampleEmpty: "Pick or paste an event to see its fields here.",
  payloadNote: "The rules read this event's payload.",
  fieldsHeading: "Event fields",
  fieldsHelp:
    "Drag a field onto a HighLevel field, or pick it (click, Enter or Space) and then choose the HighLevel field.",
  picked: (path) => `Picked ${path}. Now choose the HighLevel field it goes to, or press Escape.`,
  pickCleared: "Nothing picked.",
  pickedBar: (path) => `Picked ${path}: now choose the HighLevel field it goes to.`,
  pickCancel: "Cancel",
  pickFirst: "Pick an event field first, then choose this HighLevel field.",
  mapped: (from, to) => `Mapped ${from} to ${to}.`,
  unnamable: "This field's name has quotes, so rules cannot read it.",

  types: {
    text: "text",
    number: "number",
    yesno: "yes/no",
    list: "list",
    group: "group",
    empty: "empty",
  },

  // targets
  targetsHeading: "HighLevel contact fields",
  mapInto: "Add new mappings to",
  defaultRules: "All events",
  routeRules: (id) => `Only route “${id}”`,
  standardFields: "Standard fields",
  customFields: "Custom fields",
  noCustomFields: "This location has no custom fields (or they are not loaded yet).",
  dropHere: "Drop a field here",
  mappedFrom: (paths) => `from ${paths}`,
  fieldLabels: {
    firstName: "First name",
    lastName: "Last name",
    name: "Full name",
    email: "Email",
    phone: "Phone",
    companyName: "Company",
    address1: "Street address",
    city: "City",
    state: "State",
    postalCode: "Postal code",
    country: "Country",
    website: "Website",
    timezone: "Time zone",
    source: "Contact source",
    dateOfBirth: "Date of birth",
    tags: "Tags (values become tags)",
  },
  dataTypes: {
    TEXT: "text",
    LARGE_TEXT: "long text",
    NUMERICAL: "number",
    PHONE: "phone",
    MONETORY: "money",
    MONETARY: "money",
    CHECKBOX: "checkboxes",
    SINGLE_OPTIONS: "one choice",
    MULTIPLE_OPTIONS: "choices",
    DATE: "date",
    TEXTBOX_LIST: "list",
    FILE_UPLOAD: "file",
    RADIO: "one choice",
    EMAIL: "email",
  },
  customKey: (key) => `custom field ${key}`,
  unknownCustomId: (id) => `custom field ${id} (not in this location)`,

  // suggestions
  suggest: "Suggest mappings",
  suggestHeading: "Suggested mappings",
  suggestNone: "No more suggestions: every field we recognise is already mapped.",
  suggestRow: (from, to) => `${from} → ${to}`,
  accept: "Accept",
  acceptAll: "Accept all",
  dismiss: "Dismiss",
  acceptedAll: (n) => `Added ${n} mapping${n === 1 ? "" : "s"}.`,

  // mappings
  mappingsHeading: "Field mappings",
  mappingsNone:
    "No mappings yet. Drag an event field onto a HighLevel field, or use Suggest mappings.",
  routeMappings: (id) => `Field mappings of route “${id}”`,
  mappingName: (i, to) => `Mapping ${i + 1}: ${to}`,
  from: "Event field",
  fromTemplate: "Text with fields, e.g. {lead.first_name} {lead.last_name}",
  useTemplate: "Combine several fields into one text",
  to: "HighLevel field",
  removeMapping: "Remove this mapping",
  transformsLabel: "Clean-up steps",
  addTransform: "Add a step",
  addTransformNone: "Add a step…",
  removeTransform: (op) => `Remove step ${op}`,
  moveUp: (op) => `Move step ${op} up`,
  stepValue: "on the sample:",
  sampleValue: "Sample",
  nothing: "(nothing)",
  willWrite: "writes",
  skipped: "not written",
  transformNames: {
    trim: "Trim spaces",
    lowercase: "lower case",
    uppercase: "UPPER CASE",
    titleCase: "Title Case",
    splitName: "Part of a full name",
    join: "Join a list",
    default: "Default value",
    lookup: "Replace values (table)",
    number: "Read as number",
    boolean: "Read as yes/no",
    date: "Read as date",
    email: "Check email",
    phone: "Phone number (E.164)",
    country: "Country code",
    regexExtract: "Extract with a pattern",
    regexReplace: "Replace with a pattern",
    truncate: "Cut to a length",
  },
  paramNames: {
    part: "Which part",
    separator: "Between items",
    value: "Value",
    table: "Table (JSON: from → to)",
    default: "Otherwise",
    caseSensitive: "Match case",
    dayFirst: "Day before month (31/12)",
    country: "Country",
    pattern: "Pattern",
    group: "Group",
    replacement: "Replace with",
    length: "Characters",
  },

  // conditions
  when: "Only when",
  always: "always",
  addCondition: "Add a condition",
  removeCondition: "Remove the condition",
  condPath: "Event field",
  condOp: "Test",
  condValue: "Value",
  condComplex: "This condition mixes a test with a combination; edit it in the JSON view.",
  condCombine: "Combine",
  combine: { one: "one test", all: "all of these tests hold", any: "any of these tests holds" },
  condTestName: (i) => `Test ${i + 1}`,
  addTest: "Add a test",
  removeTest: (i) => `Remove test ${i + 1}`,
  condNone: "no test yet",
  ops: {
    equals: "is",
    in: "is one of (comma separated)",
    contains: "contains",
    startsWith: "starts with",
    endsWith: "ends with",
    matches: "matches pattern",
    blankFalse: "is filled in",
    blankTrue: "is empty",
    existsTrue: "is present",
    existsFalse: "is missing",
    gt: "is more than",
    gte: "is at least",
    lt: "is less than",
    lte: "is at most",
  },

  // tag rules
  tagsHeading: "Tag rules",
  tagRuleName: (i) => `Tag rule ${i + 1}`,
  tagsAdd: "Add tags (comma separated)",
  tagsRemove: "Remove tags (comma separated)",
  addTagRule: "Add a tag rule",
  removeTagRule: "Remove this tag rule",
  tagsTemplateHelp: "Use {field} to put a value in a tag, e.g. campaign: {campaign.name}",

  // scoring
  scoringHeading: "Lead scoring",
  scoringOn: "Score leads",
  scoringBase: "Start from (event field with the current score)",
  scoringMin: "Lowest score",
  scoringMax: "Highest score",
  scoringWriteTo: "Save the score to",
  scoringNowhere: "Do not save",
  scoreRuleName: (i) => `Score rule ${i + 1}`,
  points: "Points",
  per: "Once per item of",
  cap: "At most",
  addScoreRule: "Add a score rule",
  removeScoreRule: "Remove this score rule",
  thresholds: "Score tags",
  thresholdName: (i) => `Score tag ${i + 1}`,
  thresholdAt: "From score",
  thresholdTags: "Tags (comma separated)",
  addThreshold: "Add a score tag",
  removeThreshold: "Remove this score tag",

  // routes
  routesHeading: "Routes (rules for some events only)",
  routesHelp:
    "The first route whose condition holds adds its mappings and tag rules after the ones for all events.",
  routeName: "Route name",
  addRoute: "Add a route",
  removeRoute: "Remove this route",
  routeAddMapping: "Add a mapping to this route",
  routeScoringOn: "Score leads with this route's own rules (instead of the ones for all events)",
  routeScoringHeading: (id) => `Lead scoring of route “${id}”`,

  // card summaries (the line a closed card shows)
  summaryFrom: (to, from, steps) =>
    `${to} ← ${from}${steps.length > 0 ? ` (${steps.join(", ")})` : ""}`,
  summaryWhen: (words) => `only when ${words}`,
  summaryTags: (add, remove) =>
    [
      add.length > 0 ? `add ${add.join(", ")}` : "",
      remove.length > 0 ? `remove ${remove.join(", ")}` : "",
    ]
      .filter(Boolean)
      .join("; ") || "no tags yet",
  summaryPoints: (points, per, cap) =>
    `${typeof points === "number" && points > 0 ? "+" : ""}${points ?? "?"} points${per ? ` per item of ${per}` : ""}${cap !== undefined ? `, at most ${cap}` : ""}`,
  summaryScoring: (rules, thresholds, to) =>
    `${rules} rule${rules === 1 ? "" : "s"}, ${thresholds} score tag${thresholds === 1 ? "" : "s"}${to ? `, saved to ${to}` : ""}`,
  summaryScoringOff: "off",
  summaryRoute: (mappings, tagRules, scoring) =>
    [
      `${mappings} mapping${mappings === 1 ? "" : "s"}`,
      `${tagRules} tag rule${tagRules === 1 ? "" : "s"}`,
      scoring ? "its own lead scoring" : "",
    ]
      .filter(Boolean)
      .join(", "),
  summarySettings: (country, lower, max) =>
    [
      country ? `phone country ${country}` : "",
      lower ? "tags lower-cased" : "tags as written",
      max ? `tags up to ${max} characters` : "",
    ]
      .filter(Boolean)
      .join(", "),
  summaryProblem: (n) => `${n} problem${n === 1 ? "" : "s"}`,
  fired: "fired",
  notFired: "did not fire",

  // settings
  settingsHeading: "Settings",
  defaultCountry: "Country for phone numbers without a country code (e.g. US)",
  lowercaseTags: "Lower-case all tags (as HighLevel stores them)",
  maxTagLength: "Longest tag (characters)",

  // problems
  problemsHeading: (n) => `${n} problem${n === 1 ? "" : "s"} to fix before going live`,
  problemGo: "Show",
  places: {
    mapping: (i) => `Mapping ${i}`,
    tagRule: (i) => `Tag rule ${i}`,
    scoreRule: (i) => `Score rule ${i}`,
    threshold: (i) => `Score tag ${i}`,
    scoring: () => "Lead scoring",
    route: (i) => `Route ${i}`,
    routeMapping: (r, i) => `Route ${r}, mapping ${i}`,
    settings: () => "Settings",
    document: () => "Rules document",
  },
  noProblems: "No problems.",
  previewNone: "The preview appears once the problems marked in red are fixed.",
  previewStale:
    "The preview shows the last version without problems. Fix the problems marked in red.",

  // preview
  previewHeading: "Preview",
  whoUpdate: (name, key, value) =>
    `This event will update ${name || value} (matched by ${key === "email" ? "email" : "phone"}${name ? `: ${value}` : ""}), or create the contact if HighLevel has none.`,
  whoNone:
    "This event cannot be sent: the rules give neither an email nor a phone, so HighLevel cannot find or create the contact.",
  recordError: (msg) => `This event cannot be mapped: ${msg}`,
  ruleSet: (rs) => (rs === "default" ? "Rules used: all events" : `Rules used: route “${rs}”`),
  body: "Contact fields sent",
  bodyNone: "No contact fields.",
  bodyJson: "Request body (JSON)",
  tagsAdded: "Tags added",
  tagsRemoved: "Tags removed",
  noTags: "none",
  score: "Lead score",
  warnings: "Warnings",
  trace: "Why (which rules fired)",
  traceNone: "No rules yet.",
  traceRule: "Rule",
  traceKind: "Kind",
  traceFired: "Fired",
  traceWhy: "Why",
  traceValue: "Value",
  yes: "yes",
  no: "no",
  kinds: {
    route: "route",
    mapping: "mapping",
    tag: "tag rule",
    score: "score rule",
    threshold: "score tag",
  },
  batch: (ok, total, none, failed = 0) =>
    `Of ${total} recent event${total === 1 ? "" : "s"}, ${ok} would reach a contact${none > 0 ? `; ${none} give neither an email nor a phone` : ""}${failed > 0 ? `; ${failed} cannot be mapped` : ""}.`,

  // JSON view
  jsonLabel: "Rules document (JSON)",
  jsonBad: (why) => `Not valid JSON yet: ${why}. The visual editor keeps the last valid version.`,
  jsonProblemAt: (where) => (where === "" ? "whole document" : where),
};

const valueWords = (v) => (typeof v === "string" ? `“${v}”` : JSON.stringify(v));

/**
 * A condition in words for a card's summary line: `type is “wishpond.lead.created”`,
 * `all of (a is filled in; b is one of cpc, paid)`.
 */
export function conditionWords(c) {
  if (typeof c !== "object" || c === null || Array.isArray(c)) return S.condNone;
  const parts = [];
  for (const k of ["all", "any"]) {
    if (Array.isArray(c[k])) {
      const inner = c[k].map(conditionWords).join("; ");
      parts.push(`${k === "all" ? "all of" : "any of"} (${inner || S.condNone})`);
    }
  }
  if (c.not !== undefined) parts.push(`not (${conditionWords(c.not)})`);
  const path = typeof c.path === "string" ? c.path : "?";
  for (const [k, v] of Object.entries(c)) {
    if (["path", "caseSensitive", "all", "any", "not"].includes(k)) continue;
    let op;
    if (k === "blank") op = S.ops[v ? "blankTrue" : "blankFalse"];
    else if (k === "exists") op = S.ops[v ? "existsTrue" : "existsFalse"];
    else if (k === "in")
      op = `is one of ${Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ") : "?"}`;
    else op = `${(S.ops[k] ?? k).replace(/ \(.*\)$/, "")} ${valueWords(v)}`;
    parts.push(`${path} ${op}`);
  }
  return parts.join(" and ") || S.condNone;
}
