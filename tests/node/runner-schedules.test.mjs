// Schedules that run themselves: three workers tick at once, with the clock a minute
// after the weekly slot: the report is built from the emulator's real statistics (the
// package's flows) and sent exactly once per target per period: one Slack
// incoming-webhook POST to a local receiver and one email to a local SMTP server
// (smtp-server). Statistics on their interval run once per period too. The Slack URL
// and the SMTP password (config secrets) are in no log line.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { SMTPServer } from "smtp-server";
import { startEmulator } from "../../js/emulator/index.mjs";
import {
  createScheduler,
  createTokenManager,
  createVault,
  parseVaultKey,
  weeklySchedule,
} from "../../pkg/runner/index.js";
import { nextRun } from "../../pkg/entries/node.js";
import { capturedLogger, runnerConfig } from "./runner-fixtures.mjs";
import { memoryRunnerStore } from "./runner-memory-store.mjs";

let emu;
let slack;
let smtp;
const slackPosts = [];
const mails = [];

before(async () => {
  emu = await startEmulator();
  slack = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      slackPosts.push({ path: req.url, body: JSON.parse(body) });
      res.end("ok");
    });
  });
  await new Promise((r) => slack.listen(0, "127.0.0.1", r));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onAuth(auth, _s, cb) {
      cb(null, { user: auth.username });
    },
    onData(stream, session, cb) {
      let text = "";
      stream.on("data", (c) => {
        text += c;
      });
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), text });
        cb();
      });
    },
  });
  await new Promise((r) => smtp.listen(0, "127.0.0.1", r));
});
after(async () => {
  await new Promise((r) => slack.close(r));
  await new Promise((r) => smtp.close(r));
  await emu.stop();
});

test("weekly report: N workers at once send it exactly once per target; statistics once per interval", {
  timeout: 120_000,
}, async () => {
  const slackUrl = `http://127.0.0.1:${slack.address().port}/services/T000/B000/secretpart123`;
  const made = runnerConfig({
    emu,
    env: { TEST_SLACK_URL: slackUrl, TEST_SMTP_PASSWORD: "smtp-password-for-tests" },
    patch(doc) {
      doc.sources = {};
      doc.connections.demo.scopes = [
        "socialplanner/account.readonly",
        "socialplanner/statistics.readonly",
      ];
      doc.connections.demo.statistics = { everyMs: 3_600_000 };
      doc.connections.demo.weeklyReport = { weekday: "monday", hour: 9, targets: ["team", "mail"] };
      doc.reportTargets = {
        team: { slack: { webhookUrl: { env: "TEST_SLACK_URL" } } },
        mail: {
          email: {
            host: "127.0.0.1",
            port: smtp.server.address().port,
            user: "bridge",
            password: { env: "TEST_SMTP_PASSWORD" },
            from: "bridge@example.com",
            to: ["team@example.com"],
          },
        },
      };
    },
  });
  const slot =
    nextRun(Date.now(), weeklySchedule(made.config.connections.demo.weeklyReport)) - 7 * 86_400_000;
  const now = () => slot + 60_000;
  const store = memoryRunnerStore();
  const logs = capturedLogger();
  const worker = () =>
    createScheduler({
      config: made.config,
      store,
      log: logs.log,
      now,
      tokens: createTokenManager({
        config: made.config,
        store,
        vault: createVault(parseVaultKey(made.env.TEST_VAULT_KEY, "k")),
        log: logs.log,
      }),
    });
  for (const s of made.config.secretValues) logs.log.secret(s);
  const workers = [worker(), worker(), worker()];
  await Promise.all(workers.map((w) => w.tick()));
  await Promise.all(workers.map((w) => w.tick())); // a second tick in the same period sends nothing

  assert.equal(slackPosts.length, 1, "one Slack POST");
  assert.equal(slackPosts[0].path, "/services/T000/B000/secretpart123");
  assert.ok(Array.isArray(slackPosts[0].body.blocks), "a Block Kit message");
  assert.equal(mails.length, 1, "one email");
  assert.deepEqual(mails[0].to, ["team@example.com"]);
  assert.match(mails[0].text, /Subject: Weekly social report/);
  const stats = emu.log.filter(
    (e) => e.operation === "social-media-posting.get-social-media-statistics",
  );
  // One statistics run for the interval, one for the report: each by exactly one worker.
  assert.equal(stats.length, 2, JSON.stringify(emu.log.map((e) => e.operation)));
  const last = await store.getValue("statistics:demo:last");
  assert.ok(last.series.points.length > 0);
  const text = logs.text();
  assert.ok(text.includes("report sent"));
  assert.ok(!text.includes("secretpart123") && !text.includes("smtp-password-for-tests"));
});
