// Load figures per entry (issue #14): Node `import()` time (a fresh `node` process per
// run, timed inside it around the `import()`) and Chromium navigation-to-ready time (a
// fresh browser context and page per run, so nothing is cached: `performance.now()`
// when the entry's import has resolved, counted from the navigation's start). Median of
// 7 cold runs, beside the same figures for a baseline package measured in the same run,
// as ratios (this machine is noisy: only same-run ratios mean anything).
//
// The baseline is an already built package (`--baseline-pkg DIR`) or a commit
// (`--baseline REF`): checked out with `git worktree add` into a temporary folder and
// built there (`scripts/build.sh`, its own target dir), then removed.
// Used by `node scripts/size.mjs --load ...` (`make size-load`).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const RUNS = 7;
const repo = resolve(new URL("..", import.meta.url).pathname);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Milliseconds of one cold `import()` in a fresh Node process. */
function nodeImportMs(file) {
  const code = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  const ms = Number(r.stdout);
  if (r.status !== 0 || !Number.isFinite(ms))
    throw new Error(`import of ${file} failed: ${r.stderr}`);
  return ms;
}

/** Builds the package of a commit in a temporary worktree; returns { dir, cleanup }. */
function buildBaseline(ref) {
  const tmp = mkdtempSync(join(tmpdir(), "ghl-bridge-baseline-"));
  const tree = join(tmp, "tree");
  execFileSync("git", ["-C", repo, "worktree", "add", "--detach", tree, ref], { stdio: "ignore" });
  const cleanup = () => {
    spawnSync("git", ["-C", repo, "worktree", "remove", "--force", tree], { stdio: "ignore" });
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    // The same dev tools as this checkout (no second `npm ci`).
    if (existsSync(join(repo, "node_modules")))
      symlinkSync(join(repo, "node_modules"), join(tree, "node_modules"));
    console.log(`load: building the baseline ${ref} in a temporary worktree (slow)`);
    execFileSync("bash", ["scripts/build.sh"], {
      cwd: tree,
      stdio: ["ignore", "ignore", "inherit"],
    });
    return { dir: join(tree, "pkg"), cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Serves `roots` (name -> folder) on 127.0.0.1 with a page that imports `?entry=`. */
async function serve(roots) {
  const { serveDir } = await import("../tests/browser/harness.mjs");
  const site = mkdtempSync(join(tmpdir(), "ghl-bridge-load-"));
  for (const [name, dir] of Object.entries(roots)) symlinkSync(dir, join(site, name));
  writeFileSync(
    join(site, "load.html"),
    `<!doctype html><meta charset="utf-8"><script type="module">
const entry = new URLSearchParams(location.search).get("entry");
import(entry).then(() => { window.__ready = performance.now(); }, (e) => { window.__failed = String(e); });
</script>`,
  );
  const server = await serveDir(site);
  return {
    ...server,
    close: async () => {
      await server.close();
      rmSync(site, { recursive: true, force: true });
    },
  };
}

/** Milliseconds from navigation start to the entry's import resolving, in a fresh context. */
async function pageReadyMs(browser, url) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.__ready !== undefined || window.__failed !== undefined);
    const failed = await page.evaluate(() => window.__failed);
    if (failed) throw new Error(`${url}: ${failed}`);
    return await page.evaluate(() => window.__ready);
  } finally {
    await context.close();
  }
}

/**
 * Prints the load table for `pkgDir` beside a baseline. `ENTRIES` and `entryFile` come
 * from size.mjs (passed in: importing it back would wait on its own top-level await).
 */
export async function loadReport(pkgDir, { ENTRIES, entryFile, baselinePkg, baselineRef }) {
  let baseline = baselinePkg ? { dir: resolve(baselinePkg), cleanup: () => {} } : null;
  if (!baseline && baselineRef) baseline = buildBaseline(baselineRef);
  const pkgs = { current: pkgDir, ...(baseline ? { baseline: baseline.dir } : {}) };
  let browser = null;
  let server = null;
  try {
    try {
      const { launch } = await import("../tests/browser/harness.mjs");
      browser = await launch();
      server = await serve(pkgs);
    } catch (e) {
      console.log(`load: no Chromium figures (${e.message.split("\n")[0]})`);
    }
    const fig = (n) => (n === undefined ? "-" : n.toFixed(1)).padStart(10);
    const ratio = (a, b) =>
      (a === undefined || b === undefined ? "-" : (a / b).toFixed(2)).padStart(7);
    console.log(`\nload, median of ${RUNS} cold runs, ms (ratio = current / baseline, same run)`);
    console.log(
      `${"entry".padEnd(22)}${"node cur".padStart(10)}${"node base".padStart(10)}${"ratio".padStart(7)}${"page cur".padStart(10)}${"page base".padStart(10)}${"ratio".padStart(7)}`,
    );
    for (const e of ENTRIES) {
      // Runs alternate between the packages, so a burst of load on the machine
      // weighs on both sides alike.
      const files = {};
      for (const [which, dir] of Object.entries(pkgs)) {
        const file = entryFile(dir, e.subpath, ["node", "default", "import"]);
        if (file && existsSync(file)) files[which] = { dir, file, node: [], page: [] };
      }
      for (let i = 0; i < RUNS; i++) {
        for (const [which, f] of Object.entries(files)) {
          // A browser-only entry (the console defines a custom element) has no Node figure.
          if (!e.browserOnly) f.node.push(nodeImportMs(f.file));
          if (!browser) continue;
          const target = `/${which}/${relative(f.dir, entryFile(f.dir, e.subpath))}`;
          f.page.push(
            await pageReadyMs(
              browser,
              `${server.url}/load.html?entry=${encodeURIComponent(target)}`,
            ),
          );
        }
      }
      const out = {};
      for (const [which, f] of Object.entries(files))
        out[which] = { node: median(f.node), page: browser ? median(f.page) : undefined };
      if (!out.current) continue;
      const c = out.current;
      const b = out.baseline ?? {};
      console.log(
        `${e.name.padEnd(22)}${fig(c.node)}${fig(b.node)}${ratio(c.node, b.node)}${fig(c.page)}${fig(b.page)}${ratio(c.page, b.page)}`,
      );
    }
  } finally {
    await browser?.close();
    await server?.close();
    baseline?.cleanup();
  }
}
