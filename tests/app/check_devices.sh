#!/usr/bin/env bash
# Devices and the build: `wfvae doctor` reports the LibTorch this build links (CUDA
# half included when CMake found one: WFVAE_EXPECT_CUDA), the same binaries run on
# a machine without a GPU (--device auto says once that it took the CPU; --device
# cuda is a clear usage error), and the studio's OpenGL check answers.
set -euo pipefail
wfvae=${1:?usage: $0 path/to/wfvae}
config=${2:?usage: $0 path/to/wfvae MODEL_CONFIG.json}
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
run() {
  set +e
  "$@" >out.txt 2>err.txt
  rc=$?
  set -e
}
expect_in() { grep -qF -- "$2" "$1" || { echo "--- $1"; cat "$1"; fail "expected \"$2\" in $1"; }; }

note "doctor"
run "$wfvae" doctor
[ "$rc" -eq 0 ] || { cat out.txt err.txt; fail "wfvae doctor exited $rc"; }
cat out.txt
expect_in out.txt "LibTorch:      2."
if [ "${WFVAE_EXPECT_CUDA:-OFF}" = ON ]; then
  expect_in out.txt "(with CUDA)"
  expect_in out.txt "CUDA runtime:  1"
  expect_in out.txt "cuDNN:         9."
else
  expect_in out.txt "(CPU only)"
fi
expect_in out.txt "CPU:           $(nproc) hardware threads"
expect_in out.txt "BLAS:"
expect_in out.txt "oneDNN:"
grep -q "^GPU 0:" out.txt && gpu=yes || gpu=no
expect_in out.txt "studio OpenGL:"
if command -v xvfb-run >/dev/null && grep -q "^studio OpenGL: no: cannot start GLFW" out.txt; then
  run xvfb-run -a "$wfvae" doctor
  expect_in out.txt "studio OpenGL: yes: OpenGL"
fi

if [ "$gpu" = no ]; then
  expect_in out.txt "GPUs:          none usable"
  note "no GPU: --device cuda is a usage error, --device auto takes the CPU and says so once"
  run "$wfvae" bench --config "$config" --frames 1 --size 8x8 --reps 1 --warmup 0 --device cuda
  [ "$rc" -eq 1 ] || { cat err.txt; fail "bench --device cuda exited $rc, expected 1"; }
  expect_in err.txt "--device cuda: no usable CUDA GPU here ("
  grep -q "Exception raised from\|terminate called" err.txt && fail "internal trace leaked: $(cat err.txt)"
  run "$wfvae" bench --config "$config" --frames 1 --size 8x8 --reps 1 --warmup 0 --device auto
  [ "$rc" -eq 0 ] || { cat err.txt; fail "bench --device auto exited $rc"; }
  [ "$(grep -c "^device: cpu (--device auto: no usable CUDA GPU" err.txt)" -eq 1 ] || { cat err.txt; fail "auto did not say once that it took the CPU"; }
  expect_in out.txt '"device":"cpu"'
  run "$wfvae" bench --config "$config" --frames 1 --size 8x8 --reps 1 --warmup 0 --device cpu
  grep -q "^device:" err.txt && fail "--device cpu should not print the auto note"
fi
echo "devices: ok (GPU: $gpu)"
