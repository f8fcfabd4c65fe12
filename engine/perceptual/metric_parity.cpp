#include "perceptual/metric_parity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "core/error.h"
#include "core/safetensors.h"
#include "perceptual/fvd.h"
#include "perceptual/lpips.h"

namespace wfvae::perceptual {

namespace fs = std::filesystem;

namespace {

bool has(const fs::path& dir, const char* file) {
  std::error_code ec;
  return fs::is_regular_file(dir / file, ec);
}

// One checked tensor: |a - b| <= atol + rtol * |b| per element, or with
// `of_max`, |a - b| <= rtol * max|b| (features, whose small elements carry no scale).
ParityLine compare(const std::string& file, const std::string& name, const std::vector<int64_t>& shape,
                   const std::vector<double>& got, const std::vector<double>& ref, double atol, double rtol,
                   bool of_max = false) {
  ParityLine l;
  l.file = file;
  l.name = name;
  l.shape = shape;
  if (got.size() != ref.size()) {
    l.violations = static_cast<int64_t>(std::max(got.size(), ref.size()));
    l.note = "computed " + std::to_string(got.size()) + " values for " + std::to_string(ref.size());
    return l;
  }
  for (double r : ref) l.max_abs_ref = std::max(l.max_abs_ref, std::fabs(r));
  for (size_t i = 0; i < got.size(); ++i) {
    const double e = std::fabs(got[i] - ref[i]);
    l.max_abs_error = std::max(l.max_abs_error, e);
    const double bound = of_max ? rtol * l.max_abs_ref : atol + rtol * std::fabs(ref[i]);
    if (!(e <= bound)) ++l.violations;
  }
  char tol[96];
  if (of_max)
    std::snprintf(tol, sizeof tol, "tol %g of max|ref|", rtol);
  else if (rtol == 0)
    std::snprintf(tol, sizeof tol, "tol %g abs", atol);
  else
    std::snprintf(tol, sizeof tol, "tol %g rel", rtol);
  l.note = tol;
  return l;
}

std::vector<double> widen(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }
std::vector<double> widen(const HostTensor& t) { return widen(t.data); }

const StTensorEntry& entry(const SafetensorsReader& f, const std::string& name) {
  const StTensorEntry* e = f.find(name);
  if (!e) fail_input(f.path().string() + ": no tensor '" + name + "' (not a metrics fixture?)");
  return *e;
}

HostTensor read(const SafetensorsReader& f, const std::string& name) {
  const StTensorEntry& e = entry(f, name);
  HostTensor t(e.shape);
  t.data = f.read_float(e);
  return t;
}

// F64 tensors as they are (read_float would round them to float32).
std::vector<double> read_f64(const SafetensorsReader& f, const std::string& name) {
  const StTensorEntry& e = entry(f, name);
  if (e.dtype != StDType::F64) return widen(f.read_float(e));
  int64_t n = 1;
  for (int64_t s : e.shape) n *= s;
  std::vector<double> v(static_cast<size_t>(n));
  std::memcpy(v.data(), f.data(e), v.size() * sizeof(double));
  return v;
}

// videos.safetensors' U8 [N, T, H, W, 3] as N videos [3, T', H, W] in [0, 1]
// (the first `frames` frames; 0: all).
std::vector<HostTensor> read_videos(const SafetensorsReader& f, const std::string& name, int64_t frames) {
  const StTensorEntry& e = entry(f, name);
  if (e.dtype != StDType::U8 || e.shape.size() != 5 || e.shape[4] != 3)
    fail_input(f.path().string() + ": '" + name + "' should be U8 [N, T, H, W, 3]");
  const int64_t N = e.shape[0], T = e.shape[1], H = e.shape[2], W = e.shape[3];
  const int64_t use = frames > 0 ? std::min(frames, T) : T;
  const uint8_t* p = f.data(e);
  std::vector<HostTensor> out;
  for (int64_t n = 0; n < N; ++n) {
    HostTensor v({3, use, H, W});
    for (int64_t t = 0; t < use; ++t)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x)
          for (int64_t c = 0; c < 3; ++c)
            v.data[static_cast<size_t>(((c * use + t) * H + y) * W + x)] =
                static_cast<float>(p[(((n * T + t) * H + y) * W + x) * 3 + c] / 255.0);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<double> flatten(const Features& f) {
  std::vector<double> out;
  for (const auto& row : f) out.insert(out.end(), row.begin(), row.end());
  return out;
}

}  // namespace

FixtureKind fixture_kind(const fs::path& dir) {
  if (!has(dir, "io.safetensors")) return FixtureKind::Unknown;
  if (has(dir, "config.json")) return FixtureKind::Model;
  if (has(dir, "alexnet.pth") && has(dir, "lin.pth")) return FixtureKind::Lpips;
  if (has(dir, "detector.pt") && has(dir, "videos.safetensors")) return FixtureKind::Fvd;
  return FixtureKind::Unknown;
}

const char* fixture_kind_name(FixtureKind kind) {
  switch (kind) {
    case FixtureKind::Model: return "model";
    case FixtureKind::Lpips: return "LPIPS";
    case FixtureKind::Fvd: return "FVD";
    case FixtureKind::Unknown: break;
  }
  return "unknown";
}

ParityResult run_lpips_parity(const fs::path& dir, Device device) {
  ParityResult r;
  r.fixture = dir.string();
  r.device = device_name(device);
  const auto lpips = Lpips::load(dir / "alexnet.pth", dir / "lin.pth", device);
  const SafetensorsReader io(dir / "io.safetensors");
  const HostTensor x0 = read(io, "x0"), x1 = read(io, "x1");
  LpipsTaps taps;
  const HostTensor map = lpips->spatial_map(x0, x1, &taps);
  r.lines.push_back(compare("io", "map", map.shape, widen(map), widen(read(io, "map")), 1e-5, 0));
  const std::vector<double> score = lpips_frame_scores(map);
  const int64_t n = static_cast<int64_t>(score.size());
  double all = 0;
  for (double s : score) all += s;
  r.lines.push_back(compare("io", "score", {n}, score, widen(read(io, "score")), 1e-6, 0));
  // The frames share a size: the mean over frames is the mean over all frames and pixels.
  r.lines.push_back(compare("io", "video_score", {1}, {all / n}, widen(read(io, "video_score")), 1e-6, 0));
  if (has(dir, "taps.safetensors")) {
    const SafetensorsReader tf(dir / "taps.safetensors");
    for (int k = 0; k < 5; ++k) {
      const std::string lin = "lin" + std::to_string(k),
                        layer = "layer" + std::to_string(k);  // 0-based, as lpips names its heads
      if (tf.find(lin))
        r.lines.push_back(compare("taps", lin, taps.lin[k].shape, widen(taps.lin[k]), widen(read(tf, lin)), 1e-5, 0));
      if (tf.find(layer))
        r.lines.push_back(
            compare("taps", layer, taps.layer[k].shape, widen(taps.layer[k]), widen(read(tf, layer)), 1e-5, 0));
    }
  }
  return r;
}

ParityResult run_fvd_parity(const fs::path& dir, Device device) {
  ParityResult r;
  r.fixture = dir.string();
  r.device = device_name(device);
  const auto detector = I3dDetector::load(dir / "detector.pt", device);
  const SafetensorsReader io(dir / "io.safetensors"), vf(dir / "videos.safetensors");
  const std::vector<HostTensor> real = read_videos(vf, "real", 0), fake = read_videos(vf, "fake", 0);
  auto features_of = [&](const std::vector<HostTensor>& videos) {
    std::vector<HostTensor> pre;
    for (const auto& v : videos) pre.push_back(fvd_preprocess(v));
    return detector->features(pre);
  };
  const HostTensor pre0 = fvd_preprocess(real[0]);
  r.lines.push_back(compare("io", "pre0", pre0.shape, widen(pre0), widen(read(io, "pre0")), 1e-6, 0));
  const Features fr = features_of(real), ff = features_of(fake);
  const std::vector<int64_t> fshape = {static_cast<int64_t>(fr.size()), kI3dFeatureCount};
  r.lines.push_back(compare("io", "feats_real", fshape, flatten(fr), read_f64(io, "feats_real"), 0, 1e-4, true));
  r.lines.push_back(compare("io", "feats_fake", fshape, flatten(ff), read_f64(io, "feats_fake"), 0, 1e-4, true));
  r.lines.push_back(compare("io", "fvd", {1}, {frechet_distance(ff, fr).value}, read_f64(io, "fvd"), 0, 1e-3));
  // Open-Sora-Plan: the FVD of the first L frames, L = 10 .. T.
  const int64_t T = real[0].shape[1];
  std::vector<double> osp;
  for (int64_t len = 10; len <= T; ++len)
    osp.push_back(
        frechet_distance(features_of(read_videos(vf, "fake", len)), features_of(read_videos(vf, "real", len))).value);
  r.lines.push_back(
      compare("io", "fvd_osp", {static_cast<int64_t>(osp.size())}, osp, read_f64(io, "fvd_osp"), 0, 1e-3));
  // The eval scripts' figure: the mean of per-batch FVDs over batches of 2.
  double sum = 0;
  int batches = 0;
  for (size_t i = 0; i < ff.size(); i += 2, ++batches) {
    const size_t end = std::min(ff.size(), i + 2);
    sum +=
        frechet_distance(Features(ff.begin() + i, ff.begin() + end), Features(fr.begin() + i, fr.begin() + end)).value;
  }
  r.lines.push_back(compare("io", "fvd_batch2", {1}, {sum / batches}, read_f64(io, "fvd_batch2"), 0, 1e-3));
  return r;
}

ParityResult run_any_parity(const fs::path& dir, Device device, WeightsChoice weights) {
  switch (fixture_kind(dir)) {
    case FixtureKind::Lpips: return run_lpips_parity(dir, device);
    case FixtureKind::Fvd: return run_fvd_parity(dir, device);
    default: return run_parity(dir, device, weights);
  }
}

}  // namespace wfvae::perceptual
