/**
 * The Wishpond pollers of the runner: each configured Wishpond source is polled once per
 * `pollIntervalMs` across every process (`store.claimPeriod` picks one), with the
 * package's poller (the core decides paging, duplicates, the call budget and backoff).
 *
 * Invariant: the cursor moves only after every lead event of the poll is durably
 * accepted into the intake (`store.accept`, deduplicated by the event id), so a crash or
 * a store failure mid-poll loses nothing: the next period polls again from the old
 * cursor and the store drops the repeats.
 */
import { createWishpondPoller } from "../entries/node.js";
import type { WishpondCursor } from "../wasm/types.js";
import type { RunnerConfig } from "./config.js";
import { type Logger, errorFields } from "./log.js";
import type { Metrics } from "./metrics.js";
import { periodic } from "./periodic.js";
import type { RunnerStore } from "./store/types.js";

/** The store value of a Wishpond source's poll status (`{lastPollAt, lastLeadAt, lastError}`, ms). */
export const wishpondStatusKey = (source: string) => `poll:wishpond:${source}:status`;

/** Options of `createPollers`. */
export interface PollersOptions {
  config: Pick<RunnerConfig, "sources">;
  store: RunnerStore;
  log: Logger;
  metrics?: Metrics;
  holder: string;
  now?: () => number;
  fetch?: typeof fetch;
  /** How often to look for due polls (5 s). */
  tickMs?: number;
}

/** The pollers. */
export interface Pollers {
  /** Runs every due poll once; resolves when done. */
  tick(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/** Creates the pollers. */
export function createPollers(options: PollersOptions): Pollers {
  const { config, store, log } = options;
  const now = options.now ?? Date.now;
  const tickMs = options.tickMs ?? 5_000;

  async function pollOne(name: string, s: RunnerConfig["sources"]["wishpond"][string]) {
    const period = String(Math.floor(now() / s.pollIntervalMs));
    if (!(await store.claimPeriod(`poll:wishpond:${name}`, period, options.holder))) return;
    const cursorName = `cursor:wishpond:${name}`;
    const cursor = (await store.getValue(cursorName)) as WishpondCursor | undefined;
    const poller = createWishpondPoller({
      apiKey: s.apiKey,
      config: { baseUrl: s.baseUrl },
      cursor,
      now,
      fetch: options.fetch,
    });
    const result = await poller.poll();
    let accepted = 0;
    for (const event of result.events) {
      const r = await store.accept({
        source: "wishpond",
        dedupeKey: event.id,
        connection: s.connection,
        body: event,
        receivedAt: now(),
      });
      if (r === "accepted") accepted += 1;
      options.metrics?.inc(
        r === "accepted"
          ? "ghl_bridge_intake_accepted_total"
          : "ghl_bridge_intake_duplicates_total",
        { source: "wishpond" },
      );
    }
    await store.setValue(cursorName, result.cursor);
    // What the console's Sources panel shows (poll status, last lead seen).
    const statusName = wishpondStatusKey(name);
    const before = (await store.getValue(statusName)) as { lastLeadAt?: number } | undefined;
    await store.setValue(statusName, {
      lastPollAt: now(),
      lastLeadAt: accepted > 0 ? now() : (before?.lastLeadAt ?? null),
      lastError: null,
    });
    log.info("wishpond polled", {
      source: name,
      events: result.events.length,
      accepted,
      skipped: result.skipped.length,
      calls: result.calls,
    });
  }

  async function tick() {
    for (const [name, s] of Object.entries(config.sources.wishpond)) {
      try {
        await pollOne(name, s);
      } catch (e) {
        const f = errorFields(e);
        const key = wishpondStatusKey(name);
        await store
          .getValue(key)
          .then((before) =>
            store.setValue(key, {
              ...((before as object | undefined) ?? {}),
              lastPollAt: now(),
              lastError: { code: f.code, message: log.scrub(String(f.message)) },
            }),
          )
          .catch(() => undefined);
        log.error("wishpond poll failed; the cursor did not move", {
          source: name,
          error: errorFields(e),
        });
      }
    }
  }
  return { tick, ...periodic(tick, tickMs) };
}
