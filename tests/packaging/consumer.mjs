// A consumer project of the packed package, shared by the Node and browser packaging
// tests: `npm pack` of pkg/ installed into a fresh temporary project, the fixture app
// copied in, and one build per bundler with the commands the package README gives. The
// bundlers are the workspace's dev dependencies. The package's own dependencies (the
// runner's stores and mailer, pinned as the workspace's) come from npm's cache, or from
// the registry when the cache holds their tarballs but not their metadata (`npm ci` on
// a fresh machine fetches only the tarballs its lockfile names).
import { execFileSync } from "node:child_process";
import { cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));

/** The workspace's copy of a dev dependency's file. */
export const bin = (path) => join(repo, "node_modules", path);

/** Creates the project; resolves to { dir, run(cmd, args), remove() }. */
export async function consumerProject() {
  const dir = await mkdtemp(join(tmpdir(), "ghl-bridge-consumer-"));
  const run = (cmd, args, cwd = dir) =>
    execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  run("npm", ["pack", "--silent", "--pack-destination", dir, join(repo, "pkg")], repo);
  const tarball = (await readdir(dir)).find((f) => f.endsWith(".tgz"));
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(dir, tarball)]);
  await cp(fileURLToPath(new URL("./app", import.meta.url)), dir, { recursive: true });
  return { dir, run, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Each bundler's build of the fixture app into its own folder, which can then be
 * served as it is (each has an index.html loading the app). Returns the folder.
 */
export const builds = {
  esbuild(project) {
    project.run(bin(".bin/esbuild"), [
      "main.js",
      "--bundle",
      "--format=esm",
      "--outdir=dist-esbuild",
      "--log-level=warning",
    ]);
    // The README's second step: the modules beside the bundle.
    project.run("cp", [
      "node_modules/ghl-bridge/entries/ghl-bridge.wasm",
      "node_modules/ghl-bridge/client/entries/ghl-bridge-client.wasm",
      "dist-esbuild/",
    ]);
    project.run("cp", ["index.html", "dist-esbuild/"]);
    return "dist-esbuild";
  },
  webpack(project) {
    project.run("node", [bin("webpack-cli/bin/cli.js"), "--config", "webpack.config.mjs"]);
    project.run("cp", ["webpack.html", "dist-webpack/index.html"]);
    return "dist-webpack";
  },
  vite(project) {
    project.run("node", [bin("vite/bin/vite.js"), "build", "--config", "vite.config.mjs"]);
    return "dist-vite";
  },
  vite6(project) {
    project.run("node", [bin("vite6/bin/vite.js"), "build", "--config", "vite6.config.mjs"]);
    return "dist-vite6";
  },
};

/** The .wasm file names of a build folder. */
export async function wasmFiles(project, out) {
  const all = await readdir(join(project.dir, out), { recursive: true });
  return all.filter((f) => f.endsWith(".wasm")).map((f) => f.split("/").pop());
}
