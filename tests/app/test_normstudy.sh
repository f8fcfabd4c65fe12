#!/usr/bin/env bash
# wfvae normstudy end to end on the bundled GroupNorm and LayerNorm models: static,
# moving and still-image clips; the report's figures are the rows' (summary.csv and the
# charts' data- attributes recomputed from the parts); two shards and --report-only give
# one run's report; a rerun skips; a bad clip is an error row; a num_groups that cannot
# apply is refused before any work.
set -euo pipefail
source "$(dirname "$0")/media_test_lib.sh"

gn=$src/assets/models/wfvae-tiny-gn
ln=$src/assets/models/wfvae-tiny-ln
[ -f "$gn/config.json" ] && [ -f "$ln/config.json" ] || skip "the bundled models are not there"
mkdir -p data
ffmpeg -nostdin -v error -f lavfi -i "smptebars=size=48x32:rate=10" -frames:v 9 -c:v ffv1 data/bars.mkv
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=48x32:rate=10" -frames:v 9 -c:v ffv1 data/moving.mkv
ffmpeg -nostdin -v error -f lavfi -i "mandelbrot=size=48x32:rate=10" -frames:v 9 -c:v ffv1 data/zoom.mkv
ffmpeg -nostdin -v error -f lavfi -i "color=c=0x406080:size=48x32" -frames:v 9 -c:v ffv1 data/flat.mkv
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=48x32" -frames:v 1 data/still.png
settings="$gn,$ln"
common=(--settings "$settings" --size 32x32 --frames 9 --device cpu)

note "one run: a row per clip and setting, the report"
expect_rc 0 normstudy data --out one "${common[@]}"
expect_all out.txt "normstudy: 5 clips x 2 settings into one" "wrote: one/report.html" \
  "claim: LayerNorm gives a higher PSNR on static scenes and images"
for f in part-0-of-1.jsonl report.json summary.csv report.html; do [ -s "one/$f" ] || fail "one/$f missing"; done
[ "$(wc -l <one/part-0-of-1.jsonl)" = 10 ] || fail "expected 10 rows"

note "the report's figures are the rows'"
"$py" - <<'PY' || fail "report vs rows"
import csv, json, re, statistics
rows = [json.loads(l) for l in open("one/part-0-of-1.jsonl")]
rep = json.load(open("one/report.json"))
cls = {c["clip"]: c["class"] for c in rep["clips"]}
assert cls["data/still.png"] == "image", cls
assert cls["data/flat.mkv"] == "static" and cls["data/bars.mkv"] == "static", cls
assert cls["data/zoom.mkv"] == "dynamic" or cls["data/moving.mkv"] == "dynamic", cls
summary = list(csv.DictReader(open("one/summary.csv")))
html = open("one/report.html").read()
for s in rep["settings"]:
    mine = [r for r in rows if r["setting"] == s["key"] and r["status"] == "ok"]
    assert len(mine) == 5 == s["clips"], (s["key"], len(mine))
    mean = statistics.mean(r["psnr"] for r in mine)
    assert abs(s["psnr"]["mean"] - mean) < 1e-9, (s["psnr"]["mean"], mean)
    assert abs(s["psnr"]["std"] - statistics.stdev(r["psnr"] for r in mine)) < 1e-9
    line = [x for x in summary if x["setting"] == s["key"] and x["class"] == "all"][0]
    assert line["psnr_mean"] == "%.4f" % mean, (line["psnr_mean"], mean)
    assert int(line["peak_mib"].split(".")[0]) >= 0
    for c in ("static", "dynamic", "image", "moderate"):
        vals = [r["psnr"] for r in mine if cls[r["clip"]] == c]
        if not vals:
            continue
        want = "%.4f" % statistics.mean(vals)
        got = re.findall(r'data-setting="%s" data-class="%s" data-psnr="([^"]+)"' % (re.escape(s["key"]), c), html)
        assert got == [want], (s["key"], c, got, want)
        row = [x for x in summary if x["setting"] == s["key"] and x["class"] == c][0]
        assert row["psnr_mean"] == want, (row, want)
    for r in mine:
        assert 'data-clip="%s" data-psnr="%.4f"' % (r["clip"], r["psnr"]) in html or r["motion"] is None, r["clip"]
verdicts = re.findall(r'data-verdict="([^"]+)"', html)
assert verdicts == [c["verdict"] for c in rep["claims"]], verdicts
assert rep["claims"][0]["verdict"] == "not measured", rep["claims"][0]  # no --fvd here
PY

note "a rerun skips every row"
expect_rc 0 normstudy data --out one "${common[@]}"
expect_in out.txt "0 run, 10 skipped (done before), 0 failed"

note "two shards, then --report-only: one run's report (times and memory aside)"
expect_rc 0 normstudy data --out split "${common[@]}" --shard 0/2
expect_rc 0 normstudy data --out split "${common[@]}" --shard 1/2
expect_rc 0 normstudy --report-only --out split --settings "$settings"
"$py" - <<'PY' || fail "the sharded report differs"
import json
def strip(rep):
    for s in rep["settings"]:
        for k in ("encode_ms", "decode_ms", "peak_bytes"):
            s.pop(k)
    for r in rep["rows"]:
        for k in ("encode_ms", "decode_ms", "peak_bytes"):
            r.pop(k)
    rep["claims"] = [c for c in rep["claims"] if "memory" not in c["claim"]]
    return rep
a, b = strip(json.load(open("one/report.json"))), strip(json.load(open("split/report.json")))
assert a == b, "one run and two shards disagree"
PY
# The same rows split over two part files: byte-identical reports.
mkdir -p resplit
head -n 4 one/part-0-of-1.jsonl >resplit/part-0-of-2.jsonl
tail -n +5 one/part-0-of-1.jsonl >resplit/part-1-of-2.jsonl
expect_rc 0 normstudy --report-only --out resplit --settings "$settings"
for f in report.json summary.csv report.html; do cmp -s "one/$f" "resplit/$f" || fail "$f: a merge of the same rows differs"; done

fixtures=$src/../shared/fixtures/metrics-parity
if [ -f "$fixtures/fvd-styleganv/detector.pt" ] && [ -f "$fixtures/lpips-alex/alexnet.pth" ]; then
  note "with --lpips and --fvd (the metric fixtures' stand-in networks): FVD per setting and class, claim 1 decided"
  expect_rc 0 normstudy data --out fvd "${common[@]}" --motion-thresholds 0.1,0.2 --fvd \
    --i3d "$fixtures/fvd-styleganv/detector.pt" --lpips --lpips-alexnet "$fixtures/lpips-alex/alexnet.pth" \
    --lpips-lin "$fixtures/lpips-alex/lin.pth"
  "$py" - <<'PY' || fail "FVD and LPIPS in the report"
import json, re
rep = json.load(open("fvd/report.json"))
assert not rep["motion_thresholds"]["from"].startswith("terciles"), rep["motion_thresholds"]
for s in rep["settings"]:
    assert s["fvd"] is not None and s["lpips"]["n"] == 5, s
    dyn = [c for c in s["classes"] if c["class"] == "dynamic"]
    assert dyn and dyn[0]["clips"] >= 2 and dyn[0]["fvd"] is not None, s["classes"]
claim = rep["claims"][0]
assert claim["verdict"] in ("holds", "does not hold"), claim
html = open("fvd/report.html").read()
for s in rep["settings"]:
    for c in s["classes"]:
        if c["fvd"] is not None:
            assert 'data-setting="%s" data-class="%s" data-fvd="%.4f"' % (s["key"], c["class"], c["fvd"]) in html, c
PY
else
  echo "-- (no metric fixtures: the --lpips/--fvd case is left out)"
fi

note "a bad clip is an error row and the study goes on"
echo "not a video" >data/broken.mp4
expect_rc 2 normstudy data --out one "${common[@]}"
expect_in out.txt "FAIL  wfvae-tiny-gn:groupnorm:8"
expect_in out.txt "0 run, 10 skipped (done before), 2 failed"

note "a damaged part file is refused naming the file and line; no report is written from it"
mkdir -p hostile
for bad in '{"format": "wfvae-normstudy-row", "setting": "x"' '{"format": "other"}' \
  '{"format": "wfvae-normstudy-row", "setting": 1, "clip": "c", "status": "ok", "fingerprint": "f"}' \
  '{"format": "wfvae-normstudy-row", "setting": "s", "clip": "c", "status": "maybe", "fingerprint": "f"}' \
  '{"format": "wfvae-normstudy-row", "setting": "s", "clip": "c", "status": "ok", "fingerprint": "f", "i3d_real": [1, "x"]}'; do
  rm -rf hostile/study && mkdir -p hostile/study
  head -n 2 one/part-0-of-1.jsonl >hostile/study/part-0-of-1.jsonl
  printf '%s\n' "$bad" >>hostile/study/part-0-of-1.jsonl
  expect_rc 2 normstudy --report-only --out hostile/study --settings "$settings"
  expect_in err.txt "hostile/study/part-0-of-1.jsonl: line 3"
  [ ! -e hostile/study/report.json ] || fail "a report was written from a damaged part"
done

note "a setting that cannot apply is refused before any work"
expect_rc 1 normstudy data --out refused --settings "$gn:groupnorm:5" --size 32x32 --frames 9
expect_in err.txt "wfvae-tiny-gn: "
expect_in err.txt "valid"
[ ! -e refused ] || fail "a refused study wrote its folder"
expect_rc 2 normstudy data --out refused --settings nosuchmodel
expect_in err.txt "nosuchmodel: no such model"
echo "PASS"
