#!/usr/bin/env python3
"""Made-up seed inputs for the libFuzzer harnesses that have no real file to start from
(scripts/fuzz calls it; stdlib only):

    tests/fuzz/make_seeds.py CORPUS_DIR

  CORPUS_DIR/safetensors/seed-tiny.safetensors     three tensors, F32, F16 and BF16
  CORPUS_DIR/torch_checkpoint/seed-train.ckpt      a training-style torch.save (zip)
  CORPUS_DIR/torch_checkpoint/seed-flat.pt         a flat state dict (zip)
  CORPUS_DIR/torch_checkpoint/seed-legacy.pt       the same in the legacy format, CUDA storages

The torch.save files are written by tests/app/torch_save.py, the stdlib-only writer the
CLI tests use (the zip members carry the time of writing; their contents are fixed).
"""
import json
import os
import struct
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app"))
import torch_save as ts  # noqa: E402


def safetensors_seed(path):
    header = {"__metadata__": {"format": "pt"},
              "a.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
              "b.bias": {"dtype": "F16", "shape": [2], "data_offsets": [16, 20]},
              "c": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [20, 24]}}
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + struct.pack("<4f", 1, 2, 3, 4) + b"\x00\x3c\x00\x40" +
                b"\x80\x3f\x00\x40")


def torch_checkpoint_seeds(d):
    w = OrderedDict([("a.weight", ts.Tensor("F32", [2, 2], ts.floats([1, 2, 3, 4]))),
                     ("b.bias", ts.Tensor("F16", [2], ts.floats([1, -2], "F16")))])
    w["a.t"] = ts.Tensor("F32", [2, 2], b"", stride=[1, 2], storage=w["a.weight"])
    ts.save_zip(ts.training_checkpoint(w), os.path.join(d, "seed-train.ckpt"))
    ts.save_zip(OrderedDict(w), os.path.join(d, "seed-flat.pt"))
    ts.save_legacy(OrderedDict(w), os.path.join(d, "seed-legacy.pt"), cuda=True)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_seeds.py CORPUS_DIR")
    corpus = sys.argv[1]
    for sub in ("safetensors", "torch_checkpoint"):
        os.makedirs(os.path.join(corpus, sub), exist_ok=True)
    safetensors_seed(os.path.join(corpus, "safetensors", "seed-tiny.safetensors"))
    torch_checkpoint_seeds(os.path.join(corpus, "torch_checkpoint"))


if __name__ == "__main__":
    main()
