/**
 * What an intake item becomes for the worker: the flow event (`{type, id, locationId,
 * payload}`) the package's flows plan, or `null` when there is nothing to do. The one
 * place in the runner that knows the intake bodies the endpoints and pollers store:
 *
 * - `capture` and `wishpond`: the normalised `WishpondLeadEvent`, turned into its flow
 *   event by the core (`toFlowEvent`: `wishpond.lead.created` / `.updated`);
 * - `qwilr`: the webhook as received (`{intake, event, webhook}`). The page is read here,
 *   in the worker (`GET /v1/pages/{id}?expand=acceptance,metadata`), by the package's
 *   Qwilr intake (`createQwilrIntake`: the core builds the read, classifies the answer
 *   and correlates the contact), then `toFlowEvent` (`qwilr.pageAccepted`...);
 * - `ghl`: the verified, tag-diffed `GhlWebhookEvent` the endpoint stored (the receiver
 *   keeps each contact's known tags in the store): `toFlowEvent` gives
 *   `ghl.contact.tags.updated` for a `ContactTagUpdate` and `ghl.app.installed` /
 *   `.uninstalled`; `null` (nothing to do) for `ContactCreate` and the like.
 *
 * Failures, one policy for every source API (the worker applies it): an error with
 * `details.retry === true` is transient (Qwilr 429, 5xx, the network, a timeout, and a
 * 401/403: a token that the operator must fix, retried until then) and the item is
 * retried with backoff; any other is permanent and the item is dead-lettered with the
 * reason (`QWILR_PAGE_GONE` for a deleted page, `QWILR_NO_CONTACT`, `INVALID_ARGUMENT`
 * for a body that is no event).
 */
import { GhlBridgeError } from "../errors.js";
import { createQwilrIntake } from "../sources/qwilr.js";
import { toFlowEvent } from "../sources/events.js";
import type { FlowEvent, GhlWebhookEvent, WishpondLeadEvent } from "../wasm/types.js";
import type { RunnerConfig } from "./config.js";
import { runnerError } from "./errors.js";
import type { ClaimedIntake } from "./store/types.js";

/** Options of `createIntakeConverter`. */
export interface IntakeConverterOptions {
  /** The runner's config (the Qwilr intakes: secret, token, base URL). */
  config: Pick<RunnerConfig, "sources">;
  /** The fetch the page reads use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** The clock (ms). */
  now?: () => number;
  /** A page read that takes longer fails (transient), in ms (default 15,000). */
  timeoutMs?: number;
}

/** Turns a claimed intake item into its flow event for `locationId` (`null`: nothing to do). */
export type IntakeConverter = (
  item: ClaimedIntake,
  locationId: string,
) => Promise<FlowEvent | null>;

function refusal(
  item: ClaimedIntake,
  code: "INVALID_ARGUMENT" | "QWILR_PAGE_GONE" | "QWILR_NO_CONTACT",
  why: string,
  extra = {},
): GhlBridgeError {
  const message = `intake item ${item.id} (${item.source}): ${why}`;
  const details = { id: item.id, source: item.source, ...extra };
  return code === "INVALID_ARGUMENT"
    ? new GhlBridgeError(code, message, details)
    : runnerError(code, message, details);
}

/** The intake -> flow event conversion of the runner's worker. */
export function createIntakeConverter(options: IntakeConverterOptions): IntakeConverter {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const timed: typeof fetch = (input, init) =>
    doFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });

  async function qwilrEvent(item: ClaimedIntake): Promise<FlowEvent | null> {
    const body = item.body as { intake?: unknown; webhook?: unknown } | null;
    const name = typeof body?.intake === "string" ? body.intake : "";
    const q = options.config.sources.qwilr[name];
    if (!q || body?.webhook === undefined)
      throw refusal(
        item,
        "INVALID_ARGUMENT",
        `no Qwilr intake named ${JSON.stringify(name)} is configured (or the item holds no webhook)`,
      );
    // A fresh intake per item: the store deduplicates, so the core's replay memory must
    // not take a retried item for a repeat.
    const intake = createQwilrIntake({
      secret: q.secret,
      token: q.token,
      config: q.baseUrl ? { baseUrl: q.baseUrl } : undefined,
      fetch: timed,
      now: options.now,
    });
    let out: Awaited<ReturnType<typeof intake.receive>>;
    try {
      out = await intake.receive(q.secret, JSON.stringify(body.webhook));
    } catch (e) {
      if (!(e instanceof GhlBridgeError)) throw e;
      // A refused token is transient here: the webhook is kept until the token is fixed.
      if (e.code === "SOURCE_BAD_CREDENTIALS")
        throw new GhlBridgeError(
          e.code,
          `${e.message} (the Qwilr API token of sources.qwilr.${name} was refused; retried until it is fixed)`,
          { ...e.details, retry: true },
        );
      throw e;
    }
    if (out.outcome === "duplicate")
      throw refusal(item, "INVALID_ARGUMENT", "the Qwilr intake took the item for a repeat");
    if (out.outcome === "skipped") {
      const gone = /no longer exists/.test(out.reason);
      throw refusal(item, gone ? "QWILR_PAGE_GONE" : "QWILR_NO_CONTACT", out.reason, {
        retry: false,
      });
    }
    return toFlowEvent(out.event);
  }

  return async (item, locationId) => {
    let event: FlowEvent | null;
    if (item.source === "capture" || item.source === "wishpond") {
      event = toFlowEvent(item.body as WishpondLeadEvent);
      if (!event) throw refusal(item, "INVALID_ARGUMENT", "the Wishpond lead has no flow event");
    } else if (item.source === "qwilr") {
      event = await qwilrEvent(item);
    } else {
      event = toFlowEvent(item.body as GhlWebhookEvent);
      // The INSTALL / UNINSTALL webhooks were acted on at intake (connections added and
      // removed); their flow plans nothing.
      if (event?.type.startsWith("ghl.app.")) return null;
    }
    return event ? { ...event, locationId } : null;
  };
}
