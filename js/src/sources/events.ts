/**
 * The intakes' events as flow events: what a host hands to `flows.run` (or
 * `flows.plan` -> `outbox.accept`) after an intake accepted a delivery. The core
 * decides the type, the id and the payload (`src/sources/events.rs`).
 */
import * as glue from "../wasm/ghl_bridge_wasm.js";
import { guard } from "../errors.js";
import { arg, object } from "../check.js";
import type { FlowEvent, GhlWebhookEvent, QwilrEvent, WishpondLeadEvent } from "../wasm/types.js";

/**
 * A Wishpond lead event (polled or captured), a Qwilr event (after the page read) or a
 * verified GHL webhook event as the flow event the flows run: `wishpond.lead.created`,
 * `qwilr.pageAccepted`, `ghl.contact.tags.updated`, `ghl.app.installed`... `null` when
 * the flows have nothing to do with it (`ContactCreate`, a late `ContactTagUpdate`).
 */
export function toFlowEvent(
  sourceEvent: WishpondLeadEvent | QwilrEvent | GhlWebhookEvent,
): FlowEvent | null {
  arg("toFlowEvent", "sourceEvent", sourceEvent, object);
  return guard(() => glue.toFlowEvent(sourceEvent));
}
