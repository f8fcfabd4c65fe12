# Sourced by tests/app/test_{recon,eval,bad_input,checkpoints}.sh: app_test_lib.sh (the
# wfvae binary, a scratch folder, assertion helpers), a model, footage and ffmpeg
# helpers. Exit 77 means "skipped" to ctest.

source "$(dirname "${BASH_SOURCE[0]}")/app_test_lib.sh"
footage=${WFVAE_CACHE:-$HOME/.cache/wfvae-studio}/footage
py=/usr/bin/python3

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
