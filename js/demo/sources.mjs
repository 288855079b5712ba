// The real sources in `make demo`: a Wishpond lead polled from the (emulated) API and
// one captured from a page, a Qwilr page accepted -> webhook -> page read -> contact
// and tags in GHL, the GHL emulator's signed ContactTagUpdate verified and diffed, and a
// forged, a stale and a replayed webhook refused, each with its reason.
// Used by `make demo` through `runSourcesDemo({client, emu, log, locationId})`.
//
// The GHL writes here are plain client calls (upsert, add tags) on the normalised
// events: the rules presets are not yet rebuilt on these shapes.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import {
  createCaptureIntake,
  createGhlWebhookReceiver,
  createQwilrIntake,
  createWishpondPoller,
} from "../../pkg/entries/node.js";
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

const refusal = (e) => ({
  status: e.details?.status ?? 500,
  body: { code: e.code, message: e.message },
});

export async function runSourcesDemo({ client, emu, log, locationId }) {
  const failures = [];
  const contacts = [];
  const wishpond = await startWishpondEmulator();
  const qwilr = await startQwilrEmulator();
  const ghlHooks = createGhlWebhookReceiver({ config: emu.webhooks.publicKeys });
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
  const upsertLead = async (lead, tags) => {
    const a = lead.dynamic_attributes ?? {};
    const body = {
      locationId,
      email: lead.email,
      firstName: a.first_name,
      lastName: a.last_name,
      phone: a.phone_number,
    };
    const { contact } = await client
      .send("contacts.upsert-contact", {
        body: Object.fromEntries(Object.entries(body).filter(([, v]) => v)),
      })
      .then((r) => r.data);
    if (tags.length)
      await client.send("contacts.add-tags", { path: { contactId: contact.id }, body: { tags } });
    if (!contacts.includes(contact.id)) contacts.push(contact.id);
    return contact;
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
    const first = polled.events[0];
    const c1 = await upsertLead(first.lead, ["wishpond-lead"]);
    log(`  -> GHL contact ${c1.id} for ${first.lead.email}, tagged wishpond-lead`);
    wishpond.updateLead(102, { lead_score: 40 });
    const again = await poller.poll();
    log(
      `  poll 2 (one lead changed): ${again.events.map((e) => `${e.type} ${e.lead.email}`).join(", ") || "nothing"}; cursor holds ${Object.keys(again.cursor.known).length} lead(s)`,
    );

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
    const c2 = await upsertLead(cap.event.lead, ["wishpond-page"]);
    log(`  -> GHL contact ${c2.id}, tagged wishpond-page`);
    try {
      capture.receive("https://evil.example", JSON.stringify({ ...captured, id: "x1" }));
    } catch (e) {
      log(
        `  the same body from another origin: refused ${e.code} (HTTP ${e.details.status}): ${e.message}`,
      );
    }

    log("\n== Sources: Qwilr page accepted -> webhook -> page read -> contact and tags in GHL");
    const secret = randomBytes(16).toString("hex");
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
          const c = await upsertLead({ email: ev.contact.email, dynamic_attributes: {} }, [
            "qwilr-accepted",
          ]);
          log(
            `  -> ${ev.type}: page "${ev.page.name}" accepted by ${ev.acceptance?.name} for ${ev.acceptance?.total}; contact by ${ev.contact.from} -> GHL contact ${c.id}, tagged qwilr-accepted`,
          );
        }
        return { status: 200, body: out };
      } catch (e) {
        return refusal(e);
      }
    });
    emu.webhooks.subscribe(`${ghlEndpoint.url}/ghl`);
    ghlHooks.rememberTags(c1.id, ["wishpond-lead"], Date.now() - 1000);
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
