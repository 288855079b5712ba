// GHL-shaped error answers. Handlers throw `GhlError`; the server turns it
// into `{statusCode, message, error?, traceId}` with the given status.

const REASONS = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

export class GhlError extends Error {
  /** `message` is a string, or an array of strings for 422. */
  constructor(status, message, { error } = {}) {
    super(Array.isArray(message) ? message.join("; ") : message);
    this.name = "GhlError";
    this.status = status;
    this.body = { statusCode: status, message };
    const reason = error ?? REASONS[status];
    if (reason && status !== 400) this.body.error = reason;
  }
}

export const badRequest = (message) => new GhlError(400, message);
export const unauthorized = (message = "Invalid JWT") => new GhlError(401, message);
export const forbidden = () =>
  new GhlError(403, "The token does not have access to this location.");
export const notFound = (method, path) => new GhlError(404, `Cannot ${method} ${path}`);
/** 422 with class-validator-style messages (always an array). */
export const unprocessable = (messages) => new GhlError(422, messages);
export const tooManyRequests = (daily) =>
  new GhlError(429, daily ? "Too Many Requests: daily limit reached" : "Too Many Requests");

/** The bodies of injected server faults. */
export function serverFault(status) {
  const message =
    { 500: "Internal server error", 502: "Bad Gateway", 503: "Service Unavailable" }[status] ??
    "Internal server error";
  return new GhlError(status, message);
}
