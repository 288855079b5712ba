// The tags and statistics wrappers against the emulator: catalog load (single flight),
// details only for missing ids, enrichment, report, diff; statistics request, series,
// reports and the schedule helper.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as g from "../../pkg/entries/node.js";
import {
  startEmulator,
  DEMO_TOKEN,
  DEMO_LOCATION_ID,
  ALL_SCOPES,
} from "../../js/emulator/index.mjs";

let emu;
let client;
before(async () => {
  emu = await startEmulator({ seed: 1 });
  client = g.createClient({
    token: DEMO_TOKEN,
    locationId: DEMO_LOCATION_ID,
    scopes: ALL_SCOPES,
    baseUrl: emu.url,
  });
});
after(() => emu.stop());
beforeEach(() => emu.reset());
const socialTags = () => emu.state.locations[DEMO_LOCATION_ID].socialTags;

test("catalog: concurrent loads share one paged load; names resolve case-insensitively", async () => {
  const cat = g.createTagCatalog({
    client,
    locationId: DEMO_LOCATION_ID,
    config: { pageSize: 10 },
  });
  await Promise.all([cat.load(), cat.load(), cat.load()]);
  const n = socialTags().length;
  assert.deepEqual(
    emu.log.map((e) => e.query.skip),
    Array.from({ length: Math.ceil(n / 10) }, (_, i) => String(i * 10)),
  );
  assert.equal(cat.tags().length, n);
  const live = socialTags().find((t) => !t.deleted);
  const r = await cat.resolve(`  ${live.tag.toUpperCase()} `);
  assert.equal(r.status, "found");
  const dead = socialTags().find((t) => t.deleted);
  assert.equal((await cat.resolve(dead._id)).status, "deleted");
  assert.equal(emu.log.length, Math.ceil(n / 10), "resolving a fresh catalog sends nothing");
});

test("catalog: details only for ids the cache lacks; enrichment attaches details", async () => {
  const cat = g.createTagCatalog({ client, locationId: DEMO_LOCATION_ID });
  await cat.load();
  emu.log.length = 0;
  const known = socialTags()[0]._id;
  const out = await cat.details([known, "missingId00000000001", "missingId00000000001"]);
  assert.deepEqual(
    emu.log.map((e) => e.body),
    [{ tagIds: ["missingId00000000001"] }],
  );
  assert.deepEqual(out[0].notFound, ["missingId00000000001"]);
  const { records, report } = await cat.enrich([{ tags: [known] }, { other: 1 }]);
  assert.equal(records[0].tagDetails[0].id, known);
  assert.deepEqual(report.withoutTags, [1]);
  const { report: rep, markdown } = await cat.report([{ value: "nope", source: "rule:x" }]);
  assert.ok(rep.findings.some((f) => f.kind === "unknownReference"));
  assert.equal(typeof markdown, "string");
});

test("catalog: a failed page ends the load and throws; the next load retries", async () => {
  const cat = g.createTagCatalog({ client, locationId: DEMO_LOCATION_ID });
  emu.configure({ burst429: 1 });
  await assert.rejects(
    cat.load(),
    (e) => e instanceof g.GhlBridgeError && e.details.status === 429,
  );
  await cat.load();
  assert.ok(cat.isFresh());
});

test("tagDiff: only the difference, adding wins", () => {
  const d = g.tagDiff(["VIP", "new"], ["old", "vip"], [" vip ", "Old", "keep"]);
  assert.deepEqual(d, { add: ["new"], remove: ["Old"], unchanged: ["vip", "keep"] });
});

test("statistics wrappers: request, profiles, series, reports, schedule", async () => {
  const req = g.statisticsRequest(DEMO_LOCATION_ID, ["p1", "p1"], ["linkedin", "facebook"]);
  assert.deepEqual(req.params.body, { profileIds: ["p1"], platforms: ["linkedin"] });
  assert.equal(req.warnings.length, 1);
  assert.throws(
    () => g.statisticsRequest(DEMO_LOCATION_ID, [], []),
    (e) => e.code === "STATS_NO_PROFILES",
  );
  const accounts = (
    await client.send("social-media-posting.get-account", {
      path: { locationId: DEMO_LOCATION_ID },
    })
  ).data;
  const sel = g.selectProfiles(accounts);
  assert.deepEqual(sel.platforms, ["linkedin", "tiktok"]);
  const s = g.statisticsRequest(DEMO_LOCATION_ID, sel.profileIds);
  const body = (await client.send(s.operation, s.params)).data;
  const now = Date.now();
  const series = g.statisticsSeries(body, { nowMs: now, utcOffsetMinutes: 0 }, [
    { metric: "acceptances", source: "qwilr", value: 2, timestampMs: now },
  ]);
  assert.equal(series.days.length, 7);
  assert.ok(series.totals.some((t) => t.source === "qwilr" && t.value === 2));
  assert.match(g.statisticsMarkdown(series, "Week"), /Week/);
  assert.match(g.statisticsCsv(series), /metric/);
  assert.ok(Array.isArray(g.statisticsSlack(series, "Week").blocks));
  const monday9 = g.nextRun(Date.UTC(2026, 2, 4, 12), {
    kind: "weekly",
    weekday: "monday",
    hour: 9,
    minute: 0,
    utcOffsetMinutes: 60,
  });
  assert.equal(monday9, Date.UTC(2026, 2, 9, 8));
  assert.throws(
    () => g.nextRun(0, { kind: "every", intervalMs: 0, anchorMs: 0 }),
    (e) => e instanceof g.GhlBridgeError,
  );
});

test("reports escape hostile names: no HTML, no javascript: link, no formula, no code span left", async () => {
  const now = Date.now();
  const hostile = "<img src=x onerror=alert(1)>[x](javascript:alert(1))";
  const host = [
    { metric: hostile, source: '=HYPERLINK("http://evil")', value: 1, timestampMs: now },
    { metric: "\r=1+1", source: " =cmd", platform: "＝SUM(A1)", value: 1, timestampMs: now },
  ];
  const series = g.statisticsSeries(
    { success: true, results: {} },
    { nowMs: now, utcOffsetMinutes: 0 },
    host,
  );
  const md = g.statisticsMarkdown(series, "<script>alert(1)</script>");
  for (const raw of ["<script", "<img", "](javascript:"])
    assert.ok(!md.includes(raw), `${raw} in\n${md}`);
  assert.ok(md.startsWith("# &lt;script&gt;alert\\(1\\)&lt;/script&gt;"), md);
  const rows = g.statisticsCsv(series).split("\r\n").slice(1).filter(Boolean);
  for (const row of rows) {
    for (const cell of row.split(",").slice(1, 4))
      assert.ok(
        !/^"?[\s]*[=+\-@＝＋－＠]/u.test(cell) || /^"?'/.test(cell),
        `unguarded cell ${JSON.stringify(cell)}`,
      );
  }
  // Tag names with backticks stay inside their code spans.
  emu.state.locations[DEMO_LOCATION_ID].socialTags.push(
    {
      _id: "evil1",
      tag: "a` <b onmouseover=alert(1)>x</b> `",
      locationId: DEMO_LOCATION_ID,
      deleted: false,
      createdAt: "2024-01-01T00:00:00.000Z",
    },
    {
      _id: "evil2",
      tag: "A` <B ONMOUSEOVER=ALERT(1)>X</B> `",
      locationId: DEMO_LOCATION_ID,
      deleted: false,
      createdAt: "2024-01-02T00:00:00.000Z",
    },
  );
  const cat = g.createTagCatalog({ client, locationId: DEMO_LOCATION_ID });
  await cat.load();
  const { markdown } = await cat.report([{ value: "<script>x</script>", source: "rule:1" }]);
  assert.ok(markdown.includes("`` a` <b onmouseover=alert(1)>x</b> ` ``"), markdown);
  assert.ok(
    markdown.includes("&lt;script&gt;") || markdown.includes("`<script>x</script>`"),
    markdown,
  );
});
