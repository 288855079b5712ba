// Every ```js block of README.md and of the package README (js/PACKAGE_README.md, what
// npm shows) runs against the GHL emulator, as its own ES module importing the built
// package by name. A block may be skipped only when an HTML comment on the line before
// its fence says why: `<!-- skip: reason -->`; the reason is printed.
//
// What a block may use without defining it (set on `globalThis` by the prelude below):
// `token`, `locationId`, `scopes`, `getToken`, `host.currentToken()`, `event` (a
// Wishpond lead event), `wishpondLead` (its payload), `myRulesDocument`, `doc1`, `doc2`
// (the Wishpond and Qwilr presets). GHL's default base URL is answered by the emulator
// (the prelude points `fetch` there), and `indexedDB` is an in-memory implementation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startEmulator, ALL_SCOPES, DEMO_LOCATION_ID } from "../../js/emulator/index.mjs";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
/** The location and token the READMEs' examples act on (the top README names this id). */
const LOCATION = "ve9EPM428h8vShlRW1KT";
const TOKEN = "pit-readme-examples";

/** The ```js blocks of a Markdown text: { line, code, skip }. */
function jsBlocks(markdown) {
  const lines = markdown.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```js\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const skip = /<!--\s*skip:\s*(.*?)\s*-->/.exec(lines[i - 1] ?? "")?.[1];
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++)
      body.push(lines[j].slice(indent));
    out.push({ line: i + 1, code: body.join("\n"), skip });
    i = j;
  }
  return out;
}

const prelude = (emulatorUrl) => `
import { indexedDB, IDBKeyRange } from "fake-indexeddb";
import { readFileSync } from "node:fs";
const fixture = (p) => JSON.parse(readFileSync(${JSON.stringify(join(repo, "tests/fixtures/"))} + p, "utf8"));
const preset = (p) => JSON.parse(readFileSync(${JSON.stringify(join(repo, "src/rules/presets/"))} + p, "utf8"));
const real = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const moved = url.replace(/^https:\\/\\/services\\.leadconnectorhq\\.com/, ${JSON.stringify(emulatorUrl)});
  return real(typeof input === "string" || input instanceof URL ? moved : new Request(moved, input), init);
};
Object.assign(globalThis, {
  indexedDB, IDBKeyRange,
  token: ${JSON.stringify(TOKEN)},
  locationId: ${JSON.stringify(LOCATION)},
  scopes: ${JSON.stringify(ALL_SCOPES)},
  getToken: async () => ${JSON.stringify(TOKEN)},
  host: { currentToken: async () => ${JSON.stringify(TOKEN)} },
  wishpondLead: fixture("wishpond/lead-created.json"),
  event: { type: "wishpond.lead.created", id: "evt_readme", payload: fixture("wishpond/lead-created.json") },
  myRulesDocument: preset("wishpond-lead.json"),
  doc1: preset("wishpond-lead.json"),
  doc2: preset("qwilr-events.json"),
});
`;

let emu, dir;
before(async () => {
  emu = await startEmulator({
    seed: 11,
    locations: [DEMO_LOCATION_ID, LOCATION],
    tokens: { [TOKEN]: { locationId: LOCATION, scopes: [...ALL_SCOPES], label: "readme" } },
  });
  dir = await mkdtemp(join(tmpdir(), "ghl-bridge-readme-"));
  await mkdir(join(dir, "node_modules"));
  await symlink(join(repo, "pkg"), join(dir, "node_modules", "ghl-bridge"), "dir");
  await symlink(
    join(repo, "node_modules", "fake-indexeddb"),
    join(dir, "node_modules", "fake-indexeddb"),
    "dir",
  );
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "readme-examples", private: true, type: "module" }),
  );
  await writeFile(join(dir, "prelude.mjs"), prelude(emu.url));
});
after(async () => {
  await emu?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

for (const readme of ["README.md", "js/PACKAGE_README.md"]) {
  const text = await readFile(join(repo, readme), "utf8");
  const blocks = jsBlocks(text);
  test(`${readme} has code blocks to run`, () => assert.ok(blocks.length > 0));
  for (const [n, block] of blocks.entries()) {
    const name = `${readme} block ${n + 1} (line ${block.line})`;
    if (block.skip !== undefined) {
      test(name, { skip: block.skip || "a skip marker must say why" }, () => {});
      test(`${name}: its skip marker gives a reason`, () => assert.ok(block.skip.length > 0));
      continue;
    }
    test(name, async () => {
      const file = join(dir, `block-${readme.replace(/\W/g, "_")}-${n + 1}.mjs`);
      await writeFile(
        `${file}.main.mjs`,
        `import "./prelude.mjs";\nawait import(${JSON.stringify(file)});\nprocess.exit(0);\n`,
      );
      await writeFile(file, block.code);
      try {
        const { stdout } = await run(process.execPath, [`${file}.main.mjs`], {
          cwd: dir,
          timeout: 60_000,
        });
        if (process.env.README_VERBOSE) console.log(`--- ${name}\n${stdout}`);
      } catch (e) {
        assert.fail(`${name} failed:\n${e.stderr || e.message}`);
      }
    });
  }
}
