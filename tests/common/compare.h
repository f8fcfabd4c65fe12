// Comparisons of reconstructions shared by the test suites.
#pragma once

#include <algorithm>
#include <cmath>

#include "core/host_tensor.h"

namespace wfvae::testing {

// PSNR of b against a, both in [-1, 1] clamped, in the metrics' [0, 1] units.
inline double psnr_between(const HostTensor& a, const HostTensor& b) {
  double se = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double x = std::clamp(a.data[i], -1.0f, 1.0f), y = std::clamp(b.data[i], -1.0f, 1.0f);
    se += (x - y) * (x - y) / 4;
  }
  return 10 * std::log10(1.0 / std::max(1e-20, se / static_cast<double>(a.data.size())));
}

}  // namespace wfvae::testing
