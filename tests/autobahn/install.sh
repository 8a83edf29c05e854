#!/usr/bin/env bash
# Install Autobahn|Testsuite (wstest, Python 2.7 only) into a virtualenv
# outside the repository.  Idempotent: if the venv already holds the pinned
# set from requirements-py2.txt, nothing is downloaded.
#
# stdout: exactly one line, the venv directory (wstest is <venv>/bin/wstest).
# stderr: progress.
#
# Environment:
#   AUTOBAHN_HOME     base dir   (default: ${XDG_CACHE_HOME:-$HOME/.cache}/wsframe-autobahn)
#   AUTOBAHN_PYTHON2  python 2.7 interpreter to use (default: `pyenv prefix 2.7.18`,
#                     then python2.7 / python2 on PATH)
#   AUTOBAHN_INSTALL_TIMEOUT  seconds for the whole install (default 900)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQ="$HERE/requirements-py2.txt"
AB_HOME="${AUTOBAHN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/wsframe-autobahn}"
VENV="$AB_HOME/venv"
BOOT="$AB_HOME/bootstrap"          # virtualenv 16.x (last line that runs on py2)
STAMP="$VENV/.requirements.sha256"
TMO="${AUTOBAHN_INSTALL_TIMEOUT:-900}"
VIRTUALENV_VERSION="16.7.12"

log() { echo "[autobahn-install] $*" >&2; }

req_hash() { sha256sum "$REQ" | cut -d' ' -f1; }

installed_ok() {
  [ -x "$VENV/bin/wstest" ] && [ -f "$STAMP" ] &&
    [ "$(cat "$STAMP")" = "$(req_hash)" ] &&
    "$VENV/bin/python" -c 'import autobahntestsuite.fuzzing' >/dev/null 2>&1
}

if installed_ok; then
  log "already installed: $VENV/bin/wstest"
  echo "$VENV"
  exit 0
fi

find_python2() {
  local c p
  if [ -n "${AUTOBAHN_PYTHON2:-}" ]; then echo "$AUTOBAHN_PYTHON2"; return 0; fi
  if command -v pyenv >/dev/null 2>&1 && p="$(pyenv prefix 2.7.18 2>/dev/null)" &&
     [ -x "$p/bin/python2.7" ]; then
    echo "$p/bin/python2.7"; return 0
  fi
  for c in python2.7 python2; do
    if p="$(command -v "$c")" && "$p" -c 'import sys; assert sys.version_info[:2] == (2, 7)' >/dev/null 2>&1; then
      echo "$p"; return 0
    fi
  done
  return 1
}

PY2="$(find_python2)" || {
  log "ERROR: no Python 2.7 found (tried AUTOBAHN_PYTHON2, 'pyenv prefix 2.7.18', python2.7, python2)."
  log "       wstest needs CPython 2.7 with headers and a C compiler (wsaccel is built from source)."
  exit 1
}
"$PY2" -c 'import sys; assert sys.version_info[:2] == (2, 7)' || {
  log "ERROR: $PY2 is not Python 2.7"; exit 1; }
log "using python2: $PY2"

mkdir -p "$AB_HOME"
# Serialise concurrent installs (two harness runs starting at once).
exec 9>"$AB_HOME/.install.lock"
if command -v flock >/dev/null 2>&1; then flock -w "$TMO" 9; fi
if installed_ok; then               # someone else finished while we waited
  log "already installed: $VENV/bin/wstest"
  echo "$VENV"; exit 0
fi

start=$(date +%s)
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONWARNINGS=ignore

# 1. virtualenv 16.x as a plain module dir (no need to touch the py2 install).
if ! PYTHONPATH="$BOOT" "$PY2" -c 'import virtualenv' >/dev/null 2>&1; then
  log "bootstrapping virtualenv==$VIRTUALENV_VERSION into $BOOT"
  rm -rf "$BOOT"
  timeout "$TMO" "$PY2" -m pip install -q --target "$BOOT" "virtualenv==$VIRTUALENV_VERSION" >&2
fi

# 2. fresh venv (a half-done or outdated one is thrown away).
log "creating venv $VENV"
rm -rf "$VENV"
PYTHONPATH="$BOOT" timeout "$TMO" "$PY2" -m virtualenv -q --no-download -p "$PY2" "$VENV" >&2

# 3. the pinned set (wsaccel is compiled: needs gcc + Python.h).
log "pip install -r $REQ (takes ~20-60 s)"
timeout "$TMO" "$VENV/bin/pip" install -q -r "$REQ" >&2
timeout 120 "$VENV/bin/pip" check >&2 || log "WARNING: pip check reported problems (see above)"
"$VENV/bin/python" -c 'import autobahntestsuite.fuzzing, wsaccel' >&2
"$VENV/bin/wstest" -a >&2

req_hash >"$STAMP"
log "installed in $(( $(date +%s) - start )) s"
echo "$VENV"
