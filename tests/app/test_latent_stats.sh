#!/usr/bin/env bash
# wfvae latent-stats end to end: the figures against vae_var_test.py's arithmetic on the
# latents wfvae recon --latents writes, shards merged against one run, the normalised
# form, refusals (overwrite, mixed settings, overlapping parts), a bad input.
set -euo pipefail
source "$(dirname "$0")/media_test_lib.sh"

mkdir -p data
make_clip data/a.mkv 48x32 7 10 -c:v ffv1
make_clip data/b.mp4 40x40 6 8 -c:v libx264 -pix_fmt yuv420p
make_clip data/c.mkv 32x48 5 5 -c:v ffv1
common=(--model "$model" --size 32x32 --frames 5 --device cpu)

note "the raw form is torch.mean / torch.std over (batch, t, h, w) of the concatenated latents"
for f in data/a.mkv data/b.mp4 data/c.mkv; do
  c=$(basename "${f%.*}")
  expect_rc 0 recon "$f" -o "$c.mkv" --latents "$c.safetensors" "${common[@]}"
done
expect_rc 0 latent-stats data --out all.json "${common[@]}"
expect_in out.txt "latent-stats: 3 inputs"
expect_in out.txt "ok    data/a.mkv: 5 frames 32x32"
expect_in out.txt "suggested for config.json"
expect_in out.txt "wrote: all.json"
"$py" - <<'EOF' || fail "latent-stats vs vae_var_test.py's arithmetic"
import json, math, struct

def read_safetensors(path, name):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    t = header[name]
    assert t["dtype"] == "F32", t
    b, e = t["data_offsets"]
    count = (e - b) // 4
    return t["shape"], struct.unpack("<%df" % count, data[b:e])

# torch.cat of [1, L, T, h, w] latents along the batch, then mean/std over dims (0, 2, 3, 4).
lat = [read_safetensors(c + ".safetensors", "mean") for c in "abc"]
shape = lat[0][0]
assert all(s == shape for s, _ in lat), [s for s, _ in lat]
L = shape[1]
per = shape[2] * shape[3] * shape[4]
chan = [[x for _, v in lat for x in v[c * per:(c + 1) * per]] for c in range(L)]
mean = [sum(v) / len(v) for v in chan]
std = [math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) for v, m in zip(chan, mean)]

s = json.load(open("all.json"))
assert s["format"] == "wfvae-latent-stats" and s["version"] == 1
assert [i["file"] for i in s["inputs"]] == ["data/a.mkv", "data/b.mp4", "data/c.mkv"], s["inputs"]
raw = s["raw"]["channels"]
assert len(raw) == L
def close(a, b, tol=1e-6):
    return abs(a - b) <= tol * max(abs(b), 1e-3)
for c in range(L):
    assert raw[c]["count"] == 3 * per, (raw[c]["count"], 3 * per)
    assert close(raw[c]["mean"], mean[c]), ("mean", c, raw[c]["mean"], mean[c])
    assert close(raw[c]["std"], std[c]), ("std", c, raw[c]["std"], std[c])
    assert raw[c]["min"] == min(chan[c]) and raw[c]["max"] == max(chan[c]), c
    h = raw[c]["histogram"]
    assert sum(h["counts"]) + h["underflow"] + h["overflow"] == raw[c]["count"]
    assert close(s["suggested"]["shift"][c], mean[c]) and close(s["suggested"]["scale"][c], 1 / std[c])
p = s["provenance"]
assert p["size"] == "32x32" and p["frames"] == 5 and p["dtype"] == "f32" and p["seed"] == 0 and p["model"], p
assert s["settings"]["histogram"] == {"lo": -16, "hi": 16, "bins": 128}, s["settings"]["histogram"]
assert s["normalized"] is not None and len(s["normalized"]["channels"]) == L
assert all(n["count"] == 3 * per for n in s["normalized"]["channels"])
EOF

note "--out is never overwritten without -y"
cp all.json keep.json
expect_rc 2 latent-stats data --out all.json "${common[@]}"
expect_in err.txt "already exists (pass -y to overwrite)"
cmp -s all.json keep.json || fail "all.json changed"
expect_rc 0 latent-stats data --out all.json "${common[@]}" -y
expect_rc 1 latent-stats data --out all.csv "${common[@]}"

note "--shard 0/2 and 1/2, merged, give the unsharded figures (the normalised form too: per-clip seeds)"
expect_rc 0 latent-stats data --out p0.json --shard 0/2 "${common[@]}"
expect_in out.txt "(shard 0/2 of 3)"
expect_rc 0 latent-stats data --out p1.json --shard 1/2 "${common[@]}"
expect_rc 0 latent-stats --merge p1.json p0.json --out merged.json
expect_in out.txt "merged 2 parts: 3 inputs"
"$py" - <<'EOF' || fail "merged vs unsharded"
import json
a, m = json.load(open("all.json")), json.load(open("merged.json"))
assert [i["file"] for i in m["inputs"]] == [i["file"] for i in a["inputs"]]
assert m["settings"] == a["settings"]
for form in ("raw", "normalized"):
    for x, y in zip(a[form]["channels"], m[form]["channels"]):
        assert x["count"] == y["count"] and x["min"] == y["min"] and x["max"] == y["max"], form
        assert x["histogram"] == y["histogram"], form
        for k in ("mean", "m2", "std"):
            assert abs(x[k] - y[k]) <= 1e-12 * max(abs(x[k]), 1e-300), (form, k, x[k], y[k])
EOF

note "--merge refuses overlapping parts, other settings, and non-stats files"
expect_rc 2 latent-stats --merge p0.json all.json --out bad.json
expect_in err.txt "is in both p0.json and all.json"
expect_rc 0 latent-stats data/c.mkv --out other.json --model "$model" --size 40x40 --frames 5 --device cpu
expect_rc 2 latent-stats --merge p1.json other.json --out bad.json
expect_in err.txt "other.json and p1.json were made with different settings"
expect_rc 2 latent-stats --merge p1.json data/a.mkv.json --out bad.json
expect_rc 1 latent-stats --merge p0.json p1.json --out bad.json --size 32x32
[ ! -e bad.json ] || fail "a refused merge wrote bad.json"

note "the seed: the same seed gives the same normalised figures, another seed others; the raw form is the same"
expect_rc 0 latent-stats data --out seed1.json --seed 1 "${common[@]}"
"$py" - <<'EOF' || fail "seeds"
import json
a, b = json.load(open("all.json")), json.load(open("seed1.json"))
assert a["raw"]["channels"] == b["raw"]["channels"]
assert a["normalized"]["mean"] != b["normalized"]["mean"]
assert b["settings"]["seed"] == 1
EOF

note "the config's scale/shift are applied to the normalised form: (z - shift) * scale"
"$py" - "$model/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["scale"] = [1.0] * c["latent_dim"]
c["shift"] = [0.0] * c["latent_dim"]
json.dump(c, open("unit.json", "w"))
c["scale"] = [16.0] * c["latent_dim"]
c["shift"] = [0.5] * c["latent_dim"]
json.dump(c, open("scaled.json", "w"))
EOF
expect_rc 0 latent-stats data --out unit_stats.json --config unit.json "${common[@]}"
expect_rc 0 latent-stats data --out scaled_stats.json --config scaled.json "${common[@]}"
"$py" - <<'EOF' || fail "scale/shift applied"
import json
u, s = json.load(open("unit_stats.json")), json.load(open("scaled_stats.json"))
for a, b in zip(u["normalized"]["channels"], s["normalized"]["channels"]):
    assert abs(b["mean"] - (a["mean"] - 0.5) * 16) <= 1e-5 * max(1, abs(b["mean"])), (a["mean"], b["mean"])
    assert abs(b["std"] - a["std"] * 16) <= 1e-5 * b["std"], (a["std"], b["std"])
EOF

if [ -f "$src/assets/models/wfvae-tiny-gn/config.json" ]; then
  note "a config whose scale/shift do not fit the latent channels: the raw form only, saying why"
  expect_rc 0 latent-stats data/c.mkv --out tiny.json --model "$src/assets/models/wfvae-tiny-gn" --size 32x32 \
    --frames 5 --device cpu
  expect_in out.txt "normalised form not computed: the config's scale/shift do not fit"
  "$py" -c 'import json; s = json.load(open("tiny.json")); assert s["normalized"] is None and s["normalized_problem"]'
fi

note "a bad input is reported and skipped (exit 2); nothing encodable writes nothing"
echo "not a video" >data/bad.mp4
expect_rc 2 latent-stats data --out withbad.json "${common[@]}"
expect_in out.txt "FAIL  data/bad.mp4: not a video or image FFmpeg can read"
expect_in out.txt "1 input failed"
"$py" -c 'import json; s = json.load(open("withbad.json")); assert [f["file"] for f in s["failed"]] == ["data/bad.mp4"] and len(s["inputs"]) == 3'
expect_rc 2 latent-stats data/bad.mp4 --out none.json "${common[@]}"
expect_in err.txt "no input could be encoded"
[ ! -e none.json ] || fail "none.json written"
echo "ok"
note "hostile parts for --merge: not JSON, not ours, wrong types: refused, nothing written"
echo '[1,2' >hp1.json
echo '{"format":"wfvae-latent-stats"}' >hp2.json
echo '{"format":"wfvae-latent-stats","version":1,"raw":[{"count":"x"}]}' >hp3.json
for p in hp1 hp2 hp3; do
  expect_rc 2 latent-stats --merge $p.json $p.json --out merged_$p.json
  expect_in err.txt "$p.json: "
  [ ! -e merged_$p.json ] || fail "--merge of a hostile part wrote merged_$p.json"
done
