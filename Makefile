# ghl-bridge: the entry point for people and CI. Every target goes through the same
# scripts (scripts/setup.sh installs what is missing, scripts/build.sh builds pkg/).
.PHONY: demo test bench size build setup lint clean

demo:            ## sample Wishpond and Qwilr events through the Wasm package into the local GHL emulator
	bash scripts/build.sh
	node js/demo/demo.mjs

test:            ## every test: native, wasm (Node + Chromium), the package in Node and in the browser
	bash scripts/test.sh

bench:           ## benchmarks (figures and ratios are printed)
	bash scripts/bench.sh

size:            ## raw / gzip / brotli bytes of the package's .wasm and JS
	bash scripts/build.sh >/dev/null
	node scripts/size.mjs pkg

build:
	bash scripts/build.sh

setup:
	bash scripts/setup.sh --browser

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets --features schema -- -D warnings

clean:
	rm -rf pkg target js/src/wasm node_modules
