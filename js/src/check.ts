/**
 * Argument checks at the edge of every public function, before anything reaches the
 * Wasm glue: a wrong type becomes a typed `INVALID_ARGUMENT` that names the function
 * and the argument (`createClient: options.scopes must be a list of strings (got
 * undefined)`), never a trap inside the module (which would reset every live object)
 * nor a plain `TypeError`. Values are never quoted in messages (a token may be one).
 *
 * What is checked here is the *shape* a function needs to be called at all; what the
 * values mean (a valid scope, a known operation) is the core's to decide. Nested JSON
 * data (bodies, events, plans) crosses by the one conversion rule of `convert.rs`.
 * @internal
 */
import { GhlBridgeError } from "./error-type.js";

/** A kind of value an argument must be. */
export interface Kind {
  /** What the argument must be, for the message (`a string`, `a list of strings`). */
  readonly expected: string;
  /** True when `v` is of this kind. */
  test(v: unknown): boolean;
}

/** Longest id, name, scope or operation name accepted (longer ones are mistakes). */
export const MAX_NAME = 4096;
/** Longest token accepted. */
export const MAX_TOKEN = 65536;
/** Latest time accepted, in ms since 1970 (the end of JavaScript's `Date` range). */
export const MAX_TIME = 8.64e15;

/** A kind from its description and test. */
export const kind = (expected: string, test: (v: unknown) => boolean): Kind => ({ expected, test });

/** Any string. */
export const text = kind("a string", (v) => typeof v === "string");
/** An id, a name, a scope, an operation: a string of at most `MAX_NAME` characters. */
export const name = kind(
  `a string of at most ${MAX_NAME} characters`,
  (v) => typeof v === "string" && v.length <= MAX_NAME,
);
/** A token: a non-empty string of at most `MAX_TOKEN` characters. */
export const token = kind(
  `a non-empty string of at most ${MAX_TOKEN} characters`,
  (v) => typeof v === "string" && v.length > 0 && v.length <= MAX_TOKEN,
);
/** A list of names. */
export const names = kind(
  `a list of strings of at most ${MAX_NAME} characters`,
  (v) => Array.isArray(v) && v.every((x) => name.test(x)),
);
/** Any list. */
export const list = kind("a list", (v) => Array.isArray(v));
/** A plain object (not `null`, not a list). */
export const object = kind(
  "an object",
  (v) => typeof v === "object" && v !== null && !Array.isArray(v),
);
/** A function. */
export const func = kind("a function", (v) => typeof v === "function");
/** `true` or `false`. */
export const bool = kind("a boolean", (v) => typeof v === "boolean");
/** A finite number greater than zero. */
export const positive = kind(
  "a finite number greater than 0",
  (v) => typeof v === "number" && Number.isFinite(v) && v > 0,
);
/** A whole number from 1 up. */
export const count = kind(
  "a whole number of at least 1",
  (v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 1,
);
/** A time in milliseconds since 1970, within `Date`'s range. */
export const time = kind(
  `a time in ms since 1970 (a finite number from 0 to ${MAX_TIME})`,
  (v) => typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= MAX_TIME,
);
/** An object with these methods. */
export function withMethods(...methods: string[]): Kind {
  return kind(
    `an object with ${methods.map((m) => `${m}()`).join(", ")}`,
    (v) =>
      object.test(v) &&
      methods.every((m) => typeof (v as Record<string, unknown>)[m] === "function"),
  );
}
/** `k`, or `undefined`. */
export function optional(k: Kind): Kind {
  return kind(`${k.expected} (or absent)`, (v) => v === undefined || k.test(v));
}
/** `k`, `null` or `undefined`. */
export function nullable(k: Kind): Kind {
  return kind(`${k.expected} (or null)`, (v) => v === undefined || v === null || k.test(v));
}
/** Any of the kinds. */
export function oneOf(...kinds: Kind[]): Kind {
  return kind(kinds.map((k) => k.expected).join(" or "), (v) => kinds.some((k) => k.test(v)));
}

/** What `v` is, without its value (values may be secrets). */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "number")
    return Number.isNaN(v) ? "NaN" : Number.isFinite(v) ? "a number" : "an infinite number";
  if (typeof v === "string") return `a string of ${v.length} characters`;
  if (typeof v === "object") return "an object";
  return typeof v === "undefined" ? "undefined" : `a ${typeof v}`;
}

function invalid(fn: string, argument: string, k: Kind, v: unknown): GhlBridgeError {
  const got = describe(v);
  return new GhlBridgeError(
    "INVALID_ARGUMENT",
    `${fn}: ${argument} must be ${k.expected} (got ${got})`,
    { function: fn, argument, expected: k.expected, got },
  );
}

/** Throws `INVALID_ARGUMENT` unless `v` is of kind `k`. */
export function arg(fn: string, argument: string, v: unknown, k: Kind): void {
  if (!k.test(v)) throw invalid(fn, argument, k, v);
}

/**
 * Checks an options object and the fields listed in `fields` (absent fields are
 * `undefined` to their kinds); `required: false` lets the whole object be absent.
 * Returns the object (`{}` when absent).
 */
export function options<T extends object>(
  fn: string,
  v: T | undefined,
  fields: { [K in keyof T]?: Kind },
  required = true,
): T {
  if (v === undefined && !required) return {} as T;
  arg(fn, "options", v, object);
  const o = v as Record<string, unknown>;
  for (const [key, k] of Object.entries(fields) as Array<[string, Kind]>) {
    let value: unknown;
    try {
      value = o[key];
    } catch {
      value = Symbol("unreadable");
    }
    if (!k.test(value)) throw invalid(fn, `options.${key}`, k, value);
  }
  return v as T;
}

/** The arguments of one method: their names and kinds, and whether it returns a promise. */
export interface Signature {
  /** Rejects instead of throwing (the method returns a promise). */
  readonly async: boolean;
  /** `[name, kind]` per positional argument. */
  readonly args: ReadonlyArray<readonly [string, Kind]>;
}

/** A synchronous method's arguments. */
export function sync(...args: Array<readonly [string, Kind]>): Signature {
  return { async: false, args };
}
/** An asynchronous method's arguments (a bad one rejects the returned promise). */
export function async(...args: Array<readonly [string, Kind]>): Signature {
  return { async: true, args };
}

function checkArgs(fn: string, values: ArrayLike<unknown>, sig: Signature): void {
  sig.args.forEach(([argument, k], i) => {
    arg(fn, argument, values[i], k);
  });
}

/**
 * `obj` with the methods named in `signatures` checking their arguments first
 * (`owner.method` names them in errors); other properties are copied as they are.
 */
export function checkMethods<T extends object>(
  owner: string,
  obj: T,
  signatures: { [K in keyof T]?: Signature },
): T {
  const out: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  for (const [method, sig] of Object.entries(signatures) as Array<[string, Signature]>) {
    const f = (obj as Record<string, (...a: unknown[]) => unknown>)[method];
    const fn = `${owner}.${method}`;
    out[method] = sig.async
      ? (...a: unknown[]) => {
          try {
            checkArgs(fn, a, sig);
          } catch (e) {
            return Promise.reject(e);
          }
          return f(...a);
        }
      : (...a: unknown[]) => {
          checkArgs(fn, a, sig);
          return f(...a);
        };
  }
  return out as T;
}
