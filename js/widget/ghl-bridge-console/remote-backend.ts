/**
 * `remoteBackend`: a `ConsoleBackend` whose every method is one call to another
 * context that holds the token and the outbox (the extension's service worker, a
 * server): `call(method, args)` carries it and resolves to the method's JSON. What it
 * throws reaches the element as a `BackendError` (`toBackendError`), so a host that
 * cannot reach the other side says so in the interface's terms.
 */
import type { BackendChange, ConsoleBackend } from "./backend.js";
import { toBackendError } from "./direct-backend.js";

/** Every method of `ConsoleBackend` but `kind` and `watch`, by name (one list: both sides use it). */
export const CONSOLE_METHODS = [
  "connection",
  "connect",
  "testConnection",
  "disconnect",
  "sources",
  "saveSources",
  "qwilrSubscriptions",
  "subscribeQwilr",
  "unsubscribeQwilr",
  "rules",
  "saveRules",
  "samples",
  "customFields",
  "dryRun",
  "mode",
  "setMode",
  "deliver",
  "outboxStatus",
  "activity",
  "deadLetters",
  "retry",
  "retryAll",
  "tags",
  "fixTag",
  "statistics",
  "reportPreview",
  "sendReportNow",
] as const satisfies readonly (keyof ConsoleBackend)[];

/** A method's name. */
export type ConsoleMethod = (typeof CONSOLE_METHODS)[number];

// The list is complete: a method added to `ConsoleBackend` and not here fails to compile.
type Unlisted = Exclude<keyof ConsoleBackend, ConsoleMethod | "kind" | "watch">;
const complete: [Unlisted] extends [never] ? true : Unlisted = true;
void complete;

/** Builds the backend; `watch` (optional) pushes changes as the interface's `watch` does. */
export function remoteBackend(
  kind: ConsoleBackend["kind"],
  call: (method: ConsoleMethod, args: unknown[]) => Promise<unknown>,
  watch?: (listener: (change: BackendChange) => void) => () => void,
): ConsoleBackend {
  const backend: Record<string, unknown> = { kind };
  for (const method of CONSOLE_METHODS)
    backend[method] = async (...args: unknown[]) => {
      try {
        return await call(method, args);
      } catch (e) {
        throw toBackendError(e);
      }
    };
  if (watch) backend.watch = watch;
  return backend as unknown as ConsoleBackend;
}
