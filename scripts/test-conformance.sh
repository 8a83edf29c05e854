#!/usr/bin/env bash
# Conformance and interop: the Autobahn testsuite against wsframe in both roles (cases
# 1-10 and the permessage-deflate cases 12-13, every case OK or INFORMATIONAL and equal
# to tests/autobahn/expected/), the embedded-io layer (crates/wsframe-embedded-io, over
# tokio sockets) in both roles for 1-10, and interop with Python websockets, npm ws and Chromium
# (tests/interop), with and without permessage-deflate.
# The async layer (wsframe-tokio) gets its own runs: Autobahn 1-10 and a 36-case
# permessage-deflate sample in both roles (echo-server-tokio, the autobahn_client example),
# the interop suites with echo-server-tokio and interop_client_tokio, and Python websockets
# and Chromium over TLS against its tls_server example.
# Chromium's WebSocket over HTTP/2 runs against wsframe-tokio's h2_echo example.
#
# The two Autobahn roles run at the same time (each wstest is one Python process; 12.*
# and 13.* echo 1000 messages per case, up to 128 KiB each, so they dominate the time).
# AUTOBAHN_DEFLATE_CASES narrows the deflate cases: default "12.* 13.*" (all 216), "quick"
# for the cases of every data set and negotiation variant whose messages are at most
# 64 KiB (144 cases, about a quarter of the time: the 128 KiB ones dominate), "" for none.
# Measured on a shared 2-core machine (load average 8-10): both roles with all of
# 1-10/12/13 took 28 min (1-10 alone about 1 min), with "quick" 7 min.
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
  cargo build --release -p wsframe-embedded-io --examples
  cargo build --release -p echo-server-tokio -p wsframe-tokio --features wsframe-tokio/rustls --bins --examples
  # WebSockets over HTTP/2: the server Chromium meets in the interop step.
  cargo build --release -p wsframe-tokio --features http2 --example h2_echo
}

rust_tests() {
  cargo test --release -p wsframe-std -p echo-server -p autobahn-client -p wsframe-deflate
  # Without the deflate feature the std layer builds and passes with no compression code.
  cargo test --release -p wsframe-std --no-default-features
  # The async layer: duplex and TCP tests, split halves, timers, the counting allocator.
  cargo test --release -p wsframe-tokio --features axum,rustls -p echo-server-tokio
  cargo test --release -p wsframe-tokio --no-default-features
  # WebSockets over HTTP/2: our client against our hyper and axum servers.
  cargo test --release -p wsframe-tokio --features http2,axum --test http2 --test axum
  cargo test --release -p wsframe-tokio --features http2,axum --doc
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

deflate_cases() {
  local wanted="${AUTOBAHN_DEFLATE_CASES-12.* 13.*}" group sub n
  if [ "$wanted" != quick ]; then
    echo "$wanted"
    return
  fi
  # 12.1-12.5 (data sets) and 13.1-13.7 (negotiation variants); cases 10 and 14-18 of each
  # echo 1000 messages of 128 KiB.
  for group in 12 13; do
    for sub in $(seq 1 $((group == 12 ? 5 : 7))); do
      for n in 1 2 3 4 5 6 7 8 9 11 12 13; do echo "$group.$sub.$n"; done
    done
  done | tr '\n' ' '
}
AUTOBAHN_ALL_CASES="1.* 2.* 3.* 4.* 5.* 6.* 7.* 8.* 9.* 10.* $(deflate_cases)"

autobahn_server() {
  local port
  port="$(free_port)"
  # echo-server accepts permessage-deflate by default.
  AUTOBAHN_CASES="$AUTOBAHN_ALL_CASES" AUTOBAHN_EXCLUDE="" AUTOBAHN_TIMEOUT="${AUTOBAHN_TIMEOUT:-2400}" \
    tests/autobahn/run.sh server wsframe "ws://127.0.0.1:$port" -- \
    "$RELEASE/echo-server" --listen "127.0.0.1:$port" --quiet
}

autobahn_client() {
  # autobahn-client offers permessage-deflate on every connection.
  AUTOBAHN_CASES="$AUTOBAHN_ALL_CASES" AUTOBAHN_EXCLUDE="" AUTOBAHN_TIMEOUT="${AUTOBAHN_TIMEOUT:-2400}" \
    tests/autobahn/run.sh client wsframe -- "$RELEASE/autobahn-client"
}

# The async layer's testees (echo-server-tokio and the wsframe-tokio example client):
# cases 1-10 and the 36-case permessage-deflate sample (every parameter set of 12 and 13
# at three message shapes), both roles one after the other: about 1.5 min.
tokio_cases() {
  local group sample=""
  for group in 12.1 12.2 12.3 12.4 12.5 13.1 13.2 13.3 13.4 13.5 13.6 13.7; do
    sample+="$group.1 $group.4 $group.11 "
  done
  echo "1.* 2.* 3.* 4.* 5.* 6.* 7.* 8.* 9.* 10.* $sample"
}

autobahn_tokio() {
  local port status=0
  port="$(free_port)"
  AUTOBAHN_CASES="$(tokio_cases)" AUTOBAHN_EXCLUDE="" AUTOBAHN_TIMEOUT=900 \
    tests/autobahn/run.sh server wsframe-tokio "ws://127.0.0.1:$port" -- \
    "$RELEASE/echo-server-tokio" --listen "127.0.0.1:$port" --quiet || status=1
  AUTOBAHN_CASES="$(tokio_cases)" AUTOBAHN_EXCLUDE="" AUTOBAHN_TIMEOUT=900 \
    tests/autobahn/run.sh client wsframe-tokio -- "$RELEASE/examples/autobahn_client" || status=1
  return "$status"
}

# Both roles at once, each into its own log; fails if either fails.
autobahn_both() {
  local logs status=0
  logs="$(mktemp -d)"
  autobahn_server >"$logs/server.log" 2>&1 &
  local server=$!
  # The client role's fuzzingserver takes port 9001 or a free one; start it a little
  # later so the two runs do not pick ports at the same instant.
  sleep 2
  autobahn_client >"$logs/client.log" 2>&1 &
  local client=$!
  wait "$server" || status=1
  echo "---- autobahn server role"
  cat "$logs/server.log"
  wait "$client" || status=1
  echo "---- autobahn client role"
  cat "$logs/client.log"
  rm -rf "$logs"
  return "$status"
}

# The embedded-io layer's testee (a 4 KiB receive buffer, messages echoed piece by
# piece), cases 1-10, both roles at once: about 20 s.
autobahn_embedded_io() {
  local port logs status=0
  port="$(free_port)"
  logs="$(mktemp -d)"
  tests/autobahn/run.sh server wsframe-embedded-io "ws://127.0.0.1:$port" -- \
    "$RELEASE/examples/autobahn_testee" server "127.0.0.1:$port" >"$logs/server.log" 2>&1 &
  local server=$!
  sleep 2
  tests/autobahn/run.sh client wsframe-embedded-io -- \
    "$RELEASE/examples/autobahn_testee" client >"$logs/client.log" 2>&1 &
  local client=$!
  wait "$server" || status=1
  echo "---- autobahn embedded-io server role"
  cat "$logs/server.log"
  wait "$client" || status=1
  echo "---- autobahn embedded-io client role"
  cat "$logs/client.log"
  rm -rf "$logs"
  return "$status"
}

interop() {
  ECHO_SERVER="$RELEASE/echo-server" INTEROP_CLIENT="$RELEASE/examples/interop_client" tests/interop/run.sh
  # The same peers (Python websockets, npm ws, Chromium) against the async layer: its
  # echo server, and its client (the same checks as wsframe-std's interop_client).
  ECHO_SERVER="$RELEASE/echo-server-tokio" INTEROP_CLIENT="$RELEASE/examples/interop_client_tokio" tests/interop/run.sh
  # Python websockets and Chromium over TLS against the wsframe-tokio TLS server example.
  timeout 300 python3 tests/interop/test_tls_tokio.py "$RELEASE/examples/tls_server"
  TLS_SERVER="$RELEASE/examples/tls_server" timeout 300 node --test --test-concurrency=1 \
    tests/interop/test_chromium_tls.mjs
}

# One pass of the permessage-deflate benchmark, so it keeps working (it checks that
# messages round-trip); its figures are for BENCHMARKS.md, not a gate.
deflate_bench() {
  timeout 600 tests/interop/deflate-bench.sh 1
}

export RELEASE WEBSOCKETS_VERSION AUTOBAHN_ALL_CASES
export -f as_root install_tools build rust_tests free_port autobahn_server autobahn_client autobahn_both \
  autobahn_embedded_io interop deflate_bench tokio_cases autobahn_tokio

step "install tools" install_tools
step "build release binaries" build
if [ ${#failed[@]} -eq 0 ]; then
  step "rust tests (wsframe-std, examples)" rust_tests
  step "autobahn both roles (in parallel)" autobahn_both
  step "autobahn embedded-io both roles" autobahn_embedded_io
  step "autobahn wsframe-tokio (1-10, deflate sample)" autobahn_tokio
  step "interop" interop
  step "deflate benchmark (1 pass)" deflate_bench
fi

echo "== conformance summary ($((SECONDS - started)) s)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "conformance: failed: ${failed[*]}"
  exit 1
fi
echo "conformance: all steps passed"
