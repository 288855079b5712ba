/**
 * Flows, plan-then-execute: every incoming event becomes a plan (the GHL requests, in
 * order, with their dependencies), which can be shown without sending anything (dry
 * run, computed by the core) and then executed. The core plans, decides which
 * location an event may touch, remembers which events ran (a replay is skipped) and
 * finishes (sans-IO); this file sends, with the connection of the plan's location.
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
import { unchecked } from "./client.js";
import {
  arg,
  async,
  checkMethods,
  count,
  func,
  kind,
  name,
  names,
  object,
  optional,
  options as checkOptions,
  sync,
  withMethods,
} from "./check.js";
import type { Client } from "./client.js";
import type {
  Begin,
  CompileContext,
  FlowEvent as Event,
  FlowConfig,
  FlowsInit,
  FlowOutcome,
  FlowPlan,
  Plan,
  PreviewStep,
  RequestParams,
} from "./wasm/types.js";

/** A step that failed, with the typed error. */
export interface FailedStep {
  /** Step id (`plan` when the plan was refused before any step, `finish` when the local work after the requests failed). */
  step: string;
  /** What went wrong. */
  error: GhlBridgeError;
}

/** The dry run of one step, computed by the core (re-exported from the generated types). */
export type { PreviewStep };

/** What executing one plan did. Never thrown: failures are in `failed`. */
export interface ExecutionReport {
  /** The plan id. */
  planId: string;
  /** True for a dry run: nothing was sent, `requests` holds what would be. */
  dryRun: boolean;
  /** Steps sent with success, in order. */
  done: string[];
  /** Steps with nothing to send (e.g. no tag to add). */
  skipped: string[];
  /** The step that failed, if any. */
  failed?: FailedStep;
  /** Steps not attempted because an earlier one failed. */
  notRun: string[];
  /** Response bodies by step id (a prototype-free object: step ids are data). */
  responses: Record<string, unknown>;
  /** For a dry run: the requests as they would be built. */
  requests?: PreviewStep[];
}

/** Options of `executePlan`. */
export interface ExecuteOptions {
  /** Build the requests and return them without sending anything. */
  dryRun?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The requests of a plan as they would be built, without sending anything (the core's
 * one dry run: validated, locations checked, placeholders for later values).
 */
export async function previewPlan(client: Client, plan: Plan): Promise<PreviewStep[]> {
  arg("previewPlan", "client", client, clientKind);
  arg("previewPlan", "plan", plan, planKind);
  return client.previewPlan(plan);
}

/**
 * Executes a plan's steps in order through the client. Never throws: a failed step
 * ends the walk and is reported with the steps done and not run. The plan is first
 * checked by the core (`previewPlan`): an invalid plan, or one naming another location
 * than the client's, sends nothing. With `dryRun` nothing is sent at all.
 */
export async function executePlan(
  client: Client,
  plan: Plan,
  options: ExecuteOptions = {},
): Promise<ExecutionReport> {
  arg("executePlan", "client", client, clientKind);
  arg("executePlan", "plan", plan, planKind);
  arg("executePlan", "options", options, object);
  const dryRun = options.dryRun === true;
  const report: ExecutionReport = {
    planId: plan.id,
    dryRun,
    done: [],
    skipped: [],
    notRun: [],
    responses: Object.create(null) as Record<string, unknown>,
  };
  const steps = plan.steps;
  let requests: PreviewStep[];
  try {
    requests = client.previewPlan(plan);
  } catch (e) {
    report.failed = { step: "plan", error: toBridgeError(e) };
    report.notRun = steps.map((s) => s.id);
    return report;
  }
  if (dryRun) {
    report.requests = requests;
    return report;
  }
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    try {
      const params: RequestParams | null = guard(() =>
        glue.resolveStep(plan, step.id, report.responses),
      );
      if (params === null) {
        report.skipped.push(step.id);
        continue;
      }
      const result = await client.send(unchecked(step.operation), params);
      Object.defineProperty(report.responses, step.id, {
        value: result.data as Json,
        enumerable: true,
        writable: true,
        configurable: true,
      });
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
  /**
   * Connections of other locations, by location id: an event naming one of them is
   * planned for it and sent with that client (its own token). An event naming any
   * other location is refused with `FLOW_FOREIGN_LOCATION`.
   */
  connections?: Record<string, Client>;
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
  /** True when the event id ran already: nothing was planned or sent (`outcome.result.kind` is `duplicate`). */
  duplicate: boolean;
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
  /**
   * The stages that follow once GHL answered (a contact flow in stages, the statistics
   * after the accounts read, a catalog's next tag-list page and details reads), planned
   * by the core before those answers: what only they say shows as placeholders naming
   * the step (`{upsert.contact.id}`, `{accounts.results.accounts.profileId}`), and each
   * stage's `warnings` name what it assumed (a full first page, say).
   */
  later: DryRunStage[];
}

/** A later stage of a dry run. */
export interface DryRunStage {
  /** The stage's number (2 for the first later one). */
  stage: number;
  /** Its plan, as planned before the answers it needs. */
  flowPlan: FlowPlan;
  /** Its requests as they would be built. */
  requests: PreviewStep[];
}

/** The flows of one location. */
export interface Flows {
  /** Plans an event (throws `FLOW_*` errors for unknown or malformed events). */
  plan(event: Event): FlowPlan;
  /**
   * The local work after a stage's requests (`responses`: step id -> body): the result,
   * or the next stage in `next` (what the outbox runs for `acceptFlow` plans).
   */
  finish(flowPlan: FlowPlan, responses: Record<string, unknown>): FlowOutcome;
  /** Executes a planned flow and every stage that follows (a first stage whose event id ran already is skipped as a duplicate). */
  execute(flowPlan: FlowPlan): Promise<FlowRunReport>;
  /** Plans and executes an event (once per event id); with `dryRun`, returns the plan and its requests. */
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
  const connections = new Map<string, Client>(Object.entries(options.connections ?? {}));
  const init = Object.fromEntries(
    Object.entries({
      locationId: options.locationId,
      scopes: options.scopes,
      config: options.config,
      rules: options.rules,
      compile: options.compile,
      connections: options.connections === undefined ? undefined : [...connections.keys()],
    }).filter(([, v]) => v !== undefined),
  ) as unknown as FlowsInit;
  // The core decided the plan's location; this picks the connection that sends it.
  const clientFor = (plan: Plan): Client => connections.get(plan.locationId) ?? options.client;
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

  const emptyReport = (fp: { eventId: string; flow: string }): FlowRunReport => ({
    eventId: fp.eventId,
    flow: fp.flow,
    dryRun: false,
    duplicate: false,
    stages: [],
    done: [],
    skipped: [],
    notRun: [],
    outcome: null,
  });
  const duplicateReport = (out: FlowOutcome): FlowRunReport => ({
    ...emptyReport(out),
    duplicate: true,
    outcome: out,
  });

  async function execute(first: FlowPlan, claimed = false): Promise<FlowRunReport> {
    if (!claimed) {
      const dup: FlowOutcome | null = guard(() => wasm().claim(first, now()));
      if (dup) return duplicateReport(dup);
    }
    const report = emptyReport({ eventId: first.eventId, flow: first.plan.flow });
    let current = first;
    for (let stage = 0; stage < maxStages; stage++) {
      const r = await executePlan(clientFor(current.plan), current.plan);
      report.stages.push({ ...r, flowPlan: current });
      report.done.push(...r.done);
      report.skipped.push(...r.skipped);
      if (r.failed) {
        report.failed = r.failed;
        report.notRun.push(...r.notRun);
        const failedStage = current;
        const { step, error } = r.failed;
        const status = error.details?.status;
        try {
          // Abandons the stage; throws the core's typed failure when it names one
          // (a refused contact id: FLOW_CONTACT_NOT_FOUND), else the request's error stands.
          guard(() =>
            wasm().stepFailed(failedStage, step, typeof status === "number" ? status : 0),
          );
        } catch (e) {
          report.failed = { step, error: toBridgeError(e) };
        }
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
    const lastStage = current;
    guard(() => wasm().abandon(lastStage));
    report.failed = {
      step: "stages",
      error: new GhlBridgeError(
        "FLOW_TOO_MANY_STAGES",
        `event '${first.eventId}' needed more than ${maxStages} stages`,
        { eventId: first.eventId, maxStages },
      ),
    };
    return report;
  }

  function startsCatalogLoad(fp: FlowPlan): string | null {
    const f = fp.finish as {
      catalog?: { locationId: string; pageStep?: string | null; pageLoad?: number | null };
    };
    return f.catalog?.pageStep && f.catalog.pageLoad == null ? f.catalog.locationId : null;
  }

  const flows: Flows = {
    plan: (event) => guard(() => wasm().plan(event, now())),
    finish: (fp, responses) => guard(() => wasm().finish(fp, responses, now())),
    execute: (fp) => execute(fp),
    // Overloads are declared on the interface.
    run: (async (event: Event, opts: { dryRun?: boolean } = {}) => {
      const named = typeof event?.locationId === "string" ? event.locationId : options.locationId;
      const location = named.trim();
      // Wait for a catalog load in progress: the plan then sees the loaded catalog.
      for (let pending = loads.get(location); pending; pending = loads.get(location)) await pending;
      if (opts.dryRun) {
        const fp = flows.plan(event);
        const requests = await previewPlan(clientFor(fp.plan), fp.plan);
        const stages: FlowPlan[] = guard(() => wasm().laterStages(fp, now()));
        const earlier = fp.plan.steps.map((s) => s.id);
        const later: DryRunStage[] = [];
        for (const next of stages) {
          const rs = clientFor(next.plan).previewPlan(next.plan, [...earlier]);
          later.push({ stage: next.stage, flowPlan: next, requests: rs });
          earlier.push(...next.plan.steps.map((s) => s.id));
        }
        const report: DryRunReport = {
          eventId: fp.eventId,
          flow: fp.plan.flow,
          dryRun: true,
          flowPlan: fp,
          requests,
          later,
        };
        return report;
      }
      const begun: Begin = guard(() => wasm().begin(event, now()));
      if (begun.kind === "duplicate") return duplicateReport(begun.outcome);
      const fp = begun.flowPlan;
      const loading = startsCatalogLoad(fp);
      const run = execute(fp, true);
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
    finish: sync(["flowPlan", flowPlanKind], ["responses", object]),
    execute: async(["flowPlan", flowPlanKind]),
    run: async(["event", eventKind], ["options", optional(object)]),
  });
}

/** A client (what `createClient` returns, or anything with its `send` and `buildRequest`). */
const clientKind = withMethods("send", "buildRequest");
/** A plan: an object with a list of steps. */
const planKind = kind(
  "a plan (an object with a list of `steps`)",
  (v) => object.test(v) && Array.isArray((v as { steps?: unknown }).steps),
);
/** A flow plan: what `plan()` returns. */
const flowPlanKind = kind(
  "a flow plan (what `flows.plan()` returns)",
  (v) => object.test(v) && object.test((v as { plan?: unknown }).plan),
);
/** An event: an object whose `locationId`, when given, is a string. */
const eventKind = kind("an event object (its `locationId`, when given, a string)", (v) => {
  if (!object.test(v)) return false;
  const at = (v as { locationId?: unknown }).locationId;
  return at === undefined || at === null || name.test(at);
});
