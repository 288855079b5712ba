// Every seed flow on its sample event, plan-then-execute: each plan is printed (step,
// operation, method and URL, why), then executed against the emulator; then a summary
// of the responses, the statistics report (Markdown) and the tag validation report.
// Used by `make demo` through `runFlowsDemo({client, emu, log})`.
import { readFileSync } from "node:fs";
import { createFlows } from "../../pkg/entries/node.js";

const root = new URL("../../", import.meta.url);
const json = (p) => JSON.parse(readFileSync(new URL(p, root), "utf8"));

/** A normalised source event (a fixture) as its flow event: type, id, payload. */
function sourceEvent(path, changes = {}) {
  const payload = { ...json(`tests/fixtures/${path}`), ...changes };
  return { type: payload.type, id: payload.id, payload };
}

/** The sample events, with tag ids taken from the emulator's seeded social tags. */
export function sampleEvents(emu, locationId) {
  const tags = emu.state.locations[locationId]?.socialTags ?? [];
  const live = tags.filter((t) => !t.deleted);
  const deleted = tags.find((t) => t.deleted);
  const wpTag = json("tests/fixtures/flows/wishpond-tag-updated.json");
  if (live[0]) {
    wpTag.payload.tag = { name: ` ${live[0].tag.toUpperCase()} ` };
    wpTag.payload.records[0].tags = [live[0].tag, live[1]?._id ?? "x"];
  }
  const post = json("tests/fixtures/flows/qwilr-social-post-location-updated.json");
  post.payload.post.tags = [live[2]?._id, deleted?._id, "unknownTagId00000001"].filter(Boolean);
  const details = json("tests/fixtures/flows/qwilr-tag-details-updated.json");
  details.payload.tagIds = [live[3]?._id ?? "t"];
  const stats = json("tests/fixtures/flows/statistics-requested.json");
  const today = Date.now();
  stats.payload.hostMetrics = [
    { metric: "leads", source: "wishpond", value: 14, timestampMs: today },
    { metric: "acceptances", source: "qwilr", value: 3, timestampMs: today },
  ];
  const check = json("tests/fixtures/flows/tags-validation-requested.json");
  if (deleted) check.payload.references.push({ value: deleted.tag, source: "rule:old-campaign" });
  return [
    {
      title: "1. Wishpond lead polled from the API (fields in dynamic_attributes)",
      event: sourceEvent("wishpond/lead-created.json"),
    },
    {
      title: "1b. The same lead updated (no new points: its score stays)",
      event: sourceEvent("wishpond/lead-created.json", {
        type: "wishpond.lead.updated",
        id: "wishpond:48211907:0b2c4d6e8f1a3c5e",
      }),
    },
    {
      title: "1c. Qwilr page viewed (same person, by the email in the page's metadata)",
      event: sourceEvent("qwilr/page-viewed.json"),
    },
    {
      title:
        "1d. Qwilr page accepted, by the GHL contact id in its metadata (adds to the score the Wishpond lead earned)",
      event: sourceEvent("qwilr/page-accepted.json"),
    },
    { title: "2. Wishpond tag updated", event: wpTag },
    { title: "3. Qwilr social-post location updated", event: post },
    { title: "4. Qwilr tag details updated", event: details },
    { title: "5. Statistics on demand (dashboard)", event: stats },
    {
      title: "5b. Statistics on the weekly schedule (profiles cached)",
      event: { type: "statistics.requested", id: "evt_stats_02", payload: { trigger: "schedule" } },
    },
    { title: "6. Tag validation on demand", event: check },
  ];
}

function describeStep(s) {
  const deps = s.dependsOn.length ? ` (after ${s.dependsOn.join(", ")})` : "";
  const skip = s.skipWhenEmpty ? ` [skipped when ${s.skipWhenEmpty} is empty]` : "";
  return `    ${s.step}: ${s.operation}  ${s.method} ${s.url}${deps}${skip}\n      why: ${s.why}`;
}

function summary(result) {
  switch (result.kind) {
    case "contact":
      return `contact ${result.contactId} (${result.created ? "created" : "updated"}), rule set ${result.ruleSet}, score ${result.previousScore !== undefined ? `${result.previousScore} -> ` : ""}${result.score ?? "-"}${result.scoreAlreadyApplied ? " (this event's points were already applied)" : ""}, added [${result.tagsAdded.join(", ")}], removed [${result.tagsRemoved.join(", ")}]${result.droppedTags.length ? `, not added (location lacks them): [${result.droppedTags.join(", ")}]` : ""}`;
    case "enriched":
      return `${result.report.records} record(s), ${result.report.attached} tag detail(s) attached, unknown: [${result.report.unknown.map((u) => u.value).join(", ")}]${result.subject ? `; subject tag: ${result.subject.status}` : ""}`;
    case "tagsRefreshed":
      return `catalog refreshed (${result.catalogSize} tags); changed: ${result.tags.map((t) => `${t.id} "${t.name}"`).join(", ")}${result.notFound.length ? `; not found: ${result.notFound.join(", ")}` : ""}`;
    case "statistics":
      return `${result.series.points.length} points, ${result.series.totals.length} weekly totals for profiles [${result.profileIds.join(", ")}]`;
    case "contactTags":
      return `contact ${result.contactId}: GHL added [${result.added.join(", ")}], removed [${result.removed.join(", ")}]; the rules added [${result.tagsAdded.join(", ")}], removed [${result.tagsRemoved.join(", ")}]`;
    case "app":
      return `app ${result.installed ? "installed in" : "uninstalled from"} location ${result.locationId ?? "-"} (company ${result.companyId ?? "-"})`;
    case "tagReport":
      return `${result.report.findings.length} finding(s) over ${result.report.tagsChecked} tags`;
    default:
      return result.kind;
  }
}

/**
 * Runs every flow on its sample event: plan (dry run), execute, summarise. Resolves to
 * `{reports, failures, contacts}` (the ids of the contacts the flows wrote).
 */
export async function runFlowsDemo({ client, emu, log = console.log, locationId, scopes }) {
  const location = locationId ?? Object.keys(emu.state.locations)[0];
  // Custom fields are written by id (GHL's contract): read the location's fields once so
  // the rules' field keys (e.g. `contact.utm_source`) compile to ids.
  const { customFields } = await client.customFields();
  log(
    `\n== Setup: ${customFields.length} contact custom fields read once; the rules' field keys compile to their ids`,
  );
  const flows = createFlows({
    client,
    locationId: location,
    scopes: scopes ?? emu.config().tokens?.[0]?.scopes ?? [],
    rules: {
      wishpond: json("src/rules/presets/wishpond-lead.json"),
      qwilr: json("src/rules/presets/qwilr-events.json"),
    },
    config: { allowCreateLocationTags: true },
    compile: { customFields },
  });
  const reports = {};
  const failures = [];
  const contacts = new Set();
  for (const { title, event } of sampleEvents(emu, location)) {
    // A page's creator stores the GHL contact id in its metadata: here, the contact the
    // Wishpond lead became (the id wins over the page's email: written by id).
    const by = event.payload.contact;
    if (by?.by === "contactId" && contacts.size) {
      by.contactId = [...contacts][0];
      event.payload.page.metadata.ghlContactId = by.contactId;
    }
    log(`\n== ${title}  (${event.type}, id ${event.id})`);
    const dry = await flows.run(event, { dryRun: true });
    log(
      dry.requests.length
        ? `  plan (${dry.requests.length} request(s) in the first stage):`
        : "  plan: no request needed (everything is cached)",
    );
    for (const s of dry.requests) log(describeStep(s));
    for (const t of dry.flowPlan.then) log(`    then: ${t}`);
    for (const w of dry.flowPlan.warnings) log(`    warning: ${w}`);
    const before = emu.log.length;
    const run = await flows.run(event);
    const sent = emu.log.slice(before).map((e) => `${e.method} ${e.path} -> ${e.status}`);
    log(`  executed: ${sent.length} request(s)${sent.length ? `: ${sent.join("; ")}` : ""}`);
    if (run.skipped.length) log(`  skipped: ${run.skipped.join(", ")}`);
    if (run.failed) {
      log(`  FAILED at ${run.failed.step}: ${run.failed.error.code}: ${run.failed.error.message}`);
      log(`  done: [${run.done.join(", ")}], not run: [${run.notRun.join(", ")}]`);
      failures.push({ event: event.id, step: run.failed.step, code: run.failed.error.code });
      continue;
    }
    log(`  result: ${summary(run.outcome.result)}`);
    reports[run.outcome.result.kind] = run.outcome.result;
    if (run.outcome.result.kind === "contact") contacts.add(run.outcome.result.contactId);
  }
  if (reports.statistics)
    log(`\n== Weekly statistics report (Markdown)\n\n${reports.statistics.markdown}`);
  if (reports.tagReport) log(`\n== Tag validation report\n\n${reports.tagReport.markdown}`);
  return { reports, failures, contacts: [...contacts] };
}

// `node js/demo/flows.mjs`: standalone, against a fresh emulator.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { startEmulator, DEMO_TOKEN, DEMO_LOCATION_ID, ALL_SCOPES } = await import(
    "../emulator/index.mjs"
  );
  const { createClient } = await import("../../pkg/entries/node.js");
  const emu = await startEmulator({ seed: 1 });
  try {
    const client = createClient({
      token: DEMO_TOKEN,
      locationId: DEMO_LOCATION_ID,
      scopes: ALL_SCOPES,
      baseUrl: emu.url,
    });
    await runFlowsDemo({ client, emu, locationId: DEMO_LOCATION_ID, scopes: ALL_SCOPES });
  } finally {
    await emu.stop();
  }
}
