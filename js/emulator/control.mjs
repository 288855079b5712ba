// The control plane under `/__emulator/`: drives the emulator from other
// processes and browser tests. Never rate limited, faulted or logged as GHL
// traffic; needs no token; answers with CORS headers. Token values sent to
// POST /__emulator/tokens are never echoed back.
//
//   GET    /__emulator/health     {ok, url}
//   GET    /__emulator/log        {entries}  (?since=<seq> for entries after it)
//   GET    /__emulator/state      the in-memory data, per location
//   GET    /__emulator/config     the live configuration (tokens as labels)
//   POST   /__emulator/configure  partial runtime options -> the configuration
//   POST   /__emulator/reset      reseed data, clear log and rate-limit counters
//   POST   /__emulator/tokens     {token, locationId, scopes?, label?} -> {label, fingerprint, locationId}
//   DELETE /__emulator/tokens     {token} -> {revoked}

export function handleControl(emu, req, res, url, rawBody, corsHeaders) {
  const reply = (status, payload) => {
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      ...corsHeaders,
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(text),
    });
    res.end(text);
  };
  if (req.method === "OPTIONS") {
    res.writeHead(204, corsHeaders);
    res.end();
    return;
  }
  let body = {};
  if (rawBody !== "") {
    try {
      body = JSON.parse(rawBody);
    } catch {
      reply(400, { error: "body is not JSON" });
      return;
    }
  }
  const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
  try {
    switch (route) {
      case "GET /__emulator/health":
        return reply(200, { ok: true, url: emu.url });
      case "GET /__emulator/log": {
        const since = Number(url.searchParams.get("since") ?? 0);
        return reply(200, { entries: emu.log.filter((e) => e.seq > since) });
      }
      case "GET /__emulator/state":
        return reply(200, emu.state);
      case "GET /__emulator/config":
        return reply(200, emu.config());
      case "POST /__emulator/configure":
        return reply(200, emu.configure(body));
      case "POST /__emulator/reset":
        emu.reset();
        return reply(200, { ok: true });
      case "POST /__emulator/tokens": {
        const { token, ...info } = body ?? {};
        return reply(201, emu.addToken(token, info));
      }
      case "DELETE /__emulator/tokens":
        return reply(200, { revoked: emu.revokeToken(body?.token) });
      default:
        return reply(404, { error: `no control route ${route}` });
    }
  } catch (err) {
    if (err instanceof TypeError) return reply(400, { error: err.message });
    throw err;
  }
}
