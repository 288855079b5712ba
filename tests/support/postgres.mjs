// A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temporary
// folder, `pg_ctl start` on a free loopback port (Unix socket in the same folder), trust
// authentication, fsync as the server defaults (on). Run as root (CI), the server runs
// as the `postgres` user (Debian's package creates it), since PostgreSQL refuses root.
//
//   const pg = await startPostgres();   // null when the binaries are not installed
//   pg.url; await pg.restart(); await pg.stop();
//
// The binaries are found on PATH, else in Debian's /usr/lib/postgresql/NN/bin.
import { execFile } from "node:child_process";
import { chmod, chown, mkdtemp, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The folder holding initdb and pg_ctl, or null. */
export async function postgresBin() {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) return dir;
  }
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? await readdir(root) : [];
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    const dir = join(root, v, "bin");
    if (existsSync(join(dir, "initdb"))) return dir;
  }
  return null;
}

/** Why PostgreSQL tests are skipped here (null when they can run). CI never skips. */
export async function postgresSkipReason() {
  if (await postgresBin()) return null;
  const why =
    "PostgreSQL's initdb/pg_ctl not found (install Debian's postgresql: bash scripts/setup.sh --postgres)";
  if (process.env.CI === "true") throw new Error(`CI=true: ${why}`);
  return why;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a cluster; resolves to { url, port, dir, stop(), restart(), kill() } or null without binaries. */
export async function startPostgres(options = {}) {
  const bin = await postgresBin();
  if (!bin) return null;
  const dir = await mkdtemp(join(tmpdir(), "ghlb-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: run its programs as the `postgres` user then.
  const cmd = (prog, args) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(bin, prog), ...args], { cwd: dir })
      : run(join(bin, prog), args, { cwd: dir });
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    await chmod(dir, 0o700);
  }
  await cmd("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const port = options.port ?? (await freePort());
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    `-c max_connections=${options.maxConnections ?? 100}`,
    "-c shared_buffers=32MB",
  ].join(" ");
  const start = () =>
    cmd("pg_ctl", ["-D", data, "-o", settings, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
  await start();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let running = true;
  return {
    url,
    port,
    dir,
    /** Stops the server (fast shutdown: connections are cut) and starts it again. */
    async restart() {
      await cmd("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      await start();
    },
    /** Stops the server, keeping its data (start it again with `restart`-like `start`). */
    async halt() {
      await cmd("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    /** Stops the server and removes its folder. */
    async stop() {
      if (running)
        await cmd("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
