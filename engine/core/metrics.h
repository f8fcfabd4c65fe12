// Reconstruction metrics exactly as the reference evaluation scripts define them
// (causalvideovae/eval/cal_psnr.py and cal_ssim.py). Both videos are compared in
// RGB [0, 1]: the input x in [-1, 1] maps to (x + 1) / 2, the reconstruction is
// clamped to [-1, 1] first. No LibTorch here (the studio computes these live).
#pragma once

#include <cstdint>
#include <vector>

#include "core/host_tensor.h"

namespace wfvae::metrics {

struct FrameMetrics {
  double mse = 0;                  // over channels and pixels
  double psnr = 0;                 // 20 log10(1 / sqrt(mse)); 100 when mse == 0
  double psnr_rgb[3] = {0, 0, 0};  // per channel
  double mse_rgb[3] = {0, 0, 0};   // per channel
  double ssim = 0;                 // mean over R, G, B of the per-channel SSIM; NaN if a side < 11 px
  double blockiness = 0;           // latent-cell grid added by the model (see cell_edge_ratio); 1 = none
};

struct VideoMetrics {
  std::vector<FrameMetrics> frames;
  double psnr_mean = 0;        // mean of per-frame PSNR (100 if any frame is identical, as cal_psnr returns)
  double ssim_mean = 0;        // mean of per-frame SSIM
  double blockiness_mean = 0;  // mean of per-frame blockiness
  double psnr_rgb_mean[3] = {0, 0, 0};
};

constexpr double kIdenticalPsnr = 100.0;

// PSNR of one frame given as [0,1] values (any layout, same for both).
double psnr_from_mse(double mse);
// SSIM of one channel plane (h x w, row-major) in [0, 1]: Gaussian window 11, sigma
// 1.5, C1 = 0.01^2, C2 = 0.03^2, mean over the "valid" region (borders of 5 dropped).
double ssim_plane(const double* a, const double* b, int h, int w);

// Blockiness, not in the reference: how visible the grid of the model's latent cells
// is. WF-VAE decodes through three inverse Haar transforms, so a decoder that gets the
// detail subbands wrong paints flat 2x2 / 4x4 / 8x8 blocks: the "checkerboard" of an
// undertrained or too small model. cell_edge_ratio is the mean absolute step between
// neighbouring pixels across the edges of `cell`-pixel cells (x or y a multiple of
// `cell`), over the mean step everywhere else, channels and both directions pooled;
// kBlockinessFloor (half an 8-bit level) is added to both, so flat frames read 1
// and invisible steps do not count. NaN when the frame has no cell edge (both sides
// <= cell). A frame's blockiness is the reconstruction's ratio over the input's:
// 1 = no grid added, 2 = steps across cell edges twice as strong as the input has.
constexpr int kLatentCell = 8;  // WF-VAE's spatial compression: three 2x Haar levels
constexpr double kBlockinessFloor = 0.5 / 255.0;
double cell_edge_ratio(const std::vector<double> (&planes)[3], int h, int w, int cell = kLatentCell);

// Frame t of two [1, 3, T, H, W] (or [3, T, H, W]) videos in [-1, 1].
FrameMetrics compare_frame(const HostTensor& input, const HostTensor& recon, int64_t t);
VideoMetrics compare_videos(const HostTensor& input, const HostTensor& recon);
// One frame of two packed RGB24 images (h x w x 3), each byte v read as v / 255:
// the metrics of the 8-bit frames that were actually written, computed exactly.
FrameMetrics compare_rgb8(const uint8_t* a, const uint8_t* b, int h, int w);
// Recomputes the means from per-frame values.
void summarize(VideoMetrics& m);

}  // namespace wfvae::metrics
