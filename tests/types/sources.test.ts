// Type-level tests of the sources' declarations (must compile; each @ts-expect-error
// must be a real error).
import * as g from "../../pkg/entries/node.js";
import type {
  GhlEventKind,
  QwilrDelivery,
  WishpondPollResult,
  CaptureOutcome,
} from "../../pkg/entries/node.js";

const receiver = g.createGhlWebhookReceiver({ config: { maxAgeMs: 60_000 } });
export async function ghl(): Promise<string[] | undefined> {
  const out = await receiver.receive({ "x-ghl-signature": "c2ln" }, new Uint8Array());
  if (out.outcome === "accepted") {
    const kind: GhlEventKind = out.event.kind;
    void kind;
    return out.event.tagChange?.added;
  }
  return undefined;
}
// @ts-expect-error config keys are typed
g.createGhlWebhookReceiver({ config: { maxAge: 1 } });

export async function qwilr(): Promise<void> {
  const intake = g.createQwilrIntake({ secret: "x".repeat(32), token: "t" });
  const d: QwilrDelivery = await intake.receive("s", "{}");
  if (d.outcome === "skipped") {
    const why: string = d.reason;
    void why;
  }
}

export async function wishpond(): Promise<void> {
  const r: WishpondPollResult = await g.createWishpondPoller({ apiKey: "k" }).poll();
  const first: Record<string, unknown> | undefined = r.events[0]?.lead.dynamic_attributes;
  void first;
}

const c: CaptureOutcome = g.createCaptureIntake({ config: { sites: [] } }).receive(undefined, "{}");
void c;
