// Checks a compiled module before it is packaged:
// - it imports nothing from `env`: that means native code (a C dependency, a libc call)
//   leaked into the Wasm build and would break at load time;
// - its data segments start at 1 KiB or above: the release build runs wasm-opt with
//   --low-memory-unused (scripts/build.sh), which assumes the low 1 KiB is never used.
import { readFileSync } from "node:fs";

const file = process.argv[2];
const bytes = readFileSync(file);
const mod = new WebAssembly.Module(bytes);
const fail = (...lines) => {
  for (const l of lines) console.error(`[build] ${l}`);
  process.exit(1);
};
const bad = WebAssembly.Module.imports(mod).filter((i) => i.module === "env");
if (bad.length > 0) {
  fail(
    `${file} imports from "env": ${bad.map((i) => i.name).join(", ")}`,
    "native code leaked into the Wasm build; refusing to package it",
  );
}

// The binary is valid (it compiled above): read the data section's active segments.
let at = 8;
const uleb = () => {
  let v = 0;
  let shift = 0;
  let b;
  do {
    b = bytes[at++];
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return v;
};
const sleb32 = () => {
  let v = 0;
  let shift = 0;
  let b;
  do {
    b = bytes[at++];
    v |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return shift < 32 && b & 0x40 ? v | (-1 << shift) : v;
};
while (at < bytes.length) {
  const id = bytes[at++];
  const size = uleb();
  const end = at + size;
  if (id === 11) {
    for (let n = uleb(); n > 0; n--) {
      const mode = uleb();
      if (mode === 1) {
        const len = uleb(); // passive: its bytes follow
        at += len;
        continue;
      }
      if (mode === 2) uleb(); // memory index
      const op = bytes[at++];
      if (op !== 0x41) fail(`${file}: a data segment's offset is not a constant`);
      const offset = sleb32() >>> 0;
      if (bytes[at++] !== 0x0b) fail(`${file}: a data segment's offset is not a constant`);
      if (offset < 1024) {
        fail(
          `${file}: a data segment starts at ${offset}, below 1 KiB`,
          "wasm-opt --low-memory-unused (scripts/build.sh) would be wrong for this module",
        );
      }
      const len = uleb();
      at += len;
    }
  }
  at = end;
}
