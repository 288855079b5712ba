// Type-level tests of the published declarations: this file must compile, and every
// `@ts-expect-error` line must really be an error (tsc fails on an unused one).
import * as g from "../../pkg/entries/node.js";
import type { Plan, RequestParams, HttpRequest } from "../../pkg/entries/node.js";

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

const err = new g.GhlBridgeError("X", "m");
const code: string = err.code;
void code;
