// A Wishpond API stand-in: a real HTTP server on loopback, Node built-ins only. It
// follows ../../../shared/sources/FACTS.md (seen, not official): base /api/v1, header
// `X-Api-Token`, `GET /leads?page=&per_page=` -> {leads: [{id, email,
// dynamic_attributes}], meta: {total_pages}}, `GET /leads?email=`, `POST /leads`
// (a taken email -> {errors: {email: ["is already taken"]}}). Values are illustrative.
//
//   const w = await startWishpondEmulator({ apiKey: 'wishpond-emulator-key' });
//   w.url, w.leads (live), w.addLead({...}), w.updateLead(id, attrs),
//   w.configure({burst429, failNext: {status, count}}), w.log, w.stop()

import { createServer } from "node:http";

export const WISHPOND_EMULATOR_KEY = "wishpond-emulator-key";

export function seedLeads() {
  return [
    {
      id: 101,
      email: "ada@example.com",
      created_at: "2026-03-01T09:00:00Z",
      dynamic_attributes: {
        first_name: "Ada",
        last_name: "Lovelace",
        phone_number: "+44 20 7946 0018",
        utm_source: "newsletter",
        utm_campaign: "spring",
        lead_score: 10,
      },
    },
    {
      id: 102,
      email: "grace@example.com",
      created_at: "2026-03-02T10:30:00Z",
      dynamic_attributes: {
        first_name: "Grace",
        last_name: "Hopper",
        phone_number: "+1 202 555 0143",
        webinar_session: "March 12",
      },
    },
    {
      id: 103,
      email: "linus@example.com",
      created_at: "2026-03-03T11:00:00Z",
      dynamic_attributes: { first_name: "Linus", utm_source: "google", utm_medium: "cpc" },
    },
  ];
}

export async function startWishpondEmulator(options = {}) {
  const apiKey = options.apiKey ?? WISHPOND_EMULATOR_KEY;
  const leads = options.leads ?? seedLeads();
  const log = [];
  let faults = { burst429: 0, failNext: null };
  let nextId = 1000;

  function handle(req, res, body) {
    const url = new URL(req.url, "http://wishpond.local");
    const entry = { method: req.method, path: url.pathname + url.search, status: 0 };
    log.push(entry);
    const answer = (status, b, h = {}) => {
      entry.status = status;
      res.writeHead(status, { "content-type": "application/json", ...h });
      res.end(JSON.stringify(b));
    };
    if (req.headers["x-api-token"] !== apiKey) return answer(401, { error: "Invalid API token" });
    if (faults.failNext && faults.failNext.count > 0) {
      faults.failNext.count -= 1;
      return answer(faults.failNext.status, { error: "injected fault" });
    }
    if (faults.burst429 > 0) {
      faults.burst429 -= 1;
      return answer(429, { error: "Too many requests" }, { "retry-after": "1" });
    }
    if (url.pathname === "/api/v1/leads" && req.method === "GET") {
      const email = url.searchParams.get("email");
      if (email) return answer(200, { leads: leads.filter((l) => l.email === email) });
      const perPage = Math.max(
        1,
        Math.min(Number(url.searchParams.get("per_page") ?? 25) || 25, 100),
      );
      const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
      const totalPages = Math.max(1, Math.ceil(leads.length / perPage));
      return answer(200, {
        leads: structuredClone(leads.slice((page - 1) * perPage, page * perPage)),
        meta: { total_pages: totalPages },
      });
    }
    if (url.pathname === "/api/v1/leads" && req.method === "POST") {
      let b;
      try {
        b = JSON.parse(body);
      } catch {
        return answer(400, { errors: { base: ["invalid JSON"] } });
      }
      if (leads.some((l) => l.email === b.email))
        return answer(422, { errors: { email: ["is already taken"] } });
      const lead = {
        id: nextId++,
        email: b.email,
        dynamic_attributes: { first_name: b.first_name, last_name: b.last_name },
      };
      leads.push(lead);
      return answer(201, { lead });
    }
    return answer(404, { error: "not found" });
  }

  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise((ok) => server.listen(options.port ?? 0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/api/v1`,
    apiKey,
    leads,
    log,
    addLead(lead) {
      const l = { id: nextId++, ...lead };
      leads.push(l);
      return l;
    },
    updateLead(id, attrs) {
      const l = leads.find((x) => x.id === id);
      Object.assign(l.dynamic_attributes, attrs);
      return l;
    },
    configure(partial) {
      faults = { ...faults, ...partial };
      return { ...faults };
    },
    stop: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
