// MV3 module service worker, the pattern that works: Chromium refuses to start a
// service worker whose module graph uses top-level await, so the package comes from its
// explicit-initialisation entry, imported statically; listeners are registered
// synchronously at the top level, and each handler awaits `initialize()` (the module
// loads once; later calls return the same promise).
import { initialize, createClient, version, GhlBridgeError } from "./ghl-bridge/entries/slim.js";

// Before initialize(): a typed error, not "Cannot read properties of undefined".
let beforeInit;
try {
  version();
} catch (e) {
  beforeInit = e instanceof GhlBridgeError ? e.code : `untyped: ${e}`;
}

async function check({ url, token, locationId, scopes }) {
  await initialize();
  const client = createClient({ token, locationId, scopes, baseUrl: url });
  const up = await client.upsertContact({ email: "extension@example.com", firstName: "Worker" });
  return {
    version: version(),
    id: up.contact.id,
    isNew: up.new,
    rateLimit: client.rateLimit(),
    beforeInit,
  };
}

// The same handler as a message listener (what an extension's pages and content scripts call).
chrome.runtime.onMessage.addListener((message, _sender, reply) => {
  if (message?.type !== "ghl-bridge.check") return false;
  check(message.args).then(reply, (e) => reply({ error: e.code ?? String(e) }));
  return true;
});

self.ghlBridge = { check };
