"""Writes files in torch.save's formats with the Python standard library alone (no
torch): the zip format (torch >= 1.6) and the legacy one. Tests and the hostile
corpus use it to make checkpoints of every layout the official training writes,
and broken ones. Tensors are (dtype, shape, raw little-endian bytes).

Stand-in modules named `torch` and `torch._utils` are registered so that pickle
writes the same GLOBAL opcodes torch.save does; nothing here imports real torch.
"""
import io
import pickle
import struct
import sys
import types
import zipfile
from collections import OrderedDict

_torch = types.ModuleType("torch")
_utils = types.ModuleType("torch._utils")
_torch._utils = _utils
sys.modules.setdefault("torch", _torch)
sys.modules.setdefault("torch._utils", _utils)
_torch = sys.modules["torch"]
_utils = sys.modules["torch._utils"]


def _rebuild_tensor_v2(*args):  # never called: only its name is pickled
    raise RuntimeError("stand-in")


_rebuild_tensor_v2.__module__ = "torch._utils"
_utils._rebuild_tensor_v2 = _rebuild_tensor_v2

STORAGE = {"F32": ("FloatStorage", 4), "F16": ("HalfStorage", 2), "BF16": ("BFloat16Storage", 2),
           "I64": ("LongStorage", 8), "F64": ("DoubleStorage", 8), "I32": ("IntStorage", 4)}
for _name, _ in STORAGE.values():
    _cls = type(_name, (), {"__module__": "torch"})
    setattr(_torch, _name, _cls)


class Tensor:
    """A tensor to save: dtype ("F32", "F16", ...), shape, raw bytes (row-major unless stride)."""

    def __init__(self, dtype, shape, data, stride=None, offset=0, storage=None):
        self.dtype, self.shape, self.data = dtype, tuple(shape), data
        n = 1
        for s in self.shape:
            n *= s
        if stride is None:
            stride, acc = [], 1
            for s in reversed(self.shape):
                stride.insert(0, acc)
                acc *= s
        self.stride, self.offset = tuple(stride), offset
        self.storage = storage if storage is not None else self  # share a storage with another Tensor
        self.numel = len(data) // STORAGE[dtype][1] if storage is None else None

    def __reduce__(self):
        return (_rebuild_tensor_v2, (_StorageRef(self.storage), self.offset, self.shape, self.stride, False,
                                     OrderedDict()))


class _StorageRef:
    def __init__(self, owner):
        self.owner = owner


def floats(values, dtype="F32"):
    if dtype == "F32":
        return struct.pack("<%df" % len(values), *values)
    if dtype == "F16":
        return struct.pack("<%de" % len(values), *values)
    raise ValueError(dtype)


class _Pickler(pickle.Pickler):
    def __init__(self, f, legacy):
        super().__init__(f, protocol=2)
        self.keys, self.legacy = {}, legacy

    def persistent_id(self, obj):
        if not isinstance(obj, _StorageRef):
            return None
        t = obj.owner
        key = self.keys.setdefault(id(t), (str(len(self.keys)), t))[0]
        cls = getattr(_torch, STORAGE[t.dtype][0])
        loc = "cuda:0" if self.legacy == "cuda" else "cpu"
        if self.legacy:
            return ("storage", cls, key, loc, t.numel, None)
        return ("storage", cls, key, loc, t.numel)


def save_zip(obj, path, name="archive"):
    buf = io.BytesIO()
    p = _Pickler(buf, legacy=False)
    p.dump(obj)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name + "/data.pkl", buf.getvalue())
        z.writestr(name + "/byteorder", "little")
        for key, t in p.keys.values():
            z.writestr(name + "/data/" + key, t.data)
        z.writestr(name + "/version", "3\n")


def save_legacy(obj, path, cuda=False):
    f = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
    pickle.dump(1001, f, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
    p = _Pickler(f, legacy="cuda" if cuda else True)
    p.dump(obj)
    keys = sorted(p.keys.values(), key=lambda kt: kt[0])
    pickle.dump([k for k, _ in keys], f, protocol=2)
    for _, t in keys:
        f.write(struct.pack("<q", t.numel))
        f.write(t.data)
    open(path, "wb").write(f.getvalue())


def read_safetensors(path):
    """{name: Tensor} from a safetensors file (row-major)."""
    import json
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = OrderedDict()
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        out[k] = Tensor(v["dtype"], v["shape"], raw[8 + n + b:8 + n + e])
    return out


class Opaque:
    """An object of a class the reader does not know (optimizer or sampler state)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


Opaque.__module__ = "sometrainer"
Opaque.__qualname__ = "Opaque"
_mod = types.ModuleType("sometrainer")
_mod.Opaque = Opaque
sys.modules["sometrainer"] = _mod


def training_checkpoint(weights, ema=None, gen_perturb=None):
    """The train_ddp.py layout around `weights` ({name: Tensor}): the EMA (with module.)
    holds `ema` (default: weights), gen_model holds `gen_perturb` or weights."""
    ema = weights if ema is None else ema
    return {
        "epoch": 0,
        "current_step": 100,
        "optimizer_state": {"gen_optimizer": {"state": {0: {"step": Tensor("F32", [], floats([1.0])),
                                                            "extra": Opaque(kind="unknown")}},
                                              "param_groups": [{"lr": 1e-5, "params": [0, 1]}]},
                            "disc_optimizer": {"state": {}, "param_groups": []}},
        "state_dict": {"gen_model": OrderedDict(gen_perturb if gen_perturb is not None else weights),
                       "dics_model": OrderedDict([("logvar", Tensor("F32", [], floats([0.0])))])},
        "ema_state_dict": {"module." + k: v for k, v in ema.items()},
        "scaler_state": {"scale": 65536.0},
        "sampler_state": {"epoch": 0, "seed": 0, "current_index": 99},
    }
