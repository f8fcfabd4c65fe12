# Sourced by tests/app/test_{recon,eval,bad_input}.sh: the wfvae binary, a model,
# a scratch folder, and small assertion helpers. Exit 77 means "skipped" to ctest.

wfvae=${1:?usage: $0 path/to/wfvae}
[ -x "$wfvae" ] || { echo "FAIL: $wfvae is not an executable" >&2; exit 1; }
wfvae=$(cd "$(dirname "$wfvae")" && pwd)/$(basename "$wfvae")
src=${WFVAE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
footage=${WFVAE_CACHE:-$HOME/.cache/wfvae-studio}/footage
py=/usr/bin/python3

skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
note() { echo "-- $*"; }

command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || skip "ffmpeg/ffprobe CLI not installed (scripts/setup installs them)"

# A model: the shared parity checkpoint (random weights, any size multiple of 8),
# else the bundled trained model.
model=
for m in "$src/../shared/fixtures/wfvae-parity/gn-l8" "$src/assets/models/wfvae-tiny-gn"; do
  if [ -f "$m/config.json" ] && [ -f "$m/diffusion_pytorch_model.safetensors" ]; then
    model=$(cd "$m" && pwd)
    break
  fi
done
[ -n "$model" ] || skip "no model: neither ../shared/fixtures/wfvae-parity/gn-l8 nor assets/models/wfvae-tiny-gn exists"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# Runs wfvae, keeping stdout/stderr in out.txt/err.txt and the exit code in $rc.
run() {
  set +e
  "$wfvae" "$@" >out.txt 2>err.txt
  rc=$?
  set -e
}
expect_rc() {
  local want=$1
  shift
  run "$@"
  if [ "$rc" -ne "$want" ]; then
    echo "--- stdout"; cat out.txt; echo "--- stderr"; cat err.txt
    fail "wfvae $* exited $rc, expected $want"
  fi
}
expect_in() {  # expect_in FILE TEXT
  grep -qF -- "$2" "$1" || { echo "--- $1"; cat "$1"; fail "expected \"$2\" in $1"; }
}
frames_of() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
probe() { ffprobe -v error -select_streams v:0 -show_entries "stream=$2" -of csv=p=0 "$1"; }
# Raw RGB24 bytes of every frame, as the ffmpeg CLI decodes them.
rgb_md5() { ffmpeg -nostdin -v error -i "$1" -f rawvideo -pix_fmt rgb24 - | md5sum | cut -d' ' -f1; }
# testsrc2 clip: make_clip NAME WxH FRAMES RATE [ffmpeg output options]
make_clip() {
  local name=$1 size=$2 n=$3 rate=$4
  shift 4
  ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$size:rate=$rate" -frames:v "$n" "$@" "$name"
}
have_numpy() { "$py" -c 'import numpy' 2>/dev/null; }
