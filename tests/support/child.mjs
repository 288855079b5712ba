// Child processes and scratch folders for the store tests that kill a process or give it
// a failing file system: `child` runs an ES module's text in its own Node process and
// collects its stdout lines as they come (a test can SIGKILL it on a line it waits for);
// `scratch` is a temporary folder removed when the test ends.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary folder named after `prefix`, removed after the test `t`. */
export async function scratch(t, prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs `code` (an ES module) in a child process with `nodeArgs` before it; its stdout
 * lines as they come, and its exit (`{code, signal}`). `killOn(lines)` is asked after
 * each line: when it holds, the child is sent SIGKILL.
 */
export function child(code, { killOn, nodeArgs = [] } = {}) {
  const p = spawn(process.execPath, [...nodeArgs, "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = [];
  let buf = "";
  p.stdout.on("data", (d) => {
    buf += d;
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (killOn?.(lines)) p.kill("SIGKILL");
    }
  });
  const exited = new Promise((resolve) =>
    p.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { exited, lines };
}
