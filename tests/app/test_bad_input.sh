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
[ "$(frames_of good.mkv)" = 5 ] || fail "the input was touched"

note "after all that, a good run works"
expect_rc 0 recon good.mkv -o out.mkv "${common[@]}"
echo "PASS"
