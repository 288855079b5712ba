#!/usr/bin/env bash
# The one build of the npm package in pkg/: used by `make`, the tests, the demo and CI.
#
#   scripts/build.sh            release build (size-optimised, wasm-opt -Oz)
#   scripts/build.sh --dev      faster build for local iteration (no wasm-opt)
#
# Steps: Rust -> wasm32 (cargo) -> refuse `env` imports -> wasm-bindgen (web target,
# reset-state function for panic recovery) -> wasm-opt -Oz and JSDoc-free glue (release)
# -> JSON Schemas of the Rust types -> TypeScript declarations -> tsc of the JS shim ->
# package.json -> size report.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=release; [ "${1:-}" = "--dev" ] && mode=dev

bash scripts/setup.sh >/dev/null
say() { printf '[build] %s\n' "$*"; }

profile_flag=--release; profile_dir=release
say "cargo build ($mode)"
# Source paths end up in panic messages: map them to neutral prefixes so the
# package names no path of the machine that built it.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--remap-path-prefix=$PWD=ghl-bridge --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=cargo"
cargo build --quiet --lib --target wasm32-unknown-unknown $profile_flag
raw=target/wasm32-unknown-unknown/$profile_dir/ghl_bridge.wasm

# Native code leaking into the module shows up as imports from `env`.
node scripts/check-imports.mjs "$raw"

gen=js/src/wasm
rm -rf "$gen" pkg.tmp && mkdir -p "$gen"
wasm-bindgen --target web --out-dir "$gen" --out-name ghl_bridge_wasm \
  --experimental-reset-state-function "$raw"
if [ "$mode" = release ]; then
  # --converge repeats -Oz while it still shrinks the module; the custom sections
  # (names, producers, target features) are of no use at run time.
  say "wasm-opt -Oz"
  npx --no-install wasm-opt -Oz --converge --strip-debug --strip-producers --strip-target-features \
    "$gen/ghl_bridge_wasm_bg.wasm" -o "$gen/ghl_bridge_wasm_bg.wasm"
  # The glue's JSDoc blocks repeat what ghl_bridge_wasm.d.ts declares (TypeScript
  # reads the .d.ts, see its @ts-self-types line): drop them from the shipped .js.
  node scripts/strip-jsdoc.mjs "$gen/ghl_bridge_wasm.js"
fi

say "types from the Rust types"
cargo run --quiet --features schema --bin gen-schema -- "$gen"
npx --no-install json2ts -i "$gen/types.schema.json" -o "$gen/types.ts" \
  --unreachableDefinitions --additionalProperties false --no-format >/dev/null 2>&1 \
  || npx --no-install json2ts -i "$gen/types.schema.json" -o "$gen/types.ts" --unreachableDefinitions --additionalProperties false

say "tsc (JS shim)"
mkdir -p pkg.tmp
npx --no-install tsc -p js/tsconfig.json --outDir pkg.tmp
mkdir -p pkg.tmp/wasm
cp "$gen"/ghl_bridge_wasm.js "$gen"/ghl_bridge_wasm.d.ts "$gen"/ghl_bridge_wasm_bg.wasm pkg.tmp/wasm/
[ -f "$gen/rules.schema.json" ] && cp "$gen/rules.schema.json" pkg.tmp/
node scripts/write-package-json.mjs pkg.tmp
cp js/PACKAGE_README.md pkg.tmp/README.md
rm -rf pkg && mv pkg.tmp pkg
node scripts/size.mjs pkg
