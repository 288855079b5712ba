//! The stable fuzz driver: no nightly, no coverage. It replays the saved corpus and
//! every saved crash, then mutates corpus inputs (bytes, and JSON values where the
//! input is JSON) for a set time per target. `scripts/fuzz.sh` runs it.
//!
//! ```text
//! ghl-bridge-fuzz replay [TARGET...]             corpus and crashes only
//! ghl-bridge-fuzz run [--seconds N] [--seed S] [TARGET...]
//! ghl-bridge-fuzz seed                           write corpus/<target>/seed-* from the repository
//! ghl-bridge-fuzz min TARGET FILE                shrink a crashing input (writes FILE.min)
//! ghl-bridge-fuzz triage [TARGET...]             sort artifacts/<target>/* into known and new
//! ```
//!
//! Crashes: `crashes/<target>/` holds every input that ever crashed a target; each
//! must pass, except those listed in `known-failing.txt` (a defect not fixed yet),
//! which must still fail: a listed crash that passes is an error too, so the list is
//! emptied as the fixes land. While fuzzing, a panic at the place a known-failing
//! crash panics is counted as known, not as a find. A new find is written to
//! `artifacts/<target>/` (what cargo-fuzz uses) and fails the run; minimise it, save
//! it under `crashes/<target>/`, and fix it (or list it as known-failing).

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ghl_bridge_fuzz::{Target, TARGETS};
use serde_json::Value;

/// Where a panic happened (file:line:column) and its message: set by the panic hook.
static LAST_PANIC: Mutex<Option<(String, String)>> = Mutex::new(None);

/// Runs one input; `Err((location, message))` when it panicked.
fn exec(t: Target, data: &[u8]) -> Result<(), (String, String)> {
    match panic::catch_unwind(AssertUnwindSafe(|| (t.run)(data))) {
        Ok(()) => Ok(()),
        Err(_) => Err(LAST_PANIC
            .lock()
            .map(|mut p| p.take())
            .ok()
            .flatten()
            .unwrap_or_else(|| ("?".into(), "?".into()))),
    }
}

/// The fuzz folder (corpus, crashes, artifacts, known-failing list).
fn fuzz_dir() -> PathBuf {
    let driver = Path::new(env!("CARGO_MANIFEST_DIR"));
    driver.parent().unwrap_or(driver).to_path_buf()
}

/// The files of a folder, sorted (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// `known-failing.txt`: `<target>/<file>` per line, `#` starts a comment.
fn known_failing() -> BTreeSet<String> {
    let text = std::fs::read_to_string(fuzz_dir().join("known-failing.txt")).unwrap_or_default();
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// A 64-bit FNV-1a hash, hex (names of saved finds).
fn hash(data: &[u8]) -> String {
    let h = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

/// What replaying one target found.
struct Replay {
    /// Corpus inputs (and crashes) to mutate.
    pool: Vec<Vec<u8>>,
    /// Panic locations of the known-failing crashes.
    known: BTreeSet<String>,
    /// Problems: a corpus input or fixed crash that fails, a known one that passes.
    errors: Vec<String>,
}

fn replay(t: Target, listed: &BTreeSet<String>) -> Replay {
    let dir = fuzz_dir();
    let mut r = Replay {
        pool: Vec::new(),
        known: BTreeSet::new(),
        errors: Vec::new(),
    };
    let (mut corpus, mut fixed, mut known) = (0, 0, 0);
    for p in files(&dir.join("corpus").join(t.name)) {
        let data = std::fs::read(&p).unwrap_or_default();
        if let Err((at, msg)) = exec(t, &data) {
            r.errors.push(format!(
                "{}: corpus input fails at {at}: {msg}",
                p.display()
            ));
        }
        r.pool.push(data);
        corpus += 1;
    }
    for p in files(&dir.join("crashes").join(t.name)) {
        let name = format!(
            "{}/{}",
            t.name,
            p.file_name().unwrap_or_default().to_string_lossy()
        );
        let data = std::fs::read(&p).unwrap_or_default();
        match (exec(t, &data), listed.contains(&name)) {
            (Ok(()), false) => fixed += 1,
            (Err((at, _)), true) => {
                r.known.insert(at);
                known += 1;
            }
            (Err((at, msg)), false) => r
                .errors
                .push(format!("crashes/{name} fails again at {at}: {msg}")),
            (Ok(()), true) => r.errors.push(format!(
                "crashes/{name} passes now: remove it from fuzz/known-failing.txt"
            )),
        }
        r.pool.push(data);
    }
    println!(
        "replay {}: {corpus} corpus inputs, {fixed} past crashes pass, {known} known-failing still fail",
        t.name
    );
    r
}

/// xorshift64*: the driver's own randomness (seeded, so a run can be repeated).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Tokens worth inserting into JSON text and the texts around it.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1e999",
    "-1e-999",
    "1.5",
    "18446744073709551615",
    "18446744073709551616",
    "9007199254740993",
    "-9223372036854775808",
    "\"\"",
    "[]",
    "{}",
    "[*]",
    ".",
    "{a}",
    "\n\n",
    "\r\n",
    "é",
    "\u{1F600}",
    "\u{0}",
    "x-ratelimit-remaining: 0",
    "retry-after: 1",
];

/// JSON values that break assumptions.
fn interesting(rng: &mut Rng) -> Value {
    let n = rng.below(24);
    match n {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(2)),
        2 => 0.into(),
        3 => (-1).into(),
        4 => u64::MAX.into(),
        5 => (u64::MAX - rng.next() % 200_000_000).into(),
        6 => i64::MIN.into(),
        7 => serde_json::json!(1e300),
        8 => serde_json::json!(-0.0),
        9 => serde_json::json!(0.1),
        10 => ((1u64 << 53) + 1).into(),
        11 => "".into(),
        12 => " ".into(),
        13 => "x".repeat(rng.below(5000)).into(),
        14 => "\u{0}\u{1F600}é\"\\".into(),
        15 => Value::Array(Vec::new()),
        16 => Value::Object(Default::default()),
        17 => {
            let mut v = Value::Null;
            for _ in 0..rng.below(600) {
                v = Value::Array(vec![v]);
            }
            v
        }
        18 => (rng.next() % 4_102_444_800_000).into(),
        19 => u32::MAX.into(),
        20 => "2026-02-30T25:61:00Z".into(),
        21 => "{a}{b.c}[*]".into(),
        22 => (rng.next() as i64).into(),
        _ => (rng.below(1000) as u64).into(),
    }
}

/// Every node of a JSON value (pointers), depth first.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                pointers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// One change to a JSON value.
fn mutate_json(v: &mut Value, other: Option<&Value>, rng: &mut Rng) {
    let mut ptrs = Vec::new();
    pointers(v, String::new(), &mut ptrs);
    let p = ptrs[rng.below(ptrs.len())].clone();
    let donor = other.and_then(|o| {
        let mut ps = Vec::new();
        pointers(o, String::new(), &mut ps);
        o.pointer(&ps[rng.below(ps.len())]).cloned()
    });
    let Some(node) = v.pointer_mut(&p) else {
        return;
    };
    match rng.below(7) {
        0 => *node = interesting(rng),
        1 => {
            if let Some(d) = donor {
                *node = d;
            }
        }
        2 => match node {
            Value::Array(a) if !a.is_empty() => {
                let i = rng.below(a.len());
                if rng.chance(2) {
                    a.remove(i);
                } else {
                    let x = a[i].clone();
                    a.insert(i, x);
                }
            }
            Value::Object(m) if !m.is_empty() => {
                let k = m
                    .keys()
                    .nth(rng.below(m.len()))
                    .cloned()
                    .unwrap_or_default();
                m.remove(&k);
            }
            _ => *node = interesting(rng),
        },
        3 => match node {
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(0.0);
                let d = [1.0, -1.0, 86_400_000.0, 1e15, -1e15][rng.below(5)];
                *node = serde_json::json!(x + d);
            }
            Value::String(s) => {
                let mut b = std::mem::take(s).into_bytes();
                mutate_bytes(&mut b, None, rng);
                *s = String::from_utf8_lossy(&b).into_owned();
            }
            Value::Object(m) => {
                let k = [
                    "id", "type", "status", "now", "op", "from", "to", "kind", "a", "e",
                ];
                m.insert(k[rng.below(k.len())].into(), interesting(rng));
            }
            Value::Array(a) => a.push(donor.unwrap_or_else(|| interesting(rng))),
            _ => *node = interesting(rng),
        },
        4 => *node = Value::Array(vec![node.take()]),
        5 => {
            let mut o = serde_json::Map::new();
            o.insert("$from".into(), "upsert".into());
            o.insert("pointer".into(), "/contact/id".into());
            *node = if rng.chance(2) {
                Value::Object(o)
            } else {
                interesting(rng)
            };
        }
        _ => {
            if let Value::Object(m) = node {
                if let Some(k) = m.keys().nth(rng.below(m.len().max(1))).cloned() {
                    let x = m.remove(&k).unwrap_or(Value::Null);
                    let mut kb = k.into_bytes();
                    mutate_bytes(&mut kb, None, rng);
                    m.insert(String::from_utf8_lossy(&kb).into_owned(), x);
                }
            } else {
                *node = interesting(rng);
            }
        }
    }
}

/// One change to raw bytes.
fn mutate_bytes(b: &mut Vec<u8>, other: Option<&[u8]>, rng: &mut Rng) {
    let at = rng.below(b.len() + 1);
    match rng.below(9) {
        0 if !b.is_empty() => {
            let i = at.min(b.len() - 1);
            b[i] ^= 1 << rng.below(8);
        }
        1 if !b.is_empty() => {
            let i = at.min(b.len() - 1);
            b[i] = rng.next() as u8;
        }
        2 => {
            let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
            b.splice(at..at, t.iter().copied());
        }
        3 if !b.is_empty() => {
            let end = (at + 1 + rng.below(16)).min(b.len());
            b.drain(at.min(b.len() - 1)..end);
        }
        4 if !b.is_empty() => {
            let start = rng.below(b.len());
            let end = (start + 1 + rng.below(64)).min(b.len());
            let chunk = b[start..end].to_vec();
            b.splice(at..at, chunk);
        }
        5 => {
            if let Some(o) = other.filter(|o| !o.is_empty()) {
                let start = rng.below(o.len());
                let end = (start + 1 + rng.below(256)).min(o.len());
                b.splice(at..at, o[start..end].iter().copied());
            }
        }
        6 => b.truncate(at),
        7 => {
            let digits = [
                "0",
                "1",
                "255",
                "65535",
                "4294967296",
                "18446744073709551615",
                "-1",
            ];
            b.splice(at..at, digits[rng.below(digits.len())].bytes());
        }
        _ => {
            let n = 1 + rng.below(4);
            for _ in 0..n {
                b.insert(at.min(b.len()), rng.next() as u8);
            }
        }
    }
}

/// Where the JSON part of an input starts: 0, or 1 after a document-choosing byte.
fn json_at(data: &[u8]) -> Option<(usize, Value)> {
    (0..2.min(data.len())).find_map(|i| {
        serde_json::from_slice::<Value>(&data[i..])
            .ok()
            .map(|v| (i, v))
    })
}

/// A mutant of `base`: a few JSON-level or byte-level changes.
fn mutant(base: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let rounds = 1 + rng.below(4);
    if !rng.chance(4) {
        if let Some((at, mut v)) = json_at(base) {
            let donor = json_at(other).map(|(_, v)| v);
            for _ in 0..rounds {
                mutate_json(&mut v, donor.as_ref(), rng);
            }
            let mut out = base[..at].to_vec();
            out.extend(v.to_string().into_bytes());
            return out;
        }
    }
    let mut b = base.to_vec();
    for _ in 0..rounds {
        mutate_bytes(&mut b, Some(other), rng);
    }
    b
}

/// The input being run and since when (ms since the driver started, 0 = none): read
/// by the watchdog.
struct Current {
    since: AtomicU64,
    input: Mutex<(String, Vec<u8>)>,
}

/// Saves a find under `artifacts/<target>/` and returns its path.
fn save_find(target: &str, kind: &str, data: &[u8]) -> PathBuf {
    let dir = fuzz_dir().join("artifacts").join(target);
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join(format!("{kind}-{}", hash(data)));
    let _ = std::fs::write(&p, data);
    p
}

fn show(data: &[u8]) -> String {
    let s = String::from_utf8_lossy(data);
    if s.len() > 300 {
        let cut = (0..=300)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        format!("{:?}... ({} bytes)", &s[..cut], data.len())
    } else {
        format!("{s:?}")
    }
}

/// Fuzzes one target for `secs` seconds; returns the number of new finds.
fn fuzz(t: Target, r: &Replay, secs: f64, rng: &mut Rng, cur: &Current, t0: Instant) -> usize {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let pool = if r.pool.is_empty() {
        vec![Vec::new()]
    } else {
        r.pool.clone()
    };
    let mut recent: Vec<Vec<u8>> = Vec::new();
    let mut finds: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let (mut execs, mut known) = (0u64, 0u64);
    let start = Instant::now();
    while Instant::now() < deadline {
        for _ in 0..64 {
            let base = if !recent.is_empty() && rng.chance(3) {
                &recent[rng.below(recent.len())]
            } else {
                &pool[rng.below(pool.len())]
            };
            let other = &pool[rng.below(pool.len())];
            let input = mutant(base, other, rng);
            if let Ok(mut c) = cur.input.lock() {
                c.0 = t.name.to_string();
                c.1.clone_from(&input);
            }
            cur.since
                .store(t0.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
            let result = exec(t, &input);
            cur.since.store(0, Ordering::SeqCst);
            execs += 1;
            match result {
                Ok(()) => {}
                Err((at, _)) if r.known.contains(&at) => known += 1,
                Err((at, msg)) => {
                    let smaller = finds.get(&at).is_none_or(|old| input.len() < old.len());
                    if smaller {
                        if !finds.contains_key(&at) {
                            println!(
                                "  NEW FIND in {} at {at}: {msg}\n    input: {}",
                                t.name,
                                show(&input)
                            );
                        }
                        finds.insert(at, input.clone());
                    }
                }
            }
            if recent.len() < 256 {
                recent.push(input);
            } else {
                let i = rng.below(recent.len());
                recent[i] = input;
            }
        }
    }
    let el = start.elapsed().as_secs_f64();
    for (at, data) in &finds {
        let p = save_find(t.name, "crash", data);
        println!("  saved the find at {at} to {}", p.display());
    }
    println!(
        "fuzz {}: {execs} executions in {el:.1} s ({:.0}/s), {} known-failing hits, {} new finds",
        t.name,
        execs as f64 / el.max(1e-9),
        known,
        finds.len()
    );
    finds.len()
}

/// Shrinks a crashing input while it panics at the same place.
fn minimise(t: Target, data: Vec<u8>) -> Result<Vec<u8>, String> {
    let Err((at, msg)) = exec(t, &data) else {
        return Err("the input does not crash the target".into());
    };
    println!("crashes at {at}: {msg}");
    let same = |d: &[u8]| matches!(exec(t, d), Err((a, _)) if a == at);
    let mut best = data;
    // JSON first: drop members and items, and shrink strings and numbers.
    loop {
        let mut improved = false;
        if let Some((off, v)) = json_at(&best) {
            let mut ptrs = Vec::new();
            pointers(&v, String::new(), &mut ptrs);
            for p in ptrs.iter().filter(|p| !p.is_empty()) {
                let mut w = v.clone();
                let (parent, last) = p.rsplit_once('/').unwrap_or(("", p));
                let removed = match w.pointer_mut(parent) {
                    Some(Value::Object(m)) => m
                        .remove(&last.replace("~1", "/").replace("~0", "~"))
                        .is_some(),
                    Some(Value::Array(a)) => match last.parse::<usize>() {
                        Ok(i) if i < a.len() => {
                            a.remove(i);
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                };
                let mut cand = best[..off].to_vec();
                cand.extend(w.to_string().into_bytes());
                if removed && cand.len() < best.len() && same(&cand) {
                    best = cand;
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            // Bytes: remove chunks, halving their size.
            let mut chunk = best.len() / 2;
            while chunk > 0 && !improved {
                let mut i = 0;
                while i + chunk <= best.len() {
                    let mut cand = best[..i].to_vec();
                    cand.extend_from_slice(&best[i + chunk..]);
                    if same(&cand) {
                        best = cand;
                        improved = true;
                        break;
                    }
                    i += chunk;
                }
                chunk /= 2;
            }
        }
        if !improved {
            return Ok(best);
        }
    }
}

fn selected(names: &[String]) -> Result<Vec<Target>, String> {
    if names.is_empty() {
        return Ok(TARGETS.to_vec());
    }
    names
        .iter()
        .map(|n| {
            ghl_bridge_fuzz::target(n).ok_or_else(|| {
                let all: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
                format!("no target {n:?}; targets: {}", all.join(", "))
            })
        })
        .collect()
}

fn main() -> ExitCode {
    panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let msg: String = msg.chars().take(400).collect();
        if let Ok(mut p) = LAST_PANIC.lock() {
            *p = Some((at, msg));
        }
    }));
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ghl-bridge-fuzz: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode, String> {
    let (cmd, rest) = args
        .split_first()
        .ok_or("usage: ghl-bridge-fuzz replay|run|seed|min|triage ...")?;
    let mut secs = 3.0;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut names = Vec::new();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                secs = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seconds N")?
            }
            "--seed" => seed = it.next().and_then(|s| s.parse().ok()).ok_or("--seed N")?,
            _ => names.push(a.clone()),
        }
    }
    match cmd.as_str() {
        "seed" => {
            let root = fuzz_dir().join("..");
            let seeds = ghl_bridge_fuzz::seeds::all(&root);
            for (target, name, bytes) in &seeds {
                let dir = fuzz_dir().join("corpus").join(target);
                std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                std::fs::write(dir.join(format!("seed-{name}")), bytes)
                    .map_err(|e| e.to_string())?;
            }
            println!("wrote {} seeds", seeds.len());
            Ok(ExitCode::SUCCESS)
        }
        "min" => {
            let [name, file] = &names[..] else {
                return Err("usage: ghl-bridge-fuzz min TARGET FILE".into());
            };
            let t = selected(std::slice::from_ref(name))?.remove(0);
            let data = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
            let small = minimise(t, data)?;
            let out = format!("{file}.min");
            std::fs::write(&out, &small).map_err(|e| e.to_string())?;
            println!("{} bytes: {} (written to {out})", small.len(), show(&small));
            Ok(ExitCode::SUCCESS)
        }
        "replay" | "run" => {
            let targets = selected(&names)?;
            let listed = known_failing();
            let cur = Arc::new(Current {
                since: AtomicU64::new(0),
                input: Mutex::new((String::new(), Vec::new())),
            });
            let t0 = Instant::now();
            watchdog(cur.clone(), t0);
            let mut errors = Vec::new();
            let mut finds = 0;
            let mut rng = Rng(seed | 1);
            if cmd == "run" {
                println!("stable fuzzing, {secs} s per target, seed {seed}");
            }
            for t in targets {
                let r = replay(t, &listed);
                if cmd == "run" {
                    finds += fuzz(t, &r, secs, &mut rng, &cur, t0);
                }
                errors.extend(r.errors);
            }
            for e in &errors {
                println!("ERROR {e}");
            }
            if finds > 0 {
                println!("{finds} new finds: see fuzz/artifacts/ (shrink one with `ghl-bridge-fuzz min TARGET FILE`)");
            }
            Ok(if errors.is_empty() && finds == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        "triage" => {
            let listed = known_failing();
            let mut new = 0;
            for t in selected(&names)? {
                let r = replay(t, &listed);
                for p in files(&fuzz_dir().join("artifacts").join(t.name)) {
                    let data = std::fs::read(&p).unwrap_or_default();
                    match exec(t, &data) {
                        Ok(()) => println!(
                            "  {}: does not crash (a timeout or out of memory?)",
                            p.display()
                        ),
                        Err((at, _)) if r.known.contains(&at) => {
                            println!("  {}: known-failing ({at})", p.display())
                        }
                        Err((at, msg)) => {
                            new += 1;
                            println!("  NEW {}: {at}: {msg}", p.display());
                        }
                    }
                }
            }
            println!("{new} new finds");
            Ok(if new == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        other => Err(format!("unknown command {other:?}")),
    }
}

/// Ends the run when one input takes longer than `FUZZ_TIMEOUT_SECONDS` (default 20),
/// saving it as a `timeout-*` find.
fn watchdog(cur: Arc<Current>, t0: Instant) {
    let limit = std::env::var("FUZZ_TIMEOUT_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(20)
        * 1000;
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(500));
        let since = cur.since.load(Ordering::SeqCst);
        if since != 0 && (t0.elapsed().as_millis() as u64 + 1).saturating_sub(since) > limit {
            let (target, data) = cur.input.lock().map(|c| c.clone()).unwrap_or_default();
            let p = save_find(&target, "timeout", &data);
            println!(
                "TIMEOUT in {target}: one input ran over {} s; saved to {}",
                limit / 1000,
                p.display()
            );
            std::process::exit(1);
        }
    });
}
