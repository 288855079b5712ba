// <ghl-mapping-editor> in real headless Chromium, used as a person would: the element
// bundled with esbuild (as a host bundles it), the real package from pkg/ as `core`,
// Wishpond fixtures as the recent events. Screenshots go to target/widget-screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { bundleMappingEditor } from "./bundle.mjs";
import { serveRepo, launch } from "../browser/harness.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const shots = `${root}target/widget-screenshots`;
let server;
let browser;

before(async () => {
  await bundleMappingEditor();
  await mkdir(shots, { recursive: true });
  server = await serveRepo();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page with the editor loaded (empty document, three recent events). */
async function open({ width = 1400, height = 1000, colorScheme = "light" } = {}) {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}/tests/widget/mapping-editor.html`);
  await page.waitForSelector("body[data-ready=yes]");
  page.errors = errors;
  return page;
}

const lastDoc = (page) => page.evaluate(() => window.changes.at(-1)?.document);
const who = (page) => page.getByTestId("who");
const source = (page, path) =>
  page.getByRole("button", { name: new RegExp(`^${path.replace(/[.[\]]/g, "\\$&")} ?,`) });
const label = (loc) => loc.evaluate((el) => el.textContent.replace(/\s+/g, " ").trim());
const target = (page, label) => page.locator(`button.target`, { hasText: label }).first();
const card = (page, ptr) => page.locator(`[data-ptr="${ptr}"]`);
/** Opens a closed card by its disclosure button (as a person clicks its summary line). */
const expand = async (loc) => {
  const b = loc.locator("button.disclosure").first();
  if ((await b.getAttribute("aria-expanded")) !== "true") await b.click();
};

/** The problem text a control points to with aria-describedby ("" when none). */
async function describedError(locator) {
  const ids = await locator.getAttribute("aria-describedby");
  if (!ids) return "";
  let text = "";
  for (const id of ids.split(" ")) text += await locator.page().locator(`#${id}`).textContent();
  return text;
}

test("the sample is a tree with values and types; another recent event can be picked", async () => {
  const page = await open();
  const email = source(page, "lead.email");
  assert.match(await label(email), /^lead\.email, text, " Jane\.Doe@Example\.COM "/);
  assert.match(await label(source(page, "lead.custom_fields.budget")), /number, 7500/);
  assert.match(await label(source(page, "lead.opted_in")), /yes\/no, true/);
  await page.getByLabel("Recent event").selectOption({ index: 2 });
  assert.equal(await source(page, "lead.email").count(), 0);
  assert.match(await label(source(page, "dynamic_attributes.first_name")), /"Jane"/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a pasted event: bad JSON gets a plain error, good JSON becomes the sample", async () => {
  const page = await open();
  await page.getByRole("button", { name: "Paste an event" }).click();
  const box = page.getByLabel("Event as JSON");
  await box.fill('{"lead": {"email": "x@example.com",}');
  await page.getByRole("button", { name: "Use this event" }).click();
  const alert = page.getByRole("alert");
  assert.match(await alert.textContent(), /This is not valid JSON/);
  assert.equal(await box.getAttribute("aria-invalid"), "true");
  await box.fill('{"form": {"work_email": "kim@example.com", "given_name": "kim"}}');
  await page.getByRole("button", { name: "Use this event" }).click();
  assert.equal(await page.getByRole("alert").count(), 0);
  assert.match(await label(source(page, "form.work_email")), /kim@example\.com/);
  await page.close();
});

test("map a field by dragging it onto a HighLevel field: the document and the preview change", async () => {
  const page = await open();
  assert.match(await who(page).textContent(), /cannot be sent/);
  await source(page, "lead.email").dragTo(target(page, "Email"));
  const doc = await lastDoc(page);
  assert.deepEqual(
    doc.mappings.map((m) => [m.from, m.to, m.transforms]),
    [["lead.email", "email", ["email"]]],
  );
  assert.match(
    await who(page).textContent(),
    /will update jane\.doe@example\.com \(matched by email\)/,
  );
  // A custom field by name, written by id.
  await source(page, "lead.utm.source").dragTo(target(page, "UTM Source"));
  const doc2 = await lastDoc(page);
  assert.deepEqual(doc2.mappings[1].to, { customFieldId: "cf_utm" });
  assert.match(await page.getByRole("row", { name: /UTM Source/ }).textContent(), /Facebook/);
  await page.screenshot({ path: `${shots}/mapping-dragged.png` });
  await page.close();
});

test("map by clicking, and by keyboard alone (pick with Enter, drop with Enter)", async () => {
  const page = await open();
  await source(page, "lead.first_name").click();
  assert.equal(await source(page, "lead.first_name").getAttribute("aria-pressed"), "true");
  assert.match(await page.getByRole("status").textContent(), /Picked lead\.first_name/);
  assert.equal(await page.getByText("Picked lead.first_name: now choose").count(), 1);
  await target(page, "First name").click();
  assert.match(await page.getByRole("row", { name: /First name/ }).textContent(), /Jane/);

  await source(page, "lead.last_name").focus();
  await page.keyboard.press("Enter");
  await target(page, "Last name").focus();
  await page.keyboard.press("Enter");
  const doc = await lastDoc(page);
  assert.deepEqual(
    doc.mappings.map((m) => [m.from, m.to]),
    [
      ["lead.first_name", "firstName"],
      ["lead.last_name", "lastName"],
    ],
  );
  // Escape drops what was picked; a target then says what to do first.
  await source(page, "lead.phone").focus();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Escape");
  await target(page, "Phone").click();
  assert.match(await page.getByRole("status").textContent(), /Pick an event field first/);
  assert.equal((await lastDoc(page)).mappings.length, 2);
  await page.close();
});

test("a clean-up step shows its effect on the sample and in the preview", async () => {
  const page = await open();
  await source(page, "lead.first_name").click();
  await target(page, "First name").click();
  const m = card(page, "/mappings/0");
  await m.getByLabel("Add a step").selectOption("uppercase");
  const steps = m.locator("ol.steps > li");
  assert.equal(await steps.count(), 3);
  assert.match(await steps.nth(0).textContent(), /Trim spaces.*"jane"/s);
  assert.match(await steps.nth(1).textContent(), /Title Case.*"Jane"/s);
  assert.match(await steps.nth(2).textContent(), /UPPER CASE.*"JANE"/s);
  assert.match(await page.getByRole("row", { name: /First name/ }).textContent(), /JANE/);
  assert.deepEqual((await lastDoc(page)).mappings[0].transforms, [
    "trim",
    "titleCase",
    "uppercase",
  ]);
  await page.close();
});

test("break a rule: the problem is shown at its control; fix it and it goes", async () => {
  const page = await open();
  await source(page, "lead.email").dragTo(target(page, "Email"));
  const m = card(page, "/mappings/0");
  const from = m.getByLabel("Event field", { exact: true });
  await from.fill("lead..email");
  assert.equal(await from.getAttribute("aria-invalid"), "true");
  assert.match(await describedError(from), /the path 'lead\.\.email' is not valid/);
  const changes = await page.evaluate(() => window.changes.at(-1));
  assert.equal(changes.problems[0].pointer, "/mappings/0/from");
  assert.match(
    await page.getByRole("region", { name: /1 problem/ }).textContent(),
    /lead\.\.email/,
  );
  assert.match(
    await page.getByText("The preview shows the last version without problems").textContent(),
    /Fix/,
  );
  await page.screenshot({ path: `${shots}/mapping-problem.png` });

  // A parameter of a step: its own input is marked.
  await from.fill("lead.email");
  assert.equal(await from.getAttribute("aria-invalid"), null);
  await m.getByLabel("Add a step").selectOption("truncate");
  const length = m.getByLabel("Characters");
  await length.fill("ten");
  await length.press("Tab");
  assert.equal(await length.getAttribute("aria-invalid"), "true");
  assert.match(await describedError(length), /whole number/);
  // "Show" in the summary moves focus to the control.
  await page.getByRole("button", { name: "Show" }).click();
  assert.equal(await length.evaluate((el) => el.getRootNode().activeElement === el), true);
  await length.fill("5");
  await length.press("Tab");
  assert.equal(await length.getAttribute("aria-invalid"), null);
  assert.equal(await page.getByRole("region", { name: /problem/ }).count(), 0);
  assert.match(await page.getByRole("row", { name: /Email/ }).textContent(), /jane\./);
  await page.close();
});

test("suggested mappings are confirmed one by one or all at once (Wishpond dynamic_attributes too)", async () => {
  const page = await open();
  await page.getByRole("button", { name: "Suggest mappings" }).click();
  await page.getByRole("button", { name: "Accept: lead.phone → Phone" }).click();
  assert.deepEqual(
    (await lastDoc(page)).mappings.map((m) => m.to),
    ["phone"],
  );
  await page.getByRole("button", { name: "Dismiss: lead.name → Full name" }).click();
  await page.getByRole("button", { name: "Accept all" }).click();
  const doc = await lastDoc(page);
  const targets = doc.mappings.map((m) => (typeof m.to === "string" ? m.to : m.to.customFieldId));
  for (const t of [
    "email",
    "firstName",
    "lastName",
    "companyName",
    "city",
    "postalCode",
    "tags",
    "cf_budget",
  ]) {
    assert.ok(targets.includes(t), `${t} mapped: ${targets}`);
  }
  assert.ok(!targets.includes("name"), "the dismissed suggestion stays out");
  assert.ok(
    !doc.mappings.some((m) => m.from === "campaign.name"),
    "a campaign's name is not a person's",
  );
  assert.match(
    await who(page).textContent(),
    /will update Jane Doe \(matched by email: jane\.doe@example\.com\)/,
  );

  // The Wishpond leads API shape.
  const page2 = await open();
  await page2.getByLabel("Recent event").selectOption({ index: 2 });
  await page2.getByRole("button", { name: "Suggest mappings" }).click();
  await page2.getByRole("button", { name: "Accept all" }).click();
  const doc2 = await lastDoc(page2);
  assert.deepEqual(
    doc2.mappings.map((m) => [m.from, m.to]),
    [
      ["email", "email"],
      ["dynamic_attributes.first_name", "firstName"],
      ["dynamic_attributes.last_name", "lastName"],
      ["dynamic_attributes.phone_number", "phone"],
      ["dynamic_attributes.lead_score", { customFieldId: "cf_score" }],
      ["dynamic_attributes.utm_source", { customFieldId: "cf_utm" }],
    ],
  );
  await page.close();
  await page2.close();
});

test("conditions, tag rules, lead scoring: each edit recomputes the preview and its trace", async () => {
  const page = await open();
  await source(page, "lead.email").dragTo(target(page, "Email"));
  // A condition that does not hold leaves the field out, and the trace says why.
  const m = card(page, "/mappings/0");
  await m.getByRole("button", { name: "Add a condition" }).click();
  await m.getByLabel("Test").selectOption("blankTrue");
  assert.match(await who(page).textContent(), /cannot be sent/);
  assert.match(
    await page.getByRole("row", { name: /^email/ }).textContent(),
    /no.*condition not met/s,
  );
  await m.getByRole("button", { name: "Remove the condition" }).click();
  assert.match(await who(page).textContent(), /matched by email/);

  await page.getByRole("button", { name: "Add a tag rule" }).click();
  const add = page.getByLabel("Add tags (comma separated)");
  // Focus moved to the new rule's first box: a keyboard user types on.
  await page.keyboard.type("VIP, campaign: {campaign.name}");
  assert.equal(await add.inputValue(), "VIP, campaign: {campaign.name}");
  await add.press("Tab");
  const added = page.locator("ul.chips").first();
  assert.match(await added.textContent(), /vip.*campaign: spring giveaway 2026/s);

  // Lead scoring is a closed card: its summary says it is off; open it to switch it on.
  const scoring = card(page, "/scoring");
  assert.match(await label(scoring.locator("button.disclosure")), /Lead scoring off/);
  await expand(scoring);
  await page.getByLabel("Score leads").check();
  await page.getByRole("button", { name: "Add a score rule" }).click();
  assert.equal(await page.getByTestId("score").textContent(), "10");
  await page.getByRole("button", { name: "Add a score tag" }).click();
  const tags = page.getByLabel("Tags (comma separated)", { exact: true });
  const at = page.getByLabel("From score");
  await at.fill("5");
  await tags.fill("warm");
  await tags.press("Tab");
  assert.match(await added.textContent(), /warm/);
  const doc = await lastDoc(page);
  assert.equal(doc.scoring.rules[0].points, 10);
  assert.deepEqual(doc.scoring.thresholds, [{ at: 5, tags: ["warm"] }]);
  await page.close();
});

test("routes: a route's condition and its own mappings", async () => {
  const page = await open();
  await page.getByRole("button", { name: "Add a route" }).click();
  const doc = await lastDoc(page);
  assert.equal(doc.routes[0].id, "route");
  // Map into the route by picking it, then dragging.
  await page.getByLabel("Add new mappings to").selectOption({ label: "Only route “route”" });
  await page.evaluate(() => window.scrollTo(0, 0)); // both ends of the drag in view
  await source(page, "lead.company").dragTo(target(page, "Company"));
  const doc2 = await lastDoc(page);
  assert.deepEqual(
    doc2.routes[0].mappings.map((m) => [m.from, m.to]),
    [["lead.company", "companyName"]],
  );
  assert.equal(doc2.mappings, undefined);
  assert.match(await page.getByText(/Rules used/).textContent(), /route “route”/);
  await page.close();
});

test("the JSON view edits the same document, with validation", async () => {
  const page = await open();
  await source(page, "lead.email").dragTo(target(page, "Email"));
  await page.getByRole("tab", { name: "JSON" }).click();
  const box = page.getByLabel("Rules document (JSON)");
  const text = await box.inputValue();
  assert.match(text, /"from": "lead.email"/);
  await box.fill(text.replace('"to": "email"', '"to": "emial"'));
  assert.match(await describedError(box), /\/mappings\/0\/to.*Did you mean 'email'/s);
  await box.fill("{ not json");
  assert.match(await page.getByRole("alert").textContent(), /Not valid JSON yet/);
  const doc = JSON.parse(text);
  doc.tagRules = [{ id: "vip", add: ["vip"] }];
  await box.fill(JSON.stringify(doc, null, 2));
  await page.screenshot({ path: `${shots}/mapping-json.png` });
  await page.getByRole("tab", { name: "Visual editor" }).click();
  // The tag rule's card is closed, its summary says what it does.
  const rule = card(page, "/tagRules/0");
  assert.match(await label(rule.locator("button.disclosure")), /Tag rule 1 add vip/);
  await expand(rule);
  assert.equal(await page.getByLabel("Add tags (comma separated)").inputValue(), "vip");
  assert.match(await page.locator("ul.chips").first().textContent(), /vip/);
  assert.deepEqual((await lastDoc(page)).tagRules, [{ id: "vip", add: ["vip"] }]);
  // and back: a visual edit shows in the JSON view
  await page.getByLabel("Add tags (comma separated)").fill("vip, gold");
  await page.getByLabel("Add tags (comma separated)").press("Tab");
  await page.getByRole("tab", { name: "JSON" }).click();
  assert.match(await box.inputValue(), /"gold"/);
  await page.close();
});

test("a document set by the host (a preset) shows its rules, routes and problems at their controls", async () => {
  const page = await open();
  await page.evaluate(() => {
    const doc = window.core.rulesPresets()["wishpond-lead"];
    doc.mappings[0].transforms.push("shout");
    window.editor.document = doc;
  });
  const step = card(page, "/mappings/0").locator("ol.steps > li").nth(1);
  assert.match(await describedError(step), /'shout' is not a transform/);
  await page.close();
});

async function axe(page) {
  await page.addScriptTag({ path: `${root}node_modules/axe-core/axe.min.js` });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document.querySelector("ghl-mapping-editor"), {
      resultTypes: ["violations"],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3),
    }));
  });
  return found.filter((v) => v.impact === "serious" || v.impact === "critical");
}

for (const [name, opts] of [
  ["desktop-light", { width: 1400, height: 1000 }],
  ["desktop-dark", { width: 1400, height: 1000, colorScheme: "dark" }],
  ["phone-360-light", { width: 360, height: 800 }],
  ["phone-360-dark", { width: 360, height: 800, colorScheme: "dark" }],
]) {
  test(`axe finds no serious or critical violation (${name}); screenshot`, async () => {
    const page = await open(opts);
    await page.getByRole("button", { name: "Suggest mappings" }).click();
    await page.getByRole("button", { name: "Accept all" }).click();
    await expand(card(page, "/mappings/0"));
    await page.getByRole("button", { name: "Add a tag rule" }).click();
    await expand(card(page, "/scoring"));
    await page.getByLabel("Score leads").check();
    await source(page, "lead.ip_address").click(); // the "picked" bar shows too
    assert.deepEqual(await axe(page), []);
    // Nothing is wider than the screen at 360 px.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
    await page.screenshot({ path: `${shots}/mapping-${name}.png`, fullPage: opts.width > 400 });
    await page.close();
  });
}

test("the host contract: no globals, the event bubbles out composed, the host's own document is not reset", async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/tests/browser/blank.html`);
  const out = await page.evaluate(async () => {
    const before = new Set(Object.getOwnPropertyNames(window));
    const core = await import("/pkg/entries/web.js");
    const afterCore = new Set(Object.getOwnPropertyNames(window));
    await import("/target/widget-test/ghl-mapping-editor.js");
    const added = Object.getOwnPropertyNames(window).filter((k) => !afterCore.has(k));
    const wrap = document.createElement("div");
    document.body.append(wrap);
    const el = document.createElement("ghl-mapping-editor");
    wrap.append(el);
    const seen = [];
    wrap.addEventListener("ghl-rules-changed", (e) =>
      seen.push({ composed: e.composed, detail: e.detail }),
    );
    el.sample = { lead: { email: "a@example.com" } };
    el.core = core;
    el.document = { version: 1 };
    await el.updateComplete;
    const src = el.shadowRoot.querySelector("button.src");
    src.click();
    await el.updateComplete;
    el.shadowRoot.querySelector('button.target[data-target="f:email"]').click();
    await el.updateComplete;
    // The host stores what it got and gives it back: the editor keeps its state.
    el.document = seen.at(-1).detail.document;
    await el.updateComplete;
    const open =
      el.shadowRoot
        .querySelector('[data-ptr="/mappings/0"] button.disclosure')
        .getAttribute("aria-expanded") === "true";
    return {
      pageStyles:
        document.querySelectorAll("style, link[rel=stylesheet]").length +
        document.adoptedStyleSheets.length,
      ownStyles: el.shadowRoot.adoptedStyleSheets.length,
      added,
      coreAdded: [...afterCore].filter((k) => !before.has(k)),
      seen: seen.map((s) => ({
        composed: s.composed,
        mappings: s.detail.document.mappings,
        problems: s.detail.problems,
      })),
      open,
      styleLeak:
        getComputedStyle(document.body).fontFamily ===
        getComputedStyle(document.documentElement).fontFamily,
    };
  });
  // Nothing of the editor's; Lit itself records its versions (and its property metadata)
  // on the window, as every Lit element does.
  assert.deepEqual(out.added.sort(), [
    "litElementVersions",
    "litHtmlVersions",
    "litPropertyMetadata",
    "reactiveElementVersions",
  ]);
  assert.deepEqual(out.seen, [
    {
      composed: true,
      mappings: [{ id: "email", from: "lead.email", to: "email", transforms: ["email"] }],
      problems: [],
    },
  ]);
  assert.equal(out.open, true, "the card opened by the edit stays open");
  assert.equal(out.pageStyles, 0, "no style reaches the page");
  assert.equal(out.ownStyles, 1);
  await page.close();
});

test("a text combining fields: tick the box, drop a second field onto the text", async () => {
  const page = await open();
  await source(page, "lead.first_name").dragTo(target(page, "Full name"));
  const m = card(page, "/mappings/0");
  await m.getByLabel("Combine several fields into one text").check();
  const text = m.getByLabel(/^Text with fields/);
  assert.equal(await text.inputValue(), "{lead.first_name}");
  await source(page, "lead.last_name").dragTo(text);
  assert.equal(await text.inputValue(), "{lead.first_name} {lead.last_name}");
  const doc = await lastDoc(page);
  assert.equal(doc.mappings[0].template, "{lead.first_name} {lead.last_name}");
  assert.equal(doc.mappings[0].from, undefined);
  assert.match(await page.getByRole("row", { name: /Full name/ }).textContent(), /Jane Doe/);
  await page.close();
});

test("the preset: every card starts closed with a summary line, opens on click and on Enter, a problem opens its card", async () => {
  const page = await open();
  await page.evaluate(() => {
    window.editor.document = window.core.rulesPresets()["wishpond-lead"];
  });
  const buttons = page.locator("button.disclosure");
  const n = await buttons.count();
  assert.ok(n >= 20, `${n} cards`);
  for (let i = 0; i < n; i++)
    assert.equal(await buttons.nth(i).getAttribute("aria-expanded"), "false");
  // Closed, the page is a few screens, not ten thousand pixels.
  const height = await page.evaluate(() => window.editor.getBoundingClientRect().height);
  assert.ok(height < 5000, `the editor is ${height}px tall`);
  await page.screenshot({ path: `${shots}/mapping-preset-closed-desktop.png`, fullPage: true });
  assert.deepEqual(await axe(page), []);

  // The summary line says what the card does; its button is the card's name.
  const email = card(page, "/mappings/0");
  const emailButton = page.getByRole("button", {
    name: /^Mapping 1 Email ← lead\.email \(Check email\)/,
  });
  assert.equal(await emailButton.count(), 1);
  assert.match(
    await label(card(page, "/mappings/2").locator("button.disclosure")),
    /First name ← lead\.dynamic_attributes\.name \(Part of a full name \(first\), Title Case\) · only when lead\.dynamic_attributes\.first_name is empty/,
  );
  await expand(card(page, "/scoring"));
  assert.match(
    await label(card(page, "/scoring/rules/1").locator("button.disclosure")),
    /Score rule 2 \+10 points · only when all of \(type is “wishpond\.lead\.created”; lead\.dynamic_attributes\.phone_number is filled in\)/,
  );
  assert.match(
    await label(card(page, "/tagRules/4").locator("button.disclosure")),
    /add paid-traffic · only when utm\.utm_medium is one of cpc, ppc, paid/,
  );
  // Enter opens (the body appears, aria-expanded follows), a click closes.
  await emailButton.focus();
  await page.keyboard.press("Enter");
  assert.equal(await emailButton.getAttribute("aria-expanded"), "true");
  assert.equal(await email.getByLabel("Event field", { exact: true }).inputValue(), "lead.email");
  assert.deepEqual(await axe(page), []);
  await emailButton.click();
  assert.equal(await emailButton.getAttribute("aria-expanded"), "false");
  assert.equal(await email.getByLabel("Event field", { exact: true }).count(), 0);

  // A problem the host's document has: its card opens itself, the others stay closed.
  await page.evaluate(() => {
    const doc = window.core.rulesPresets()["wishpond-lead"];
    doc.tagRules[1].when.path = "arrived..x";
    window.editor.document = doc;
  });
  const rule = card(page, "/tagRules/1");
  const ruleButton = rule.locator("button.disclosure");
  assert.equal(await ruleButton.getAttribute("aria-expanded"), "true");
  assert.match(await label(ruleButton), /1 problem/);
  assert.equal(
    await card(page, "/tagRules/0").locator("button.disclosure").getAttribute("aria-expanded"),
    "false",
  );
  const path = rule.getByLabel("Event field");
  assert.equal(await path.getAttribute("aria-invalid"), "true");
  // Closed by the person it stays closed; "Show" opens it again and puts focus on the box.
  await ruleButton.click();
  assert.equal(await ruleButton.getAttribute("aria-expanded"), "false");
  await page.getByRole("button", { name: "Show" }).click();
  assert.equal(await ruleButton.getAttribute("aria-expanded"), "true");
  assert.equal(await path.evaluate((el) => el.getRootNode().activeElement === el), true);
  await path.fill("arrived");
  assert.equal(await page.getByRole("region", { name: /problem/ }).count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();

  const phone = await open({ width: 360, height: 800 });
  await phone.evaluate(() => {
    window.editor.document = window.core.rulesPresets()["wishpond-lead"];
  });
  await expand(card(phone, "/mappings/1"));
  const overflow = await phone.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
  await phone.screenshot({ path: `${shots}/mapping-preset-closed-360.png`, fullPage: true });
  await phone
    .getByRole("region", { name: "Field mappings" })
    .screenshot({ path: `${shots}/mapping-preset-360-cards.png` });
  assert.deepEqual(await axe(phone), []);
  await phone.close();
});

test("combined conditions as a person: all of / any of, a test added and removed, the preview follows", async () => {
  const page = await open();
  await source(page, "lead.email").dragTo(target(page, "Email"));
  const m = card(page, "/mappings/0");
  await m.getByRole("button", { name: "Add a condition" }).click();
  // One test (filled in), then all of: the test becomes the first of the list.
  await m.getByLabel("Combine", { exact: true }).selectOption({ label: "all of these tests hold" });
  assert.deepEqual((await lastDoc(page)).mappings[0].when, {
    all: [{ path: "event", blank: false }],
  });
  await m.getByRole("button", { name: "Add a test" }).click();
  // Focus is in the new test's field box: a keyboard user types on.
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("lead.first_name");
  const second = m.locator("fieldset.cond fieldset.cond").nth(1);
  await second.getByLabel("Test").selectOption({ label: "is empty" });
  assert.deepEqual((await lastDoc(page)).mappings[0].when, {
    all: [
      { path: "event", blank: false },
      { path: "lead.first_name", blank: true },
    ],
  });
  // The first name is filled in: not all tests hold, the email is not written.
  assert.match(await who(page).textContent(), /cannot be sent/);
  assert.match(
    await label(m.locator("button.disclosure")),
    /only when all of \(event is filled in; lead\.first_name is empty\)/,
  );
  // Any of: the first holds, the email is written again.
  await m
    .getByLabel("Combine", { exact: true })
    .selectOption({ label: "any of these tests holds" });
  assert.match(await who(page).textContent(), /matched by email/);
  assert.deepEqual(Object.keys((await lastDoc(page)).mappings[0].when), ["any"]);
  // A value test inside the combination.
  await second.getByLabel("Test").selectOption({ label: "is" });
  await second.getByLabel("Value").fill("jane");
  await second.getByLabel("Value").press("Tab");
  assert.deepEqual((await lastDoc(page)).mappings[0].when.any[1], {
    path: "lead.first_name",
    equals: "jane",
  });
  await m.getByRole("button", { name: "Remove test 1" }).click();
  assert.deepEqual((await lastDoc(page)).mappings[0].when, {
    any: [{ path: "lead.first_name", equals: "jane" }],
  });
  assert.match(await who(page).textContent(), /matched by email/);
  // Back to one test: the remaining test stays, shown as it is.
  await m.getByLabel("Combine", { exact: true }).selectOption({ label: "one test" });
  assert.deepEqual((await lastDoc(page)).mappings[0].when, {
    path: "lead.first_name",
    equals: "jane",
  });
  const test = m.getByLabel("Test", { exact: true });
  assert.equal(await test.evaluate((el) => el.selectedOptions[0].textContent), "is");
  assert.equal(await m.getByLabel("Value", { exact: true }).inputValue(), "jane");
  await page.screenshot({ path: `${shots}/mapping-combined-condition.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a route's own lead scoring as a person: switched on, a score rule, the preview's score is the route's", async () => {
  const page = await open();
  await source(page, "lead.email").dragTo(target(page, "Email"));
  await page.getByRole("button", { name: "Add a route" }).click();
  const route = card(page, "/routes/0");
  assert.equal(
    await route.locator("button.disclosure").first().getAttribute("aria-expanded"),
    "true",
  );
  const own = card(page, "/routes/0/scoring");
  await expand(own);
  await own.getByLabel("Score leads with this route's own rules").check();
  await own.getByRole("button", { name: "Add a score rule" }).click();
  const points = own.getByRole("textbox", { name: "Points" });
  await points.fill("35");
  await points.press("Tab");
  const doc = await lastDoc(page);
  assert.deepEqual(doc.routes[0].scoring, { rules: [{ id: "score-rule", points: 35 }] });
  assert.equal(doc.scoring, undefined);
  // The route holds for the sample (its field is present): the score is the route's.
  assert.match(await page.getByText(/Rules used/).textContent(), /route “route”/);
  assert.equal(await page.getByTestId("score").textContent(), "35");
  assert.match(await label(route.locator("button.disclosure").first()), /its own lead scoring/);
  // Its rule's condition is a combination too.
  const rule = card(page, "/routes/0/scoring/rules/0");
  await rule.getByRole("button", { name: "Add a condition" }).click();
  await rule
    .getByLabel("Combine", { exact: true })
    .selectOption({ label: "any of these tests holds" });
  await rule.getByRole("button", { name: "Add a test" }).click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("lead.nothing_here");
  await rule
    .locator("fieldset.cond fieldset.cond")
    .nth(1)
    .getByLabel("Test")
    .selectOption({ label: "is present" });
  assert.equal(await page.getByTestId("score").textContent(), "35");
  assert.deepEqual((await lastDoc(page)).routes[0].scoring.rules[0].when.any[1], {
    path: "lead.nothing_here",
    exists: true,
  });
  assert.deepEqual(await axe(page), []);
  assert.deepEqual(page.errors, []);
  await page.close();
});
