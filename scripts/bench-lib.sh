# How `make bench` (scripts/bench.sh) treats each benchmark's exit status, sourced by it
# (and by its test). The convention every benchmark keeps:
#
#   0  ran, every goal met
#   2  ran, a goal missed (a noisy or slow machine): the figures are printed, the run goes on
#   64 it was called wrongly (a usage error, EX_USAGE of sysexits.h): nothing was
#      measured; the run fails, said as a usage error (never read as a missed goal)
#   1  (or anything else) it failed to run, or an invariant broke (events lost or
#      duplicated, a window exceeded): the run fails
#
# `bench TITLE COMMAND...` runs one; `bench_summary` prints one line per benchmark and
# returns 1 when one failed (or, with BENCH_STRICT=1, when one missed a goal).
bench_results=()
bench_failed=0
bench_missed=0

bench() {
  local title="$1" code=0
  shift
  printf '\n== %s ==\n' "$title"
  "$@" || code=$?
  case "$code" in
    0) bench_results+=("ok      $title") ;;
    2)
      bench_missed=1
      echo "MISSED: $title (a goal was missed on this machine; the figures are above)"
      bench_results+=("MISSED  $title")
      ;;
    64)
      bench_failed=1
      echo "FAILED: $title (exit 64: a usage error, the benchmark was called wrongly; nothing was measured)"
      bench_results+=("FAILED  $title (usage error)")
      ;;
    *)
      bench_failed=1
      echo "FAILED: $title (exit $code: it did not run, or an invariant broke)"
      bench_results+=("FAILED  $title (exit $code)")
      ;;
  esac
}

bench_summary() {
  printf '\n== summary ==\n'
  local line
  for line in "${bench_results[@]}"; do echo "$line"; done
  if [ "$bench_failed" = 1 ]; then
    echo "benchmarks FAILED (a benchmark did not run or an invariant broke)"
    return 1
  fi
  if [ "$bench_missed" = 1 ] && [ "${BENCH_STRICT:-}" = 1 ]; then
    echo "benchmarks MISSED a goal (BENCH_STRICT=1)"
    return 1
  fi
  if [ "$bench_missed" = 1 ]; then
    echo "all benchmarks ran; some goals were MISSED (see above)"
  else
    echo "all benchmarks done"
  fi
}
