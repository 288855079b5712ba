#!/usr/bin/env bash
# Runs every test of ghl-bridge: `make test` calls this, and CI calls `make test`.
#
# 1. native Rust tests of both crates (the sans-IO core, the rules crate, property tests,
#    the catalog against the spec),
#    then the fuzz targets: the saved corpus and every saved crash replayed, a few
#    seconds of fuzzing each (stable; scripts/fuzz.sh --quick)
# 2. the package build (release, size budget, no `env` imports)
# 3. wasm-bindgen tests in Node, then in headless Chromium
# 4. the JS suite against the built pkg/ and the GHL emulator (node --test)
# 5. type-level tests of the .d.ts (tsc)
# 6. browser tests of the package (playwright-core driving Debian's chromium), then the
#    console widget's and the mapping editor's (tests/widget/: as a person uses them,
#    axe-core, screenshots)
# 7. the browser extension (development build) in headless Chromium against the emulators
#
# Without Chromium on a developer's machine, steps 3b, 6 and 7 are skipped with a plain
# message; with CI=true a missing browser fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s ==\n' "$*"; }

if [ "${CI:-}" = "true" ]; then bash scripts/setup.sh --browser --postgres; else bash scripts/setup.sh; fi

browser=yes
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true but chromium/chromedriver are missing: browser tests cannot be skipped in CI" >&2
    exit 1
  fi
  browser=no
fi

step "native tests (cargo test)"
cargo test --workspace --features schema --quiet

step "fuzz targets: corpus and saved crashes replayed, then ${FUZZ_TEST_SECONDS:-3} s of fuzzing each (stable)"
bash scripts/fuzz.sh --quick

step "build the package"
bash scripts/build.sh

step "wasm-bindgen tests in Node"
bash scripts/wasm-test.sh node

if [ "$browser" = yes ]; then
  step "wasm-bindgen tests in headless Chromium"
  bash scripts/wasm-test.sh browser
else
  step "SKIPPED: wasm-bindgen tests in Chromium (chromium and chromedriver not installed; run 'make setup')"
fi

step "package tests in Node (node --test)"
node --test --test-reporter=spec tests/node/

step "type-level tests (tsc)"
npx --no-install tsc -p tests/types/tsconfig.json
# every declaration file of pkg/ (the glue's included) with skipLibCheck off
npx --no-install tsc -p tests/types/pkg/tsconfig.json

if [ "$browser" = yes ]; then
  step "package tests in headless Chromium"
  node --test --test-reporter=spec tests/browser/
  step "console widget <ghl-bridge-console> in headless Chromium (as a person, against the emulator; screenshots in target/widget-screenshots/)"
  node --test --test-reporter=spec --test-concurrency=1 tests/widget/
else
  step "SKIPPED: browser package tests and the console widget tests (chromium not installed; run 'make setup')"
fi

if [ "$browser" = yes ]; then
  step "the browser extension in headless Chromium (tests/extension)"
  npx --no-install tsc -p js/extension/tsconfig.json
  node --test --test-reporter=spec --test-concurrency=1 tests/extension/
else
  step "SKIPPED: browser extension tests (chromium not installed; run 'make setup')"
fi
echo
echo "all tests passed"
