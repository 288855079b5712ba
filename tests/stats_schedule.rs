//! Schedule arithmetic: week boundaries, offsets, exactly-at-time.

use ghl_bridge::error::Coded;
use ghl_bridge::stats::*;

const H: u64 = 3_600_000;

fn weekly(weekday: Weekday, hour: u8, minute: u8, utc_offset_minutes: i32) -> Schedule {
    Schedule::Weekly {
        weekday,
        hour,
        minute,
        utc_offset_minutes,
    }
}

#[test]
fn weekly_in_utc_and_exactly_at_time() {
    let s = weekly(Weekday::Monday, 9, 0, 0);
    let tue = 1_710_237_600_000; // Tue 2024-03-12 10:00 UTC
    let mon_18 = 1_710_752_400_000; // Mon 2024-03-18 09:00 UTC
    let mon_25 = 1_711_357_200_000;
    assert_eq!(next_run(tue, &s).unwrap(), mon_18);
    assert_eq!(next_run(mon_18 - 1, &s).unwrap(), mon_18);
    assert_eq!(next_run(mon_18, &s).unwrap(), mon_25, "strictly after now");
    assert_eq!(next_run(mon_18 + 1, &s).unwrap(), mon_25);
    // Same weekday, earlier in the day: today.
    assert_eq!(next_run(mon_18 - 2 * H, &s).unwrap(), mon_18);
}

#[test]
fn weekly_with_negative_offset_crosses_the_utc_week() {
    // Sunday 23:30 in UTC-5 is Monday 04:30 UTC.
    let s = weekly(Weekday::Sunday, 23, 30, -300);
    let sun_23_utc = 1_710_111_600_000; // Sun 2024-03-10 23:00 UTC = 18:00 local
    assert_eq!(next_run(sun_23_utc, &s).unwrap(), 1_710_131_400_000);
    // Monday 05:00 UTC is already past Sunday 23:30 local: next week.
    assert_eq!(
        next_run(1_710_131_400_000 + H / 2, &s).unwrap(),
        1_710_131_400_000 + 7 * 24 * H
    );
}

#[test]
fn weekly_with_positive_offset_and_year_boundary() {
    // Monday 00:15 in UTC+10 is Sunday 14:15 UTC.
    let s = weekly(Weekday::Monday, 0, 15, 600);
    assert_eq!(next_run(1_710_079_200_000, &s).unwrap(), 1_710_080_100_000);
    assert_eq!(
        next_run(1_710_080_100_000 + 60_000, &s).unwrap(),
        1_710_684_900_000
    );
    // Sunday 2023-12-31 22:00 UTC -> Monday 2024-01-01 08:00 UTC.
    let s = weekly(Weekday::Monday, 8, 0, 0);
    assert_eq!(next_run(1_704_060_000_000, &s).unwrap(), 1_704_096_000_000);
    // Before 1970 in local time: now 0 with UTC-5 is Wed 1969-12-31 19:00 local;
    // Thursday 00:00 local is 05:00 UTC on 1970-01-01.
    assert_eq!(
        next_run(0, &weekly(Weekday::Thursday, 0, 0, -300)).unwrap(),
        5 * H
    );
}

#[test]
fn every_interval_aligned_on_the_anchor() {
    let s = Schedule::Every {
        interval_ms: H,
        anchor_ms: 1_000,
    };
    assert_eq!(next_run(999, &s).unwrap(), 1_000);
    assert_eq!(next_run(1_000, &s).unwrap(), 1_000 + H);
    assert_eq!(next_run(1_000 + H - 1, &s).unwrap(), 1_000 + H);
    assert_eq!(next_run(1_000 + 5 * H + 7, &s).unwrap(), 1_000 + 6 * H);
    // Before the anchor, the earlier aligned time.
    let s = Schedule::Every {
        interval_ms: H,
        anchor_ms: 5 * H + 7,
    };
    assert_eq!(next_run(0, &s).unwrap(), 7);
}

#[test]
fn invalid_schedules_and_overflow_are_typed_errors() {
    let e = next_run(
        0,
        &Schedule::Every {
            interval_ms: 0,
            anchor_ms: 0,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "STATS_INVALID_SCHEDULE");
    assert_eq!(
        next_run(0, &weekly(Weekday::Monday, 24, 0, 0))
            .unwrap_err()
            .code(),
        "STATS_INVALID_SCHEDULE"
    );
    assert_eq!(
        next_run(0, &weekly(Weekday::Monday, 0, 60, 0))
            .unwrap_err()
            .code(),
        "STATS_INVALID_SCHEDULE"
    );
    assert_eq!(
        next_run(0, &weekly(Weekday::Monday, 0, 0, 1081))
            .unwrap_err()
            .to_string(),
        "schedule is not valid: utcOffsetMinutes 1081 is outside -1080..=1080"
    );
    assert!(next_run(0, &weekly(Weekday::Monday, 0, 0, -1080)).is_ok());
    assert_eq!(
        next_run(u64::MAX, &weekly(Weekday::Monday, 0, 0, 0))
            .unwrap_err()
            .code(),
        "STATS_SCHEDULE_OVERFLOW"
    );
    assert_eq!(
        next_run(
            u64::MAX,
            &Schedule::Every {
                interval_ms: 1,
                anchor_ms: 0
            }
        )
        .unwrap_err()
        .code(),
        "STATS_SCHEDULE_OVERFLOW"
    );
}

#[test]
fn schedules_deserialise_from_host_json() {
    let s: Schedule = serde_json::from_value(serde_json::json!({"kind": "weekly", "weekday": "mon", "hour": 9, "minute": 0, "utcOffsetMinutes": -300})).unwrap();
    assert_eq!(s, weekly(Weekday::Monday, 9, 0, -300));
    let s: Schedule = serde_json::from_value(
        serde_json::json!({"kind": "every", "intervalMs": 60000, "anchorMs": 0}),
    )
    .unwrap();
    assert_eq!(
        s,
        Schedule::Every {
            interval_ms: 60_000,
            anchor_ms: 0
        }
    );
}
