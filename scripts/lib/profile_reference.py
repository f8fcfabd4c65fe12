#!/usr/bin/env python3
"""Where the official WF-VAE code spends a decode (and an encode) on the CPU: the
same two tables `wfvae bench --profile` prints for this engine (named scopes
inclusive, then operators by self time), so that the two read side by side.

The scopes are the official modules, timed by forward hooks that open
torch.profiler record_function ranges: "decoder.<child>" for the decoder's and
encoder's children, and the class name (CausalConv3d, ResnetBlock3D, ...) for every
module of the kinds the engine also names. The reference's own code is imported
from the folder ../shared/ref-bench's prepare_ref.sh extracted, through its
refload.py; nothing of it is copied here.

  profile_reference.py --ref-dir /tmp/wfvae-ref --model FIXTURE_DIR --frames 17 --size 128x128 --threads 2
"""
import argparse
import json
import os
import struct
import sys
import time

KINDS = {  # reference class -> the engine's scope name
    "CausalConv3d": "CausalConv3d", "Conv2d": "Conv2d", "GroupNorm": "Normalize", "LayerNorm": "Normalize",
    "ResnetBlock2D": "ResnetBlock2D", "ResnetBlock3D": "ResnetBlock3D", "AttnBlock3D": "AttnBlock3D",
    "AttnBlock3DFix": "AttnBlock3D", "Downsample": "Downsample", "Upsample": "Upsample",
    "Spatial2xTime2x3DDownsample": "Spatial2xTime2x3DDownsample",
    "Spatial2xTime2x3DUpsample": "Spatial2xTime2x3DUpsample",
    "HaarWaveletTransform3D": "HaarWaveletTransform3D", "HaarWaveletTransform2D": "HaarWaveletTransform2D",
    "InverseHaarWaveletTransform3D": "InverseHaarWaveletTransform3D",
    "InverseHaarWaveletTransform2D": "InverseHaarWaveletTransform2D",
}


def load_weights(path):
    """A diffusers safetensors file as {name: float32 tensor} (no numpy needed)."""
    import torch
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        s, e = info["data_offsets"]
        buf = bytearray(data[8 + n + s:8 + n + e])
        t = torch.frombuffer(buf, dtype=dtypes[info["dtype"]]) if buf else torch.empty(0)
        out[name] = t.reshape(info["shape"]).float()
    return out


def hook_scopes(model):
    """Forward hooks that open a record_function range per named module."""
    from torch.autograd.profiler import record_function
    handles = []

    def add(module, name):
        def pre(_m, _inp):
            r = record_function(name)
            r.__enter__()
            _m.__dict__.setdefault("_wfvae_ranges", []).append(r)

        def post(_m, _inp, _out):
            _m.__dict__["_wfvae_ranges"].pop().__exit__(None, None, None)

        handles.append(module.register_forward_pre_hook(pre))
        handles.append(module.register_forward_hook(post))

    for part in ("encoder", "decoder"):
        for child, m in getattr(model, part).named_children():
            add(m, f"{part}.{child}")
    for _, m in model.named_modules():
        kind = KINDS.get(type(m).__name__)
        if kind:
            add(m, kind)
    return handles


def table(prof, top):
    events = prof.key_averages()
    scopes = sorted((e for e in events if e.key in set(KINDS.values()) or e.key.startswith(("encoder.", "decoder."))),
                    key=lambda e: e.key)
    ops = sorted((e for e in events if e.key.startswith("aten::")), key=lambda e: -e.self_cpu_time_total)
    lines = ["scope (inclusive)                                 calls   total ms"]
    for e in scopes:
        lines.append(f"  {e.key:<46} {e.count:7d} {e.cpu_time_total / 1000:10.1f}")
    total = sum(e.self_cpu_time_total for e in ops)
    lines.append("operator (self time)                              calls    self ms   share")
    for e in ops[:top]:
        lines.append(f"  {e.key:<46} {e.count:7d} {e.self_cpu_time_total / 1000:10.1f} "
                     f"{100.0 * e.self_cpu_time_total / max(total, 1):6.1f}%")
    lines.append(f"  all operators: {total / 1000:.1f} ms self")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref-dir", required=True)
    ap.add_argument("--ref-bench", default=os.path.join(os.path.dirname(__file__), "../../../shared/ref-bench"))
    ap.add_argument("--model", help="a diffusers folder (config.json + diffusion_pytorch_model.safetensors)")
    ap.add_argument("--config", help="a config.json (random weights)")
    ap.add_argument("--frames", type=int, default=17)
    ap.add_argument("--size", default="128x128")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tiling", action="store_true", help="the reference's enable_tiling (chunked) path")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.ref_bench))
    import refload
    import torch
    torch.set_num_threads(a.threads)
    ref = refload.resolve_ref(a.ref_dir)
    mod = refload.load_reference_module("wfvae", ref)
    cfg_path = os.path.join(a.model, "config.json") if a.model else a.config
    cfg = refload.config_kwargs(json.load(open(cfg_path)))
    torch.manual_seed(0)
    model = mod.WFVAEModel.from_config(cfg).eval()
    if a.model:
        missing, unexpected = model.load_state_dict(
            load_weights(os.path.join(a.model, "diffusion_pytorch_model.safetensors")), strict=False)
        missing = [k for k in missing if "wavelet" not in k]  # constant Haar filters
        if missing or unexpected:
            raise SystemExit(f"profile_reference: missing {missing[:5]} unexpected {unexpected[:5]}")
    if a.tiling:
        model.enable_tiling(True)
    else:
        model.disable_tiling()
    if hasattr(model, "temporal_size"):
        model.temporal_size = None
        model.t_chunk_enc = model.t_chunk_dec = None
    h, w = (int(v) for v in a.size.split("x"))
    g = torch.Generator().manual_seed(7)
    x = torch.rand((1, 3, a.frames, h, w), generator=g) * 2 - 1
    with torch.no_grad():
        z = model.encode(x).latent_dist.mean  # warm-up (oneDNN primitives)
        model.decode(z)
        t0 = time.perf_counter()
        z = model.encode(x).latent_dist.mean
        t1 = time.perf_counter()
        model.decode(z)
        t2 = time.perf_counter()
        print(f"reference, unprofiled: encode {1000 * (t1 - t0):.1f} ms, decode {1000 * (t2 - t1):.1f} ms")
        hook_scopes(model)
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU]) as p:
            t0 = time.perf_counter()
            z = model.encode(x).latent_dist.mean
            t1 = time.perf_counter()
        print(f"encode, {1000 * (t1 - t0):.1f} ms with the profiler on:\n{table(p, a.top)}")
        with profile(activities=[ProfilerActivity.CPU]) as p:
            t0 = time.perf_counter()
            model.decode(z)
            t1 = time.perf_counter()
        print(f"decode, {1000 * (t1 - t0):.1f} ms with the profiler on:\n{table(p, a.top)}")


if __name__ == "__main__":
    main()
