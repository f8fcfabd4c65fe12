#!/usr/bin/env python3
"""The summary of scripts/bench/bench-encode (stdlib only):

  bench_encode.py WORK
      medians (min, max) of WORK/ours.txt and WORK/theirs.txt (encoder ms per round) and
      WORK/e2e.txt (wfvae encode, ms per clip), the reference/ours ratio of the medians
      and per round, and clips per second end to end
"""
import statistics
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    work = sys.argv[1]

    def load(name):
        return [float(x) for x in open(f"{work}/{name}.txt") if x.strip()]

    def fmt(v):
        return f"{statistics.median(v):.1f} ms (min {min(v):.1f}, max {max(v):.1f})"

    ours, theirs, e2e = load("ours"), load("theirs"), load("e2e")
    per_round = ", ".join(f"{b / a:.2f}" for a, b in zip(ours, theirs))
    print(f"encoder, ours:      {fmt(ours)}")
    print(f"encoder, reference: {fmt(theirs)}")
    print(f"reference / ours:   {statistics.median(theirs) / statistics.median(ours):.2f}x (medians; per round {per_round})")
    print(f"wfvae encode end to end: {fmt(e2e)} per clip, {1000 / statistics.median(e2e):.1f} clips/s")


if __name__ == "__main__":
    main()
