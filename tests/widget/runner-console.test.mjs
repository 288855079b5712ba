// The console the runner serves (`GET /console/`), as a person uses it in Chromium,
// against the GHL and Qwilr emulators: sign in with the console password, test the
// connection, "Connect with HighLevel" through the runner's OAuth (the emulator's
// authorize page and token endpoint), Qwilr webhooks created and removed from the Sources
// panel, rules saved, staging and going live; axe-core on every panel the runner serves
// (screenshots in target/widget-screenshots/runner-*.png); and the HighLevel custom page:
// a parent page on another site frames the console and answers REQUEST_USER_DATA with a
// payload made by crypto-js (as GHL makes it), which opens a session for its location;
// a forged payload is refused in words. No token ever reaches the page.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import CryptoJS from "crypto-js";
import { DEMO_OAUTH_CLIENT, DEMO_TOKEN } from "../../js/emulator/index.mjs";
import { QWILR_EMULATOR_TOKEN } from "../../js/emulator/qwilr/index.mjs";
import { WISHPOND_EMULATOR_KEY } from "../../js/emulator/wishpond/index.mjs";
import { createPollers } from "../../pkg/runner/index.js";
import { launch } from "../browser/harness.mjs";
import { startConsoleRunner } from "../node/runner-console-fixture.mjs";
import { axe, hasBrowser, shots } from "./helpers.mjs";

const skip = hasBrowser ? false : "chromium is not installed (run `make setup`)";
const PASSWORD = "console-password-for-tests";
const SHARED = "custom-page-shared-secret-01";
const LOCATION = "demoLocation00000001";
const OAUTH_LOCATION = "oauthLocation0000001";
let emu;
let qwilr;
let made;
let server;
let browser;
let parent;
let parentPage = "";
let env;
const answers = [];

before(async () => {
  if (skip) return;
  // HighLevel's app: another site (localhost, the runner is 127.0.0.1) that frames the console.
  parent = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(parentPage);
  });
  await new Promise((r) => parent.listen(0, "127.0.0.1", r));
  const ghlOrigin = `http://localhost:${parent.address().port}`;
  env = await startConsoleRunner({
    consoleDir: fileURLToPath(new URL("../../pkg/", import.meta.url)),
    wishpond: true,
    env: {
      TEST_PASSWORD: PASSWORD,
      TEST_SHARED: SHARED,
      TEST_CLIENT_SECRET: DEMO_OAUTH_CLIENT.clientSecret,
    },
    patch(doc) {
      doc.oauthApps = {
        app: {
          clientId: DEMO_OAUTH_CLIENT.clientId,
          clientSecret: { env: "TEST_CLIENT_SECRET" },
          scopes: ["contacts.readonly", "contacts.write", "locations.readonly"],
        },
      };
      doc.connections.oa = { locationId: OAUTH_LOCATION, auth: { oauth: "app" } };
      doc.console = {
        password: { env: "TEST_PASSWORD" },
        customPage: { sharedSecret: { env: "TEST_SHARED" }, origins: [ghlOrigin] },
      };
    },
  });
  ({ emu, qwilr, made, server } = env);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await env?.stop();
  await new Promise((r) => (parent ? parent.close(r) : r()));
});

async function open(path = "/console/", viewport = { width: 1100, height: 900 }) {
  // bypassCSP: only so that axe-core can be injected (the page's CSP allows no inline script).
  const context = await browser.newContext({ viewport, locale: "en-US", bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("response", async (r) => {
    if (r.url().includes("/console/api/")) answers.push(await r.text().catch(() => ""));
  });
  await page.goto(`${server.url}${path}`);
  await page.getByRole("tab", { name: "Connection" }).waitFor();
  return { page, context, errors };
}

async function signIn(page) {
  await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
  await page.getByLabel("Console password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("That password is not right. Try again.").waitFor();
  await page.getByLabel("Console password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Connect to HighLevel" }).waitFor();
}

test("sign in, test the connection, every panel passes axe; no token in the page", {
  skip,
}, async () => {
  const { page, context, errors } = await open(`/console/?location=${LOCATION}`);
  await signIn(page);
  // The runner keeps the token: no token field here.
  assert.equal(await page.getByLabel("Private Integration Token").count(), 0);
  await page.getByRole("button", { name: "Save and test connection" }).click();
  await page.getByText(`Connected to Demo Location (${LOCATION}).`).waitFor();
  await page.getByRole("heading", { name: "What this token may do" }).waitFor();
  // The social-planner tag scope is not in this connection's list: named as missing.
  assert.ok((await page.locator("[data-flow=socialTags] .missing").count()) === 1);
  assert.equal(await page.locator("[data-flow=statistics] .missing").count(), 0);
  const found = {};
  for (const name of ["Connection", "Sources", "Mapping", "Go live", "Activity", "Dashboard"]) {
    await page.getByRole("tab", { name }).click();
    if (name === "Sources") await page.getByRole("heading", { name: "Qwilr" }).waitFor();
    if (name === "Go live") {
      await page.getByRole("button", { name: "Dry run" }).click();
      await page.getByText("Nothing was sent to HighLevel.").waitFor();
    }
    if (name === "Activity") await page.locator("dd[data-count=dead]").waitFor();
    if (name === "Mapping") await page.getByRole("button", { name: "Save rules" }).waitFor();
    // The statistics flow run by the runner against the emulator, drawn.
    if (name === "Dashboard") await page.locator("svg[data-chart=totals]").waitFor();
    await page
      .getByText("Loading…")
      .waitFor({ state: "detached" })
      .catch(() => {});
    const v = await axe(page);
    if (v.length) found[name] = v;
    await page.screenshot({
      path: `${shots}runner-${name.toLowerCase().replace(" ", "-")}.png`,
      fullPage: true,
    });
  }
  assert.deepEqual(found, {}, JSON.stringify(found, null, 2));
  const html = await page.locator("ghl-bridge-console").evaluate((el) => el.shadowRoot.innerHTML);
  assert.ok(!html.includes(DEMO_TOKEN));
  for (const a of answers) assert.ok(!a.includes(DEMO_TOKEN) && !a.includes(made.qwilrSecret));
  assert.deepEqual(errors, []);
  await context.close();
});

test("the Sources panel shows the Wishpond poll: never before, the last poll and lead after one", {
  skip,
}, async () => {
  const { page, context, errors } = await open(`/console/?location=${LOCATION}`);
  await signIn(page);
  await page.getByRole("tab", { name: "Sources" }).click();
  const status = page.getByText(/^Last lead seen: /);
  await status.waitFor();
  assert.equal((await status.textContent()).trim(), "Last lead seen: never.");
  // One poll of the runner's Wishpond source (the emulator has leads), as a worker runs it.
  const pollers = createPollers({
    config: made.config,
    store: env.store,
    log: env.logs.log,
    holder: "w-test",
  });
  const before = Date.now();
  await pollers.tick();
  assert.ok(env.wp.log.length > 0, "the Wishpond emulator was polled");
  await page.reload();
  await page.getByRole("tab", { name: "Sources" }).click();
  await page.getByText(/^Last lead seen: (?!never)/).waitFor();
  const text = (await page.getByText(/^Last lead seen: /).textContent()).trim();
  // Both in the page's locale (en-US), within the seconds the poll took.
  const m = /^Last lead seen: (.+)\. Last poll: (.+)\.$/.exec(text);
  assert.ok(m, text);
  for (const shown of [m[1], m[2]]) {
    const t = new Date(shown).getTime();
    assert.ok(t >= Math.floor(before / 1000) * 1000 - 1000 && t <= Date.now(), shown);
  }
  const html = await page.locator("ghl-bridge-console").evaluate((el) => el.shadowRoot.innerHTML);
  assert.ok(!html.includes(WISHPOND_EMULATOR_KEY), "the Wishpond key is never shown");
  assert.deepEqual(errors, []);
  await context.close();
});

test("Qwilr webhooks created and removed from the Sources panel through the runner", {
  skip,
}, async () => {
  const { page, context } = await open(`/console/?location=${LOCATION}`);
  await signIn(page);
  await page.getByRole("tab", { name: "Sources" }).click();
  // "A proposal is accepted" is ticked to begin with.
  await page.getByRole("button", { name: "Create the subscriptions" }).click();
  await page.getByRole("status").getByText("1 Qwilr subscription in place.").waitFor();
  const remove = page.getByRole("button", {
    name: "Remove the A proposal is accepted subscription",
  });
  await remove.waitFor();
  const listed = await (
    await fetch(`${qwilr.url}/webhooks`, {
      headers: { authorization: `Bearer ${QWILR_EMULATOR_TOKEN}` },
    })
  ).json();
  assert.deepEqual(
    listed.data.map((s) => [s.event, s.targetUrl]),
    [["pageAccepted", `${server.url}/hooks/qwilr/${made.qwilrSecret}`]],
  );
  const shown = await page.locator("ghl-bridge-console").evaluate((el) => el.shadowRoot.innerHTML);
  assert.ok(!shown.includes(made.qwilrSecret), "the URL secret is never shown");
  await page.screenshot({ path: `${shots}runner-sources-subscribed.png`, fullPage: true });
  await remove.click();
  await page.getByRole("status").getByText("Subscription removed.").waitFor();
  await remove.waitFor({ state: "detached" });
  const after = await (
    await fetch(`${qwilr.url}/webhooks`, {
      headers: { authorization: `Bearer ${QWILR_EMULATOR_TOKEN}` },
    })
  ).json();
  assert.deepEqual(after.data, []);
  await context.close();
});

test("Connect with HighLevel: the runner's OAuth in a window; the panel shows connected", {
  skip,
}, async () => {
  const { page, context } = await open(`/console/?location=${OAUTH_LOCATION}`);
  await signIn(page);
  emu.oauth.settings.installFor.locationId = OAUTH_LOCATION;
  const popup = page.waitForEvent("popup");
  await page.getByRole("button", { name: "Connect with HighLevel" }).click();
  const win = await popup;
  await win.waitForLoadState().catch(() => {});
  await page.getByText(`Connected to`).waitFor({ timeout: 20_000 });
  await page.getByRole("heading", { name: "What this token may do" }).waitFor();
  assert.ok(emu.oauth.log.some((e) => e.endpoint === "token" && e.grant === "authorization_code"));
  await page.screenshot({ path: `${shots}runner-oauth-connected.png`, fullPage: true });
  const html = await page.locator("ghl-bridge-console").evaluate((el) => el.shadowRoot.innerHTML);
  assert.ok(!/oauth-(at|rt)-/.test(html), "no OAuth token in the page");
  for (const a of answers) assert.ok(!/oauth-(at|rt)-/.test(a), "no OAuth token in an answer");
  await context.close();
});

/** HighLevel's app page: frames the console and answers each handshake with the next of `payloads`. */
function ghlAppEach(payloads) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>HighLevel</title></head>
<body><h1>HighLevel (test parent)</h1>
<iframe title="ghl-bridge" src="${server.url}/console/" style="width:1000px;height:800px"></iframe>
<script>
const payloads = ${JSON.stringify(payloads)};
let next = 0;
window.addEventListener("message", (e) => {
  if (e.data && e.data.message === "REQUEST_USER_DATA")
    e.source.postMessage({ message: "REQUEST_USER_DATA_RESPONSE", payload: payloads[Math.min(next++, payloads.length - 1)] }, e.origin);
});
</script></body></html>`;
}

/** HighLevel's app page: frames the console and answers the handshake with `payload`. */
function ghlApp(payload) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>HighLevel</title></head>
<body><h1>HighLevel (test parent)</h1>
<iframe title="ghl-bridge" src="${server.url}/console/" style="width:1000px;height:800px"></iframe>
<script>
window.addEventListener("message", (e) => {
  if (e.data && e.data.message === "REQUEST_USER_DATA")
    e.source.postMessage({ message: "REQUEST_USER_DATA_RESPONSE", payload: ${JSON.stringify(payload)} }, e.origin);
});
</script></body></html>`;
}
const USER = {
  userId: "u-42",
  companyId: "c-1",
  role: "admin",
  type: "account",
  activeLocation: LOCATION,
  userName: "Jane Doe",
  email: "jane@example.com",
};

test("HighLevel custom page: the REQUEST_USER_DATA handshake opens a session for the location", {
  skip,
}, async () => {
  parentPage = ghlApp(CryptoJS.AES.encrypt(JSON.stringify(USER), SHARED).toString());
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  await page.goto(`http://localhost:${parent.address().port}/`);
  const frame = page.frameLocator("iframe");
  await frame.getByRole("tab", { name: "Connection" }).waitFor();
  // No sign-in form: the session came from HighLevel's payload (its location only).
  await frame.getByRole("button", { name: "Save and test connection" }).click();
  await frame.getByText(`Connected to Demo Location (${LOCATION}).`).waitFor();
  assert.equal(await frame.getByRole("heading", { name: "Sign in to the console" }).count(), 0);
  await page.screenshot({ path: `${shots}runner-custom-page.png`, fullPage: true });
  await context.close();
});

test("HighLevel custom page: a forged payload is refused in words; nothing opens", {
  skip,
}, async () => {
  parentPage = ghlApp(CryptoJS.AES.encrypt(JSON.stringify(USER), "a-guessed-secret").toString());
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  await page.goto(`http://localhost:${parent.address().port}/`);
  const frame = page.frameLocator("iframe");
  await frame.getByText("HighLevel’s sign-in could not be checked.", { exact: false }).waitFor();
  await page.screenshot({ path: `${shots}runner-custom-page-forged.png`, fullPage: true });
  await context.close();
});

test("HighLevel custom page: a session that ended is opened again by a new handshake; a replayed payload is refused", {
  skip,
}, async () => {
  const fresh = () => CryptoJS.AES.encrypt(JSON.stringify(USER), SHARED).toString();
  const sessions = () =>
    [...env.store.values.keys()].filter((k) => k.startsWith("console-session:"));
  // HighLevel encrypts anew for each request: the console asks again when its session ends.
  parentPage = ghlAppEach([fresh(), fresh()]);
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  await page.goto(`http://localhost:${parent.address().port}/`);
  const frame = page.frameLocator("iframe");
  await frame.getByRole("button", { name: "Save and test connection" }).click();
  await frame.getByText(`Connected to Demo Location (${LOCATION}).`).waitFor();
  // The session ends (as after its 15 minutes): the runner no longer knows it.
  for (const k of sessions()) env.store.values.delete(k);
  await frame.getByRole("tab", { name: "Sources" }).click();
  await frame.getByRole("heading", { name: "Qwilr" }).waitFor();
  assert.equal(await frame.getByRole("heading", { name: "Sign in to the console" }).count(), 0);
  assert.equal(sessions().length, 1, "a new session from the second payload");
  await context.close();

  // The same payload a second time (captured and replayed): refused in words.
  const once = fresh();
  parentPage = ghlAppEach([once]);
  for (let i = 0; i < 2; i++) {
    const c = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const p = await c.newPage();
    await p.goto(`http://localhost:${parent.address().port}/`);
    const f = p.frameLocator("iframe");
    if (i === 0) {
      await f.getByRole("button", { name: "Save and test connection" }).click();
      await f.getByText(`Connected to Demo Location (${LOCATION}).`).waitFor();
    } else {
      await f.getByText("This HighLevel sign-in was used already.", { exact: false }).waitFor();
      await p.screenshot({ path: `${shots}runner-custom-page-replayed.png`, fullPage: true });
    }
    await c.close();
  }
});
