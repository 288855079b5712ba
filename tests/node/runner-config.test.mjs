// The runner's configuration: the published schema is the one source of shape and
// defaults, checked by the runner's small checker (which refuses schema keywords it does
// not implement); errors name the key and why, all at once; a secret written inline is
// refused; a missing environment variable or file stops the start; cross-references
// are checked; the CLI prints a JSON error and exits 2 without starting, and no
// secret value appears in any of it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  checkSchema,
  configSchema,
  parseConfig,
  unsupportedKeywords,
} from "../../pkg/runner/index.js";
import { runnerConfig } from "./runner-fixtures.mjs";

function problems(patch, env) {
  const { doc, env: base } = runnerConfig();
  patch(doc);
  try {
    parseConfig(JSON.stringify(doc), "x.json", { ...base, ...env });
  } catch (e) {
    assert.ok(e instanceof Error);
    return { code: e.code, problems: e.details.problems, message: e.message };
  }
  assert.fail("expected the config to be refused");
}

test("the shipped schema uses only keywords the checker implements, and is the package's file", {
  timeout: 120_000,
}, () => {
  assert.deepEqual(unsupportedKeywords(configSchema()), []);
  const shipped = JSON.parse(
    readFileSync(new URL("../../pkg/runner/config.schema.json", import.meta.url), "utf8"),
  );
  assert.deepEqual(shipped, configSchema());
  assert.deepEqual(unsupportedKeywords({ type: "object", patternProperties: {} }), [
    "/patternProperties",
  ]);
  const pkg = JSON.parse(readFileSync(new URL("../../pkg/package.json", import.meta.url), "utf8"));
  assert.equal(pkg.bin["ghl-bridge"], "./runner/cli.js");
  assert.equal(pkg.exports["./runner/config.schema.json"], "./runner/config.schema.json");
});

test("defaults come from the schema; secrets are resolved from the environment", {
  timeout: 120_000,
}, () => {
  const { config, env } = runnerConfig();
  assert.equal(config.server.shutdownTimeoutMs, 10000);
  assert.equal(config.store.kind, "embedded");
  assert.equal(config.connections.demo.auth.pit, env.TEST_PIT);
  assert.equal(config.sources.qwilr.main.baseUrl, "https://api.qwilr.com/v1");
  assert.equal(config.oauthApps && typeof config.oauthApps, "object");
  assert.ok(config.secretValues.includes(env.TEST_QWILR_SECRET));
});

test("every problem is reported with its key and why, at once", { timeout: 120_000 }, () => {
  const r = problems((d) => {
    d.server.port = 70000;
    d.server.colour = "blue";
    delete d.connections.demo.locationId;
    d.connections.demo.auth = { pit: "pit-written-inline-0001" };
  });
  assert.equal(r.code, "CONFIG_INVALID");
  const at = Object.fromEntries(r.problems.map((p) => [p.at, p.reason]));
  assert.match(at["/server/port"], /at most 65535/);
  assert.match(at["/server/colour"], /not a known key/);
  assert.match(at["/connections/demo/locationId"], /required/);
  assert.match(at["/connections/demo/auth"], /never the value itself|\{"env": NAME\}/);
  assert.ok(!r.message.includes("pit-written-inline-0001"), "a value written inline is not echoed");
  assert.match(r.message, /does not start/);
});

test("cross-references: a source naming a missing connection, an OAuth app or report target that is not there", {
  timeout: 120_000,
}, () => {
  const r = problems((d) => {
    d.sources.qwilr.main.connection = "ghost";
    d.connections.demo.weeklyReport = { targets: ["nobody"] };
    d.connections.second = { locationId: "demoLocation00000001", auth: { oauth: "missing" } };
  });
  const at = Object.fromEntries(r.problems.map((p) => [p.at, p.reason]));
  assert.match(at["/sources/qwilr/main/connection"], /ghost/);
  assert.match(at["/connections/demo/weeklyReport/targets/0"], /nobody/);
  assert.match(at["/connections/second/auth/oauth"], /missing/);
  assert.match(at["/connections/second/locationId"], /also connection demo/);
});

test("a missing environment variable or secret file stops the start, naming the key and the variable", {
  timeout: 120_000,
}, () => {
  const r = problems(
    (d) => {
      d.sources.qwilr.main.token = { file: "no-such-file.txt" };
    },
    { TEST_PIT: "" },
  );
  assert.equal(r.code, "CONFIG_SECRET_MISSING");
  const at = Object.fromEntries(r.problems.map((p) => [p.at, p.reason]));
  assert.match(at["/connections/demo/auth/pit"], /TEST_PIT is not set/);
  assert.match(at["/sources/qwilr/main/token"], /no-such-file\.txt cannot be read \(ENOENT\)/);
});

test("the checker: types, enums, oneOf with the closest branch, defaults inside arrays of objects", {
  timeout: 120_000,
}, () => {
  const s = {
    type: "object",
    properties: {
      a: {
        type: "array",
        items: { type: "object", properties: { n: { type: "integer", default: 3 } } },
      },
    },
  };
  assert.deepEqual(checkSchema(s, { a: [{}, { n: 1 }] }).value, { a: [{ n: 3 }, { n: 1 }] });
  assert.equal(
    checkSchema(s, { a: [{ n: 1.5 }] }).problems[0].reason,
    "must be an integer, not number",
  );
});

test("the CLI refuses a bad config: JSON error on stderr, exit 2, no secret printed", {
  timeout: 120_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "ghl-bridge-cli-"));
  const { doc, env } = runnerConfig();
  doc.server.port = -1;
  const file = join(dir, "bad.json");
  writeFileSync(file, JSON.stringify(doc));
  const cli = new URL("../../pkg/runner/cli.js", import.meta.url).pathname;
  const r = spawnSync(process.execPath, [cli, "serve", "--config", file], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  assert.equal(r.status, 2, r.stderr);
  const line = JSON.parse(r.stderr.trim().split("\n").pop());
  assert.equal(line.error.code, "CONFIG_INVALID");
  assert.match(line.error.message, /\/server\/port: must be at least 0/);
  for (const v of Object.values(env)) assert.ok(!r.stderr.includes(v) && !r.stdout.includes(v));
  const usage = spawnSync(process.execPath, [cli, "nonsense"], { encoding: "utf8" });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: ghl-bridge serve --config FILE/);
});
