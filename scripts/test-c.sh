#!/usr/bin/env bash
# Tests of the C library (bindings/c) and the C echo server (examples/c-echo-server).
#
# Runnable from the repository root on a fresh machine: installs what it needs
# (apt: valgrind clang cmake pkg-config; cargo: cbindgen; rustup: the thumbv7em
# target; the Autobahn harness via tests/autobahn/install.sh), then:
#   1. rustfmt, clippy and the Rust unit tests of wsframe-c (with and without the
#      `deflate` feature);
#   2. checks that include/wsframe.h is what cbindgen generates, and that it is
#      plain C99 using only <stdint.h>, <stddef.h>, <stdbool.h> (with and without
#      WSF_HAVE_DEFLATE);
#   3. builds the C tests against the default library (no deflate: its symbols must
#      be absent) and against the library with permessage-deflate
#      (-DWSF_HAVE_DEFLATE) with gcc and clang (-std=c99 -Wall -Wextra -Werror), and
#      runs them plain, under ASan+UBSan, under valgrind, and against the shared
#      library; checks that every function of the header is called by them;
#   4. installs into a temporary prefix and builds consumers with pkg-config
#      (static and shared) and CMake find_package(wsframe); checks that a DEFLATE=1
#      install exports -DWSF_HAVE_DEFLATE;
#   5. builds the static library for thumbv7em-none-eabihf (no_std, no deflate) and
#      reports sizes;
#   6. builds the C echo server (with deflate) with ASan+UBSan, checks it with 16
#      concurrent clients (examples/c-echo-server/check_clients.py), then runs
#      Autobahn fuzzingclient against `echo_server --deflate`: cases 1-10 gated by
#      tests/autobahn/expected/server-wsframe-c.json, and the permessage-deflate
#      cases 12.* and 13.* gated by tests/autobahn/expected/server-wsframe-c-deflate.json;
#   7. builds the lwIP echo server (bindings/c/examples/lwip, Debian's liblwip-dev)
#      with ASan+UBSan and runs it on a TAP device in a network namespace of its own
#      (run_netns.sh; needs root or sudo): Python websockets and bad requests
#      (check_websockets.py), then Autobahn cases 1-10 gated by
#      tests/autobahn/expected/server-wsframe-c-lwip.json.
#
# Environment: CARGO_TARGET_DIR (honoured), C_SKIP_AUTOBAHN=1 (skip Autobahn in steps 6
# and 7).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BUILD="$TARGET_DIR/c-tests"
CBINDGEN_VERSION="0.29.4"
FIRMWARE_TARGET="thumbv7em-none-eabihf"
START=$(date +%s)
STEP_START=$START

step() {
  local now; now=$(date +%s)
  echo "[test-c] ($((now - STEP_START))s) done; $* ($((now - START))s total)" >&2
  STEP_START=$now
}
log() { echo "[test-c] $*" >&2; }
die() { echo "[test-c] FAIL: $*" >&2; exit 1; }

# ---- prerequisites -----------------------------------------------------------
need_apt=()
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v clang >/dev/null || need_apt+=(clang)
command -v cmake >/dev/null || need_apt+=(cmake)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v gcc >/dev/null || need_apt+=(gcc)
command -v g++ >/dev/null || need_apt+=(g++)
command -v make >/dev/null || need_apt+=(make)
command -v llvm-size >/dev/null || need_apt+=(llvm)
pkg-config --exists lwip 2>/dev/null || need_apt+=(liblwip-dev)
command -v ip >/dev/null || need_apt+=(iproute2)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "apt-get install ${need_apt[*]}"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}" >/dev/null
fi
CBINDGEN="$(command -v cbindgen || echo "${CARGO_HOME:-$HOME/.cargo}/bin/cbindgen")"
if ! "$CBINDGEN" --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
  log "cargo install cbindgen $CBINDGEN_VERSION"
  cargo install cbindgen --version "$CBINDGEN_VERSION" --locked -q
  CBINDGEN="${CARGO_HOME:-$HOME/.cargo}/bin/cbindgen"
fi
rustup target list --installed | grep -qx "$FIRMWARE_TARGET" || rustup target add "$FIRMWARE_TARGET"
python3 -c 'import websockets' 2>/dev/null || python3 -m pip install --quiet 'websockets>=14'
step "prerequisites"

# ---- 1. Rust side ------------------------------------------------------------
cargo fmt -p wsframe-c -- --check
cargo clippy -q -p wsframe-c --all-targets -- -D warnings
cargo clippy -q -p wsframe-c --all-targets --features deflate -- -D warnings
if ! out=$(cargo clippy -q -p wsframe-c --lib --no-default-features --target "$FIRMWARE_TARGET" \
    -- -D warnings 2>&1); then
  echo "$out" >&2; die "clippy (no_std, $FIRMWARE_TARGET)"
fi
cargo test -q -p wsframe-c 2>&1 | grep -E "^test result|FAILED|panicked" >&2
cargo test -q -p wsframe-c --features deflate 2>&1 | grep -E "^test result|FAILED|panicked" >&2
step "rustfmt, clippy, cargo test"

# ---- 2. header ---------------------------------------------------------------
mkdir -p "$BUILD"
(cd bindings/c && "$CBINDGEN" -q --config cbindgen.toml --output "$BUILD/wsframe.h")
diff -u bindings/c/include/wsframe.h "$BUILD/wsframe.h" >&2 ||
  die "bindings/c/include/wsframe.h is stale: run 'make -C bindings/c header' and commit it"
includes="$(grep -E '^[[:space:]]*#[[:space:]]*include' bindings/c/include/wsframe.h | tr -d ' ' | sort | tr '\n' ' ')"
[ "$includes" = "#include<stdbool.h> #include<stddef.h> #include<stdint.h> " ] ||
  die "header includes more than stdint/stddef/stdbool: $includes"
printf '#include "wsframe.h"\nint main(void) { return (int)wsf_conn_size() == 0; }\n' >"$BUILD/header_only.c"
for defines in "" "-DWSF_HAVE_DEFLATE"; do
  for cc in gcc clang; do
    # shellcheck disable=SC2086
    $cc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only $defines -Ibindings/c/include \
      "$BUILD/header_only.c"
  done
  # C++ programs can include it too (extern "C").
  # shellcheck disable=SC2086
  g++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only $defines -Ibindings/c/include \
    -x c++ "$BUILD/header_only.c"
done
step "header up to date and C99-clean"

# ---- 3. C tests --------------------------------------------------------------
LIB_A="$TARGET_DIR/release/libwsframe.a"
LIB_DIR="$TARGET_DIR/release"
SYSLIBS=(-lpthread -ldl -lm)
CFLAGS=(-std=c99 -Wall -Wextra -Werror -g -Ibindings/c/include)
TEST_SRC=bindings/c/tests/test_wsframe.c
run() { local name="$1"; shift; log "run $name"; timeout 120 "$@" >&2 || die "$name"; }

# The default library: no permessage-deflate, nothing that allocates.
make -s -C bindings/c lib >&2
nm -g --defined-only "$LIB_A" 2>/dev/null >"$BUILD/default-symbols.txt" || true
if grep -q ' T wsf_deflate_' "$BUILD/default-symbols.txt"; then
  die "the default library exports wsf_deflate_* (the deflate feature leaked into it)"
fi
grep -q ' T wsf_conn_send_compressed$' "$BUILD/default-symbols.txt" ||
  die "the default library lacks wsf_conn_send_compressed"
gcc "${CFLAGS[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer "$TEST_SRC" "$LIB_A" "${SYSLIBS[@]}" -o "$BUILD/test-gcc-asan-default"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run "test-gcc-asan-default (no deflate; ASan+UBSan)" "$BUILD/test-gcc-asan-default"

# The library with permessage-deflate: every test, every function.
make -s -C bindings/c lib DEFLATE=1 >&2
CFLAGS+=(-DWSF_HAVE_DEFLATE)

missing=""
for fn in $(grep -oE '\bwsf_[a-z_]+\(' bindings/c/include/wsframe.h | tr -d '(' | sort -u); do
  grep -q "\b$fn(" "$TEST_SRC" || missing+=" $fn"
done
[ -z "$missing" ] || die "functions not called by the C tests:$missing"
for cc in gcc clang; do
  $cc "${CFLAGS[@]}" -O1 "$TEST_SRC" "$LIB_A" "${SYSLIBS[@]}" -o "$BUILD/test-$cc"
  run "test-$cc" "$BUILD/test-$cc"
  $cc "${CFLAGS[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer "$TEST_SRC" "$LIB_A" "${SYSLIBS[@]}" -o "$BUILD/test-$cc-asan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run "test-$cc-asan (ASan+UBSan)" "$BUILD/test-$cc-asan"
done
run "test-gcc under valgrind" valgrind -q --error-exitcode=1 --leak-check=full \
  --errors-for-leak-kinds=all "$BUILD/test-gcc"
gcc "${CFLAGS[@]}" "$TEST_SRC" -L"$LIB_DIR" -lwsframe -Wl,-rpath,"$LIB_DIR" -o "$BUILD/test-shared"
ldd "$BUILD/test-shared" >"$BUILD/test-shared.ldd"
grep -q "libwsframe.so" "$BUILD/test-shared.ldd" || die "test-shared is not linked to libwsframe.so"
run "test-shared (libwsframe.so)" "$BUILD/test-shared"
step "C tests (default library; with deflate: gcc, clang, ASan+UBSan, valgrind, shared)"

# ---- 4. install + pkg-config + CMake -----------------------------------------
PREFIX="$(mktemp -d /tmp/wsframe-c-prefix.XXXXXX)"
CONSUMER="$(mktemp -d /tmp/wsframe-c-consumer.XXXXXX)"
trap 'rm -rf "$PREFIX" "$CONSUMER"' EXIT
make -s -C bindings/c install PREFIX="$PREFIX" >&2
cp bindings/c/examples/consumer/* "$CONSUMER/"
PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" make -s -C "$CONSUMER" >&2
[ "$(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --modversion wsframe)" = \
  "$(sed -n 's/^version = "\(.*\)"/\1/p' bindings/c/Cargo.toml | head -n 1)" ] || die "pkg-config version"
run "pkg-config consumer (static)" "$CONSUMER/consumer-static"
run "pkg-config consumer (shared)" "$CONSUMER/consumer-shared"
cmake -S "$CONSUMER" -B "$CONSUMER/build" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$CONSUMER/build" >/dev/null
run "CMake consumer" "$CONSUMER/build/consumer"
make -s -C bindings/c install PREFIX="$PREFIX/deflate" DEFLATE=1 >&2
deflate_cflags="$(PKG_CONFIG_PATH="$PREFIX/deflate/lib/pkgconfig" pkg-config --cflags wsframe)"
grep -q -- -DWSF_HAVE_DEFLATE <<<"$deflate_cflags" ||
  die "a DEFLATE=1 install does not define WSF_HAVE_DEFLATE in pkg-config"
grep -q 'INTERFACE_COMPILE_DEFINITIONS "WSF_HAVE_DEFLATE"' \
  "$PREFIX/deflate/lib/cmake/wsframe/wsframe-config.cmake" ||
  die "a DEFLATE=1 install does not define WSF_HAVE_DEFLATE in the CMake package"
step "install, pkg-config and CMake consumers"

# ---- 5. firmware build -------------------------------------------------------
make -s -C bindings/c firmware >&2
FW_A="$TARGET_DIR/$FIRMWARE_TARGET/firmware/libwsframe.a"
[ -f "$FW_A" ] || die "no $FW_A"
SYSROOT_BIN="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
tool() { command -v "$1" || { [ -x "$SYSROOT_BIN/$1" ] && echo "$SYSROOT_BIN/$1"; } || true; }
LLD="$(tool rust-lld)"; SIZE="$(tool llvm-size)"; [ -n "$SIZE" ] || SIZE="$(tool size)"
log "firmware archive: $(stat -c %s "$FW_A") bytes on disk ($FW_A)"
if [ -n "$LLD" ] && [ -n "$SIZE" ]; then
  # What a firmware image using every function of the API links in: unused code is
  # dropped by --gc-sections, as in a firmware link.
  # (Preprocessed without WSF_HAVE_DEFLATE: the firmware build has no deflate.)
  undefs=$(printf '#include "wsframe.h"\n' | gcc -E -P -Ibindings/c/include -x c - |
    grep -oE '\bwsf_[a-z_]+\(' | tr -d '(' | sort -u | sed 's/^/--undefined=/')
  grep -q -- '--undefined=wsf_conn_receive' <<<"$undefs" || die "no functions found in the header"
  # shellcheck disable=SC2086
  "$LLD" -flavor gnu --gc-sections --no-undefined -e wsf_version $undefs \
    -o "$BUILD/firmware-all-api.elf" "$FW_A"
  strings "$BUILD/firmware-all-api.elf" >"$BUILD/firmware-all-api.strings"
  for sym in $undefs; do   # every function of the header is in the image
    grep -qxF "${sym#--undefined=}" "$BUILD/firmware-all-api.strings" ||
      die "firmware image lacks ${sym#--undefined=}"
  done
  log "firmware image with the whole API linked in (bytes):"
  "$SIZE" "$BUILD/firmware-all-api.elf" >&2
else
  log "(rust-lld or llvm-size missing: only the archive size is reported)"
fi
step "thumbv7em-none-eabihf build"

# ---- 6. Autobahn against the C echo server -----------------------------------
if [ "${C_SKIP_AUTOBAHN:-}" = 1 ]; then
  log "Autobahn skipped (C_SKIP_AUTOBAHN=1)"
else
  make -s -C bindings/c lib DEFLATE=1 >&2
  ECHO="$BUILD/c-echo-server-asan"
  gcc -std=c99 -O1 -g -Wall -Wextra -Werror -DWSF_HAVE_DEFLATE -fsanitize=address,undefined \
    -fno-sanitize-recover=all -Ibindings/c/include examples/c-echo-server/echo_server.c \
    "$LIB_A" "${SYSLIBS[@]}" -o "$ECHO"
  make -s -C examples/c-echo-server DEFLATE=1 >&2   # the plain Makefile build must work too
  free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
  # Several clients at once, their frames interleaved on the wire.
  PORT="$(free_port)"
  ASAN_OPTIONS=detect_leaks=1 "$ECHO" "$PORT" 2>"$BUILD/echo-clients.log" &
  ECHO_PID=$!
  for _ in $(seq 1 50); do
    timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null && break; sleep 0.1
  done
  clients_rc=0
  timeout 120 python3 examples/c-echo-server/check_clients.py "$PORT" 16 >&2 || clients_rc=$?
  kill -TERM "$ECHO_PID"
  echo_rc=0; wait "$ECHO_PID" || echo_rc=$?
  [ $clients_rc -eq 0 ] || { cat "$BUILD/echo-clients.log" >&2; die "several clients against the C echo server"; }
  [ $echo_rc -eq 0 ] || { cat "$BUILD/echo-clients.log" >&2; die "C echo server exited with $echo_rc (sanitizer report above?)"; }
  step "16 concurrent clients against the C echo server (ASan+UBSan build)"
  PORT="$(free_port)"
  # Cases 1-10 offer no extension: the server with --deflate answers as without it.
  ASAN_OPTIONS=detect_leaks=1 tests/autobahn/run.sh server wsframe-c "ws://127.0.0.1:$PORT" \
    -- "$ECHO" --deflate "$PORT" || die "Autobahn against the C echo server"
  step "Autobahn fuzzingclient 1-10 against the C echo server (ASan+UBSan build)"
  PORT="$(free_port)"
  # Every permessage-deflate parameter set at three message shapes (see run.sh): the
  # codec is wsframe-deflate's, which runs all 216 cases against the Rust testees
  # (scripts/test-conformance.sh); C_AUTOBAHN_DEFLATE_CASES="12.* 13.*" runs them here too.
  AUTOBAHN_CASES="${C_AUTOBAHN_DEFLATE_CASES:-deflate-sample}" AUTOBAHN_EXCLUDE="" ASAN_OPTIONS=detect_leaks=1 \
    tests/autobahn/run.sh server wsframe-c-deflate "ws://127.0.0.1:$PORT" \
    -- "$ECHO" --deflate "$PORT" || die "Autobahn (permessage-deflate) against the C echo server"
  step "Autobahn fuzzingclient 12.*, 13.* (every parameter set) against the C echo server with --deflate"
fi

# ---- 7. the lwIP echo server --------------------------------------------------
make -s -C bindings/c lib >&2   # the default library: the server offers no extension
LWIP_DIR=bindings/c/examples/lwip
make -s -C "$LWIP_DIR" BUILD="$BUILD/lwip" \
  EXTRA_CFLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" >&2
timeout 180 "$LWIP_DIR/run_netns.sh" "$BUILD/lwip/echo_lwip" -- \
  timeout 120 python3 "$LWIP_DIR/check_websockets.py" >&2 ||
  die "the lwIP echo server against Python websockets and bad requests"
step "lwIP echo server (TAP in a network namespace): Python websockets, bad requests"
if [ "${C_SKIP_AUTOBAHN:-}" != 1 ]; then
  tests/autobahn/install.sh >/dev/null   # outside: the namespace has no route to PyPI
  # The URL is the lwIP address inside the namespace, which nothing outside reaches.
  AUTOBAHN_ALLOW_NONLOCAL=1 AUTOBAHN_TIMEOUT=600 timeout 660 "$LWIP_DIR/run_netns.sh" \
    "$BUILD/lwip/echo_lwip" -- tests/autobahn/run.sh server wsframe-c-lwip ws://10.0.99.2:9001 ||
    die "Autobahn against the lwIP echo server"
  step "Autobahn fuzzingclient 1-10 against the lwIP echo server (ASan+UBSan build)"
fi

log "all C checks passed in $(($(date +%s) - START))s"
