// Cleanup for tests that start processes, servers, stores and clusters: `const own =
// cleanups(t)` then `own(() => thing.stop())` right after each thing starts. They run
// after the test, pass or fail, last started first, each bounded in time (a stop that
// hangs is reported and the next one still runs), so a failed assertion never leaves a
// process or a server keeping the test file alive.
export function cleanups(t, { stopMs = 15_000 } = {}) {
  const stops = [];
  t.after(async () => {
    for (const stop of stops.reverse()) {
      let timer;
      const late = new Promise((resolve) => {
        timer = setTimeout(() => resolve("late"), stopMs);
      });
      const r = await Promise.race([
        Promise.resolve()
          .then(stop)
          .then(() => "ok"),
        late,
      ]).catch((e) => `failed: ${e?.message ?? e}`);
      clearTimeout(timer);
      if (r !== "ok") console.error(`# cleanup ${r}: ${String(stop).slice(0, 80)}`);
    }
  });
  return (stop) => {
    stops.push(stop);
  };
}

/** Kills a child process (SIGTERM, then SIGKILL) and resolves once it exited. */
export async function killChild(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(t);
}
