#!/usr/bin/env bash
# wfvae eval end to end: folders, lists, error rows, the ALL row, resume after a
# crash, settings checks, sharding, real footage.
set -euo pipefail
source "$(dirname "$0")/media_test_lib.sh"

mkdir -p data/sub
make_clip data/a.mkv 48x32 7 10 -c:v ffv1
make_clip data/b.mp4 40x40 6 8 -c:v libx264 -pix_fmt yuv420p
make_clip data/sub/c.avi 32x48 5 5 -c:v mpeg4
echo "not a video" >data/sub/bad.mp4
echo "ignored: no media extension" >data/readme.txt.bak
touch data/.hidden.mp4
common=(--model "$model" --size 32x32 --frames 5)

note "a folder: every media file, recursively; a bad file is an error row, exit 2"
expect_rc 2 eval data --out t.csv "${common[@]}"
expect_in out.txt "eval: 4 inputs"
expect_in out.txt "FAIL  data/sub/bad.mp4: not a video or image FFmpeg can read"
[ "$(head -1 t.csv)" = "file,frames,height,width,psnr,ssim,psnr_r,psnr_g,psnr_b,enc_ms,dec_ms,read_ms,psnr_8bit,ssim_8bit,blockiness,fps,status,error,settings,lpips,fvd" ] ||
  fail "header: $(head -1 t.csv)"
have_numpy && check_py=1 || check_py=
"$py" - <<'EOF' || fail "table content"
import csv, math
rows = list(csv.DictReader(open("t.csv")))
files = [r["file"] for r in rows]
assert files == ["data/a.mkv", "data/b.mp4", "data/sub/bad.mp4", "data/sub/c.avi", "ALL"], files
by = {r["file"]: r for r in rows}
for f in ("data/a.mkv", "data/b.mp4", "data/sub/c.avi"):
    r = by[f]
    assert r["status"] == "ok" and r["frames"] == "5" and r["height"] == "32" and r["width"] == "32", r
    assert 0 < float(r["psnr"]) < 100 and -1 <= float(r["ssim"]) <= 1 and float(r["blockiness"]) > 0, r
    assert float(r["enc_ms"]) > 0 and float(r["dec_ms"]) > 0
bad = by["data/sub/bad.mp4"]
assert bad["status"] == "error" and "data/sub/bad.mp4" in bad["error"] and bad["psnr"] == "", bad
a = by["ALL"]
ok = [by[f] for f in ("data/a.mkv", "data/b.mp4", "data/sub/c.avi")]
for k in ("psnr", "ssim", "psnr_r", "psnr_g", "psnr_b", "psnr_8bit", "ssim_8bit", "blockiness"):
    want = sum(float(r[k]) for r in ok) / 3
    assert abs(float(a[k]) - want) < 1e-6, (k, a[k], want)
assert a["frames"] == "15" and a["status"] == "summary" and "per-video mean over 3 videos" in a["error"], a
assert "1 failed" in a["error"]
assert len({r["settings"] for r in rows}) == 1 and "size=32x32" in rows[0]["settings"]
EOF
cp t.csv first.csv

note "resume: ok rows are skipped, the failed one is retried, ALL recomputed"
expect_rc 2 eval data --out t.csv "${common[@]}"
expect_in out.txt "3 already in t.csv"
expect_in out.txt "this run: 0 evaluated, 3 skipped, 1 failed"
cmp -s t.csv first.csv || { diff first.csv t.csv; fail "resuming changed the table"; }

note "a table from before the blockiness column resumes; its rows read no blockiness"
"$py" - <<'EOF' || fail "making the old table"
import csv
rows = list(csv.reader(open("first.csv")))
k = rows[0].index("blockiness")
with open("legacy.csv", "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows([r[:k] + r[k + 1:] for r in rows])
EOF
expect_rc 2 eval data --out legacy.csv "${common[@]}"
expect_in out.txt "3 already in legacy.csv"
"$py" - <<'EOF' || fail "resumed old table"
import csv
rows = {r["file"]: r for r in csv.DictReader(open("legacy.csv"))}
first = {r["file"]: r for r in csv.DictReader(open("first.csv"))}
assert rows["data/a.mkv"]["blockiness"] == "" and rows["ALL"]["blockiness"] == "", rows
assert rows["data/a.mkv"]["psnr"] == first["data/a.mkv"]["psnr"] and rows["ALL"]["psnr"] == first["ALL"]["psnr"]
EOF

note "a crash loses at most the input in progress: drop a row, only it is redone"
grep -v '^data/b.mp4,' first.csv >t.csv
rm data/sub/bad.mp4
expect_rc 0 eval data --out t.csv "${common[@]}"
expect_in out.txt "this run: 1 evaluated, 2 skipped, 0 failed"
expect_in out.txt "ok    data/b.mp4"
"$py" - <<'EOF' || fail "resumed table"
import csv
rows = list(csv.DictReader(open("t.csv")))
first = {r["file"]: r for r in csv.DictReader(open("first.csv"))}
by = {r["file"]: r for r in rows}
# The vanished bad file's old error row stays (the table is a record), and does not count.
assert [r["file"] for r in rows] == ["data/a.mkv", "data/sub/bad.mp4", "data/sub/c.avi", "data/b.mp4", "ALL"], [r["file"] for r in rows]
assert by["data/b.mp4"]["psnr"] == first["data/b.mp4"]["psnr"], "deterministic rerun"
assert by["ALL"]["psnr"] == first["ALL"]["psnr"], (by["ALL"]["psnr"], first["ALL"]["psnr"])
EOF

note "resuming with other settings is refused; the table is untouched"
cp t.csv keep.csv
expect_rc 2 eval data --out t.csv --model "$model" --size 40x40 --frames 5
expect_in err.txt "t.csv: rows were made with other settings"
cmp -s t.csv keep.csv || fail "table changed by a refused resume"
echo "a,b" >foreign.csv
expect_rc 2 eval data --out foreign.csv "${common[@]}"
expect_in err.txt "foreign.csv: not a wfvae eval table"
expect_rc 1 eval data --out t.txt "${common[@]}"

note "list files: paths relative to the list's folder; folders allowed in lists"
mkdir lists
printf '# inputs\n../data/a.mkv\n\n../data/sub\n' >lists/l.txt
expect_rc 0 eval lists/l.txt --out l.csv "${common[@]}"
[ "$(cut -d, -f1 l.csv | tr '\n' ' ')" = "file data/a.mkv data/sub/c.avi ALL " ] || fail "list rows: $(cut -d, -f1 l.csv | tr '\n' ' ')"

note "shards: i/n takes sorted positions p with p % n == i; together they cover everything once"
make_clip data/d.mkv 32x32 5 10 -c:v ffv1
expect_rc 0 eval data --out s0.csv --shard 0/2 "${common[@]}"
expect_in out.txt "eval: 2 inputs (shard 0/2 of 4)"
expect_rc 0 eval data --out s1.csv --shard 1/2 "${common[@]}"
[ "$(grep -v -e ^file -e ^ALL s0.csv | cut -d, -f1 | tr '\n' ' ')" = "data/a.mkv data/d.mkv " ] || fail "shard 0: $(cut -d, -f1 s0.csv | tr '\n' ' ')"
[ "$(grep -v -e ^file -e ^ALL s1.csv | cut -d, -f1 | tr '\n' ' ')" = "data/b.mp4 data/sub/c.avi " ] || fail "shard 1: $(cut -d, -f1 s1.csv | tr '\n' ' ')"
expect_rc 1 eval data --out s2.csv --shard 2/2 "${common[@]}"
expect_in err.txt "--shard expects i/n with 0 <= i < n"

note "nothing to evaluate"
mkdir empty
expect_rc 2 eval empty --out e.csv "${common[@]}"
expect_in err.txt "no video or image files found in empty"
[ ! -e e.csv ] || fail "e.csv written"

# ---- real footage (scripts/data/fetch-footage): one row per clip, the model loaded once
if [ ! -d "$footage" ]; then
  echo "footage part skipped: $footage missing; run scripts/data/fetch-footage to make it"
  exit 0
fi
note "footage: cockatoo.mp4 (H.264 4:4:4), balle1-vp9.avi (VP9 in AVI), newtonscradle.gif"
printf '%s\n' "$footage/cockatoo.mp4" "$footage/balle1-vp9.avi" "$footage/newtonscradle.gif" >footage.txt
expect_rc 0 eval footage.txt --out f.csv --model "$model" --size 32x48 --frames 9 --stride 3
"$py" - "$footage" <<'EOF' || fail "footage rows"
import csv, sys
rows = {r["file"].rsplit("/", 1)[-1]: r for r in csv.DictReader(open("f.csv"))}
for name, fps in (("cockatoo.mp4", 20 / 3), ("balle1-vp9.avi", 78125 / 417 / 3), ("newtonscradle.gif", 45 / 3)):
    r = rows[name]
    assert r["status"] == "ok" and r["frames"] == "9" and r["height"] == "32" and r["width"] == "48", r
    assert abs(float(r["fps"]) - fps) < 1e-6, (name, r["fps"], fps)
assert rows["ALL"]["frames"] == "27"
EOF
echo "PASS"
