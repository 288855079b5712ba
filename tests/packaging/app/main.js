// The packaging fixture: both entries of the package in one app (the full module and
// the lean one must not collide), built by each bundler and run in Node or a page.
import { createClient, version, compileRules } from "ghl-bridge";
import * as lean from "ghl-bridge/client";

const ghl = createClient({ token: "t", locationId: "l", scopes: ["contacts.write"] });
const req = await ghl.buildRequest("contacts.upsert-contact", {
  body: { locationId: "l", email: "a@b.co" },
});
const leanReq = await lean
  .createClient({ token: "t", locationId: "l", scopes: ["contacts.write"] })
  .buildRequest("contacts.upsert-contact", { body: { locationId: "l", email: "c@d.co" } });
const mapped = compileRules({ version: 1, mappings: [{ from: "email", to: "email" }] }).apply({
  email: "x@y.z",
});
const result = {
  version: version(),
  leanVersion: lean.version(),
  method: req.method,
  leanBody: leanReq.body,
  email: mapped.upsert.email,
};
if (typeof window !== "undefined") window.result = result;
else console.log(JSON.stringify(result));
