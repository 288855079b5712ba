#!/usr/bin/env bash
# The one build of the npm package in pkg/: used by `make`, the tests, the demo and CI.
#
#   scripts/build.sh            release build (size-optimised, wasm-opt -Oz)
#   scripts/build.sh --dev      faster build for local iteration (no wasm-opt)
#   scripts/build.sh --shim     JS only: reuses the Wasm modules, glue and types of an
#                               earlier build (js/src/wasm, target/js-client) and
#                               recompiles the shim and the package around them
#   scripts/build.sh --lean     rebuilds only the lean module (release settings, wasm-opt)
#                               and the package around it, reusing the full module and the
#                               types of an earlier build: for iterating on the client's
#                               size (types stale if a Rust type changed)
#
# Steps: Rust -> wasm32 (cargo) -> refuse `env` imports -> wasm-bindgen (web target,
# reset-state function for panic recovery) -> wasm-opt -Oz and JSDoc-free glue (release)
# -> JSON Schemas of the Rust types -> TypeScript declarations (types.ts from the
# schemas; names.ts: error codes and operation names) -> tsc of the JS shim ->
# package.json -> size report. The glue's .d.ts imports its types from types.ts (see
# TYPES_IMPORT in src/wasm/mod.rs), so the package type-checks with skipLibCheck off.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=release; [ "${1:-}" = "--dev" ] && mode=dev
[ "${1:-}" = "--shim" ] && mode=shim
[ "${1:-}" = "--lean" ] && mode=lean

bash scripts/setup.sh >/dev/null
say() { printf '[build] %s\n' "$*"; }

# Source paths end up in panic messages: map them to neutral prefixes so the
# package names no path of the machine that built it.
# (Short prefixes: the strings ship in the module.)
remap="--remap-path-prefix=$PWD=."
for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do remap="$remap --remap-path-prefix=${d%/}=crates"; done
rustc_hash=$(rustc -vV | sed -n 's/^commit-hash: //p')
[ -n "$rustc_hash" ] && remap="$remap --remap-path-prefix=/rustc/$rustc_hash=rust"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$remap --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=cargo"

# wasm_module NAME PROFILE OUT-DIR [cargo flags...]: one Wasm module and its glue.
wasm_module() {
  local name=$1 profile=$2 out=$3; shift 3
  say "cargo build: $name (profile $profile)"
  cargo build --quiet --lib --target wasm32-unknown-unknown --profile "$profile" "$@"
  local dir=target; [ "${1:-}" = "--target-dir" ] && dir=$2
  local raw=$dir/wasm32-unknown-unknown/$profile/ghl_bridge.wasm
  # Native code leaking into the module shows up as imports from `env`.
  node scripts/check-imports.mjs "$raw"
  rm -rf "$out" && mkdir -p "$out"
  wasm-bindgen --target web --out-dir "$out" --out-name ghl_bridge_wasm \
    --experimental-reset-state-function "$raw"
  # The entries always pass the module (each its own file name, beside the entry):
  # the glue's default URL would make bundlers look for a file that is not shipped.
  local default_url="new URL('ghl_bridge_wasm_bg.wasm', import.meta.url)"
  grep -qF "$default_url" "$out/ghl_bridge_wasm.js" || { echo "glue: default module URL not found" >&2; exit 1; }
  sed -i "s|$default_url|undefined|" "$out/ghl_bridge_wasm.js"
  if [ "$mode" = release ] || [ "$mode" = lean ]; then
    # --converge repeats -Oz while it still shrinks the module; the custom sections
    # (names, producers, target features) are of no use at run time.
    # --low-memory-unused: rustc's wasm32 layout puts the stack first (the stack pointer
    # starts at 1 MiB and grows down; the data segments begin above it), so the low
    # 1 KiB is touched only by a stack already overflowing; wasm-opt may then fold
    # constant offsets into loads and stores: -2.7 KB gzip (full), -0.4 KB (lean).
    say "wasm-opt -Oz: $name"
    npx --no-install wasm-opt -Oz --converge --low-memory-unused --strip-debug --strip-producers --strip-target-features \
      "$out/ghl_bridge_wasm_bg.wasm" -o "$out/ghl_bridge_wasm_bg.wasm"
    # The glue's JSDoc blocks repeat what ghl_bridge_wasm.d.ts declares (TypeScript
    # reads the .d.ts, see its @ts-self-types line): drop them from the shipped .js.
    node scripts/strip-jsdoc.mjs "$out/ghl_bridge_wasm.js"
  fi
}

gen=js/src/wasm
# The full module (every domain) and the lean one (client and plans only, for the
# `ghl-bridge/client` entry); the lean one keeps its own target dir so the two
# feature sets do not rebuild each other.
lean=target/js-client
if [ "$mode" = shim ] || [ "$mode" = lean ]; then
  for f in "$gen/ghl_bridge_wasm_bg.wasm" "$gen/types.ts" "$lean/wasm/ghl_bridge_wasm_bg.wasm"; do
    [ -f "$f" ] || { echo "build --$mode: $f is missing; run scripts/build.sh first" >&2; exit 1; }
  done
  say "--$mode: reusing the full module, glue and types of the last build"
  if [ "$mode" = lean ]; then
    wasm_module client release "$lean/wasm" --target-dir target/client --no-default-features
  fi
else
wasm_module full wasm-full "$gen"
wasm_module client release "$lean/wasm" --target-dir target/client --no-default-features

say "types from the Rust types"
cargo run --quiet --features schema --bin gen-schema -- "$gen"
npx --no-install json2ts -i "$gen/types.schema.json" -o "$gen/types.ts" \
  --unreachableDefinitions --additionalProperties false --no-format >/dev/null 2>&1 \
  || npx --no-install json2ts -i "$gen/types.schema.json" -o "$gen/types.ts" --unreachableDefinitions --additionalProperties false
# Types that name the generated unions (`ErrorReport.code` is an `ErrorCode`) import them.
{ printf 'import type { ErrorCode } from "./names.js";\n'; cat "$gen/types.ts"; } > "$gen/types.ts.tmp"
mv "$gen/types.ts.tmp" "$gen/types.ts"
fi
rm -rf pkg.tmp

say "tsc (JS shim)"
mkdir -p pkg.tmp
npx --no-install tsc -p js/tsconfig.json --outDir pkg.tmp
# The two modules have different names (one site can serve both entries), each beside
# its entries: bundled code that keeps `new URL("./NAME.wasm", import.meta.url)` finds
# the file next to the bundle.
mkdir -p pkg.tmp/wasm
cp "$gen"/ghl_bridge_wasm.js "$gen"/ghl_bridge_wasm.d.ts pkg.tmp/wasm/
cp "$gen"/ghl_bridge_wasm_bg.wasm pkg.tmp/entries/ghl-bridge.wasm

# The lean entry: the same shim sources that it needs, type-checked and compiled
# against the lean module's glue, into pkg/client/.
say "tsc (lean client entry)"
cp "$gen/types.ts" "$gen/names.ts" "$lean/wasm/"
mkdir -p "$lean/entries"
cp js/src/errors.ts js/src/error-type.ts js/src/check.ts js/src/client.ts js/src/core.ts js/src/transport.ts "$lean/"
cp js/src/entries/client-node.ts js/src/entries/client-web.ts js/src/entries/node-wasm.ts js/src/entries/load-failed.ts "$lean/entries/"
cat > "$lean/tsconfig.json" <<JSON
{ "extends": "../../js/tsconfig.json", "compilerOptions": { "rootDir": ".", "outDir": "../../pkg.tmp/client" }, "include": ["*.ts", "entries/*.ts", "wasm/*.ts"] }
JSON
npx --no-install tsc -p "$lean/tsconfig.json"
mkdir -p pkg.tmp/client/wasm
cp "$lean"/wasm/ghl_bridge_wasm.js "$lean"/wasm/ghl_bridge_wasm.d.ts pkg.tmp/client/wasm/
cp "$lean"/wasm/ghl_bridge_wasm_bg.wasm pkg.tmp/client/entries/ghl-bridge-client.wasm
# Each lean entry ships as one minified file (its whole static import graph: shim,
# glue, error codes): 12.4 KB gzip as separate files, about 7.4 KB bundled. The .d.ts
# files tsc wrote stay as they are; the separate .js files are no longer reached.
say "esbuild (lean client entries, minified)"
for e in client-web client-node; do
  npx --no-install esbuild "pkg.tmp/client/entries/$e.js" --bundle --minify --format=esm \
    --platform=neutral --external:'node:*' --log-level=warning --outfile="pkg.tmp/client/entries/$e.bundle.js"
  mv "pkg.tmp/client/entries/$e.bundle.js" "pkg.tmp/client/entries/$e.js"
done
find pkg.tmp/client -name '*.js' ! -name 'client-web.js' ! -name 'client-node.js' -delete
[ -f "$gen/rules.schema.json" ] && cp "$gen/rules.schema.json" pkg.tmp/
# The runner's config schema ships beside the runner (it is read at start and published).
cp js/src/runner/config.schema.json pkg.tmp/runner/
# Docs live in the .d.ts files; the shipped .js need not carry them twice.
{ [ "$mode" = release ] || [ "$mode" = lean ]; } && find pkg.tmp -name '*.js' ! -path '*/wasm/*' -exec node scripts/strip-jsdoc.mjs {} +
# The browser entries ship bundled (`ghl-bridge`, `ghl-bridge/slim`: each one file with
# its static import graph of shim, glue and error codes; what both use in shared-*.js
# chunks beside them), minified in release builds: 36.8 KB gzip in 22 files as tsc
# writes them, 21.2 KB in 3. The Node entries, the runner and the file storage keep
# tsc's files. entries/internal-web.js (the web entry with the test hooks, for the
# browser tests) is bundled on its own and not shipped (write-package-json.mjs).
say "esbuild (browser entries)"
minify=--minify; [ "$mode" = dev ] && minify=
bundle() { npx --no-install esbuild "$@" --bundle $minify --format=esm --platform=neutral \
  --external:'node:*' --log-level=warning; }
bundle pkg.tmp/entries/web.js pkg.tmp/entries/slim.js --splitting --chunk-names='shared-[hash]' \
  --outdir=pkg.tmp/entries.bundled
bundle pkg.tmp/entries/internal-web.js --outfile=pkg.tmp/entries.bundled/internal-web.js
mv pkg.tmp/entries.bundled/*.js pkg.tmp/entries/ && rmdir pkg.tmp/entries.bundled
# The page capture script ships as written (no Wasm, no token, no build step).
mkdir -p pkg.tmp/capture && cp js/capture/capture.js pkg.tmp/capture/
# The console widget <ghl-bridge-console> (Lit, bundled; loads the core lazily): pkg/console/.
node scripts/build-widget.mjs pkg.tmp
node scripts/write-package-json.mjs pkg.tmp
cp js/PACKAGE_README.md pkg.tmp/README.md
rm -rf pkg && mv pkg.tmp pkg
# Only the release build (wasm-opt, JSDoc stripped) is held to the size guards.
if [ "$mode" = release ]; then
  node scripts/size.mjs pkg
else
  node scripts/size.mjs pkg || say "size: not held to the guards ($mode build: no wasm-opt)"
fi
