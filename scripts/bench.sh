#!/usr/bin/env bash
# Benchmarks of ghl-bridge: `make bench` calls this. Each benchmark prints a header and
# its figures; a benchmark that misses its target exits non-zero and fails the run.
# Add new benchmarks as one more `bench` line below.
set -euo pipefail
cd "$(dirname "$0")/.."
bench() { printf '\n== %s ==\n' "$1"; shift; "$@"; }

bash scripts/build.sh

bench "mapping: 100,000 Wishpond-like leads through a 20-rule document (native, Wasm, JSONata, hand-written JS)" \
  env MAPPING_BENCH_NO_BUILD=1 bash scripts/bench-mapping.sh
bench "outbox fault test: 10,000 events, 20% 5xx, 5% drops, latency, 429 bursts, expiring token" \
  node benches/outbox/fault.mjs
bench "outbox throughput: rate budget at 100 requests per 1,000 ms (targets: used >= 95%, 429s <= 1%)" \
  node benches/outbox/throughput.mjs
bench "outbox throughput beside a CPU-burning process (late timers; targets: used >= 95%, 429s <= 1%)" \
  node benches/outbox/throughput.mjs --loaded
bench "runner intake over HTTP: durable acknowledgements per second, embedded and PostgreSQL (goal: >= 1,000 events/s, p99 <= 50 ms)" \
  node benches/runner/http-intake.mjs
bench "mapping editor preview: 1,000 samples re-mapped per edit in Chromium (against one 16 ms frame, and against validating per sample)" \
  node benches/mapping-editor/preview.mjs
bench "runner intake: durable accept() per second, embedded (PGlite) and PostgreSQL (goal: >= 1,000 events/s, p99 <= 50 ms)" \
  node benches/runner/intake.mjs
bench "runner scale: 4 worker processes, 50 locations on PostgreSQL (the emulator's log referees the windows)" \
  node benches/runner/fleet.mjs scale
bench "runner kill: workers SIGKILLed at random and restarted, PostgreSQL restarted once" \
  node benches/runner/fleet.mjs kill

echo
echo "all benchmarks done"
