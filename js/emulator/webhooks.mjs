// Signed GHL webhooks from the emulator, with test keys generated at start (they
// prove nothing anywhere else). `X-GHL-Signature` is Ed25519 over the exact body bytes,
// the legacy `X-WH-Signature` RSA-SHA256 (PKCS#1 v1.5); both base64, as HighLevel sends.
//
// Use: `emu.webhooks.publicKeys` (SPKI PEMs to configure a receiver with),
// `emu.webhooks.build(type, fields, options)` -> {headers, body} (nothing sent),
// `emu.webhooks.send(url, type, fields, options)` -> the receiver's {status, body},
// `emu.webhooks.subscribe(url)`: from then on the emulator itself POSTs
// ContactCreate / ContactTagUpdate when the API creates a contact or changes its tags
// (`emu.webhooks.deliveries` lists them with the answers; `settled()` awaits them).
//
// Options of build/send: `legacy` (only X-WH-Signature), `unsigned` (header `N/A`),
// `forge` (the body is altered after signing), `wrap` (fields under `data`, as the
// guide's test payload), `timestampMs`, `webhookId`, `locationId`.

import { generateKeyPairSync, randomUUID, sign } from "node:crypto";

export function createWebhookSender({ clock = Date.now } = {}) {
  const ed = generateKeyPairSync("ed25519");
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicKeys = {
    ed25519PublicKeyPem: ed.publicKey.export({ type: "spki", format: "pem" }),
    rsaPublicKeyPem: rsa.publicKey.export({ type: "spki", format: "pem" }),
  };
  const deliveries = [];
  const pending = new Set();
  let target = null;

  function build(type, fields = {}, options = {}) {
    const envelope = {
      type,
      webhookId: options.webhookId ?? randomUUID(),
      timestamp: new Date(options.timestampMs ?? clock()).toISOString(),
    };
    if (options.locationId) envelope.locationId = options.locationId;
    const doc = options.wrap ? { ...envelope, data: fields } : { ...envelope, ...fields };
    const bytes = Buffer.from(JSON.stringify(doc), "utf8");
    const headers = { "content-type": "application/json" };
    if (options.unsigned) {
      headers["x-ghl-signature"] = "N/A";
      headers["x-wh-signature"] = "N/A";
    } else {
      if (!options.legacy)
        headers["x-ghl-signature"] = sign(null, bytes, ed.privateKey).toString("base64");
      headers["x-wh-signature"] = sign("sha256", bytes, rsa.privateKey).toString("base64");
    }
    // A forgery keeps the signature of the original and changes what it covers.
    const body = options.forge
      ? Buffer.from(bytes.toString("utf8").replace(/}$/, ',"forged":true}'))
      : bytes;
    return { headers, body, webhookId: envelope.webhookId };
  }

  async function send(url, type, fields, options = {}) {
    const { headers, body, webhookId } = build(type, fields, options);
    const res = await fetch(url, { method: "POST", headers, body });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const record = { type, webhookId, url, status: res.status, body: parsed };
    deliveries.push(record);
    return record;
  }

  /** Before a request: the location's contacts' tags (null when nobody listens). */
  function before(loc) {
    return target
      ? new Map(loc.contacts.map((c) => [c.id, JSON.stringify([...(c.tags ?? [])].sort())]))
      : null;
  }

  /** After a handled request: ContactCreate for new contacts, ContactTagUpdate for changed tags. */
  function after(snapshot, loc, locationId) {
    if (!snapshot || !target) return;
    for (const c of loc.contacts) {
      const was = snapshot.get(c.id);
      const type =
        was === undefined
          ? "ContactCreate"
          : was !== JSON.stringify([...(c.tags ?? [])].sort())
            ? "ContactTagUpdate"
            : null;
      if (!type) continue;
      const fields = {
        id: c.id,
        email: c.email,
        phone: c.phone,
        firstName: c.firstName,
        lastName: c.lastName,
        tags: [...(c.tags ?? [])],
      };
      const p = send(target, type, fields, { locationId }).catch((e) => {
        deliveries.push({ type, url: target, status: 0, error: String(e) });
      });
      pending.add(p);
      p.finally(() => pending.delete(p));
    }
  }

  return {
    publicKeys,
    build,
    send,
    deliveries,
    subscribe(url) {
      target = url;
    },
    before,
    after,
    settled: () => Promise.all([...pending]),
  };
}
