#!/usr/bin/env bash
# wfvae eval-curve and wfvae model-card (what scripts/lab/eval-curve and install-model print
# and write) on a made-up two-stage training run: the curve's rates and deduplicated steps,
# the card's sections as tests/app/test_model_cards.sh and BundledModels.* read them.
# No model, no footage: it reads text.
set -euo pipefail
source "$(dirname "$0")/app_test_lib.sh"

# The run: stage1 (400 steps, resumed at 150: steps 150 and 200 logged twice) and run,
# its fine-tune; the cache's lists and the unseen clips' manifest.
mkdir -p cache/training cache/footage-unseen stage1/eval-unseen run model
printf '/data/a/train1.mkv\n/data/a/train2.mp4\n\n' >cache/training/train.txt
printf '/data/b/city-static.mkv\n/data/b/realshort.mp4\n' >cache/training/val.txt
printf 'file\tpackage\turl\nu1.mp4\tpkg-one\thttp://x\n' >cache/footage-unseen/MANIFEST.tsv
head -c 1234567 /dev/zero >model/diffusion_pytorch_model.safetensors
log() {  # log RUN STEPS...: a progress record at each step (1.5 s/step, 2 s from step 200), validation at 100 and 300
  local run=$1 s
  shift
  : >"$run/train_log.jsonl"
  for s in "$@"; do
    echo "{\"loss\":0.2,\"sec_per_step\":$([ "$s" -lt 200 ] && echo 1.5 || echo 2),\"step\":$s,\"steps\":400}" >>"$run/train_log.jsonl"
    case $s in 100 | 300) echo "{\"step\":$s,\"val_blockiness\":1.8,\"val_psnr\":2$s.125,\"val_ssim\":0.61234}" >>"$run/train_log.jsonl" ;; esac
  done
}
log stage1 50 100 150 200 150 200 250 300 350 400
log run 50 100 150 200 250 300
echo "wfvae train $HOME/t.txt --out runs-v3/x --base-channels 24 --steps 400 --batch 1 --frames 9 --crop 96 --lr 1e-3 \
--warmup 300 --ema 0.999 --kl-weight 1e-6 --wavelet-weight 0.1 --mse-weight 1 --gradient-weight 1 --seed 1234 \
--short-side 160,256 --log-every 50 --norm-type groupnorm --num-groups 8" >stage1/command.txt
echo "wfvae train t.txt --out runs-v4/x --init stage1/final --frames 9 --crop 96 --lr 3e-4 --warmup 150 --ema 0.999 \
--kl-weight 1e-6 --wavelet-weight 0.1 --mse-weight 1 --gradient-weight 1 --grid-weight 1 --seed 1234 \
--short-side 160,256 --log-every 50 --steps 300" >run/command.txt
printf 'Ran beside a build.\n\n' >stage1/history.md
echo stage1 >run/base_run.txt
table() {  # table OUT FILE:PSNR:SSIM:BLOCKINESS ...
  local out=$1 r f p s b
  shift
  echo file,frames,height,width,psnr,ssim,psnr_r,psnr_g,psnr_b,enc_ms,dec_ms,read_ms,psnr_8bit,ssim_8bit,blockiness,fps,status,error,settings >"$out"
  for r in "$@"; do
    IFS=: read -r f p s b <<<"$r"
    echo "$f,17,128,128,$p,$s,1,2,3,10,20,5,$p,$s,$b,25,ok,,\"size 128x128, frames 17\"" >>"$out"
  done
}
table run/eval-direct.csv /b/city-static.mkv:20.125:0.61235:1.855 /b/other.mkv:18:0.5:2 ALL:19.0625:0.55618:1.9275
table run/eval-chunked.csv /b/city-static.mkv:20.0:0.61:1.9 ALL:20.0:0.61:1.9
table run/eval-unseen.csv /u/u1.mp4:19.0:0.55:1.7 /u/u2.mp4:18.0:0.5:1.9 ALL:18.5:0.525:1.8
echo '{"blockiness_mean":1.5549,"input":{"frames":33,"height":256,"width":448},"psnr_mean":21.005,"ssim_mean":0.66666}' >run/sample.json
echo '{"dec_ms":512.5,"dec_peak_mb":300.4,"enc_ms":255.5,"enc_peak_mb":200.6}' >run/bench-17x128.json
echo '{"config": {"attention_type": "AttnBlock3DFix", "base_channels": 24, "decoder_energy_flow_hidden_size": 24,
 "decoder_num_resblocks": 1, "encoder_energy_flow_hidden_size": 24, "encoder_num_resblocks": 1, "latent_dim": 16,
 "norm_num_groups": 8, "norm_type": "groupnorm", "t_interpolation": "trilinear", "use_attention": true},
 "parameters": 4540123, "stored_dtype": "F16"}' >run/info.json
table stage1/eval-unseen/step-100.csv /u/u1.mp4:15:0.4:2.5 ALL:15.5:0.41:2.4
table stage1/eval-unseen/step-200.csv ALL:17.25:0.452:2.05
table stage1/eval-unseen/step-400.csv ALL:18.125:0.5:1.9
table stage1/eval-unseen/step-final.csv ALL:18.125:0.5:1.9

echo "-- eval-curve: one row per step (final is step 400 again), dB per logged hour between rows"
expect_rc 0 eval-curve stage1 100 200 400 final
# A step takes the pace logged at or after it: 100 -> 200 is 50 steps at 1.5 s (101..150) and
# 50 at 2 s (151..200), 175 s: 1.75 dB / (175/3600 h) = 36.00; 200 -> 400, 200 steps at 2 s.
printf '%s\n' "# stage1: unseen real clips, 17x128x128, direct (EMA weights at each checkpoint)" \
  "step	psnr	ssim	blockiness	dB_per_logged_hour_since_previous" "100	15.50	0.4100	2.40	" \
  "200	17.25	0.4520	2.05	36.00" "400	18.12	0.5000	1.90	7.88" >want.txt
diff want.txt out.txt || fail "the curve is not the one expected"
expect_rc 0 eval-curve stage1
diff want.txt out.txt || fail "without steps, every table in stage1/eval-unseen is the curve"
expect_rc 2 eval-curve stage1 100 600
expect_in err.txt "step-600.csv: no such file"
expect_rc 2 eval-curve run 100
expect_in err.txt "run/eval-unseen/step-100.csv"

echo "-- model-card: both stages, the evaluation tables and the sample line"
expect_rc 0 model-card wfvae-tiny-gn run model --cache cache --unseen cache/footage-unseen
card=model/README.md
expect_in out.txt "wrote model/README.md"
expect_in "$card" "# wfvae-tiny-gn"
expect_in "$card" "- config: latent_dim 16, base_channels 24, 1/1 res blocks (enc/dec), energy-flow 24/24, AttnBlock3DFix, t_interpolation trilinear, **groupnorm (8 groups)**; 4x8x8 compression (frames 1 + 4k)"
expect_in "$card" "- parameters: 4,540,123 (4.54 M), stored as F16 (1.2 MB)"
expect_in "$card" "encode 256 ms, decode 512 ms; peak resident memory 201 MB (encode) / 300 MB (decode)"
expect_in "$card" "- training: train1.mkv, train2.mp4"
expect_in "$card" "- unseen (from packages no training list draws on, \`scripts/data/fetch-footage --unseen\`): u1.mp4, u2.mp4"
# stage 1: 400 steps logged, (50 + 100 + 150) x 1.5 s... each record's pace times --log-every 50
expect_in "$card" "Stage 1, from scratch: 400 steps, batch 1, random 9x96x96 crops"
expect_in "$card" "plus 1 L2 + 1 gradient difference (not in the reference), posterior samples decoded, seed 1234. Training time: 0.20 h"
expect_in "$card" "how the run shared the machine: below). The command:"
expect_in "$card" "wfvae train ~/t.txt --out runs-v3/x"
expect_in "$card" "Ran beside a build."
expect_in "$card" "Stage 2, a fine-tune of stage 1's final (EMA) weights: 300 steps, batch 1,"
expect_in "$card" "plus 1 L2 + 1 gradient difference + 1 cell grid (not in the reference)"
expect_in "$card" "Validation during stage 2 (EMA weights, held-out clips at 17x128x128):"
[ "$(grep -c '^| 100 | 2100.12 | 0.6123 | 1.80 |$' "$card")" = 2 ] || fail "each stage's validation row at step 100, once"
expect_in "$card" "| city-static.mkv | held out, static camera, dense detail (night city) | 20.12 | 0.6123 | 1.85 | 20.00 | 0.6100 |"
expect_in "$card" "| other.mkv |  | 18.00 | 0.5000 | 2.00 | nan | nan |"
expect_in "$card" "| **mean** | | **19.06** | **0.5562** | 1.93 | 20.00 | 0.6100 |"
expect_in "$card" "| u1.mp4 | pkg-one | 19.00 | 0.5500 | 1.70 |"
expect_in "$card" "| u2.mp4 |  | 18.00 | 0.5000 | 1.90 |"
expect_in "$card" "| **mean** | | **18.50** | **0.5250** | 1.80 |"
expect_in "$card" "as the studio first shows it (256x448, 33 frames, chunked): PSNR 21.00 dB, SSIM 0.6667, blockiness 1.55."
expect_in "$card" "Reproduce: \`scripts/lab/train-default wfvae-tiny-gn\`"
[ "$(grep -c '^## ' "$card")" = 4 ] || fail "the card's sections are Model, Data, Training, Evaluation"

rm run/base_run.txt
expect_rc 0 model-card wfvae-tiny-gn run model --cache cache --unseen cache/footage-unseen
expect_in "$card" "Validation during training (EMA weights"
grep -q "Stage 1" "$card" && fail "a one-stage run's card names stages"
echo "-- card-latents (and model-card with RUN/latent-stats.json): the Latents section, replaced in place"
printf '%s' '{"format": "wfvae-latent-stats", "version": 1, "inputs": [{"file": "a.mkv"}, {"file": "b.mkv"}],
 "provenance": {"frames": 17, "size": "128x128", "dtype": "f32", "device": "cpu"},
 "raw": {"mean": [0.5, -0.25, 0.0], "std": [2.0, 0.5, 1.0]}, "normalized": null,
 "normalized_problem": "scale has 4 and shift 4 values for 3 latent channels",
 "suggested": {"scale": [0.5, 2.0, 1.0], "shift": [0.5, -0.25, 0.0]}}' >run/latent-stats.json
expect_rc 0 model-card wfvae-tiny-gn run model --cache cache --unseen cache/footage-unseen
expect_in "$card" "over 2 clips (17 frames at 128x128, the posterior mode, f32 on the cpu)"
expect_in "$card" "raw latent's std runs from 0.500 (channel 1) to 2.000 (channel 0), its means lie within 0.500 of 0 (the farthest: channel 0)"
expect_in "$card" "cannot normalise them (scale has 4 and shift 4 values for 3 latent channels)"
expect_in "$card" '"scale": [0.5, 2, 1],'
cp run/latent-stats.json stats.json
rm run/latent-stats.json
expect_rc 0 model-card wfvae-tiny-gn run model --cache cache --unseen cache/footage-unseen
grep -q "## Latents" "$card" && fail "a run without latent-stats.json got a Latents section"
expect_rc 0 card-latents model stats.json
expect_rc 0 card-latents model stats.json
[ "$(grep -c '^## Latents' "$card")" = 1 ] || fail "card-latents twice: the section is not replaced in place"
tail -n 1 "$card" | grep -q '^Reproduce: `scripts/lab/train-default' || fail "card-latents lost the card's closing lines"
echo '{"format": "something else"}' >bad.json
expect_rc 2 card-latents model bad.json
expect_in err.txt "bad.json: not a wfvae latent-stats file"

rm run/sample.json
expect_rc 2 model-card wfvae-tiny-gn run model --cache cache --unseen cache/footage-unseen
expect_in err.txt "run/sample.json: no such file"
echo "PASS"
