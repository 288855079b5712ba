// The package's every declaration file, checked with skipLibCheck off (tsconfig.json
// here includes pkg/**/*.d.ts): the Wasm glue's .d.ts must import the generated types it
// names, or this project fails with "Cannot find name". This file proves the glue's
// calls are typed, not `any`.
import * as glue from "../../../pkg/wasm/ghl_bridge_wasm.js";
import type { HttpRequest, OperationInfo } from "../../../pkg/entries/node.js";

declare const client: glue.Client;
const built: HttpRequest = client.buildRequest(
  "contacts.get-contact",
  { path: { contactId: "c" } },
  "t",
);
void built;
const infos: OperationInfo[] = glue.listOperations("users", undefined);
void infos;

// @ts-expect-error a typed result is not `any`: a request has no `status`
const wrong: number = client.buildRequest("x.y", {}, "t").status;
void wrong;

// The typed helpers cross as one export; their signatures are declared beside it.
declare const helpers: glue.TypedHelperSignatures;
// @ts-expect-error the typed helpers' arguments are typed too
void helpers.upsertContact({ email: 5 }, "t");
const prepared: glue.Prepared = client.helper("getContact", ["c"], "t");
void prepared;
