// Type-level tests of the published declarations: this file must compile, and every
// `@ts-expect-error` line must really be an error (tsc fails on an unused one).
import * as g from "../../pkg/entries/node.js";
import type {
  Plan,
  RequestParams,
  HttpRequest,
  ErrorCode,
  OperationName,
  UsersResult,
  UpsertContactResult,
} from "../../pkg/entries/node.js";

const plan: Plan = { id: "e", flow: "wishpond.contact", locationId: "l", steps: [] };
g.validatePlan(plan);
const resolved: RequestParams | null = g.resolveStep(plan, "a", {});
void resolved;

// @ts-expect-error a plan needs an id
const noId: Plan = { flow: "f", locationId: "l", steps: [] };
void noId;

// @ts-expect-error methods are a closed set
const badMethod: HttpRequest = { method: "FETCH", url: "https://x", headers: {} };
void badMethod;

// Error codes: a union of every code the package throws, and the same list as a value.
const err = new g.GhlBridgeError("MISSING_SCOPE", "m");
const code: ErrorCode = err.code;
const asText: string = err.code;
void code, asText;
const codes: readonly ErrorCode[] = g.ERROR_CODES;
void codes;
if (err.code === "GHL_HTTP_ERROR" || err.code === "UNSUPPORTED_CONTENT_TYPE") void 0;
// @ts-expect-error not a code the package throws
const badCode: ErrorCode = "MISING_SCOPE";
void badCode;
// @ts-expect-error a comparison with a code that does not exist is a mistake
if (err.code === "NOT_A_CODE") void 0;
// @ts-expect-error errors are made with known codes
void new g.GhlBridgeError("X", "m");

// Operation names: the 576 catalog names, or an explicit escape hatch.
const name: OperationName = "contacts.upsert-contact";
void name;
// @ts-expect-error a misspelt operation name does not compile
const badName: OperationName = "contacts.upsert-contacts";
void badName;
async function calls(c: g.Client): Promise<void> {
  await c.buildRequest("contacts.upsert-contact", { body: { email: "a@b.io" } });
  await c.send(g.unchecked("contacts.some-newer-operation"), {});
  // @ts-expect-error an unknown name needs unchecked()
  await c.send("contacts.upsert", {});
  // @ts-expect-error so does a bare id
  await c.buildRequest("upsert-contact", {});
  g.operationInfo("users.search-users");
  g.listOperations({ service: "users", search: "search" });
  // @ts-expect-error listOperations takes a query object
  g.listOperations("users");

  // Typed helpers: arguments and results come from the Rust types.
  const users: UsersResult = await c.users({ companyId: "co", limit: 5 });
  const firstId: string = users.users[0]?.id;
  void firstId;
  // @ts-expect-error the users search needs the agency's companyId
  await c.users({});
  await c.socialTags();
  await c.socialTags({ limit: 5 });
  // @ts-expect-error limit is a number
  await c.socialTags({ limit: "5" });
  // Fields GHL always sends are not optional.
  const up: UpsertContactResult = await c.upsertContact({ email: "a@b.io" });
  const isNew: boolean = up.new;
  const contactId: string = up.contact.id;
  void isNew, contactId;
  const tags = await c.socialTags();
  const count: number | null = tags.results.count;
  const tagName: string = tags.results.tags[0]?.tag;
  void count, tagName;
}
void calls;
