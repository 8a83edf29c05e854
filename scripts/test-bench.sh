#!/usr/bin/env bash
# Keeps the benchmarks from rotting without running the (slow) measurements:
#   1. checks formatting and clippy, and builds the criterion benches of wsframe-bench;
#   2. runs every benchmark body once in criterion's test mode;
#   3. runs a very short measurement into a scratch directory and checks that
#      scripts/bench-report.py turns it into the table and a well-formed SVG chart;
#   4. checks that the masking loops compile to wasm `simd128` vector XORs;
#   5. whole-server benchmarks (benches/servers): formatting, clippy, unit tests, and one
#      tiny run of scripts/bench-servers.py (a few hundred messages, two servers) whose
#      tables and chart are checked for shape, never for speed.
# The real measurements and how to reproduce them are in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

if ! command -v python3 >/dev/null; then
    apt-get install -y python3
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi

rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy

echo "== fmt and clippy (wsframe-bench)"
cargo fmt -p wsframe-bench -- --check
cargo clippy -q -p wsframe-bench --all-targets -- -D warnings

echo "== build the benches"
cargo bench --no-run -p wsframe-bench

echo "== each benchmark body once (test mode)"
cargo bench -p wsframe-bench -- --test

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== a very short measurement, then the report"
CRITERION_HOME="$scratch/criterion" cargo bench -p wsframe-bench -- \
    --warm-up-time 0.01 --measurement-time 0.02 --sample-size 10 --nresamples 1000 \
    --noplot >"$scratch/run.log" 2>&1 || {
    cat "$scratch/run.log"
    exit 1
}
python3 scripts/bench-report.py --criterion "$scratch/criterion" \
    --markdown "$scratch/table.md" --svg "$scratch/chart.svg"
python3 - "$scratch/table.md" "$scratch/chart.svg" <<'EOF'
import sys
import xml.etree.ElementTree as ET

table = open(sys.argv[1]).read()
groups = ["unmask-aligned", "unmask-offset3", "decode", "encode-server", "encode-client", "accept"]
impls = ["wsframe", "tungstenite", "fastwebsockets", "tokio-websockets",
         "embedded-websocket", "copy_from_slice"]
missing = [g for g in groups if f"(`{g}`)" not in table] + [i for i in impls if f"| {i} " not in table]
assert not missing, f"missing from the table: {missing}"
for size in ["16 B", "125 B", "1 KiB", "64 KiB", "1 MiB"]:
    assert f"| {size} |" in table, f"no row for {size}"
root = ET.parse(sys.argv[2]).getroot()
assert root.tag.endswith("svg"), root.tag
lines = [e for e in root.iter() if e.tag.endswith("polyline")]
assert len(lines) >= 6, f"expected a line per implementation and panel, got {len(lines)}"
print(f"report ok: {table.count(chr(10))} table lines, {len(lines)} chart lines")
EOF

echo "== wasm32 + simd128: the masking loops use v128.xor"
RUSTFLAGS="-C target-feature=+simd128" cargo rustc -p wsframe --release \
    --target wasm32-unknown-unknown -- -C codegen-units=1 --emit "asm=$scratch/wsframe.s"
xors=$(grep -c "v128.xor" "$scratch/wsframe.s" || true)
if [ "${xors:-0}" -lt 1 ]; then
    echo "no v128.xor in the wasm32+simd128 build of wsframe" >&2
    exit 1
fi
echo "v128.xor instructions: $xors"

echo "== whole-server benchmarks: a tiny run"
cargo fmt -p wsframe-server-bench -- --check
cargo clippy -q -p wsframe-server-bench --all-targets -- -D warnings
cargo test -q --release -p wsframe-server-bench
CI_SERVERS="wsframe-tokio,tokio-websockets"
timeout 600 python3 scripts/bench-servers.py --ci --servers "$CI_SERVERS" \
    --markdown "$scratch/servers.md" --svg "$scratch/servers.svg" >/dev/null
python3 - "$scratch/servers.md" "$scratch/servers.svg" "$CI_SERVERS" <<'EOF'
import re
import sys
import xml.etree.ElementTree as ET

table = open(sys.argv[1]).read()
servers = sys.argv[3].split(",")
for title in ["messages per server-CPU-second", "messages per second", "Idle memory", "Handshakes"]:
    assert title in table, f"no table for {title}"
header = next(l for l in table.splitlines() if l.startswith("| connections |"))
assert all(s in header for s in servers), header
# Every server echoed at the one point, and took part in the idle and handshake runs.
rate = re.search(r"\| 2 \| 4 \| 1 KiB \|(.*)\|", table.split("Echo: messages per second")[1]).group(1)
assert all(c.strip() not in ("—", "0") for c in rate.split("|")[:len(servers)]), rate
for s in servers:
    assert len(re.findall(rf"^\| {re.escape(s)} \| [0-9,]+ \|", table, re.M)) == 2, f"{s}: idle or handshakes"
assert ET.parse(sys.argv[2]).getroot().tag.endswith("svg")
print("whole-server report ok")
EOF

echo "test-bench: ok in $((SECONDS - start)) s"
