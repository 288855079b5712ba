// The extension's build (scripts/build-extension.mjs): the release manifest asks for
// the three APIs' hosts and storage, alarms, sidePanel only; the development build adds
// loopback; the CSP allows 'wasm-unsafe-eval' and nothing remote; the zip holds exactly
// the unpacked folder; nothing loads code from elsewhere.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";

const root = fileURLToPath(new URL("../..", import.meta.url));
let dir;
const build = (...args) =>
  execFileSync(process.execPath, [join(root, "scripts", "build-extension.mjs"), ...args], {
    encoding: "utf8",
  });
const manifest = async (d) => JSON.parse(await readFile(join(dir, d, "manifest.json"), "utf8"));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ghl-bridge-extension-build-"));
  build("--out", join(dir, "release", "extension"));
  build("--dev", "--out", join(dir, "dev", "extension"), "--no-zip");
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const API_HOSTS = [
  "https://services.leadconnectorhq.com/*",
  "https://api.wishpond.com/*",
  "https://api.qwilr.com/*",
];

test("the release manifest: MV3, the three APIs, storage/alarms/sidePanel, wasm-unsafe-eval only", async () => {
  const m = await manifest("release/extension");
  const pkg = JSON.parse(await readFile(join(root, "pkg", "package.json"), "utf8"));
  assert.equal(m.manifest_version, 3);
  assert.equal(m.version, pkg.version);
  assert.deepEqual(m.permissions, ["storage", "alarms", "sidePanel"]);
  assert.deepEqual(m.host_permissions, API_HOSTS);
  assert.deepEqual(m.optional_host_permissions, ["https://hooks.slack.com/*"]);
  assert.equal(
    m.content_security_policy.extension_pages,
    "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'",
  );
  assert.equal(m.background.service_worker, "background.js");
  assert.deepEqual(m.background.scripts, ["background.js"], "Firefox's background scripts");
  assert.ok(m.browser_specific_settings.gecko.id);
  // Firefox's first version with optional_host_permissions (the Slack report's).
  assert.equal(m.browser_specific_settings.gecko.strict_min_version, "128.0");
});

test("the development manifest adds loopback, nothing else", async () => {
  const m = await manifest("dev/extension");
  const release = await manifest("release/extension");
  assert.deepEqual(m.host_permissions, [...API_HOSTS, "http://127.0.0.1/*", "http://localhost/*"]);
  assert.deepEqual(m.permissions, release.permissions);
  assert.deepEqual(m.content_security_policy, release.content_security_policy);
});

test("the zip holds exactly the unpacked folder; no remote code", async () => {
  const out = join(dir, "release", "extension");
  const names = (await readdir(out)).sort();
  const zips = (await readdir(join(dir, "release"))).filter((f) => f.endsWith(".zip"));
  assert.equal(zips.length, 1);
  const files = unzipSync(await readFile(join(dir, "release", zips[0])));
  assert.deepEqual(Object.keys(files).sort(), names);
  for (const name of names) {
    assert.deepEqual(Buffer.from(files[name]), await readFile(join(out, name)), name);
    if (!/\.(js|html)$/.test(name)) continue;
    const text = await readFile(join(out, name), "utf8");
    assert.doesNotMatch(text, /<script[^>]+src=["']https?:/i, `${name}: remote script`);
    assert.doesNotMatch(text, /import\(\s*["']https?:/, `${name}: remote import`);
    assert.doesNotMatch(text, /\beval\(|new Function\(/, `${name}: eval`);
  }
  const worker = await readFile(join(out, "background.js"), "utf8");
  assert.doesNotMatch(worker, /__GHL_BRIDGE_DEV__/, "the build flag is replaced");
  assert.ok(names.includes("ghl-bridge.wasm"));
});

test("the icons: 16, 32, 48 and 128 px PNGs drawn by the build, in the manifest and the action", async () => {
  const m = await manifest("release/extension");
  assert.deepEqual(Object.keys(m.icons), ["16", "32", "48", "128"]);
  assert.deepEqual(m.action.default_icon, m.icons);
  for (const [size, file] of Object.entries(m.icons)) {
    const png = await readFile(join(dir, "release", "extension", file));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], `${file} is a PNG`);
    assert.equal(png.readUInt32BE(16), Number(size), `${file} width`);
    assert.equal(png.readUInt32BE(20), Number(size), `${file} height`);
  }
});
