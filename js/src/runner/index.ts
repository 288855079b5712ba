/**
 * `ghl-bridge/runner`: the always-on runner (`ghl-bridge serve`) as a library, for
 * hosts that assemble it themselves (and for the tests): config loading, the token
 * manager, the HTTP server, the schedules, metrics and logs.
 */
export { startRunner } from "./app.js";
export type { Runner, RunnerOptions, RunnerRole, StartWorker, WorkerContext } from "./app.js";
export { configSchema, loadConfig, parseConfig } from "./config.js";
export { createConsoleApi, decryptUserData } from "./console-api.js";
export type { ConsoleApi, ConsoleApiOptions, GhlUserData } from "./console-api.js";
export { CONSOLE_KEYS } from "./console-state.js";
export { CUSTOM_PAGE_SESSION_MS, consoleSessions } from "./console-sessions.js";
export type { ConsoleSessions, Session as ConsoleSession } from "./console-sessions.js";
export type { ConnectionConfig, OAuthAppConfig, ReportTarget, RunnerConfig } from "./config.js";
export { RUNNER_CODES, runnerError } from "./errors.js";
export type { RunnerErrorCode } from "./errors.js";
export { createLogger } from "./log.js";
export type { Logger, LogLevel, LogSink } from "./log.js";
export { METRICS, createMetrics } from "./metrics.js";
export type { MetricName, Metrics } from "./metrics.js";
export { createPollers } from "./pollers.js";
export type { Pollers, PollersOptions } from "./pollers.js";
export { createScheduler, weeklySchedule } from "./schedules.js";
export type { Scheduler, SchedulerOptions, StatisticsResult } from "./schedules.js";
export { DYNAMIC_CONNECTIONS, startServer } from "./server.js";
export type { RunnerServer, RunnerServerOptions, Stoppable } from "./server.js";
export { checkSchema, unsupportedKeywords } from "./schema-check.js";
export { createTokenManager } from "./tokens.js";
export type { TokenManager, TokenRecord } from "./tokens.js";
export { createVault, parseVaultKey } from "./vault.js";
export { runnerWorker } from "./wiring.js";
export { createIntakeConverter } from "./events.js";
export type { IntakeConverter, IntakeConverterOptions } from "./events.js";
export { KNOWN_TAGS, knownTagsName } from "./known-tags.js";
export type { Vault } from "./vault.js";
export type * from "./store/types.js";
