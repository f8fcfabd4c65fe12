// The paper's perceptual metrics on a reconstruction: LPIPS per frame (and its
// spatial maps) and the I3D features FVD is computed from over a set of clips, on
// the same values PSNR uses (the input, and the reconstruction clamped to [-1, 1],
// both mapped to [0, 1]).
#pragma once

#include "pipeline/recon.h"

namespace wfvae::pipeline {

// Fills res.lpips/lpips_mean/lpips_map with req.lpips and res.i3d_* with req.i3d
// (nothing when neither is set). Frames go through LPIPS a few at a time.
void compute_perceptual_metrics(const ReconRequest& req, ReconResult& res);

// Frames [first, first + n) of a reconstruction as LPIPS compares them, [n, 3, H, W]
// in [0, 1]: the input (x0, from the 8-bit frames the model saw) and the
// reconstruction clamped to [-1, 1] (x1). The studio's LPIPS job uses it too.
void lpips_inputs(const ReconResult& res, int64_t first, int64_t n, HostTensor* x0, HostTensor* x1);
// Frames per LPIPS call at a frame size: about half a million pixels (1 to 16 frames),
// which bounds AlexNet's activations and how long a cancel waits.
int64_t lpips_chunk_frames(int64_t height, int64_t width);

// The LPIPS map as 8-bit frames, false-coloured (0 black -> 1 white through
// purple, red and yellow, an inferno-like ramp; values above 1 saturate).
std::vector<media::RgbFrame> lpips_map_frames(const HostTensor& map);

}  // namespace wfvae::pipeline
