// An OAuth connection that is not authorized yet must not freeze the runner: the worker
// builds its location's outbox with a `getToken` that fails (no tokens stored), the
// outbox pauses for auth, and it must not ask `getToken` again until `resumeAuth()`.
// (It used to ask again at once from a microtask, forever: the process's timers, HTTP
// server and emulator starved.) `getToken` here gives up failing after 5 calls, so the
// old behaviour ends and shows as 6 calls.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO_LOCATION_ID, startEmulator } from "../../js/emulator/index.mjs";
import { createOutbox, memoryStorage } from "../../pkg/entries/node.js";
import { cleanups } from "../support/cleanup.mjs";

test("an outbox whose getToken fails pauses once and waits for resumeAuth", {
  timeout: 60_000,
}, async (t) => {
  const own = cleanups(t);
  const emu = await startEmulator();
  own(() => emu.stop());
  let calls = 0;
  const events = [];
  const outbox = await createOutbox({
    locationId: DEMO_LOCATION_ID,
    scopes: ["contacts.write"],
    baseUrl: emu.url,
    storage: memoryStorage(),
    getToken: async () => {
      calls += 1;
      if (calls > 5) return "pit-emulator-demo-all-scopes";
      throw new Error("connection agency has no OAuth tokens yet");
    },
    onEvent: (e) => events.push(e),
  });
  own(() => outbox.close());
  // Timers run: the event loop is not starved by the pause.
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(calls, 1, "getToken asked once, then paused");
  assert.equal(events.filter((e) => e.type === "authPaused").length, 1);
  outbox.resumeAuth();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(calls, 2, "asked again after resumeAuth");
});
