/**
 * The polled sources, run on `chrome.alarms` (and on "Poll now"):
 *
 * - **Wishpond**: the package's `createWishpondPoller` from the stored cursor. Each
 *   new or changed lead becomes a `wishpond.lead.*` flow event, is planned by the
 *   flows and accepted by the outbox (durable in IndexedDB); only then is the new cursor
 *   stored. A worker stopped in between polls the same leads again: their event ids
 *   are stable, so the outbox drops the repeats.
 * - **Qwilr**: Qwilr sends webhooks, which an extension cannot receive, so the worker
 *   lists the accepted pages (`GET /pages?status=accepted`, `nextCursor` paging) and
 *   hands each page not seen yet to the package's `createQwilrIntake` as the
 *   `pageAccepted` delivery Qwilr would have posted (idempotency key: SHA-256 of the
 *   page id and status), so the core reads the page, finds the contact and dedupes.
 *   The processed keys are stored after the plans are durable.
 *
 * What a polled record looks like as a flow event is decided by the core
 * (`toFlowEvent`, `src/sources/events.rs`): the presets read those shapes.
 */
import {
  createQwilrIntake,
  createWishpondPoller,
  type QwilrDelivery,
  toFlowEvent,
} from "../../../pkg/entries/slim.js";
import type {
  FlowPlan,
  QwilrEvent,
  WishpondCursor,
  WishpondLeadEvent,
} from "../../../pkg/wasm/types.js";
import { eventLabel } from "../../widget/ghl-bridge-console/shapes.js";
import { addSample } from "./console-service.js";
import { devUrl, type Engine } from "./engine.js";
import { addActivity, KEYS, loadCursor, saveCursor, saveSourceStatus, secret } from "./store.js";

/** A flow event (what `flows.plan` takes). */
type FlowEvent = { type: string; id: string; payload: Record<string, unknown> };

/** A polled Wishpond lead as its flow event (the core's one conversion, `toFlowEvent`). */
export function wishpondFlowEvent(e: WishpondLeadEvent): FlowEvent {
  return flowEventOf(e);
}

/** An accepted Qwilr page (read by the intake) as its flow event (the core's `toFlowEvent`). */
export function qwilrFlowEvent(e: QwilrEvent): FlowEvent {
  return flowEventOf(e);
}

function flowEventOf(e: WishpondLeadEvent | QwilrEvent): FlowEvent {
  const ev = toFlowEvent(e);
  if (!ev) throw new Error(`${e.type} ${e.id} has no flow event`);
  return ev as FlowEvent;
}

/** Who a flow event is about, for people (its email, else its id). */
const failure = (e: unknown) =>
  e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);

/** Plans and accepts events into the outbox (each durable before the next); returns how many were queued. */
async function enqueue(engine: Engine, events: FlowEvent[], source: string): Promise<number> {
  let queued = 0;
  for (const ev of events) {
    await addSample({
      event: ev,
      source: ev.type.startsWith("qwilr") ? "qwilr" : "wishpond",
      seenAt: new Date().toISOString(),
      label: eventLabel(ev),
    });
    // Staging: kept as a sample for the console's dry runs, nothing is sent.
    if (engine.settings.mode !== "production") continue;
    let flowPlan: FlowPlan;
    try {
      // Every stage goes through the outbox (later ones planned from the responses).
      flowPlan = engine.flows.plan(ev);
    } catch (e) {
      // A record that cannot be planned (no email...) is kept visible, not retried.
      await addActivity("failed", `${source} ${ev.id} was not sent: ${failure(e)}`);
      continue;
    }
    const r = await engine.outbox.acceptFlow(flowPlan);
    if (r.disposition.kind !== "duplicate") queued++;
  }
  return queued;
}

const running = new Map<string, Promise<void>>();

/** What one poll found: the events and how many of them were new to the outbox. */
interface Found {
  found: number;
  queued: number;
}

const LABELS = {
  wishpond: ["Wishpond", "new or changed lead(s)"],
  qwilr: ["Qwilr", "accepted page(s)"],
};

/** One poll of a source at a time; its outcome goes to the source status and the last events. */
function single(source: "wishpond" | "qwilr", run: () => Promise<Found>): Promise<void> {
  const [name, what] = LABELS[source];
  let p = running.get(source);
  if (!p) {
    p = (async () => {
      try {
        const { found, queued } = await run();
        const now = Date.now();
        await saveSourceStatus(source, {
          lastPollAt: now,
          lastError: null,
          lastFound: found,
          ...(found ? { lastFoundAt: now } : {}),
        });
        if (found) await addActivity("polled", `${name}: ${found} ${what}, ${queued} queued`);
      } catch (e) {
        await saveSourceStatus(source, {
          lastPollAt: Date.now(),
          lastError: failure(e),
          lastFound: 0,
        });
        await addActivity("error", `${name} poll failed: ${failure(e)}`);
      }
    })().finally(() => running.delete(source));
    running.set(source, p);
  }
  return p;
}

/** Polls Wishpond once: new and changed leads into the outbox, then the cursor. */
export function pollWishpond(engine: Engine): Promise<void> {
  return single("wishpond", async () => {
    const s = engine.settings.wishpond;
    const poller = createWishpondPoller({
      getApiKey: () => secret("wishpondApiKey"),
      config: devUrl(s.baseUrl) ? { baseUrl: devUrl(s.baseUrl) } : undefined,
      cursor: await loadCursor<WishpondCursor>(KEYS.wishpondCursor),
    });
    const polled = await poller.poll();
    const queued = await enqueue(engine, polled.events.map(wishpondFlowEvent), "Wishpond lead");
    await saveCursor(KEYS.wishpondCursor, polled.cursor);
    return { found: polled.events.length, queued };
  });
}

/** What the worker keeps between Qwilr polls. */
interface QwilrState {
  /**
   * Pages already handed on (newest last, bounded): the intake's keys expire after its
   * replay window (7 days), an accepted page stays listed for ever.
   */
  pages?: string[];
  /** Processed idempotency keys (the intake's `seenKeys()`). */
  seen: ReturnType<ReturnType<typeof createQwilrIntake>["seenKeys"]>;
}

const QWILR_DEFAULT_BASE = "https://api.qwilr.com/v1";
const QWILR_PAGE_LIMIT = 50;
const QWILR_MAX_PAGES = 20;
/** Accepted pages remembered (older ones may be handed on again: the outbox's done ids and GHL's upsert make that harmless). */
const QWILR_REMEMBERED = 10_000;

async function sha256hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads Qwilr's page list (`{data: [...], nextCursor}`; the list's shape beyond `nextCursor` is not documented). */
function readPageList(body: unknown): { ids: string[]; next: string | null } {
  const b = (body ?? {}) as { data?: unknown; pages?: unknown; nextCursor?: unknown };
  const rows = Array.isArray(b.data) ? b.data : Array.isArray(b.pages) ? b.pages : [];
  const ids = rows
    .map((r) => (r as { id?: unknown })?.id)
    .filter((id): id is string => typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id));
  return { ids, next: typeof b.nextCursor === "string" && b.nextCursor ? b.nextCursor : null };
}

/** Polls Qwilr once: accepted pages not seen yet into the outbox, then the seen keys. */
export function pollQwilr(engine: Engine): Promise<void> {
  return single("qwilr", async () => {
    const base = devUrl(engine.settings.qwilr.baseUrl) ?? QWILR_DEFAULT_BASE;
    const token = () => secret("qwilrToken");
    if (!(await token())) throw new Error("no Qwilr API token is set (options page)");
    // The intake and its URL secret live only for this poll: we are both sides.
    const urlSecret = [...crypto.getRandomValues(new Uint8Array(16))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    const intake = createQwilrIntake({
      secret: urlSecret,
      getToken: token,
      config: { baseUrl: base },
    });
    const state = await loadCursor<QwilrState>(KEYS.qwilrState);
    if (state?.seen) intake.restoreSeenKeys(state.seen);
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < QWILR_MAX_PAGES; i++) {
      const url = new URL(`${base.replace(/\/$/, "")}/pages`);
      url.searchParams.set("status", "accepted");
      url.searchParams.set("limit", String(QWILR_PAGE_LIMIT));
      if (cursor) url.searchParams.set("cursor", cursor);
      const res = await fetch(url, {
        headers: { Authorization: `Bearer ${await token()}` },
        redirect: "error",
      });
      if (!res.ok) throw new Error(`Qwilr page list answered ${res.status}`);
      const page = readPageList(await res.json());
      ids.push(...page.ids);
      cursor = page.next;
      if (!cursor) break;
    }
    const events = [];
    const known = new Set(state?.pages ?? []);
    const handled: string[] = [];
    for (const id of ids) {
      if (known.has(id)) continue;
      const body = JSON.stringify({
        event: "pageAccepted",
        idempotencyKey: await sha256hex(`${id}:accepted`),
        page: { id },
      });
      const out: QwilrDelivery = await intake.receive(urlSecret, body);
      if (out.outcome === "accepted") events.push(qwilrFlowEvent(out.event));
      else if (out.outcome === "skipped")
        await addActivity("failed", `Qwilr page ${id} skipped: ${out.reason}`);
      if (out.outcome !== "duplicate") handled.push(id);
    }
    const queued = await enqueue(engine, events, "Qwilr page");
    await saveCursor(KEYS.qwilrState, {
      pages: [...(state?.pages ?? []), ...handled].slice(-QWILR_REMEMBERED),
      seen: intake.seenKeys(),
    } satisfies QwilrState);
    return { found: events.length, queued };
  });
}
