// `make bench` (scripts/bench.sh, its rules in scripts/bench-lib.sh) treats a benchmark's
// exit status by convention: 2 is a missed goal (a MISSED line, the run still succeeds),
// 1 or any other non-zero is a benchmark that did not run or broke an invariant (the run
// fails), 0 is met. Checked with stand-in benchmarks, not the real ones.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const lib = fileURLToPath(new URL("../../scripts/bench-lib.sh", import.meta.url));
const run = (codes, env = {}) => {
  const lines = codes.map((c, i) => `bench "bench ${i}" bash -c 'echo figures ${i}; exit ${c}'`);
  return spawnSync(
    "bash",
    ["-c", `set -euo pipefail; . "${lib}"; ${lines.join("; ")}; bench_summary`],
    {
      encoding: "utf8",
      env: { ...process.env, ...env },
    },
  );
};

test("a missed goal (exit 2) prints MISSED and the figures, and the run succeeds", {
  timeout: 30_000,
}, () => {
  const r = run([0, 2, 0]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /figures 1/);
  assert.match(r.stdout, /^MISSED: bench 1/m);
  assert.match(r.stdout, /^ok {6}bench 2$/m, "the benchmarks after it still run");
  assert.match(r.stdout, /some goals were MISSED/);
});

test("a broken invariant (exit 1) or a benchmark that cannot run fails the run, after the others ran", {
  timeout: 30_000,
}, () => {
  for (const code of [1, 127]) {
    const r = run([2, code, 0]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`^FAILED: bench 1 \\(exit ${code}`, "m"));
    assert.match(r.stdout, /figures 2/, "the rest ran");
  }
});

test("a usage error (exit 64) fails the run as a usage error, never as a missed goal", {
  timeout: 30_000,
}, () => {
  const r = run([64, 0]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /^FAILED: bench 0 \(exit 64: a usage error/m);
  assert.doesNotMatch(r.stdout, /MISSED/);
});

test("benches/mapping.mjs called without its folder exits 64 (usage), not 2 (missed goal)", {
  timeout: 30_000,
}, () => {
  const script = fileURLToPath(new URL("../../benches/mapping.mjs", import.meta.url));
  const env = { ...process.env };
  delete env.GHL_BENCH_DATA_DIR;
  const r = spawnSync(process.execPath, [script], { encoding: "utf8", env });
  assert.equal(r.status, 64, r.stdout + r.stderr);
  assert.match(r.stderr + r.stdout, /usage: node benches\/mapping\.mjs/);
});

test("all met: exit 0; BENCH_STRICT=1 makes a missed goal fail", { timeout: 30_000 }, () => {
  assert.equal(run([0, 0]).status, 0);
  assert.match(run([0, 0]).stdout, /all benchmarks done/);
  assert.equal(run([2], { BENCH_STRICT: "1" }).status, 1);
});
