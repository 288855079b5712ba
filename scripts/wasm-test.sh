#!/usr/bin/env bash
# Runs the wasm-bindgen tests (tests/wasm*.rs) in Node or in headless Chromium.
# A GHL emulator is started for the run; its URL is compiled into the test module.
# Usage: scripts/wasm-test.sh node|browser
set -euo pipefail
cd "$(dirname "$0")/.."
where=${1:-node}

port_file=$(mktemp)
node js/emulator/cli.mjs --port 0 --port-file "$port_file" --quiet &
emu=$!
trap 'kill $emu 2>/dev/null || true; rm -f "$port_file"' EXIT
for _ in $(seq 1 100); do [ -s "$port_file" ] && break; sleep 0.1; done
[ -s "$port_file" ] || { echo "the GHL emulator did not start" >&2; exit 1; }
export GHL_EMULATOR_URL="http://127.0.0.1:$(cat "$port_file")"

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
if [ "$where" = browser ]; then
  export WASM_BINDGEN_USE_BROWSER=1
  export CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver)}
fi
cargo test --target wasm32-unknown-unknown --test wasm
