#!/usr/bin/env bash
# Exit codes and messages of wfvae recon on bad inputs, bad outputs and bad flags,
# on files made here: 2 for bad input (the message names the file and the problem),
# 1 for usage errors, and never an output file left behind.
set -euo pipefail
source "$(dirname "$0")/media_test_lib.sh"

make_clip good.mkv 48x40 5 10 -c:v ffv1
make_clip good.mp4 48x40 10 10 -c:v libx264 -pix_fmt yuv420p
make_clip good.avi 48x40 5 10 -c:v mpeg4
common=(--model "$model" --size 32x32 --frames 5)

# Expects exit code $1 and "$2" in stderr from `wfvae recon INPUT -o out.mkv ...`,
# and no out.* (or temporary) left behind.
bad() {
  local want=$1 text=$2
  shift 2
  expect_rc "$want" recon "$@"
  expect_in err.txt "$text"
  if ls -A | grep -qE '^(out\.(mkv|mp4|avi)|out_in\.mp4)$|partial'; then fail "output left behind after: wfvae recon $* ($(ls -A))"; fi
}

note "bad input files: exit 2, the file and the problem named"
bad 2 "missing.mp4: no such file" missing.mp4 -o out.mkv "${common[@]}"
: >empty.mp4
bad 2 "empty.mp4: file is empty (0 bytes)" empty.mp4 -o out.mkv "${common[@]}"
echo "just some text" >notes.mp4
bad 2 "notes.mp4: not a video or image FFmpeg can read" notes.mp4 -o out.mkv "${common[@]}"
mkdir folder.mp4
bad 2 "folder.mp4: is a folder" folder.mp4 -o out.mkv "${common[@]}"
head -c $(($(stat -c %s good.mp4) / 2)) good.mp4 >truncated.mp4  # ffmpeg writes the index (moov) last
bad 2 "truncated.mp4: not a video or image FFmpeg can read" truncated.mp4 -o out.mkv "${common[@]}"
"$py" -c "
d = open('good.avi', 'rb').read()
assert d[:4096].count(b'FMP4') == 2
open('alien.avi', 'wb').write(d[:4096].replace(b'FMP4', b'WFZZ') + d[4096:])"
bad 2 "alien.avi: unsupported codec" alien.avi -o out.mkv "${common[@]}"
printf 'YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\n' >noframes.y4m
bad 2 "noframes.y4m: no decodable video frame" noframes.y4m -o out.mkv "${common[@]}"
{ printf 'YUV4MPEG2 W20000 H16 F25:1 Ip A1:1 C420jpeg\nFRAME\n'; head -c 480000 /dev/zero; } >wide.y4m
bad 2 "wide.y4m: absurd frame size 20000x16" wide.y4m -o out.mkv "${common[@]}"
ffmpeg -nostdin -v error -f lavfi -i sine=duration=0.2 tone.wav
bad 2 "tone.wav: contains no video stream" tone.wav -o out.mkv "${common[@]}"
bad 2 "good.mkv: no frame at or after 9.000 s" good.mkv -o out.mkv "${common[@]}" --start 9

note "bad outputs: exit 2 before any work"
bad 2 "nodir/out.mkv: folder nodir does not exist" good.mkv -o nodir/out.mkv "${common[@]}"
bad 2 "/proc/wfvae-out.mkv" good.mkv -o /proc/wfvae-out.mkv "${common[@]}"
echo keep >out.json
bad 2 "out.json: already exists (pass -y to overwrite)" good.mkv -o out.mkv --metrics out.json "${common[@]}"
[ "$(cat out.json)" = keep ] || fail "out.json changed"
rm out.json

mkdir existing_dir.mkv
bad 2 "existing_dir.mkv: is a folder; -y replaces files only" good.mkv -o existing_dir.mkv -y "${common[@]}"
grep -q "load model\|encode" out.txt err.txt && fail "-o existing_dir.mkv -y was refused only after work started"
rmdir existing_dir.mkv
bad 1 "not a valid frame pattern" good.mkv -o "f_%999999999d.png" "${common[@]}"
bad 1 "exactly one %d" good.mkv -o "f_%d_%d.png" "${common[@]}"
ls -A | grep -q '^f_' && fail "a bad frame pattern left files: $(ls -A)"
mkdir -p seq/frame_0003.png
bad 2 "seq/frame_0003.png: is a folder" good.mkv -o "seq/frame_%04d.png" -y "${common[@]}"
[ "$(ls -A seq)" = frame_0003.png ] || fail "a PNG sequence that failed left frames behind: $(ls -A seq)"
rm -r seq

note "odd inputs are named for what they are"
ln -s loop.mp4 loop.mp4
bad 2 "loop.mp4: a symbolic link loop" loop.mp4 -o out.mkv "${common[@]}"
rm loop.mp4
bad 2 "/proc/self/maps: not a video or image FFmpeg can read" /proc/self/maps -o out.mkv "${common[@]}"
{ printf 'YUV4MPEG2 W32 H32 F5000:1 Ip A1:1 C420jpeg\n'; for i in 1 2 3 4 5; do printf 'FRAME\n'; head -c 1536 /dev/zero; done; } >fast.y4m
expect_rc 0 recon fast.y4m -o out.mkv "${common[@]}"
grep -q "frame rate (5000.000 fps) is implausible" out.txt err.txt || { cat out.txt err.txt; fail "a 5000 fps clip was not called implausible"; }
rm -f out.mkv

note "bad models"
bad 2 "nomodel" good.mkv -o out.mkv --model nomodel --size 32x32
mkdir emptyassets
set +e
WFVAE_ASSETS=$PWD/emptyassets "$wfvae" recon good.mkv -o out.mkv --size 32x32 >out.txt 2>err.txt
rc=$?
set -e
[ $rc -eq 2 ] || fail "recon without --model and without a bundled model exited $rc"
expect_in err.txt "no --model given and no bundled default model found"

note "usage errors: exit 1"
bad 1 "height and width must be multiples of 8" good.mkv -o out.mkv --model "$model" --size 30x30
bad 1 "--frames must be at least 1" good.mkv -o out.mkv --model "$model" --frames 0
bad 1 "stride must be at least 1" good.mkv -o out.mkv --model "$model" --stride 0
bad 1 "--start: expected seconds" good.mkv -o out.mkv --model "$model" --start soon
bad 1 "unknown option --bogus" good.mkv -o out.mkv --model "$model" --bogus
bad 1 "unknown output format" good.mkv -o out.avi --model "$model"
bad 1 "missing -o OUTPUT" good.mkv --model "$model"
bad 1 "the input copy must be lossless" good.mkv -o out.mkv --save-input out_in.mp4 --model "$model"
bad 1 "the same output path is given twice" good.mkv -o out.mkv --diff out.mkv --model "$model"
bad 1 "would overwrite the input video" good.mkv -o good.mkv -y --model "$model"
bad 1 "--seed only matters with --sample" good.mkv -o out.mkv --seed 3 --model "$model"
bad 1 "CRF must be 0..51" good.mkv -o out.mp4 --crf 99 --model "$model"
bad 1 "norm_type \"batchnorm\" is not supported" good.mkv -o out.mkv --norm-type batchnorm "${common[@]}"
bad 1 "num_groups" good.mkv -o out.mkv --num-groups 7 "${common[@]}"
bad 1 "--output needs a value (FILE), got an empty one" good.mkv -o '' "${common[@]}"
bad 1 "--norm-type needs a value (T), got an empty one" good.mkv -o out.mkv --norm-type '' "${common[@]}"
bad 1 "--size: expected HxW with positive whole numbers" good.mkv -o out.mkv --model "$model" --size 4294967304x8
bad 1 "--size: expected HxW with positive whole numbers" good.mkv -o out.mkv --model "$model" --size 8x-8
bad 1 "--frames: 99999999999 is out of range" good.mkv -o out.mkv --model "$model" --frames 99999999999
run recon good.mkv -o out.mkv --model "$model" --bogus
[ "$(grep -c "wfvae recon:" err.txt)" -eq 1 ] || fail "the command prefix is printed $(grep -o "wfvae recon:" err.txt | wc -l) times: $(cat err.txt)"
[ "$(frames_of good.mkv)" = 5 ] || fail "the input was touched"

note "non-finite weights are refused at load, naming the tensor"
cp -r "$model" nanmodel
"$py" - nanmodel/diffusion_pytorch_model.safetensors <<'PY'
import json, struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
name = sorted(k for k in header if k != "__metadata__" and k.endswith("conv_in.conv.weight"))[0]
e = header[name]
nan = {"F32": b"\x00\x00\xc0\x7f", "F16": b"\x00\x7e", "BF16": b"\xc0\x7f"}[e["dtype"]]
begin = 8 + n + e["data_offsets"][0]
data[begin:begin + len(nan)] = nan  # the tensor's first value becomes NaN
open(path, "wb").write(data)
print(name)
PY
expect_rc 2 info nanmodel
expect_in err.txt "tensors hold NaN or Inf"
expect_in err.txt "conv_in.conv.weight: 1 of"
bad 2 "tensors hold NaN or Inf" good.mkv -o out.mkv --model nanmodel --size 32x32 --frames 5

note "out of memory: a plain message and exit 3, in eval an error row and the batch goes on"
# LibTorch's CUDA-enabled libraries alone map ~2.8 GB of address space; under 4 GB a
# direct run of 5 frames at 1024x1024 does not fit. --max-memory 64G lies to the
# planner about it and --tile off forbids the fallbacks, so the allocation really
# fails inside LibTorch.
oom() {  # oom RC ARGS...: wfvae under ulimit -v 4000000
  local want=$1
  shift
  set +e
  (ulimit -v 4000000; "$wfvae" "$@" >out.txt 2>err.txt)
  local rc=$?
  set -e
  [ $rc -eq "$want" ] || { cat out.txt err.txt; fail "wfvae $* under ulimit -v exited $rc, expected $want"; }
}
oom 3 recon good.mkv -o out.mkv --model "$model" --size 1024x1024 --frames 5 --tile off --max-memory 64G
expect_in err.txt "out of memory while"
expect_in err.txt "(--chunked, --tile, --max-memory, --size, --frames)"
grep -q "enforce fail\|Exception raised from\|internal error" err.txt && fail "LibTorch's internals leaked: $(cat err.txt)"
ls -A | grep -qE '^out\.mkv$|partial' && fail "output left behind after out of memory"
cp good.mkv good2.mkv
oom 3 eval good.mkv good2.mkv --out oom.csv --model "$model" --size 1024x1024 --frames 5 --tile off --max-memory 64G
[ "$(grep -c ',error,.*out of memory' oom.csv)" -eq 2 ] || { cat oom.csv; fail "eval did not write an out-of-memory row for each input"; }

note "out of memory mid-run: released and redone with the next smaller plan, saying so"
oom 0 recon good.mkv -o out.mkv --model "$model" --size 1024x1024 --frames 5 --max-memory 64G
expect_in out.txt "note: ran out of memory direct"
expect_in out.txt "redone direct, 512-px tiles"
[ -s out.mkv ] || fail "the retried run wrote no output"
rm out.mkv

note "the planner reads ulimit -v and tiles up front"
oom 0 recon good.mkv -o out.mkv --model "$model" --size 1024x1024 --frames 5
expect_in out.txt "px tiles"
expect_in out.txt "available (ulimit -v)"
grep -q "ran out of memory" out.txt && fail "the planner's first plan did not fit: $(cat out.txt)"
rm out.mkv

note "a run no plan can hold is refused before any frame is decoded (issue: no OOM kill)"
make_clip long.mkv 48x40 129 25 -c:v ffv1
SECONDS=0
bad 3 "not enough memory: 129 frames of 2048x2048 need about" long.mkv -o out.mkv --model "$model" --size 2048x2048 --max-memory 8G
expect_in err.txt "available (--max-memory); at this size about"
expect_in err.txt "frames would fit"
grep -q "decode video\|encode" err.txt && fail "the refusal came after frames were decoded: $(cat err.txt)"
[ $SECONDS -lt 30 ] || fail "the refusal took ${SECONDS} s"
bad 1 "memory size \"lots\"" good.mkv -o out.mkv "${common[@]}" --max-memory lots
bad 1 "tile size 100" good.mkv -o out.mkv "${common[@]}" --tile 100
bad 1 "tile overlap 48: must be a multiple of 8 from 0 to half the tile (32)" good.mkv -o out.mkv "${common[@]}" --tile 64 --tile-overlap 48

note "training: bad hyper-parameters and outputs are refused before any work"
echo file >trainout
expect_rc 2 train good.mkv --out trainout --steps 1 --frames 5 --crop 16 --short-side 32
expect_in err.txt "trainout: exists and is not a folder"
expect_rc 1 train good.mkv --out trainrun --steps 1 --frames 5 --crop 16 --short-side 32 --lr nan
expect_in err.txt "--lr nan is outside (0, 1]"
[ ! -e trainrun ] || fail "train --lr nan left trainrun behind"

note "after all that, a good run works"
expect_rc 0 recon good.mkv -o out.mkv "${common[@]}"
echo "PASS"
