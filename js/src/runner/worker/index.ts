/**
 * The runner's worker: takes accepted intake items from the store, plans them with the
 * package's flows (rules, planner) and hands each plan to its location's core outbox,
 * which delivers to GHL with the package client, rate-limited and retried.
 *
 * - **Location leases.** A worker delivers a location only while it holds the lease
 *   `location:<locationId>` (renewed every `leaseMs / 4`, `leaseMs` long). So one worker
 *   at a time runs a location's outbox: its order is kept. Workers count each other by
 *   heartbeat leases (`worker:<id>`) and each takes its share of the locations; a worker
 *   above its share hands one over per tick (outbox stopped, the requests on the wire
 *   answered and recorded, writes durable, then the lease released). A worker that
 *   dies stops renewing: its leases expire and the others take its locations,
 *   restoring each outbox from the store. A worker whose renewals have not succeeded
 *   for 3/4 of a lease stops sending to those locations at once (it may lose them).
 * - **Rate budget.** The core outbox keeps each location's budget (the window's sends,
 *   what GHL's headers said, a 429's park) in the location's outbox records, written
 *   with the sends: the next holder restores it and goes on with the window GHL has
 *   open, with no wait and no window sent twice. After a graceful hand-over the state
 *   is exact; after a death only the sends whose write had not completed are missing,
 *   and they are older than 3/4 of a lease when the next holder starts (so `leaseMs`
 *   should be at least 4/3 of the burst window plus its margin: the default 15 s is).
 * - **Intake.** A worker claims only the intake of the locations it holds (oldest first),
 *   plans each item and `accept`s the plan into the outbox, then completes the items.
 *   A crash between the two is safe: the item's claim expires, it is planned again,
 *   and the outbox answers `duplicate` (a plan's id is the event id, deduplicated by
 *   `plan::dedupe_key` against pending records and tombstones). An item whose conversion
 *   (`toEvent`, which may read the source: the Qwilr page) says "nothing to do" (`null`)
 *   is completed. A conversion that fails with `details.retry === true` (a 429, a 5xx,
 *   the network) is given back to the store to be claimed again after a backoff
 *   (`retry`: exponential, jittered, capped), so the intake row is never lost; any
 *   other failure (not a flow event, a page that is gone, a foreign location,
 *   malformed), and a transient one after `retry.maxAttempts`, dead-letters the item:
 *   kept in the store with its body and the reason (`intakeRejected` event).
 * - **Staging** (`staging`): a connection whose mode says its events are not sent (in
 *   staging, or received before it went live) has its items planned as a dry run
 *   (`flows.run(event, {dryRun: true})`: the exact requests, nothing sent, nothing in
 *   the outbox), recorded (`staging.record`) and completed. The mode is read once per
 *   tick per connection, so a switch takes effect within a tick in every worker.
 * - **Failure log** (`failureLogKey`): a location's outbox failure log (GHL's status,
 *   message and traceId per failed attempt; no tokens, no headers) is merged into a
 *   store value after each tick with failures (the last 50), so the console's Activity
 *   reads it from any process, and a new holder adds to what the last one wrote.
 * - **Connections that change** (`refreshConnections`, INSTALL / UNINSTALL webhooks): an
 *   added one is taken like the others; a removed one stops delivering at once (its
 *   outbox closed), and under its lease its outbox records are retired with the reason
 *   and its pending intake dead-lettered (`connectionRemoved` event), never dropped.
 *   A held connection given new `rules` (saved in the console) plans its next items,
 *   and its flows' later stages, with them: no restart, the outbox and lease kept. The
 *   connections are read again before each batch of claimed items is planned, so an
 *   item accepted after a save is planned with the saved rules.
 * - **Dropped tags** (`warnings` in `stats()`, a `warning` event): tags the location
 *   lacks are dropped by the core when it may not create them (the default, or a token
 *   without `locations/tags.write`; the core's plan says which and why). The worker
 *   says it once per connection (`TAGS_DROPPED`, with the core's reason) and keeps the
 *   tags it dropped in its status; never a token.
 * - **Stopping** (`stop()`): no more claims, every outbox stopped and closed (requests on
 *   the wire are recorded), leases released for the other workers.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
// The Node entry: loads the Wasm module before anything here calls into it.
import { createClient, createFlows, createOutbox } from "../../entries/node.js";
import type { Outbox } from "../../outbox.js";
import type { DryRunReport, Flows } from "../../flows.js";
import { GhlBridgeError, toBridgeError } from "../../errors.js";
import type {
  CompileContext,
  FlowConfig,
  FlowEvent,
  FlowPlan,
  OutboxBudgetRecord,
  OutboxConfig,
  OutboxEvent,
} from "../../wasm/types.js";
import type { OutboxStorage } from "../../storage/types.js";
import type { ClaimedIntake, RunnerStore } from "../store/types.js";
import { dryRunView } from "../console-state.js";

/** One configured connection: a GHL location and how to reach it. */
export interface WorkerConnection {
  /** The connection's name, as intake items name it. */
  name: string;
  /** The GHL location. */
  locationId: string;
  /** The scopes its token was granted. */
  scopes: string[];
  /** A fixed token (Private Integration Token). */
  token?: string;
  /** Or a current token (OAuth: the runner's refreshing vault). */
  getToken?: () => string | Promise<string>;
  /** API base URL (the emulator in tests). */
  baseUrl?: string;
  /** Mapping-rules documents by source (`wishpond`, `qwilr`). */
  rules?: Record<string, unknown>;
  /** Flow settings. */
  flowConfig?: Partial<FlowConfig>;
  /** Custom fields and limits for compiling the rules. */
  compile?: Partial<CompileContext>;
  /** The outbox's rate budget, retries and backoff (GHL's documented limits by default). */
  outboxConfig?: OutboxConfig;
}

/** What the worker reports (logs and metrics). */
export type WorkerEvent =
  | { type: "locationTaken"; locationId: string }
  | { type: "locationReleased"; locationId: string }
  | { type: "locationLost"; locationId: string }
  | { type: "intakeRejected"; id: string; connection: string; code: string; message: string }
  | {
      type: "intakeRetry";
      id: string;
      connection: string;
      code: string;
      message: string;
      attempt: number;
      delayMs: number;
    }
  | {
      type: "connectionRemoved";
      connection: string;
      locationId: string;
      outboxRetired: number;
      intakeDead: number;
    }
  | { type: "intakeStaged"; id: string; connection: string; eventId: string }
  | { type: "retiredRestored"; connection: string; locationId: string; restored: number }
  | { type: "tickFailed"; code: string; message: string }
  | ({ type: "warning" } & WorkerWarning)
  | { type: "outbox"; locationId: string; event: OutboxEvent }
  /** A location's rate budget as just written with its outbox (for `/metrics`). */
  | { type: "budget"; locationId: string; budget: OutboxBudgetRecord["rateBudget"] };

/** Options of `startWorker`. */
export interface WorkerOptions {
  /** The runner store (PostgreSQL for several workers). */
  store: RunnerStore;
  /** The connections this runner serves. */
  connections: WorkerConnection[];
  /** This worker's id (default host:pid:random). */
  id?: string;
  /** Location and heartbeat lease length in ms (default 15,000; renewed every tick). */
  leaseMs?: number;
  /** How long a claimed intake item stays with this worker (default 30,000 ms). */
  claimLeaseMs?: number;
  /** Intake items claimed per tick (default 100). */
  batch?: number;
  /** Pause between ticks in ms (default 250). */
  tickMs?: number;
  /**
   * How an intake item becomes a flow event (default: its body is one); `null`: nothing
   * to do. A rejection with `details.retry === true` is retried after a backoff.
   */
  toEvent?: (
    item: ClaimedIntake,
    connection: WorkerConnection,
  ) => FlowEvent | null | Promise<FlowEvent | null>;
  /** Backoff of transient conversion failures (defaults: 2 s doubling to 15 min, 12 attempts). */
  retry?: { baseMs?: number; maxMs?: number; maxAttempts?: number };
  /** The connections now (INSTALL / UNINSTALL change them); read every `refreshEveryMs`. */
  refreshConnections?: () => Promise<WorkerConnection[]>;
  /** How often `refreshConnections` is read (default 2,000 ms). */
  refreshEveryMs?: number;
  /** After an outbox paused for auth, when its token is asked for again (default 5,000 ms). */
  authRetryMs?: number;
  /** Progress and problems. */
  onEvent?: (event: WorkerEvent) => void;
  /**
   * A store value (`{[locationId]: planId[]}`, `"*"` for all, `RESEND_RETIRED` for the
   * records an UNINSTALL retired) where the console asks for dead-letter retries: the
   * worker holding a location runs them (every 8th tick).
   */
  retriesKey?: string;
  /** A store value per location where its outbox failure log is kept (the last 50 entries). */
  failureLogKey?: (locationId: string) => string;
  /**
   * Staging per connection: `notSent(connection, item)` says (read once per tick) whether
   * an item is only planned; `record` keeps its dry run for the console. Without it,
   * everything is delivered.
   */
  staging?: {
    /** Per tick and connection: a test of the items not to send. */
    notSent(connection: string): Promise<(item: ClaimedIntake) => boolean>;
    /** Keeps a staged item's dry run (no token in it). */
    record(connection: string, staged: StagedRun): Promise<void>;
  };
}

/** An intake item planned and not sent (its connection in staging). */
export interface StagedRun {
  /** The flow event's id. */
  eventId: string;
  /** The intake source. */
  source: string;
  /** The flow. */
  flow: string;
  /** When it was planned (ISO). */
  at: string;
  /** The first stage's requests as they would be sent. */
  requests: unknown[];
  /**
   * The later stages as the core plans them before the answers they need (placeholders
   * name those): number, requests, warnings. Absent in entries recorded before them.
   */
  later?: ReturnType<typeof dryRunView>["later"];
  /** The stages planned after it from its responses (the core's `flowPlan.then`). */
  next: string[];
  /** The first stage's warnings. */
  warnings: string[];
}

/** Something about a connection the operator should fix, said once (see `stats().warnings`). */
export interface WorkerWarning {
  /** `TAGS_DROPPED`: tags the location lacks were not added (the core may not create them). */
  code: "TAGS_DROPPED";
  /** The connection. */
  connection: string;
  /** Its GHL location. */
  locationId: string;
  /** The core's sentence (which tags, and why: the missing scope or the setting). */
  message: string;
  /** The tags dropped so far (the first 50 names). */
  tags: string[];
  /** Plans that dropped tags. */
  plans: number;
  /** When it was first seen (ms since the epoch). */
  since: number;
}

/** Counters since the worker started. */
export interface WorkerStats {
  /** Intake items claimed. */
  claimed: number;
  /** Plans the outboxes queued (or coalesced). */
  queued: number;
  /** Plans the outboxes already knew (a reclaimed item). */
  duplicates: number;
  /** Items dead-lettered (not convertible, or out of retries). */
  rejected: number;
  /** Items given back for a retry after a transient failure. */
  retried: number;
  /** Items with nothing to do (completed). */
  skipped: number;
  /** Items planned and not sent (their connection in staging), completed. */
  staged: number;
  /** Ticks that failed (the store unreachable...). */
  failedTicks: number;
  /** What the operator should fix, one per connection and code (`warning` events). */
  warnings: WorkerWarning[];
}

/** A running worker. */
export interface Worker {
  /** Its id (the leases' holder). */
  readonly id: string;
  /** The locations it delivers now. */
  held(): string[];
  /** Counters. */
  stats(): WorkerStats;
  /** Runs one tick now (leases, claims, plans); resolves when done. */
  tick(): Promise<void>;
  /** Resolves when every held outbox has nothing pending. */
  idle(): Promise<void>;
  /** Stops claiming, closes the outboxes, releases the leases. */
  stop(): Promise<void>;
}

interface Held {
  connection: WorkerConnection;
  outbox: Outbox;
  /** The flows of the connection's current rules (replaced when they change). */
  flows: Flows;
  client: ReturnType<typeof createClient>;
}

/**
 * The retries entry asking for a location's retired outbox records to be sent (its
 * connection installed again): a plan id never starts with a space.
 */
export const RESEND_RETIRED = " retired";

const LOCATION = "location:";
const HEARTBEAT = "worker:";
/** Intake items planned between two turns of the event loop (see `intake`). */
const PLAN_SLICE = 8;
/** Failure log entries kept in the store per location. */
const FAILURE_LOG = 50;

/** The default conversion: the item's body is a flow event; its location defaults to the connection's. */
function bodyAsEvent(item: ClaimedIntake, connection: WorkerConnection): FlowEvent {
  const body = item.body as Partial<FlowEvent> | null;
  if (
    body === null ||
    typeof body !== "object" ||
    typeof body.type !== "string" ||
    typeof body.id !== "string"
  )
    throw new GhlBridgeError(
      "INVALID_ARGUMENT",
      `intake item ${item.id} (${item.source}): its body is not a flow event ({type, id, payload})`,
      { id: item.id, source: item.source },
    );
  return { ...body, locationId: body.locationId ?? connection.locationId } as FlowEvent;
}

/** True when the outbox stopped for good (`OUTBOX_FAILED`): it must be created again. */
function failed(outbox: Outbox): boolean {
  try {
    outbox.counts();
    return false;
  } catch (e) {
    return e instanceof GhlBridgeError && e.code === "OUTBOX_FAILED";
  }
}

function shuffled<T>(xs: T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Starts a worker (its first tick runs at once). */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const { store } = options;
  const id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const leaseMs = options.leaseMs ?? 15_000;
  const claimLeaseMs = options.claimLeaseMs ?? 30_000;
  const batch = options.batch ?? 100;
  const tickMs = options.tickMs ?? 250;
  const toEvent = options.toEvent ?? bodyAsEvent;
  const byLocation = new Map<string, WorkerConnection>();
  for (const c of options.connections) byLocation.set(c.locationId, c);
  let byName = new Map(options.connections.map((c) => [c.name, c]));
  const held = new Map<string, Held>();
  /** Per held location: when its last successful renewal (or its taking) started. */
  const confirmed = new Map<string, number>();
  /** Locations whose lost outbox is still closing (its requests on the wire). */
  const closing = new Map<string, Promise<void>>();
  const stats: WorkerStats = {
    claimed: 0,
    queued: 0,
    duplicates: 0,
    rejected: 0,
    retried: 0,
    skipped: 0,
    staged: 0,
    failedTicks: 0,
    warnings: [],
  };
  const retryBase = options.retry?.baseMs ?? 2_000;
  const retryMax = options.retry?.maxMs ?? 15 * 60_000;
  const maxAttempts = options.retry?.maxAttempts ?? 12;
  const refreshEveryMs = options.refreshEveryMs ?? 2_000;
  const authRetryMs = options.authRetryMs ?? 5_000;
  let refreshedAt = Date.now();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | null = null;

  const emit = (e: WorkerEvent): void => {
    try {
      options.onEvent?.(e);
    } catch {
      // a failing callback must not stop the worker
    }
  };

  /**
   * Reads a stage's dropped tags (the core's `droppedTags` on the plan's finish, or on
   * the result it computed when planning, and its warning sentence): said once per
   * connection.
   */
  function droppedTags(c: WorkerConnection, plan: FlowPlan | null | undefined): void {
    const finish = plan?.finish as
      | { droppedTags?: unknown; result?: { droppedTags?: unknown } }
      | undefined;
    const found = finish?.droppedTags ?? finish?.result?.droppedTags;
    const tags = Array.isArray(found) ? (found as string[]) : [];
    const warnings = plan?.warnings;
    if (tags.length === 0) return;
    let w = stats.warnings.find((x) => x.code === "TAGS_DROPPED" && x.connection === c.name);
    if (!w) {
      const said = (warnings ?? []).find((m) => m.startsWith("tags not added"));
      w = {
        code: "TAGS_DROPPED",
        connection: c.name,
        locationId: c.locationId,
        message: said ?? `tags not added because the location lacks them: ${tags.join(", ")}`,
        tags: [],
        plans: 0,
        since: Date.now(),
      };
      stats.warnings.push(w);
      emit({ type: "warning", ...w, tags: [...tags] });
    }
    w.plans += 1;
    for (const t of tags) if (w.tags.length < 50 && !w.tags.includes(t)) w.tags.push(t);
  }

  async function take(c: WorkerConnection): Promise<void> {
    const client = createClient({
      token: c.token,
      getToken: c.getToken,
      locationId: c.locationId,
      scopes: c.scopes,
      baseUrl: c.baseUrl,
    });
    const flows = flowsOf(c, client);
    // The outbox plans later stages with the held flows of the moment (`refresh` may
    // replace them when the connection's rules change).
    let h: Held | undefined;
    const outbox = await createOutbox({
      token: c.token,
      getToken: c.getToken,
      locationId: c.locationId,
      scopes: c.scopes,
      baseUrl: c.baseUrl,
      storage: budgetsSeen(store.outboxStorage(c.locationId), (budget) =>
        emit({ type: "budget", locationId: c.locationId, budget }),
      ),
      config: c.outboxConfig,
      onEvent: (event) => {
        // Paused for auth (no token yet: an OAuth connection not authorized, a token
        // refused): asked again after a while, not at once and not never.
        if (event.type === "authPaused")
          setTimeout(() => {
            if (held.get(c.locationId)?.outbox === outbox) outbox.resumeAuth();
          }, authRetryMs).unref?.();
        if (
          (event.type === "progress" && event.kind === "failed") ||
          event.type === "deadLettered" ||
          event.type === "locationParked" ||
          event.type === "authPaused"
        )
          failedAt.add(c.locationId);
        emit({ type: "outbox", locationId: c.locationId, event });
      },
      // Later stages of a flow (the location's tags read first, a score that reads the
      // contact) are planned from the delivered responses and delivered by the outbox.
      flows: {
        finish(plan, responses) {
          const out = (h?.flows ?? flows).finish(plan, responses);
          droppedTags(c, out.next);
          return out;
        },
      },
    });
    h = { connection: c, outbox, flows, client };
    held.set(c.locationId, h);
    emit({ type: "locationTaken", locationId: c.locationId });
  }

  function flowsOf(c: WorkerConnection, client: Held["client"]): Flows {
    return createFlows({
      client,
      locationId: c.locationId,
      scopes: c.scopes,
      rules: c.rules,
      config: c.flowConfig,
      compile: c.compile,
    });
  }

  /** Hands a location over: the outbox stops, finishes what is on the wire, then the lease goes. */
  async function release(locationId: string): Promise<void> {
    const h = held.get(locationId);
    if (!h) return;
    held.delete(locationId);
    confirmed.delete(locationId);
    await h.outbox.close().catch(() => undefined);
    await store.releaseLease(LOCATION + locationId, id).catch(() => undefined);
    emit({ type: "locationReleased", locationId });
  }

  /** The lease was lost (another worker has it): stop sending at once. */
  function lose(locationId: string): void {
    const h = held.get(locationId);
    if (!h) return;
    held.delete(locationId);
    confirmed.delete(locationId);
    h.outbox.stop();
    // Not taken again (even if the lease turns out to be still ours) before the
    // requests on the wire are answered and recorded: a new outbox would send them again.
    const closed = h.outbox
      .close()
      .catch(() => undefined)
      .finally(() => closing.delete(locationId));
    closing.set(locationId, closed);
    emit({ type: "locationLost", locationId });
  }

  /**
   * A connection was removed: its outbox stops now; under its lease, its outbox records
   * are retired and its pending intake dead-lettered with the reason. Without the lease
   * (another worker holds it) nothing more: the holder does it when it sees the change.
   */
  async function retire(c: WorkerConnection): Promise<void> {
    const h = held.get(c.locationId);
    if (h) {
      held.delete(c.locationId);
      await h.outbox.close().catch(() => undefined);
    } else if (!(await store.acquireLease(LOCATION + c.locationId, id, leaseMs))) return;
    const reason = {
      code: "CONNECTION_REMOVED",
      message: `connection ${c.name} (location ${c.locationId}) was removed (the app was uninstalled): its events are not delivered`,
      at: Date.now(),
    };
    try {
      const outboxRetired = await store.retireOutbox(c.locationId, reason);
      const intakeDead = await store.deadLetterConnection(c.name, reason);
      emit({
        type: "connectionRemoved",
        connection: c.name,
        locationId: c.locationId,
        outboxRetired,
        intakeDead,
      });
    } finally {
      await store.releaseLease(LOCATION + c.locationId, id).catch(() => undefined);
    }
  }

  /**
   * Sends a held location's retired records (its connection installed again): the
   * outbox closes (the requests on the wire answered and recorded), the records move
   * back into the live outbox under the lease, and the outbox is restored with them.
   */
  async function resendRetired(locationId: string): Promise<void> {
    const h = held.get(locationId);
    if (!h) return;
    held.delete(locationId);
    await h.outbox.close().catch(() => undefined);
    let restored = 0;
    try {
      restored = await store.restoreRetiredOutbox(locationId);
    } finally {
      // Taken again whatever happened: a failed move leaves the records retired.
      await take(h.connection);
    }
    emit({
      type: "retiredRestored",
      connection: h.connection.name,
      locationId,
      restored,
    });
  }

  /**
   * Reads the connections again (INSTALL / UNINSTALL, rules saved): takes the new,
   * retires the removed; `now` also within `refreshEveryMs` (items are about to be planned).
   */
  async function refresh(now = false): Promise<void> {
    if (!options.refreshConnections) return;
    if (!now && Date.now() - refreshedAt < refreshEveryMs) return;
    refreshedAt = Date.now();
    const current = await options.refreshConnections();
    const names = new Set(current.map((c) => c.name));
    const removed = [...byName.values()].filter((c) => !names.has(c.name));
    byName = new Map(current.map((c) => [c.name, c]));
    byLocation.clear();
    for (const c of current) byLocation.set(c.locationId, c);
    for (const c of removed) if (!byLocation.has(c.locationId)) await retire(c);
    // Rules changed (saved in the console): the next items are planned with them, the
    // location's outbox and lease kept. Rules that do not compile keep the last flows.
    for (const h of held.values()) {
      const c = byLocation.get(h.connection.locationId);
      if (!c || c === h.connection || c.rules === h.connection.rules) continue;
      try {
        h.flows = flowsOf(c, h.client);
        h.connection = c;
      } catch (e) {
        const err = toBridgeError(e);
        emit({ type: "tickFailed", code: err.code, message: `rules of ${c.name}: ${err.message}` });
      }
    }
  }

  /** A conversion failed: back to the store after a backoff (transient), else dead-lettered. */
  async function refuse(item: ClaimedIntake, e: unknown): Promise<void> {
    const err = toBridgeError(e);
    const attempt = item.attempts + 1;
    if (err.details?.retry === true && attempt < maxAttempts) {
      const ceiling = Math.min(retryMax, retryBase * 2 ** Math.min(item.attempts, 30));
      const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      await store.retryIntake(item.id, delayMs);
      stats.retried += 1;
      emit({
        type: "intakeRetry",
        id: item.id,
        connection: item.connection,
        code: err.code,
        message: err.message,
        attempt,
        delayMs,
      });
      return;
    }
    const gaveUp = err.details?.retry === true ? ` (gave up after ${attempt} attempts)` : "";
    await store.deadLetterIntake([item.id], {
      code: err.code,
      message: `${err.message}${gaveUp}`,
      attempts: attempt,
      at: Date.now(),
    });
    stats.rejected += 1;
    emit({
      type: "intakeRejected",
      id: item.id,
      connection: item.connection,
      code: err.code,
      message: `${err.message}${gaveUp}`,
    });
  }

  let ticks = 0;
  /** Locations whose outbox logged a failure since the log was last written. */
  const failedAt = new Set<string>();

  /** Merges the failure logs of the outboxes that failed into the store (the last 50 each). */
  async function failureLogs(key: (locationId: string) => string): Promise<void> {
    for (const l of [...failedAt]) {
      failedAt.delete(l);
      const h = held.get(l);
      if (!h) continue;
      const mine = h.outbox.log();
      const stored = ((await store.getValue(key(l))) as typeof mine | undefined) ?? [];
      const seen = new Set(mine.map((e) => `${e.planId} ${e.step} ${e.attempt} ${e.at}`));
      const merged = [
        ...stored.filter((e) => !seen.has(`${e.planId} ${e.step} ${e.attempt} ${e.at}`)),
        ...mine,
      ].sort((a, b) => a.at - b.at);
      await store.setValue(key(l), merged.slice(-FAILURE_LOG));
    }
  }

  /**
   * Stops sending to the locations whose lease may be about to lapse (no renewal
   * succeeded for 3/4 of a lease: the store slow or unreachable): another worker may
   * take them once it has; the last quarter lets the requests on the wire land first.
   */
  function fence(): void {
    const now = Date.now();
    for (const l of [...held.keys()])
      if (now - (confirmed.get(l) ?? now) > (leaseMs * 3) / 4) lose(l);
  }

  /**
   * Renews the heartbeat and every held lease (on its own timer, so long intake work
   * never lets a lease lapse); a lease another worker took is dropped at once.
   */
  async function renew(): Promise<void> {
    const started = Date.now();
    await store.acquireLease(HEARTBEAT + id, id, leaseMs);
    const mine = [...held.keys()];
    // One statement for all of them when the store can (a busy pool delays each query).
    const names = mine.map((l) => LOCATION + l);
    const kept = store.renewLeases
      ? new Set(await store.renewLeases(names, id, leaseMs))
      : new Set(
          (
            await Promise.all(
              names.map(async (n) => ((await store.acquireLease(n, id, leaseMs)) ? n : "")),
            )
          ).filter(Boolean),
        );
    for (const l of mine) {
      if (!kept.has(LOCATION + l)) lose(l);
      else if (held.has(l)) confirmed.set(l, started);
    }
  }

  async function leases(): Promise<void> {
    await renew();
    await refresh();
    // The first tick only announces this worker, so workers started together see each
    // other before they take their shares.
    if (ticks++ === 0 && store.countLeases) return;
    for (const [locationId, h] of [...held]) {
      if (failed(h.outbox)) {
        // Its storage was unreachable while it rebuilt itself (the database restarting):
        // the lease is still ours, so build it again from what the store holds.
        held.delete(locationId);
        await h.outbox.close().catch(() => undefined);
        await take(h.connection);
      }
    }
    const live = Math.max(1, (await store.countLeases?.(HEARTBEAT)) ?? 1);
    const share = store.countLeases ? Math.ceil(byLocation.size / live) : byLocation.size;
    if (held.size > share) {
      // One hand-over per tick, so the fleet settles without churn.
      const [first] = shuffled([...held.keys()]);
      await release(first);
      return;
    }
    for (const c of shuffled([...byLocation.values()])) {
      if (held.size >= share || stopped) break;
      if (held.has(c.locationId) || closing.has(c.locationId)) continue;
      const asked = Date.now();
      if (await store.acquireLease(LOCATION + c.locationId, id, leaseMs)) {
        try {
          confirmed.set(c.locationId, asked);
          await take(c);
        } catch (e) {
          await store.releaseLease(LOCATION + c.locationId, id).catch(() => undefined);
          throw e;
        }
      }
    }
  }

  async function intake(): Promise<void> {
    const names = [...held.values()].map((h) => h.connection.name);
    if (names.length === 0) return;
    const items = await store.claimIntake(id, batch, claimLeaseMs, { connections: names });
    stats.claimed += items.length;
    // The rules as they are now (the console may have saved some since the last refresh).
    if (items.length > 0) await refresh(true);
    const done: string[] = [];
    const accepts: Array<Promise<void>> = [];
    const failures: unknown[] = [];
    // The mode, read once per connection for this tick's items.
    const modes = new Map<string, Promise<(item: ClaimedIntake) => boolean>>();
    const staging = options.staging;
    const notSent = async (item: ClaimedIntake): Promise<boolean> => {
      if (!staging) return false;
      let m = modes.get(item.connection);
      if (!m) {
        m = staging.notSent(item.connection);
        modes.set(item.connection, m);
      }
      return (await m)(item);
    };
    try {
      let planned = 0;
      for (const item of items) {
        // A claim is planned in slices: between them the event loop runs the outboxes'
        // timers and answers, so a backlog's planning never holds back the windows of
        // the locations already delivering (their budget would go unused).
        if (++planned % PLAN_SLICE === 0) await new Promise((r) => setImmediate(r));
        const c = byName.get(item.connection);
        const h = c ? held.get(c.locationId) : undefined;
        if (!c || !h) continue; // released meanwhile: its claim expires and the holder takes it
        let flowPlan: ReturnType<Flows["plan"]> | undefined;
        let dry: DryRunReport | undefined;
        try {
          const event = await toEvent(item, c);
          if (event === null) {
            stats.skipped += 1;
            done.push(item.id);
            continue;
          }
          // Staging: a dry run (the requests as they would be sent), nothing sent or queued.
          if (await notSent(item)) dry = await h.flows.run(event, { dryRun: true });
          else {
            flowPlan = h.flows.plan(event);
            droppedTags(c, flowPlan);
          }
        } catch (e) {
          await refuse(item, e);
          continue;
        }
        if (dry && staging) {
          // A store failure here fails the tick: the item is claimed again, not dead-lettered.
          await staging.record(c.name, {
            eventId: dry.eventId,
            source: item.source,
            flow: dry.flow,
            at: new Date().toISOString(),
            ...dryRunView(dry),
          });
          stats.staged += 1;
          done.push(item.id);
          emit({ type: "intakeStaged", id: item.id, connection: c.name, eventId: dry.eventId });
          continue;
        }
        if (!flowPlan) continue;
        // Accepted in claim order (the outbox takes them in call order) and
        // group-committed; each resolves once its plan is durable in the outbox.
        // Each failure is taken at once (the loop yields between slices: a rejection
        // left without a handler meanwhile would be unhandled) and thrown after them all.
        accepts.push(
          h.outbox.acceptFlow(flowPlan).then(
            (accepted) => {
              if (accepted.disposition.kind === "duplicate") stats.duplicates += 1;
              else stats.queued += 1;
              done.push(item.id);
            },
            (e: unknown) => {
              failures.push(e);
            },
          ),
        );
      }
      await Promise.all(accepts);
      if (failures.length > 0) throw failures[0];
    } finally {
      // What is in the outbox is complete; the rest is claimed again after its lease.
      if (done.length > 0) await store.completeIntake(done);
    }
  }

  /** Runs the dead-letter retries asked for the locations this worker holds. */
  async function retries(key: string): Promise<void> {
    const asked = (await store.getValue(key)) as Record<string, string[]> | undefined;
    const mine = Object.keys(asked ?? {}).filter((l) => held.has(l));
    if (!asked || mine.length === 0) return;
    const rest = { ...asked };
    for (const l of mine) delete rest[l];
    await store.setValue(key, rest);
    for (const l of mine) {
      if (asked[l]?.includes(RESEND_RETIRED)) await resendRetired(l);
      const outbox = held.get(l)?.outbox;
      for (const planId of asked[l] ?? []) {
        if (planId === RESEND_RETIRED) continue;
        if (planId === "*") await outbox?.retriggerAll();
        else await outbox?.retrigger(planId).catch(() => undefined); // no longer dead
      }
    }
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    try {
      await leases();
      await intake();
      if (options.retriesKey && ticks % 8 === 1) await retries(options.retriesKey);
      if (options.failureLogKey) await failureLogs(options.failureLogKey);
    } catch (e) {
      stats.failedTicks += 1;
      const err = toBridgeError(e);
      emit({ type: "tickFailed", code: err.code, message: err.message });
    }
  }

  let renewing: Promise<void> | null = null;
  const renewTimer = setInterval(
    () => {
      if (stopped) return;
      fence();
      if (renewing) return;
      renewing = renew()
        .catch((e: unknown) => {
          const err = toBridgeError(e);
          emit({ type: "tickFailed", code: err.code, message: err.message });
        })
        .finally(() => {
          renewing = null;
        });
    },
    Math.max(20, Math.floor(leaseMs / 4)),
  );

  function loop(): void {
    if (stopped) return;
    running = tick().finally(() => {
      running = null;
      if (!stopped) timer = setTimeout(loop, tickMs);
    });
  }

  const worker: Worker = {
    id,
    held: () => [...held.keys()],
    stats: () => ({ ...stats, warnings: stats.warnings.map((w) => ({ ...w, tags: [...w.tags] })) }),
    async tick() {
      while (running) await running;
      await tick();
    },
    async idle() {
      await Promise.all([...held.values()].map((h) => h.outbox.idle()));
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(renewTimer);
      while (running || renewing) await (running ?? renewing);
      for (const locationId of [...held.keys()]) await release(locationId);
      await Promise.all([...closing.values()]);
      await store.releaseLease(HEARTBEAT + id, id).catch(() => undefined);
    },
  };
  loop();
  return worker;
}

/** `storage`, telling `seen` each rate budget it wrote (once durable). */
function budgetsSeen(
  storage: OutboxStorage,
  seen: (budget: OutboxBudgetRecord["rateBudget"]) => void,
): OutboxStorage {
  return {
    load: () => storage.load(),
    async apply(ops) {
      await storage.apply(ops);
      for (const o of ops)
        if (o.op === "put" && "rateBudget" in o.record) seen(o.record.rateBudget);
    },
    close: () => storage.close(),
  };
}
