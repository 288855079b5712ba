//! When the next report runs: plain calendar arithmetic, no date library.
//!
//! Invariants:
//! - [`next_run`] returns the first run time **strictly after** `now_ms`: a host that
//!   runs a job at `t` and asks again with `now_ms = t` gets the following run, never
//!   `t` again.
//! - `Every`: runs at `anchor + k * interval` for every integer `k`, so before the
//!   anchor the answer may be earlier than the anchor. `interval_ms` must be at least 1.
//! - Times at or past 2^60 ms (tens of millions of years) are
//!   [`StatsError::ScheduleOverflow`].
//! - `Weekly`: runs on the given weekday at `hour:minute` local time, where local time is
//!   UTC plus a **fixed** `utc_offset_minutes` (-1080..=1080, i.e. ±18 h). Daylight
//!   saving time is not modelled: a host in a DST zone passes the offset valid for the
//!   coming run (and recomputes after each run).

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

use super::calendar::{local_day, local_midnight_ms, weekday, DAY_MS};
use super::StatsError;

/// Run times must stay below this (2^60 ms).
const LIMIT_MS: u64 = 1 << 60;

/// A day of the week.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    ToJson,
    Deserialize,
    FromJson,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    #[serde(alias = "mon")]
    Monday,
    /// Tuesday.
    #[serde(alias = "tue")]
    Tuesday,
    /// Wednesday.
    #[serde(alias = "wed")]
    Wednesday,
    /// Thursday.
    #[serde(alias = "thu")]
    Thursday,
    /// Friday.
    #[serde(alias = "fri")]
    Friday,
    /// Saturday.
    #[serde(alias = "sat")]
    Saturday,
    /// Sunday.
    #[serde(alias = "sun")]
    Sunday,
}

impl Weekday {
    /// 0 = Monday … 6 = Sunday.
    pub fn index(self) -> u32 {
        self as u32
    }
}

crate::tagged::tagged_enum! {
    tag = "kind", name = "Schedule", rename_all = "camelCase", rename_all_fields = "camelCase";
    /// How often a job runs.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum Schedule {
        /// Every `interval_ms`, aligned on `anchor_ms`.
        Every {
            /// Period in ms (at least 1).
            interval_ms: u64,
            /// One run time; all others are whole periods away from it.
            anchor_ms: u64,
        },
        /// Once a week at a local time with a fixed UTC offset.
        Weekly {
            /// Day of the week.
            weekday: Weekday,
            /// Hour, 0..=23.
            hour: u8,
            /// Minute, 0..=59.
            minute: u8,
            /// Local time minus UTC, in minutes (e.g. -300 for UTC-5), -1080..=1080.
            utc_offset_minutes: i32,
        },
    }
}

/// The first run of `schedule` strictly after `now_ms` (see the module doc).
pub fn next_run(now_ms: u64, schedule: &Schedule) -> Result<u64, StatsError> {
    let overflow = || StatsError::ScheduleOverflow { now_ms };
    match *schedule {
        Schedule::Every {
            interval_ms,
            anchor_ms,
        } => {
            if interval_ms == 0 {
                return Err(StatsError::InvalidSchedule {
                    reason: "intervalMs must be at least 1".into(),
                });
            }
            let (now, anchor, step) = (
                i128::from(now_ms),
                i128::from(anchor_ms),
                i128::from(interval_ms),
            );
            // Smallest anchor + k*step > now.
            let k = (now - anchor).div_euclid(step) + 1;
            let next = anchor + k * step;
            if next >= i128::from(LIMIT_MS) {
                return Err(overflow());
            }
            u64::try_from(next).map_err(|_| overflow())
        }
        Schedule::Weekly {
            weekday: wd,
            hour,
            minute,
            utc_offset_minutes,
        } => {
            if hour > 23 || minute > 59 {
                return Err(StatsError::InvalidSchedule {
                    reason: format!("time {hour:02}:{minute:02} is not a time of day"),
                });
            }
            if !(-1080..=1080).contains(&utc_offset_minutes) {
                return Err(StatsError::InvalidSchedule {
                    reason: format!(
                        "utcOffsetMinutes {utc_offset_minutes} is outside -1080..=1080"
                    ),
                });
            }
            if now_ms >= LIMIT_MS {
                return Err(overflow());
            }
            let now = i64::try_from(now_ms).map_err(|_| overflow())?;
            let today = local_day(now, utc_offset_minutes);
            let ahead = (i64::from(wd.index()) - i64::from(weekday(today))).rem_euclid(7);
            let at = |day: i64| {
                local_midnight_ms(day, utc_offset_minutes)
                    + (i64::from(hour) * 60 + i64::from(minute)) * 60_000
            };
            let mut candidate = at(today + ahead);
            if candidate <= now {
                candidate += 7 * DAY_MS;
            }
            u64::try_from(candidate).map_err(|_| overflow())
        }
    }
}
