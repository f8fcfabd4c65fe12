#!/usr/bin/env bash
# wfvae recon end to end: outputs that ffprobe reads back with the right frame count
# and rate, bit-exact lossless round trips, metrics that match an independent
# computation from the saved files, overwrite protection, Ctrl-C, real footage.
set -euo pipefail
source "$(dirname "$0")/media_test_lib.sh"
have_numpy || skip "python3-numpy missing for the independent metrics check (scripts/setup installs it)"

# Independent PSNR/SSIM from two raw RGB24 streams (numpy only; direct 2-D windows,
# not the separable filter the engine uses). Prints per-frame values as JSON.
cat >metrics.py <<'EOF'
import json, sys
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows
a_path, b_path, h, w = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
a = np.fromfile(a_path, np.uint8).reshape(-1, h, w, 3).astype(np.float64) / 255
b = np.fromfile(b_path, np.uint8).reshape(-1, h, w, 3).astype(np.float64) / 255
g = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5 ** 2))
win = np.outer(g, g)
win /= win.sum()
def filt(x):  # every 11x11 window that fits
    return (windows(x, (11, 11)) * win).sum(axis=(-1, -2))
def ssim(x, y):
    mx, my = filt(x), filt(y)
    vx, vy, cxy = filt(x * x) - mx * mx, filt(y * y) - my * my, filt(x * y) - mx * my
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    return (((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))).mean()
psnr, ss = [], []
for x, y in zip(a, b):
    mse = ((x - y) ** 2).mean()
    psnr.append(100.0 if mse == 0 else 20 * np.log10(1 / np.sqrt(mse)))
    ss.append(float(np.mean([ssim(x[..., c], y[..., c]) for c in range(3)])))
print(json.dumps({"frames": len(a), "psnr": psnr, "ssim": ss}))
EOF

# ---- a generated clip: 20 frames at 10 fps, 96x72 (cropped and scaled to 64x64)
make_clip clip.mkv 96x72 20 10 -c:v ffv1
note "recon with every export"
expect_rc 0 recon clip.mkv -o r.mkv --model "$model" --size 64x64 --frames 20 \
  --save-input in.mkv --metrics m.json --metrics-csv m.csv --side-by-side sbs.mp4 --diff d.mkv --latents z.safetensors
expect_in out.txt "note: using 17 of 20 frames: WF-VAE takes 1 + 4k frames"
expect_in out.txt "input: 17 frames of 64x64"
for f in r.mkv in.mkv sbs.mp4 d.mkv; do
  [ "$(frames_of $f)" = 17 ] || fail "$f: $(frames_of $f) frames, expected 17"
  [ "$(probe $f r_frame_rate)" = 10/1 ] || fail "$f: rate $(probe $f r_frame_rate), expected 10/1"
done
[ "$(probe r.mkv width,height)" = "64,64" ] || fail "r.mkv size $(probe r.mkv width,height)"
[ "$(probe r.mkv codec_name,pix_fmt)" = "ffv1,bgr0" ] || fail "r.mkv is $(probe r.mkv codec_name,pix_fmt)"
[ "$(probe sbs.mp4 width,height)" = "128,64" ] || fail "sbs.mp4 size $(probe sbs.mp4 width,height)"
[ "$(probe sbs.mp4 codec_name,pix_fmt)" = "h264,yuv420p" ] || fail "sbs.mp4 is $(probe sbs.mp4 codec_name,pix_fmt)"
ls -A | grep -q partial && fail "temporaries left behind: $(ls -A)"

note "metrics JSON/CSV against an independent computation from the saved files"
ffmpeg -nostdin -v error -i in.mkv -f rawvideo -pix_fmt rgb24 in.rgb
ffmpeg -nostdin -v error -i r.mkv -f rawvideo -pix_fmt rgb24 r.rgb
"$py" metrics.py in.rgb r.rgb 64 64 >indep.json
MODEL_DIR=$model "$py" - <<'EOF' || fail "metrics differ from the independent computation"
import json, math, csv, os
m = json.load(open("m.json"))
ind = json.load(open("indep.json"))
o8 = m["output_8bit"]
assert ind["frames"] == 17 == len(o8["psnr_per_frame"]) == len(m["psnr_per_frame"]), "frame counts"
for k, (p, q) in enumerate(zip(o8["psnr_per_frame"], ind["psnr"])):
    assert abs(p - q) < 1e-6, f"frame {k}: psnr {p} vs independent {q}"
for k, (p, q) in enumerate(zip(o8["ssim_per_frame"], ind["ssim"])):
    assert abs(p - q) < 1e-6, f"frame {k}: ssim {p} vs independent {q}"
mean_psnr = sum(ind["psnr"]) / 17
assert abs(o8["psnr_mean"] - mean_psnr) < 1e-6, (o8["psnr_mean"], mean_psnr)
assert abs(o8["ssim_mean"] - sum(ind["ssim"]) / 17) < 1e-6
# The float metrics are of the unrounded reconstruction: close to, not equal to, the 8-bit ones.
assert abs(m["psnr_mean"] - o8["psnr_mean"]) < 0.05, (m["psnr_mean"], o8["psnr_mean"])
for key in ("psnr_per_frame", "psnr_mean", "ssim_per_frame", "ssim_mean", "psnr_rgb_mean"):
    assert key in m, key
assert m["input"]["frames"] == 17 and m["input"]["height"] == 64 and m["input"]["fps"] == 10
assert m["input"]["source_frame_indices"] == list(range(17))
assert m["run"]["latent"] == "mode" and m["run"]["device"] == "cpu" and m["run"]["dtype"] == "f32"
# The memory plan that ran: 17 frames of 64 px fit anywhere, so as asked (direct), no tiles.
assert m["run"]["plan"] == "direct" and m["run"]["tile"] == 0, m["run"]
assert m["run"]["plan_estimated_peak_bytes"] > 0 and m["run"]["memory_budget_source"], m["run"]
cfg = json.load(open(os.environ["MODEL_DIR"] + "/config.json"))
assert m["model"]["config"]["latent_dim"] == cfg["latent_dim"] and m["model"]["norm_type"] == cfg.get("norm_type", "groupnorm")
assert m["timings_ms"]["encode_ms"] > 0
rows = [r for r in csv.reader(l for l in open("m.csv") if not l.startswith("#"))]
assert rows[0][:5] == ["frame", "source_index", "time_s", "psnr", "ssim"], rows[0]
assert len(rows) == 1 + 17 + 1 and rows[-1][0] == "mean"
for k in range(17):
    assert abs(float(rows[1 + k][3]) - m["psnr_per_frame"][k]) < 1e-6
    assert abs(float(rows[1 + k][9]) - ind["psnr"][k]) < 1e-6
EOF

note "latents file"
MODEL_DIR=$model "$py" - <<'EOF' || fail "latents file wrong"
import json, os, struct
L = json.load(open(os.environ["MODEL_DIR"] + "/config.json"))["latent_dim"]
data = open("z.safetensors", "rb").read()
n = struct.unpack("<Q", data[:8])[0]
h = json.loads(data[8:8 + n])
for name in ("mean", "logvar"):
    assert h[name]["dtype"] == "F32" and h[name]["shape"] == [1, L, 5, 8, 8], h[name]
    b, e = h[name]["data_offsets"]
    assert e - b == 4 * L * 5 * 8 * 8
assert "sample" not in h
meta = h["__metadata__"]
assert json.loads(meta["config"])["latent_dim"] == L
assert json.loads(meta["source"])["codec"] == "ffv1"
assert meta["latent"] == "mode"
EOF

note "lossless round trip: the saved input reconstructs to identical bytes"
expect_rc 0 recon in.mkv -o frames/ --model "$model" --size 64x64 --save-input in2.mkv
[ "$(rgb_md5 in2.mkv)" = "$(rgb_md5 in.mkv)" ] || fail "re-preprocessing the saved input changed it"
[ "$(rgb_md5 'frames/frame_%06d.png')" = "$(rgb_md5 r.mkv)" ] || fail "reconstruction from the saved input differs"
[ "$(ls frames | wc -l)" = 17 ] || fail "frames/ holds $(ls frames | wc -l) files"

note "existing outputs are kept without -y"
before=$(md5sum r.mkv m.json)
expect_rc 2 recon clip.mkv -o r.mkv --model "$model" --size 64x64 --frames 5 --metrics m.json
expect_in err.txt "r.mkv: already exists (pass -y to overwrite)"
[ "$(md5sum r.mkv m.json)" = "$before" ] || fail "existing outputs changed"
# One existing output among new ones: nothing at all is written.
expect_rc 2 recon clip.mkv -o new.mkv --model "$model" --size 64x64 --frames 5 --metrics m.json
[ ! -e new.mkv ] || fail "new.mkv written although m.json blocked the run"

note "H.264 output keeps every frame at the source rate / stride; -y replaces m.json"
expect_rc 0 recon clip.mkv -o r.mp4 --model "$model" --size 64x64 --frames 9 --stride 2 --crf 20 --metrics m.json -y
[ "$(frames_of r.mp4)" = 9 ] || fail "r.mp4: $(frames_of r.mp4) frames, expected 9"
[ "$(probe r.mp4 r_frame_rate)" = 5/1 ] || fail "r.mp4 rate $(probe r.mp4 r_frame_rate), expected 5/1"
"$py" -c "import json; m=json.load(open('m.json')); assert m['input']['source_frame_indices']==list(range(0,18,2)), m['input']; assert m['input']['fps']==5" ||
  fail "m.json not replaced, or the stride is not reflected in it"

note "sampling is seeded and differs from the mode"
expect_rc 0 recon clip.mkv -o s1.mkv --model "$model" --size 64x64 --frames 5 --sample --seed 3 --save-input s_in.mkv
expect_rc 0 recon s_in.mkv -o s2.mkv --model "$model" --size 64x64 --sample --seed 3
[ "$(rgb_md5 s1.mkv)" = "$(rgb_md5 s2.mkv)" ] || fail "same seed, different samples"
[ "$(ffmpeg -nostdin -v error -i r.mkv -frames:v 5 -f rawvideo -pix_fmt rgb24 - | md5sum)" != "$(ffmpeg -nostdin -v error -i s1.mkv -f rawvideo -pix_fmt rgb24 - | md5sum)" ] ||
  fail "a posterior sample equals the mode"

note "Ctrl-C cancels and leaves nothing"
mkdir cancel && cd cancel
make_clip big.mkv 128x128 33 10 -c:v ffv1
set +e
# Empty the logs first: the job's own redirection truncates them only once it runs, and
# an earlier command's "encode" left in err.txt would send the interrupt before main()
# has a handler for it (lost: the run then finishes with 0, about one time in three).
: >../out.txt
: >../err.txt
"$wfvae" recon big.mkv -o c.mkv --model "$model" --size 128x128 --metrics c.json --save-input ci.mkv >../out.txt 2>../err.txt &
pid=$!
# Interrupt once the model is working. (Before main() runs, a background job of a
# non-interactive shell ignores SIGINT; a slow start under load must not race the kill.)
for _ in $(seq 600); do
  grep -q "encode" ../err.txt 2>/dev/null && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -INT $pid
wait $pid
rc=$?
set -e
[ $rc -eq 130 ] || { cat ../err.txt; fail "cancelled recon exited $rc, expected 130"; }
[ "$(ls -A)" = big.mkv ] || fail "cancel left files: $(ls -A)"
cd ..

note "a still image at the default size"
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=100x74 -frames:v 1 still.jpg
expect_rc 0 recon still.jpg -o still.png --model "$model" --metrics still.json
expect_in out.txt "input: 1 frame of 72x96 (HxW) (default size)"
expect_in out.txt "note: size 72x96 chosen from the source's 74x100"
[ "$(probe still.png width,height)" = "96,72" ] || fail "still.png size $(probe still.png width,height)"

# ---- real footage (scripts/data/fetch-footage)
if [ ! -d "$footage" ]; then
  echo "footage part skipped: $footage missing; run scripts/data/fetch-footage to make it"
  exit 0
fi
note "cityCC0.mpg (MPEG-2 PS, no frame count): start 1 s, stride 2"
expect_rc 0 recon "$footage/cityCC0.mpg" -o city.mkv --model "$model" --size 64x64 --frames 9 --start 1 --stride 2 --metrics city.json
[ "$(frames_of city.mkv)" = 9 ] || fail "city.mkv: $(frames_of city.mkv) frames"
[ "$(probe city.mkv r_frame_rate)" = 25/2 ] || fail "city.mkv rate $(probe city.mkv r_frame_rate), expected 25/2"
"$py" -c "import json; m=json.load(open('city.json')); i=m['input']['source_frame_indices']; assert i==list(range(25,43,2)), i; assert m['source']['codec']=='mpeg2video'" ||
  fail "city.json selection"
echo "PASS"
