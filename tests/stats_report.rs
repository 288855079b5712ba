//! Weekly reports: Markdown, CSV (RFC 4180) and Slack Block Kit.

use ghl_bridge::stats::report::*;
use ghl_bridge::stats::*;
use serde_json::{json, Value};

const TUE_2024_03_12_10H: u64 = 1_710_237_600_000;

fn series() -> Series {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ghl/social-media-statistics.json"
    ))
    .unwrap();
    let r = decode_statistics(&serde_json::from_str(&text).unwrap()).unwrap();
    let s = from_statistics(
        &r.results,
        &SeriesOptions {
            now_ms: TUE_2024_03_12_10H,
            utc_offset_minutes: 0,
        },
    );
    let host: Vec<HostPoint> = serde_json::from_value(json!([
        {"metric": "leads", "source": "wishpond", "value": 12, "date": "2024-03-05"},
        {"metric": "leads", "source": "wishpond", "value": 8, "date": "2024-03-01"}
    ]))
    .unwrap();
    merge(&s, &host).unwrap()
}

#[test]
fn numbers_and_changes_for_people() {
    assert_eq!(format_number(1_234_567.0), "1,234,567");
    assert_eq!(format_number(-1_000.0), "-1,000");
    assert_eq!(format_number(999.0), "999");
    assert_eq!(format_number(12.5), "12.5");
    assert_eq!(format_number(0.333), "0.33");
    assert_eq!(
        format_number(33_828.74),
        "33,829",
        "estimates of 100 and more are whole numbers"
    );
    assert_eq!(format_number(f64::NAN), "–");
    // Rounded half away from zero, no `-0`, grouping up to what a u64 holds, then the shortest form.
    assert_eq!(format_number(0.125), "0.13");
    assert_eq!(format_number(-0.001), "0");
    assert_eq!(format_number(-12.05), "-12.05");
    assert_eq!(format_number(99.999), "100");
    assert_eq!(format_number(0.07), "0.07");
    assert_eq!(format_number(1e15 + 2.0), "1,000,000,000,000,002");
    assert_eq!(format_number(1e19), "10,000,000,000,000,000,000");
    assert_eq!(format_number(1e20), "1e+20");
}

#[test]
fn markdown_report() {
    let md = to_markdown(&series(), "Weekly report");
    assert!(md.starts_with("# Weekly report (2024-03-04 – 2024-03-10)\n\n## Totals\n\n| Platform | Metric | This week | Previous | Change |\n|---|---|---:|---:|---|\n| All platforms | comments | 30 | – | – |\n"), "{md}");
    for row in [
        "| All platforms | impressions | 5,200 | 4,000 | ▲ +30.0% |",
        "| LinkedIn | impressions | 2,000 | 2,500 | ▼ -20.0% |",
        "| LinkedIn | reach | 0 | – | ▼ -100.0% |",
        "| TikTok | engagement | 120 | 240 | ▼ -50.0% |",
        "| Wishpond | leads | 12 | 8 | ▲ +50.0% |",
        "\n## LinkedIn\n\n| Metric | Mon 03-04 | Tue 03-05 | Wed 03-06 | Thu 03-07 | Fri 03-08 | Sat 03-09 | Sun 03-10 | Total |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        "| followers | 530 | 532 | 534 | 535 | 537 | 538 | 540 | 540 |",
        "\n## Wishpond\n\n",
        "| leads | – | 12 | – | – | – | – | – | 12 |",
    ] {
        assert!(md.contains(row), "missing {row:?} in\n{md}");
    }
    // Sections in order: all, linkedin, tiktok, wishpond.
    let pos = |s: &str| md.find(s).unwrap();
    assert!(
        pos("## All platforms") < pos("## LinkedIn")
            && pos("## LinkedIn") < pos("## TikTok")
            && pos("## TikTok") < pos("## Wishpond")
    );
    assert!(!md.contains("## Notes"));
}

#[test]
fn csv_report_is_rfc4180() {
    let csv = to_csv(&series());
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "kind,source,platform,metric,date,timestamp_ms,value,previous,change_abs,change_pct"
    );
    assert_eq!(lines.last(), Some(&""), "ends with CRLF");
    assert!(!csv.replace("\r\n", "").contains('\n'));
    assert!(lines.contains(&"day,ghl,linkedin,followers,2024-03-04,1709510400000,530,,,"));
    assert!(lines.contains(
        &"total,ghl,all,impressions,2024-03-04/2024-03-10,1709510400000,5200,4000,1200,30"
    ));
    assert!(
        lines.contains(&"total,ghl,linkedin,reach,2024-03-04/2024-03-10,1709510400000,0,,,-100")
    );
    assert!(lines
        .contains(&"total,wishpond,wishpond,leads,2024-03-04/2024-03-10,1709510400000,12,8,4,50"));
    // 77 GHL points + 1 host point, 22 GHL totals + 1 host total, header, trailing "".
    assert_eq!(lines.len(), 1 + 78 + 23 + 1);

    let tricky = Series {
        days: series().days,
        points: vec![MetricPoint {
            metric: "leads, \"web\"\nform".into(),
            platform: "=HYPERLINK(\"x\")".into(),
            source: "-host".into(),
            value: -5.0,
            timestamp_ms: 0,
            date: "2024-03-04".into(),
        }],
        ..Series::default()
    };
    let csv = to_csv(&tricky);
    assert!(csv.contains("day,'-host,\"'=HYPERLINK(\"\"x\"\")\",\"leads, \"\"web\"\"\nform\",2024-03-04,0,-5,,,\r\n"), "{csv}");
}

fn texts(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(t)) = m.get("text") {
                    out.push(t.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

#[test]
fn slack_message() {
    let msg = to_slack(&series(), "Weekly report");
    let blocks = msg["blocks"].as_array().unwrap();
    assert_eq!(
        msg["text"],
        json!("Weekly report (2024-03-04 – 2024-03-10)")
    );
    assert_eq!(
        blocks[0],
        json!({"type": "header", "text": {"type": "plain_text", "text": "Weekly report (2024-03-04 – 2024-03-10)", "emoji": true}})
    );
    let kinds: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["header", "section", "section", "section", "section", "context"]
    );
    assert_eq!(blocks[1]["text"]["text"], json!("*All platforms*"));
    assert_eq!(blocks[1]["fields"].as_array().unwrap().len(), 6);
    assert!(blocks[1]["fields"]
        .as_array()
        .unwrap()
        .contains(&json!({"type": "mrkdwn", "text": "*impressions*\n5,200 ▲ +30.0%"})));
    assert_eq!(blocks[2]["text"]["text"], json!("*LinkedIn*"));
    assert_eq!(blocks[2]["fields"].as_array().unwrap().len(), 8);
    assert!(blocks[2]["fields"]
        .as_array()
        .unwrap()
        .contains(&json!({"type": "mrkdwn", "text": "*followers*\n540 –"})));
    assert_eq!(
        blocks[4]["fields"],
        json!([{"type": "mrkdwn", "text": "*leads*\n12 ▲ +50.0%"}])
    );
    assert_eq!(
        blocks[5]["elements"][0]["text"],
        json!("Period 2024-03-04 – 2024-03-10")
    );
}

#[test]
fn slack_stays_within_block_kit_limits() {
    let days = series().days;
    let mut totals = Vec::new();
    for p in 0..60 {
        totals.push(WeeklyTotal {
            metric: "m".into(),
            platform: format!("p{p:02}"),
            source: "h".into(),
            value: 1.0,
            previous: None,
            change: None,
        });
    }
    for m in 0..25 {
        totals.push(WeeklyTotal {
            metric: format!("<m{m:02}> & co"),
            platform: "all".into(),
            source: "h".into(),
            value: 0.0,
            previous: Some(0.0),
            change: Some(Change {
                absolute: Some(0.0),
                percent: None,
            }),
        });
    }
    let s = Series {
        days,
        totals,
        ..Series::default()
    };
    let msg = to_slack(&s, &"T".repeat(400));
    let blocks = msg["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), SLACK_MAX_BLOCKS);
    // all: 25 fields -> 3 sections (10, 10, 5), then 60 platforms; 63 sections in all,
    // 47 kept, one note, header and context.
    assert_eq!(blocks[1]["fields"].as_array().unwrap().len(), 10);
    assert_eq!(
        blocks[2]["text"]["text"],
        json!("*All platforms* (continued)")
    );
    assert_eq!(blocks[3]["fields"].as_array().unwrap().len(), 5);
    assert_eq!(
        blocks[1]["fields"][0]["text"],
        json!("*&lt;m00&gt; &amp; co*\n0 = 0.0%")
    );
    assert_eq!(
        blocks[48]["elements"][0]["text"],
        json!("16 more section(s) left out")
    );
    let header = blocks[0]["text"]["text"].as_str().unwrap();
    assert_eq!(header.chars().count(), 150);
    assert!(header.ends_with('…'));
    assert!(texts(&msg)
        .iter()
        .all(|t| t.chars().count() <= SLACK_MAX_TEXT));
}

#[test]
fn new_and_unknown_changes() {
    let t = |previous, change| WeeklyTotal {
        metric: "m".into(),
        platform: "all".into(),
        source: "s".into(),
        value: 3.0,
        previous,
        change,
    };
    assert_eq!(
        format_change(&t(
            Some(0.0),
            Some(Change {
                absolute: Some(3.0),
                percent: None
            })
        )),
        "new"
    );
    assert_eq!(format_change(&t(None, None)), "–");
    let percent = |p| {
        format_change(&t(
            Some(3.0),
            Some(Change {
                absolute: Some(1.0),
                percent: Some(p),
            }),
        ))
    };
    assert_eq!(percent(12.25), "▲ +12.3%");
    assert_eq!(percent(-3.0), "▼ -3.0%");
    assert_eq!(percent(1234.56), "▲ +1234.6%");
    assert_eq!(percent(0.04), "▲ +0.0%");
    assert_eq!(percent(-0.04), "▼ 0.0%");
    assert_eq!(percent(f64::INFINITY), "–");
    assert_eq!(
        format_change(&t(
            Some(3.0),
            Some(Change {
                absolute: Some(0.0),
                percent: Some(0.0)
            })
        )),
        "= 0.0%"
    );
}

/// Names an attacker controls (host metric names and sources, report titles).
const HOSTILE: [&str; 6] = [
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<script>alert(1)</script>",
    "a | b\n## injected",
    "`code` *bold* _it_",
    "&lt;x&gt;",
];

fn hostile_series() -> Series {
    let host: Vec<HostPoint> = HOSTILE
        .iter()
        .map(|name| {
            serde_json::from_value(json!({"metric": name, "source": name, "platform": name,
                "value": 1, "date": "2024-03-05"}))
            .unwrap()
        })
        .collect();
    merge(&series(), &host).unwrap()
}

#[test]
fn markdown_escapes_every_name_and_title_from_data() {
    let md = to_markdown(&hostile_series(), "<b>Weekly</b> [x](javascript:alert(1))");
    for raw in [
        "<img",
        "<script",
        "<b>",
        "](javascript",
        "[click]",
        "\n## injected",
        "&lt;x",
        "`code`",
        "*bold*",
    ] {
        assert!(!md.contains(raw), "{raw:?} passed through:\n{md}");
    }
    assert!(
        md.starts_with("# &lt;b&gt;Weekly&lt;/b&gt; \\[x\\]\\(javascript:alert\\(1\\)\\)"),
        "{md}"
    );
    assert!(md.contains("&amp;lt;x&amp;gt;"), "{md}");
    // Every table row keeps its 5 cells: no `|` from data splits one.
    for line in md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("a \\| b"))
    {
        let cells = line.replace("\\|", "").matches('|').count();
        assert!(cells == 6 || cells == 10, "{line}");
    }
}

#[test]
fn csv_guards_every_cell_a_spreadsheet_would_run() {
    let starts = [
        "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", " =1", "\u{a0}=1", "＝1+1", "＋1", "－1",
        "＠A1",
    ];
    let points = starts
        .iter()
        .map(|s| MetricPoint {
            metric: s.to_string(),
            platform: "p".into(),
            source: "s".into(),
            value: 1.0,
            timestamp_ms: 0,
            date: "2024-03-04".into(),
        })
        .collect();
    let csv = to_csv(&Series {
        days: series().days,
        points,
        ..Series::default()
    });
    for s in starts {
        let cell = if s.contains('\r') {
            format!("\"'{s}\"")
        } else {
            format!("'{s}")
        };
        assert!(
            csv.contains(&format!("day,s,p,{cell},")),
            "{s:?} not guarded:\n{csv}"
        );
    }
}
