// scripts/check-imports.mjs, the build's check of each compiled module: no imports from
// `env` (native code leaked in), no data below 1 KiB (wasm-opt --low-memory-unused).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const script = new URL("../../scripts/check-imports.mjs", import.meta.url).pathname;
const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const section = (id, body) => [id, body.length, ...body];
// One memory; optional `env` import of a memory-less function type; one data segment at `offset`.
function module({ offset, envImport = false, passive = false }) {
  const parts = [...header];
  if (envImport) {
    parts.push(...section(1, [1, 0x60, 0, 0])); // type 0: () -> ()
    parts.push(...section(2, [1, 3, ...Buffer.from("env"), 1, 0x66, 0x00, 0])); // env.f
  }
  parts.push(...section(5, [1, 0x00, 1])); // memory, min 1 page
  const off = []; // signed LEB128 of offset
  for (let v = offset; ; v >>= 7) {
    const b = v & 0x7f;
    const done = (v >> 7 === 0 && !(b & 0x40)) || (v >> 7 === -1 && b & 0x40);
    off.push(done ? b : b | 0x80);
    if (done) break;
  }
  const segs = passive
    ? [2, 1, 2, 7, 7, 0, 0x41, ...off, 0x0b, 1, 42]
    : [1, 0, 0x41, ...off, 0x0b, 1, 42];
  if (passive) parts.push(...section(12, [2])); // data count
  parts.push(...section(11, segs));
  return Uint8Array.from(parts);
}

function check(bytes) {
  const dir = mkdtempSync(join(tmpdir(), "check-module-"));
  try {
    const file = join(dir, "m.wasm");
    writeFileSync(file, bytes);
    const r = spawnSync(process.execPath, [script, file], { encoding: "utf8" });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a module with its data from 1 KiB up passes", () => {
  assert.equal(check(module({ offset: 1024 })).status, 0);
  assert.equal(check(module({ offset: 1048576 })).status, 0);
  // A passive segment first (no address) is skipped; the active one after it is read.
  assert.equal(check(module({ offset: 4096, passive: true })).status, 0);
});

test("data below 1 KiB is refused, naming where it starts", () => {
  const r = check(module({ offset: 16 }));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /a data segment starts at 16, below 1 KiB/);
  const p = check(module({ offset: 1023, passive: true }));
  assert.equal(p.status, 1);
  assert.match(p.stderr, /starts at 1023/);
});

test("an import from env is refused", () => {
  const r = check(module({ offset: 2048, envImport: true }));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /imports from "env": f/);
});
