// `make console` (issue 12): the Makefile target starts the emulators and the runner
// (`node js/demo/serve.mjs --console`) and prints the console's URL and password first.
// Run as a person would: start it, read the URL it prints, open that page, sign in with
// the printed password and test the connection through the runner; then Ctrl-C (SIGINT)
// stops everything.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { consoleSession } from "../node/runner-fixtures.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("the Makefile's console target builds, then runs the demo with --console", () => {
  const make = readFileSync(`${root}Makefile`, "utf8");
  const target = /^console:[^\n]*\n((?:\t[^\n]*\n)+)/m.exec(make);
  assert.ok(target, "a console target");
  assert.deepEqual(target[1].trim().split(/\n\t/), [
    "bash scripts/build.sh",
    "node js/demo/serve.mjs --console",
  ]);
});

test("make console prints the console's URL and password; the page opens and signs in", async () => {
  const child = spawn(process.execPath, ["js/demo/serve.mjs", "--console"], {
    cwd: root,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let out = "";
    const printed = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no console URL printed:\n${out}`)), 30_000);
      child.stdout.on("data", (c) => {
        out += c;
        const m =
          /\n {2}console {9}(http:\/\/127\.0\.0\.1:\d+)\/console\/\?location=(\S+)\n {18}password: (\S+)/.exec(
            out,
          );
        // Once everything is printed (the last line), the order can be checked.
        if (m && out.includes("Ctrl-C stops everything.")) {
          clearTimeout(timer);
          resolve({ url: m[1], location: m[2], password: m[3] });
        }
      });
      child.once("exit", (code) => reject(new Error(`exited with ${code}:\n${out}`)));
    });
    // The console's URL leads what is printed (before the runner's other addresses).
    assert.ok(out.indexOf("console         http") < out.indexOf("ghl-bridge serve is running"));
    const page = await fetch(`${printed.url}/console/?location=${printed.location}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<ghl-bridge-console/);
    // The printed password opens a session; the demo connection reads its location.
    const call = await consoleSession(printed.url, printed.password);
    const tested = await call("testConnection");
    assert.equal(tested.error, null, JSON.stringify(tested));
    assert.equal(tested.location.id, printed.location);
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGINT");
    await exited;
  }
});
