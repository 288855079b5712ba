/**
 * Flows, plan-then-execute: every incoming event becomes a plan (the GHL requests, in
 * order, with their dependencies), which can be shown without sending anything (dry
 * run) and then executed. The core plans and finishes (sans-IO); this file sends.
 *
 * Execution walks the steps in order: resolve the step against earlier responses
 * (`$from`, `$missing`, `$present`), skip it when it has nothing to send, send it,
 * record the response. A failure stops the walk and is reported (done, skipped,
 * failed, not run) instead of thrown. When a stage's responses call for more
 * requests (another tag list page, details, statistics after accounts), the core
 * returns the next stage and it runs too.
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { GhlBridgeError, guard, instanceGeneration, toBridgeError } from "./errors.js";
import { operationInfo } from "./client.js";
import { arg, async, checkMethods, count, func, kind, name, names, object, optional, options as checkOptions, sync, withMethods } from "./check.js";
import type { Client } from "./client.js";
import type { CompileContext, FlowEvent as Event, FlowConfig, FlowOutcome, FlowPlan, Plan, RequestParams } from "./wasm/types.js";

/** A step that failed, with the typed error. */
export interface FailedStep {
  /** Step id (or `finish` when the local work after the requests failed). */
  step: string;
  /** What went wrong. */
  error: GhlBridgeError;
}

/** What executing one plan did. Never thrown: failures are in `failed`. */
export interface ExecutionReport {
  /** The plan id. */
  planId: string;
  /** Steps sent with success, in order. */
  done: string[];
  /** Steps with nothing to send (e.g. no tag to add). */
  skipped: string[];
  /** The step that failed, if any. */
  failed?: FailedStep;
  /** Steps not attempted because an earlier one failed. */
  notRun: string[];
  /** Response bodies by step id. */
  responses: Record<string, unknown>;
}

/** A step of a dry run: the request as it would be built. */
export interface PreviewStep {
  /** Step id. */
  step: string;
  /** `service.operationId`. */
  operation: string;
  /** HTTP method. */
  method: string;
  /** URL (with placeholders such as `{upsert.contact.id}` for values known only later). */
  url: string;
  /** JSON body as it would be sent (placeholders included). */
  body?: unknown;
  /** Steps whose responses this one needs. */
  dependsOn: string[];
  /** Skipped at run time when the list at this pointer of the body comes out empty. */
  skipWhenEmpty?: string;
  /** True when some values are placeholders (they depend on earlier responses). */
  placeholders: boolean;
  /** Why the step is there. */
  why: string;
}

/** Options of `executePlan`. */
export interface ExecuteOptions {
  /** Build the requests and return them without sending anything. */
  dryRun?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Replaces expressions by placeholders; reports whether any was found. */
function placeholders(v: unknown, deps: Set<string>): { value: unknown; found: boolean } {
  if (Array.isArray(v)) {
    let found = false;
    const value = v.map((x) => {
      const r = placeholders(x, deps);
      found ||= r.found;
      return r.value;
    });
    return { value, found };
  }
  if (!isObject(v)) return { value: v, found: false };
  if (typeof v.$from === "string") {
    deps.add(v.$from);
    const pointer = typeof v.pointer === "string" ? v.pointer : "";
    return { value: `{${[v.$from, ...pointer.split("/").filter(Boolean)].join(".")}}`, found: true };
  }
  for (const key of ["$missing", "$present"]) {
    if (key in v) {
      placeholders(v.in, deps);
      // At most the whole list is sent; the run sends only the difference.
      return { value: v[key], found: true };
    }
  }
  let found = false;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const r = placeholders(x, deps);
    found ||= r.found;
    out[k] = r.value;
  }
  return { value: out, found };
}

/** The requests of a plan as they would be built, without sending anything. */
export async function previewPlan(client: Client, plan: Plan): Promise<PreviewStep[]> {
  arg("previewPlan", "client", client, clientKind);
  arg("previewPlan", "plan", plan, planKind);
  const out: PreviewStep[] = [];
  for (const step of plan.steps) {
    const deps = new Set<string>(step.after ?? []);
    const r = placeholders(step.params ?? {}, deps);
    const params = r.value as RequestParams;
    let method: string;
    let url: string;
    try {
      const req = await client.buildRequest(step.operation, params);
      method = req.method;
      url = decodeURI(req.url);
    } catch {
      // A placeholder the builder refuses (e.g. in a path): show the path template.
      const info = operationInfo(step.operation);
      method = info.method;
      url = Object.entries(params.path ?? {}).reduce((p, [k, val]) => p.replace(`{${k}}`, String(val)), info.path);
    }
    out.push({
      step: step.id,
      operation: step.operation,
      method,
      url,
      body: params.body,
      dependsOn: [...deps],
      skipWhenEmpty: step.skipWhenEmpty ?? undefined,
      placeholders: r.found,
      why: step.why ?? "",
    });
  }
  return out;
}

/**
 * Executes a plan's steps in order through the client. Never throws: a failed step
 * ends the walk and is reported with the steps done and not run.
 */
export async function executePlan(client: Client, plan: Plan, _options: ExecuteOptions = {}): Promise<ExecutionReport> {
  arg("executePlan", "client", client, clientKind);
  arg("executePlan", "plan", plan, planKind);
  arg("executePlan", "options", _options, object);
  const report: ExecutionReport = { planId: plan.id, done: [], skipped: [], notRun: [], responses: {} };
  const steps = plan.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    try {
      const params: RequestParams | null = guard(() => glue.resolveStep(plan, step.id, report.responses));
      if (params === null) {
        report.skipped.push(step.id);
        continue;
      }
      const result = await client.send(step.operation, params);
      report.responses[step.id] = result.data as Json;
      report.done.push(step.id);
    } catch (e) {
      report.failed = { step: step.id, error: toBridgeError(e) };
      report.notRun = steps.slice(i + 1).map((s) => s.id);
      break;
    }
  }
  return report;
}

/** Options of `createFlows`. */
export interface FlowsOptions {
  /** The client that sends the requests (same location and token). */
  client: Client;
  /** The default location (events may name another). */
  locationId: string;
  /** The scopes granted to the token (tag creation needs `locations/tags.write`). */
  scopes: string[];
  /** Mapping-rules documents by source: `wishpond`, `qwilr`. */
  rules?: Record<string, unknown>;
  /** Flow settings (tag creation, catalog TTL, enrichment paths, statistics defaults). */
  config?: Partial<FlowConfig>;
  /** Custom fields and limits for compiling the rules. */
  compile?: Partial<CompileContext>;
  /** The clock (ms); defaults to `Date.now`. */
  now?: () => number;
  /** Most stages one event may take (default 50). */
  maxStages?: number;
}

/** One executed stage. */
export interface StageReport extends ExecutionReport {
  /** The stage's plan. */
  flowPlan: FlowPlan;
}

/** What running an event did. Never thrown: failures are in `failed`. */
export interface FlowRunReport {
  /** The event id. */
  eventId: string;
  /** The flow. */
  flow: string;
  /** False for a run; see `DryRunReport` for dry runs. */
  dryRun: false;
  /** Every stage executed. */
  stages: StageReport[];
  /** Steps done over all stages. */
  done: string[];
  /** Steps skipped over all stages. */
  skipped: string[];
  /** The step (or `finish`) that failed. */
  failed?: FailedStep;
  /** Steps not attempted. */
  notRun: string[];
  /** The result, when the flow completed. */
  outcome: FlowOutcome | null;
}

/** A dry run: the first stage's plan and requests; nothing sent, nothing changed. */
export interface DryRunReport {
  /** The event id. */
  eventId: string;
  /** The flow. */
  flow: string;
  /** Always true. */
  dryRun: true;
  /** The plan. */
  flowPlan: FlowPlan;
  /** The requests as they would be built. */
  requests: PreviewStep[];
}

/** The flows of one location. */
export interface Flows {
  /** Plans an event (throws `FLOW_*` errors for unknown or malformed events). */
  plan(event: Event): FlowPlan;
  /** Executes a planned flow and every stage that follows. */
  execute(flowPlan: FlowPlan): Promise<FlowRunReport>;
  /** Plans and executes an event; with `dryRun`, returns the plan and its requests. */
  run(event: Event, options: { dryRun: true }): Promise<DryRunReport>;
  run(event: Event, options?: { dryRun?: false }): Promise<FlowRunReport>;
}

/** Creates the flows (compiles the rules at once; throws `RULES_INVALID`...). */
export function createFlows(options: FlowsOptions): Flows {
  checkOptions("createFlows", options, {
    client: clientKind,
    locationId: name,
    scopes: names,
    rules: optional(object),
    config: optional(object),
    compile: optional(object),
    now: optional(func),
    maxStages: optional(count),
  });
  const now = options.now ?? Date.now;
  const maxStages = options.maxStages ?? 50;
  // Absent options are left out (an `undefined` field is not "missing" to the core).
  const init = Object.fromEntries(
    Object.entries({ locationId: options.locationId, scopes: options.scopes, config: options.config, rules: options.rules, compile: options.compile }).filter(([, v]) => v !== undefined),
  ) as { locationId: string };
  const make = () => guard(() => new glue.Flows(init));
  let inner = make();
  let generation = instanceGeneration();
  // After a panic reset the Wasm object is gone: rebuild it (caches start empty).
  const wasm = (): glue.Flows => {
    if (generation !== instanceGeneration()) {
      inner = make();
      generation = instanceGeneration();
      loads.clear();
    }
    return inner;
  };
  // Single flight: one tag catalog load per location at a time.
  const loads = new Map<string, Promise<unknown>>();

  async function execute(first: FlowPlan): Promise<FlowRunReport> {
    const report: FlowRunReport = { eventId: first.eventId, flow: first.plan.flow, dryRun: false, stages: [], done: [], skipped: [], notRun: [], outcome: null };
    let current = first;
    for (let stage = 0; stage < maxStages; stage++) {
      const r = await executePlan(options.client, current.plan);
      report.stages.push({ ...r, flowPlan: current });
      report.done.push(...r.done);
      report.skipped.push(...r.skipped);
      if (r.failed) {
        report.failed = r.failed;
        report.notRun.push(...r.notRun);
        const failedStage = current;
        guard(() => wasm().abandon(failedStage));
        return report;
      }
      let out: FlowOutcome;
      try {
        const stagePlan = current;
        out = guard(() => wasm().finish(stagePlan, r.responses, now()));
      } catch (e) {
        report.failed = { step: "finish", error: toBridgeError(e) };
        return report;
      }
      if (!out.next) {
        report.outcome = out;
        return report;
      }
      current = out.next;
    }
    report.failed = {
      step: "stages",
      error: new GhlBridgeError("FLOW_TOO_MANY_STAGES", `event '${first.eventId}' needed more than ${maxStages} stages`, { eventId: first.eventId, maxStages }),
    };
    return report;
  }

  function startsCatalogLoad(fp: FlowPlan): string | null {
    const f = fp.finish as { catalog?: { locationId: string; pageStep?: string | null; pageLoad?: number | null } };
    return f.catalog && f.catalog.pageStep && f.catalog.pageLoad == null ? f.catalog.locationId : null;
  }

  const flows: Flows = {
    plan: (event) => guard(() => wasm().plan(event, now())),
    execute,
    // Overloads are declared on the interface.
    run: (async (event: Event, opts: { dryRun?: boolean } = {}) => {
      const location = (event.locationId ?? options.locationId).trim();
      // Wait for a catalog load in progress: the plan then sees the loaded catalog.
      for (let pending = loads.get(location); pending; pending = loads.get(location)) await pending;
      const fp = flows.plan(event);
      if (opts.dryRun) {
        const report: DryRunReport = { eventId: fp.eventId, flow: fp.plan.flow, dryRun: true, flowPlan: fp, requests: await previewPlan(options.client, fp.plan) };
        return report;
      }
      const loading = startsCatalogLoad(fp);
      const run = execute(fp);
      if (loading !== null) {
        const settled = run.then(
          () => undefined,
          () => undefined,
        );
        loads.set(loading, settled);
        void settled.then(() => {
          if (loads.get(loading) === settled) loads.delete(loading);
        });
      }
      return run;
    }) as Flows["run"],
  };
  return checkMethods("flows", flows, {
    plan: sync(["event", eventKind]),
    execute: async(["flowPlan", flowPlanKind]),
    run: async(["event", eventKind], ["options", optional(object)]),
  });
}

/** A client (what `createClient` returns, or anything with its `send` and `buildRequest`). */
const clientKind = withMethods("send", "buildRequest");
/** A plan: an object with a list of steps. */
const planKind = kind("a plan (an object with a list of `steps`)", (v) => object.test(v) && Array.isArray((v as { steps?: unknown }).steps));
/** A flow plan: what `plan()` returns. */
const flowPlanKind = kind("a flow plan (what `flows.plan()` returns)", (v) => object.test(v) && object.test((v as { plan?: unknown }).plan));
/** An event: an object whose `locationId`, when given, is a string. */
const eventKind = kind("an event object (its `locationId`, when given, a string)", (v) => {
  if (!object.test(v)) return false;
  const at = (v as { locationId?: unknown }).locationId;
  return at === undefined || at === null || name.test(at);
});
