#include "perceptual/fvd.h"

#include <ATen/ATen.h>
#include <torch/script.h>

#include <cmath>
#include <cstdlib>
#include <system_error>

#include "core/error.h"
#include "core/sha256.h"
#include "runtime/vae_impl.h"

namespace wfvae::perceptual {

namespace fs = std::filesystem;

WeightSearch find_i3d_detector() {
  WeightSearch s;
  const char* file = "i3d_torchscript.pt";
  auto look = [&](const fs::path& p) {
    s.looked.push_back(p);
    std::error_code ec;
    if (s.found.empty() && fs::is_regular_file(p, ec)) s.found = p;
  };
  auto env = [](const char* n) { return std::string(std::getenv(n) ? std::getenv(n) : ""); };
  if (!env("WFVAE_I3D").empty()) look(env("WFVAE_I3D"));
  if (!env("TORCH_HOME").empty()) look(fs::path(env("TORCH_HOME")) / "hub" / "checkpoints" / file);
  if (!env("HOME").empty()) {
    look(fs::path(env("HOME")) / ".cache" / "torch" / "hub" / "checkpoints" / file);
    look(fs::path(env("HOME")) / ".cache" / "wfvae-studio" / file);
  }
  s.how_to_get =
      "it is StyleGAN-V's I3D detector, which WF-VAE keeps beside causalvideovae/eval/fvd/styleganv/fvd.py "
      "(downloaded from the URL in that file on first use); or give its path with --i3d";
  return s;
}

HostTensor fvd_preprocess(const HostTensor& video) {
  if (video.shape.size() != 4 || video.shape[0] != 3)
    fail_usage("FVD preprocessing takes a [3, T, H, W] video (got " + video.shape_str() + ")");
  const int64_t h = video.shape[2], w = video.shape[3];
  // The reference's target size, in double precision (a square side can give 225).
  const double scale = static_cast<double>(kI3dSize) / static_cast<double>(std::min(h, w));
  const int64_t th = h < w ? kI3dSize : static_cast<int64_t>(std::ceil(h * scale));
  const int64_t tw = h < w ? static_cast<int64_t>(std::ceil(w * scale)) : kI3dSize;
  return engine_call("preprocessing a video for FVD", [&] {
    at::NoGradGuard no_grad;
    // F.interpolate on [C, T, h, w]: every (channel, frame) plane on its own.
    const at::Tensor up = at::upsample_bilinear2d(to_aten(video), {th, tw}, false);
    const int64_t hs = (th - kI3dSize) / 2, ws = (tw - kI3dSize) / 2;
    const at::Tensor crop = up.narrow(2, hs, kI3dSize).narrow(3, ws, kI3dSize);
    return to_host((crop - 0.5) * 2);
  });
}

struct I3dDetector::Impl {
  torch::jit::Module module;
  at::Device device = at::kCPU;
};

I3dDetector::I3dDetector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
I3dDetector::~I3dDetector() = default;

std::unique_ptr<I3dDetector> I3dDetector::load(const fs::path& path, Device device) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail_input(path.string() + ": no such file (the I3D detector)");
  auto impl = std::make_unique<Impl>();
  impl->device = device == Device::CUDA ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  try {
    impl->module = torch::jit::load(path.string(), impl->device);
  } catch (const c10::Error& e) {
    const std::string msg = e.what_without_backtrace();
    fail_input(path.string() + ": not a TorchScript module LibTorch can load (" + msg.substr(0, msg.find('\n')) + ")");
  }
  impl->module.eval();
  std::unique_ptr<I3dDetector> out(new I3dDetector(std::move(impl)));
  out->path_ = path.string();
  out->sha256_ = sha256_file(path);
  return out;
}

Features I3dDetector::features(const std::vector<HostTensor>& videos) const {
  return engine_call("computing I3D features", [&] {
    at::NoGradGuard no_grad;
    Features out;
    for (size_t first = 0; first < videos.size(); first += kI3dBatch) {
      std::vector<at::Tensor> batch;
      for (size_t i = first; i < std::min(videos.size(), first + kI3dBatch); ++i) {
        const HostTensor& v = videos[i];
        if (v.shape.size() != 4 || v.shape[0] != 3 || v.shape[2] != kI3dSize || v.shape[3] != kI3dSize)
          fail_usage("the I3D detector takes preprocessed [3, T, 224, 224] videos (got " + v.shape_str() + ")");
        batch.push_back(to_aten(v));
      }
      // The reference's call: detector(x, rescale=False, resize=False, return_features=True).
      const std::vector<c10::IValue> args = {at::stack(batch).to(impl_->device)};
      const std::unordered_map<std::string, c10::IValue> kwargs = {
          {"rescale", false}, {"resize", false}, {"return_features", true}};
      const at::Tensor f = impl_->module.forward(args, kwargs).toTensor().to(at::kCPU, at::kDouble).contiguous();
      if (f.dim() != 2 || f.size(0) != static_cast<int64_t>(batch.size()) || f.size(1) != kI3dFeatureCount)
        fail_input(path_ + ": the detector returned " + shape_string(f.sizes().vec()) + " for " +
                   std::to_string(batch.size()) + " videos, not [" + std::to_string(batch.size()) + ", 400]");
      const double* p = f.data_ptr<double>();
      for (int64_t r = 0; r < f.size(0); ++r)
        out.emplace_back(p + r * kI3dFeatureCount, p + (r + 1) * kI3dFeatureCount);
    }
    return out;
  });
}

namespace {

at::Tensor as_matrix(const Features& f, int64_t width) {
  at::Tensor m = at::empty({static_cast<int64_t>(f.size()), width}, at::kDouble);
  for (size_t i = 0; i < f.size(); ++i) {
    if (static_cast<int64_t>(f[i].size()) != width) fail_usage("FVD: feature vectors of different widths");
    std::copy(f[i].begin(), f[i].end(), m[static_cast<int64_t>(i)].data_ptr<double>());
  }
  return m;
}

// np.cov(x, rowvar=False): unbiased.
at::Tensor covariance(const at::Tensor& x) {
  const at::Tensor c = x - x.mean(0, true);
  return at::matmul(c.t(), c) / static_cast<double>(x.size(0) - 1);
}

// The square root of a symmetric positive semi-definite matrix (negative rounding
// in its eigenvalues clamped to 0).
at::Tensor psd_sqrt(const at::Tensor& s) {
  auto [values, vectors] = at::linalg_eigh(s);
  return at::matmul(vectors * at::sqrt(at::clamp_min(values, 0)).unsqueeze(0), vectors.t());
}

}  // namespace

FrechetDistance frechet_distance(const Features& fake, const Features& real) {
  if (fake.empty() || real.empty()) fail_usage("FVD needs at least one video on each side");
  return engine_call("computing the Frechet distance", [&] {
    const int64_t width = static_cast<int64_t>(fake[0].size());
    const at::Tensor f = as_matrix(fake, width), r = as_matrix(real, width);
    FrechetDistance d;
    d.videos = static_cast<int64_t>(fake.size());
    d.mean_term = (f.mean(0) - r.mean(0)).pow(2).sum().item<double>();
    d.value = d.mean_term;
    if (fake.size() > 1) {  // the reference's condition: one fake video gives the mean term alone
      if (real.size() < 2) fail_usage("FVD: one real video against several reconstructions has no covariance");
      const at::Tensor sf = covariance(f), sr = covariance(r);
      // tr sqrtm(S_f S_r) = sum of sqrt(eig(S_f^1/2 S_r S_f^1/2)): S_f S_r is similar to
      // that symmetric PSD matrix, so its eigenvalues are real and non-negative.
      const at::Tensor half = psd_sqrt(sf);
      const at::Tensor inner = at::matmul(at::matmul(half, sr), half);
      const at::Tensor ev = at::linalg_eigvalsh((inner + inner.t()) / 2);
      d.trace_fake = sf.trace().item<double>();
      d.trace_real = sr.trace().item<double>();
      d.trace_sqrt = at::sqrt(at::clamp_min(ev, 0)).sum().item<double>();
      d.value = d.mean_term + d.trace_fake + d.trace_real - 2 * d.trace_sqrt;
    }
    return d;
  });
}

}  // namespace wfvae::perceptual
