#!/usr/bin/env bash
# Run the Autobahn|Testsuite against a WebSocket testee and gate on the result.
#
#   run.sh server NAME URL [-- CMD...]   testee is a server: wstest -m fuzzingclient
#                                        connects to URL (ws://127.0.0.1:PORT/...).
#                                        With "-- CMD...", run.sh starts CMD first
#                                        and stops it afterwards; otherwise the
#                                        server must already be running.
#   run.sh client NAME -- CMD...         testee is a client: run.sh starts
#                                        wstest -m fuzzingserver on 127.0.0.1, then
#                                        runs CMD with AUTOBAHN_URL / AUTOBAHN_AGENT
#                                        set ("{url}" / "{agent}" in CMD's args are
#                                        replaced too). See README.md for the
#                                        client testee convention.
#
# NAME is the agent name ([A-Za-z0-9._-]); reports go to
# $AUTOBAHN_REPORTS/<role>-<NAME>/ (default <repo>/target/autobahn, or
# $CARGO_TARGET_DIR/autobahn), then check.py summarises and gates them against
# tests/autobahn/expected/<role>-<NAME>.json.
#
# Environment (all optional):
#   AUTOBAHN_CASES        case patterns, comma/space separated (default 1.* .. 10.*);
#                         "deflate-sample" stands for every permessage-deflate
#                         parameter set (12.1-12.5, 13.1-13.7) at three message shapes
#                         (16 B, 1 KiB, 8 KiB in 256-byte frames): 36 of the 216 cases
#   AUTOBAHN_EXCLUDE      excluded patterns (default "12.* 13.*": permessage-deflate
#                         cases run only when asked for)
#   AUTOBAHN_TIMEOUT      seconds for the whole run (default 1800)
#   AUTOBAHN_PORT         fuzzingserver port in client role (default 9001, or a free one)
#   AUTOBAHN_SERVER_WAIT  seconds to wait for the server testee's port (default 60)
#   AUTOBAHN_REPORTS      reports base dir
#   AUTOBAHN_WRITE_EXPECTED=1   (re)write expected/<role>-<NAME>.json from this run
#   AUTOBAHN_CHECK_ARGS   extra args for check.py, e.g. "--allow NON-STRICT"
#   AUTOBAHN_ALLOW_NONLOCAL=1   allow a server URL that is not loopback
#   AUTOBAHN_HOME / AUTOBAHN_PYTHON2   see install.sh
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOTAL_TIMEOUT="${AUTOBAHN_TIMEOUT:-1800}"

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---- whole run bounded by timeout: re-run this script under `timeout` -------
if [ -z "${_AUTOBAHN_INNER:-}" ]; then
  [ $# -ge 2 ] || usage
  _AUTOBAHN_INNER=1 timeout --kill-after=20 "$TOTAL_TIMEOUT" bash "${BASH_SOURCE[0]}" "$@"
  rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "[autobahn] TIMEOUT: whole run exceeded AUTOBAHN_TIMEOUT=${TOTAL_TIMEOUT}s" >&2
  fi
  exit $rc
fi

log() { echo "[autobahn] $*" >&2; }
die() { log "ERROR: $*"; exit 2; }

[ $# -ge 2 ] || usage
ROLE="$1"; NAME="$2"; shift 2
case "$ROLE" in server|client) ;; *) usage ;; esac
[[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "agent NAME must match [A-Za-z0-9._-]+ (got '$NAME')"
command -v python3 >/dev/null || die "python3 is needed (check.py, helpers)"

# ---- wstest --------------------------------------------------------------
VENV="$("$HERE/install.sh")" || die "install.sh failed"
PY2="$VENV/bin/python"
LAUNCH=("$PY2" -u "$HERE/wstest_local.py")

# ---- report dir ------------------------------------------------------------
if [ -n "${AUTOBAHN_REPORTS:-}" ]; then
  REPORTS="$AUTOBAHN_REPORTS"
elif [ -n "${CARGO_TARGET_DIR:-}" ]; then
  REPORTS="$CARGO_TARGET_DIR/autobahn"
else
  ROOT="$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../.." && pwd))"
  REPORTS="$ROOT/target/autobahn"
fi
OUT="$REPORTS/$ROLE-$NAME"
rm -rf "$OUT" && mkdir -p "$OUT" || die "cannot create $OUT"
OUT="$(cd "$OUT" && pwd)"

CASES="${AUTOBAHN_CASES:-1.* 2.* 3.* 4.* 5.* 6.* 7.* 8.* 9.* 10.*}"
EXCLUDE="${AUTOBAHN_EXCLUDE-12.* 13.*}"
if [ "$CASES" = deflate-sample ]; then
  CASES=""
  for group in 12.1 12.2 12.3 12.4 12.5 13.1 13.2 13.3 13.4 13.5 13.6 13.7; do
    CASES+="$group.1 $group.4 $group.11 "
  done
  EXCLUDE=""
fi

# ---- process bookkeeping ---------------------------------------------------
WSTEST_PID=""; TESTEE_PID=""
kill_group() {   # $1 = pid that leads its own process group (started via setsid)
  local pid="$1" i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
}
cleanup() {
  kill_group "$TESTEE_PID"
  if [ -n "$WSTEST_PID" ] && kill -0 "$WSTEST_PID" 2>/dev/null; then
    kill -TERM "$WSTEST_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$WSTEST_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$WSTEST_PID" 2>/dev/null
  fi
  return 0
}
trap cleanup EXIT
trap 'log "interrupted"; exit 143' TERM INT HUP

if command -v setsid >/dev/null 2>&1; then SETSID=(setsid); else SETSID=(); fi

# Start "$@" in the background in its own process group; log to $1.
start_testee() {
  local logf="$1"; shift
  "${SETSID[@]}" "$@" </dev/null >"$logf" 2>&1 &
  TESTEE_PID=$!
}

# wait_port HOST PORT SECONDS [PID-that-must-stay-alive]
wait_port() {
  local h="$1" p="$2" secs="$3" pid="${4:-}" i
  for i in $(seq 1 $((secs * 5))); do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    if timeout 2 bash -c "exec 3<>/dev/tcp/$h/$p" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

# write_spec FILE key=value... (values are JSON) - keeps quoting sane
write_spec() {
  python3 - "$@" <<'EOF'
import json, sys
path, kv = sys.argv[1], sys.argv[2:]
spec = {k: json.loads(v) for k, v in (a.split("=", 1) for a in kv)}
with open(path, "w") as f:
    json.dump(spec, f, indent=2)
EOF
}
json_str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
json_list() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1].replace(",", " ").split()))' "$1"; }

resolve_cases() {
  "$PY2" "$HERE/wstest_local.py" --list-cases "$OUT/spec.json" >"$OUT/cases.json" ||
    die "bad AUTOBAHN_CASES / AUTOBAHN_EXCLUDE"
  NCASES="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$OUT/cases.json")"
  [ "$NCASES" -gt 0 ] || die "no cases selected by AUTOBAHN_CASES='$CASES'"
}

# progress while wstest works: prints every 30 s, returns wstest's exit code
wait_wstest() {
  local pattern="$1" last=0 rc=0
  while kill -0 "$WSTEST_PID" 2>/dev/null; do
    for _ in $(seq 1 30); do kill -0 "$WSTEST_PID" 2>/dev/null || break; sleep 1; done
    if kill -0 "$WSTEST_PID" 2>/dev/null; then
      local n; n=$(grep -c "$pattern" "$OUT/wstest.log" 2>/dev/null || true)
      [ "$n" != "$last" ] && log "progress: ${n:-0}/$NCASES cases started ($(( $(date +%s) - START ))s)"
      last="$n"
    fi
  done
  wait "$WSTEST_PID" || rc=$?
  WSTEST_PID=""
  return $rc
}

START=$(date +%s)
RC=0

if [ "$ROLE" = server ]; then
  # ------------------------------------------------------------------ server
  [ $# -ge 1 ] || usage
  URL="$1"; shift
  read -r HOST PORT < <(python3 - "$URL" <<'EOF'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
if u.scheme not in ("ws", "wss") or not u.hostname:
    sys.exit("bad URL " + sys.argv[1])
print(u.hostname, u.port or (443 if u.scheme == "wss" else 80))
EOF
) || die "server URL must look like ws://127.0.0.1:PORT[/path]"
  case "$HOST" in
    127.*|localhost|::1) ;;
    *) [ "${AUTOBAHN_ALLOW_NONLOCAL:-}" = 1 ] || die "refusing non-loopback URL $URL (set AUTOBAHN_ALLOW_NONLOCAL=1)";;
  esac
  if [ $# -ge 1 ]; then
    [ "$1" = "--" ] || usage
    shift; [ $# -ge 1 ] || usage
    if timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null; then
      die "$HOST:$PORT is already in use before starting the server testee (stale server?)"
    fi
    log "starting server testee: $* (log $OUT/testee.log)"
    start_testee "$OUT/testee.log" "$@"
  fi
  write_spec "$OUT/spec.json" \
    "outdir=$(json_str "$OUT")" \
    "servers=[{\"agent\": \"$NAME\", \"url\": $(json_str "$URL")}]" \
    "cases=$(json_list "$CASES")" "exclude-cases=$(json_list "$EXCLUDE")" \
    "exclude-agent-cases={}"
  resolve_cases
  log "waiting for server testee at $HOST:$PORT (max ${AUTOBAHN_SERVER_WAIT:-60}s)"
  wait_port "$HOST" "$PORT" "${AUTOBAHN_SERVER_WAIT:-60}" "$TESTEE_PID" || {
    [ -f "$OUT/testee.log" ] && tail -n 30 "$OUT/testee.log" >&2
    die "server testee not reachable at $HOST:$PORT"; }
  log "fuzzingclient: $NCASES cases against $URL as agent '$NAME' (log $OUT/wstest.log)"
  (cd "$OUT" && exec "${LAUNCH[@]}" -m fuzzingclient -s "$OUT/spec.json") >"$OUT/wstest.log" 2>&1 &
  WSTEST_PID=$!
  wait_wstest "Running test case ID" || { RC=1; log "wstest exited non-zero"; tail -n 30 "$OUT/wstest.log" >&2; }
  if [ -n "$TESTEE_PID" ] && ! kill -0 "$TESTEE_PID" 2>/dev/null; then
    log "WARNING: server testee exited during the run (see $OUT/testee.log)"; RC=1
  fi
else
  # ------------------------------------------------------------------ client
  [ $# -ge 2 ] && [ "$1" = "--" ] || usage
  shift
  if [ -n "${AUTOBAHN_PORT:-}" ]; then
    PORT="$AUTOBAHN_PORT"
  else
    PORT="$(python3 - <<'EOF'
import socket
for p in (9001, 0):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as twisted does
    try:
        s.bind(("127.0.0.1", p)); print(s.getsockname()[1]); break
    except OSError:
        pass
    finally:
        s.close()
EOF
)"
  fi
  FUZZ_URL="ws://127.0.0.1:$PORT"
  write_spec "$OUT/spec.json" \
    "url=$(json_str "$FUZZ_URL")" "outdir=$(json_str "$OUT")" \
    "cases=$(json_list "$CASES")" "exclude-cases=$(json_list "$EXCLUDE")" \
    "exclude-agent-cases={}"
  resolve_cases
  log "fuzzingserver on $FUZZ_URL, $NCASES cases (log $OUT/wstest.log)"
  (cd "$OUT" && exec "${LAUNCH[@]}" -m fuzzingserver -s "$OUT/spec.json" -u 0) >"$OUT/wstest.log" 2>&1 &
  WSTEST_PID=$!
  for _ in $(seq 1 300); do   # max 60 s
    grep -q "listening on" "$OUT/wstest.log" 2>/dev/null && break
    kill -0 "$WSTEST_PID" 2>/dev/null || break
    sleep 0.2
  done
  grep -q "listening on" "$OUT/wstest.log" || { tail -n 30 "$OUT/wstest.log" >&2; die "fuzzingserver did not start (port $PORT busy?)"; }

  export AUTOBAHN_URL="$FUZZ_URL" AUTOBAHN_AGENT="$NAME"
  CMD=()
  for a in "$@"; do a="${a//\{url\}/$FUZZ_URL}"; CMD+=("${a//\{agent\}/$NAME}"); done
  log "client testee: ${CMD[*]} (AUTOBAHN_URL=$FUZZ_URL AUTOBAHN_AGENT=$NAME, log $OUT/testee.log)"
  start_testee "$OUT/testee.log" "${CMD[@]}"
  # wait for the testee (bounded by the overall timeout)
  while kill -0 "$TESTEE_PID" 2>/dev/null; do
    for _ in $(seq 1 30); do kill -0 "$TESTEE_PID" 2>/dev/null || break; sleep 1; done
    if kill -0 "$TESTEE_PID" 2>/dev/null; then
      n=$(grep -c "Running test case ID" "$OUT/wstest.log" 2>/dev/null || true)
      log "progress: ${n:-0}/$NCASES cases started ($(( $(date +%s) - START ))s)"
    fi
  done
  trc=0; wait "$TESTEE_PID" || trc=$?
  TESTEE_PID=""
  if [ $trc -ne 0 ]; then
    log "client testee exited with status $trc"; RC=1
    tail -n 30 "$OUT/testee.log" >&2
  fi
  for _ in $(seq 1 15); do [ -f "$OUT/index.json" ] && break; sleep 0.2; done
  if [ ! -f "$OUT/index.json" ]; then
    RC=1
    log "client testee did not request /updateReports?agent=$NAME; generating the report anyway"
    python3 - 127.0.0.1 "$PORT" "$NAME" <<'EOF' || true
import base64, os, socket, sys
h, p, agent = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((h, p), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /updateReports?agent=%s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
           % (agent, h, p, key)).encode())
buf = b""
try:   # read the 101 response and the server's close frame, then answer it
    while True:
        d = s.recv(4096)
        if not d:
            break
        buf += d
        head, sep, rest = buf.partition(b"\r\n\r\n")
        if sep and rest[:1] == b"\x88":
            s.sendall(b"\x88\x80" + os.urandom(4))   # masked empty close
            break
except socket.timeout:
    pass
s.close()
EOF
    for _ in $(seq 1 50); do [ -f "$OUT/index.json" ] && break; sleep 0.2; done
  fi
  cleanup; WSTEST_PID=""
fi

log "wstest finished in $(( $(date +%s) - START ))s; reports: $OUT/index.html"

CHECK_ARGS=(--role "$ROLE" --agent "$NAME")
[ "${AUTOBAHN_WRITE_EXPECTED:-}" = 1 ] && CHECK_ARGS+=(--write-expected)
# shellcheck disable=SC2206
[ -n "${AUTOBAHN_CHECK_ARGS:-}" ] && CHECK_ARGS+=(${AUTOBAHN_CHECK_ARGS})
python3 "$HERE/check.py" "$OUT" "${CHECK_ARGS[@]}"
crc=$?
[ $crc -ne 0 ] && RC=$crc
if [ $RC -ne 0 ] && [ $crc -eq 0 ]; then
  log "check passed but the run had errors (see above)"
fi
exit $RC
