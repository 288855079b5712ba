/**
 * What an intake item becomes for the worker: the flow event (`{type, id, locationId,
 * payload}`) the package's flows plan. The one place in the runner that knows the intake
 * bodies the endpoints and pollers store:
 *
 * - `capture` and `wishpond`: the normalised `WishpondLeadEvent`, turned into its flow
 *   event by the core (`toFlowEvent`: `wishpond.lead.created` / `.updated`);
 * - `qwilr`: the webhook as received (`{intake, event, webhook}`). Its flow event needs
 *   the page read from Qwilr's API (`GET /v1/pages/{id}?expand=acceptance,metadata`),
 *   which the runner's worker does not do yet: refused here with that reason, so the
 *   intake row is kept, completed as rejected, and visible in the logs;
 * - `ghl`: GHL's own webhooks feed no flow in the runner yet (INSTALL / UNINSTALL are
 *   handled at intake): refused here, the same way.
 *
 * A refusal is a `GhlBridgeError`; the worker does not retry it.
 */
import { GhlBridgeError } from "../errors.js";
import { toFlowEvent } from "../sources/events.js";
import type { FlowEvent, WishpondLeadEvent } from "../wasm/types.js";
import type { ClaimedIntake } from "./store/types.js";

const noFlow = (item: ClaimedIntake, why: string) =>
  new GhlBridgeError("INVALID_ARGUMENT", `intake item ${item.id} (${item.source}): ${why}`, {
    id: item.id,
    source: item.source,
  });

/** The flow event of an intake item, for `locationId`. */
export function intakeToEvent(item: ClaimedIntake, locationId: string): FlowEvent {
  if (item.source === "capture" || item.source === "wishpond") {
    const event = toFlowEvent(item.body as WishpondLeadEvent);
    if (!event) throw noFlow(item, "the Wishpond lead has no flow event");
    return { ...event, locationId };
  }
  if (item.source === "qwilr") {
    throw noFlow(item, "the runner does not read Qwilr pages yet, so a Qwilr event has no flow");
  }
  throw noFlow(item, "GHL webhook events feed no flow (they are kept for reconciliation)");
}
