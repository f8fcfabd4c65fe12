#include "pipeline/perceptual_metrics.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace wfvae::pipeline {

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Frames [first, first + n) of the input as [n, 3, H, W] in [0, 1] (from the 8-bit
// frames the model saw, which hold exactly the input tensor's values).
HostTensor input_frames_01(const ReconResult& res, int64_t first, int64_t n) {
  const int64_t H = res.height, W = res.width, plane = H * W;
  HostTensor out({n, 3, H, W});
  for (int64_t i = 0; i < n; ++i) {
    const media::RgbFrame& f = res.input_frames.at(static_cast<size_t>(first + i));
    for (int64_t p = 0; p < plane; ++p)
      for (int64_t c = 0; c < 3; ++c)
        out.data[static_cast<size_t>((i * 3 + c) * plane + p)] = static_cast<float>(f.rgb[p * 3 + c] / 255.0);
  }
  return out;
}

// Frames [first, first + n) of the reconstruction [1, 3, T, H, W], clamped to
// [-1, 1] and mapped to [0, 1], as [n, 3, H, W].
HostTensor recon_frames_01(const ReconResult& res, int64_t first, int64_t n) {
  const int64_t T = res.recon.shape[2], H = res.height, W = res.width, plane = H * W;
  HostTensor out({n, 3, H, W});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < 3; ++c) {
      const float* src = res.recon.data.data() + (c * T + first + i) * plane;
      float* dst = out.data.data() + (i * 3 + c) * plane;
      for (int64_t p = 0; p < plane; ++p) dst[p] = (std::clamp(src[p], -1.0f, 1.0f) + 1.0f) / 2.0f;
    }
  return out;
}

// [n, 3, H, W] frames as one video [3, n, H, W].
HostTensor as_video(const HostTensor& frames) {
  const int64_t n = frames.shape[0], plane = frames.shape[2] * frames.shape[3];
  HostTensor v({3, n, frames.shape[2], frames.shape[3]});
  for (int64_t t = 0; t < n; ++t)
    for (int64_t c = 0; c < 3; ++c)
      std::copy_n(frames.data.begin() + (t * 3 + c) * plane, plane, v.data.begin() + (c * n + t) * plane);
  return v;
}

}  // namespace

int64_t lpips_chunk_frames(int64_t height, int64_t width) {
  return std::clamp<int64_t>(500000 / std::max<int64_t>(1, height * width), 1, 16);
}

void lpips_inputs(const ReconResult& res, int64_t first, int64_t n, HostTensor* x0, HostTensor* x1) {
  *x0 = input_frames_01(res, first, n);
  *x1 = recon_frames_01(res, first, n);
}

void compute_perceptual_metrics(const ReconRequest& req, ReconResult& res) {
  const int64_t T = res.frames;
  if (req.lpips) {
    const auto t0 = std::chrono::steady_clock::now();
    if (req.progress) req.progress(0.96, "LPIPS");
    res.lpips.clear();
    if (req.lpips_maps) res.lpips_map = HostTensor({T, 1, res.height, res.width});
    double sum = 0;
    const int64_t plane = static_cast<int64_t>(res.height) * res.width;
    const int64_t per = lpips_chunk_frames(res.height, res.width);
    for (int64_t first = 0; first < T; first += per) {
      if (req.cancel) req.cancel->check();
      const int64_t n = std::min(per, T - first);
      HostTensor x0, x1;
      lpips_inputs(res, first, n, &x0, &x1);
      const HostTensor map = req.lpips->spatial_map(x0, x1);
      for (double s : perceptual::lpips_frame_scores(map)) {
        res.lpips.push_back(s);
        sum += s;
      }
      if (req.lpips_maps) std::copy(map.data.begin(), map.data.end(), res.lpips_map.data.begin() + first * plane);
    }
    res.lpips_mean = T > 0 ? sum / static_cast<double>(T) : std::nan("");
    res.lpips_alexnet = req.lpips->alexnet_path();
    res.lpips_lin = req.lpips->lin_path();
    res.timings.lpips_ms = ms_since(t0);
  }
  if (req.i3d) {
    const auto t0 = std::chrono::steady_clock::now();
    if (req.progress) req.progress(0.98, "I3D features");
    const perceptual::Features f =
        req.i3d->features({perceptual::fvd_preprocess(as_video(input_frames_01(res, 0, T))),
                           perceptual::fvd_preprocess(as_video(recon_frames_01(res, 0, T)))});
    res.i3d_real = f[0];
    res.i3d_fake = f[1];
    res.i3d_sha256 = req.i3d->sha256();
    res.timings.i3d_ms = ms_since(t0);
  }
}

std::vector<media::RgbFrame> lpips_map_frames(const HostTensor& map) {
  // An inferno-like ramp through five stops (black, purple, red, orange, pale yellow).
  static const float kStops[5][3] = {{0, 0, 4}, {87, 16, 110}, {188, 55, 84}, {249, 142, 9}, {252, 255, 164}};
  const int64_t n = map.shape[0], H = map.shape[2], W = map.shape[3], plane = H * W;
  std::vector<media::RgbFrame> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    media::RgbFrame& f = out[static_cast<size_t>(i)];
    f.height = static_cast<int>(H);
    f.width = static_cast<int>(W);
    f.rgb.resize(static_cast<size_t>(plane) * 3);
    for (int64_t p = 0; p < plane; ++p) {
      const float v = std::clamp(map.data[static_cast<size_t>(i * plane + p)], 0.0f, 1.0f) * 4;
      const int k = std::min(3, static_cast<int>(v));
      const float t = v - k;
      for (int c = 0; c < 3; ++c)
        f.rgb[static_cast<size_t>(p * 3 + c)] =
            static_cast<uint8_t>(std::lround(kStops[k][c] + t * (kStops[k + 1][c] - kStops[k][c])));
    }
  }
  return out;
}

}  // namespace wfvae::pipeline
