#include "core/haar.h"

#include "core/error.h"

namespace wfvae::haar {

const std::array<const char*, 8> kBands3D = {"LLL", "LLH", "LHL", "LHH", "HLL", "HLH", "HHL", "HHH"};
const std::array<const char*, 4> kBands2D = {"LL", "LH", "HL", "HH"};

namespace {

struct Dims {
  int64_t c, t, h, w;
};

Dims dims_of(const HostTensor& x) {
  if (x.shape.size() == 5 && x.shape[0] == 1) return {x.shape[1], x.shape[2], x.shape[3], x.shape[4]};
  if (x.shape.size() == 4) return {x.shape[0], x.shape[1], x.shape[2], x.shape[3]};
  fail_usage("haar: expected [1, C, T, H, W] or [C, T, H, W], got " + x.shape_str());
}

// The reference's 3-D filters are 0.3536 * sign, with sign bits: 1 = column (d),
// 2 = row (b), 4 = time (a).
constexpr float kScale3D = 0.3536f;

}  // namespace

HostTensor haar3d(const HostTensor& x) {
  const Dims d = dims_of(x);
  const int64_t to = (d.t + 1) / 2, ho = d.h / 2, wo = d.w / 2;
  HostTensor y({1, 8 * d.c, to, ho, wo});
  const float* in = x.data.data();
  for (int64_t c = 0; c < d.c; ++c)
    for (int64_t k = 0; k < to; ++k) {
      // Causal pairing: output frame k uses padded frames (2k, 2k+1) where padded
      // frame 0 is a copy of frame 0.
      const int64_t ta = k == 0 ? 0 : 2 * k - 1, tb = 2 * k;
      const float* fa = in + (c * d.t + ta) * d.h * d.w;
      const float* fb = in + (c * d.t + tb) * d.h * d.w;
      for (int64_t i = 0; i < ho; ++i)
        for (int64_t j = 0; j < wo; ++j) {
          float v[2][2][2];
          for (int b = 0; b < 2; ++b)
            for (int e = 0; e < 2; ++e) {
              v[0][b][e] = fa[(2 * i + b) * d.w + 2 * j + e];
              v[1][b][e] = fb[(2 * i + b) * d.w + 2 * j + e];
            }
          for (int f = 0; f < 8; ++f) {
            float s = 0;
            for (int a = 0; a < 2; ++a)
              for (int b = 0; b < 2; ++b)
                for (int e = 0; e < 2; ++e) {
                  const int parity = ((f & 1) ? e : 0) + ((f & 2) ? b : 0) + ((f & 4) ? a : 0);
                  s += (parity & 1) ? -v[a][b][e] : v[a][b][e];
                }
            y.data[static_cast<size_t>((((f * d.c + c) * to + k) * ho + i) * wo + j)] = kScale3D * s;
          }
        }
    }
  return y;
}

HostTensor haar2d(const HostTensor& x) {
  const Dims d = dims_of(x);
  const int64_t ho = d.h / 2, wo = d.w / 2;
  HostTensor y({1, 4 * d.c, d.t, ho, wo});
  const float* in = x.data.data();
  for (int64_t c = 0; c < d.c; ++c)
    for (int64_t t = 0; t < d.t; ++t) {
      const float* f = in + (c * d.t + t) * d.h * d.w;
      for (int64_t i = 0; i < ho; ++i)
        for (int64_t j = 0; j < wo; ++j) {
          const float p00 = f[(2 * i) * d.w + 2 * j], p01 = f[(2 * i) * d.w + 2 * j + 1];
          const float p10 = f[(2 * i + 1) * d.w + 2 * j], p11 = f[(2 * i + 1) * d.w + 2 * j + 1];
          // aa: +, ad: (-1)^row, da: (-1)^col, dd: (-1)^(row+col); all / 2.
          const float bands[4] = {(p00 + p01 + p10 + p11) * 0.5f, (p00 + p01 - p10 - p11) * 0.5f,
                                  (p00 - p01 + p10 - p11) * 0.5f, (p00 - p01 - p10 + p11) * 0.5f};
          for (int k = 0; k < 4; ++k)
            y.data[static_cast<size_t>((((k * d.c + c) * d.t + t) * ho + i) * wo + j)] = bands[k];
        }
    }
  return y;
}

namespace {
// The first `channels` channels of a [1, C, T, H, W] tensor.
HostTensor low_band(const HostTensor& x, int64_t channels) {
  HostTensor y({1, channels, x.shape[2], x.shape[3], x.shape[4]});
  std::copy(x.data.begin(), x.data.begin() + static_cast<int64_t>(y.data.size()), y.data.begin());
  return y;
}
}  // namespace

Pyramid energy_flow_pyramid(const HostTensor& video, bool temporal_l1) {
  Pyramid p;
  p.level0 = haar3d(video);
  HostTensor lll = low_band(p.level0, 3);
  p.level1 = temporal_l1 ? haar3d(lll) : haar2d(lll);
  p.level2 = haar3d(low_band(p.level1, 3));
  return p;
}

namespace {
template <class Fn>
std::vector<double> per_band(const HostTensor& a, int channels_per_band, int t, Fn value) {
  if (a.shape.size() != 5) fail_usage("haar: expected a [1, C, T, H, W] coefficient tensor");
  const int64_t C = a.shape[1], T = a.shape[2], HW = a.shape[3] * a.shape[4];
  const int64_t bands = C / channels_per_band;
  std::vector<double> out(static_cast<size_t>(bands), 0.0);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t k = (t < 0 ? 0 : t); k < (t < 0 ? T : std::min<int64_t>(T, t + 1)); ++k) {
      const size_t base = static_cast<size_t>((c * T + k) * HW);
      double s = 0;
      for (int64_t i = 0; i < HW; ++i) s += value(base + static_cast<size_t>(i));
      out[static_cast<size_t>(c / channels_per_band)] += s;
    }
  return out;
}
}  // namespace

std::vector<double> band_energy(const HostTensor& coeffs, int channels_per_band, int t) {
  return per_band(coeffs, channels_per_band, t, [&](size_t i) {
    const double v = coeffs.data[i];
    return v * v;
  });
}

std::vector<double> band_error(const HostTensor& a, const HostTensor& b, int channels_per_band, int t) {
  if (a.shape != b.shape)
    fail_usage("haar: band_error needs equally shaped tensors, got " + a.shape_str() + " and " + b.shape_str());
  return per_band(a, channels_per_band, t, [&](size_t i) {
    const double v = static_cast<double>(a.data[i]) - b.data[i];
    return v * v;
  });
}

}  // namespace wfvae::haar
