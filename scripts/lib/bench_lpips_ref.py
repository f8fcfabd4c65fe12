"""The reference side of scripts/bench/bench-lpips: lpips.LPIPS(net='alex', spatial=True)
as WF-VAE's cal_lpips.py builds it, on N frames of HxW, timed (median of --reps).

The trunk is random (pnet_rand=True: no download; speed does not depend on the weights);
the lin heads are the package's own weights/v0.1/alex.pth. Prints one JSON line."""
import argparse, json, statistics, time

import torch
import lpips

p = argparse.ArgumentParser()
p.add_argument("--frames", type=int, default=33)
p.add_argument("--size", default="256x448")
p.add_argument("--reps", type=int, default=3)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--lin-path", action="store_true", help="print where the package's lin heads are, and exit")
a = p.parse_args()
if a.lin_path:
    import os
    print(os.path.join(os.path.dirname(lpips.__file__), "weights", "v0.1", "alex.pth"))
    raise SystemExit(0)
torch.set_num_threads(a.threads)
h, w = (int(v) for v in a.size.split("x"))
net = lpips.LPIPS(net="alex", spatial=True, pnet_rand=True, verbose=False).eval()
g = torch.Generator().manual_seed(0)
x0 = torch.rand(a.frames, 3, h, w, generator=g)
x1 = (x0 + 0.05 * torch.randn(x0.shape, generator=g)).clamp(0, 1)
times = []
with torch.no_grad():
    for _ in range(a.reps + 1):
        t = time.perf_counter()
        v = net.forward(x0 * 2 - 1, x1 * 2 - 1).mean().item()  # cal_lpips.py's call, all frames in one batch
        times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"side": "reference", "frames": a.frames, "size": a.size, "cold_ms": times[0],
                  "ms": statistics.median(times[1:]), "all_ms": times[1:], "lpips": v}))
