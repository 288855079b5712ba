// MV3 service worker: module workers cannot use top-level await, so the package is
// loaded through its explicit-initialisation entry.
import { initialize, createClient, version } from "./ghl-bridge/entries/slim.js";

self.ghlBridge = {
  async check({ url, token, locationId, scopes }) {
    await initialize();
    const client = createClient({ token, locationId, scopes, baseUrl: url });
    const up = await client.upsertContact({ email: "extension@example.com", firstName: "Worker" });
    return { version: version(), id: up.contact.id, isNew: up.new, rateLimit: client.rateLimit() };
  },
};
