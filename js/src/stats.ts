/**
 * Social-media statistics: the request, profile selection from connected accounts,
 * metric series (with host metrics merged in), weekly reports (Markdown, CSV, Slack
 * Block Kit) and the schedule helper. Sending is the host's (or `createFlows`') job.
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { guard } from "./errors.js";
import { arg, list, name, names, object, text, time } from "./check.js";
import type {
  HostPoint,
  ProfileSelection,
  Schedule,
  Series,
  SeriesOptions,
  StatsRequest,
} from "./wasm/types.js";

/** The statistics request for these profiles and platforms (unsupported platforms dropped with a warning). */
export function statisticsRequest(
  locationId: string,
  profileIds: string[],
  platforms: string[] = [],
): StatsRequest {
  arg("statisticsRequest", "locationId", locationId, name);
  arg("statisticsRequest", "profileIds", profileIds, names);
  arg("statisticsRequest", "platforms", platforms, list);
  return guard(() => glue.statisticsRequest(locationId, profileIds, platforms));
}

/** The profiles that have statistics (LinkedIn pages, TikTok business), from an accounts response body. */
export function selectProfiles(accountsBody: unknown, platforms: string[] = []): ProfileSelection {
  arg("selectProfiles", "platforms", platforms, list);
  return guard(() => glue.selectProfiles(accountsBody, platforms));
}

/** A statistics response body as metric series, with host metrics merged in. */
export function statisticsSeries(
  body: unknown,
  options: SeriesOptions,
  hostMetrics: HostPoint[] = [],
): Series {
  arg("statisticsSeries", "options", options, object);
  arg("statisticsSeries", "hostMetrics", hostMetrics, list);
  return guard(() => glue.statisticsSeries(body, options, hostMetrics));
}

/** The weekly report as Markdown. */
export function statisticsMarkdown(series: Series, title = "Weekly social report"): string {
  arg("statisticsMarkdown", "series", series, object);
  arg("statisticsMarkdown", "title", title, text);
  return guard(() => glue.statisticsMarkdown(series, title));
}

/** The series as CSV. */
export function statisticsCsv(series: Series): string {
  arg("statisticsCsv", "series", series, object);
  return guard(() => glue.statisticsCsv(series));
}

/** The weekly report as a Slack Block Kit message (post it with your webhook). */
export function statisticsSlack(
  series: Series,
  title = "Weekly social report",
): Record<string, unknown> {
  arg("statisticsSlack", "series", series, object);
  arg("statisticsSlack", "title", title, text);
  return guard(() => glue.statisticsSlack(series, title));
}

/** The first run of a schedule strictly after `nowMs` (the host owns the timer). */
export function nextRun(nowMs: number, schedule: Schedule): number {
  arg("nextRun", "nowMs", nowMs, time);
  arg("nextRun", "schedule", schedule, object);
  return guard(() => glue.nextRun(nowMs, schedule));
}
