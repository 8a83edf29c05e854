#!/usr/bin/env bash
# Hardening of the core: the differential test against tungstenite and the limit tests,
# the core's tests on a 32-bit target (i686), the core's tests under Miri, and every
# cargo-fuzz target for a bounded time (two at a time).
#
# Installs what it needs: the nightly toolchain with miri and rust-src, cargo-fuzz, the
# i686 target and gcc-multilib (to link i686 test binaries).
#
# FUZZ_SECONDS (default 30) is the time per fuzz target; FUZZ_SECONDS=0 skips fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds="${FUZZ_SECONDS:-30}"
cargo_fuzz_version=0.13.2
fuzz_targets=(frame_header connection server_request client_response close_payload utf8)
started=$(date +%s)
section() { echo "== $1 (at $(( $(date +%s) - started ))s)"; }

# ---- tools
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
nightly_components=$(rustup component list --installed --toolchain nightly)
for c in miri rust-src; do
  grep -q "^$c" <<<"$nightly_components" || rustup component add "$c" --toolchain nightly
done
rustup target list --installed | grep -qx i686-unknown-linux-gnu || rustup target add i686-unknown-linux-gnu
if ! dpkg -s gcc-multilib >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq gcc-multilib
fi
if [ "$fuzz_seconds" != 0 ] && ! cargo fuzz --version 2>/dev/null | grep -q " $cargo_fuzz_version\$"; then
  cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

# ---- native: differential test and limits
section "differential test against tungstenite, limits"
cargo test -p wsframe --test differential --test limits

# ---- 32-bit usize: the length handling of frame.rs and the connection
section "i686 (32-bit usize)"
cargo test -p wsframe --target i686-unknown-linux-gnu --lib --test connection --test limits --test split

# ---- Miri: undefined behaviour in the core and its dependencies (httparse, heapless, ...)
# Few proptest cases. Left to the native run, to keep Miri to a few minutes: the
# exhaustive loops over plain safe code (masking at every length and offset, all 65536
# close codes, the request cut at every byte)
# and the 300-case split property.
section "miri"
PROPTEST_CASES=4 MIRIFLAGS="-Zmiri-disable-isolation" \
  cargo +nightly miri test -p wsframe --lib --test connection --test no_alloc --test limits -- \
  --skip mask::tests::long_buffers_at_every_offset_and_alignment \
  --skip mask::tests::every_length_and_offset_matches_reference \
  --skip close::tests::wire_code_ranges \
  --skip handshake::server::tests::partial_in_every_split

# ---- fuzzing: each target for a bounded time from the committed seeds, two at a time
# (CI has two cores)
run_target() {
  local t=$1
  mkdir -p "$work/$t"
  # New inputs go to the scratch directory (the first one); the seeds stay as they are.
  (cd fuzz && cargo +nightly fuzz run -O -a "$t" "$work/$t" "corpus/$t" -- \
    -max_total_time="$fuzz_seconds" -print_final_stats=1 -artifact_prefix="$work/$t-") \
    >"$work/$t.log" 2>&1
}
if [ "$fuzz_seconds" != 0 ]; then
  section "fuzz (${fuzz_seconds}s per target)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd fuzz && cargo +nightly fuzz build -O -a)
  failed=()
  for ((i = 0; i < ${#fuzz_targets[@]}; i += 2)); do
    pids=()
    for t in "${fuzz_targets[@]:i:2}"; do
      run_target "$t" &
      pids+=($!)
    done
    for j in "${!pids[@]}"; do
      t=${fuzz_targets[i + j]}
      status=0
      wait "${pids[j]}" || status=$?
      execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || echo '?')
      echo "$t: exit $status, $execs executions"
      if [ "$status" != 0 ] || compgen -G "$work/$t-*" >/dev/null; then
        failed+=("$t")
        grep -E -A20 'panicked|ERROR' "$work/$t.log" | head -40 || true
        for f in "$work/$t"-*; do
          [ -e "$f" ] && echo "reproducer (base64): $(base64 -w0 "$f")"
        done
      fi
    done
  done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz targets failed: ${failed[*]}"
    exit 1
  fi
fi
echo "hardening: ok ($(( $(date +%s) - started ))s)"
