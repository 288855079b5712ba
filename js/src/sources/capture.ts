/**
 * The intake side of `ghl-bridge/capture` (the page script). The Rust core checks the
 * site key, the origin, the per-key rate limit and every field; this file only passes
 * the request's `Origin` header, the bytes and the clock.
 */
import * as glue from "../wasm/ghl_bridge_wasm.js";
import { guard, instanceGeneration } from "../errors.js";
import type { CaptureConfig, CaptureOutcome } from "../wasm/types.js";
import type { WebhookBody } from "./ghl-webhooks.js";

/** Options of `createCaptureIntake`. */
export interface CaptureIntakeOptions {
  /** Site keys with their allowed origins, rate limit, field limits. */
  config: Partial<CaptureConfig>;
  /** The clock (ms); defaults to `Date.now`. */
  now?: () => number;
}

/** The capture intake. */
export interface CaptureIntakeHandle {
  /**
   * One capture: resolves to `accepted` (a `wishpond.lead.created` event with
   * `arrived: "page"`), `duplicate` or `skipped`; throws a `GhlBridgeError` whose
   * `details.status` is the HTTP status to answer (403 unknown key or origin, 429...).
   */
  receive(origin: string | undefined, body: WebhookBody): CaptureOutcome;
}

/** Creates a capture intake. */
export function createCaptureIntake(options: CaptureIntakeOptions): CaptureIntakeHandle {
  const now = options.now ?? Date.now;
  const make = () => guard(() => new glue.CaptureIntake(options.config));
  let inner = make();
  let generation = instanceGeneration();
  const wasm = (): glue.CaptureIntake => {
    if (generation !== instanceGeneration()) {
      inner = make();
      generation = instanceGeneration();
    }
    return inner;
  };
  return {
    receive(origin, body) {
      const bytes =
        typeof body === "string"
          ? new TextEncoder().encode(body)
          : body instanceof Uint8Array
            ? body
            : new Uint8Array(body);
      return guard(() => wasm().receive(origin, bytes, now()));
    },
  };
}
