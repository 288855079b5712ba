# ghl-bridge: the entry point for people and CI. Every target goes through the same
# scripts (scripts/setup.sh installs what is missing, scripts/build.sh builds pkg/).
.PHONY: demo console test bench size build setup lint format fuzz clean extension

demo:            ## sample Wishpond and Qwilr events through the Wasm package into the local GHL emulator
	bash scripts/build.sh
	node js/demo/demo.mjs

console:         ## the GHL emulator and a demo page with <ghl-bridge-console>; prints its URL (Ctrl-C stops)
	bash scripts/build.sh
	node js/widget/demo/serve.mjs

test:            ## every test: native, wasm (Node + Chromium), the package in Node and in the browser
	bash scripts/test.sh

bench:           ## benchmarks (figures and ratios are printed)
	bash scripts/bench.sh

size:            ## raw / gzip / brotli bytes of the package's .wasm and JS
	bash scripts/build.sh >/dev/null
	node scripts/size.mjs pkg

build:
	bash scripts/build.sh

extension:       ## the browser extension (MV3): dist/extension/ + its zip (release), dist/extension-dev/ (loopback, configurable URLs)
	bash scripts/build.sh
	node scripts/build-extension.mjs
	node scripts/build-extension.mjs --dev

setup:
	bash scripts/setup.sh --browser

lint:            ## the gates CI runs: rustfmt, clippy -D warnings (host, wasm32 full and lean, fuzz crates), biome
	bash scripts/lint.sh

format:          ## writes the formatting: rustfmt (crate and fuzz crates), biome (JS/TS) with its safe fixes
	cargo fmt --all
	cargo fmt --manifest-path fuzz/Cargo.toml --all
	npx --no-install biome check --write .

fuzz:            ## each fuzz target for FUZZ_SECONDS (default 60): libFuzzer when nightly cargo-fuzz is installed, else stable
	bash scripts/fuzz.sh

clean:
	rm -rf pkg target dist js/src/wasm node_modules fuzz/target
