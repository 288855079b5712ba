// `make demo`: real sample events from Wishpond and Qwilr through the Wasm package into
// a local GHL emulator (a real HTTP server on 127.0.0.1), with a readable report: each
// plan before it runs, each request sent and GHL's answer, the statistics and tag
// reports, and the final state read back. Exits non-zero on any failure.
import { readFileSync } from "node:fs";
import { startEmulator, DEMO_TOKEN, DEMO_LOCATION_ID, ALL_SCOPES } from "../emulator/index.mjs";
import { createClient, version } from "../../pkg/entries/node.js";
import { runFlowsDemo } from "./flows.mjs";
import { runSourcesDemo } from "./sources.mjs";

const pkg = JSON.parse(readFileSync(new URL("../../pkg/package.json", import.meta.url), "utf8"));
const log = (line = "") => console.log(line);

const emu = await startEmulator({ seed: 1 });
let failed = false;
try {
  log(`ghl-bridge ${pkg.version} (core ${version()}) demo`);
  log(
    `GHL emulator on ${emu.url}, location ${DEMO_LOCATION_ID}, token "demo" (all scopes; the token itself is never printed)`,
  );
  const client = createClient({
    token: DEMO_TOKEN,
    locationId: DEMO_LOCATION_ID,
    scopes: [...ALL_SCOPES],
    baseUrl: emu.url,
  });

  const { failures, contacts } = await runFlowsDemo({
    client,
    emu,
    log,
    locationId: DEMO_LOCATION_ID,
    scopes: [...ALL_SCOPES],
  });
  const sources = await runSourcesDemo({
    client,
    emu,
    log,
    locationId: DEMO_LOCATION_ID,
    scopes: [...ALL_SCOPES],
  });
  failures.push(...sources.failures);
  for (const id of sources.contacts) if (!contacts.includes(id)) contacts.push(id);

  log("\n== Every request GHL received");
  for (const e of emu.log) {
    const what = e.status >= 400 ? `  <-- ${e.status}` : "";
    log(
      `  ${String(e.status).padEnd(4)}${e.method.padEnd(7)}${e.path}${e.query && Object.keys(e.query).length ? `?${new URLSearchParams(e.query)}` : ""}  (${e.operation})${what}`,
    );
  }

  log("\n== Final state, read back from GHL");
  for (const id of contacts) {
    const { contact } = await client.getContact(id);
    const fields = await client.customFields();
    const name = new Map(fields.customFields.map((f) => [f.id, f.fieldKey]));
    log(
      `  contact ${contact.id}: ${[contact.firstName, contact.lastName].filter(Boolean).join(" ")} <${contact.email}> ${contact.phone ?? ""}`,
    );
    log(
      `    city ${contact.city ?? "-"}, country ${contact.country ?? "-"}, source ${contact.source ?? "-"}`,
    );
    log(`    tags: ${[...(contact.tags ?? [])].sort().join(", ")}`);
    for (const cf of contact.customFields ?? [])
      log(`    ${name.get(cf.id) ?? cf.id} = ${JSON.stringify(cf.value)}`);
  }
  const errors = emu.log.filter((e) => e.status >= 400);
  log(
    `\n== Summary: ${emu.log.length} request(s) to GHL, ${errors.length} error answer(s), ${failures.length} failed flow(s)`,
  );
  if (failures.length > 0 || errors.length > 0 || contacts.length === 0) {
    failed = true;
    for (const f of failures) log(`  FAILED: event ${f.event} at step ${f.step}: ${f.code}`);
  }
} catch (e) {
  failed = true;
  console.error(`demo failed: ${e.code ?? ""} ${e.message}`);
} finally {
  await emu.stop();
}
process.exit(failed ? 1 : 0);
