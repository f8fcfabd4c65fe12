#include "train/losses.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "core/metrics.h"

namespace wfvae::train {

using at::Tensor;

Tensor wavelet_energy_flow_loss(const model::EncoderTaps& encoder, const model::DecoderTaps& decoder) {
  return (encoder.l1_coeffs - decoder.l1_coeffs).abs().sum() + (encoder.l2_coeffs - decoder.l2_coeffs).abs().sum();
}

Tensor gradient_difference(const Tensor& x, const Tensor& y) {
  const int64_t h = x.size(3), w = x.size(4);
  auto dx = [w](const Tensor& v) { return (v.narrow(4, 1, w - 1) - v.narrow(4, 0, w - 1)).abs(); };
  auto dy = [h](const Tensor& v) { return (v.narrow(3, 1, h - 1) - v.narrow(3, 0, h - 1)).abs(); };
  return (dx(x) - dx(y)).abs().mean() + (dy(x) - dy(y)).abs().mean();
}

Tensor cell_phase_step_profile(const Tensor& v, int64_t dim) {
  constexpr int64_t cell = metrics::kLatentCell;
  const int64_t n = v.size(dim);
  if (v.dim() != 5 || (dim != 3 && dim != 4) || n < cell + 1)
    fail_usage("cell_phase_step_profile: needs [B, C, T, H, W] with at least " + std::to_string(cell + 1) +
               " pixels along the dimension");
  // steps[j] is the step from pixel j to pixel j + 1: phase (j + 1) % cell.
  const Tensor steps = (v.narrow(dim, 1, n - 1) - v.narrow(dim, 0, n - 1)).abs();
  std::vector<Tensor> profile;
  for (int64_t k = 0; k < cell; ++k) {
    const int64_t first = (k + cell - 1) % cell;
    profile.push_back(steps.slice(dim, first, n - 1, cell).mean());
  }
  return at::stack(profile);
}

Tensor cell_grid_difference(const Tensor& x, const Tensor& y) {
  Tensor total = at::zeros({}, x.options());
  for (int64_t dim : {3, 4}) {
    const Tensor px = cell_phase_step_profile(x, dim), py = cell_phase_step_profile(y, dim);
    total = total + ((py - py.mean()) - (px - px.mean())).abs().mean();
  }
  return total;
}

}  // namespace wfvae::train
