#!/usr/bin/env bash
# Boots the lwIP echo server image under QEMU mps2-an386 with user networking, then
# runs a command against it.
#
#   run_qemu.sh IMAGE -- CMD...
#
# The guest's port 80 is forwarded to a free port on 127.0.0.1 (restrict=on: the guest
# reaches nothing else); CMD runs with WS_URL=ws://127.0.0.1:PORT/ once a WebSocket
# handshake succeeds (QEMU accepts on the host port before the guest listens). The
# exit status is CMD's, or 1 when the guest never answers or dies.
set -euo pipefail
[ $# -ge 3 ] && [ "$2" = "--" ] || { sed -n '2,10p' "$0" >&2; exit 2; }
image="$1"; shift 2
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
qemu_pid=""
log="$(mktemp /tmp/echo-lwip-qemu.XXXXXX.log)"
cleanup() {
  [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT
# QEMU's messages go to a log shown on failure (its user network reports every packet
# it could not deliver to a socket the test already closed).
qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$image" \
  -nic "user,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80" >"$log" 2>&1 &
qemu_pid=$!
python3 - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
deadline = time.monotonic() + 30
request = (b"GET / HTTP/1.1\r\nHost: board\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
while True:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(request)
            if s.recv(64).startswith(b"HTTP/1.1 101 "):
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit("run_qemu: the guest did not answer a handshake in 30 s")
    time.sleep(0.3)
PY
rc=0
WS_URL="ws://127.0.0.1:$port/" "$@" || rc=$?
if ! kill -0 "$qemu_pid" 2>/dev/null; then
  echo "run_qemu: QEMU exited during the run:" >&2; tail -n 20 "$log" >&2; exit 1
fi
[ $rc -eq 0 ] || { echo "run_qemu: command exited $rc; QEMU said:" >&2; tail -n 20 "$log" >&2; }
exit $rc
