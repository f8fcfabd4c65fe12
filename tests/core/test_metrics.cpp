// PSNR/SSIM against values derived by hand or by a brute-force re-implementation of
// the reference formulas (cal_psnr.py, cal_ssim.py) written independently here.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.h"
#include "core/metrics.h"

using namespace wfvae;
using namespace wfvae::metrics;

namespace {

// [1, 3, T, H, W] filled per channel with constants given in [-1, 1].
HostTensor constant_video(int64_t t, int64_t h, int64_t w, float r, float g, float b) {
  HostTensor v({1, 3, t, h, w});
  const size_t per_channel = static_cast<size_t>(t * h * w);
  const float vals[3] = {r, g, b};
  for (int c = 0; c < 3; ++c)
    for (size_t i = 0; i < per_channel; ++i) v.data[c * per_channel + i] = vals[c];
  return v;
}

// Direct definition: for every window position where an 11x11 window fits, weights
// g(u) g(v) / sum with g(u) = exp(-(u-5)^2 / 4.5), then the SSIM formula; mean.
double brute_force_ssim(const std::vector<double>& a, const std::vector<double>& b, int h, int w) {
  double g[11], sum = 0;
  for (int u = 0; u < 11; ++u) {
    g[u] = std::exp(-(u - 5.0) * (u - 5.0) / (2 * 1.5 * 1.5));
  }
  double wsum = 0;
  for (int u = 0; u < 11; ++u)
    for (int v = 0; v < 11; ++v) wsum += g[u] * g[v];
  const double c1 = 1e-4, c2 = 9e-4;
  int count = 0;
  for (int y = 0; y + 11 <= h; ++y)
    for (int x = 0; x + 11 <= w; ++x) {
      double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
      for (int u = 0; u < 11; ++u)
        for (int v = 0; v < 11; ++v) {
          const double wt = g[u] * g[v] / wsum;
          const double pa = a[(y + u) * w + x + v], pb = b[(y + u) * w + x + v];
          ma += wt * pa;
          mb += wt * pb;
          saa += wt * pa * pa;
          sbb += wt * pb * pb;
          sab += wt * pa * pb;
        }
      const double va = saa - ma * ma, vb = sbb - mb * mb, cov = sab - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      ++count;
    }
  return sum / count;
}

}  // namespace

TEST(Metrics, PsnrFromMse) {
  EXPECT_DOUBLE_EQ(psnr_from_mse(0.0), 100.0);
  EXPECT_NEAR(psnr_from_mse(0.01), 20.0, 1e-12);
  EXPECT_NEAR(psnr_from_mse(1e-4), 40.0, 1e-12);
  EXPECT_NEAR(psnr_from_mse(0.25), 20 * std::log10(2.0), 1e-12);
}

TEST(Metrics, ConstantOffsetGivesKnownMse) {
  // Input 0 -> 0.5 in [0, 1]; reconstruction 0.2 -> 0.6: every pixel differs by 0.1.
  HostTensor in = constant_video(1, 16, 16, 0.f, 0.f, 0.f);
  HostTensor rec = constant_video(1, 16, 16, 0.2f, 0.2f, 0.2f);
  FrameMetrics m = compare_frame(in, rec, 0);
  EXPECT_NEAR(m.mse, 0.01, 1e-8);
  EXPECT_NEAR(m.psnr, 20.0, 1e-5);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(m.psnr_rgb[c], 20.0, 1e-5);
}

TEST(Metrics, PerChannelPsnrAndFrameMseOverChannels) {
  // Differences 0.1 (R), 0.2 (G), 0 (B) in [0, 1]: channel MSEs 0.01, 0.04, 0;
  // frame MSE is their mean 0.05/3.
  HostTensor in = constant_video(1, 12, 12, 0.f, 0.f, 0.f);
  HostTensor rec = constant_video(1, 12, 12, 0.2f, -0.4f, 0.f);
  FrameMetrics m = compare_frame(in, rec, 0);
  EXPECT_NEAR(m.mse_rgb[0], 0.01, 1e-8);
  EXPECT_NEAR(m.mse_rgb[1], 0.04, 1e-8);
  EXPECT_EQ(m.mse_rgb[2], 0.0);
  EXPECT_NEAR(m.psnr_rgb[0], 20.0, 1e-5);
  EXPECT_NEAR(m.psnr_rgb[1], 20 * std::log10(1 / 0.2), 1e-5);
  EXPECT_EQ(m.psnr_rgb[2], 100.0);
  EXPECT_NEAR(m.mse, 0.05 / 3, 1e-8);
  EXPECT_NEAR(m.psnr, 20 * std::log10(1 / std::sqrt(0.05 / 3)), 1e-5);
}

TEST(Metrics, ReconstructionIsClampedInputIsNot) {
  // Reconstruction 3.0 clamps to 1.0, equal to the input 1.0: identical -> 100.
  HostTensor in = constant_video(1, 12, 12, 1.f, 1.f, 1.f);
  HostTensor rec = constant_video(1, 12, 12, 3.f, 1.f, 5.f);
  FrameMetrics m = compare_frame(in, rec, 0);
  EXPECT_EQ(m.mse, 0.0);
  EXPECT_EQ(m.psnr, 100.0);
  // The input is mapped without clamping: 1.2 -> 1.1 vs the clamped recon 1.0.
  HostTensor in2 = constant_video(1, 12, 12, 1.2f, 1.2f, 1.2f);
  FrameMetrics m2 = compare_frame(in2, rec, 0);
  EXPECT_NEAR(m2.mse, 0.01, 1e-7);
}

TEST(Metrics, VideoPsnrIsMeanOfFramePsnr) {
  // Frame 0 differs by 0.1 (20 dB), frame 1 by 0.01 (40 dB): the reference averages
  // dB values (30), not MSEs (which would give 22.97 dB).
  HostTensor in = constant_video(2, 12, 12, 0.f, 0.f, 0.f);
  HostTensor rec = in;
  const size_t plane = 12 * 12;
  for (int c = 0; c < 3; ++c) {
    for (size_t p = 0; p < plane; ++p) rec.data[(c * 2 + 0) * plane + p] = 0.2f;
    for (size_t p = 0; p < plane; ++p) rec.data[(c * 2 + 1) * plane + p] = 0.02f;
  }
  VideoMetrics v = compare_videos(in, rec);
  ASSERT_EQ(v.frames.size(), 2u);
  EXPECT_NEAR(v.frames[0].psnr, 20.0, 1e-5);
  EXPECT_NEAR(v.frames[1].psnr, 40.0, 1e-4);
  EXPECT_NEAR(v.psnr_mean, 30.0, 1e-4);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(v.psnr_rgb_mean[c], 30.0, 1e-4);
}

TEST(Metrics, AnyIdenticalFrameMakesVideoPsnr100) {
  HostTensor in = constant_video(2, 12, 12, 0.f, 0.f, 0.f);
  HostTensor rec = in;
  const size_t plane = 12 * 12;
  for (int c = 0; c < 3; ++c)
    for (size_t p = 0; p < plane; ++p) rec.data[(c * 2 + 1) * plane + p] = 0.2f;  // frame 1 only
  VideoMetrics v = compare_videos(in, rec);
  EXPECT_EQ(v.frames[0].psnr, 100.0);
  EXPECT_NEAR(v.frames[1].psnr, 20.0, 1e-5);
  EXPECT_EQ(v.psnr_mean, 100.0);  // mean of (inf, 20) is inf in the reference -> 100
}

TEST(Metrics, SsimOfIdenticalImagesIsOne) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> a(23 * 31);
  for (double& x : a) x = u(rng);
  EXPECT_NEAR(ssim_plane(a.data(), a.data(), 23, 31), 1.0, 1e-12);
}

TEST(Metrics, SsimOfConstantImagesHasClosedForm) {
  // Constant planes: means are the constants, variances and covariance 0, so
  // SSIM = (2ab + C1) / (a^2 + b^2 + C1) (the C2 factors cancel).
  const double a = 0.3, b = 0.7;
  std::vector<double> pa(20 * 20, a), pb(20 * 20, b);
  const double expected = (2 * a * b + 1e-4) / (a * a + b * b + 1e-4);
  EXPECT_NEAR(ssim_plane(pa.data(), pb.data(), 20, 20), expected, 1e-9);
}

TEST(Metrics, SsimMatchesBruteForceDefinition) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto [h, w] : {std::pair{11, 11}, std::pair{13, 17}, std::pair{24, 19}, std::pair{47, 33}}) {
    std::vector<double> a(static_cast<size_t>(h * w)), b(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      a[i] = u(rng);
      b[i] = std::clamp(a[i] + 0.2 * (u(rng) - 0.5), 0.0, 1.0);
    }
    EXPECT_NEAR(ssim_plane(a.data(), b.data(), h, w), brute_force_ssim(a, b, h, w), 1e-12) << h << "x" << w;
  }
}

TEST(Metrics, SsimCornerPixelOnlyEntersOneWindow) {
  // The reference filters with reflected borders and then drops 5 pixels per side,
  // so only windows lying fully inside the image count: a corner pixel lies in
  // exactly one. A padding implementation would count it in several windows.
  std::vector<double> a(15 * 15, 0.5), b(15 * 15, 0.5);
  b[0] = 0.0;
  const double got = ssim_plane(a.data(), b.data(), 15, 15);
  EXPECT_NEAR(got, brute_force_ssim(a, b, 15, 15), 1e-12);
  EXPECT_LT(got, 1.0);
  // 25 windows, 24 of them untouched (SSIM 1).
  std::vector<double> a11(11 * 11, 0.5), b11(11 * 11, 0.5);
  b11[0] = 0.0;
  const double one_window = ssim_plane(a11.data(), b11.data(), 11, 11);
  EXPECT_NEAR(got, (24.0 + one_window) / 25.0, 1e-12);
}

TEST(Metrics, SsimIsNanBelowWindowSize) {
  std::vector<double> a(10 * 40, 0.5);
  EXPECT_TRUE(std::isnan(ssim_plane(a.data(), a.data(), 10, 40)));
  EXPECT_TRUE(std::isnan(ssim_plane(a.data(), a.data(), 40, 10)));
}

TEST(Metrics, FrameSsimIsMeanOverChannels) {
  // R identical (1), G and B constant offsets with the closed form above.
  HostTensor in = constant_video(1, 16, 16, 0.f, -0.4f, 0.4f);  // [0,1]: 0.5, 0.3, 0.7
  HostTensor rec = constant_video(1, 16, 16, 0.f, 0.4f, 0.4f);  // 0.5, 0.7, 0.7
  FrameMetrics m = compare_frame(in, rec, 0);
  const double a = 0.3, b = 0.7;
  const double g = (2 * a * b + 1e-4) / (a * a + b * b + 1e-4);
  EXPECT_NEAR(m.ssim, (1.0 + g + 1.0) / 3.0, 1e-6);
}

TEST(Metrics, Rgb8MatchesTensorPath) {
  std::mt19937 rng(3);
  const int h = 16, w = 20;
  std::vector<uint8_t> a(static_cast<size_t>(h * w * 3)), b(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<uint8_t>(rng() % 256);
    b[i] = static_cast<uint8_t>(std::clamp<int>(a[i] + static_cast<int>(rng() % 21) - 10, 0, 255));
  }
  HostTensor ta({1, 3, 1, h, w}), tb({1, 3, 1, h, w});
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < h * w; ++p) {
      ta.data[static_cast<size_t>(c * h * w + p)] = static_cast<float>(a[static_cast<size_t>(p * 3 + c)] / 127.5 - 1);
      tb.data[static_cast<size_t>(c * h * w + p)] = static_cast<float>(b[static_cast<size_t>(p * 3 + c)] / 127.5 - 1);
    }
  FrameMetrics m8 = compare_rgb8(a.data(), b.data(), h, w);
  FrameMetrics mt = compare_frame(ta, tb, 0);
  EXPECT_NEAR(m8.psnr, mt.psnr, 1e-5);
  EXPECT_NEAR(m8.ssim, mt.ssim, 1e-6);
  // And against the definition: MSE of byte differences / 255^2.
  double se = 0;
  for (size_t i = 0; i < a.size(); ++i) se += std::pow((a[i] - b[i]) / 255.0, 2);
  EXPECT_NEAR(m8.mse, se / a.size(), 1e-15);
}

TEST(Metrics, Rgb8KnownValue) {
  std::vector<uint8_t> a(12 * 12 * 3, 100), b(12 * 12 * 3, 110);
  FrameMetrics m = compare_rgb8(a.data(), b.data(), 12, 12);
  EXPECT_NEAR(m.psnr, 20 * std::log10(25.5), 1e-10);  // 1 / (10/255)
}

TEST(Metrics, UnbatchedLayoutAndShapeErrors) {
  HostTensor a({3, 2, 12, 12}, 0.f), b({3, 2, 12, 12}, 0.2f);
  VideoMetrics v = compare_videos(a, b);
  EXPECT_EQ(v.frames.size(), 2u);
  EXPECT_NEAR(v.psnr_mean, 20.0, 1e-5);
  HostTensor c({3, 2, 12, 13}, 0.f);
  try {
    compare_videos(a, c);
    FAIL() << "expected a shape error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
  }
  EXPECT_THROW(compare_frame(a, b, 2), Error);
}

namespace {

// [1, 3, 1, H, W] from a function of (channel, y, x) giving values in [0, 1].
template <class F>
HostTensor video_from(int h, int w, F f) {
  HostTensor v({1, 3, 1, h, w});
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        v.data[static_cast<size_t>((c * h + y) * w + x)] = static_cast<float>(2 * f(c, y, x) - 1);
  return v;
}

// Textured content: a smooth diagonal ramp plus a sine pattern, per channel.
double texture(int c, int y, int x) {
  return 0.5 + 0.3 * std::sin(0.37 * x + 0.23 * y + c) * std::cos(0.11 * x - 0.29 * y) + 0.002 * (x + y);
}

// The texture averaged over cell x cell blocks whose edges lie at `offset` mod cell:
// what a decoder that only gets the coarse subband right produces.
HostTensor cell_averaged(int h, int w, int cell, int offset) {
  return video_from(h, w, [&](int c, int y, int x) {
    auto start = [&](int v) { return ((v - offset) / cell) * cell + offset - (v < offset ? cell : 0); };
    const int y0 = start(y), x0 = start(x);
    double sum = 0;
    int n = 0;
    for (int yy = std::max(0, y0); yy < std::min(h, y0 + cell); ++yy)
      for (int xx = std::max(0, x0); xx < std::min(w, x0 + cell); ++xx, ++n) sum += texture(c, yy, xx);
    return sum / n;
  });
}

}  // namespace

TEST(Metrics, CellEdgeRatioByHand) {
  // One row of 9 pixels: the only cell edge is between x = 7 and x = 8.
  std::vector<double> planes[3];
  for (auto& p : planes) p = {0, 0, 0, 0, 0, 0, 0, 0, 1};
  const double f = kBlockinessFloor;
  EXPECT_NEAR(cell_edge_ratio(planes, 1, 9), (1 + f) / f, 1e-9);
  // The same step one pixel earlier lies inside the cell: 1 edge step of 0, 7 inside steps
  // of mean 1/7.
  for (auto& p : planes) p = {0, 0, 0, 0, 0, 0, 0, 1, 1};
  EXPECT_NEAR(cell_edge_ratio(planes, 1, 9), f / (1.0 / 7 + f), 1e-9);
  // Flat: 1. No cell edge (8x8): NaN.
  for (auto& p : planes) p.assign(9, 0.25);
  EXPECT_NEAR(cell_edge_ratio(planes, 1, 9), 1.0, 1e-12);
  for (auto& p : planes) p.assign(64, 0.25);
  EXPECT_TRUE(std::isnan(cell_edge_ratio(planes, 8, 8)));
  EXPECT_THROW(cell_edge_ratio(planes, 8, 8, 1), Error);
  EXPECT_THROW(cell_edge_ratio(planes, 8, 9), Error);  // planes of 64 values are not 8x9
}

TEST(Metrics, BlockinessSeesTheLatentGridOnly) {
  const int h = 32, w = 48;
  HostTensor input = video_from(h, w, texture);
  EXPECT_NEAR(compare_frame(input, input, 0).blockiness, 1.0, 1e-12);
  // Flat 8x8 cells on the latent grid: steps only across cell edges.
  const double on_grid = compare_frame(input, cell_averaged(h, w, 8, 0), 0).blockiness;
  EXPECT_GT(on_grid, 3.0);
  // The same cells shifted by 4 px: as blocky to the eye, but not the model's grid, so the
  // ratio says the cell edges carry less than their share.
  const double off_grid = compare_frame(input, cell_averaged(h, w, 8, 4), 0).blockiness;
  EXPECT_LT(off_grid, 1.0);
  // A blur (3x3 box) loses detail without any grid.
  HostTensor blurred = video_from(h, w, [&](int c, int y, int x) {
    double sum = 0;
    int n = 0;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
        if (y + dy >= 0 && y + dy < h && x + dx >= 0 && x + dx < w) sum += texture(c, y + dy, x + dx), ++n;
    return sum / n;
  });
  const FrameMetrics b = compare_frame(input, blurred, 0);
  EXPECT_LT(b.psnr, 60.0);
  EXPECT_NEAR(b.blockiness, 1.0, 0.1);
  // Video mean.
  VideoMetrics v = compare_videos(input, cell_averaged(h, w, 8, 0));
  EXPECT_DOUBLE_EQ(v.blockiness_mean, on_grid);
}
