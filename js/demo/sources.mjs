// The real sources in `make demo`: a Wishpond lead polled from the (emulated) API and
// one captured from a page, a Qwilr page accepted -> webhook -> page read -> contact
// and tags in GHL, the GHL emulator's signed ContactTagUpdate verified and diffed, and a
// forged, a stale and a replayed webhook refused, each with its reason.
// Used by `make demo` through `runSourcesDemo({client, emu, log, locationId})`.
//
// Every GHL write goes through the flows: each intake event becomes a flow event
// (`toFlowEvent`), the flows plan it with the rules presets (the plan is printed) and
// run it against the GHL emulator; scores add up across sources (read from the contact,
// a replay adds nothing). The GHL tag change is answered by a plan delivered through
// the durable outbox.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  createCaptureIntake,
  createFlows,
  createGhlWebhookReceiver,
  createOutbox,
  createQwilrIntake,
  createWishpondPoller,
  memoryStorage,
  toFlowEvent,
} from "../../pkg/entries/node.js";
import { DEMO_TOKEN } from "../emulator/index.mjs";
import { startQwilrEmulator } from "../emulator/qwilr/index.mjs";
import { startWishpondEmulator } from "../emulator/wishpond/index.mjs";

/** A loopback HTTP endpoint whose handler gets (req, bytes) and answers {status, body}. */
async function endpoint(handler) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const { status, body } = await handler(req, Buffer.concat(chunks));
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const root = new URL("../../", import.meta.url);
const json = (p) => JSON.parse(readFileSync(new URL(p, root), "utf8"));

/** What the host's `ghl` rules do when GHL reports a tag change: an accepted proposal makes a customer. */
const GHL_RULES = {
  version: 1,
  name: "GHL tag changes",
  tagRules: [
    {
      id: "accepted-is-customer",
      when: { path: "added", contains: "proposal-accepted" },
      add: ["customer"],
    },
  ],
};

const refusal = (e) => ({
  status: e.details?.status ?? 500,
  body: { code: e.code, message: e.message },
});

export async function runSourcesDemo({ client, emu, log, locationId, scopes }) {
  const failures = [];
  const contacts = [];
  const wishpond = await startWishpondEmulator();
  const qwilr = await startQwilrEmulator();
  const ghlStore = memoryStorage();
  const ghlHooks = createGhlWebhookReceiver({
    config: emu.webhooks.publicKeys,
    storage: ghlStore,
  });

  const ghlEvents = [];
  const ghlEndpoint = await endpoint(async (req, bytes) => {
    try {
      const out = await ghlHooks.receive(req.headers, bytes);
      ghlEvents.push(out);
      return { status: 200, body: out };
    } catch (e) {
      return refusal(e);
    }
  });
  const { customFields } = await client.customFields();
  const flows = createFlows({
    client,
    locationId,
    scopes,
    rules: {
      wishpond: json("src/rules/presets/wishpond-lead.json"),
      qwilr: json("src/rules/presets/qwilr-events.json"),
      ghl: GHL_RULES,
    },
    config: { allowCreateLocationTags: true },
    compile: { customFields },
  });
  const scoreOf = (id) =>
    client.getContact(id).then(({ contact }) => {
      const field = customFields.find((f) => f.fieldKey === "contact.lead_score");
      return contact.customFields?.find((f) => f.id === field?.id)?.value ?? 0;
    });
  /** An intake event through the flows: the plan, the requests, the result. */
  const runFlow = async (sourceEvent) => {
    const event = toFlowEvent(sourceEvent);
    const before = emu.log.length;
    const r = await flows.run(event);
    const sent = emu.log.slice(before).map((e) => `${e.method} ${e.path} ${e.status}`);
    log(
      `  -> flows: ${event.type} (${r.stages.length} stage(s)): ${sent.join("; ") || "nothing to send"}`,
    );
    for (const st of r.stages)
      for (const step of st.flowPlan.plan.steps)
        log(`       stage ${st.flowPlan.stage} ${step.id}: ${step.operation}: ${step.why}`);
    if (r.failed) {
      log(`     FAILED at ${r.failed.step}: ${r.failed.error.code}: ${r.failed.error.message}`);
      failures.push({ event: event.id, step: r.failed.step, code: r.failed.error.code });
      return r;
    }
    const res = r.outcome.result;
    if (res.kind === "contact") {
      if (!contacts.includes(res.contactId)) contacts.push(res.contactId);
      log(
        `     contact ${res.contactId}: score ${res.previousScore ?? 0} -> ${res.score}${res.scoreAlreadyApplied ? " (already applied: nothing added)" : ""}, tags added [${res.tagsAdded.join(", ")}], removed [${res.tagsRemoved.join(", ")}]`,
      );
    } else if (r.duplicate) log("     duplicate: this event id ran already, nothing sent");
    return r;
  };
  try {
    log(
      "\n== Sources: Wishpond leads polled from the API (emulator; X-Api-Token, paged, within the call budget)",
    );
    log(`  Wishpond emulator on ${wishpond.url}`);
    const poller = createWishpondPoller({
      apiKey: wishpond.apiKey,
      config: { baseUrl: wishpond.url, perPage: 2 },
    });
    const polled = await poller.poll();
    log(`  poll 1: ${polled.calls} request(s), ${polled.events.length} event(s)`);
    for (const e of polled.events)
      log(
        `    ${e.type} lead ${e.lead.id} <${e.lead.email}> first_name=${e.lead.dynamic_attributes.first_name}`,
      );
    for (const e of polled.events) await runFlow(e);
    const first = polled.events[0];
    const c1 = { id: contacts[0] };
    log(`  ${first.lead.email} now scores ${await scoreOf(c1.id)} in GHL`);
    wishpond.updateLead(102, { lead_score: 40 });
    const again = await poller.poll();
    log(
      `  poll 2 (one lead changed): ${again.events.map((e) => `${e.type} ${e.lead.email}`).join(", ") || "nothing"}; cursor holds ${Object.keys(again.cursor.known).length} lead(s)`,
    );
    for (const e of again.events) await runFlow(e);

    log(
      "\n== Sources: a Wishpond page capture (the body ghl-bridge/capture posts; no token on the page)",
    );
    const site = "https://acme.wishpond.example";
    const capture = createCaptureIntake({
      config: { sites: [{ siteKey: "pk_demo_site", allowedOrigins: [site] }] },
    });
    const captured = {
      v: 1,
      siteKey: "pk_demo_site",
      id: randomBytes(16).toString("hex"),
      fields: [
        { name: "email", label: "Email", value: "linus@example.com" },
        { name: "first_name", label: "First name", value: "Linus" },
      ],
      page: {
        url: `${site}/spring-webinar?utm_source=facebook`,
        referrer: "https://www.facebook.com/",
        title: "Spring webinar",
      },
      utm: { utm_source: "facebook" },
    };
    const cap = capture.receive(site, JSON.stringify(captured));
    log(
      `  ${cap.outcome}: ${cap.event.type} (arrived ${cap.event.arrived}) <${cap.event.lead.email}> utm_source=${cap.event.utm.utm_source}`,
    );
    await runFlow(cap.event);
    try {
      capture.receive("https://evil.example", JSON.stringify({ ...captured, id: "x1" }));
    } catch (e) {
      log(
        `  the same body from another origin: refused ${e.code} (HTTP ${e.details.status}): ${e.message}`,
      );
    }

    log("\n== Sources: Qwilr page accepted -> webhook -> page read -> contact and tags in GHL");
    const secret = randomBytes(16).toString("hex");
    const qwilrEvents = [];
    const intake = createQwilrIntake({
      secret,
      token: qwilr.token,
      config: { baseUrl: qwilr.url },
    });
    const qEndpoint = await endpoint(async (req, bytes) => {
      try {
        const out = await intake.receive(req.url.split("/").pop(), bytes);
        if (out.outcome === "accepted") {
          const ev = out.event;
          log(
            `  ${ev.type}: page "${ev.page.name}" accepted by ${ev.acceptance?.name} <${ev.acceptance?.email}> for ${ev.acceptance?.total}; contact by ${ev.contact.by}${ev.contact.from ? ` (${ev.contact.from})` : ""}`,
          );
          qwilrEvents.push(ev);
          await runFlow(ev);
        }
        return { status: 200, body: out };
      } catch (e) {
        return refusal(e);
      }
    });
    emu.webhooks.subscribe(`${ghlEndpoint.url}/ghl`);
    // The receiver diffs GHL's whole tag lists against the last one it knows: seed it
    // with the contact's tags as GHL has them now.
    await ghlHooks.rememberTags(
      c1.id,
      (await client.getContact(c1.id)).contact.tags,
      Date.now() - 1000,
    );
    await intake.subscribe("pageAccepted", `${qEndpoint.url}/qwilr/${secret}`);
    log(
      `  Qwilr emulator on ${qwilr.url}; subscriptions: ${(await intake.subscriptions()).map((s) => s.event).join(", ")}`,
    );
    const page = qwilr.pages[0];
    const [delivery] = await qwilr.accept(page.id, {
      name: "Ada Lovelace",
      email: "ada@example.com",
      total: 4200,
    });
    log(
      `  Qwilr posted ${delivery.event} {idempotencyKey: ${delivery.idempotencyKey.slice(0, 12)}..., page: {id: ${page.id}}}: answered ${delivery.status}`,
    );
    log(
      `  Qwilr API requests: ${qwilr.log.map((e) => `${e.method} ${e.path} ${e.status}`).join("; ")}`,
    );
    const [dup] = await qwilr.fire("pageAccepted", page.id, {
      idempotencyKey: delivery.idempotencyKey,
    });
    log(`  the same delivery again: ${dup.body.outcome} (no second page read)`);
    const [skipped] = await qwilr.accept(qwilr.pages[2].id, { name: "Nobody", email: "" });
    log(`  a page that names nobody: ${skipped.body.outcome}: ${skipped.body.reason}`);
    log(
      `  ${qwilrEvents[0]?.contact ? "ada@example.com" : "?"} now scores ${await scoreOf(c1.id)} in GHL (the Wishpond lead's points plus the acceptance's)`,
    );
    log("  the accepted event replayed into a restarted host (fresh flows, nothing remembered):");
    const restarted = createFlows({
      client,
      locationId,
      scopes,
      rules: { qwilr: json("src/rules/presets/qwilr-events.json") },
      config: { allowCreateLocationTags: true },
      compile: { customFields },
    });
    if (qwilrEvents[0]) {
      const before = await scoreOf(c1.id);
      const again = await restarted.run(toFlowEvent(qwilrEvents[0]));
      const after = await scoreOf(c1.id);
      log(
        `  -> score ${before} -> ${after}: ${again.outcome?.result.scoreAlreadyApplied ? "the contact's score ledger holds this event, nothing added" : "ADDED AGAIN"}`,
      );
      if (after !== before || !again.outcome?.result.scoreAlreadyApplied)
        failures.push({ event: qwilrEvents[0].id, step: "replay", code: "SCORE_ADDED_TWICE" });
    } else failures.push({ event: "pageAccepted", step: "receive", code: "NOT_RECEIVED" });

    log(
      "\n== Sources: GHL's signed ContactTagUpdate, verified (Ed25519 over the bytes) and diffed",
    );
    await emu.webhooks.settled();
    for (const out of ghlEvents) {
      if (out.outcome !== "accepted") continue;
      const ev = out.event;
      const t = ev.tagChange;
      log(
        `  ${ev.kind} ${ev.contact.id}${t ? `: added [${t.added.join(", ")}], removed [${t.removed.join(", ")}]${t.previousKnown ? "" : " (no earlier list known)"}` : ""}`,
      );
    }
    const tagUpdates = ghlEvents.filter(
      (o) => o.outcome === "accepted" && o.event.kind === "ContactTagUpdate",
    );
    if (tagUpdates.length === 0)
      failures.push({ event: "ContactTagUpdate", step: "receive", code: "NOT_RECEIVED" });
    // The tag change through the flows: the `ghl` rules answer it with a plan that the
    // durable outbox delivers.
    const accepted = tagUpdates.find((o) => o.event.tagChange?.added.includes("proposal-accepted"));
    if (accepted) {
      const event = toFlowEvent(accepted.event);
      const { plan, finish } = flows.plan(event);
      log(
        `  -> flows: ${event.type} for ${accepted.event.contact.id}: ${plan.steps.map((st) => `${st.id} ${JSON.stringify(st.params.body)}`).join("; ") || "nothing to send"}`,
      );
      const outbox = await createOutbox({
        token: DEMO_TOKEN,
        locationId,
        scopes,
        baseUrl: emu.url,
        storage: memoryStorage(),
      });
      await outbox.accept(plan);
      await outbox.idle();
      const c = finish.result;
      log(
        `     outbox delivered it (${JSON.stringify(outbox.counts())}); GHL added [${c.added.join(", ")}], the rules added [${c.tagsAdded.join(", ")}]`,
      );
      await outbox.close();
      const { contact } = await client.getContact(accepted.event.contact.id);
      if (!contact.tags.includes("customer"))
        failures.push({ event: event.id, step: "outbox", code: "TAG_NOT_ADDED" });
    } else failures.push({ event: "ContactTagUpdate", step: "diff", code: "NO_PROPOSAL_ACCEPTED" });
    // The known lists live in the receiver's storage: a restarted receiver diffs against them.
    await emu.webhooks.settled();
    const rebooted = createGhlWebhookReceiver({
      config: emu.webhooks.publicKeys,
      storage: ghlStore,
    });
    const rebootedEndpoint = await endpoint(async (req, bytes) => {
      try {
        return { status: 200, body: await rebooted.receive(req.headers, bytes) };
      } catch (e) {
        return refusal(e);
      }
    });
    const { body: r2 } = await emu.webhooks.send(
      `${rebootedEndpoint.url}/ghl`,
      "ContactTagUpdate",
      {
        id: c1.id,
        email: "ada@example.com",
        tags: [...(await client.getContact(c1.id)).contact.tags, "vip"],
      },
    );
    rebootedEndpoint.close();
    log(
      `  a restarted receiver (same storage) diffs the next ContactTagUpdate: added [${r2.event?.tagChange?.added.join(", ")}], removed [${r2.event?.tagChange?.removed.join(", ")}] (not every tag "added")`,
    );
    if (r2.event?.tagChange?.added.join() !== "vip")
      failures.push({ event: "ContactTagUpdate", step: "restart", code: "KNOWN_TAGS_LOST" });

    log("\n== Sources: webhooks refused, each with its reason");
    const fields = { id: c1.id, email: "ada@example.com", tags: ["vip"] };
    const cases = [
      [
        "forged (body altered after signing)",
        await emu.webhooks.send(`${ghlEndpoint.url}/ghl`, "ContactTagUpdate", fields, {
          forge: true,
        }),
      ],
      [
        "stale (signed 10 minutes ago)",
        await emu.webhooks.send(`${ghlEndpoint.url}/ghl`, "ContactTagUpdate", fields, {
          timestampMs: Date.now() - 600_000,
        }),
      ],
      [
        "unsigned (N/A)",
        await emu.webhooks.send(`${ghlEndpoint.url}/ghl`, "ContactTagUpdate", fields, {
          unsigned: true,
        }),
      ],
    ];
    const original = await emu.webhooks.send(`${ghlEndpoint.url}/ghl`, "ContactTagUpdate", fields, {
      webhookId: "wh-demo-replay",
    });
    cases.push([
      "replayed (same webhookId again)",
      await emu.webhooks.send(`${ghlEndpoint.url}/ghl`, "ContactTagUpdate", fields, {
        webhookId: "wh-demo-replay",
      }),
    ]);
    log(`  first delivery of wh-demo-replay: ${original.status} ${original.body.outcome}`);
    for (const [what, r] of cases) {
      const why = r.body.code
        ? `${r.body.code}: ${r.body.message}`
        : `${r.body.outcome} (acknowledged, not processed again)`;
      log(`  ${what}: HTTP ${r.status} ${why}`);
    }
    const expected = [401, 400, 401, 200];
    cases.forEach(([what, r], i) => {
      if (r.status !== expected[i])
        failures.push({ event: what, step: "refuse", code: `HTTP_${r.status}` });
    });
    log(
      `  intake log: ${ghlHooks
        .log()
        .map((e) => e.outcome)
        .join(", ")}`,
    );
    qEndpoint.close();
  } finally {
    ghlEndpoint.close();
    await wishpond.stop();
    await qwilr.stop();
  }
  return { failures, contacts };
}
