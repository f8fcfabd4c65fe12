// Torch-free Haar transforms for views and statistics (the studio's subband
// panels): the same filters, band order and causal frame handling as the model's
// HaarWaveletTransform3D / HaarWaveletTransform2D (tests compare them).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/host_tensor.h"

namespace wfvae::haar {

// Band names in channel order: filter index k, channel = k * C + c.
extern const std::array<const char*, 8> kBands3D;  // LLL, LLH, LHL, LHH, HLL, HLH, HHL, HHH
extern const std::array<const char*, 4> kBands2D;  // LL, LH, HL, HH

// [C, T, H, W] or [1, C, T, H, W] -> [1, 8C, (T+1)/2, H/2, W/2]; frame 0 is paired
// with itself (causal), frame k with (2k-1, 2k).
HostTensor haar3d(const HostTensor& x);
// Per frame: [.., C, T, H, W] -> [1, 4C, T, H/2, W/2].
HostTensor haar2d(const HostTensor& x);

// The energy-flow pyramid of the encoder: the input's 3-D Haar, the 2-D (or 3-D for
// 8x models) Haar of its low band ("L1"), and the 3-D Haar of L1's low band ("L2").
struct Pyramid {
  HostTensor level0;  // [1, 24, T0, H/2, W/2]
  HostTensor level1;  // [1, 12 or 24, ..., H/4, W/4]
  HostTensor level2;  // [1, 24, ..., H/8, W/8]
};
Pyramid energy_flow_pyramid(const HostTensor& video, bool temporal_l1);

// Sum of squares per band (bands = C_total / channels_per_band), over one output
// frame t (t < 0: all frames).
std::vector<double> band_energy(const HostTensor& coeffs, int channels_per_band, int t = -1);
// Sum of squared differences per band between two equally shaped coefficient sets.
std::vector<double> band_error(const HostTensor& a, const HostTensor& b, int channels_per_band, int t = -1);

}  // namespace wfvae::haar
