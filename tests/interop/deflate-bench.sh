#!/usr/bin/env bash
# permessage-deflate benchmark: compression ratio and throughput of wsframe-deflate
# (zlib-rs) against npm ws's PerMessageDeflate (Node's zlib) on the same JSON-like
# message corpus, with and without context takeover. Not a test: it prints a table.
# Throughput is uncompressed bytes per second of the fastest pass, by the wall clock and
# by CPU time (the Rust thread's; the whole Node process's, as ws's zlib work runs on
# libuv's thread pool), so a busy machine shows in the first and less in the second.
#
#   tests/interop/deflate-bench.sh [PASSES]     (default 5; the fastest pass is shown)
#
# Needs cargo, node and `npm ci` in tests/interop. Builds the release example itself.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PASSES="${1:-5}"
RELEASE="${CARGO_TARGET_DIR:-$ROOT/target}/release"

[ -d "$HERE/node_modules/ws" ] || (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$ROOT" && cargo build --release -q -p wsframe-std --example deflate_bench)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

node "$HERE/deflate-bench.mjs" corpus "$work/corpus.bin"
timeout 600 "$RELEASE/examples/deflate_bench" "$work/corpus.bin" "$PASSES" >"$work/wsframe.json"
timeout 600 node "$HERE/deflate-bench.mjs" ws "$work/corpus.bin" "$PASSES" >"$work/ws.json"

python3 - "$work/wsframe.json" "$work/ws.json" "$PASSES" <<'PY'
import json, sys
rows = [r for f in sys.argv[1:3] for r in json.load(open(f))]
r0 = rows[0]
print("corpus: %d JSON-like messages, %.2f MiB (best of %s passes; one pass = one connection)"
      % (r0["messages"], r0["raw_bytes"] / 2**20, sys.argv[3]))
print()
print("| implementation | context takeover | compressed | ratio | compress MB/s (wall / CPU) | inflate MB/s (wall / CPU) |")
print("| --- | --- | ---: | ---: | ---: | ---: |")
for takeover in (True, False):
    for r in rows:
        if r["context_takeover"] != takeover:
            continue
        raw = r["raw_bytes"]
        rate = lambda ms: "%.0f" % (raw / 1e6 / (ms / 1e3)) if ms > 0 else "n/a"
        print("| %s | %s | %.1f KiB | %.1f%% | %s / %s | %s / %s |" % (
            r["impl"], "yes" if takeover else "no", r["compressed_bytes"] / 1024,
            100.0 * r["compressed_bytes"] / raw,
            rate(r["compress_ms"]), rate(r["compress_cpu_ms"]),
            rate(r["decompress_ms"]), rate(r["decompress_cpu_ms"])))
PY
