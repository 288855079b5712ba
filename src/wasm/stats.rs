//! Statistics for JS: requests, profile selection, series, reports and schedules.
//! Bodies pass through as JSON values and are decoded by the core.

use wasm_bindgen::prelude::*;

use super::convert::{decode, encode, throw};
use crate::stats::{self, HostPoint, Platform, Schedule, Series, SeriesOptions};

/// The statistics request (`POST /social-media-posting/statistics`).
#[wasm_bindgen(js_name = statisticsRequest, unchecked_return_type = "StatsRequest")]
pub fn statistics_request(
    location_id: &str,
    profile_ids: Vec<String>,
    #[wasm_bindgen(unchecked_param_type = "string[]")] platforms: JsValue,
) -> Result<JsValue, JsValue> {
    let platforms: Vec<Platform> = decode(platforms, "platforms")?;
    let r =
        stats::statistics_request(location_id, &profile_ids, &platforms).map_err(|e| throw(&e))?;
    encode(&r)
}

/// The profiles with statistics among an accounts response body.
#[wasm_bindgen(js_name = selectProfiles, unchecked_return_type = "ProfileSelection")]
pub fn select_profiles(
    #[wasm_bindgen(unchecked_param_type = "unknown")] accounts_body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string[]")] platforms: JsValue,
) -> Result<JsValue, JsValue> {
    let body: serde_json::Value = decode(accounts_body, "accounts body")?;
    let platforms: Vec<Platform> = decode(platforms, "platforms")?;
    let accounts = stats::decode_accounts(&body).map_err(|e| throw(&e))?;
    encode(&stats::profiles_from_accounts(
        &accounts.results.accounts,
        &platforms,
    ))
}

/// A statistics response body as metric series, with host metrics merged in.
#[wasm_bindgen(js_name = statisticsSeries, unchecked_return_type = "Series")]
pub fn statistics_series(
    #[wasm_bindgen(unchecked_param_type = "unknown")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SeriesOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "HostPoint[]")] host: JsValue,
) -> Result<JsValue, JsValue> {
    let body: serde_json::Value = decode(body, "body")?;
    let options: SeriesOptions = decode(options, "options")?;
    let host: Vec<HostPoint> = decode(host, "host metrics")?;
    let decoded = stats::decode_statistics(&body).map_err(|e| throw(&e))?;
    let series = stats::from_statistics(&decoded.results, &options);
    let series = stats::merge(&series, &host).map_err(|e| throw(&e))?;
    encode(&series)
}

/// The weekly report of a series as Markdown.
#[wasm_bindgen(js_name = statisticsMarkdown)]
pub fn statistics_markdown(
    #[wasm_bindgen(unchecked_param_type = "Series")] series: JsValue,
    title: &str,
) -> Result<String, JsValue> {
    let series: Series = decode(series, "series")?;
    Ok(stats::report::to_markdown(&series, title))
}

/// The series as CSV.
#[wasm_bindgen(js_name = statisticsCsv)]
pub fn statistics_csv(
    #[wasm_bindgen(unchecked_param_type = "Series")] series: JsValue,
) -> Result<String, JsValue> {
    let series: Series = decode(series, "series")?;
    Ok(stats::report::to_csv(&series))
}

/// The weekly report as a Slack Block Kit message (sending it is the host's job).
#[wasm_bindgen(js_name = statisticsSlack, unchecked_return_type = "Record<string, unknown>")]
pub fn statistics_slack(
    #[wasm_bindgen(unchecked_param_type = "Series")] series: JsValue,
    title: &str,
) -> Result<JsValue, JsValue> {
    let series: Series = decode(series, "series")?;
    encode(&stats::report::to_slack(&series, title))
}

/// The first run of a schedule strictly after `nowMs`.
#[wasm_bindgen(js_name = nextRun)]
pub fn next_run(
    now_ms: f64,
    #[wasm_bindgen(unchecked_param_type = "Schedule")] schedule: JsValue,
) -> Result<f64, JsValue> {
    let schedule: Schedule = decode(schedule, "schedule")?;
    stats::next_run(now_ms as u64, &schedule)
        .map(|t| t as f64)
        .map_err(|e| throw(&e))
}
