#!/usr/bin/env python3
"""Turns criterion's output for the wsframe-bench package into a Markdown table of
medians (with ratios to the best peer) and an SVG chart.

    python3 scripts/bench-report.py [--criterion DIR] [--svg FILE] [--markdown FILE]

DIR defaults to $CARGO_TARGET_DIR/criterion, else target/criterion. Only the Python
standard library is used. Reads, for every benchmark, `new/benchmark.json` (ids and
throughput) and `new/estimates.json` (the median, in nanoseconds).
"""

import argparse
import json
import math
import os
import sys
from collections import defaultdict

OURS = "wsframe"
# Physical or component references, shown but not ratios' peers: a plain copy for
# unmasking, the two crates `accept_key` is made of called directly for the Accept.
REFERENCES = ("copy_from_slice", "sha1_smol+base64")
GROUP_TITLES = {
    "unmask-aligned": "Unmask in place, buffer 64-byte aligned",
    "unmask-offset3": "Unmask in place, buffer at +3",
    "decode": "Server read path: 1024 masked 20-byte text frames",
    "encode-server": "Server encode (unmasked)",
    "encode-client": "Client encode (masked)",
    "accept": "Sec-WebSocket-Accept",
}
GROUP_ORDER = list(GROUP_TITLES)
COLOURS = {
    "wsframe": "#d62728",
    "wsframe-in-place": "#ff9896",
    "tungstenite": "#1f77b4",
    "fastwebsockets": "#2ca02c",
    "tokio-websockets": "#9467bd",
    "embedded-websocket": "#8c564b",
    "copy_from_slice": "#7f7f7f",
    "sha1_smol+base64": "#7f7f7f",
}


def is_ours(name):
    return name == OURS or name.startswith(OURS + "-")


def is_peer(name):
    return not is_ours(name) and name not in REFERENCES


def load(root):
    """Returns {group: {param(int): {impl: {"median_ns", "bytes", "elements"}}}}."""
    results = defaultdict(lambda: defaultdict(dict))
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            estimates = json.load(f)
        throughput = bench.get("throughput") or {}
        try:
            param = int(bench.get("value_str") or 0)
        except ValueError:
            param = 0
        results[bench["group_id"]][param][bench["function_id"]] = {
            "median_ns": estimates["median"]["point_estimate"],
            "bytes": throughput.get("Bytes") or throughput.get("BytesDecimal"),
            "elements": throughput.get("Elements"),
        }
    return results


def size_label(n):
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n >> 10} KiB"
    return f"{n} B"


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.2f} ns"


def fmt_figure(group, entry):
    """Throughput in GB/s (10^9 bytes), or nanoseconds per element."""
    if entry["bytes"]:
        return f"{entry['bytes'] / entry['median_ns']:.1f} GB/s"
    if entry["elements"] and entry["elements"] > 1:
        return f"{entry['median_ns'] / entry['elements']:.1f} ns/frame"
    return None


def markdown(results):
    lines = []
    for group in sorted(results, key=lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else 99, g)):
        params = results[group]
        impls = sorted(
            {name for entries in params.values() for name in entries},
            key=lambda n: (0 if is_ours(n) else 2 if n in REFERENCES else 1, n),
        )
        lines.append(f"### {GROUP_TITLES.get(group, group)} (`{group}`)")
        lines.append("")
        header = ["size" if group.startswith(("unmask", "encode")) else "case"] + impls
        header.append("wsframe vs best peer")
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for param in sorted(params):
            entries = params[param]
            row = [size_label(param) if group.startswith(("unmask", "encode")) else str(param)]
            for name in impls:
                entry = entries.get(name)
                figure = fmt_figure(group, entry) if entry else None
                if not entry:
                    row.append("—")
                elif figure:
                    row.append(f"{fmt_time(entry['median_ns'])} ({figure})")
                else:
                    row.append(fmt_time(entry["median_ns"]))
            peers = [e["median_ns"] for n, e in entries.items() if is_peer(n)]
            ours = [(e["median_ns"], n) for n, e in entries.items() if is_ours(n)]
            if peers and ours:
                best_peer = min(peers)
                parts = [f"{best_peer / t:.2f}× ({n})" if len(ours) > 1 else f"{best_peer / t:.2f}×"
                         for t, n in sorted(ours, key=lambda x: x[1])]
                row.append(", ".join(parts))
            else:
                row.append("—")
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    lines.append("Ratios are the best peer's median time divided by wsframe's (above 1: wsframe is faster); "
                 "`copy_from_slice` (the physical reference for unmasking) and `sha1_smol+base64` (the "
                 "crates `accept_key` is built on, called directly) are references, not peers.")
    return "\n".join(lines) + "\n"


# ----- SVG -----

def esc(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def line_panel(results, group, x0, y0, w, h):
    """Throughput (GB/s) against payload size, log-log, one line per implementation."""
    params = results.get(group, {})
    out = [f'<text x="{x0 + w / 2}" y="{y0 - 12}" text-anchor="middle" font-weight="bold">'
           f"{esc(GROUP_TITLES.get(group, group))}</text>"]
    series = defaultdict(list)
    for param in sorted(params):
        for name, entry in params[param].items():
            if entry["bytes"]:
                series[name].append((param, entry["bytes"] / entry["median_ns"]))
    if not series:
        return out
    xs = [p for pts in series.values() for p, _ in pts]
    ys = [v for pts in series.values() for _, v in pts]
    lx0, lx1 = math.log10(min(xs)), math.log10(max(xs))
    ly0 = math.floor(math.log10(min(ys)))
    ly1 = math.ceil(math.log10(max(ys)))
    lx1 = lx1 if lx1 > lx0 else lx0 + 1
    ly1 = ly1 if ly1 > ly0 else ly0 + 1

    def px(x):
        return x0 + (math.log10(x) - lx0) / (lx1 - lx0) * w

    def py(y):
        return y0 + h - (math.log10(y) - ly0) / (ly1 - ly0) * h

    out.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>')
    for e in range(ly0, ly1 + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if 10 ** ly0 <= v <= 10 ** ly1:
                y = py(v)
                out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#eee"/>')
                out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{v:g}</text>')
    for x in sorted(set(xs)):
        out.append(f'<text x="{px(x):.1f}" y="{y0 + h + 16}" text-anchor="middle" font-size="11">'
                   f"{esc(size_label(x))}</text>")
    out.append(f'<text x="{x0 - 40}" y="{y0 + h / 2}" text-anchor="middle" font-size="12" '
               f'transform="rotate(-90 {x0 - 40} {y0 + h / 2})">GB/s (log)</text>')
    for i, (name, pts) in enumerate(sorted(series.items())):
        colour = COLOURS.get(name, "#000")
        dash = ' stroke-dasharray="5,4"' if name in REFERENCES else ""
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        width = 3 if is_ours(name) else 1.8
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>')
        for x, y in pts:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
        ly = y0 + 14 + i * 16
        out.append(f'<line x1="{x0 + 10}" y1="{ly - 4}" x2="{x0 + 30}" y2="{ly - 4}" stroke="{colour}" '
                   f'stroke-width="{width}"{dash}/>')
        out.append(f'<text x="{x0 + 35}" y="{ly}" font-size="11">{esc(name)}</text>')
    return out


def bar_panel(results, group, x0, y0, w, h, title, param=None, per_element=True):
    """One bar per implementation for one parameter of a group: nanoseconds per element
    (lower is better) or GB/s (higher is better)."""
    params = results.get(group, {})
    out = [f'<text x="{x0 + w / 2}" y="{y0 - 12}" text-anchor="middle" font-weight="bold">'
           f"{esc(title)}</text>"]
    if not params:
        return out
    entries = params[param if param in params else max(params)]
    if per_element:
        bars = sorted((e["median_ns"] / (e["elements"] or 1), n) for n, e in entries.items())
    else:
        bars = sorted(((e["bytes"] / e["median_ns"], n) for n, e in entries.items() if e["bytes"]),
                      reverse=True)
    top = max(v for v, _ in bars)
    bh = h / max(len(bars), 1)
    for i, (v, name) in enumerate(bars):
        y = y0 + i * bh
        bw = v / top * (w - 190)
        out.append(f'<text x="{x0 + 130}" y="{y + bh / 2 + 4:.1f}" text-anchor="end" font-size="12">{esc(name)}</text>')
        out.append(f'<rect x="{x0 + 136}" y="{y + 3:.1f}" width="{bw:.1f}" height="{bh - 6:.1f}" '
                   f'fill="{COLOURS.get(name, "#000")}"/>')
        out.append(f'<text x="{x0 + 140 + bw:.1f}" y="{y + bh / 2 + 4:.1f}" font-size="12">{v:.1f}</text>')
    return out


def svg(results):
    width, height = 1000, 760
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    parts += line_panel(results, "unmask-aligned", 80, 40, 380, 300)
    parts += line_panel(results, "unmask-offset3", 580, 40, 380, 300)
    parts += bar_panel(results, "decode", 40, 420, 420, 200,
                       "Server read path, 20-byte masked text frames: ns/frame (lower is better)")
    parts += bar_panel(results, "encode-client", 540, 420, 420, 200,
                       "Client encode of 64 KiB (masked): GB/s (higher is better)",
                       param=65536, per_element=False)
    parts.append(f'<text x="{width / 2}" y="{height - 20}" text-anchor="middle" font-size="11" fill="#555">'
                 "medians from criterion; generated by scripts/bench-report.py</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_root = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    parser.add_argument("--criterion", default=default_root, help="criterion output directory")
    parser.add_argument("--svg", help="write the chart here")
    parser.add_argument("--markdown", help="write the tables here (default: stdout)")
    args = parser.parse_args()

    results = load(args.criterion)
    if not results:
        print(f"no criterion results under {args.criterion}", file=sys.stderr)
        return 1
    table = markdown(results)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    else:
        sys.stdout.write(table)
    if args.svg:
        with open(args.svg, "w") as f:
            f.write(svg(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
