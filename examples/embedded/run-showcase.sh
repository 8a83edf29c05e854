#!/usr/bin/env bash
# Boots the network image in QEMU (mps2-an386) with its WebSocket echo server reachable
# on the host, for a person to try with any WebSocket client or the frame inspector.
# Usage: examples/embedded/run-showcase.sh [HOST_PORT]   (default 8080; Ctrl-A X quits)
set -euo pipefail
cd "$(dirname "$0")"
port=${1:-8080}

cargo build --release -p wsframe-firmware --target thumbv7em-none-eabihf --bin net
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
image=$target_dir/thumbv7em-none-eabihf/release/net

cat <<MSG

  The echo server runs on an emulated Cortex-M4 (QEMU mps2-an386, LAN9118 NIC).
  Connect to:   ws://127.0.0.1:$port/
  e.g.          python3 -m websockets ws://127.0.0.1:$port/
  or open the frame inspector (examples/frame-inspector) and enter that URL.
  Stop with Ctrl-A then X.

MSG
exec qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native \
  -kernel "$image" \
  -nic "user,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80"
