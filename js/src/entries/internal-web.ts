/**
 * Test-only: the web entry with the test hooks of `internal.ts`, built into one bundle of
 * its own (the browser tests import it by path; the package does not ship it). A hook
 * must reach the same glue instance as the entry it tests.
 */
export * from "./web.js";
export { __testPanic, instanceGeneration } from "../internal.js";
