// `ghl-bridge serve` started as a user starts it: the package's CLI in its own process on
// a config file, with `env` added to the environment. Resolves once it logged "ready",
// or rejects with its stderr when it exited first; `own` (from cleanups) kills it after
// the test.
import { spawn } from "node:child_process";
import { killChild } from "./cleanup.mjs";

const cli = new URL("../../pkg/runner/cli.js", import.meta.url).pathname;

/** Starts the CLI; resolves to { url, out(), err(), lines(), stop() } once it is ready. */
export async function serveCli(own, file, env, args = []) {
  const child = spawn(process.execPath, [cli, "serve", "--config", file, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (c) => {
    err += c;
  });
  const exited = new Promise((r) => child.once("exit", (code) => r(code)));
  own(() => killChild(child, exited));
  const url = await new Promise((resolve, reject) => {
    child.stdout.on("data", (c) => {
      out += c;
      const m = /"msg":"ready","url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
    exited.then((code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return {
    url,
    out: () => out,
    err: () => err,
    lines: () => `${out}\n${err}`,
    /** SIGTERM; resolves to the exit code. */
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
