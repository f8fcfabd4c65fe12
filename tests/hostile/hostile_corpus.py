#!/usr/bin/env python3
"""Hostile-input corpus for the wfvae CLI: generate bad inputs by class, run them, judge.

    tests/hostile/hostile_corpus.py [--quick] [--wfvae build/app/wfvae] [--keep DIR] [--verbose]

ctest runs the quick corpus as cli_hostile_corpus (tests/CMakeLists.txt). The full
corpus, every case of every class, is run by hand against a build:

    tests/hostile/hostile_corpus.py --wfvae build/app/wfvae

Every case is one `wfvae` command on a made-up input (a broken or odd video, a
corrupted checkpoint or config, an absurd flag). A case passes when the command
  - exits with one of the documented codes (0 where the input is odd but valid,
    1 usage, 2 bad input, 3 runtime or out of memory), never by a signal;
  - says why in plain words: no LibTorch/C++ internals ("Exception raised from",
    "enforce fail", "terminate called", "internal error", a backtrace);
  - leaves no output file or temporary behind when it fails;
  - finishes within its time limit (no hang).
--quick runs a few cases of every class (CI, about a minute); the default runs all.
Exit status 0 when every case passes, 1 when one fails, 77 (ctest's skip) without the
ffmpeg CLI that makes the videos; the table of classes is printed either way.
"""
import argparse
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/hostile/ -> root
LEAKS = ("Exception raised from", "enforce fail", "terminate called", "internal error", "c10::", "Segmentation",
         "Aborted", "what():")


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


class Corpus:
    def __init__(self, work, wfvae, model, quick):
        self.work, self.wfvae, self.model, self.quick = work, wfvae, model, quick
        self.cases = []  # (class, name, argv, allowed exit codes, timeout)

    def add(self, cls, name, argv, codes, timeout=60, quick=False):
        if self.quick and not quick:
            return
        self.cases.append((cls, name, argv, set(codes), timeout))

    def path(self, name):
        return os.path.join(self.work, name)

    # ---------------------------------------------------------------- inputs

    def videos(self):
        good = self.path("good.mkv")
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=48x40:rate=10", "-frames:v", "9", "-c:v", "ffv1", good)
        mp4 = self.path("good.mp4")
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=48x40:rate=10", "-frames:v", "9", "-c:v", "libx264",
               "-pix_fmt", "yuv420p", mp4)
        data = open(mp4, "rb").read()
        made = {}

        def write(name, blob):
            p = self.path(name)
            with open(p, "wb") as f:
                f.write(blob)
            made[name] = p

        write("empty.mp4", b"")
        write("text.mp4", b"just some text\n" * 10)
        write("random.mkv", os.urandom(65536))
        for frac in (0.1, 0.5, 0.9):
            write("truncated_%d.mp4" % int(frac * 100), data[:int(len(data) * frac)])
        flipped = bytearray(data)
        for i in range(64, len(flipped), 97):
            flipped[i] ^= 0xFF
        write("bitflipped.mp4", bytes(flipped))
        write("zero_frames.y4m", b"YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\n")
        write("huge_dims.y4m", b"YUV4MPEG2 W20000 H16 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + bytes(480000))
        write("zero_dims.y4m", b"YUV4MPEG2 W0 H0 F25:1 Ip A1:1 C420jpeg\nFRAME\n")
        write("fast.y4m", b"YUV4MPEG2 W16 H16 F5000:1 Ip A1:1 C420jpeg\n" + (b"FRAME\n" + bytes(384)) * 5)
        write("tiny_frame.y4m", b"YUV4MPEG2 W2 H2 F25:1 Ip A1:1 C420jpeg\n" + (b"FRAME\n" + bytes(6)) * 5)
        ffmpeg("-f", "lavfi", "-i", "sine=duration=0.2", self.path("tone.wav"))
        made["tone.wav"] = self.path("tone.wav")
        os.mkdir(self.path("folder.mp4"))
        made["folder.mp4"] = self.path("folder.mp4")
        os.symlink("loop_b.mp4", self.path("loop_a.mp4"))
        os.symlink("loop_a.mp4", self.path("loop_b.mp4"))
        made["loop_a.mp4"] = self.path("loop_a.mp4")
        made["missing.mp4"] = self.path("missing.mp4")
        made["dev_zero"] = "/dev/zero"
        made["proc_maps"] = "/proc/self/maps"
        quick = {"empty.mp4", "text.mp4", "truncated_50.mp4", "zero_frames.y4m", "huge_dims.y4m", "folder.mp4",
                 "loop_a.mp4", "tone.wav", "fast.y4m"}
        common = ["--model", self.model, "--size", "32x32", "--frames", "5", "--device", "cpu"]
        for name, p in sorted(made.items()):
            # Odd but valid sources (5000 fps, 2x2 frames) may reconstruct: exit 0 is fine.
            ok = (0, 2) if name in ("fast.y4m", "tiny_frame.y4m", "bitflipped.mp4") else (2,)
            self.add("video", name, ["recon", p, "-o", self.path("out.mkv")] + common, ok, quick=name in quick)
        self.good = good

    def checkpoints(self):
        src = self.model
        st = open(os.path.join(src, "diffusion_pytorch_model.safetensors"), "rb").read()
        cfg = json.load(open(os.path.join(src, "config.json")))
        n = struct.unpack("<Q", st[:8])[0]
        header = json.loads(st[8:8 + n])
        names = sorted(k for k in header if k != "__metadata__")

        def model(name, weights=None, config=None, quick=False, codes=(2,)):
            d = self.path("model_" + name)
            os.mkdir(d)
            if weights is not None:
                with open(os.path.join(d, "diffusion_pytorch_model.safetensors"), "wb") as f:
                    f.write(weights)
            if config is not None:
                with open(os.path.join(d, "config.json"), "w") as f:
                    f.write(config if isinstance(config, str) else json.dumps(config))
            self.add("checkpoint", name, ["info", d], codes, quick=quick)
            self.add("checkpoint", name + "+recon", ["recon", self.good, "-o", self.path("out.mkv"), "--model", d,
                                                     "--size", "32x32", "--frames", "5", "--device", "cpu"],
                     codes, quick=quick)

        def with_header(h):
            body = json.dumps(h).encode()
            return struct.pack("<Q", len(body)) + body + st[8 + n:]

        cj = json.dumps(cfg)
        model("no_weights", None, cj, quick=True)
        model("no_config", st, None)
        model("empty_weights", b"", cj, quick=True)
        model("truncated_weights", st[:len(st) // 2], cj, quick=True)
        model("header_len_overflow", struct.pack("<Q", 2 ** 63) + st[8:], cj, quick=True)
        model("header_not_json", struct.pack("<Q", 16) + b"{not json at all" + st[24:], cj)
        h = json.loads(json.dumps(header))
        h[names[0]]["data_offsets"] = [0, 2 ** 40]
        model("offsets_out_of_range", with_header(h), cj, quick=True)
        h = json.loads(json.dumps(header))
        h[names[0]]["dtype"] = "I64"
        model("wrong_dtype", with_header(h), cj)
        h = json.loads(json.dumps(header))
        h[names[0]]["shape"] = [7, 7]
        model("wrong_shape", with_header(h), cj)
        h = json.loads(json.dumps(header))
        del h[names[1]]
        model("missing_tensor", with_header(h), cj, quick=True)
        h = json.loads(json.dumps(header))
        h["decoder.extra.weight"] = dict(h[names[0]])
        model("unexpected_tensor", with_header(h), cj)
        e = header[names[0]]
        nan = {"F32": b"\x00\x00\xc0\x7f", "F16": b"\x00\x7e", "BF16": b"\xc0\x7f"}[e["dtype"]]
        blob = bytearray(st)
        begin = 8 + n + e["data_offsets"][0]
        blob[begin:begin + len(nan)] = nan
        model("nan_tensor", bytes(blob), cj, quick=True)
        for key, value, quick in (("base_channels", 2 ** 32 + 16, True), ("base_channels", 10 ** 12, False),
                                  ("latent_dim", 2 ** 40, False), ("base_channels", -8, False),
                                  ("norm_num_groups", 0, True), ("norm_type", "batchnorm", False),
                                  ("base_channels", "many", False), ("latent_dim", 3.5, False)):
            c = dict(cfg)
            c[key] = value
            model("config_%s_%s" % (key, str(value).replace(".", "_")), st, c, quick=quick)
        model("config_not_json", st, "{\"base_channels\": ", quick=True)
        model("config_array", st, "[1, 2, 3]")

    def torch_checkpoints(self):
        """.ckpt/.pt files: truncated, out of bounds, nested, recursive, code on load."""
        sys.path.insert(0, os.path.join(ROOT, "tests", "app"))
        import zipfile
        from collections import OrderedDict
        import torch_save as ts
        w = ts.read_safetensors(os.path.join(self.model, "diffusion_pytorch_model.safetensors"))
        cj = open(os.path.join(self.model, "config.json")).read()
        pwned = self.path("pwned")  # a file a pickle that runs code would create: "left behind" fails the case

        def ckpt(name, blob=None, obj=None, legacy=False, codes=(2,), quick=False, ext=".ckpt"):
            d = self.path("ckpt_" + name)
            os.mkdir(d)
            with open(os.path.join(d, "config.json"), "w") as f:
                f.write(cj)
            p = os.path.join(d, "model" + ext)
            if obj is not None:
                (ts.save_legacy if legacy else ts.save_zip)(obj, p)
            else:
                open(p, "wb").write(blob)
            self.add("ckpt", name, ["info", p], codes, quick=quick)
            self.add("ckpt", name + "+recon", ["recon", self.good, "-o", self.path("out.mkv"), "--model", p,
                                               "--size", "32x32", "--frames", "5", "--device", "cpu"], codes)

        def pickle_zip(pkl, extra=()):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
                z.writestr("archive/data.pkl", pkl)
                for k, v in extra:
                    z.writestr(k, v)
            return buf.getvalue()

        good = self.path("good_ckpt.ckpt")
        ts.save_zip(ts.training_checkpoint(w), good)
        data = open(good, "rb").read()
        ckpt("valid_training_checkpoint", data, codes=(0,), quick=True)
        for frac in (0.02, 0.5, 0.9, 0.999):
            ckpt("truncated_%g" % frac, data[:int(len(data) * frac)], quick=frac in (0.5, 0.999))
        flat = self.path("flat.pt")
        ts.save_legacy(OrderedDict(w), flat, cuda=True)
        legacy = open(flat, "rb").read()
        ckpt("legacy_valid_cuda_storages", legacy, codes=(0,), quick=True, ext=".pt")
        ckpt("legacy_truncated_storage", legacy[:-100], quick=True, ext=".pt")
        k = sorted(w)[0]
        bad = OrderedDict(w)
        bad[k] = ts.Tensor(w[k].dtype, w[k].shape, b"", offset=10 ** 9, storage=w[k])
        ckpt("storage_offset_beyond_storage", obj=bad, quick=True)
        ckpt("record_larger_than_file", pickle_zip(b"\x80\x02X" + struct.pack("<I", 0xFFFFFFF0) + b"abc"), quick=True)
        ckpt("storage_record_missing", pickle_zip(zipfile.ZipFile(good).read("archive/data.pkl")))
        nested = b"\x80\x02}X\x0f\x00\x00\x00optimizer_state" + b"]" * 100000 + b"a" * 99999 + b"s."
        ckpt("deeply_nested_lists", pickle_zip(nested))  # no weights: refused, after a bounded walk
        ckpt("unclosed_marks", pickle_zip(b"\x80\x02" + b"(" * 100000 + b"."), quick=True)
        ckpt("recursive_dict", pickle_zip(b"\x80\x02}q\x00X\x0e\x00\x00\x00ema_state_dict}q\x01X\x01\x00\x00\x00ah\x01ssX\x04\x00\x00\x00selfh\x00s."),
             quick=True)
        for mod, name in (("os", "system"), ("posix", "system"), ("subprocess", "call"), ("builtins", "exec")):
            arg = "touch %s" % pwned if name != "exec" else "open(%r, 'w')" % pwned
            pkl = ("\x80\x02c%s\n%s\n(X%s%st\x85R." % (mod, name, struct.pack("<I", len(arg)).decode("latin1"), arg))
            ckpt("calls_%s_%s" % (mod, name), pickle_zip(pkl.encode("latin1")), quick=name == "system" and mod == "os")
        ckpt("stack_global_eval", pickle_zip(b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x041+1\x85R."))
        ckpt("unknown_class_in_state_dict",
             pickle_zip(b"\x80\x02}X\x01\x00\x00\x00acnumpy\nndarray\n)\x81s."), quick=True)
        ckpt("whole_module_pickled", pickle_zip(b"\x80\x02cmypkg.models\nWFVAE\n)\x81}b."))
        buf = io.BytesIO()
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for n in src.namelist():
                z.writestr(n, src.read(n))
        ckpt("compressed_zip", buf.getvalue())
        with zipfile.ZipFile(good) as src:
            parts = [(n, src.read(n)) for n in src.namelist() if not n.endswith("byteorder")]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            for n, b in parts:
                z.writestr(n, b)
            z.writestr("archive/byteorder", "big")
        ckpt("big_endian", buf.getvalue())
        ckpt("text_named_ckpt", b"this is not a checkpoint\n" * 20, quick=True)
        ckpt("empty_ckpt", b"")
        ckpt("zip_without_pickle", pickle_zip(b"", extra=()) .replace(b"archive/data.pkl", b"archive/other.pk"))

    def flags(self):
        good, out = self.good, self.path("out.mkv")
        base = ["recon", good, "-o", out, "--model", self.model, "--device", "cpu"]
        cases = [
            ("size_zero", ["--size", "0x0"], (1,), True), ("size_wrap", ["--size", "4294967304x8"], (1,), True),
            ("size_odd", ["--size", "33x32"], (1,), False), ("size_text", ["--size", "big"], (1,), False),
            ("size_huge", ["--size", "65536x65536"], (1,), True),
            ("frames_negative", ["--frames", "-1"], (1,), True), ("frames_wrap", ["--frames", "99999999999"], (1,), False),
            ("stride_zero", ["--stride", "0"], (1,), False), ("start_negative", ["--start", "-1"], (1,), False),
            ("start_text", ["--start", "soon"], (1,), False), ("groups_bad", ["--num-groups", "7"], (1,), True),
            ("groups_wrap", ["--num-groups", "4294967304"], (1,), False), ("norm_empty", ["--norm-type", ""], (1,), True),
            ("norm_unknown", ["--norm-type", "batchnorm"], (1,), False), ("dtype_unknown", ["--dtype", "f8"], (1,), False),
            ("device_unknown", ["--device", "tpu"], (1,), False), ("crf_range", ["--crf", "99"], (1,), False),
            ("tile_bad", ["--tile", "100"], (1,), True), ("tile_overlap_bad", ["--tile", "64", "--tile-overlap", "48"], (1,), False),
            ("memory_text", ["--max-memory", "lots"], (1,), True), ("memory_tiny", ["--max-memory", "1K"], (1,), False),
            ("unknown_flag", ["--frobnicate"], (1,), True), ("seed_without_sample", ["--seed", "3"], (1,), False),
        ]
        for name, extra, codes, quick in cases:
            argv = base + extra
            if "--size" not in extra:
                argv += ["--size", "32x32"]
            if "--frames" not in extra:
                argv += ["--frames", "5"]
            self.add("flags", name, argv, codes, quick=quick)
        self.add("flags", "output_empty", ["recon", good, "-o", "", "--model", self.model], (1,), quick=True)
        self.add("flags", "output_pattern_wide", ["recon", good, "-o", self.path("f_%999999999d.png"), "--model", self.model,
                                                  "--size", "32x32", "--frames", "5"], (1,), quick=True)
        self.add("flags", "output_pattern_two", ["recon", good, "-o", self.path("f_%d_%d.png"), "--model", self.model,
                                                 "--size", "32x32", "--frames", "5"], (1,))
        self.add("flags", "output_no_folder", ["recon", good, "-o", self.path("nodir/out.mkv"), "--model", self.model,
                                               "--size", "32x32", "--frames", "5"], (2,), quick=True)
        self.add("flags", "output_is_input", ["recon", good, "-o", good, "-y", "--model", self.model, "--size", "32x32",
                                              "--frames", "5"], (1,), quick=True)
        self.add("flags", "memory_refused", ["recon", good, "-o", out, "--model", self.model, "--size", "2048x2048",
                                             "--max-memory", "1G"], (3,), quick=True)
        self.add("flags", "train_lr_nan", ["train", good, "--out", self.path("trainrun"), "--steps", "1", "--frames", "5",
                                           "--crop", "16", "--short-side", "32", "--lr", "nan"], (1,), quick=True)
        self.add("flags", "bench_reps_zero", ["bench", "--config", os.path.join(self.model, "config.json"), "--frames", "5",
                                              "--size", "32x32", "--reps", "0"], (1,))

    # ---------------------------------------------------------------- judging

    def run(self):
        results = []
        for cls, name, argv, codes, timeout in self.cases:
            before = set(os.listdir(self.work))
            t0 = time.time()
            try:
                p = subprocess.run([self.wfvae] + argv, capture_output=True, text=True, timeout=timeout,
                                   errors="replace", cwd=self.work)
                rc, err = p.returncode, p.stdout + p.stderr
            except subprocess.TimeoutExpired:
                rc, err = None, "timed out after %d s" % timeout
            secs = time.time() - t0
            problems = []
            if rc is None:
                problems.append("hang")
            elif rc < 0 or rc > 128 and rc != 130:
                problems.append("killed by a signal (%d)" % rc)
            elif rc not in codes:
                problems.append("exit %d, expected %s" % (rc, "/".join(map(str, sorted(codes)))))
            leaked = [s for s in LEAKS if s in err]
            if leaked:
                problems.append("internals leaked (%s)" % ", ".join(leaked))
            if rc not in (0, None) and not err.strip():
                problems.append("failed without a message")
            left = sorted(f for f in set(os.listdir(self.work)) - before)
            if rc != 0 and left:
                problems.append("left behind: " + ", ".join(left))
            for f in left:  # a passing odd-but-valid case may write its output
                p = os.path.join(self.work, f)
                shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
            last = err.strip().splitlines()[-1] if err.strip() else ""
            results.append((cls, name, rc, secs, problems, last))
        return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a few cases of every class (CI)")
    ap.add_argument("--wfvae", default=os.path.join(ROOT, os.environ.get("WFVAE_BUILD_DIR", "build"), "app", "wfvae"))
    ap.add_argument("--keep", help="make the corpus in this (new) folder and keep it")
    ap.add_argument("--verbose", action="store_true", help="print every case's last line")
    a = ap.parse_args()
    if not os.access(a.wfvae, os.X_OK):
        sys.exit("hostile_corpus: %s is not an executable (build first: scripts/build)" % a.wfvae)
    if not shutil.which("ffmpeg"):
        print("hostile_corpus: skipped: the ffmpeg CLI is not installed (scripts/setup installs it)")
        sys.exit(77)
    model = os.path.join(ROOT, "assets", "models", "wfvae-tiny-gn")
    work = a.keep or tempfile.mkdtemp(prefix="wfvae-hostile-")
    os.makedirs(work, exist_ok=True)
    try:
        c = Corpus(work, os.path.abspath(a.wfvae), model, a.quick)
        c.videos()
        c.checkpoints()
        c.torch_checkpoints()
        c.flags()
        results = c.run()
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    by_class = {}
    failed = 0
    for cls, name, rc, secs, problems, last in results:
        n, bad, t = by_class.get(cls, (0, 0, 0.0))
        by_class[cls] = (n + 1, bad + bool(problems), t + secs)
        if problems:
            failed += 1
            print("FAIL %s/%s: %s\n     %s" % (cls, name, "; ".join(problems), last))
        elif a.verbose:
            print("ok   %s/%s (exit %s, %.1f s): %s" % (cls, name, rc, secs, last))
    print("%-12s %6s %7s %8s" % ("class", "cases", "failed", "seconds"))
    for cls, (n, bad, t) in by_class.items():
        print("%-12s %6d %7d %8.1f" % (cls, n, bad, t))
    print("hostile_corpus: %d cases, %d failed%s" % (len(results), failed, " (quick)" if a.quick else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
