// The console's budget (issue 12): its JavaScript loads with the page, the Wasm core only
// when a panel needs it. The page is watched as a browser loads it: no `.wasm` request
// until the person does something that needs the core (here: connecting, which builds
// the client), and the Connection form is usable before that.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, hasBrowser, setup } from "./helpers.mjs";

const skip = hasBrowser ? false : "chromium is not installed (run `make setup`)";
let env;
before(async () => {
  if (!skip) env = await setup();
});
after(async () => env?.close());

test("the Wasm core is not loaded until a panel needs it", { skip }, async () => {
  const context = await env.browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  const wasm = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.endsWith(".wasm")) wasm.push(r.url());
  });
  await page.goto(env.demoUrl());
  await page.getByRole("tab", { name: "Connection" }).waitFor();
  // Usable without it: the Connection form.
  await page.getByLabel("Private Integration Token").waitFor();
  assert.deepEqual(wasm, [], "no Wasm before it is needed");
  // Connecting builds the client: now the core is loaded, once.
  await connect(page);
  await page.getByRole("tab", { name: "Mapping" }).click();
  await page.getByRole("button", { name: "Save rules" }).waitFor();
  assert.equal(wasm.length, 1, wasm.join(", "));
  await context.close();
});
