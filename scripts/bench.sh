#!/usr/bin/env bash
# Benchmarks of ghl-bridge: `make bench` calls this. Each benchmark prints a header and
# its figures. Exit status per benchmark (scripts/bench-lib.sh): 0 goals met; 2 a goal
# missed (printed as a MISSED line, the run goes on and still succeeds); anything else
# (did not run, events lost or duplicated) fails the run. BENCH_STRICT=1 fails it on a
# missed goal too. Add new benchmarks as one more `bench` line below.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

bash scripts/build.sh

bench "mapping: 100,000 Wishpond-like leads through a 20-rule document (native, Wasm, JSONata, hand-written JS)" \
  env MAPPING_BENCH_NO_BUILD=1 bash scripts/bench-mapping.sh
bench "outbox fault test: 10,000 events, 20% 5xx, 5% drops, latency, 429 bursts, expiring token" \
  node benches/outbox/fault.mjs
bench "outbox queues: 1,000 / 10,000 / 50,000 plans accepted and drained, answered at once or after an outage (native)" \
  cargo bench --quiet --bench outbox-queues
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

bench_summary
