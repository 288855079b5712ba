#!/usr/bin/env bash
# The lint gates: `make lint` and CI (.ci/run) call this. Any finding fails.
#
# 1. rustfmt --check: the crate and the fuzz crates
# 2. clippy -D warnings, host: every target (lib, tests, benches, bins) of both crates
#    (the library and the rules crates, crates/rules and crates/rules-engine) with `schema`
# 3. clippy -D warnings, wasm32 with the full feature set (the default): the library,
#    src/wasm included, and the wasm-bindgen tests (tests/wasm.rs)
# 4. clippy -D warnings, wasm32 lean (--no-default-features: the `ghl-bridge/client`
#    module): the library
# 5. clippy -D warnings, the fuzz crates (the targets and the stable driver)
# 6. biome (biome.json): formatting and lint of js/, tests/, benches/, scripts/*.mjs;
#    `make format` writes the formatting and the safe fixes
#
# Every gate runs even when an earlier one fails; the run fails if any did.
set -euo pipefail
cd "$(dirname "$0")/.."
failed=()
# gate NAME COMMAND...: runs one gate and remembers a failure.
gate() {
  local name=$1; shift
  printf '\n== lint: %s ==\n' "$name"
  local t0=$SECONDS
  "$@" || failed+=("$name")
  printf '(%s s)\n' $((SECONDS - t0))
}

# The wasm32 target and the npm dev dependencies (biome).
bash scripts/setup.sh >/dev/null

gate "rustfmt" cargo fmt --all -- --check
gate "rustfmt: fuzz crates" cargo fmt --manifest-path fuzz/Cargo.toml --all -- --check

gate "clippy: host, all targets, --features schema" \
  cargo clippy --quiet --workspace --all-targets --features schema -- -D warnings

gate "clippy: wasm32, full (default features)" \
  cargo clippy --quiet --target wasm32-unknown-unknown --lib -- -D warnings
gate "clippy: wasm32, wasm-bindgen tests" \
  cargo clippy --quiet --target wasm32-unknown-unknown --test wasm -- -D warnings

gate "clippy: wasm32, lean (--no-default-features)" \
  cargo clippy --quiet --target wasm32-unknown-unknown --lib --no-default-features -- -D warnings

gate "clippy: fuzz crates (targets and stable driver)" \
  cargo clippy --quiet --manifest-path fuzz/Cargo.toml --target-dir target/fuzz --workspace \
  --no-default-features --all-targets -- -D warnings

gate "biome: js/, tests/, benches/, scripts/*.mjs (make format writes its formatting)" \
  npx --no-install biome ci --colors=off --error-on-warnings .

echo
if [ ${#failed[@]} -gt 0 ]; then
  printf 'lint FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "lint: all gates passed"
