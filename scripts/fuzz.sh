#!/usr/bin/env bash
# Fuzzing of the core (fuzz/README.md): `make fuzz` and `make test` call this.
#
#   scripts/fuzz.sh [TARGET...]          each target for FUZZ_SECONDS (default 60): with
#                                        libFuzzer (cargo-fuzz) when `cargo +nightly fuzz`
#                                        works here, else with the stable driver; then
#                                        every find is sorted into known-failing or new
#   scripts/fuzz.sh --quick [TARGET...]  for `make test`, on stable (CI needs no nightly):
#                                        checks that the seeds reach their entry points,
#                                        replays the saved corpus and every saved crash,
#                                        then mutates for FUZZ_TEST_SECONDS (default 3)
#                                        each, from a fixed seed
#
# FUZZ_ENGINE=stable|libfuzzer picks the engine; FUZZ_SEED repeats a stable run (the
# seed is printed). A new find is written to fuzz/artifacts/<target>/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=no
if [ "${1:-}" = "--quick" ]; then quick=yes; shift; fi
targets=("$@")
seed=()
if [ -n "${FUZZ_SEED:-}" ]; then seed=(--seed "$FUZZ_SEED"); elif [ "$quick" = no ]; then seed=(--seed "$(date +%s)"); fi

# driver PROFILE ARGS...: the stable driver (fuzz/driver/), built with PROFILE.
driver() {
  local profile=$1 dir=$1; shift
  [ "$profile" = dev ] && dir=debug
  cargo build --quiet --manifest-path fuzz/driver/Cargo.toml --target-dir target/fuzz \
    --profile "$profile"
  "target/fuzz/$dir/ghl-bridge-fuzz" "$@"
}

if [ "$quick" = yes ]; then
  # The unoptimised build: quicker to build than an optimised one is to fuzz with.
  cargo test --quiet --manifest-path fuzz/Cargo.toml --target-dir target/fuzz --no-default-features --lib
  driver dev run --seconds "${FUZZ_TEST_SECONDS:-3}" "${seed[@]}" "${targets[@]}"
  exit
fi

secs=${FUZZ_SECONDS:-60}
engine=${FUZZ_ENGINE:-}
if [ -z "$engine" ]; then
  engine=stable
  cargo +nightly fuzz --version >/dev/null 2>&1 && engine=libfuzzer
fi
if [ "$engine" = stable ]; then
  echo "fuzzing with the stable driver (no coverage; for libFuzzer install a nightly toolchain and cargo-fuzz, see fuzz/README.md)"
  driver fuzz run --seconds "$secs" "${seed[@]}" "${targets[@]}"
  exit
fi

# libFuzzer: new corpus entries go to target/fuzz-corpus/<target>/ (the checked-in
# corpus is read, not written); -fork=1 -ignore_crashes=1 keeps fuzzing past a crash
# (a known-failing one would stop it at once); the triage below sorts the crashes.
# Each target's output is in target/fuzz-logs/<target>.log.
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir fuzz)
cargo +nightly fuzz build --fuzz-dir fuzz --sanitizer none --debug-assertions
mkdir -p target/fuzz-logs
for t in "${targets[@]}"; do
  printf '\n== libFuzzer: %s, %s s ==\n' "$t" "$secs"
  mkdir -p "target/fuzz-corpus/$t" "fuzz/artifacts/$t"
  log=target/fuzz-logs/$t.log
  cargo +nightly fuzz run --fuzz-dir fuzz --sanitizer none --debug-assertions "$t" \
    "target/fuzz-corpus/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -dict=fuzz/json.dict -timeout=20 -rss_limit_mb=2048 \
    -fork=1 -ignore_crashes=1 >"$log" 2>&1 || true
  # The last status line: executions, coverage, corpus, crashes.
  grep -E '^#[0-9]+: ' "$log" | tail -n 1 || echo "no status line: see $log"
done
printf '\n== triage of fuzz/artifacts/ ==\n'
driver fuzz triage "${targets[@]}"
