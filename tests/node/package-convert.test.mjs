// The one conversion rule for values crossing into the core: as JSON.stringify writes
// them, on the object path and on the JSON-text path alike. `undefined` is absent,
// only `null` is null, a Date is its ISO text, toJSON is honoured, inherited and
// non-enumerable properties are not read, getters are. Nesting is limited before
// anything recursive runs: a 100,000-level or cyclic value is a typed error, never a
// reset, and a 2,000-level body still works afterwards.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as g from "../../pkg/entries/node.js";
import { instanceGeneration } from "../../pkg/internal.js";
import { ALL_SCOPES, DEMO_LOCATION_ID as LOC } from "../../js/emulator/index.mjs";
import { demoConnection, emulatorAndClient, nested } from "../support/package-emulator.mjs";

let emu, client;
before(async () => {
  ({ emu, client } = await emulatorAndClient(3));
});
after(() => emu?.stop());

const when = new Date(Date.UTC(1990, 4, 17, 8, 30));

/** An object using every feature the rule covers. */
function tricky() {
  const o = Object.create({ inherited: "from the prototype" });
  o.email = "ada@example.com";
  o.phone = undefined;
  o.firstName = null;
  o.dateOfBirth = when;
  o.source = { toJSON: () => "custom text" };
  Object.defineProperty(o, "hidden", { value: "not enumerable", enumerable: false });
  Object.defineProperty(o, "lastName", { get: () => "Lovelace", enumerable: true });
  o.tags = ["a", undefined, () => 1];
  o.score = NaN;
  return o;
}
const expected = {
  email: "ada@example.com",
  firstName: null,
  dateOfBirth: "1990-05-17T08:30:00.000Z",
  source: "custom text",
  lastName: "Lovelace",
  tags: ["a", null, null],
  score: null,
};

test("a body crosses as JSON.stringify writes it: undefined absent, Date as ISO text, toJSON, getters", async () => {
  const req = await client.buildRequest("contacts.upsert-contact", { body: tricky() });
  // The builder adds the client's location, which the upsert's schema requires.
  assert.deepEqual(JSON.parse(req.body), { ...expected, locationId: LOC });
  assert.ok(!req.body.includes("phone"), "an undefined field is absent, not null");
  // The same through the JSON text of the same value.
  const viaText = await client.buildRequest("contacts.upsert-contact", {
    body: JSON.parse(JSON.stringify(tricky())),
  });
  assert.equal(viaText.body, req.body);
});

test("sent: the emulator receives no phone for {phone: undefined}, and the date as text", async () => {
  await client.send("contacts.upsert-contact", {
    body: { locationId: LOC, email: "undef@example.com", phone: undefined, dateOfBirth: when },
  });
  const body = emu.log.at(-1).body;
  assert.ok(!("phone" in body), JSON.stringify(body));
  assert.equal(body.dateOfBirth, "1990-05-17T08:30:00.000Z");
});

test("rules: the object path and the JSON-text path agree on Date, toJSON, inherited, non-enumerable and getters", () => {
  const rules = g.compileRules(
    {
      version: 1,
      mappings: [
        { from: "email", to: "email" },
        { from: "lastName", to: "lastName" },
        { from: "dateOfBirth", to: { customField: "contact.born" } },
        { from: "source", to: "source" },
        { from: "inherited", to: "companyName" },
        { from: "hidden", to: "city" },
        { from: "nested.when", to: { customField: "contact.when" } },
      ],
    },
    {
      customFields: [
        { id: "born", key: "contact.born" },
        { id: "when", key: "contact.when" },
      ],
    },
  );
  const o = tricky();
  o.nested = { when: { toJSON: () => "nested text" } };
  const viaObject = rules.apply(o);
  const viaText = rules.apply(JSON.stringify(o));
  assert.deepEqual(viaObject, viaText);
  assert.equal(viaObject.upsert.email, "ada@example.com");
  assert.equal(viaObject.upsert.lastName, "Lovelace");
  assert.equal(viaObject.upsert.companyName, undefined, "inherited properties are not read");
  assert.equal(viaObject.upsert.city, undefined, "non-enumerable properties are not read");
  assert.deepEqual(rules.applyBatch([o, JSON.stringify(o)]), [viaText, viaText]);
});

test("flows: an event whose payload holds a Date plans the same as its JSON", () => {
  const flows = g.createFlows({ client, locationId: LOC, scopes: ALL_SCOPES });
  const ev = {
    type: "tags.validation.requested",
    id: "d1",
    payload: { at: when, skip: undefined },
  };
  assert.deepEqual(flows.plan(ev), flows.plan(JSON.parse(JSON.stringify(ev))));
});

test("depth is limited before recursion: 100,000 levels and cycles are typed errors, then 2,000 levels work", async () => {
  const generation = instanceGeneration();
  const rules = g.compileRules({ version: 1, mappings: [{ from: "email", to: "email" }] });
  const cyclic = { a: {} };
  cyclic.a.back = cyclic;
  for (const bad of [nested(100_000, 1), cyclic]) {
    await assert.rejects(
      client.buildRequest("contacts.upsert-contact", { body: bad }),
      (e) =>
        e instanceof g.GhlBridgeError &&
        e.code === "INVALID_ARGUMENT" &&
        e.details.argument === "params",
    );
    await assert.rejects(
      client.send("contacts.upsert-contact", { body: bad }),
      (e) => e.code === "INVALID_ARGUMENT",
    );
    assert.throws(
      () => g.validatePlan({ id: "x", flow: "f", locationId: LOC, steps: [], deep: bad }),
      (e) => e.code === "INVALID_ARGUMENT",
    );
    assert.throws(
      () =>
        g
          .createFlows({ client, locationId: LOC, scopes: ALL_SCOPES })
          .plan({ type: "tags.validation.requested", id: "d", payload: bad }),
      (e) => e.code === "INVALID_ARGUMENT",
    );
    const mapped = rules.apply({ email: "x@y.z", other: bad });
    assert.equal(mapped.upsert.email, "x@y.z", "parts the rules do not read are not read");
    assert.throws(
      () => rules.apply({ email: bad }),
      (e) => e instanceof g.GhlBridgeError && e.code === "RECORD_NOT_JSON",
    );
  }
  // The JSON-text path: a 100,000-level text is refused by the rules' own limits.
  assert.throws(
    () => rules.apply(`{"email":${"[".repeat(100_000)}${"]".repeat(100_000)}}`),
    (e) => e instanceof g.GhlBridgeError && e.code !== "INTERNAL_PANIC",
  );
  assert.equal(instanceGeneration(), generation, "no reset");
  // The instance kept its whole stack: a 2,000-level body still builds and sends.
  const req = await client.buildRequest("contacts.upsert-contact", {
    body: { email: "deep@example.com", deep: nested(2_000, "leaf") },
  });
  assert.ok(req.body.includes('"leaf"'));
  assert.equal(rules.apply({ email: "after@example.com" }).upsert.email, "after@example.com");
  assert.equal(instanceGeneration(), generation, "no reset");
});

test("a plan accepted near the depth limit is restored from its storage (stored records get the wrapping's room)", async () => {
  const storage = g.memoryStorage();
  const conn = { ...demoConnection(emu), autoStart: false };
  const ob = await g.createOutbox({ ...conn, storage });
  const deepest = (n) => ({
    id: `p${n}`,
    flow: "f",
    locationId: LOC,
    steps: [
      {
        id: "u",
        operation: "contacts.upsert-contact",
        params: { body: { locationId: LOC, email: "d@x.example", deep: nested(n, 1) } },
      },
    ],
  });
  let n = 2500;
  for (;;) {
    try {
      await ob.accept(deepest(n));
      break;
    } catch (e) {
      assert.equal(e.code, "INVALID_ARGUMENT");
      n--;
    }
  }
  assert.ok(n > 2400, `accepted at ${n} levels`);
  await ob.close();
  const again = await g.createOutbox({ ...conn, storage: g.memoryStorage(storage.snapshot()) });
  assert.equal(again.counts().pending, 1);
  await again.close();
});
