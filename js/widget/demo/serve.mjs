// `make console-direct`: the GHL emulator and a static server of the demo page with
// <ghl-bridge-console> (the package from pkg/, built first by make). Prints the URL and
// the emulator's public demo token to paste into the Connection panel; Ctrl-C stops.
// `make console` is the runner-backed console (the
// runner's /console/, js/demo/serve.mjs --console).
import {
  DEMO_LOCATION_ID,
  DEMO_READONLY_TOKEN,
  DEMO_TOKEN,
  startEmulator,
} from "../../emulator/index.mjs";
import { serveRepo } from "../../../tests/browser/harness.mjs";

const emu = await startEmulator({ port: Number(process.env.EMULATOR_PORT ?? 0) });
const site = await serveRepo();
const url = `${site.url}/js/widget/demo/?api=${encodeURIComponent(emu.url)}&location=${DEMO_LOCATION_ID}`;
console.log(`GHL emulator: ${emu.url}`);
console.log(`console:      ${url}`);
console.log(`token to paste (emulator only): ${DEMO_TOKEN}  (read-only: ${DEMO_READONLY_TOKEN})`);
const stop = async () => {
  await site.close();
  await emu.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
