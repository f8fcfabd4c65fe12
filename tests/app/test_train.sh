#!/usr/bin/env bash
# wfvae pack-clips + wfvae train --clips: training from a pack is the same run as
# training from the videos it was made of (what a machine without FFmpeg, like the
# GPU machine, trains on); the pack's misuse is refused with the reason.
set -euo pipefail
source "$(dirname "$0")/media_test_lib.sh"

make_clip a.mkv 64x48 12 10 -c:v ffv1
make_clip b.mkv 48x64 10 10 -c:v ffv1
make_clip v.mkv 64x48 6 10 -c:v ffv1 -vf hue=h=90
decode=(--val v.mkv --short-side 32,48 --max-clip-frames 11)
recipe=(--steps 6 --frames 5 --crop 16 --base-channels 8 --latent-dim 4 --num-groups 4 --log-every 1
        --val-every 3 --val-size 32 --val-frames 5 --seed 3)

note "pack-clips writes the decoded clips; never over an existing pack"
expect_rc 0 pack-clips a.mkv b.mkv "${decode[@]}" --val-size 32 -o pack.safetensors
expect_in out.txt "wrote pack.safetensors: 4 training clips"
expect_in out.txt "1 validation clips"
expect_rc 2 pack-clips a.mkv b.mkv "${decode[@]}" --val-size 32 -o pack.safetensors
expect_in err.txt "pack.safetensors: already exists (pass -y to overwrite)"
grep -q "train clip" out.txt && fail "pack-clips decoded before refusing to overwrite"
expect_rc 0 pack-clips a.mkv b.mkv "${decode[@]}" --val-size 32 -o pack.safetensors -y

note "training from the pack is the run training from the videos gives"
expect_rc 0 train a.mkv b.mkv "${decode[@]}" --out from-videos "${recipe[@]}"
expect_rc 0 train --clips pack.safetensors --out from-pack "${recipe[@]}"
expect_in out.txt "clip pack pack.safetensors: 4 training clips, 1 validation clips (short sides 32,48, val size 32)"
expect_in out.txt "device: cpu"
"$py" - from-videos/train_log.jsonl from-pack/train_log.jsonl <<'PY'
import json, sys
def rows(p):
    out = []
    for line in open(p):
        j = json.loads(line)
        j.pop("sec_per_step")
        out.append(j)
    return out
a, b = rows(sys.argv[1]), rows(sys.argv[2])
assert len(a) == 6 and a == b, (a, b)
assert sum("val_psnr" in j for j in a) == 2, a
PY
cmp from-videos/final/diffusion_pytorch_model.safetensors from-pack/final/diffusion_pytorch_model.safetensors \
  || fail "the two runs' final weights differ"

note "a recipe is its flags: the same settings, the same run; the command line wins"
cat >r.json <<'JSON'
{"_about": "the flags above", "steps": 6, "frames": 5, "crop": 16, "base-channels": 8, "latent-dim": 4,
 "num-groups": 4, "log-every": 1, "val-every": 3, "val-size": 32, "val-frames": 5, "seed": 3, "lr": 4e-4}
JSON
expect_rc 0 train --clips pack.safetensors --out from-pack "${recipe[@]}" --lr 4e-4 --print-settings
cp out.txt flags-settings.txt
expect_rc 0 train --clips pack.safetensors --out from-pack --recipe r.json --print-settings
cmp out.txt flags-settings.txt || { cat out.txt flags-settings.txt; fail "the recipe's settings are not its flags'"; }
expect_in out.txt "wfvae train --out from-pack --clips pack.safetensors --latent-dim 4 --base-channels 8 --num-groups 4"
expect_in out.txt " --lr 4e-4 "
[ ! -e from-recipe ] || fail "--print-settings wrote something"
expect_rc 0 train --clips pack.safetensors --out from-recipe --recipe r.json
cmp from-pack/final/diffusion_pytorch_model.safetensors from-recipe/final/diffusion_pytorch_model.safetensors \
  || fail "training from the recipe is not the run its flags give"
expect_rc 0 train --recipe r.json --steps 2 --seed 9 --print-settings
expect_in out.txt "--steps 2 "
expect_in out.txt "--seed 9"
if grep -q -- "--steps 6" out.txt; then fail "the recipe's --steps won over the command line's"; fi
mkdir -p sub
echo '{"config": "arch.json", "no-sample": true}' >sub/r.json
expect_rc 0 train --recipe sub/r.json --print-settings
expect_in out.txt "--config sub/arch.json --no-sample"
for v in v1 v2 v3 v4; do
  expect_rc 0 train --recipe "$src/assets/recipes/$v.json" --print-settings
  expect_in out.txt "--store-dtype f16"
done

note "a recipe's mistakes are refused, naming the file and the key"
refused() {  # refused RC RECIPE TEXT: training with RECIPE as bad.json exits RC, saying TEXT
  echo "$2" >bad.json
  expect_rc "$1" train --clips pack.safetensors --out x --recipe bad.json
  expect_in err.txt "$3"
}
refused 1 '{"steps": 6, "stepz": 1}' 'bad.json: unknown key "stepz"'
refused 1 '{"out": "elsewhere"}' "bad.json: \"out\" is not a recipe's to say: give --out on the command line"
refused 1 '{"steps": "many"}' 'bad.json: --steps: expected an integer, got "many"'
refused 1 '{"no-sample": "yes"}' 'bad.json: "no-sample": expected true or false'
refused 2 '{"steps": 6' 'bad.json: not valid JSON'
expect_rc 2 train --clips pack.safetensors --out x --recipe missing.json
expect_in err.txt "missing.json: no such file"

note "misuse of --clips is refused, saying why"
expect_rc 1 train --clips pack.safetensors --short-side 64 --out x "${recipe[@]}"
expect_in err.txt "--short-side cannot be combined with --clips"
expect_rc 1 train a.mkv --clips pack.safetensors --out x "${recipe[@]}"
expect_in err.txt "give DATA or --clips PACK, not both"
expect_rc 2 train --clips "$model/diffusion_pytorch_model.safetensors" --out x "${recipe[@]}"
expect_in err.txt "diffusion_pytorch_model.safetensors: not a clip pack"
expect_rc 1 train --out x "${recipe[@]}"
expect_in err.txt "give the training videos (DATA...) or --clips PACK"
expect_rc 1 train --clips pack.safetensors --out x "${recipe[@]}" --time-budget -5
expect_in err.txt "--time-budget must be >= 0 seconds"
[ ! -e x ] || fail "a refused train left x behind"
echo "PASS"
