#!/usr/bin/env python3
"""Summarise and gate an Autobahn|Testsuite report (index.json).

    check.py REPORT_DIR [--agent NAME] [--role server|client]
             [--expected FILE | --no-expected] [--write-expected]
             [--allow BEHAVIOR ...] [--allow-close BEHAVIOR ...]

REPORT_DIR holds wstest's index.json (and cases.json, the list of case ids the
run asked for, written by run.sh).  Prints counts per behavior and per close
behavior for each case category (top-level number), the 9.* durations and the
slowest cases.

Exit status: 0 = gate passed; 1 = gate failed; 2 = no usable report.
The gate fails when
  * a requested case is missing from the report (run stopped early),
  * a case's behavior or behaviorClose is not OK/INFORMATIONAL (plus whatever
    --allow/--allow-close add; UNIMPLEMENTED is accepted for 12.*/13.* only),
  * the expectations file exists and a requested case's
    [behavior, behaviorClose] differs from it or is absent from it.
--write-expected (re)writes the expectations file from this report instead of
comparing (the behavior gate still applies).  Default expectations file:
tests/autobahn/expected/<role>-<agent>.json next to this script.
"""
import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD = {"OK", "INFORMATIONAL"}
ORDER = ["OK", "INFORMATIONAL", "NON-STRICT", "UNIMPLEMENTED", "WRONG CODE",
         "UNCLEAN", "FAILED BY CLIENT", "FAILED"]
DEFLATE_CATEGORIES = {12, 13}   # permessage-deflate


def case_key(cid):
    return tuple(int(x) for x in cid.split("."))


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                              for i, (c, w) in enumerate(zip(r, widths)))
    out = [fmt(header), fmt(["-" * w for w in widths])]
    out += [fmt(r) for r in rows]
    return "\n".join(out)


def counts_table(results, field):
    per_cat = defaultdict(Counter)
    for cid, r in results.items():
        per_cat[case_key(cid)[0]][r[field]] += 1
    seen = {b for c in per_cat.values() for b in c}
    cols = [b for b in ORDER if b in seen] + sorted(seen - set(ORDER))
    rows = []
    total = Counter()
    for cat in sorted(per_cat):
        c = per_cat[cat]
        total.update(c)
        rows.append([f"{cat}.*", sum(c.values())] + [c.get(b, "") for b in cols])
    rows.append(["all", sum(total.values())] + [total.get(b, "") for b in cols])
    return table(["cat", "cases"] + cols, rows)


def durations_9(results):
    sub = defaultdict(dict)
    for cid, r in results.items():
        k = case_key(cid)
        if k[0] == 9:
            sub[k[:2]][k[2]] = r.get("duration")
    if not sub:
        return None
    ncol = max(max(v) for v in sub.values())
    rows = []
    for s in sorted(sub):
        vals = sub[s]
        cells = ["" if vals.get(i) is None else vals[i] for i in range(1, ncol + 1)]
        rows.append([f"{s[0]}.{s[1]}.*"] + cells + [sum(v or 0 for v in vals.values())])
    return table(["ms"] + [f".{i}" for i in range(1, ncol + 1)] + ["sum"], rows)


def write_expected(path, results):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    lines = [f"  {json.dumps(cid)}: {json.dumps([r['behavior'], r['behaviorClose']])}"
             for cid, r in sorted(results.items(), key=lambda kv: case_key(kv[0]))]
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("report_dir")
    ap.add_argument("--agent", help="agent name in index.json (default: the only one)")
    ap.add_argument("--role", choices=["server", "client"],
                    help="testee role, used for the default expectations file name")
    ap.add_argument("--expected", help="expectations file (default expected/<role>-<agent>.json)")
    ap.add_argument("--no-expected", action="store_true", help="skip the expectations comparison")
    ap.add_argument("--write-expected", action="store_true",
                    help="(re)write the expectations file from this report")
    ap.add_argument("--allow", action="append", default=[], metavar="BEHAVIOR",
                    help="also accept this behavior (e.g. NON-STRICT)")
    ap.add_argument("--allow-close", action="append", default=[], metavar="BEHAVIOR",
                    help="also accept this close behavior (e.g. FAILED_BY_CLIENT)")
    ap.add_argument("--max-list", type=int, default=40, help="max problem lines to print")
    a = ap.parse_args()

    index_path = os.path.join(a.report_dir, "index.json")
    if not os.path.isfile(index_path):
        print(f"check: no report at {index_path}", file=sys.stderr)
        return 2
    index = load_json(index_path)
    if a.agent is None:
        if len(index) != 1:
            print(f"check: report has agents {sorted(index)}; pass --agent", file=sys.stderr)
            return 2
        a.agent = next(iter(index))
    if a.agent not in index:
        print(f"check: agent {a.agent!r} not in report (agents: {sorted(index)}); "
              "did the testee pass the right agent= / is the agent name right?", file=sys.stderr)
        return 2
    results = index[a.agent]

    requested = None
    cases_path = os.path.join(a.report_dir, "cases.json")
    if os.path.isfile(cases_path):
        requested = load_json(cases_path)

    role = a.role or "unknown"
    print(f"== Autobahn report: agent={a.agent} role={role} cases={len(results)} "
          f"({index_path})")
    if not results:
        print("check: report contains no cases", file=sys.stderr)
        return 1
    print("\n-- behavior per category")
    print(counts_table(results, "behavior"))
    print("\n-- close behavior per category")
    print(counts_table(results, "behaviorClose"))
    d9 = durations_9(results)
    if d9:
        print("\n-- 9.* durations (ms)")
        print(d9)
    total_ms = sum(r.get("duration") or 0 for r in results.values())
    slow = sorted(results.items(), key=lambda kv: -(kv[1].get("duration") or 0))[:5]
    print(f"\n-- total case time {total_ms / 1000:.1f} s; slowest: " +
          ", ".join(f"{cid} {r.get('duration')}ms" for cid, r in slow))

    problems = []
    bad = set()   # case ids that fail the gate
    if requested is not None:
        missing = [c for c in requested if c not in results]
        bad.update(missing)
        if missing:
            problems.append(f"{len(missing)} requested case(s) missing from the report "
                            f"(run stopped early?): {', '.join(missing[:20])}"
                            + (" ..." if len(missing) > 20 else ""))
    # values may be comma separated; "_" stands for " " (FAILED_BY_CLIENT)
    norm = lambda vals: {v.strip().replace("_", " ") for x in vals for v in x.split(",") if v.strip()}
    ok_b = GOOD | norm(a.allow)
    ok_c = GOOD | norm(a.allow_close)
    for cid in sorted(results, key=case_key):
        r = results[cid]
        b, c = r["behavior"], r["behaviorClose"]
        deflate = case_key(cid)[0] in DEFLATE_CATEGORIES
        if b not in ok_b and not (deflate and b == "UNIMPLEMENTED"):
            bad.add(cid)
            problems.append(f"{cid}: behavior {b} (close {c}, remote code "
                            f"{r.get('remoteCloseCode')}) see {r.get('reportfile')}")
        elif c not in ok_c and not (deflate and b == "UNIMPLEMENTED"):
            bad.add(cid)
            problems.append(f"{cid}: close behavior {c} (behavior {b}, remote code "
                            f"{r.get('remoteCloseCode')}) see {r.get('reportfile')}")

    exp_path = a.expected
    if exp_path is None and a.role:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", a.agent)
        exp_path = os.path.join(HERE, "expected", f"{a.role}-{safe}.json")
    if a.write_expected:
        if not exp_path:
            print("check: --write-expected needs --role or --expected", file=sys.stderr)
            return 2
        write_expected(exp_path, results)
        print(f"\n-- wrote expectations for {len(results)} cases to {exp_path}")
    elif a.no_expected or not exp_path:
        print("\n-- expectations: not compared")
    elif not os.path.isfile(exp_path):
        print(f"\n-- expectations: none at {exp_path} (create with --write-expected "
              "or AUTOBAHN_WRITE_EXPECTED=1)")
    else:
        exp = load_json(exp_path)
        ids = requested if requested is not None else sorted(results, key=case_key)
        diffs = []
        for cid in ids:
            got = results.get(cid)
            got = [got["behavior"], got["behaviorClose"]] if got else None
            want = exp.get(cid)
            if got != want:
                bad.add(cid)
                diffs.append(f"{cid}: expected {want}, got {got}")
        print(f"\n-- expectations {exp_path}: {len(ids) - len(diffs)}/{len(ids)} match")
        if diffs:
            problems.append(f"{len(diffs)} case(s) differ from {exp_path}:")
            problems.extend("  " + d for d in diffs)

    n_all = len(set(results) | set(requested or []))
    summary = f"autobahn: {n_all - len(bad)} passed, {len(bad)} failed"
    if problems:
        print(f"\nFAIL: {len(problems)} problem line(s):")
        for p in problems[:a.max_list]:
            print("  " + p)
        if len(problems) > a.max_list:
            print(f"  ... {len(problems) - a.max_list} more")
        print(f"HTML report: {os.path.join(a.report_dir, 'index.html')}")
        print(summary)
        return 1
    print(f"\nPASS: all {len(results)} cases accepted")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
