//! Mapping benchmark (native half): 100,000 generated Wishpond-like leads through the
//! 20-rule document in `benches/data/rules-20.json`.
//!
//! Prints `mapping native: <N> rec/s` (batches of 1,000 records per call, JSON text in
//! and out: the batch size the Wasm batch variant uses, `MAPPING_BENCH_BATCH`),
//! `mapping native-one-batch: <N> rec/s` (all records in one call: one 69 MB text in,
//! one out, for information) and `mapping native-per-record: <N> rec/s` (one
//! `apply_json_text` call per record).
//! With `GHL_BENCH_DATA_DIR` set, it also writes `leads.json` (the records, a JSON
//! array) and `expected.json` (the batch results) there, so the JavaScript half can run
//! the same records and check identical output.
//!
//! The generator is a 32-bit xorshift over fixed word lists, simple to mirror in JS.

use std::time::Instant;

use ghl_bridge::rules::{compile, ApplyOptions, CompileContext};

const FIRST: [&str; 8] = [
    "jane",
    "JOHN",
    " maría ",
    "li",
    "o'neil",
    "ANNE-marie",
    "raj",
    "Zoë",
];
const LAST: [&str; 8] = [
    "DOE",
    "smith ",
    "garcía",
    "Nguyen",
    "van der berg",
    "O'BRIEN",
    "patel",
    "Müller",
];
const CITY: [&str; 6] = [
    "san francisco",
    " NEW YORK",
    "austin ",
    "st. louis",
    "london",
    "winston-salem",
];
const STATE: [&str; 6] = ["ca", "NY ", "tx", "mo", "", "nc"];
const COUNTRY: [&str; 7] = [
    "United States",
    "USA",
    "canada",
    "UK",
    "Germany",
    "Atlantis",
    "",
];
const PHONE: [&str; 6] = [
    "(415) 555-0123",
    "415-555-0199",
    "+1 212 555 0142",
    "+44 20 7946 0958",
    "555-0100",
    "1 (512) 555-0177",
];
const SOURCE: [&str; 4] = ["", "Landing page", " Facebook Lead Ad ", ""];
const UTM_SOURCE: [&str; 5] = ["Facebook", "google", "LinkedIn", "newsletter", ""];
const UTM_MEDIUM: [&str; 5] = ["cpc", "CPC", "email", "organic", "paid"];
const CAMPAIGN: [&str; 4] = [
    "Spring Giveaway 2026",
    "Growth Webinar",
    "Free Ebook",
    "Black Friday",
];
const TAGS: [&str; 6] = [
    "Newsletter",
    "newsletter ",
    "Giveaway",
    "VIP",
    "vip",
    "Webinar",
];

struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u32) as usize]
    }
}

fn esc(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// One lead as JSON text (about 670 bytes).
fn lead(i: u32, rng: &mut Rng) -> String {
    let first = rng.pick(&FIRST);
    let last = rng.pick(&LAST);
    let email = format!(
        "  {}.{}{}@Example.COM ",
        first.trim(),
        last.trim().replace(' ', ""),
        i % 1000
    );
    let tags: Vec<String> = (0..(rng.next() % 4))
        .map(|_| esc(rng.pick(&TAGS)))
        .collect();
    let month = rng.next() % 12 + 1;
    let day = rng.next() % 28 + 1;
    let year = 1950 + rng.next() % 55;
    format!(
        concat!(
            r#"{{"event":"lead.created","id":"evt_{:08}","created_at":"2026-03-05T14:22:10Z","#,
            r#""campaign":{{"id":{},"name":{},"type":"contest"}},"#,
            r#""lead":{{"id":{},"email":{},"first_name":{},"last_name":{},"phone":{},"company":"Acme Corp ","#,
            r#""city":{},"state":{},"zip":"{:05}","country":{},"birthday":"{:02}/{:02}/{}","source":{},"#,
            r#""tags":[{}],"opted_in":{},"#,
            r#""utm":{{"source":{},"medium":{},"campaign":"spring_launch","term":"crm software","content":"video_a"}},"#,
            r#""ip_address":"203.0.113.{}","user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3)","#,
            r#""answers":[{{"q":"Budget","a":"$5k"}}]}}}}"#
        ),
        i,
        1_184_300 + rng.next() % 4,
        esc(rng.pick(&CAMPAIGN)),
        98_000_000 + i,
        esc(&email),
        esc(first),
        esc(last),
        esc(rng.pick(&PHONE)),
        esc(rng.pick(&CITY)),
        esc(rng.pick(&STATE)),
        rng.next() % 100_000,
        esc(rng.pick(&COUNTRY)),
        month,
        day,
        year,
        esc(rng.pick(&SOURCE)),
        tags.join(","),
        rng.next() % 2 == 0,
        esc(rng.pick(&UTM_SOURCE)),
        esc(rng.pick(&UTM_MEDIUM)),
        rng.next() % 256,
    )
}

fn main() {
    let n: u32 = std::env::var("MAPPING_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("data/rules-20.json")).expect("rules-20.json");
    let opts = ApplyOptions::default();
    let rules = compile(&doc, &CompileContext::default()).expect("the benchmark rules compile");
    let mut rng = Rng(0x9E37_79B9);
    let records: Vec<String> = (0..n).map(|i| lead(i, &mut rng)).collect();
    let batch = format!("[{}]", records.join(","));
    let per_call: usize = std::env::var("MAPPING_BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&b| b > 0)
        .unwrap_or(1000);
    let batches: Vec<String> = records
        .chunks(per_call)
        .map(|c| format!("[{}]", c.join(",")))
        .collect();
    let run_batches = || -> usize {
        batches
            .iter()
            .map(|b| rules.apply_batch_json(b, &opts).expect("batch").len())
            .sum()
    };
    let avg = batch.len() / n.max(1) as usize;
    println!("mapping records: {n} ({avg} bytes of JSON each)");

    // Profiling aid: only the batched form, many rounds (no checks).
    if std::env::var("MAPPING_BENCH_PROFILE").is_ok() {
        for _ in 0..40 {
            std::hint::black_box(run_batches());
        }
        return;
    }

    // Warm up, and check the one-batch, batched and per-record forms agree.
    let out = rules.apply_batch_json(&batch, &opts).expect("batch");
    let parsed: Vec<serde_json::Value> = serde_json::from_str(&out).expect("batch output is JSON");
    let mut at = 0;
    for b in &batches {
        let part: Vec<serde_json::Value> =
            serde_json::from_str(&rules.apply_batch_json(b, &opts).expect("batch")).unwrap();
        assert_eq!(
            part[..],
            parsed[at..at + part.len()],
            "batch at record {at}"
        );
        at += part.len();
    }
    assert_eq!(at, parsed.len());
    for (i, r) in records.iter().enumerate().take(1000) {
        let one: serde_json::Value =
            serde_json::from_str(&rules.apply_json_text(r, &opts)).unwrap();
        assert_eq!(one, parsed[i], "record {i}");
    }
    if let Ok(dir) = std::env::var("GHL_BENCH_DATA_DIR") {
        std::fs::write(format!("{dir}/leads.json"), &batch).expect("write leads.json");
        std::fs::write(format!("{dir}/expected.json"), &out).expect("write expected.json");
        println!("mapping data written to {dir}");
    }

    // Best of five rounds (the machine may be shared).
    let mut bytes = 0;
    let best = |f: &mut dyn FnMut() -> usize| -> f64 {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            std::hint::black_box(f());
            best = best.min(t.elapsed().as_secs_f64());
        }
        n as f64 / best
    };
    let batch_rate = best(&mut || run_batches());
    let one_rate = best(&mut || rules.apply_batch_json(&batch, &opts).unwrap().len());
    let per_rate = best(&mut || {
        records
            .iter()
            .map(|r| rules.apply_json_text(r, &opts).len())
            .sum()
    });
    let serde_rate = best(&mut || {
        records
            .iter()
            .map(|r| {
                let v: serde_json::Value = serde_json::from_str(r).unwrap();
                serde_json::to_string(&v).unwrap().len()
            })
            .sum()
    });
    bytes += 1;

    println!(
        "mapping native: {:.0} rec/s ({per_call} records per call)",
        batch_rate
    );
    println!("mapping native-one-batch: {:.0} rec/s", one_rate);
    println!("mapping native-per-record: {:.0} rec/s", per_rate);
    println!("mapping native-serde-roundtrip: {:.0} rec/s", serde_rate);
    println!(
        "ratio native/native-serde-roundtrip: {:.2}",
        batch_rate / serde_rate
    );
    std::hint::black_box(bytes);
}
