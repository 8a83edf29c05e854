#!/usr/bin/env bash
# Conformance and interop: the Autobahn testsuite against wsframe in both roles (cases
# 1-10, every case OK or INFORMATIONAL and equal to tests/autobahn/expected/), and interop
# with Python websockets, npm ws and Chromium (tests/interop).
#
# Runs from the repository root on a fresh machine: installs what is missing (Debian
# chromium, pip websockets, npm packages of tests/interop, wstest through
# tests/autobahn/install.sh), builds the release binaries, runs the Rust tests of
# wsframe-std, echo-server and autobahn-client, then the rest. Every step runs even when
# an earlier one failed; the exit status is non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

WEBSOCKETS_VERSION=17.4
RELEASE="${CARGO_TARGET_DIR:-$PWD/target}/release"
started=$SECONDS
failed=()
summary=()

# Runs function $2 in its own bash so that `set -e` holds inside it.
step() {
  local name="$1" fn="$2"
  echo "== conformance: $name"
  local start=$SECONDS status=ok
  bash -c "set -euo pipefail; $fn" || { status=FAILED; failed+=("$name"); }
  summary+=("$(printf '%-34s %-7s %4ss' "$name" "$status" "$((SECONDS - start))")")
  echo "== conformance: $name $status ($((SECONDS - start)) s)"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi
}

install_tools() {
  if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
  fi
  if ! python3 -c "import websockets, sys; sys.exit(websockets.__version__ != '$WEBSOCKETS_VERSION')" 2>/dev/null; then
    python3 -m pip install -q --disable-pip-version-check "websockets==$WEBSOCKETS_VERSION"
  fi
  (cd tests/interop && timeout 300 npm ci --no-audit --no-fund --loglevel=error)
  tests/autobahn/install.sh >/dev/null
}

build() {
  cargo build --release -p echo-server -p autobahn-client -p wsframe-std --bins --examples
}

rust_tests() {
  cargo test --release -p wsframe-std -p echo-server -p autobahn-client
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

autobahn_server() {
  local port
  port="$(free_port)"
  AUTOBAHN_TIMEOUT="${AUTOBAHN_TIMEOUT:-600}" tests/autobahn/run.sh server wsframe "ws://127.0.0.1:$port" -- \
    "$RELEASE/echo-server" --listen "127.0.0.1:$port" --quiet
}

autobahn_client() {
  AUTOBAHN_TIMEOUT="${AUTOBAHN_TIMEOUT:-600}" tests/autobahn/run.sh client wsframe -- "$RELEASE/autobahn-client"
}

interop() {
  ECHO_SERVER="$RELEASE/echo-server" INTEROP_CLIENT="$RELEASE/examples/interop_client" tests/interop/run.sh
}

export RELEASE WEBSOCKETS_VERSION
export -f as_root install_tools build rust_tests free_port autobahn_server autobahn_client interop

step "install tools" install_tools
step "build release binaries" build
if [ ${#failed[@]} -eq 0 ]; then
  step "rust tests (wsframe-std, examples)" rust_tests
  step "autobahn server role" autobahn_server
  step "autobahn client role" autobahn_client
  step "interop" interop
fi

echo "== conformance summary ($((SECONDS - started)) s)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "conformance: failed: ${failed[*]}"
  exit 1
fi
echo "conformance: all steps passed"
