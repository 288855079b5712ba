#!/usr/bin/env node
// Runs the GHL emulator standalone: `node js/emulator/cli.mjs [--port N]
// [--seed S] [--error-rate R] [--drop-rate R] [--latency MS|MIN,MAX]
// [--burst N --interval MS]`. Prints its URL (never a token) and stops on
// SIGINT/SIGTERM.

import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { DEMO_LOCATION_ID, startEmulator } from "./index.mjs";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    seed: { type: "string" },
    "error-rate": { type: "string" },
    "drop-rate": { type: "string" },
    latency: { type: "string" },
    burst: { type: "string" },
    interval: { type: "string" },
    "port-file": { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(
    "usage: cli.mjs [--port N] [--seed S] [--error-rate R] [--drop-rate R] [--latency MS|MIN,MAX] [--burst N] [--interval MS] [--port-file F] [--quiet]",
  );
  process.exit(0);
}
const options = {};
if (values.port) options.port = Number(values.port);
if (values.seed) options.seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
if (values["error-rate"]) options.errorRate = Number(values["error-rate"]);
if (values["drop-rate"]) options.dropRate = Number(values["drop-rate"]);
if (values.latency) {
  const parts = values.latency.split(",").map(Number);
  options.latencyMs = parts.length === 2 ? parts : parts[0];
}
if (values.burst || values.interval) {
  options.rateLimit = {};
  if (values.burst) options.rateLimit.max = Number(values.burst);
  if (values.interval) options.rateLimit.intervalMs = Number(values.interval);
}

try {
  const emu = await startEmulator(options);
  if (!values.quiet) {
    console.log(`GHL emulator listening on ${emu.url}`);
    console.log(
      `demo location ${DEMO_LOCATION_ID}; tokens: ${emu
        .tokens()
        .map((t) => t.label)
        .join(", ")} (values in js/emulator/README.md)`,
    );
    console.log(`control plane: ${emu.url}/__emulator/`);
  }
  // Scripts that start the emulator on a free port read the port from this file.
  if (values["port-file"]) await writeFile(values["port-file"], String(emu.port));
  const shutdown = async () => {
    await emu.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
} catch (err) {
  console.error(`emulator failed to start: ${err.message}`);
  process.exit(1);
}
