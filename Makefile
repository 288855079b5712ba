# ghl-bridge: the entry point for people and CI. Every target goes through the same
# scripts (scripts/setup.sh installs what is missing, scripts/build.sh builds pkg/).
.PHONY: demo serve console console-direct extension test bench size size-load build setup lint format fuzz clean

demo:            ## sample Wishpond and Qwilr events through the Wasm package into the local GHL emulator
	bash scripts/build.sh
	node js/demo/demo.mjs

serve:           ## ghl-bridge serve against the GHL, Wishpond and Qwilr emulators with a sample config (prints the URLs)
	bash scripts/build.sh
	node js/demo/serve.mjs

console:         ## the emulators and the runner; prints the URL (and password) of the console on the runner's /console (Ctrl-C stops)
	bash scripts/build.sh
	node js/demo/serve.mjs --console

console-direct:  ## the GHL emulator and a demo page with <ghl-bridge-console> on the in-page (direct) backend; prints its URL
	bash scripts/build.sh
	node js/widget/demo/serve.mjs

test:            ## every test: native, wasm (Node + Chromium), the package in Node and in the browser
	bash scripts/test.sh

bench:           ## benchmarks (figures and ratios are printed)
	bash scripts/bench.sh

size:            ## raw / gzip / brotli bytes of what each entry loads, against the budgets of issue #14
	bash scripts/build.sh >/dev/null
	node scripts/size.mjs pkg

# The baseline of the load figures: a built package (BASELINE_PKG=dir) or a commit
# (BASELINE=ref, built in a temporary worktree; default: main).
BASELINE ?= main
size-load:       ## the sizes, plus Node import() and Chromium load times (median of 7 cold runs) beside a baseline
	bash scripts/build.sh >/dev/null
	node scripts/size.mjs --load $(if $(BASELINE_PKG),--baseline-pkg $(BASELINE_PKG),--baseline $(BASELINE)) pkg

build:
	bash scripts/build.sh

extension:       ## the browser extension (MV3): dist/extension/ + its zip (release), dist/extension-dev/ (loopback, configurable URLs)
	bash scripts/build.sh
	node scripts/build-extension.mjs
	node scripts/build-extension.mjs --dev

setup:
	bash scripts/setup.sh --browser --postgres

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
