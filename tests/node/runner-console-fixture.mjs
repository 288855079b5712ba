// Shared set-up of the console API tests (Node and Chromium; not a test file): the GHL and
// Qwilr emulators, a runner config with a console section (secrets by environment
// variable), the memory test store with the package's memory outbox storage, and the
// runner's HTTP side. `patch(doc, {qwilr})` edits the config document; `wishpond: true`
// adds the Wishpond emulator and a polled Wishpond source (`leads`) for the connection.
import { memoryStorage } from "../../pkg/entries/node.js";
import {
  createTokenManager,
  createVault,
  parseVaultKey,
  startServer,
} from "../../pkg/runner/index.js";
import { DEMO_TOKEN, startEmulator } from "../../js/emulator/index.mjs";
import { QWILR_EMULATOR_TOKEN, startQwilrEmulator } from "../../js/emulator/qwilr/index.mjs";
import { WISHPOND_EMULATOR_KEY, startWishpondEmulator } from "../../js/emulator/wishpond/index.mjs";
import { capturedLogger, runnerConfig } from "./runner-fixtures.mjs";
import { memoryRunnerStore } from "./runner-memory-store.mjs";

/** Starts everything; `stop()` stops it. */
export async function startConsoleRunner({ env = {}, patch, consoleDir, wishpond = false } = {}) {
  const emu = await startEmulator();
  const qwilr = await startQwilrEmulator();
  const wp = wishpond ? await startWishpondEmulator() : null;
  const made = runnerConfig({
    emu,
    env: {
      TEST_PIT: DEMO_TOKEN,
      TEST_QWILR_TOKEN: QWILR_EMULATOR_TOKEN,
      ...(wp ? { TEST_WP_KEY: WISHPOND_EMULATOR_KEY } : {}),
      ...env,
    },
    patch(doc) {
      doc.connections.demo.scopes = [
        "contacts.write",
        "contacts.readonly",
        "locations.readonly",
        "locations/tags.readonly",
        "locations/tags.write",
        "locations/customFields.readonly",
        "socialplanner/account.readonly",
        "socialplanner/statistics.readonly",
      ];
      doc.sources.qwilr.main.baseUrl = qwilr.url;
      if (wp) {
        doc.sources.wishpond = {
          leads: {
            connection: "demo",
            apiKey: { env: "TEST_WP_KEY" },
            baseUrl: wp.url,
            pollIntervalMs: 60_000,
          },
        };
      }
      patch?.(doc, { qwilr });
    },
  });
  const store = memoryRunnerStore();
  // The outboxes' storage (the memory test store has none): the package's memory adapter.
  const outboxes = new Map();
  store.outboxStorage = (loc) => {
    if (!outboxes.has(loc)) outboxes.set(loc, memoryStorage());
    return outboxes.get(loc);
  };
  const logs = capturedLogger();
  const tokens = createTokenManager({
    config: made.config,
    store,
    vault: createVault(parseVaultKey(made.env.TEST_VAULT_KEY, "key")),
    log: logs.log,
  });
  const server = await startServer({
    config: made.config,
    store,
    tokens,
    log: logs.log,
    consoleDir,
  });
  return {
    emu,
    qwilr,
    wp,
    made,
    store,
    logs,
    server,
    async stop() {
      await server.close();
      await qwilr.stop();
      await wp?.stop();
      await emu.stop();
    },
  };
}
