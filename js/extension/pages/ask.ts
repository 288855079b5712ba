/**
 * How the extension's pages talk to the service worker: one request, one reply
 * (`shared/protocol.ts`), and a callback when the worker says something changed.
 */
import { CHANGED, type Reply, type Request } from "../shared/protocol.js";

/** Sends a request to the worker; a worker that cannot answer becomes an error reply. */
export async function ask(req: Request): Promise<Reply> {
  try {
    const reply = (await chrome.runtime.sendMessage(req)) as Reply | undefined;
    return (
      reply ?? {
        ok: false,
        error: { code: "NO_ANSWER", message: "the service worker did not answer" },
      }
    );
  } catch (e) {
    return {
      ok: false,
      error: { code: "NO_ANSWER", message: e instanceof Error ? e.message : String(e) },
    };
  }
}

/** Calls `fn` whenever the worker broadcasts a change. */
export function onWorkerChange(fn: () => void): void {
  chrome.runtime.onMessage.addListener((msg: { type?: string }) => {
    if (msg?.type === CHANGED) fn();
    return false;
  });
}

/** A small element builder (text only: nothing is parsed as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** A time as the reader's local time. */
export const when = (ms: number | null) => (ms ? new Date(ms).toLocaleString() : "never");
