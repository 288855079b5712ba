/**
 * `createOutbox`: durable, exactly-once-in-effect delivery of plans to GHL.
 *
 * The state machine lives in the Rust core (sans-IO); this shim does the I/O around it:
 * - **Durability.** `accept(plan)` resolves only once the accept's store operations
 *   are durable (`storage.apply` resolved): that is the acknowledgement the host may
 *   pass on to the event's source. Store operations are written in the order the core
 *   produced them; batches waiting while a write is under way are committed together
 *   (group commit), still in order and atomically.
 * - **The pump.** After every input (accept, response, timer, token) it drains the
 *   core once: it queues the store operations, hands events to `onEvent`, sends the
 *   transmits at once (the core counts them in the rate budget when it hands them
 *   out; a step whose outcome was not yet durable when the host stopped is sent again,
 *   which changes nothing), and sets one timer for the core's next deadline. The core
 *   enforces rate budgets and concurrency.
 * - **Tokens.** A fixed `token`, or the host's `getToken()`: on the core's
 *   `tokenRefreshNeeded` it is called once (single flight), then delivery resumes; a
 *   second 401 pauses delivery with an `authPaused` event until `resumeAuth()`.
 * - **Recovery.** A failed write, or an internal error that reset the Wasm instance,
 *   rebuilds the core from what the storage holds (the same path as a restart).
 *   Requests in flight at that moment may be sent again: repeats change nothing.
 *   Recovery is bounded and yields to the host: each rebuild waits for a macrotask
 *   (longer after each failure in a row); a rebuild that fails, or more than
 *   `MAX_RECOVERIES` rebuilds in a row with no delivery or accept between them, stop
 *   the outbox with `OUTBOX_FAILED` (every later call throws it) instead of looping.
 * - **Flows in stages.** `acceptFlow(flowPlan)` keeps a stage that may continue until
 *   its continuation ran: when its last step is done the core emits `continue`; the
 *   pump calls `flows.finish(flowPlan, responses)`, accepts the next stage durably
 *   (behind the first in its contact's queue), THEN tells the core (`continued`). A
 *   crash between the two: the restored core asks again and the next stage's id
 *   (`eventId#2`) makes the repeated accept a duplicate. A `finish` that fails is a
 *   dead letter (`CONTINUATION_FAILED`), never dropped; a re-trigger runs it again.
 * - **Timers.** No timer is set beyond 2^31-1 ms (the longest a JS timer takes): a
 *   later deadline is reached in steps.
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { GhlBridgeError, guard, guardAsync, instanceGeneration, toBridgeError } from "./errors.js";
import { MAX_TIMER_MS, TokenSource, connection } from "./client.js";
import {
  async,
  bool,
  checkMethods,
  func,
  name,
  object,
  optional,
  options as checkOptions,
  withMethods,
} from "./check.js";
import type { OutboxStorage, StoreOp } from "./storage/types.js";
import type { Flows } from "./flows.js";
import type {
  Accepted,
  DeadLetter,
  Drained,
  FlowOutcome,
  FlowPlan,
  LogEntry,
  OutboxBudgetRecord,
  OutboxConfig,
  OutboxCounts,
  OutboxInit,
  OutboxEvent,
  OutboxRecord,
  OutboxRetained,
  OutboxStats,
  Plan,
  Transmit,
} from "./wasm/types.js";

/** Options of `createOutbox`. */
export interface OutboxOptions {
  /** A fixed token (Private Integration Token or OAuth access token). */
  token?: string;
  /** Returns a current token; called again (once, shared) when GHL answers 401. */
  getToken?: () => string | Promise<string>;
  /** The GHL location (sub-account) id. */
  locationId: string;
  /** The scopes the token was granted. */
  scopes: string[];
  /** API base URL (https, or http on loopback, e.g. the emulator). */
  baseUrl?: string;
  /** Per-request timeout in milliseconds (default 30,000). */
  timeoutMs?: number;
  /** Where accepted events are kept: `indexedDbStorage()`, `fileStorage(path)`, `memoryStorage()`. */
  storage: OutboxStorage;
  /** Rate budget, concurrency, backoff and retry limits (GHL's documented limits by default). */
  config?: OutboxConfig;
  /** Progress, auth, parked-location and dead-letter events. */
  onEvent?: (event: OutboxEvent) => void;
  /** Start delivering at once (default true); else call `start()`. */
  autoStart?: boolean;
  /**
   * The flows whose plans `acceptFlow` takes (what `createFlows` returns): their
   * `finish` computes a stage's next stage from its responses.
   */
  flows?: Pick<Flows, "finish">;
}

/** The core's request to run a delivered stage's continuation. */
type ContinueEvent = Extract<OutboxEvent, { type: "continue" }>;

/** Most stages one event may take through the outbox (as `createFlows`' default). */
export const MAX_OUTBOX_STAGES = 50;

/** What `accept` did with an event. */
export type AcceptResult = Omit<Accepted, "ops">;

/** A running outbox. */
export interface Outbox {
  /** Stores the event's plan durably, then resolves: only then acknowledge the event. */
  accept(plan: Plan): Promise<AcceptResult>;
  /**
   * Stores a flow's first stage (`flows.plan(event)`) durably, then resolves; its later
   * stages are planned (`flows.finish`) and delivered through the outbox too. `flows`
   * defaults to `createOutbox`'s; given here, it serves an outbox created without.
   */
  acceptFlow(flowPlan: FlowPlan, flows?: Pick<Flows, "finish">): Promise<AcceptResult>;
  /** Starts (or resumes) delivery. */
  start(): void;
  /** Stops sending new requests; those on the wire are still recorded. */
  stop(): void;
  /** Resolves when nothing is pending nor in flight and every write is durable. */
  idle(): Promise<void>;
  /** Plans on the dead-letter list, oldest first. */
  deadLetters(): DeadLetter[];
  /** Puts one dead plan back in the queue; resolves once that is stored. */
  retrigger(planId: string): Promise<void>;
  /** Re-triggers every dead plan; resolves to how many, once stored. */
  retriggerAll(): Promise<number>;
  /** Continues after an `authPaused` event (asks `getToken()` again first). */
  resumeAuth(): void;
  /** The delivery log (bounded; no tokens, no headers) as JSON text. */
  exportLog(): string;
  /** The delivery log as objects. */
  log(): LogEntry[];
  /** Event counts (accepted = pending + done + dead). */
  counts(): OutboxCounts;
  /** Request and outcome counters since the outbox was created. */
  stats(): OutboxStats;
  /** How much state the outbox holds (records, tombstones, log entries...): all bounded. */
  retained(): OutboxRetained;
  /**
   * Stops, waits for the requests on the wire, writes their outcomes (and the rate
   * budget) durably, closes the storage.
   */
  close(): Promise<void>;
}

/** Rebuilds in a row (no delivery or accept between them) before the outbox gives up. */
export const MAX_RECOVERIES = 3;

/** Resolves after a macrotask (`setTimeout`), so the host's timers and I/O run first. */
function macrotask(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.min(MAX_TIMER_MS, ms)));
}

interface Waiter {
  ops: StoreOp[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Creates an outbox over `storage`, restoring whatever it holds (a reload or restart). */
export async function createOutbox(options: OutboxOptions): Promise<Outbox> {
  checkOptions("createOutbox", options, {
    ...connection,
    storage: withMethods("load", "apply", "close"),
    config: optional(object),
    onEvent: optional(func),
    autoStart: optional(bool),
    flows: optional(withMethods("finish")),
  });
  const { storage, onEvent } = options;
  /** What plans the later stages (`createOutbox`'s, or the first `acceptFlow` gives). */
  let flows = options.flows;
  /** Continuations asked for before any `flows` was known (e.g. restored): run once one is. */
  const parked = new Map<string, { ev: ContinueEvent; written: Promise<void> }>();
  const tokens = new TokenSource(options.token, options.getToken, options.timeoutMs);
  const wasmOptions: OutboxInit = {
    client: {
      locationId: options.locationId,
      scopes: options.scopes,
      baseUrl: options.baseUrl ?? null,
    },
    // A fresh connection's handshakes must not open GHL's window later than the budget
    // thinks (see `coldStartFromAnswer`): on unless the host says otherwise.
    config: { coldStartFromAnswer: true, ...options.config },
    timeoutMs: options.timeoutMs,
    seed: Math.floor(Math.random() * 2 ** 52),
  };

  const build = async (): Promise<glue.Outbox> => {
    const stored = await storage.load();
    // Plan records and the locations' rate budgets (the core tells them apart).
    const records = stored.map((s) => s.record as OutboxRecord | OutboxBudgetRecord);
    return guard(() => new glue.Outbox(wasmOptions, records, Date.now()));
  };

  let core = await build();
  let generation = instanceGeneration();
  /** Incremented on every rebuild: work of an older core is ignored. */
  let epoch = 0;
  let recovering: Promise<void> | null = null;
  let running = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pumpQueued = false;
  let inFlight = 0;
  let token: string | undefined;
  let tokenPending = false;
  let idleWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  /** Rebuilds since the last delivery or accept. */
  let recoveries = 0;
  /** Set when recovery gave up: every later call throws it. */
  let failed: GhlBridgeError | null = null;

  // ---- writes: in order, group commit ----
  let queue: Waiter[] = [];
  let writing: Promise<void> | null = null;
  let lastWrite: Promise<void> = Promise.resolve();

  function write(ops: StoreOp[]): Promise<void> {
    if (ops.length === 0) return lastWrite;
    const p = new Promise<void>((resolve, reject) => queue.push({ ops, resolve, reject }));
    p.catch(() => undefined);
    lastWrite = p;
    if (!writing) writing = flush();
    return p;
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const group = queue;
      queue = [];
      try {
        await storage.apply(group.flatMap((w) => w.ops));
        for (const w of group) w.resolve();
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        const err =
          e instanceof GhlBridgeError
            ? e
            : new GhlBridgeError(
                "STORAGE_ERROR",
                `outbox storage: write failed: ${reason}`,
                { reason },
                { cause: e },
              );
        for (const w of group) w.reject(err);
        // Writes queued after a failed one belong to a state that is being discarded.
        for (const w of queue) w.reject(err);
        queue = [];
        void recover();
      }
    }
    writing = null;
    checkIdle();
  }

  // ---- recovery ----
  function fail(e: unknown): void {
    const cause = e instanceof GhlBridgeError ? e : tokens.scrubError(e);
    failed = new GhlBridgeError(
      "OUTBOX_FAILED",
      `the outbox stopped after ${recoveries} rebuild(s) in a row from its storage (last problem: ${cause.code}: ${cause.message}); create it again to continue`,
      { recoveries, cause: cause.code },
    );
    running = false;
    clearTimeout(timer);
    timer = undefined;
    for (const w of queue) w.reject(failed);
    queue = [];
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w.reject(failed);
  }

  /** Rebuilds the core; never rejects (a failure stops the outbox, see `fail`). */
  function recover(): Promise<void> {
    if (failed) return Promise.resolve();
    if (recovering) return recovering;
    epoch += 1;
    recoveries += 1;
    clearTimeout(timer);
    timer = undefined;
    const old = core;
    const staleInstance = generation !== instanceGeneration();
    recovering = (async () => {
      if (writing) await writing.catch(() => undefined);
      if (!staleInstance) {
        try {
          old.free();
        } catch {
          // already gone with a reset instance
        }
      }
      // Yield to the host before rebuilding (a trap that repeats must not starve the
      // event loop), longer after each rebuild in a row; give up past the bound.
      await macrotask(recoveries === 1 ? 0 : 10 * 2 ** recoveries);
      if (recoveries > MAX_RECOVERIES)
        throw new GhlBridgeError(
          "INTERNAL_PANIC",
          "internal errors kept recurring after each rebuild",
          {},
        );
      core = await build();
      generation = instanceGeneration();
      token = undefined;
    })().then(
      () => {
        recovering = null;
        schedule();
      },
      (e: unknown) => {
        recovering = null;
        fail(e);
      },
    );
    return recovering;
  }

  /** Runs a synchronous call on the core; an internal error triggers a rebuild. */
  function call<T>(f: (c: glue.Outbox) => T): T {
    if (failed) throw failed;
    if (generation !== instanceGeneration() || recovering) {
      void recover();
      throw new GhlBridgeError(
        "OUTBOX_RECOVERING",
        "the outbox is being rebuilt from its storage after an internal error; try again",
        {},
      );
    }
    try {
      return guard(() => f(core));
    } catch (e) {
      if (e instanceof GhlBridgeError && e.code === "INTERNAL_PANIC") void recover();
      throw e;
    }
  }

  async function ready(): Promise<void> {
    while (recovering) await recovering;
    if (failed) throw failed;
    if (generation !== instanceGeneration()) await recover();
    if (failed) throw failed;
  }

  function emit(event: OutboxEvent): void {
    if (!onEvent) return;
    try {
      onEvent(event);
    } catch {
      // a failing host callback must not stop delivery
    }
  }

  // ---- tokens ----
  function fetchToken(refresh: boolean): void {
    if (tokenPending) return;
    tokenPending = true;
    const myEpoch = epoch;
    const stale = token;
    const got = refresh && stale !== undefined ? tokens.refresh(stale) : tokens.current();
    got.then(
      (t) => {
        tokenPending = false;
        if (myEpoch !== epoch) return schedule();
        token = t;
        if (refresh) call((c) => c.tokenRefreshed(Date.now()));
        schedule();
      },
      (e: unknown) => {
        tokenPending = false;
        if (myEpoch !== epoch) return schedule();
        const reason = tokens.scrub(e instanceof Error ? e.message : String(e));
        call((c) => c.tokenRefreshFailed(reason, Date.now()));
        schedule();
      },
    );
  }

  // ---- the pump ----
  function schedule(): void {
    if (pumpQueued) return;
    pumpQueued = true;
    queueMicrotask(() => {
      pumpQueued = false;
      try {
        void pump();
      } catch {
        // errors are turned into a rebuild by `call`
      }
      checkIdle();
    });
  }

  /** Drains the core once; resolves when the drained store operations are durable. */
  function pump(): Promise<void> {
    if (closed || recovering || failed) return lastWrite;
    const sending = running && token !== undefined;
    // Nothing is handed out without a token; while delivery is paused for auth (getToken
    // failed) it is not asked again until `resumeAuth()`, or the pump would spin on it.
    if (running && token === undefined && call((c) => c.authPaused()) === undefined)
      fetchToken(false);
    const d: Drained = call((c) => c.drain(Date.now(), sending));
    // The budgets the drained sends changed go in the same batch: the next holder of a
    // location (a restart, a reload, another worker) goes on with GHL's open window.
    const written = write(
      d.budgets.length === 0
        ? d.store
        : [...d.store, ...d.budgets.map((b): StoreOp => ({ op: "put", ...b }))],
    );
    for (const ev of d.events) {
      if (ev.type === "tokenRefreshNeeded") fetchToken(true);
      if (ev.type === "continue") void continueFlow(ev, written);
      emit(ev);
    }
    if (generation !== instanceGeneration()) {
      // A host callback reset the instance: this core is gone, send nothing with it.
      void recover();
      return written;
    }
    clearTimeout(timer);
    timer = undefined;
    if (sending && d.timeout !== null && d.timeout !== undefined) {
      // Never beyond what a timer takes: a later deadline is reached in steps.
      const delay = Math.min(MAX_TIMER_MS, Math.max(1, d.timeout - Date.now()));
      timer = setTimeout(() => {
        timer = undefined;
        schedule();
      }, delay);
    }
    // Transmits leave at once, while the operations drained with them are written:
    // the core counts a request in the rate budget when it hands it out, so holding it
    // back for a write would skew the budget. Safe: an outcome that was not yet stored
    // when the host stopped is simply sent again, and repeats change nothing.
    if (d.transmits.length > 0 && token !== undefined) {
      const myEpoch = epoch;
      const c = core;
      const t = token;
      inFlight += d.transmits.length;
      for (const tr of d.transmits) void send(c, tr, t, myEpoch);
    }
    return written;
  }

  /**
   * Runs a delivered stage's continuation: the next stage accepted (durable) first,
   * then `continued`. Any failure of the outbox itself is left to the rebuild, which
   * asks again; a failing `finish` is a dead letter.
   */
  async function continueFlow(ev: ContinueEvent, written: Promise<void>): Promise<void> {
    const planId = ev.planId;
    const failed = (message: string) => {
      call((c) => c.continuationFailed(planId, message, Date.now()));
      schedule();
    };
    try {
      await written; // the awaiting record is durable before its next stage exists
      if (!flows) {
        // Stored and counted as pending; planned once `flows` is given (acceptFlow).
        parked.set(planId, { ev, written });
        return;
      }
      let out: FlowOutcome;
      try {
        out = flows.finish(ev.continuation as unknown as FlowPlan, ev.responses);
      } catch (e) {
        const err = toBridgeError(e);
        return failed(`${err.code}: ${err.message}`);
      }
      const next = out.next;
      if (next) {
        if (next.stage > MAX_OUTBOX_STAGES)
          return failed(
            `FLOW_TOO_MANY_STAGES: event '${out.eventId}' needed more than ${MAX_OUTBOX_STAGES} stages`,
          );
        await ready();
        const acc: Accepted = call((c) => c.acceptFlow(next, planId, Date.now()));
        await write(acc.ops);
      }
      call((c) => c.continued(planId, Date.now()));
      schedule();
    } catch {
      // A rebuild (or a second run of the same continuation) is under way: the
      // restored core asks again while the record awaits.
    }
  }

  async function send(c: glue.Outbox, tr: Transmit, t: string, myEpoch: number): Promise<void> {
    try {
      if (myEpoch === epoch && generation === instanceGeneration()) {
        await guardAsync(() => c.deliver(tr.id, t));
        if (myEpoch === epoch) recoveries = 0;
      }
    } catch (e) {
      if (e instanceof GhlBridgeError && e.code === "INTERNAL_PANIC") void recover();
    } finally {
      inFlight -= 1;
      if (myEpoch === epoch) schedule();
      else checkIdle();
    }
  }

  function checkIdle(): void {
    if (idleWaiters.length === 0 || inFlight > 0 || writing || recovering || pumpQueued) return;
    let pending: number;
    try {
      pending = call((c) => c.counts()).pending;
    } catch {
      return;
    }
    if (pending > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w.resolve();
  }

  const outbox: Outbox = {
    async accept(plan) {
      await ready();
      const acc: Accepted = call((c) => c.accept(plan, Date.now()));
      recoveries = 0;
      const stored = write(acc.ops);
      schedule();
      await stored;
      return { planId: acc.planId, disposition: acc.disposition };
    },
    async acceptFlow(flowPlan, given) {
      flows ??= given;
      if (!flows)
        throw new GhlBridgeError(
          "OUTBOX_NO_FLOWS",
          "outbox.acceptFlow: no `flows` to plan the later stages with (pass them to createOutbox or here)",
          {},
        );
      const waiting = [...parked.values()];
      parked.clear();
      for (const w of waiting) void continueFlow(w.ev, w.written);
      await ready();
      const acc: Accepted = call((c) => c.acceptFlow(flowPlan, null, Date.now()));
      recoveries = 0;
      const stored = write(acc.ops);
      schedule();
      await stored;
      return { planId: acc.planId, disposition: acc.disposition };
    },
    start() {
      if (closed) throw new GhlBridgeError("OUTBOX_CLOSED", "the outbox was closed", {});
      running = true;
      try {
        if (call((c) => c.sweep(Date.now())) > 0) schedule();
      } catch {
        // a rebuild is under way; it schedules the pump when done
      }
      schedule();
    },
    stop() {
      running = false;
      clearTimeout(timer);
      timer = undefined;
    },
    idle() {
      if (failed) return Promise.reject(failed);
      return new Promise<void>((resolve, reject) => {
        idleWaiters.push({ resolve, reject });
        checkIdle();
      });
    },
    deadLetters: () => call((c) => c.deadLetters()),
    async retrigger(planId) {
      await ready();
      call((c) => c.retrigger(planId, Date.now()));
      await pump();
    },
    async retriggerAll() {
      await ready();
      const n = call((c) => c.retriggerAll(Date.now()));
      await pump();
      return n;
    },
    resumeAuth() {
      call((c) => c.resumeAuth(Date.now()));
      token = undefined;
      schedule();
    },
    exportLog: () => call((c) => c.exportLog()),
    log: () => JSON.parse(call((c) => c.exportLog())) as LogEntry[],
    counts: () => call((c) => c.counts()),
    stats: () => call((c) => c.stats()),
    retained: () => call((c) => c.retained()),
    async close() {
      outbox.stop();
      // The answers to the requests on the wire are still drained (stopped: nothing
      // more is sent) and written, with the budget they changed, before the storage
      // closes: a restart does not send them again, and a location handed over after
      // `close` goes on from exactly where this outbox stood.
      while (inFlight > 0 || writing || recovering || pumpQueued) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.resolve()
        .then(pump)
        .catch(() => undefined); // failed or being rebuilt: the storage holds what was written
      closed = true;
      await lastWrite.catch(() => undefined);
      try {
        core.free();
      } catch {
        // gone with a reset instance
      }
      await storage.close();
    },
  };

  if (options.autoStart ?? true) outbox.start();
  return checkMethods("outbox", outbox, {
    accept: async(["plan", object]),
    acceptFlow: async(["flowPlan", object], ["flows", optional(withMethods("finish"))]),
    retrigger: async(["planId", name]),
  });
}
