#!/usr/bin/env bash
# The mapping benchmark, both halves, one report (`make bench` calls this).
#
# 1. native: `cargo bench --bench mapping` (generates the 100,000 leads, writes
#    leads.json, expected.json and its figures into the data folder)
# 2. the package: scripts/build.sh (release), unless MAPPING_BENCH_NO_BUILD=1
# 3. JavaScript: `node benches/mapping.mjs <data folder>` (Wasm per record and batched,
#    JSONata, hand-written JS, JSON round trip; checks identical output; ratios)
#
# The data folder is GHL_BENCH_DATA_DIR, or target/bench-mapping.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${GHL_BENCH_DATA_DIR:-target/bench-mapping}"
mkdir -p "$dir"
echo "== mapping benchmark: native (cargo bench) =="
GHL_BENCH_DATA_DIR="$dir" cargo bench --quiet --bench mapping | tee "$dir/native.txt"
if [ "${MAPPING_BENCH_NO_BUILD:-}" != 1 ]; then
  echo "== building the package =="
  bash scripts/build.sh >/dev/null
fi
echo "== mapping benchmark: Wasm and JavaScript (node) =="
node --expose-gc benches/mapping.mjs "$dir"
