#include "model/winograd_conv.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace wfvae::model {

namespace {

// The transforms' inner loops, compiled for AVX-512 and AVX2 besides the baseline
// (SSE2) and picked at load time: they are adds over contiguous runs, and at the
// baseline they were a third of a large convolution's time.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(WFVAE_NO_SIMD_CLONES)
#define WFVAE_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WFVAE_SIMD_CLONES
#endif

// Where each pays, measured per layer on the 2-core AVX-512 machine against oneDNN's
// direct kernels (min of 10 calls, interleaved; docs/performance.md). The kernels are
// transformed on every call ((tile + 2)^2 / 9 of the weight written, then read by the
// products), the input and output once per call: both pay back only over enough output
// pixels, and the input and output transforms only with channels enough.
//
// F(4x4, 3x3), where the output divides into 4x4 tiles, 3x3x3 kernels: 64-256 channels
// at 32x32 and more 1.6-2.3x, 128-256 channels at 16x16 x 5 frames 1.1-1.4x; but 64-128
// channels at 16x16 x 3 frames 0.5-0.6x, and 8x8 frames 0.5-0.95x whatever the channels;
// 32 channels 0.96x at 64x64, 1.0-1.6x at 128x128 and more; 16 channels 0.8-1.7x from
// one run to the next. 1x3x3 kernels (one tap: a third of the products to save for the
// same transforms): 32 channels 0.5-0.9x, 64 0.7-1.2x, 128 1.1x.
constexpr int64_t kF4MinChannelTaps = 128;  // min(C, K) x temporal taps
constexpr int64_t kF4MinFramePixels = 256;  // output height x width
constexpr int64_t kF4MinPixels = 2048;      // output height x width x frames
// F(2x2, 3x3) where F(4x4) is not taken: 128 channels at 32x32 or more 1.1-1.4x, 256-512 at 16x16
// 1.4-1.6x; 64 channels 0.8-1.25x, 32 0.5-1.0x. WF-VAE-L 9x64x64 decode with the tiles x
// frames bound at 32, 128, 256, 1024, 4096, none: 1.49, 1.51, 1.51, 1.72, 1.92, 1.91 s.
constexpr int64_t kF2MinChannels = 128;
constexpr int64_t kF2MinTileChannels = 8192;  // 2x2 output tiles per frame x min(C, K)
constexpr int64_t kF2MinTileFrames = 256;     // 2x2 output tiles per frame x output frames

// One band: frames [f0, f0 + nf) of the output (input frames [f0, f0 + nf + kt - 1)),
// tile rows [a0, a0 + nb).
struct Band {
  int64_t f0, nf, nfi, a0, nb;
};

// B along one row of tiles: tile b covers padded columns 2b .. 2b + 3, which are
// even[b], odd[b], even[b + 1], odd[b + 1]. A function of its own so that the compiler
// sees the pointers apart and vectorises.
WFVAE_SIMD_CLONES void tile_row_transform(const float* __restrict ev, const float* __restrict od, int64_t n,
                                          float* __restrict o0, float* __restrict o1, float* __restrict o2,
                                          float* __restrict o3) {
  for (int64_t b = 0; b < n; ++b) {
    o0[b] = ev[b] - ev[b + 1];
    o1[b] = od[b] + ev[b + 1];
    o2[b] = ev[b + 1] - od[b];
    o3[b] = od[b] - od[b + 1];
  }
}

// B^T over four rows of n values (row by row: e_i = sum over r of B^T[i][r] row r).
WFVAE_SIMD_CLONES void rows_transform(const float* __restrict r0, const float* __restrict r1,
                                      const float* __restrict r2, const float* __restrict r3, int64_t n,
                                      float* __restrict e0, float* __restrict e1, float* __restrict e2,
                                      float* __restrict e3) {
  for (int64_t m = 0; m < n; ++m) {
    e0[m] = r0[m] - r2[m];
    e1[m] = r1[m] + r2[m];
    e2[m] = r2[m] - r1[m];
    e3[m] = r1[m] - r3[m];
  }
}

// A^T over four rows of n products: the two output rows' partial sums.
WFVAE_SIMD_CLONES void rows_inverse(const float* __restrict m0, const float* __restrict m1, const float* __restrict m2,
                                    const float* __restrict m3, int64_t n, float* __restrict q0, float* __restrict q1) {
  for (int64_t b = 0; b < n; ++b) {
    q0[b] = m0[b] + m1[b] + m2[b];
    q1[b] = m1[b] - m2[b] - m3[b];
  }
}

// A along a row of n tiles plus the bias: output columns 2b and 2b + 1.
WFVAE_SIMD_CLONES void tile_row_inverse(const float* __restrict c0, const float* __restrict c1,
                                        const float* __restrict c2, const float* __restrict c3, int64_t n, float bias,
                                        float* __restrict row) {
  for (int64_t b = 0; b < n; ++b) {
    row[2 * b] = c0[b] + c1[b] + c2[b] + bias;
    row[2 * b + 1] = c1[b] - c2[b] - c3[b] + bias;
  }
}

// Padded input columns 0 .. 2n + 1 of one row, split into even[0..n] and odd[0..n];
// padded column j is input column j - pad (zero outside the row).
WFVAE_SIMD_CLONES void split_row(const float* __restrict src, int64_t n, int64_t pad, float* __restrict even,
                                 float* __restrict odd) {
  if (pad == 0) {  // the row has 2n + 2 columns
    for (int64_t m = 0; m <= n; ++m) {
      even[m] = src[2 * m];
      odd[m] = src[2 * m + 1];
    }
  } else {  // the row has 2n columns
    even[0] = 0.f;
    for (int64_t m = 1; m <= n; ++m) even[m] = src[2 * m - 1];
    for (int64_t m = 0; m < n; ++m) odd[m] = src[2 * m];
    odd[n] = 0.f;
  }
}

// V = B^T d B of every 4x4 input tile d (stride 2) of the band, for every input
// channel and input frame: V[s][c][fi][a][b], s = 4 * (row index) + column index.
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. Positions outside the frame are the
// zero padding. The band's input rows are first split into their even and odd padded
// columns, so that every pass below reads and writes contiguous runs (vectorised).
void input_transform_f2(const float* x, int64_t C, int64_t T, int64_t H, int64_t W, int64_t ph, int64_t pw, int64_t tw,
                        const Band& band, float* V) {
  const int64_t n_rows = 2 * band.nb + 2, half = tw + 1;  // padded columns 0 .. 2 tw + 1
  const int64_t per_frame = band.nb * tw, per_channel = band.nfi * per_frame, per_s = C * per_channel;
  at::parallel_for(0, C * band.nfi, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> even(n_rows * half), odd(n_rows * half), e_even(4 * half), e_odd(4 * half);
    for (int64_t idx = begin; idx < end; ++idx) {
      const int64_t c = idx / band.nfi, fi = idx % band.nfi;
      const float* plane = x + (c * T + band.f0 + fi) * H * W;
      for (int64_t r = 0; r < n_rows; ++r) {
        float* ev = even.data() + r * half;
        float* od = odd.data() + r * half;
        const int64_t y = 2 * band.a0 - ph + r;
        if (y < 0 || y >= H) {
          std::fill(ev, ev + half, 0.f);
          std::fill(od, od + half, 0.f);
        } else {
          split_row(plane + y * W, tw, pw, ev, od);
        }
      }
      float* out = V + c * per_channel + fi * per_frame;
      for (int64_t a = 0; a < band.nb; ++a) {
        // B^T over the tile's four rows, for the even and the odd columns.
        for (int parity = 0; parity < 2; ++parity) {
          const float* r0 = (parity ? odd : even).data() + 2 * a * half;
          float* e0 = (parity ? e_odd : e_even).data();
          rows_transform(r0, r0 + half, r0 + 2 * half, r0 + 3 * half, half, e0, e0 + half, e0 + 2 * half,
                         e0 + 3 * half);
        }
        // B along each row: tile b reads padded columns 2b .. 2b + 3 = even[b], odd[b],
        // even[b + 1], odd[b + 1].
        for (int i = 0; i < 4; ++i) {
          const float* __restrict ev = e_even.data() + i * half;
          const float* __restrict od = e_odd.data() + i * half;
          float* __restrict o0 = out + (4 * i + 0) * per_s + a * tw;
          float* __restrict o1 = out + (4 * i + 1) * per_s + a * tw;
          float* __restrict o2 = out + (4 * i + 2) * per_s + a * tw;
          float* __restrict o3 = out + (4 * i + 3) * per_s + a * tw;
          tile_row_transform(ev, od, tw, o0, o1, o2, o3);
        }
      }
    }
  });
}

// Calls fn(m, frame, a, bias_k, scratch) for every output channel k, output frame f and
// tile row a of the band: m points at the products of tile row a of (k, f) (the points
// K nf nb tw apart), frame at y's frame f0 + f of channel k ([Ho, Wo]); scratch holds
// `scratch_floats` per thread.
template <typename Fn>
void for_each_output_tile_row(const float* M, const float* bias, int64_t K, int64_t To, int64_t Ho, int64_t Wo,
                              int64_t tw, const Band& band, float* y, int64_t scratch_floats, Fn fn) {
  const int64_t per_frame = band.nb * tw, per_channel = band.nf * per_frame;
  at::parallel_for(0, K * band.nf, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(scratch_floats);
    for (int64_t idx = begin; idx < end; ++idx) {
      const int64_t k = idx / band.nf, f = idx % band.nf;
      const float* m = M + k * per_channel + f * per_frame;
      float* frame = y + (k * To + band.f0 + f) * Ho * Wo;
      for (int64_t a = 0; a < band.nb; ++a) fn(m + a * tw, frame, a, bias ? bias[k] : 0.f, scratch.data());
    }
  });
}

// y = A^T M A + bias for every 4x4 product tile M[s][k][f][a][b] of the band, written to
// the 2x2 output tile at rows 2a, 2a+1 and columns 2b, 2b+1 of y [K, To, Ho, Wo].
// A^T = [1 1 1 0; 0 1 -1 -1].
void output_transform_f2(const float* M, const float* bias, int64_t K, int64_t To, int64_t Ho, int64_t Wo, int64_t tw,
                         const Band& band, float* y) {
  const int64_t per_s = K * band.nf * band.nb * tw;
  // p[(2 j + q) tw + b]: A^T over the tile rows, q = output row.
  for_each_output_tile_row(M, bias, K, To, Ho, Wo, tw, band, y, 8 * tw,
                           [&](const float* m, float* frame, int64_t a, float bias_k, float* p) {
                             for (int j = 0; j < 4; ++j)
                               rows_inverse(m + j * per_s, m + (4 + j) * per_s, m + (8 + j) * per_s,
                                            m + (12 + j) * per_s, tw, p + 2 * j * tw, p + (2 * j + 1) * tw);
                             for (int q = 0; q < 2; ++q) {
                               const float* c = p + q * tw;
                               tile_row_inverse(c, c + 2 * tw, c + 4 * tw, c + 6 * tw, tw, bias_k,
                                                frame + (2 * (band.a0 + a) + q) * Wo);
                             }
                           });
}

// G of F(2x2, 3x3) over three runs of n kernel taps (one per kernel row or column):
// four runs. G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
WFVAE_SIMD_CLONES void kernel_rows(const float* __restrict g0, const float* __restrict g1, const float* __restrict g2,
                                   int64_t n, float* __restrict a0, float* __restrict a1, float* __restrict a2,
                                   float* __restrict a3) {
  for (int64_t c = 0; c < n; ++c) {
    a0[c] = g0[c];
    a1[c] = 0.5f * (g0[c] + g1[c] + g2[c]);
    a2[c] = 0.5f * (g0[c] - g1[c] + g2[c]);
    a3[c] = g2[c];
  }
}

// ---------------------------------------------------------------- F(4x4, 3x3)
// 36 products per 4x4 output tile (direct: 144), from 6x6 input tiles at stride 4:
// 2.25x fewer products than F(2x2, 3x3), and a transformed input 2.25x (not 4x) the
// size of the input. Lavin & Gray's matrices (interpolation points 0, +-1, +-2, inf):
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
//          0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// Rounding: about 4x the F(2x2) error, still ~1e-6 of the output scale (tests).

// B^T over six rows of n values.
WFVAE_SIMD_CLONES void rows_transform6(const float* __restrict r0, const float* __restrict r1,
                                       const float* __restrict r2, const float* __restrict r3,
                                       const float* __restrict r4, const float* __restrict r5, int64_t n,
                                       float* __restrict e0, float* __restrict e1, float* __restrict e2,
                                       float* __restrict e3, float* __restrict e4, float* __restrict e5) {
  for (int64_t m = 0; m < n; ++m) {
    e0[m] = 4.f * r0[m] - 5.f * r2[m] + r4[m];
    e1[m] = -4.f * (r1[m] + r2[m]) + r3[m] + r4[m];
    e2[m] = 4.f * (r1[m] - r2[m]) - r3[m] + r4[m];
    e3[m] = 2.f * (r3[m] - r1[m]) - r2[m] + r4[m];
    e4[m] = 2.f * (r1[m] - r3[m]) - r2[m] + r4[m];
    e5[m] = 4.f * r1[m] - 5.f * r3[m] + r5[m];
  }
}

// B along one row of tiles: tile b covers padded columns 4b .. 4b + 5, which are
// p0[b], p1[b], p2[b], p3[b], p0[b + 1], p1[b + 1] (p_r: the columns 4q + r).
WFVAE_SIMD_CLONES void tile_row_transform6(const float* __restrict p0, const float* __restrict p1,
                                           const float* __restrict p2, const float* __restrict p3, int64_t n,
                                           float* __restrict o0, float* __restrict o1, float* __restrict o2,
                                           float* __restrict o3, float* __restrict o4, float* __restrict o5) {
  for (int64_t b = 0; b < n; ++b) {
    const float d0 = p0[b], d1 = p1[b], d2 = p2[b], d3 = p3[b], d4 = p0[b + 1], d5 = p1[b + 1];
    o0[b] = 4.f * d0 - 5.f * d2 + d4;
    o1[b] = -4.f * (d1 + d2) + d3 + d4;
    o2[b] = 4.f * (d1 - d2) - d3 + d4;
    o3[b] = 2.f * (d3 - d1) - d2 + d4;
    o4[b] = 2.f * (d1 - d3) - d2 + d4;
    o5[b] = 4.f * d1 - 5.f * d3 + d5;
  }
}

// A^T over six rows of n products: the four output rows' partial sums.
WFVAE_SIMD_CLONES void rows_inverse6(const float* __restrict m0, const float* __restrict m1, const float* __restrict m2,
                                     const float* __restrict m3, const float* __restrict m4, const float* __restrict m5,
                                     int64_t n, float* __restrict q0, float* __restrict q1, float* __restrict q2,
                                     float* __restrict q3) {
  for (int64_t b = 0; b < n; ++b) {
    const float s12 = m1[b] + m2[b], d12 = m1[b] - m2[b], s34 = m3[b] + m4[b], d34 = m3[b] - m4[b];
    q0[b] = m0[b] + s12 + s34;
    q1[b] = d12 + 2.f * d34;
    q2[b] = s12 + 4.f * s34;
    q3[b] = d12 + 8.f * d34 + m5[b];
  }
}

// A along a row of n tiles plus the bias: output columns 4b .. 4b + 3.
WFVAE_SIMD_CLONES void tile_row_inverse6(const float* __restrict c0, const float* __restrict c1,
                                         const float* __restrict c2, const float* __restrict c3,
                                         const float* __restrict c4, const float* __restrict c5, int64_t n, float bias,
                                         float* __restrict row) {
  for (int64_t b = 0; b < n; ++b) {
    const float s12 = c1[b] + c2[b], d12 = c1[b] - c2[b], s34 = c3[b] + c4[b], d34 = c3[b] - c4[b];
    row[4 * b] = c0[b] + s12 + s34 + bias;
    row[4 * b + 1] = d12 + 2.f * d34 + bias;
    row[4 * b + 2] = s12 + 4.f * s34 + bias;
    row[4 * b + 3] = d12 + 8.f * d34 + c5[b] + bias;
  }
}

// Splits a zero-padded row (padded column j = buf[j]) into its four column phases:
// p_r[q] = buf[4q + r], q = 0 .. n.
WFVAE_SIMD_CLONES void split_row4(const float* __restrict buf, int64_t n, float* __restrict p0, float* __restrict p1,
                                  float* __restrict p2, float* __restrict p3) {
  for (int64_t q = 0; q <= n; ++q) {
    p0[q] = buf[4 * q];
    p1[q] = buf[4 * q + 1];
    p2[q] = buf[4 * q + 2];
    p3[q] = buf[4 * q + 3];
  }
}

// V = B^T d B of every 6x6 input tile d (stride 4) of the band: V[s][c][fi][a][b],
// s = 6 * (row index) + column index.
void input_transform_f4(const float* x, int64_t C, int64_t T, int64_t H, int64_t W, int64_t ph, int64_t pw, int64_t tw,
                        const Band& band, float* V) {
  const int64_t n_rows = 4 * band.nb + 2, len = tw + 1;  // padded columns 0 .. 4 tw + 3 (the last 2 unused)
  const int64_t per_frame = band.nb * tw, per_channel = band.nfi * per_frame, per_s = C * per_channel;
  at::parallel_for(0, C * band.nfi, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> padded(4 * len, 0.f), phases(n_rows * 4 * len), e(6 * 4 * len);
    for (int64_t idx = begin; idx < end; ++idx) {
      const int64_t c = idx / band.nfi, fi = idx % band.nfi;
      const float* plane = x + (c * T + band.f0 + fi) * H * W;
      for (int64_t r = 0; r < n_rows; ++r) {
        float* ph4 = phases.data() + r * 4 * len;  // p0 | p1 | p2 | p3
        const int64_t y = 4 * band.a0 - ph + r;
        if (y < 0 || y >= H) {
          std::fill(ph4, ph4 + 4 * len, 0.f);
          continue;
        }
        std::copy(plane + y * W, plane + (y + 1) * W, padded.data() + pw);  // the rest of `padded` stays zero
        split_row4(padded.data(), tw, ph4, ph4 + len, ph4 + 2 * len, ph4 + 3 * len);
      }
      float* out = V + c * per_channel + fi * per_frame;
      for (int64_t a = 0; a < band.nb; ++a) {
        // B^T over the tile's six rows, phase by phase: e[i][phase][q].
        for (int phase = 0; phase < 4; ++phase) {
          const float* r0 = phases.data() + 4 * a * 4 * len + phase * len;
          const int64_t step = 4 * len;
          float* e0 = e.data() + phase * len;
          const int64_t e_step = 4 * len;
          rows_transform6(r0, r0 + step, r0 + 2 * step, r0 + 3 * step, r0 + 4 * step, r0 + 5 * step, len, e0,
                          e0 + e_step, e0 + 2 * e_step, e0 + 3 * e_step, e0 + 4 * e_step, e0 + 5 * e_step);
        }
        for (int i = 0; i < 6; ++i) {
          const float* ei = e.data() + i * 4 * len;
          float* o = out + 6 * i * per_s + a * tw;
          tile_row_transform6(ei, ei + len, ei + 2 * len, ei + 3 * len, tw, o, o + per_s, o + 2 * per_s, o + 3 * per_s,
                              o + 4 * per_s, o + 5 * per_s);
        }
      }
    }
  });
}

// y = A^T M A + bias for every 6x6 product tile of the band, written to the 4x4 output
// tile at rows 4a .. 4a + 3 and columns 4b .. 4b + 3 of y [K, To, Ho, Wo].
void output_transform_f4(const float* M, const float* bias, int64_t K, int64_t To, int64_t Ho, int64_t Wo, int64_t tw,
                         const Band& band, float* y) {
  const int64_t per_s = K * band.nf * band.nb * tw;
  // p[(4 j + q) tw + b]: A^T over the tile rows, q = output row.
  for_each_output_tile_row(M, bias, K, To, Ho, Wo, tw, band, y, 24 * tw,
                           [&](const float* m, float* frame, int64_t a, float bias_k, float* p) {
                             for (int j = 0; j < 6; ++j) {
                               const float* mj = m + j * per_s;
                               float* q = p + 4 * j * tw;
                               rows_inverse6(mj, mj + 6 * per_s, mj + 12 * per_s, mj + 18 * per_s, mj + 24 * per_s,
                                             mj + 30 * per_s, tw, q, q + tw, q + 2 * tw, q + 3 * tw);
                             }
                             for (int q = 0; q < 4; ++q) {
                               const float* c = p + q * tw;
                               tile_row_inverse6(c, c + 4 * tw, c + 8 * tw, c + 12 * tw, c + 16 * tw, c + 20 * tw, tw,
                                                 bias_k, frame + (4 * (band.a0 + a) + q) * Wo);
                             }
                           });
}

// G of F(4x4, 3x3) over three runs of n kernel taps: six runs.
WFVAE_SIMD_CLONES void kernel_rows6(const float* __restrict g0, const float* __restrict g1, const float* __restrict g2,
                                    int64_t n, float* __restrict a0, float* __restrict a1, float* __restrict a2,
                                    float* __restrict a3, float* __restrict a4, float* __restrict a5) {
  for (int64_t c = 0; c < n; ++c) {
    const float s02 = g0[c] + g2[c];
    a0[c] = 0.25f * g0[c];
    a1[c] = -(s02 + g1[c]) * (1.f / 6.f);
    a2[c] = -(s02 - g1[c]) * (1.f / 6.f);
    a3[c] = g0[c] * (1.f / 24.f) + g1[c] * (1.f / 12.f) + g2[c] * (1.f / 6.f);
    a4[c] = g0[c] * (1.f / 24.f) - g1[c] * (1.f / 12.f) + g2[c] * (1.f / 6.f);
    a5[c] = g2[c];
  }
}

// G applied to three runs of n kernel taps (one per kernel row, or column): alpha runs out.
using KernelRowsFn = void (*)(const float*, const float*, const float*, int64_t, float* const*);
void kernel_rows_f2(const float* g0, const float* g1, const float* g2, int64_t n, float* const* a) {
  kernel_rows(g0, g1, g2, n, a[0], a[1], a[2], a[3]);
}
void kernel_rows_f4(const float* g0, const float* g1, const float* g2, int64_t n, float* const* a) {
  kernel_rows6(g0, g1, g2, n, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// U = G g G^T (alpha x alpha) of every 3x3 kernel g of w [K, C, kt, 3, 3] (contiguous
// float32): U[t][s][k][c], s = alpha i + j. Per output channel and tap, the 9 taps of
// every input channel are gathered into 9 runs over c, then G is applied run by run, so
// that every write is a contiguous run of U (written and read once per call: for the
// large models this is memory-bound).
void transform_kernels(const at::Tensor& w, int alpha, KernelRowsFn rows, float* U) {
  const int64_t K = w.size(0), C = w.size(1), kt = w.size(2), per_s = K * C, points = alpha * alpha;
  const float* src = w.data_ptr<float>();
  at::parallel_for(0, K * kt, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> taps(9 * C), a(3 * alpha * C);
    float* outs[6];
    for (int64_t idx = begin; idx < end; ++idx) {
      const int64_t k = idx / kt, t = idx % kt;
      for (int64_t c = 0; c < C; ++c) {
        const float* g = src + ((k * C + c) * kt + t) * 9;
        for (int r = 0; r < 9; ++r) taps[r * C + c] = g[r];
      }
      // a[i][q] = (G g)[i][q], at (3 i + q) C: G over the kernel rows (tap r = 3 row + q).
      for (int q = 0; q < 3; ++q) {
        for (int i = 0; i < alpha; ++i) outs[i] = &a[(3 * i + q) * C];
        rows(&taps[q * C], &taps[(3 + q) * C], &taps[(6 + q) * C], C, outs);
      }
      // U[i][j] = ((G g) G^T)[i][j]: G over the columns, straight into U's runs.
      float* out = U + t * points * per_s + k * C;
      for (int i = 0; i < alpha; ++i) {
        for (int j = 0; j < alpha; ++j) outs[j] = out + (alpha * i + j) * per_s;
        rows(&a[(3 * i) * C], &a[(3 * i + 1) * C], &a[(3 * i + 2) * C], C, outs);
      }
    }
  });
}

// A float32 buffer that stays with the thread: fresh memory on every call costs a page
// fault per 4 KiB on first touch (a third of the transform time, measured).
float* thread_buffer(int slot, int64_t floats) {
  thread_local at::Tensor buffers[2];
  at::Tensor& b = buffers[slot];
  if (!b.defined() || b.numel() < floats) {
    b = at::Tensor();  // free the old one first
    b = at::empty({floats}, at::TensorOptions().dtype(at::kFloat));
  }
  return b.data_ptr<float>();
}

}  // namespace

at::Tensor winograd_transform_weight(const at::Tensor& weight, int tile) {
  if (weight.dim() != 5 || weight.size(3) != 3 || weight.size(4) != 3 || (tile != 2 && tile != 4))
    throw std::invalid_argument("winograd_transform_weight: expects a [K, C, kt, 3, 3] weight and tile 2 or 4");
  const int64_t points = (tile + 2) * (tile + 2);
  at::Tensor u =
      at::empty({weight.size(2), points, weight.size(0), weight.size(1)}, weight.options().dtype(at::kFloat));
  const at::Tensor w = weight.to(at::kFloat).contiguous();
  transform_kernels(w, tile + 2, tile == 2 ? kernel_rows_f2 : kernel_rows_f4, u.data_ptr<float>());
  return u;
}

int winograd_tile(const at::Tensor& x, const at::Tensor& weight, int64_t stride_t, int64_t stride_h, int64_t stride_w,
                  int64_t pad_h, int64_t pad_w) {
  if (!x.is_cpu() || !weight.is_cpu() || x.scalar_type() != at::kFloat || weight.scalar_type() != at::kFloat) return 0;
  if (x.dim() != 5 || weight.dim() != 5 || weight.size(3) != 3 || weight.size(4) != 3) return 0;
  if (stride_t != 1 || stride_h != 1 || stride_w != 1 || pad_h < 0 || pad_h > 1 || pad_w < 0 || pad_w > 1) return 0;
  if (x.size(1) != weight.size(1) || x.size(2) < weight.size(2)) return 0;
  const int64_t Ho = x.size(3) + 2 * pad_h - 2, Wo = x.size(4) + 2 * pad_w - 2;
  if (Ho < 2 || Wo < 2 || Ho % 2 != 0 || Wo % 2 != 0) return 0;
  const int64_t channels = std::min(x.size(1), weight.size(0)), frames = x.size(2) - weight.size(2) + 1;
  if (Ho % 4 == 0 && Wo % 4 == 0 && channels * weight.size(2) >= kF4MinChannelTaps && Ho * Wo >= kF4MinFramePixels &&
      Ho * Wo * frames >= kF4MinPixels)
    return 4;
  const int64_t tiles = (Ho / 2) * (Wo / 2);
  if (channels >= kF2MinChannels && tiles * channels >= kF2MinTileChannels && tiles * frames >= kF2MinTileFrames)
    return 2;
  return 0;
}

at::Tensor winograd_conv3d(const at::Tensor& x_in, const at::Tensor& weight, const at::Tensor& bias, int64_t pad_h,
                           int64_t pad_w, int64_t workspace_bytes, int tile) {
  RECORD_USER_SCOPE("WinogradConv3d");  // for runtime/op_profile.h
  const at::Tensor x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4);
  if (weight.dim() != 5 || weight.size(1) != C || weight.size(3) != 3 || weight.size(4) != 3)
    throw std::invalid_argument("winograd_conv3d: the weight is not [K, C, kt, 3, 3] for this input");
  const int64_t K = weight.size(0), kt = weight.size(2);
  const int64_t To = T - kt + 1, Ho = H + 2 * pad_h - 2, Wo = W + 2 * pad_w - 2;
  // F(4x4, 3x3) where the frame divides into 4x4 tiles, else F(2x2, 3x3).
  const int64_t m = tile != 0 ? tile : (Ho % 4 == 0 && Wo % 4 == 0 ? 4 : 2);
  if ((m != 2 && m != 4) || Ho % m != 0 || Wo % m != 0 || To < 1)
    throw std::invalid_argument("winograd_conv3d: the output does not divide into tiles");
  const int64_t points = (m + 2) * (m + 2), th = Ho / m, tw = Wo / m;
  const at::Tensor transformed =
      at::from_blob(thread_buffer(0, kt * points * K * C), {kt, points, K, C}, at::TensorOptions().dtype(at::kFloat));
  transform_kernels(weight.to(at::kFloat).contiguous(), static_cast<int>(m) + 2,
                    m == 2 ? kernel_rows_f2 : kernel_rows_f4, transformed.data_ptr<float>());
  at::Tensor y = at::empty({N, K, To, Ho, Wo}, x.options());
  const at::Tensor b = bias.defined() ? bias.to(at::kFloat).contiguous() : at::Tensor();

  // Band size: as many frames, then tile rows, as keep V (points C nfi nb tw) and M
  // (points K nf nb tw) within the workspace; at least one frame and one tile row.
  const int64_t unit = points * static_cast<int64_t>(sizeof(float)) * tw;  // one tile row, frame, channel
  int64_t nf = To;
  while (nf > 1 && unit * (C * (nf + kt - 1) + K * nf) > workspace_bytes) nf = (nf + 1) / 2;
  const int64_t per_row = unit * (C * (nf + kt - 1) + K * nf);
  const int64_t nb = std::min(th, std::max<int64_t>(1, workspace_bytes / per_row));
  const int64_t v_size = points * C * (nf + kt - 1) * nb * tw, m_size = points * K * nf * nb * tw;
  const at::Tensor workspace =
      at::from_blob(thread_buffer(1, v_size + m_size), {v_size + m_size}, at::TensorOptions().dtype(at::kFloat));
  const at::Tensor v_buf = workspace.narrow(0, 0, v_size), m_buf = workspace.narrow(0, v_size, m_size);

  for (int64_t n = 0; n < N; ++n) {
    const float* xn = x.data_ptr<float>() + n * C * T * H * W;
    float* yn = y.data_ptr<float>() + n * K * To * Ho * Wo;
    for (int64_t f0 = 0; f0 < To; f0 += nf) {
      for (int64_t a0 = 0; a0 < th; a0 += nb) {
        Band band;
        band.f0 = f0;
        band.nf = std::min(nf, To - f0);
        band.nfi = band.nf + kt - 1;
        band.a0 = a0;
        band.nb = std::min(nb, th - a0);
        const int64_t per_frame = band.nb * tw, cols = band.nf * per_frame;
        at::Tensor V = v_buf.narrow(0, 0, points * C * band.nfi * per_frame).view({points, C, band.nfi * per_frame});
        at::Tensor M = m_buf.narrow(0, 0, points * K * cols).view({points, K, cols});
        if (m == 2)
          input_transform_f2(xn, C, T, H, W, pad_h, pad_w, tw, band, V.data_ptr<float>());
        else
          input_transform_f4(xn, C, T, H, W, pad_h, pad_w, tw, band, V.data_ptr<float>());
        // M[s] = sum over temporal taps t of U[t][s] [K, C] x V[s] at frames t.. [C, cols]:
        // the frame offset is a column offset (row stride nfi nb tw). One batched product
        // per tap: MKL's batched GEMM takes the strided columns as they are (measured
        // faster than one product per point, and than a contiguous copy).
        for (int64_t t = 0; t < kt; ++t) {
          const at::Tensor v = V.narrow(2, t * per_frame, cols);
          if (t == 0)
            at::bmm_out(M, transformed[t], v);
          else
            M.baddbmm_(transformed[t], v);
        }
        const float* bias_ptr = b.defined() ? b.data_ptr<float>() : nullptr;
        if (m == 2)
          output_transform_f2(M.data_ptr<float>(), bias_ptr, K, To, Ho, Wo, tw, band, yn);
        else
          output_transform_f4(M.data_ptr<float>(), bias_ptr, K, To, Ho, Wo, tw, band, yn);
      }
    }
  }
  return y;
}

int64_t winograd_scratch_bytes(const at::Tensor& weight) {
  const bool kernel3x3 = (weight.dim() == 5 || weight.dim() == 4) && weight.size(-1) == 3 && weight.size(-2) == 3;
  if (!kernel3x3 || !winograd_enabled()) return 0;
  return weight.numel() * 36 / 9 * static_cast<int64_t>(sizeof(float)) + kWinogradWorkspaceBytes;
}

bool winograd_enabled() {
  static const bool enabled = std::getenv("WFVAE_NO_WINOGRAD") == nullptr;
  return enabled;
}

}  // namespace wfvae::model
