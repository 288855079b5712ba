/**
 * The Wishpond leads poller. The Rust core decides (paging, the cursor, duplicates,
 * the call budget, backoff); this file sends each request with `X-Api-Token`, waits
 * when told to, and returns the new cursor for the host to persist.
 */
import * as glue from "../wasm/ghl_bridge_wasm.js";
import { GhlBridgeError, guard, instanceGeneration } from "../errors.js";
import type {
  HttpResponse,
  PollStep,
  SkippedLead,
  WishpondCursor,
  WishpondLeadEvent,
  WishpondPollerConfig,
} from "../wasm/types.js";

/** Options of `createWishpondPoller`. */
export interface WishpondPollerOptions {
  /** The Wishpond API key (Development -> API Keys), or a function that returns it (never logged). */
  apiKey?: string;
  getApiKey?: () => string | Promise<string>;
  /** Base URL, page size, call budget, backoff. */
  config?: Partial<WishpondPollerConfig>;
  /** The cursor stored after the last completed poll. */
  cursor?: WishpondCursor;
  /** The clock (ms) and the wait; default `Date.now` and `setTimeout`. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The fetch to use; defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** One completed poll. */
export interface WishpondPollResult {
  /** New and changed leads, as `wishpond.lead.created` / `.updated` events. */
  events: WishpondLeadEvent[];
  /** Leads left out, with why. */
  skipped: SkippedLead[];
  /** The new cursor: persist it (a failed poll leaves the old one). */
  cursor: WishpondCursor;
  /** Requests made. */
  calls: number;
}

/** A poller. */
export interface WishpondPollerHandle {
  /** Polls until done (waiting within the budget); rejects with a typed error, cursor unchanged. */
  poll(): Promise<WishpondPollResult>;
  /** The committed cursor. */
  cursor(): WishpondCursor;
}

/** Creates a Wishpond leads poller. */
export function createWishpondPoller(options: WishpondPollerOptions): WishpondPollerHandle {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let committed: WishpondCursor | undefined = options.cursor;
  const make = () => guard(() => new glue.WishpondPoller(options.config, committed));
  let inner = make();
  let generation = instanceGeneration();
  const wasm = (): glue.WishpondPoller => {
    if (generation !== instanceGeneration()) {
      inner = make();
      generation = instanceGeneration();
    }
    return inner;
  };
  async function key(): Promise<string> {
    const k = options.getApiKey ? await options.getApiKey() : options.apiKey;
    if (!k)
      throw new GhlBridgeError(
        "SOURCE_BAD_CREDENTIALS",
        "no Wishpond API key was given (apiKey or getApiKey)",
        { source: "wishpond" },
      );
    return k;
  }
  let running: Promise<WishpondPollResult> | undefined;

  async function drive(): Promise<WishpondPollResult> {
    let step: PollStep = guard(() => wasm().poll(now()));
    for (;;) {
      if (step.step === "done") {
        committed = step.cursor;
        return {
          events: step.events,
          skipped: step.skipped,
          cursor: step.cursor,
          calls: step.calls,
        };
      }
      if (step.step === "wait") {
        await sleep(Math.max(0, step.untilMs - now()));
        step = guard(() => wasm().poll(now()));
        continue;
      }
      let response: HttpResponse;
      try {
        const req = step.request;
        const res = await doFetch(req.url, {
          method: req.method,
          headers: { ...req.headers, "X-Api-Token": await key() },
        });
        const headers: Record<string, string> = {};
        res.headers.forEach((v, k) => {
          headers[k] = v;
        });
        response = { status: res.status, headers, body: await res.text() };
      } catch (e) {
        guard(() => wasm().pollFailed());
        throw e instanceof GhlBridgeError
          ? e
          : new GhlBridgeError(
              "SOURCE_API_ERROR",
              `wishpond API leads poll: ${(e as Error).message}`,
              { source: "wishpond", what: "leads poll", httpStatus: 0, retry: true },
              { cause: e },
            );
      }
      step = guard(() => wasm().handleResponse(response, now()));
    }
  }

  return {
    poll() {
      running ??= drive().finally(() => {
        running = undefined;
      });
      return running;
    },
    cursor: () => guard(() => wasm().cursor()),
  };
}
