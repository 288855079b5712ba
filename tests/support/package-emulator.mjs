// The prelude the package's own tests share (package-convert, package-hostile): the GHL
// emulator with a seed and the package's client for its demo location (every scope), and
// the deeply nested values they throw at the core.
import * as g from "../../pkg/entries/node.js";
import {
  ALL_SCOPES,
  DEMO_LOCATION_ID,
  DEMO_TOKEN,
  startEmulator,
} from "../../js/emulator/index.mjs";

/** The demo location's connection settings against `emu`. */
export const demoConnection = (emu) => ({
  token: DEMO_TOKEN,
  locationId: DEMO_LOCATION_ID,
  scopes: ALL_SCOPES,
  baseUrl: emu.url,
});

/** Starts the emulator (`seed`) and a client of its demo location: `{emu, client}`. */
export async function emulatorAndClient(seed) {
  const emu = await startEmulator({ seed });
  return { emu, client: g.createClient(demoConnection(emu)) };
}

/** `{a: {a: ... leaf}}`, `levels` deep (built without recursion). */
export function nested(levels, leaf = {}) {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}
