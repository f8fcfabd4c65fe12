#!/usr/bin/env bash
# The paper's perceptual metrics end to end: recon --lpips (per-frame LPIPS in the
# JSON and CSV, the map video), eval --lpips --fvd (the ALL row's FVD from the
# features kept beside the table, the same after a resume as in one run), and the
# messages when no weights are found. Weights: the metrics-parity fixtures' seeded
# stand-ins, in the real files' formats (skipped when they are not there).
set -euo pipefail
source "$(dirname "$0")/media_test_lib.sh"

fx="$src/../shared/fixtures/metrics-parity"
[ -f "$fx/lpips-alex/alexnet.pth" ] && [ -f "$fx/fvd-styleganv/detector.pt" ] ||
  skip "no metrics-parity fixtures at $fx (they come from ../shared beside the checkout)"
lpips=(--lpips --lpips-alexnet "$fx/lpips-alex/alexnet.pth" --lpips-lin "$fx/lpips-alex/lin.pth")
fvd=(--fvd --i3d "$fx/fvd-styleganv/detector.pt")

make_clip a.mp4 64x48 9 10 -c:v libx264 -pix_fmt yuv420p
ffmpeg -nostdin -v error -y -f lavfi -i "mandelbrot=size=64x48:rate=10" -frames:v 9 -c:v ffv1 b.mkv
ffmpeg -nostdin -v error -y -f lavfi -i "life=size=64x48:rate=10:mold=10" -frames:v 9 -c:v ffv1 c.mkv
common=(--model "$model" --size 32x48 --frames 9)

note "recon --lpips: per-frame LPIPS in the JSON and the CSV, the map as a video"
expect_rc 0 recon a.mp4 -o r.mkv "${common[@]}" "${lpips[@]}" --metrics m.json --metrics-csv m.csv --lpips-map map.mkv
grep -Eq "^LPIPS [0-9.]+ \(alex, lower is better\)" out.txt || fail "no LPIPS line: $(cat out.txt)"
[ "$(frames_of map.mkv)" = 9 ] || fail "the LPIPS map video has $(frames_of map.mkv) frames, not 9"
"$py" - <<'PY' || fail "LPIPS in the reports"
import csv, json, math
j = json.load(open("m.json"))
per = j["lpips_per_frame"]
assert len(per) == 9 and all(v > 0 and math.isfinite(v) for v in per), per
assert abs(j["lpips_mean"] - sum(per) / 9) < 1e-12, j["lpips_mean"]
assert "cal_lpips.py" in j["lpips"]["definition"] and j["lpips"]["alexnet"].endswith("alexnet.pth")
rows = [r for r in csv.reader(l for l in open("m.csv") if not l.startswith("#"))]
assert rows[0][-1] == "lpips", rows[0]
assert [float(r[-1]) for r in rows[1:10]] == [float("%.10g" % v) for v in per] or \
    all(abs(float(r[-1]) - v) < 1e-9 for r, v in zip(rows[1:10], per)), rows
PY

note "without weights: the metric is not left out silently; the message says where it looked"
HOME=$PWD/nohome TORCH_HOME= XDG_CACHE_HOME= expect_rc 2 recon a.mp4 -o r2.mkv "${common[@]}" --lpips
expect_in err.txt "alexnet-owt-7be5be79.pth) not found (looked in $PWD/nohome/.cache/torch/hub/checkpoints"
expect_in err.txt "--lpips-alexnet"
[ ! -e r2.mkv ] || fail "a refused recon wrote its output"
expect_rc 1 recon a.mp4 -o r3.mkv "${common[@]}" --lpips-map m.mkv
expect_in err.txt "--lpips-map needs --lpips"
expect_rc 2 eval a.mp4 --out x.csv "${common[@]}" --fvd --i3d nowhere.pt
expect_in err.txt "nowhere.pt: no such file (FVD's I3D detector"

note "eval --lpips --fvd: LPIPS per row, FVD in the ALL row, features beside the table"
expect_rc 0 eval a.mp4 b.mkv c.mkv --out one.csv "${common[@]}" "${lpips[@]}" "${fvd[@]}" --fvd-batched 2
expect_in out.txt "FVD features: one.i3d.safetensors"
expect_in out.txt "FVD as the reference's eval scripts report it"
[ -f one.i3d.safetensors ] || fail "no features file"

note "a resumed run (two inputs, then all three) gives the one run's FVD"
expect_rc 0 eval a.mp4 b.mkv --out two.csv "${common[@]}" "${lpips[@]}" "${fvd[@]}"
expect_rc 0 eval a.mp4 b.mkv c.mkv --out two.csv "${common[@]}" "${lpips[@]}" "${fvd[@]}"
expect_in out.txt "2 skipped"
"$py" - <<'PY' || fail "FVD of the ALL row"
import csv, math
def table(p):
    return {r["file"]: r for r in csv.DictReader(open(p))}
one, two = table("one.csv"), table("two.csv")
f1, f2 = float(one["ALL"]["fvd"]), float(two["ALL"]["fvd"])
assert math.isfinite(f1) and f1 > 0, f1
assert f1 == f2, (f1, f2)
for f in ("a.mp4", "b.mkv", "c.mkv"):
    assert float(one[f]["lpips"]) > 0 and one[f]["fvd"] == "", one[f]
    assert one[f]["lpips"] == two[f]["lpips"], f
assert "detector sha256" in one["ALL"]["error"] and "all 3 videos at once" in one["ALL"]["error"], one["ALL"]["error"]
PY

note "the features file belongs to its detector: another one is refused"
cp "$fx/fvd-styleganv/detector.pt" other.pt && printf 'x' >>other.pt
expect_rc 2 eval a.mp4 --out one.csv "${common[@]}" "${lpips[@]}" --fvd --i3d other.pt
note "hostile weight and feature files: a clear error naming the file, no output"
head -c 1000 /dev/urandom >junk.pt
head -c 5000 "$fx/lpips-alex/alexnet.pth" >trunc.pth
echo garbage >bad.i3d.safetensors
expect_rc 2 eval a.mp4 --out h1.csv "${common[@]}" --fvd --i3d junk.pt
expect_in err.txt "junk.pt: not a TorchScript module"
expect_rc 2 recon a.mp4 -o h2.mkv "${common[@]}" --lpips --lpips-alexnet trunc.pth --lpips-lin "$fx/lpips-alex/lin.pth"
expect_in err.txt "trunc.pth: zip archive without its end record"
expect_rc 2 recon a.mp4 -o h3.mkv "${common[@]}" --lpips --lpips-alexnet "$fx/lpips-alex/lin.pth" --lpips-lin "$fx/lpips-alex/lin.pth"
expect_in err.txt "no tensor 'features.0.weight'"
expect_rc 2 eval a.mp4 --out bad.csv "${common[@]}" "${fvd[@]}"
expect_in err.txt "bad.i3d.safetensors"
for f in h1.csv h2.mkv h3.mkv bad.csv; do [ ! -e "$f" ] || fail "$f was written by a refused run"; done
echo PASS
