// The pixel under the viewer's cursor: the viewer writes it each frame, the metrics
// panel's inspector reads it (through the studio, so neither includes the other).
#pragma once

#include <cstdint>

namespace wfvae::studio {

struct PixelProbe {
  bool valid = false;
  int x = 0, y = 0;
  bool has_a = false, has_b = false;
  uint8_t a[3] = {0, 0, 0}, b[3] = {0, 0, 0};
  bool has_lpips = false;  // the current run's LPIPS map has this frame
  float lpips = 0;         // its value at the pixel
};

}  // namespace wfvae::studio
