#!/usr/bin/env bash
# Load and fault tests (tests/load/faults.py) at CI scale: hundreds of connections, not
# thousands. Only correctness is checked (nothing lost or corrupted, no crash, every
# timer fires, memory bounded with generous limits); never timing. The full run and the
# figures are in docs/load-and-faults.md.
#
# Servers: the std echo server (examples/echo-server, three times: without timers; with
# heartbeat, idle and close timeouts; with a heartbeat against peers that vanish in a
# network namespace, tests/load/vanish.py, which needs root, ip and iptables), the C echo
# server (examples/c-echo-server), the tokio echo server (examples/echo-server-tokio:
# without timers, with a heartbeat, with an idle timeout, and against vanished peers), and
# the npm WebSocketServer (bindings/wasm; built here when its dist/ is missing, with the
# tools scripts/test-npm.sh installs) on every case with its timers, and against vanished
# peers. Needs python3 (stdlib only), node and npm for the npm server.
#
# FAULTS_SERVERS="std c tokio npm" picks servers; FAULTS_SCALE=ci|full (default ci).
set -euo pipefail
cd "$(dirname "$0")/.."

servers="${FAULTS_SERVERS:-std c tokio npm}"
scale="${FAULTS_SCALE:-ci}"
started=$(date +%s)
section() { echo "== faults: $1 (at $(( $(date +%s) - started ))s)"; }
export FAULTS_LOG_DIR="${FAULTS_LOG_DIR:-$(mktemp -d /tmp/faults.XXXXXX)}"
figures="$FAULTS_LOG_DIR/figures.jsonl"
suite=(python3 tests/load/faults.py --scale "$scale" --json "$figures")
failed=()

# The vanished-peer case needs ip (iproute2) and iptables, and root.
if [[ " $servers " =~ " "(std|tokio|npm)" " ]] && ! { command -v ip && command -v iptables && command -v ss; } >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq iproute2 iptables >/dev/null
fi
run() { "${suite[@]}" "$@" || failed+=("$2"); }   # $2 is the --name value

for server in $servers; do
  case "$server" in
    std)
      section "std echo server"
      cargo build -q --release -p echo-server
      bin="${CARGO_TARGET_DIR:-target}/release/echo-server"
      # At a lowered documented maximum, so the refusal past it is reached at CI scale.
      run --name std --max-connections 200 --handshake-timeout 3 -- \
        "$bin" --listen '127.0.0.1:{port}' --quiet --max-connections 200 --handshake-timeout 3
      timers=(--ping-interval 1 --pong-timeout 2 --idle-timeout 3 --close-timeout 1)
      run --name std-timers --cases heartbeat "${timers[@]}" -- \
        "$bin" --listen '127.0.0.1:{port}' --quiet "${timers[@]}"
      # Peers whose packets vanish (a network namespace with netfilter DROP rules).
      python3 tests/load/vanish.py --peers 20 --within 20 -- \
        "$bin" --listen '{host}:{port}' --quiet --ping-interval 1 --pong-timeout 2 || failed+=(std-vanish)
      ;;
    c)
      section "C echo server"
      make -s -C examples/c-echo-server >/dev/null
      run --name c --max-connections 64 --handshake-timeout 3 -- \
        examples/c-echo-server/echo_server --handshake-timeout 3 '{port}'
      ;;
    tokio)
      section "tokio echo server"
      cargo build -q --release -p echo-server-tokio
      bin="${CARGO_TARGET_DIR:-target}/release/echo-server-tokio"
      run --name tokio --handshake-timeout 3 -- \
        "$bin" --listen '127.0.0.1:{port}' --quiet --max-connections 400 --handshake-timeout 3
      # Its idle timeout counts every frame (pongs too), so the heartbeat and the idle
      # timeout are checked in two runs.
      timers=(--ping-interval 1 --pong-timeout 2)
      run --name tokio-heartbeat --cases heartbeat "${timers[@]}" -- \
        "$bin" --listen '127.0.0.1:{port}' --quiet "${timers[@]}"
      timers=(--idle-timeout 3 --close-timeout 1)
      run --name tokio-idle --cases heartbeat "${timers[@]}" -- \
        "$bin" --listen '127.0.0.1:{port}' --quiet "${timers[@]}"
      python3 tests/load/vanish.py --peers 20 --within 20 -- \
        "$bin" --listen '{host}:{port}' --quiet --ping-interval 1 --pong-timeout 2 || failed+=(tokio-vanish)
      ;;
    npm)
      section "npm WebSocketServer"
      if [ ! -f bindings/wasm/dist/node/index.cjs ]; then
        # The tools (wasm32 target, wasm-bindgen-cli) are those scripts/test-npm.sh installs.
        rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
        bindgen="$(sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' bindings/wasm/Cargo.toml)"
        [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$bindgen" ] ||
          cargo install -q wasm-bindgen-cli --version "$bindgen"
        (cd bindings/wasm && npm ci --no-audit --no-fund >/dev/null && npm run build >/dev/null)
      fi
      # Every case, with its timers. Node's heap and its allocator keep some memory after
      # load whoever runs on it (docs/load-and-faults.md, measured beside npm ws): the
      # unread-pings and after-the-run bounds are wider than the native servers'.
      server=bindings/wasm/test/autobahn/echo-server.cjs
      timers=(--handshake-timeout 3 --ping-interval 1 --pong-timeout 2 --idle-timeout 3 --close-timeout 1)
      run --name npm "${timers[@]}" --rss-unread-kib 32768 --rss-after-mib 128 -- \
        node "$server" '{port}' "${timers[@]}"
      python3 tests/load/vanish.py --peers 20 --within 20 -- \
        node "$server" '{port}' --host '{host}' --ping-interval 1 --pong-timeout 2 || failed+=(npm-vanish)
      ;;
    *) echo "faults: unknown server $server" >&2; exit 2 ;;
  esac
done

section "figures ($figures)"
cat "$figures"
if [ ${#failed[@]} -gt 0 ]; then
  echo "faults: FAILED for ${failed[*]} (logs in $FAULTS_LOG_DIR)" >&2
  exit 1
fi
echo "faults: all passed in $(( $(date +%s) - started ))s"
