#!/usr/bin/env bash
# The model forms users hold, end to end through the CLI: training checkpoints
# (.ckpt, the train_ddp.py layout), Open-Sora-Plan folders and "ae" configs, legacy
# torch.save files, --weights, wfvae convert, and wfvae decode of normalised latents.
# The checkpoints are written by tests/app/torch_save.py (standard library only)
# from the bundled model's safetensors, so each form must reproduce its output.
set -euo pipefail
source "$(dirname "$0")/media_test_lib.sh"
lib=$src/tests/app
bundled=$src/assets/models/wfvae-tiny-gn
[ -f "$bundled/diffusion_pytorch_model.safetensors" ] || skip "no bundled model at $bundled"

make_clip clip.mkv 64x64 9 10 -c:v ffv1
recon_md5() {  # recon_md5 MODEL [flags...]: the reconstruction's RGB md5
  local m=$1
  shift
  expect_rc 0 recon clip.mkv -o "r.mkv" --model "$m" --size 64x64 --frames 9 -y "$@"
  rgb_md5 r.mkv
}
want=$(recon_md5 "$bundled")

# ---- checkpoints in the train_ddp.py layout, from the bundled weights
PYTHONPATH=$lib $py - "$bundled" <<'EOF'
import os, shutil, sys
from collections import OrderedDict
from torch_save import *
src = sys.argv[1]
w = read_safetensors(os.path.join(src, "diffusion_pytorch_model.safetensors"))
# gen_model differs from the EMA: a loader taking the wrong dict changes the output.
bad = OrderedDict((k, Tensor(v.dtype, v.shape, bytes(len(v.data))) if k.endswith("conv_in.conv.weight") else v)
                  for k, v in w.items())
os.makedirs("run")
shutil.copy(os.path.join(src, "config.json"), "run/config.json")
save_zip(training_checkpoint(w, gen_perturb=bad), "run/checkpoint-100.ckpt", name="checkpoint-100")
# Open-Sora-Plan v1.3's vae/: config.json + merged.ckpt holding {"state_dict": ...}
os.makedirs("osp13")
shutil.copy(os.path.join(src, "config.json"), "osp13/config.json")
save_zip({"state_dict": OrderedDict(w)}, "osp13/merged.ckpt")
# A flat state dict in the legacy format, storages tagged cuda:0 (lpips' alex.pth style).
save_legacy(OrderedDict(w), "flat.pt", cuda=True)
# The EMA without one trained tensor: strict, named.
missing = OrderedDict((k, v) for k, v in w.items() if not k.endswith("conv_in.conv.bias"))
os.makedirs("missing")
shutil.copy(os.path.join(src, "config.json"), "missing/config.json")
save_zip(training_checkpoint(missing), "missing/checkpoint-1.ckpt")
EOF

note "training checkpoint folder: the EMA, as the reference"
expect_rc 0 info run
expect_in out.txt "state dict: ema_state_dict"
expect_in out.txt "\"module.\" removed from"
expect_in out.txt "optimizer_state: dict of 2"
expect_in out.txt "(optimizer)"
expect_in out.txt "state_dict[\"dics_model\"]"
expect_in out.txt "format: torch.save (zip)"
[ "$(recon_md5 run)" = "$want" ] || fail "the EMA of run/checkpoint-100.ckpt does not reproduce the bundled model"
[ "$(recon_md5 run/checkpoint-100.ckpt)" = "$want" ] || fail "the .ckpt file itself does not reproduce the bundled model"

note "--weights model takes gen_model (different weights here)"
expect_rc 0 info run --weights model
expect_in out.txt "state dict: state_dict[\"gen_model\"] (asked for with --weights model"
[ "$(recon_md5 run --weights model)" != "$want" ] || fail "--weights model gave the EMA's output"
NOT_USE_EMA_MODEL=1 "$wfvae" info run >out.txt 2>&1
expect_in out.txt "NOT_USE_EMA_MODEL is set"
expect_rc 1 info run --weights fast
expect_in err.txt "expected auto"

note "Open-Sora-Plan v1.3 vae/ folder: state_dict"
expect_rc 0 info osp13
expect_in out.txt "state dict: state_dict (no EMA"
[ "$(recon_md5 osp13)" = "$want" ] || fail "osp13/merged.ckpt does not reproduce the bundled model"

note "several .ckpt files: the last in listing order, said"
cp run/checkpoint-100.ckpt run/checkpoint-050.ckpt
expect_rc 0 info run
expect_in out.txt "2 .ckpt files in run; took"
rm run/checkpoint-050.ckpt

note "legacy torch.save, flat dict, cuda:0 storages, on a machine without a GPU"
mkdir legacy && cp flat.pt legacy/ && cp "$bundled/config.json" legacy/
expect_rc 0 info legacy/flat.pt
expect_in out.txt "format: torch.save (legacy)"
expect_in out.txt "state dict: the top-level dict"
[ "$(recon_md5 legacy/flat.pt)" = "$want" ] || fail "legacy flat.pt does not reproduce the bundled model"

note "a .ckpt without config.json beside it, then --config with an Open-Sora-Plan v1.5 \"ae\" object"
mkdir lone && cp osp13/merged.ckpt lone/
expect_rc 2 info lone/merged.ckpt
expect_in err.txt "config.json: missing"
expect_in err.txt "--config FILE"
$py - "$bundled/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c.pop("_class_name", None); c.pop("_diffusers_version", None)
ae = dict(model_id="wfvae", from_pretrained="/somewhere/merged.ckpt", dtype="bf16", output_dtype="bf16",
          vae_scale_factor=[4, 8, 8], use_tiling=False, **c)
json.dump({"ae": ae, "dit": {"model_id": "OpenSoraT2V_v1_5"}}, open("pipeline.json", "w"), indent=1)
ae["vae_scale_factor"] = [8, 8, 8]
json.dump({"ae": ae}, open("pipeline-wrong.json", "w"))
EOF
expect_rc 0 info lone/merged.ckpt --config pipeline.json
expect_in out.txt "the \"ae\" object of pipeline.json"
expect_in out.txt "key \"use_tiling\" is not a WF-VAE argument"
[ "$(recon_md5 lone/merged.ckpt --config pipeline.json)" = "$want" ] || fail "--config pipeline.json changed the output"
expect_rc 2 info lone/merged.ckpt --config pipeline-wrong.json
expect_in err.txt "vae_scale_factor"

note "strict: a trained tensor missing from the EMA is named"
expect_rc 2 info missing
expect_in err.txt "conv_in.conv.bias"
expect_in err.txt "state dict taken: ema_state_dict"

note "wfvae convert: a diffusers folder with the same output; no silent overwrite"
expect_rc 0 convert run -o conv
expect_in out.txt "state dict: ema_state_dict"
[ -f conv/config.json ] && [ -f conv/diffusion_pytorch_model.safetensors ] || fail "convert wrote no diffusers folder"
[ "$(recon_md5 conv)" = "$want" ] || fail "the converted folder does not reproduce the checkpoint"
before=$(md5sum conv/diffusion_pytorch_model.safetensors)
expect_rc 2 convert osp13 -o conv
expect_in err.txt "already exists"
[ "$(md5sum conv/diffusion_pytorch_model.safetensors)" = "$before" ] || fail "convert without -y changed conv/"
expect_rc 0 convert run -o conv16 --dtype bf16
expect_rc 0 info conv16
expect_in out.txt "stored dtype: BF16"
expect_in out.txt "40 in file"

note "every shared checkpoint fixture, converted, passes parity"
ckdir=$src/../shared/fixtures/wfvae-ckpt
if [ -d "$ckdir" ]; then
  for d in "$ckdir"/*/; do
    [ -f "$d/io.safetensors" ] || continue
    n=$(basename "$d")
    expect_rc 0 convert "$d" -o "fx-$n"
    cp "$d/io.safetensors" "fx-$n/"
    expect_rc 0 parity "fx-$n"
    expect_in out.txt "PASS fx-$n"
    expect_rc 4 parity "$d" --weights model  # gen_model holds other weights on purpose
  done
else
  echo "   (no $ckdir: fixture conversion not checked)"
fi

note "decode of recon --latents --normalized gives recon's frames"
$py - "$bundled/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["scale"] = [0.5 + 0.1 * i for i in range(c["latent_dim"])]
c["shift"] = [0.01 * i - 0.05 for i in range(c["latent_dim"])]
json.dump(c, open("norm-config.json", "w"))
EOF
expect_rc 2 recon clip.mkv -o r-no.mkv --model "$bundled" --latents z-no.safetensors --normalized
expect_in err.txt "cannot normalise latents"
expect_rc 0 recon clip.mkv -o r.mkv --model "$bundled" --config norm-config.json --size 64x64 --frames 9 \
  --latents z.safetensors --normalized -y
expect_rc 0 decode z.safetensors -o d.mkv --config norm-config.json
expect_in out.txt "denormalised (z / scale + shift, the file's values"
# float32 (z - shift) * scale / scale + shift is not always the same float: allow one 8-bit level.
ffmpeg -nostdin -v error -i r.mkv -f rawvideo -pix_fmt rgb24 r.rgb
ffmpeg -nostdin -v error -i d.mkv -f rawvideo -pix_fmt rgb24 d.rgb
$py - <<'EOF'
a, b = open("r.rgb", "rb").read(), open("d.rgb", "rb").read()
assert len(a) == len(b) and len(a) > 0, (len(a), len(b))
worst = max(abs(x - y) for x, y in zip(a, b))
differ = sum(x != y for x, y in zip(a, b))
print("   normalised round trip: %d of %d values differ, by at most %d" % (differ, len(a), worst))
assert worst <= 1 and differ <= len(a) // 1000, "decode of normalised latents is not recon's reconstruction"
EOF
expect_rc 0 decode z.safetensors -o d-raw.mkv --config norm-config.json --tensor mean
[ "$(rgb_md5 d-raw.mkv)" = "$(rgb_md5 r.mkv)" ] || fail "decode of the raw mean is not bit-identical to recon"
# Another tool's file: one tensor, no metadata; normalised by the bundled config's 4 values for 16 channels.
$py - <<'EOF2'
import json, struct
raw = open("z.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
h = json.loads(raw[8:8 + n])
b, e = h["mean"]["data_offsets"]
head = json.dumps({"x": {"dtype": "F32", "shape": h["mean"]["shape"], "data_offsets": [0, e - b]}}).encode()
open("x.safetensors", "wb").write(struct.pack("<Q", len(head)) + head + raw[8 + n + b:8 + n + e])
EOF2
expect_rc 0 decode x.safetensors -o x.mkv --model "$bundled"
expect_in out.txt "decoded as raw"
[ "$(rgb_md5 x.mkv)" = "$(rgb_md5 r.mkv)" ] || fail "decode of another tool's raw latent is not recon's"
expect_rc 2 decode x.safetensors -o x2.mkv --model "$bundled" --normalized
expect_in err.txt "cannot be brought back"
expect_rc 2 decode z.safetensors -o d.mkv
expect_in err.txt "already exists"

echo "PASS: checkpoint forms, convert and decode"
