#!/usr/bin/env bash
# Runs the lwIP echo server on a TAP device inside a network namespace of its own,
# then a command in that namespace against it.
#
#   run_netns.sh SERVER -- CMD...
#
# The namespace has the TAP device (host side 10.0.99.1/24) and loopback, nothing
# else: no traffic leaves it. lwIP, in SERVER, owns 10.0.99.2 on the TAP device and
# listens on port 9001; CMD runs with WS_URL=ws://10.0.99.2:9001/. The exit status is
# CMD's; the server must still be running when CMD ends and stop cleanly on SIGTERM.
# Needs root (or sudo) for `ip netns` and `ip tuntap`.
set -euo pipefail
[ $# -ge 3 ] && [ "$2" = "--" ] || { sed -n '2,12p' "$0" >&2; exit 2; }
server="$(realpath "$1")"; shift 2
ns="wsf-lwip-$$"
tap=wsftap0
host_addr=10.0.99.1
lwip_addr=10.0.99.2
port=9001
mtu=576
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
log="$(mktemp /tmp/echo-lwip.XXXXXX.log)"
pid=""

cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then $sudo kill -KILL "$pid" 2>/dev/null || true; fi
  $sudo ip netns del "$ns" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT
in_ns() { $sudo ip netns exec "$ns" "$@"; }

$sudo ip netns add "$ns"
in_ns ip link set lo up
in_ns ip tuntap add dev "$tap" mode tap
in_ns ip addr add "$host_addr/24" dev "$tap"
# lwIP's tapif (Debian liblwip 2.1.3) reads a frame into pool pbufs sized for
# 536-byte segments but copies the whole frame into the first one: frames over 590
# bytes overrun it (heap corruption, seen with ASan). A 576-byte MTU keeps every
# frame the kernel sends within that.
in_ns ip link set "$tap" mtu "$mtu" up

# Not through in_ns: $! must be the server itself (ip netns exec and env exec it).
$sudo ip netns exec "$ns" env PRECONFIGURED_TAPIF="$tap" "$server" "$lwip_addr/24" "$host_addr" "$port" \
  2>"$log" &
pid=$!
for _ in $(seq 1 50); do
  in_ns timeout 1 bash -c "exec 3<>/dev/tcp/$lwip_addr/$port" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done

rc=0
in_ns env WS_URL="ws://$lwip_addr:$port/" "$@" || rc=$?
if ! kill -0 "$pid" 2>/dev/null; then
  echo "run_netns: the server exited early:" >&2; cat "$log" >&2; exit 1
fi
$sudo kill -TERM "$pid"
server_rc=0; wait "$pid" || server_rc=$?
pid=""
if [ $rc -ne 0 ] || [ $server_rc -ne 0 ]; then
  echo "run_netns: command exited $rc, server $server_rc; server log:" >&2; cat "$log" >&2
  [ $rc -ne 0 ] && exit $rc
  exit 1
fi
