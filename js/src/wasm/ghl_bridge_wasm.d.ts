/* tslint:disable */
/* eslint-disable */

/**
 * Panics on purpose. Exists only so the test suites can prove that a panic reaches
 * the caller as an `INTERNAL_PANIC` error and that the module keeps working after it.
 */
export function __testPanic(message: string): void;

export function __wbg_reset_state(): void;

/**
 * Resolves a step of a plan against earlier responses; `null` means "skip".
 */
export function resolveStep(plan: Plan, step_id: string, responses: Record<string, unknown>): RequestParams | null;

/**
 * Installs the panic hook (runs once when the module is instantiated).
 */
export function start(): void;

/**
 * The message of the last panic, if any (read once by the JS shim after a trap).
 */
export function takeLastPanic(): string | undefined;

/**
 * Checks a plan's invariants; throws `PLAN_*` errors.
 */
export function validatePlan(plan: Plan): void;

/**
 * The crate version.
 */
export function version(): string;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __testPanic: (a: number, b: number) => void;
    readonly resolveStep: (a: any, b: number, c: number, d: any) => [number, number, number];
    readonly start: () => void;
    readonly takeLastPanic: () => [number, number];
    readonly validatePlan: (a: any) => [number, number];
    readonly version: () => [number, number];
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
