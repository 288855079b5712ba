// `make serve`: the runner against the three emulators. Starts the GHL, Wishpond and
// Qwilr emulators on free loopback ports, writes the sample config
// (js/demo/serve.config.json) with their addresses into a temporary folder, runs
// `ghl-bridge serve` on it (secrets through environment variables, as in production),
// subscribes the emulators' webhooks to the runner, and prints the URLs. Ctrl-C stops
// everything (the runner gracefully). `--console` (`make console`) leads with the
// console's URL and password (the runner's `/console/`; the location `oauth-demo` is
// authorized with "Connect with HighLevel" through the emulator's OAuth).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_OAUTH_CLIENT, DEMO_TOKEN, startEmulator } from "../emulator/index.mjs";
import { QWILR_EMULATOR_TOKEN, startQwilrEmulator } from "../emulator/qwilr/index.mjs";
import { WISHPOND_EMULATOR_KEY, startWishpondEmulator } from "../emulator/wishpond/index.mjs";

const ghl = await startEmulator();
// The emulator's OAuth consent installs the app for the config's OAuth location.
ghl.oauth.settings.installFor.locationId = "oauthDemoLocation001";
const qwilr = await startQwilrEmulator();
const wishpond = await startWishpondEmulator();
// A stand-in for Slack's incoming webhook: prints what the weekly report would post.
const slack = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    console.log(`[slack] report received (${body.length} bytes)`);
    res.end("ok");
  });
});
await new Promise((r) => slack.listen(0, "127.0.0.1", r));

const dir = mkdtempSync(join(tmpdir(), "ghl-bridge-serve-"));
const config = JSON.parse(readFileSync(new URL("./serve.config.json", import.meta.url), "utf8"));
delete config.$schema;
config.server.port = Number(process.env.PORT ?? 8790);
config.ghl = {
  baseUrl: ghl.url,
  authorizeUrl: `${ghl.url}/oauth/chooselocation`,
  webhookKeys: ghl.webhooks.publicKeys,
};
config.sources.qwilr.proposals.baseUrl = qwilr.url;
config.sources.wishpond.leads.baseUrl = wishpond.url;
const file = join(dir, "ghl-bridge.config.json");
writeFileSync(file, JSON.stringify(config, null, 2));

const secret = randomBytes(16).toString("hex");
const consolePassword =
  process.env.GHL_BRIDGE_CONSOLE_PASSWORD ?? randomBytes(9).toString("base64url");
const env = {
  ...process.env,
  GHL_BRIDGE_VAULT_KEY: randomBytes(32).toString("hex"),
  GHL_BRIDGE_DEMO_PIT: DEMO_TOKEN,
  GHL_BRIDGE_QWILR_SECRET: secret,
  GHL_BRIDGE_QWILR_TOKEN: QWILR_EMULATOR_TOKEN,
  GHL_BRIDGE_WISHPOND_KEY: WISHPOND_EMULATOR_KEY,
  GHL_BRIDGE_SLACK_URL: `http://127.0.0.1:${slack.address().port}/services/demo`,
  GHL_BRIDGE_OAUTH_CLIENT_SECRET: DEMO_OAUTH_CLIENT.clientSecret,
  GHL_BRIDGE_CONSOLE_PASSWORD: consolePassword,
};
const cli = new URL("../../pkg/runner/cli.js", import.meta.url).pathname;
const runner = spawn(process.execPath, [cli, "serve", "--config", file], {
  env,
  stdio: ["ignore", "pipe", "inherit"],
});
const url = await new Promise((resolve, reject) => {
  let buf = "";
  runner.stdout.on("data", (c) => {
    buf += c;
    process.stdout.write(c);
    const m = /"msg":"ready","url":"([^"]+)"/.exec(buf);
    if (m) resolve(m[1]);
  });
  runner.once("exit", (code) => reject(new Error(`ghl-bridge serve exited with ${code}`)));
});
ghl.webhooks.subscribe(`${url}/hooks/ghl`);
await fetch(`${qwilr.url}/webhooks`, {
  method: "POST",
  headers: { authorization: `Bearer ${QWILR_EMULATOR_TOKEN}`, "content-type": "application/json" },
  body: JSON.stringify({ event: "pageAccepted", targetUrl: `${url}/hooks/qwilr/${secret}` }),
});

if (process.argv.includes("--console"))
  console.log(`
  console         ${url}/console/?location=${config.connections.demo.locationId}
                  password: ${consolePassword}   (emulator demo only; set GHL_BRIDGE_CONSOLE_PASSWORD to choose it)
                  OAuth: ${url}/console/?location=oauthDemoLocation001 -> "Connect with HighLevel"
                  the in-page demo (direct backend, no runner): make console-direct`);
console.log(`
ghl-bridge serve is running with ${file}
  runner          ${url}   (healthz: ${url}/healthz, metrics: ${url}/metrics)
  GHL webhooks    POST ${url}/hooks/ghl        (the GHL emulator posts here)
  Qwilr webhooks  POST ${url}/hooks/qwilr/<secret: GHL_BRIDGE_QWILR_SECRET>  (the Qwilr emulator posts here)
  console         ${url}/console/   (password: ${consolePassword})
  capture         POST ${url}/capture/landing-1  (origin ${config.sources.capture.sites["landing-1"].allowedOrigins[0]})
  GHL emulator    ${ghl.url}   (log: ${ghl.url}/__emulator/log)
  Qwilr emulator  ${qwilr.url}
  Wishpond emu    ${wishpond.url}
Ctrl-C stops everything.`);

const stop = async () => {
  runner.kill("SIGTERM");
  await new Promise((r) => runner.once("exit", r));
  await Promise.all([ghl.stop(), qwilr.stop(), wishpond.stop()]);
  slack.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
