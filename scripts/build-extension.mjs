// Builds the browser extension (Manifest V3) from js/extension/ and the built package
// (pkg/, from scripts/build.sh): esbuild bundles the service worker and the pages (no
// remote code: everything the extension runs is in the folder), the Wasm module is
// copied beside them, the icons are drawn (scripts/extension-icons.mjs), the manifest
// gets the package's version and the icons, and the folder is zipped (fflate).
//
//   node scripts/build-extension.mjs              release: dist/extension/ + dist/ghl-bridge-extension-<version>.zip
//   node scripts/build-extension.mjs --dev        development: dist/extension-dev/ (+ zip), loopback host permissions,
//                                                 API base URLs configurable (the emulators)
//   node scripts/build-extension.mjs --out DIR    another output folder (no zip with --no-zip)
import { build } from "esbuild";
import { zipSync } from "fflate";
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ICON_SIZES, iconPng } from "./extension-icons.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "js", "extension");
const args = process.argv.slice(2);
const dev = args.includes("--dev");
const outArg = args.indexOf("--out");
const out =
  outArg >= 0 ? args[outArg + 1] : join(root, "dist", dev ? "extension-dev" : "extension");
const zip = !args.includes("--no-zip");

/** Host permissions only the development build has (the emulators listen on loopback). */
const DEV_HOSTS = ["http://127.0.0.1/*", "http://localhost/*"];

const wasm = join(root, "pkg", "entries", "ghl-bridge.wasm");
if (!existsSync(wasm) || !existsSync(join(root, "pkg", "entries", "slim.js"))) {
  console.error("build-extension: pkg/ is not built: run `bash scripts/build.sh` first");
  process.exit(1);
}
const { version } = JSON.parse(await readFile(join(root, "pkg", "package.json"), "utf8"));

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: {
    background: join(src, "background.ts"),
    sidepanel: join(src, "pages", "sidepanel.ts"),
    options: join(src, "pages", "options.ts"),
    // The package for the console's Mapping panel (it resolves ghl-bridge.wasm beside it).
    core: join(root, "pkg", "entries", "web.js"),
  },
  bundle: true,
  format: "esm",
  splitting: false,
  target: ["chrome121", "firefox128"],
  outdir: out,
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  legalComments: "none",
  define: { __GHL_BRIDGE_DEV__: dev ? "true" : "false" },
  logLevel: "warning",
});
await cp(wasm, join(out, "ghl-bridge.wasm"));
for (const f of ["sidepanel.html", "options.html"]) await cp(join(src, f), join(out, f));
await cp(join(src, "pages", "style.css"), join(out, "style.css"));
// The icons, drawn at build time (scripts/extension-icons.mjs).
const icons = {};
for (const size of ICON_SIZES) {
  icons[size] = `icon-${size}.png`;
  await writeFile(join(out, icons[size]), iconPng(size));
}

const manifest = JSON.parse(await readFile(join(src, "manifest.json"), "utf8"));
manifest.version = version.replace(/[-+].*$/, "");
manifest.icons = icons;
manifest.action.default_icon = icons;
if (dev) {
  manifest.name = `${manifest.name} (development)`;
  manifest.host_permissions = [...manifest.host_permissions, ...DEV_HOSTS];
}
await writeFile(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

async function files(dir) {
  const outFiles = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) outFiles.push(...(await files(p)));
    else outFiles.push(p);
  }
  return outFiles.sort();
}

const listed = await files(out);
let total = 0;
for (const f of listed) total += (await stat(f)).size;
console.log(
  `extension (${dev ? "development" : "release"}) ${manifest.version}: ${relative(root, out) || out}, ${listed.length} files, ${total} bytes`,
);
if (zip) {
  const entries = {};
  // A fixed time: the same sources give the same zip.
  const mtime = new Date(Date.UTC(2020, 0, 1));
  for (const f of listed)
    entries[relative(out, f).split("\\").join("/")] = [await readFile(f), { mtime }];
  const bytes = zipSync(entries, { level: 9 });
  const name = `ghl-bridge-extension-${manifest.version}${dev ? "-dev" : ""}.zip`;
  const zipPath = join(dirname(out), name);
  await writeFile(zipPath, bytes);
  console.log(`  zip: ${relative(root, zipPath)}, ${bytes.length} bytes`);
}
