// The extension tests' harness: builds the development extension into a temporary
// folder (scripts/build-extension.mjs --dev), starts the GHL, Wishpond and Qwilr
// emulators on free loopback ports, and launches Debian's Chromium headless with the
// unpacked extension loaded (playwright-core, a persistent profile: extensions need
// one). The extension's id comes from its service worker's URL.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, chromiumPath } from "../browser/harness.mjs";
import { DEMO_LOCATION_ID, startEmulator } from "../../js/emulator/index.mjs";
import { startWishpondEmulator } from "../../js/emulator/wishpond/index.mjs";
import { startQwilrEmulator } from "../../js/emulator/qwilr/index.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
export const SCREENSHOTS = join(root, "target", "extension-screenshots");

/** Waits until `check()` returns a truthy value (polled), failing with `what` after `ms`. */
export async function until(check, what, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Builds the extension (the development build unless `dev: false`), starts the
 * emulators (GHL knows `token` for the demo location when given) and the browser.
 */
export async function start({ ghl: ghlOptions = {}, dev = true, token } = {}) {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("chromium is not installed (run `make setup`)");
  const dir = await mkdtemp(join(tmpdir(), "ghl-bridge-extension-"));
  const ext = join(dir, "extension");
  execFileSync(
    process.execPath,
    [
      join(root, "scripts", "build-extension.mjs"),
      ...(dev ? ["--dev"] : []),
      "--out",
      ext,
      "--no-zip",
    ],
    { stdio: "inherit" },
  );
  await mkdir(SCREENSHOTS, { recursive: true });
  const ghl = await startEmulator({ seed: 13, ...ghlOptions });
  if (token) ghl.addToken(token, { locationId: DEMO_LOCATION_ID, label: "extension" });
  const wishpond = await startWishpondEmulator();
  const qwilr = await startQwilrEmulator();
  const launch = async () => {
    const context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath,
      headless: false,
      viewport: { width: 420, height: 900 },
      args: [
        "--headless=new",
        `--disable-extensions-except=${ext}`,
        `--load-extension=${ext}`,
        ...CHROMIUM_ARGS,
      ],
    });
    const worker =
      context.serviceWorkers()[0] ??
      (await context.waitForEvent("serviceworker", { timeout: 15000 }));
    return { context, worker };
  };
  let { context, worker } = await launch();
  const id = new URL(worker.url()).host;
  return {
    ghl,
    wishpond,
    qwilr,
    get context() {
      return context;
    },
    id,
    /** Closes the browser and starts it again on the same profile (a browser restart). */
    async restartBrowser() {
      await context.close();
      ({ context, worker } = await launch());
      return worker;
    },
    url: (page) => `chrome-extension://${id}/${page}`,
    /** The demo location's GHL contacts with this email. */
    contactBy: (email) =>
      Object.values(ghl.state.locations[DEMO_LOCATION_ID]?.contacts ?? {}).filter(
        (c) => c.email === email,
      ),
    async stop() {
      await context.close().catch(() => undefined);
      await Promise.all([ghl.stop(), wishpond.stop(), qwilr.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Fills the extension's settings form on the options page as a person would (labels)
 * and saves; resolves to the page. `fields` maps a label to a value (text) or to
 * true/false (a checkbox).
 */
export async function fillOptions(h, fields, page) {
  page ??= await h.context.newPage();
  if (!page.url().endsWith("options.html")) await page.goto(h.url("options.html"));
  const form = page.getByRole("form", { name: "Extension settings" });
  for (const [label, value] of Object.entries(fields)) {
    const input = form.getByLabel(label, { exact: true });
    if (typeof value === "boolean") await input.setChecked(value);
    else await input.fill(value);
  }
  await form.getByRole("button", { name: "Save", exact: true }).click();
  await form.getByRole("status").filter({ hasText: "Saved" }).waitFor();
  return page;
}

/** Connects in the console's Connection panel (location and token), as a person would. */
export async function connectConsole(page, { locationId, token }) {
  const c = page.locator("ghl-bridge-console");
  await c.getByRole("tab", { name: "Connection" }).click();
  await c.getByLabel("Location ID").fill(locationId);
  await c.getByLabel("Private Integration Token").fill(token);
  await c.getByRole("button", { name: "Save and test connection" }).click();
  await c.getByRole("heading", { name: "What this token may do" }).waitFor();
}

/** Saves a source credential in the console's Sources panel (the field's form, Enter). */
export async function saveSourceKey(page, label, value) {
  const c = page.locator("ghl-bridge-console");
  await c.getByRole("tab", { name: "Sources" }).click();
  const field = c.getByLabel(label);
  await field.fill(value);
  await field.press("Enter");
}

/**
 * A person's setup on the options page: the extension's settings (`fillOptions`),
 * then the console's connection with `token`, then a source's credential
 * (`[label, value]`). Resolves to the options page.
 */
export async function setUp(h, { settings, token, source }) {
  const page = await fillOptions(h, settings);
  await connectConsole(page, { locationId: DEMO_LOCATION_ID, token });
  if (source) await saveSourceKey(page, ...source);
  return page;
}

/** The worker's status, asked from an extension page as the pages ask it. */
export const workerStatus = (page) =>
  page.evaluate(() => chrome.runtime.sendMessage({ type: "ghl-bridge/status" }));

/** The development build's API base URL fields, pointed at the emulators. */
export const emulatorUrls = (h) => ({
  "GHL API base URL": h.ghl.url,
  "Wishpond API base URL": h.wishpond.url,
  "Qwilr API base URL": h.qwilr.url,
});

/**
 * The service worker's modules (worker/*.ts) in Node: bundled by esbuild as the
 * extension build bundles them (the development flag on), over the package's Node entry,
 * with a `chrome` of this process (storage.local in memory; the badge and the optional
 * permissions granted in objects the test reads and sets)
 * and IndexedDB from fake-indexeddb. Resolves to the modules' exports and that `chrome`.
 */
export async function workerInNode() {
  await import("fake-indexeddb/auto");
  const { build } = await import("esbuild");
  const local = new Map();
  const copy = (v) => structuredClone(v);
  const badge = { text: "", title: "" };
  /** The optional host permissions granted (the options page asks for them). */
  const granted = new Set();
  globalThis.chrome = {
    storage: {
      local: {
        async get(keys) {
          if (keys == null) return Object.fromEntries([...local].map(([k, v]) => [k, copy(v)]));
          const ks = [keys].flat().filter((k) => local.has(k));
          return Object.fromEntries(ks.map((k) => [k, copy(local.get(k))]));
        },
        async set(items) {
          for (const [k, v] of Object.entries(items)) local.set(k, copy(v));
        },
        async remove(keys) {
          for (const k of [keys].flat()) local.delete(k);
        },
        async clear() {
          local.clear();
        },
      },
    },
    action: {
      async setBadgeText({ text }) {
        badge.text = text;
      },
      async setTitle({ title }) {
        badge.title = title;
      },
      async setBadgeBackgroundColor() {},
    },
    alarms: { async get() {}, async create() {}, async clear() {} },
    permissions: {
      async contains({ origins }) {
        return origins.every((o) => granted.has(o));
      },
    },
  };
  const dir = await mkdtemp(join(tmpdir(), "ghl-bridge-worker-"));
  const outfile = join(dir, "worker.mjs");
  const slimNode = join(root, "pkg", "entries", "slim-node.js");
  await build({
    stdin: {
      contents: ["engine", "sources", "store", "badge", "report"]
        .map((m) => `export * from "./worker/${m}.ts";`)
        .join("\n"),
      resolveDir: join(root, "js", "extension"),
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "node",
    outfile,
    define: { __GHL_BRIDGE_DEV__: "true" },
    logLevel: "warning",
    plugins: [
      {
        name: "package-node-entry",
        setup(b) {
          b.onResolve({ filter: /pkg\/entries\/slim\.js$/ }, () => ({
            path: slimNode,
            external: true,
          }));
        },
      },
    ],
  });
  const worker = await import(outfile);
  return {
    worker,
    chrome: globalThis.chrome,
    local,
    badge,
    granted,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
