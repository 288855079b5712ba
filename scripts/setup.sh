#!/usr/bin/env bash
# Installs what building and testing ghl-bridge needs and a fresh machine lacks:
# the wasm32 target, wasm-bindgen-cli at exactly the version in Cargo.lock, and the
# npm dev dependencies. With --browser it also installs Debian's chromium and
# chromium-driver, with --postgres Debian's postgresql (the runner store's tests start
# a throwaway cluster); both need root and apt. Idempotent: does nothing that is
# already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup first" >&2; exit 1; }
command -v node >/dev/null || { echo "node not found: install Node.js 18 or newer first" >&2; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate exactly; Cargo.lock is the source of truth.
[ -f Cargo.lock ] || cargo generate-lockfile
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  say "installing wasm-bindgen-cli $want (found: ${have:-none})"
  # --locked first; the registry can lack the newest patch release of a dependency
  cargo install wasm-bindgen-cli --version "$want" --locked \
    || cargo install wasm-bindgen-cli --version "$want"
fi

if [ ! -d node_modules/binaryen ] || [ package.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dev dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

browser=no; postgres=no
for arg in "$@"; do
  case "$arg" in
    --browser) browser=yes ;;
    --postgres) postgres=yes ;;
    *) echo "setup.sh: unknown option $arg (--browser, --postgres)" >&2; exit 2 ;;
  esac
done
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

if [ "$browser" = yes ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi
# The runner's PostgreSQL tests start a throwaway cluster with initdb/pg_ctl; Debian
# puts them in /usr/lib/postgresql/NN/bin (tests/support/postgres.mjs looks there too).
if [ "$postgres" = yes ]; then
  if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "installing Debian's postgresql (initdb, pg_ctl, postgres)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  fi
fi
say "ok"
