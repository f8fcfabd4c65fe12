// LPIPS as WF-VAE's causalvideovae/eval/cal_lpips.py computes it:
// lpips.LPIPS(net='alex', spatial=True) (lpips version 0.1): torchvision's AlexNet
// trunk sliced at its ReLUs, lpips' ScalingLayer in front, each tap normalised per
// channel vector, squared differences weighed by the 1x1 "lin" heads, bilinearly
// upsampled to the input size and summed into a spatial map. A frame's score is the
// mean of its map; a video's the mean over all its frames and pixels.
// The weights are the user's (torchvision's hub file, lpips' alex.pth), read with the
// engine's own torch.save reader. No LibTorch in this header.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/host_tensor.h"
#include "runtime/device.h"

namespace wfvae::perceptual {

// A weight file looked for in the standard places: where it was found (empty when
// not), every place looked, and how to get it.
struct WeightSearch {
  std::filesystem::path found;
  std::vector<std::filesystem::path> looked;
  std::string how_to_get;
  // "not found: looked in A, B; <how_to_get>", for messages.
  std::string missing_message(const std::string& what) const;
};

// torchvision's alexnet-owt-7be5be79.pth: $TORCH_HOME/hub/checkpoints, else
// $XDG_CACHE_HOME/torch/hub/checkpoints, else ~/.cache/torch/hub/checkpoints.
WeightSearch find_alexnet_weights();
// lpips' weights/v0.1/alex.pth inside an installed lpips package (python3's
// site-packages, user and system).
WeightSearch find_lpips_lin_weights();

// The spatial map's parts: each lin head's output before and after upsampling.
struct LpipsTaps {
  std::vector<HostTensor> lin;    // [N, 1, h_k, w_k], k = 1..5
  std::vector<HostTensor> layer;  // [N, 1, H, W]
};

// Each frame's LPIPS: the mean of its map ([N, 1, H, W] from Lpips::spatial_map).
std::vector<double> lpips_frame_scores(const HostTensor& map);

class Lpips {
 public:
  // `alexnet`: features.{0,3,6,8,10}.{weight,bias} (classifier.* and anything else
  // is ignored); `lin`: lin{0..4}.model.1.weight. BadInput naming the file and the
  // tensor for anything missing or misshapen.
  static std::unique_ptr<Lpips> load(const std::filesystem::path& alexnet, const std::filesystem::path& lin,
                                     Device device = Device::CPU);
  ~Lpips();
  Lpips(const Lpips&) = delete;
  Lpips& operator=(const Lpips&) = delete;

  // The spatial LPIPS map [N, 1, H, W] of x0 against x1, each [N, 3, H, W] RGB in
  // [0, 1] (mapped to [-1, 1] here, as cal_lpips.py does). Frames under 32 pixels
  // per side are a Usage error (AlexNet's first convolution and pools need them).
  HostTensor spatial_map(const HostTensor& x0, const HostTensor& x1, LpipsTaps* taps = nullptr) const;

  const std::string& alexnet_path() const { return alexnet_path_; }
  const std::string& lin_path() const { return lin_path_; }

 private:
  struct Impl;
  explicit Lpips(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string alexnet_path_, lin_path_;
};

}  // namespace wfvae::perceptual
