#!/usr/bin/env node
/**
 * `ghl-bridge serve --config FILE [--migrate] [--role all|http|worker]`: the runner's
 * command line (the package's `bin`). Start-up errors are one JSON line on stderr with
 * the code and every problem, and exit code 2; SIGTERM and SIGINT stop gracefully
 * (exit 0). The store comes from `store/index.js` (`openStore`), the worker from
 * `worker/index.js` (`startWorker`), both loaded here so tests can inject their own.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type RunnerRole, startRunner } from "./app.js";
import { loadConfig } from "./config.js";
import { createLogger, errorFields } from "./log.js";
import { openStore } from "./store/index.js";
import { runnerWorker } from "./wiring.js";

const USAGE = "usage: ghl-bridge serve --config FILE [--migrate] [--role all|http|worker]";

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "serve") {
    process.stderr.write(`${USAGE}\n`);
    return command === "--help" || command === "-h" ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: "string", short: "c" },
      migrate: { type: "boolean" },
      role: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.config)
    throw Object.assign(new Error(`--config is required\n${USAGE}`), { code: "CONFIG_INVALID" });
  const role = (values.role ?? "all") as RunnerRole;
  if (!["all", "http", "worker"].includes(role))
    throw Object.assign(new Error(`--role must be all, http or worker\n${USAGE}`), {
      code: "CONFIG_INVALID",
    });

  const config = loadConfig(resolve(values.config));
  const log = createLogger({ level: config.log.level });
  for (const s of config.secretValues) log.secret(s);

  const here = (p: string) => new URL(p, import.meta.url).href;
  // The embedded store's folder is relative to the config file; it migrates itself on
  // open (one process owns it); PostgreSQL migrates only with --migrate.
  const store = await openStore(
    config.store.kind === "embedded"
      ? { kind: "embedded", path: resolve(config.baseDir, config.store.path) }
      : config.store,
  );
  if (values.migrate) {
    const applied = await store.migrate();
    log.info("migrations", { applied });
  }
  // The package's folder: the console (`console/`) and the core it imports (`entries/`).
  const consoleDir = fileURLToPath(here("../"));
  const runner = await startRunner({
    config,
    store,
    log,
    role,
    startWorker: runnerWorker,
    consoleDir: existsSync(`${consoleDir}console/ghl-bridge-console.js`) ? consoleDir : undefined,
  });
  // The signal handlers are in place before "ready" is written: a supervisor may stop
  // the runner the moment it reads it.
  const stopped = new Promise<void>((done) => {
    const stop = (signal: string) => {
      log.info("stopping", { signal });
      runner.stop().then(done, (e) => {
        log.error("stop failed", { error: errorFields(e) });
        done();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  if (runner.server)
    process.stdout.write(`${JSON.stringify({ msg: "ready", url: runner.server.url })}\n`);
  await stopped;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    // Config errors list problems by key; no secret value is ever part of them.
    process.stderr.write(
      `${JSON.stringify({ level: "error", msg: "ghl-bridge serve did not start", error: errorFields(e) })}\n`,
    );
    process.exit(2);
  },
);
