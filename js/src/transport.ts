/**
 * Sends a request the core built with the platform's `fetch` (pages, extension service
 * workers, Node 18+) and hands back the whole answer for the core to read (`settle`).
 * The client's only network code; the outbox's transport is the full module's own
 * (`src/wasm/transport.rs`), with the same rules and errors.
 *
 * **Redirects are never followed** (`redirect: "manual"`): a 3xx would make the runtime
 * re-send the request, token and contact data included, to wherever `Location` points.
 * A redirect is `REDIRECT_REFUSED`; nothing is sent to its target. No answer is
 * `NETWORK_ERROR`, or `TIMEOUT` after `timeoutMs`. Errors carry the operation and the
 * URL, never the headers (the token lives there).
 * @internal
 */
import { GhlBridgeError } from "./errors.js";
import type { HttpRequest, HttpResponse } from "./wasm/types.js";

/** The reason a runtime gave, as `name: message`. */
function reasonOf(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Sends `request` (of `operation`) and reads status, headers and body text. */
export async function transmit(
  operation: string,
  request: HttpRequest,
  timeoutMs: number,
): Promise<HttpResponse> {
  const { url } = request;
  const network = (e: unknown): GhlBridgeError => {
    const reason = reasonOf(e);
    return new GhlBridgeError("NETWORK_ERROR", `${operation}: no answer from ${url}: ${reason}`, {
      operation,
      url,
      reason,
    });
  };
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body ?? undefined,
      redirect: "manual",
      signal,
    });
  } catch (e) {
    if (!signal.aborted) throw network(e);
    throw new GhlBridgeError(
      "TIMEOUT",
      `${operation}: no answer from ${url} within ${timeoutMs} ms`,
      { operation, url, timeoutMs },
    );
  }
  const { status } = response;
  if (response.type === "opaqueredirect" || (status >= 300 && status < 400)) {
    // A body left unread would keep the connection busy.
    void response.body?.cancel().catch(() => {});
    const location = response.headers.get("location");
    throw new GhlBridgeError(
      "REDIRECT_REFUSED",
      `${operation}: ${url} answered with a redirect (HTTP ${status}${location === null ? "" : ` to ${location}`}); redirects are never followed, so nothing was sent to its target: check the base URL`,
      { operation, url, status, location },
    );
  }
  // `fromEntries` defines each name as an own property (a header named `__proto__`
  // stays data).
  const headers = Object.fromEntries(response.headers) as Record<string, string>;
  let body: string;
  try {
    body = await response.text();
  } catch (e) {
    throw network(e);
  }
  return { status, headers, body };
}
