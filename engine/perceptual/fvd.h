// FVD as WF-VAE's causalvideovae/eval/cal_fvd.py computes it (method 'styleganv',
// fvd/styleganv/fvd.py): each video's short side scaled to 224 (bilinear,
// align_corners=False), centre-cropped to 224x224 and mapped to [-1, 1]
// (fvd_preprocess); StyleGAN-V's I3D detector (i3d_torchscript.pt, TorchScript)
// called with rescale=False, resize=False, return_features=True gives 400 features
// per video, 10 videos per call (I3dDetector); and the Frechet distance of the two
// feature sets, ||mu1 - mu2||^2 + tr(S1 + S2 - 2 sqrtm(S1 S2)), with only the mean
// term for a single video (frechet_distance). No LibTorch in this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/host_tensor.h"
#include "perceptual/lpips.h"
#include "runtime/device.h"

namespace wfvae::perceptual {

constexpr int kI3dFeatureCount = 400;
constexpr int kI3dSize = 224;
constexpr int kI3dBatch = 10;  // get_feats' bs

// i3d_torchscript.pt: $WFVAE_I3D, else the torch hub cache
// ($TORCH_HOME/hub/checkpoints, ~/.cache/torch/hub/checkpoints), else
// ~/.cache/wfvae-studio.
WeightSearch find_i3d_detector();

// preprocess_single: video [C, T, h, w] in [0, 1] -> [C, T, 224, 224] in [-1, 1].
// The short side goes to 224 and the long one to ceil(long * 224 / short) in double
// precision, as the reference (a square side can become 225).
HostTensor fvd_preprocess(const HostTensor& video);

using Features = std::vector<std::vector<double>>;  // [videos][400]

class I3dDetector {
 public:
  static std::unique_ptr<I3dDetector> load(const std::filesystem::path& path, Device device = Device::CPU);
  ~I3dDetector();
  I3dDetector(const I3dDetector&) = delete;
  I3dDetector& operator=(const I3dDetector&) = delete;

  // Features of preprocessed videos (each [3, T, 224, 224], one T for all), kI3dBatch
  // videos per detector call as get_feats does; float32 values widened to float64.
  Features features(const std::vector<HostTensor>& preprocessed) const;
  const std::string& path() const { return path_; }
  // SHA-256 of the file: which detector made a table's features.
  const std::string& sha256() const { return sha256_; }

 private:
  struct Impl;
  explicit I3dDetector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string path_, sha256_;
};

// The parts of the distance, for reports.
struct FrechetDistance {
  double mean_term = 0;   // ||mu_fake - mu_real||^2
  double trace_fake = 0;  // tr S_fake (0 for one video)
  double trace_real = 0;  // tr S_real
  double trace_sqrt = 0;  // tr sqrtm(S_fake S_real)
  double value = 0;       // mean_term + trace_fake + trace_real - 2 trace_sqrt
  int64_t videos = 0;
};

// frechet_distance(feats_fake, feats_real): unbiased covariances (np.cov); with one
// video only the mean term. tr sqrtm(S_f S_r) is computed as the sum of the square
// roots of the eigenvalues of S_f^1/2 S_r S_f^1/2 (the same real number as scipy's
// sqrtm route, without its complex rounding; see docs/media.md). Both sets need the
// same count and width; a Usage error otherwise.
FrechetDistance frechet_distance(const Features& fake, const Features& real);

}  // namespace wfvae::perceptual
