#!/usr/bin/env bash
# Interop tests: Python websockets and npm ws both ways, Chromium's WebSocket against
# our echo server. Expects the release binaries (echo-server and the wsframe-std example
# interop_client) and the tools; scripts/test-conformance.sh installs and builds them.
#
#   tests/interop/run.sh            all of them
#   tests/interop/run.sh python|node|chromium|chromium-h2
#
# chromium-h2 runs wsframe-tokio's h2_echo example (WebSockets over HTTP/2):
#   cargo build --release -p wsframe-tokio --features http2 --example h2_echo
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RELEASE="${CARGO_TARGET_DIR:-$ROOT/target}/release"
export ECHO_SERVER="${ECHO_SERVER:-$RELEASE/echo-server}"
export INTEROP_CLIENT="${INTEROP_CLIENT:-$RELEASE/examples/interop_client}"
export H2_ECHO="${H2_ECHO:-$RELEASE/examples/h2_echo}"
for bin in "$ECHO_SERVER" "$INTEROP_CLIENT"; do
  [ -x "$bin" ] || { echo "interop: $bin is missing (cargo build --release -p echo-server -p wsframe-std --bins --examples)" >&2; exit 2; }
done

what="${1:-all}"
failed=0
run() {
  local name="$1"; shift
  echo "== interop: $name"
  local start=$SECONDS
  if "$@"; then
    echo "== interop: $name passed ($((SECONDS - start)) s)"
  else
    echo "== interop: $name FAILED ($((SECONDS - start)) s)"
    failed=$((failed + 1))
  fi
}

if [ "$what" = all ] || [ "$what" = python ]; then
  run "python websockets" timeout 300 python3 "$HERE/test_python.py" "$ECHO_SERVER" "$INTEROP_CLIENT"
fi
if [ "$what" = all ] || [ "$what" = node ]; then
  run "npm ws" timeout 300 node --test --test-concurrency=1 "$HERE/test_node.mjs"
fi
if [ "$what" = all ] || [ "$what" = chromium ]; then
  run "chromium" timeout 300 node --test --test-concurrency=1 "$HERE/test_chromium.mjs"
fi
if [ "$what" = all ] || [ "$what" = chromium-h2 ]; then
  run "chromium over http/2" timeout 300 node --test --test-concurrency=1 "$HERE/test_chromium_h2.mjs"
fi
[ "$failed" -eq 0 ]
