# shellcheck shell=bash
# The unseen evaluation, one definition for the model cards (scripts/lab/install-model) and
# the curves (scripts/lab/eval-curve), so both report the same measurement: the unseen real
# clips (scripts/data/fetch-footage --unseen), 17 frames at 128x128, direct, float32 on the CPU.
# Needs $root, $cache and $wfvae set by the sourcing script.
unseen_dir=$cache/footage-unseen
fetch_unseen() { "$root/scripts/data/fetch-footage" --unseen >/dev/null; }
# eval_unseen MODEL_DIR OUT.csv [extra wfvae eval arguments]
eval_unseen() {
  local model=$1 out=$2
  shift 2
  "$wfvae" eval "$unseen_dir" --model "$model" --size 128x128 --frames 17 --device cpu --out "$out" "$@"
}
