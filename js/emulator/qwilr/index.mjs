// A Qwilr API stand-in: a real HTTP server on loopback, Node built-ins only. It follows
// ../../../shared/sources/FACTS.md as far as facts go (base /v1, Bearer token, pages
// with `nextCursor` paging, `expand=acceptance,metadata`, webhook subscriptions, small
// unsigned webhook payloads); where Qwilr's shapes are unknown (the acceptance, the
// subscription list) it picks one and says so here.
//
//   const q = await startQwilrEmulator({ token: 'qwilr-emulator-token' });
//   q.url                       -> 'http://127.0.0.1:PORT/v1'
//   q.pages                     -> the seeded pages (live)
//   q.accept(pageId, {name, email, total}) -> POSTs pageAccepted to subscribers
//   q.view(pageId)              -> POSTs pageFirstViewed (first time) and pageViewed
//   q.configure({burst429, errorRate, failNext: {status, count}})
//   q.log                       -> every request (method, path, status; no token)
//   q.deliveries                -> every webhook POSTed, with the subscriber's answer
//   q.stop()
//
// Where FACTS leaves Qwilr unknown, the emulator's picks (all here, nowhere else):
// - acceptance = {acceptedBy: {name, email}, acceptedAt, total};
// - subscription list = {data: [{id, event, targetUrl}]}; a created one = {id, event, targetUrl};
// - the subscription body's URL: `targetUrl` (seen), `url` accepted too (others send it);
// - CORS: Qwilr's is unknown; every answer allows any origin and OPTIONS preflights
//   answer 204, so a console in a page (the direct backend) can be tested against it.

import { createServer } from "node:http";
import { createHash, randomBytes } from "node:crypto";

export const QWILR_EMULATOR_TOKEN = "qwilr-emulator-token";
const EVENTS = [
  "pageAccepted",
  "pagePartiallyAccepted",
  "pagePreviewAccepted",
  "pageViewed",
  "pageFirstViewed",
  "pageSetLive",
  "pageRevivedLive",
];

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept",
  "Access-Control-Max-Age": "600",
};

function hexId(seed, n) {
  return createHash("sha256").update(String(seed)).digest("hex").slice(0, n);
}

/** Seeded pages: metadata with a GHL contact id, with only an email, and with nothing. */
export function seedPages(seed = 1) {
  return [
    {
      id: hexId(`${seed}:p1`, 24),
      name: "Website redesign proposal",
      status: "live",
      tags: ["Web"],
      link: "https://pages.qwilr.example/p1",
      metadata: { ghlContactId: "", email: "ada@example.com" },
      acceptance: null,
      viewed: false,
    },
    {
      id: hexId(`${seed}:p2`, 24),
      name: "SEO retainer",
      status: "live",
      tags: ["SEO"],
      link: "https://pages.qwilr.example/p2",
      metadata: { email: "grace@example.com" },
      acceptance: null,
      viewed: false,
    },
    {
      id: hexId(`${seed}:p3`, 24),
      name: "Unlinked draft",
      status: "draft",
      tags: [],
      link: "https://pages.qwilr.example/p3",
      metadata: {},
      acceptance: null,
      viewed: false,
    },
  ];
}

export async function startQwilrEmulator(options = {}) {
  const token = options.token ?? QWILR_EMULATOR_TOKEN;
  const pages = options.pages ?? seedPages(options.seed ?? 1);
  const subscriptions = [];
  const log = [];
  const deliveries = [];
  let faults = { burst429: 0, errorRate: 0, failNext: null };
  let nextSub = 1;
  let faultCounter = 0;

  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...CORS, ...headers });
    res.end(body === undefined ? "" : JSON.stringify(body));
  };

  function pageView(p, expand) {
    const out = { id: p.id, name: p.name, status: p.status, tags: [...p.tags], link: p.link };
    if (expand.has("metadata")) out.metadata = structuredClone(p.metadata);
    if (expand.has("acceptance") && p.acceptance) out.acceptance = structuredClone(p.acceptance);
    return out;
  }

  function handle(req, res, body) {
    const url = new URL(req.url, "http://qwilr.local");
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS);
      return res.end();
    }
    const entry = { method: req.method, path: url.pathname + url.search, status: 0 };
    log.push(entry);
    const answer = (status, b, h) => {
      entry.status = status;
      json(res, status, b, h);
    };
    if (!url.pathname.startsWith("/v1/")) return answer(404, { message: "not found" });
    if (req.headers.authorization !== `Bearer ${token}`)
      return answer(401, { message: "Unauthorized" });
    if (faults.failNext && faults.failNext.count > 0) {
      faults.failNext.count -= 1;
      return answer(faults.failNext.status, { message: "injected fault" });
    }
    if (faults.burst429 > 0) {
      faults.burst429 -= 1;
      return answer(429, { message: "Too Many Requests" }, { "retry-after": "1" });
    }
    if (faults.errorRate > 0 && (faultCounter++ * 0.618034) % 1 < faults.errorRate)
      return answer(503, { message: "injected fault" });
    const parts = url.pathname.split("/").filter(Boolean).slice(1);
    if (req.method === "GET" && parts[0] === "users" && parts.length === 1) {
      return answer(200, { data: [{ id: "u1", email: "owner@example.com" }] });
    }
    if (req.method === "GET" && parts[0] === "pages" && parts.length === 1) {
      const status = url.searchParams.get("status");
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 2) || 2, 100);
      const cursor = Number(url.searchParams.get("cursor") ?? 0) || 0;
      const all = pages.filter((p) => !status || p.status === status);
      const slice = all.slice(cursor, cursor + limit);
      const next = cursor + limit < all.length ? String(cursor + limit) : null;
      return answer(200, { data: slice.map((p) => pageView(p, new Set())), nextCursor: next });
    }
    if (req.method === "GET" && parts[0] === "pages" && parts.length === 2) {
      const p = pages.find((x) => x.id === parts[1]);
      if (!p) return answer(404, { message: "Page not found" });
      const expand = new Set((url.searchParams.get("expand") ?? "").split(",").filter(Boolean));
      return answer(200, pageView(p, expand));
    }
    if (parts[0] === "webhooks") {
      if (req.method === "GET" && parts.length === 1)
        return answer(200, { data: structuredClone(subscriptions) });
      if (req.method === "POST" && parts.length === 1) {
        let b;
        try {
          b = JSON.parse(body);
        } catch {
          return answer(400, { message: "invalid JSON" });
        }
        const target = typeof b?.targetUrl === "string" ? b.targetUrl : b?.url;
        if (!EVENTS.includes(b?.event) || typeof target !== "string")
          return answer(400, { message: "event and targetUrl are required" });
        const sub = { id: `wh_${nextSub++}`, event: b.event, targetUrl: target };
        subscriptions.push(sub);
        return answer(201, sub);
      }
      if (req.method === "DELETE" && parts.length === 2) {
        const i = subscriptions.findIndex((s) => s.id === parts[1]);
        if (i < 0) return answer(404, { message: "Webhook not found" });
        subscriptions.splice(i, 1);
        return answer(204);
      }
    }
    return answer(404, { message: "not found" });
  }

  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise((ok) => server.listen(options.port ?? 0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${server.address().port}/v1`;

  /** POSTs `event` for a page to every subscriber of it; resolves to the deliveries. */
  async function fire(event, page, { idempotencyKey } = {}) {
    const out = [];
    for (const s of subscriptions.filter((x) => x.event === event)) {
      const payload = {
        event,
        idempotencyKey: idempotencyKey ?? randomBytes(32).toString("hex"),
        page: { id: page.id, metadata: structuredClone(page.metadata) },
      };
      const record = {
        event,
        pageId: page.id,
        targetUrl: s.targetUrl,
        idempotencyKey: payload.idempotencyKey,
        status: 0,
        body: null,
      };
      try {
        const r = await fetch(s.targetUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(payload),
        });
        record.status = r.status;
        const text = await r.text();
        try {
          record.body = JSON.parse(text);
        } catch {
          record.body = text;
        }
      } catch (e) {
        record.error = String(e);
      }
      deliveries.push(record);
      out.push(record);
    }
    return out;
  }

  const find = (id) => {
    const p = pages.find((x) => x.id === id);
    if (!p) throw new TypeError(`no page ${id}`);
    return p;
  };

  return {
    url: base,
    token,
    pages,
    subscriptions,
    log,
    deliveries,
    configure(partial) {
      faults = { ...faults, ...partial };
      return { ...faults };
    },
    fire: (event, pageId, opts) => fire(event, find(pageId), opts),
    async accept(
      pageId,
      {
        name = "Ada Lovelace",
        email = "ada@example.com",
        total = 0,
        at = new Date().toISOString(),
      } = {},
    ) {
      const p = find(pageId);
      p.status = "accepted";
      p.acceptance = { acceptedBy: { name, email }, acceptedAt: at, total };
      return fire("pageAccepted", p);
    },
    async view(pageId) {
      const p = find(pageId);
      const first = !p.viewed;
      p.viewed = true;
      return [...(first ? await fire("pageFirstViewed", p) : []), ...(await fire("pageViewed", p))];
    },
    stop: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
