/**
 * ghl-bridge: keep Wishpond and Qwilr in sync with HighLevel from the browser.
 *
 * This module is the whole public API of the full package; the entry points (`node`,
 * `web`, `slim`) only differ in how they load the Wasm module. `core.ts` is the part
 * the lean `ghl-bridge/client` entry shares.
 */
export * from "./core.js";
export { createFlows, executePlan, previewPlan } from "./flows.js";
export type {
  DryRunReport,
  DryRunStage,
  ExecuteOptions,
  ExecutionReport,
  FailedStep,
  Flows,
  FlowsOptions,
  FlowRunReport,
  PreviewStep,
  StageReport,
} from "./flows.js";
export { createTagCatalog, tagDiff } from "./tags.js";
export type { TagCatalogHandle, TagCatalogOptions } from "./tags.js";
export {
  nextRun,
  selectProfiles,
  statisticsCsv,
  statisticsMarkdown,
  statisticsRequest,
  statisticsSeries,
  statisticsSlack,
} from "./stats.js";
export { createOutbox } from "./outbox.js";
export type { Outbox, OutboxOptions, AcceptResult } from "./outbox.js";
export { validateRules, compileRules, applyRules, rulesPresets } from "./rules.js";
export type { CompiledRules, CompileOptions, BatchResult, RulesRecord } from "./rules.js";
export { memoryStorage } from "./storage/memory.js";
export { indexedDbStorage } from "./storage/indexeddb.js";
export type { OutboxStorage, StoreOp } from "./storage/types.js";
export { createGhlWebhookReceiver, webCryptoVerifier } from "./sources/ghl-webhooks.js";
export type {
  GhlWebhookReceiverHandle,
  GhlWebhookReceiverOptions,
  KnownTagsStore,
  ReceiveOptions,
  SignatureVerifier,
  WebhookBody,
  WebhookHeaders,
} from "./sources/ghl-webhooks.js";
export { createQwilrIntake, secretsEqual } from "./sources/qwilr.js";
export type { QwilrDelivery, QwilrIntakeHandle, QwilrIntakeOptions } from "./sources/qwilr.js";
export { createWishpondPoller } from "./sources/wishpond.js";
export type {
  WishpondPollerHandle,
  WishpondPollerOptions,
  WishpondPollResult,
} from "./sources/wishpond.js";
export { createCaptureIntake } from "./sources/capture.js";
export { toFlowEvent } from "./sources/events.js";
export type { CaptureIntakeHandle, CaptureIntakeOptions } from "./sources/capture.js";
