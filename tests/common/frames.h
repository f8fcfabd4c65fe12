// Synthetic frames for tests: n frames of w x h, each pixel from a function of
// (x, y, t). Shared by the media and studio tests.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "media/media.h"

inline std::vector<wfvae::media::RgbFrame> make_frames(
    int n, int w, int h, const std::function<void(int x, int y, int t, uint8_t* rgb)>& pixel) {
  std::vector<wfvae::media::RgbFrame> v;
  for (int t = 0; t < n; ++t) {
    wfvae::media::RgbFrame f;
    f.width = w;
    f.height = h;
    f.rgb.resize(static_cast<size_t>(w) * h * 3);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) pixel(x, y, t, &f.rgb[(static_cast<size_t>(y) * w + x) * 3]);
    v.push_back(std::move(f));
  }
  return v;
}
