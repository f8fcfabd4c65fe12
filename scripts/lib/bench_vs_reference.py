#!/usr/bin/env python3
"""The bookkeeping of scripts/bench/bench-vs-reference (stdlib only):

  bench_vs_reference.py row BENCH_JSON RSS_FILE
      one bench's last line (a JSON object with enc_ms and dec_ms, from `wfvae bench`
      or ../shared/ref-bench/bench_ref.py) and /usr/bin/time -f %M's output (KB) as
      "enc_ms dec_ms rss_mb"
  bench_vs_reference.py table NAME WORK
      the markdown rows of one case from WORK/{ours,theirs,ours_cold,theirs_cold}.txt
      (lines of `row`): warm medians (min-max over rounds), cold enc+dec, peak RSS, and
      the reference/ours ratios
"""
import json
import statistics
import sys


def row(bench_json, rss_file):
    j = json.load(open(bench_json))
    print(j["enc_ms"], j["dec_ms"], int(open(rss_file).read().split()[-1]) // 1024)


def table(name, work):
    def load(n):
        return [list(map(float, l.split())) for l in open(f"{work}/{n}.txt") if l.strip()]

    o, t, oc, tc = load("ours"), load("theirs"), load("ours_cold"), load("theirs_cold")

    def med(rows, i):
        return statistics.median(r[i] for r in rows)

    def span(rows, i):
        return f"{min(r[i] for r in rows):.0f}-{max(r[i] for r in rows):.0f}"

    def tot(rows):
        return [[r[0] + r[1]] for r in rows]

    print(f"| {name} | ours | {med(o,0):.0f} ({span(o,0)}) | {med(o,1):.0f} ({span(o,1)}) | {med(oc,0)+med(oc,1):.0f} | {med(o,2):.0f} |")
    print(f"| | reference | {med(t,0):.0f} ({span(t,0)}) | {med(t,1):.0f} ({span(t,1)}) | {med(tc,0)+med(tc,1):.0f} | {med(t,2):.0f} |")
    print(f"| | ratio ref/ours (enc+dec) | warm {med(tot(t),0)/med(tot(o),0):.2f}x | | cold {(med(tc,0)+med(tc,1))/(med(oc,0)+med(oc,1)):.2f}x | |")


def main():
    commands = {"row": row, "table": table}
    if len(sys.argv) != 4 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
