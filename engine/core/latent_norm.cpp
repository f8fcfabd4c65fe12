#include "core/latent_norm.h"

#include <cmath>

#include "core/error.h"

namespace wfvae {

std::string latent_norm_values_problem(const std::vector<double>& scale, const std::vector<double>& shift, int64_t L) {
  auto ok = [&](const std::vector<double>& v) { return v.size() == 1 || static_cast<int64_t>(v.size()) == L; };
  if (!ok(scale) || !ok(shift))
    return "scale has " + std::to_string(scale.size()) + " and shift " + std::to_string(shift.size()) + " values for " +
           std::to_string(L) + " latent channels (1 or " + std::to_string(L) + " each are needed)";
  for (double v : scale)
    if (!(v != 0.0 && std::isfinite(v))) return "scale holds " + std::to_string(v);
  for (double v : shift)
    if (!std::isfinite(v)) return "shift holds a non-finite value";
  return "";
}

namespace {

template <class F>
void per_channel(HostTensor& latent, const std::vector<double>& scale, const std::vector<double>& shift, F f) {
  const size_t d = latent.shape.size();
  if (d != 4 && d != 5) fail_usage("latents must be [1, L, T, h, w] or [L, T, h, w], got " + latent.shape_str());
  const int64_t L = latent.shape[d == 5 ? 1 : 0];
  const std::string problem = latent_norm_values_problem(scale, shift, L);
  if (!problem.empty()) fail_usage("cannot normalise latents: " + problem);
  const int64_t batch = d == 5 ? latent.shape[0] : 1;
  const int64_t per = latent.numel() / std::max<int64_t>(1, batch * L);
  float* p = latent.data.data();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < L; ++c) {
      const float sc = static_cast<float>(scale.size() == 1 ? scale[0] : scale[static_cast<size_t>(c)]);
      const float sh = static_cast<float>(shift.size() == 1 ? shift[0] : shift[static_cast<size_t>(c)]);
      for (int64_t i = 0; i < per; ++i, ++p) *p = f(*p, sc, sh);
    }
}

}  // namespace

void normalize_latent(HostTensor& latent, const std::vector<double>& scale, const std::vector<double>& shift) {
  per_channel(latent, scale, shift, [](float x, float sc, float sh) { return (x - sh) * sc; });
}

void denormalize_latent(HostTensor& latent, const std::vector<double>& scale, const std::vector<double>& shift) {
  per_channel(latent, scale, shift, [](float z, float sc, float sh) { return z / sc + sh; });
}

}  // namespace wfvae
