#!/usr/bin/env bash
# wfvae encode end to end: a data set's latent cache, decoded by wfvae decode to exactly
# recon's reconstruction; a rerun skips what is done; shards into one folder; the
# manifest; refusals (another encoding in the folder, --seed without --sample,
# --normalized with a config that cannot normalise); a bad input skipped (exit 2).
set -euo pipefail
source "$(dirname "$0")/media_test_lib.sh"

mkdir -p data/sub
make_clip data/a.mkv 48x32 9 10 -c:v ffv1
make_clip data/sub/b.mp4 40x40 9 8 -c:v libx264 -pix_fmt yuv420p
common=(--model "$model" --size 32x32 --frames 9 --device cpu)

note "encode, then decode, is recon's reconstruction to the bit"
expect_rc 0 encode data --out cache "${common[@]}"
expect_in out.txt "encode: 2 inputs into cache"
expect_in out.txt "ok    data/a.mkv -> a.mkv.safetensors: 9 frames 32x32, latent [1, "
expect_in out.txt "ok    data/sub/b.mp4 -> sub/b.mp4.safetensors"
expect_in out.txt "2 encoded, 0 skipped (done before), 0 failed; cache/manifest.json lists 2 of 2 clips"
for c in a.mkv sub/b.mp4; do
  expect_rc 0 recon "data/$c" -o recon.mkv "${common[@]}" -y
  expect_rc 0 decode "cache/$c.safetensors" -o decoded.mkv -y
  [ "$(rgb_md5 recon.mkv)" = "$(rgb_md5 decoded.mkv)" ] || fail "$c: decode of the cache differs from recon"
done

note "a rerun skips what is done and rewrites nothing"
before=$(md5sum cache/a.mkv.safetensors cache/sub/b.mp4.safetensors)
expect_rc 0 encode data --out cache "${common[@]}"
expect_in out.txt "skip  data/a.mkv: a.mkv.safetensors is done"
expect_in out.txt "0 encoded, 2 skipped"
[ "$(md5sum cache/a.mkv.safetensors cache/sub/b.mp4.safetensors)" = "$before" ] || fail "a rerun rewrote the cache"

note "the manifest lists every clip with its source, frames and shape"
"$py" - <<'PY' || fail "manifest"
import json
m = json.load(open("cache/manifest.json"))
assert m["format"] == "wfvae-latent-cache" and m["complete"] and m["missing"] == [], m
files = [c["file"] for c in m["clips"]]
assert files == ["a.mkv.safetensors", "sub/b.mp4.safetensors"], files
assert m["clips"][0]["source"] == "data/a.mkv" and m["clips"][0]["frames"] == 9, m["clips"][0]
assert m["clips"][0]["shape"][0] == 1 and m["clips"][0]["shape"][2] == 3, m["clips"][0]
PY

note "another encoding in the folder is refused before any work"
expect_rc 2 encode data --out cache --model "$model" --size 32x32 --frames 5 --device cpu
expect_in err.txt "a.mkv.safetensors was encoded with other settings (frames=9 there, frames=5 now)"

note "sampled latents: two shards into one folder are one run, file for file"
expect_rc 0 encode data --out whole "${common[@]}" --sample --seed 3
expect_in out.txt "raw sampled (seed 3) latents"
expect_rc 0 encode data --out shards "${common[@]}" --sample --seed 3 --shard 0/2
expect_in out.txt "1 encoded"
expect_in out.txt "lists 1 of 2 clips (1 not encoded yet)"
expect_rc 0 encode data --out shards "${common[@]}" --sample --seed 3 --shard 1/2
for f in a.mkv.safetensors sub/b.mp4.safetensors manifest.json; do
  cmp -s "whole/$f" "shards/$f" || fail "$f: the sharded cache differs from one run's"
done

note "refusals"
expect_rc 1 encode data --out x "${common[@]}" --seed 3
expect_in err.txt "--seed seeds the posterior sample: add --sample"
expect_rc 1 encode data --out x --model "$src/assets/models/wfvae-tiny-gn" --size 32x32 --frames 9 --normalized
expect_in err.txt "--normalized needs the config's scale/shift for every latent channel"
touch afile
expect_rc 1 encode data --out afile "${common[@]}"
expect_in err.txt "afile: exists and is not a folder"

note "a bad input is reported and skipped (exit 2); the rest are encoded"
echo "not a video" >data/broken.mp4
expect_rc 2 encode data --out cache "${common[@]}"
expect_in out.txt "FAIL  "
expect_in out.txt "0 encoded, 2 skipped (done before), 1 failed; cache/manifest.json lists 2 of 3 clips (1 not encoded yet)"
[ ! -e cache/broken.mp4.safetensors ] || fail "a file was written for the bad input"
echo "ok"
