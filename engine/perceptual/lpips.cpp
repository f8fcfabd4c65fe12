#include "perceptual/lpips.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "core/error.h"
#include "core/torch_checkpoint.h"
#include "runtime/vae_impl.h"

namespace wfvae::perceptual {

namespace fs = std::filesystem;

std::string WeightSearch::missing_message(const std::string& what) const {
  std::string looked_in;
  for (const auto& p : looked) looked_in += (looked_in.empty() ? "" : ", ") + p.string();
  return what + " not found (looked in " + (looked_in.empty() ? "no standard place" : looked_in) + "); " + how_to_get;
}

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

void look(WeightSearch& s, const fs::path& candidate) {
  s.looked.push_back(candidate);
  std::error_code ec;
  if (s.found.empty() && fs::is_regular_file(candidate, ec)) s.found = candidate;
}

// python3.X folders under `lib` (site-packages or dist-packages below them).
std::vector<fs::path> python_dirs(const fs::path& lib) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(lib, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().rfind("python3", 0) == 0) out.push_back(it->path());
  return out;
}

}  // namespace

WeightSearch find_alexnet_weights() {
  WeightSearch s;
  const char* file = "alexnet-owt-7be5be79.pth";
  const std::string home = env("HOME"), torch_home = env("TORCH_HOME"), xdg = env("XDG_CACHE_HOME");
  if (!torch_home.empty()) look(s, fs::path(torch_home) / "hub" / "checkpoints" / file);
  if (!xdg.empty()) look(s, fs::path(xdg) / "torch" / "hub" / "checkpoints" / file);
  if (!home.empty()) look(s, fs::path(home) / ".cache" / "torch" / "hub" / "checkpoints" / file);
  s.how_to_get =
      "it is torchvision's AlexNet (torchvision.models.alexnet(weights='IMAGENET1K_V1') downloads it into the "
      "torch hub cache); or give its path with --lpips-alexnet";
  return s;
}

WeightSearch find_lpips_lin_weights() {
  WeightSearch s;
  const fs::path rel = fs::path("lpips") / "weights" / "v0.1" / "alex.pth";
  std::vector<fs::path> libs;
  if (const std::string venv = env("VIRTUAL_ENV"); !venv.empty()) libs.push_back(fs::path(venv) / "lib");
  if (const std::string home = env("HOME"); !home.empty()) libs.push_back(fs::path(home) / ".local" / "lib");
  libs.push_back("/usr/local/lib");
  libs.push_back("/usr/lib");
  for (const auto& lib : libs)
    for (const auto& py : python_dirs(lib))
      for (const char* pkgs : {"site-packages", "dist-packages"}) look(s, py / pkgs / rel);
  look(s, fs::path("/usr/lib/python3/dist-packages") / rel);
  s.how_to_get = "it ships with the lpips package (pip install lpips); or give its path with --lpips-lin";
  return s;
}

struct Lpips::Impl {
  at::Device device = at::kCPU;
  at::Tensor conv_w[5], conv_b[5], lin_w[5];
  at::Tensor shift, scale;  // lpips' ScalingLayer, [1, 3, 1, 1]
};

namespace {

// The tensors of a torch.save state dict by name, as float32 ATen tensors.
class StateDict {
 public:
  explicit StateDict(const fs::path& path)
      : ckpt_(path), weights_(ckpt_, select_state_dict(ckpt_, WeightsChoice::Auto)) {}

  at::Tensor get(const std::string& name, const std::vector<int64_t>& shape) const {
    const int64_t i = weights_.find(name);
    if (i < 0) fail_input(ckpt_.path().string() + ": no tensor '" + name + "' (not an LPIPS weight file?)");
    const WeightEntry& e = weights_.entries()[static_cast<size_t>(i)];
    if (e.shape != shape)
      fail_input(ckpt_.path().string() + ": '" + name + "' is " + e.shape_str() + ", LPIPS-alex needs " +
                 shape_string(shape));
    std::vector<float> v = weights_.read_float(static_cast<size_t>(i));
    return at::from_blob(v.data(), shape, at::kFloat).clone();
  }

 private:
  TorchCheckpoint ckpt_;
  CheckpointWeights weights_;
};

// torchvision's AlexNet.features convolutions LPIPS taps (index, out, in, kernel).
struct ConvSpec {
  int index, out, in, kernel, stride, pad;
};
constexpr ConvSpec kConvs[5] = {{0, 64, 3, 11, 4, 2},
                                {3, 192, 64, 5, 1, 2},
                                {6, 384, 192, 3, 1, 1},
                                {8, 256, 384, 3, 1, 1},
                                {10, 256, 256, 3, 1, 1}};

// lpips.normalize_tensor: each pixel's channel vector over its norm (eps added to the norm).
at::Tensor normalize_channels(const at::Tensor& f) { return f / (at::sqrt((f * f).sum(1, true)) + 1e-10); }

}  // namespace

Lpips::Lpips(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Lpips::~Lpips() = default;

std::unique_ptr<Lpips> Lpips::load(const fs::path& alexnet, const fs::path& lin, Device device) {
  return engine_call("loading the LPIPS weights", [&] {
    auto impl = std::make_unique<Impl>();
    impl->device = device == Device::CUDA ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
    {
      const StateDict a(alexnet);
      for (int k = 0; k < 5; ++k) {
        const ConvSpec& c = kConvs[k];
        const std::string name = "features." + std::to_string(c.index);
        impl->conv_w[k] = a.get(name + ".weight", {c.out, c.in, c.kernel, c.kernel}).to(impl->device);
        impl->conv_b[k] = a.get(name + ".bias", {c.out}).to(impl->device);
      }
    }
    {
      const StateDict l(lin);
      for (int k = 0; k < 5; ++k)
        impl->lin_w[k] =
            l.get("lin" + std::to_string(k) + ".model.1.weight", {1, kConvs[k].out, 1, 1}).to(impl->device);
    }
    const float shift[3] = {-.030f, -.088f, -.188f}, scale[3] = {.458f, .448f, .450f};
    impl->shift = at::from_blob(const_cast<float*>(shift), {1, 3, 1, 1}, at::kFloat).clone().to(impl->device);
    impl->scale = at::from_blob(const_cast<float*>(scale), {1, 3, 1, 1}, at::kFloat).clone().to(impl->device);
    std::unique_ptr<Lpips> out(new Lpips(std::move(impl)));
    out->alexnet_path_ = alexnet.string();
    out->lin_path_ = lin.string();
    return out;
  });
}

HostTensor Lpips::spatial_map(const HostTensor& x0, const HostTensor& x1, LpipsTaps* taps) const {
  if (x0.shape.size() != 4 || x0.shape[1] != 3 || x0.shape != x1.shape)
    fail_usage("LPIPS compares two [N, 3, H, W] tensors of one shape (got " + x0.shape_str() + " and " +
               x1.shape_str() + ")");
  const int64_t H = x0.shape[2], W = x0.shape[3];
  if (H < 32 || W < 32)
    fail_usage("LPIPS-alex needs frames of at least 32x32 pixels (got " + std::to_string(H) + "x" + std::to_string(W) +
               ")");
  return engine_call("computing LPIPS", [&] {
    at::NoGradGuard no_grad;
    const Impl& m = *impl_;
    // lpips' ScalingLayer after cal_lpips.py's x * 2 - 1.
    auto features = [&](const HostTensor& x) {
      at::Tensor h = (to_aten(x).to(m.device) * 2 - 1 - m.shift) / m.scale;
      std::vector<at::Tensor> f;
      for (int k = 0; k < 5; ++k) {
        if (k == 1 || k == 2) h = at::max_pool2d(h, {3, 3}, {2, 2});
        h = at::relu(at::conv2d(h, m.conv_w[k], m.conv_b[k], kConvs[k].stride, kConvs[k].pad));
        f.push_back(h);
      }
      return f;
    };
    const std::vector<at::Tensor> f0 = features(x0), f1 = features(x1);
    at::Tensor map;
    for (int k = 0; k < 5; ++k) {
      const at::Tensor d = (normalize_channels(f0[k]) - normalize_channels(f1[k])).pow(2);
      const at::Tensor lin = at::conv2d(d, m.lin_w[k]);
      const at::Tensor up = at::upsample_bilinear2d(lin, {H, W}, false);
      map = k == 0 ? up : map + up;
      if (taps) {
        taps->lin.push_back(to_host(lin));
        taps->layer.push_back(to_host(up));
      }
    }
    return to_host(map);
  });
}

std::vector<double> lpips_frame_scores(const HostTensor& map) {
  const int64_t n = map.shape.at(0), plane = map.numel() / std::max<int64_t>(1, n);
  std::vector<double> scores(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t p = 0; p < plane; ++p) sum += map.data[static_cast<size_t>(i * plane + p)];
    scores[static_cast<size_t>(i)] = sum / static_cast<double>(plane);
  }
  return scores;
}

}  // namespace wfvae::perceptual
