#!/usr/bin/env python3
"""The tables of scripts/bench/profile-vs-reference (stdlib only):

    profile_compare.py WORK ROUNDS

reads WORK/ours.R (`wfvae bench --profile`) and WORK/ref.R (profile_reference.py) for
R = 1..ROUNDS and prints, per pass (decode, then encode), one markdown table of every
named scope (inclusive) and one of the 12 operators with the most self time: calls of
the first round that has the row, and milliseconds as the median over rounds (equal
medians in name order).
"""
import re
import statistics
import sys


def parse(path):
    passes, cur = {}, None
    for line in open(path):
        m = re.match(r"(encode|decode), ([\d.]+) ms", line)
        if m:
            cur = passes.setdefault(m.group(1), {"total": float(m.group(2)), "scope": {}, "op": {}})
            kind = None
            continue
        if cur is None:
            continue
        if line.startswith("scope"):
            kind = "scope"
            continue
        if line.startswith("operator"):
            kind = "op"
            continue
        f = line.split()
        if kind and line.startswith("  ") and len(f) >= 3 and not line.startswith("  all"):
            cur[kind][f[0]] = (int(f[1]), float(f[2]))
    return passes


def med(runs, p, kind, key):
    v = [r[p][kind][key][1] for r in runs if p in r and key in r[p][kind]]
    return statistics.median(v) if v else None


def calls(runs, p, kind, key):
    for r in runs:
        if p in r and key in r[p][kind]:
            return r[p][kind][key][0]
    return ""


def fmt(v):
    return "—" if v is None else f"{v:.1f}"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    work, rounds = sys.argv[1], int(sys.argv[2])
    ours = [parse(f"{work}/ours.{r}") for r in range(1, rounds + 1)]
    ref = [parse(f"{work}/ref.{r}") for r in range(1, rounds + 1)]
    for p in ("decode", "encode"):
        to = statistics.median(r[p]["total"] for r in ours)
        tr = statistics.median(r[p]["total"] for r in ref)
        print(f"\n### {p}: ours {to:.0f} ms, reference {tr:.0f} ms\n")
        print("| scope (inclusive) | ours calls | ours ms | reference calls | reference ms |\n| --- | ---: | ---: | ---: | ---: |")
        keys = sorted({k for r in ours + ref if p in r for k in r[p]["scope"]})
        for k in keys:
            print(f"| {k} | {calls(ours,p,'scope',k)} | {fmt(med(ours,p,'scope',k))} | {calls(ref,p,'scope',k)} | {fmt(med(ref,p,'scope',k))} |")
        print("\n| operator (self) | ours calls | ours ms | reference calls | reference ms |\n| --- | ---: | ---: | ---: | ---: |")
        keys = {k for r in ours + ref if p in r for k in r[p]["op"]}
        # Ties (equal medians) by name, so that the table is the same on every run.
        top = sorted(keys, key=lambda k: (-max(med(ours, p, 'op', k) or 0, med(ref, p, 'op', k) or 0), k))[:12]
        for k in top:
            print(f"| {k} | {calls(ours,p,'op',k)} | {fmt(med(ours,p,'op',k))} | {calls(ref,p,'op',k)} | {fmt(med(ref,p,'op',k))} |")


if __name__ == "__main__":
    main()
