/**
 * What an intake item becomes for the worker: the flow event (`{type, id, locationId,
 * payload}`) the package's flows plan. The one place that knows both the intake bodies
 * the endpoints and pollers store and the flow events' payloads:
 *
 * - `capture` and `wishpond`: the normalised `WishpondLeadEvent` -> `wishpond.contact.created`
 *   / `.updated` with a Wishpond webhook-shaped payload (`{event, lead: {email, fields...,
 *   utm: {source, ...}}}`, what the `wishpond-lead` rules read);
 * - `qwilr`: the webhook body as received -> `qwilr.page.accepted` / `qwilr.page.viewed`
 *   (the flow's payload is a Qwilr webhook body); other Qwilr events have no flow;
 * - `ghl`: GHL's own webhooks feed no flow yet (INSTALL / UNINSTALL are handled at
 *   intake): refused here, so the worker completes them as rejected with this reason.
 *
 * A refusal is a `GhlBridgeError`; the worker does not retry it.
 */
import { GhlBridgeError } from "../errors.js";
import type { FlowEvent, WishpondLeadEvent } from "../wasm/types.js";
import type { ClaimedIntake } from "./store/types.js";

const QWILR_FLOWS: Record<string, string> = {
  pageAccepted: "qwilr.page.accepted",
  pagePartiallyAccepted: "qwilr.page.accepted",
  pageViewed: "qwilr.page.viewed",
  pageFirstViewed: "qwilr.page.viewed",
};

const noFlow = (item: ClaimedIntake, why: string) =>
  new GhlBridgeError("INVALID_ARGUMENT", `intake item ${item.id} (${item.source}): ${why}`, {
    id: item.id,
    source: item.source,
  });

/** The flow event of an intake item, for `locationId`. */
export function intakeToEvent(item: ClaimedIntake, locationId: string): FlowEvent {
  if (item.source === "capture" || item.source === "wishpond") {
    const e = item.body as WishpondLeadEvent;
    const utm: Record<string, string> = {};
    for (const [k, v] of Object.entries(e.utm ?? {})) utm[k.replace(/^utm_/, "")] = v;
    const updated = e.type === "wishpond.lead.updated";
    return {
      type: updated ? "wishpond.contact.updated" : "wishpond.contact.created",
      id: e.id,
      locationId,
      payload: {
        event: updated ? "lead.updated" : "lead.created",
        arrived: e.arrived,
        lead: { ...e.lead.dynamic_attributes, id: e.lead.id, email: e.lead.email, utm },
        ...(e.page ? { page: e.page } : {}),
      },
    } as FlowEvent;
  }
  if (item.source === "qwilr") {
    const b = item.body as { event: string; webhook: { idempotencyKey: string } };
    const type = QWILR_FLOWS[b.event];
    if (!type) throw noFlow(item, `Qwilr's ${b.event} feeds no flow`);
    return {
      type,
      id: `qwilr:${b.webhook.idempotencyKey}`,
      locationId,
      payload: b.webhook,
    } as FlowEvent;
  }
  throw noFlow(item, "GHL webhook events feed no flow (they are kept for reconciliation)");
}
