// `/metrics` carries real figures once the worker delivers, not only the declared names:
// a captured lead delivered to the GHL emulator counts in `delivered_total` for its
// location, a 429 in `rate_limited_total`, a refused request's dead letter in
// `dead_total`, and the location's rate budget use (`budget_used_ratio`, the share of the
// burst window open when the page is read) is the stored budget's: above 0 while the
// window is open, back to 0 once it has passed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { until } from "../support/until.mjs";
import { startEmulatedRunner } from "./runner-fixtures.mjs";

const LOCATION = "demoLocation00000001";

test("metrics: a delivery counts per location and the budget use is the open window's share", {
  timeout: 120_000,
}, async () => {
  const r = await startEmulatedRunner({
    prefix: "ghlb-metrics-",
    config: {
      patch: (doc) => {
        doc.connections.demo.scopes = [
          "contacts.write",
          "contacts.readonly",
          "locations/tags.readonly",
          "locations/tags.write",
        ];
      },
    },
  });
  try {
    const capture = async (id) => {
      const res = await fetch(`${r.runner.server.url}/capture/site-1`, {
        method: "POST",
        headers: { origin: "https://pages.example.com", "content-type": "text/plain" },
        body: JSON.stringify({
          v: 1,
          siteKey: "site-1",
          id,
          fields: [{ name: "email", label: "Email", value: `${id}@example.com` }],
          page: { url: "https://pages.example.com/offer", referrer: "", title: "Offer" },
          utm: {},
        }),
      });
      assert.equal(res.status, 202);
    };
    await capture("metrics-1");
    const metrics = async () => (await fetch(`${r.runner.server.url}/metrics`)).text();
    const value = (text, name) => {
      const m = text.match(
        new RegExp(`^ghl_bridge_${name}\\{location="${LOCATION}"\\} (\\S+)$`, "m"),
      );
      return m ? Number(m[1]) : undefined;
    };
    let text = "";
    await until(async () => {
      text = await metrics();
      return value(text, "delivered_total") >= 1;
    }, "the delivery is counted");
    const used = value(text, "budget_used_ratio");
    assert.ok(used > 0 && used <= 1, `budget use ${used} in\n${text}`);
    // A 429 counts for the location; a refusal (422) is a dead letter counted too.
    r.emu.configure({ burst429: 1 });
    await capture("metrics-2");
    await until(
      async () => value(await metrics(), "rate_limited_total") >= 1,
      "the 429 is counted",
      {
        tries: 300,
        everyMs: 100,
      },
    );
    r.emu.configure({ errorRate: 1, errorStatuses: [422] });
    await capture("metrics-3");
    await until(
      async () => value(await metrics(), "dead_total") >= 1,
      "the dead letter is counted",
      {
        tries: 300,
        everyMs: 100,
      },
    );
    r.emu.configure({ errorRate: 0 });
    // GHL's burst window is 10 s: once it has passed with nothing sent, the use is 0.
    await until(
      async () => value(await metrics(), "budget_used_ratio") === 0,
      "the window passed",
      {
        tries: 300,
        everyMs: 100,
      },
    );
  } finally {
    await r.stop();
  }
});
