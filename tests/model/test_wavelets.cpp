// Haar transforms: the causal 3-D transform and its inverse, the per-frame 2-D
// pair, their band layout and their round trips.
#include <gtest/gtest.h>

#include "model/layers.h"

using namespace wfvae::model;

namespace {
double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }
}  // namespace

TEST(Haar3D, ShapesAndBandLayout) {
  HaarWaveletTransform3D haar;
  at::Tensor x = at::randn({2, 3, 9, 8, 12});
  at::Tensor y = haar.forward(x);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 24, 5, 4, 6}));
  // Frame 0 comes from the pair (x0, x0): its time-high bands (_v: filters 4..7) vanish.
  EXPECT_LT(max_abs(y.narrow(1, 12, 12).narrow(2, 0, 1)), 1e-6);
  // LLL of channel c at frame k, pixel (i, j) = 0.3536 * sum over the 2x2x2 block.
  at::Tensor block = x.narrow(2, 3, 2).narrow(3, 2, 2).narrow(4, 4, 2).sum({2, 3, 4});  // frame k=2: x3, x4
  at::Tensor lll = y.narrow(2, 2, 1).select(3, 1).select(3, 2).squeeze(2);              // [B, 24]
  EXPECT_LT(max_abs(lll.narrow(1, 0, 3) - 0.3536f * block), 1e-5);
  // Band 1 (g) of channel 1 is column-differencing: (-1)^d.
  at::Tensor xs = x.narrow(2, 3, 2).narrow(3, 2, 2).narrow(4, 4, 2);
  at::Tensor g = (xs.select(4, 0) - xs.select(4, 1)).sum({2, 3}) * 0.3536f;
  EXPECT_LT(max_abs(y.narrow(2, 2, 1).select(3, 1).select(3, 2).squeeze(2).narrow(1, 3, 3) - g), 1e-5);
}

TEST(Haar3D, RoundTripScalesBy8x0p3536Squared) {
  // The reference rounds 1/sqrt(8) to 0.3536, so forward + inverse is not exactly the
  // identity: every sample comes back multiplied by 8 * 0.3536^2 = 1.00024...
  HaarWaveletTransform3D fwd;
  InverseHaarWaveletTransform3D inv;
  at::Tensor x = at::randn({1, 3, 17, 16, 16});
  at::Tensor r = inv.forward(fwd.forward(x));
  ASSERT_EQ(r.sizes(), x.sizes());
  const float gain = 8.f * 0.3536f * 0.3536f;
  EXPECT_LT(max_abs(r - x * gain), 1e-5);
  EXPECT_GT(max_abs(r - x), 1e-5);  // and it is not the identity
}

TEST(Haar2D, RoundTripIsExact) {
  HaarWaveletTransform2D fwd;
  InverseHaarWaveletTransform2D inv;
  at::Tensor x = at::randn({1, 3, 5, 8, 10});
  at::Tensor y = fwd.forward(x);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 12, 5, 4, 5}));
  EXPECT_LT(max_abs(inv.forward(y) - x), 1e-6);
  // aa band = mean-preserving: sum / 2.
  at::Tensor blk = x.narrow(3, 0, 2).narrow(4, 0, 2).sum({3, 4});
  EXPECT_LT(max_abs(y.narrow(1, 0, 3).select(3, 0).select(3, 0) - blk / 2), 1e-6);
}

TEST(Haar3D, ChunkedTransformMatchesWholeVideo) {
  // The causal cache of the chunked path: later chunks are not padded with frame 0.
  HaarWaveletTransform3D haar;
  at::Tensor x = at::randn({1, 3, 9, 8, 8});
  at::Tensor whole = haar.forward(x);
  haar.chunk.enable_cached = true;
  haar.chunk.is_first_chunk = true;
  at::Tensor a = haar.forward(x.narrow(2, 0, 1));
  haar.chunk.is_first_chunk = false;
  at::Tensor b = haar.forward(x.narrow(2, 1, 4));
  at::Tensor c = haar.forward(x.narrow(2, 5, 4));
  EXPECT_LT(max_abs(at::cat({a, b, c}, 2) - whole), 1e-6);
}

TEST(Haar, FilterConstantsMatchTheReference) {
  at::Tensor f = haar3d_filters();
  EXPECT_EQ(f.sizes(), (std::vector<int64_t>{8, 1, 2, 2, 2}));
  EXPECT_FLOAT_EQ(f[0][0][0][0][0].item<float>(), 0.3536f);
  // gh_v = (-1)^(a+b+d): at a=1, b=0, d=1 -> +.
  EXPECT_FLOAT_EQ(f[7][0][1][0][1].item<float>(), 0.3536f);
  EXPECT_FLOAT_EQ(f[7][0][1][1][1].item<float>(), -0.3536f);
  at::Tensor g = haar2d_filters();
  EXPECT_FLOAT_EQ(g[1][0][1][0].item<float>(), -0.5f);  // ad: (-1)^row
  EXPECT_FLOAT_EQ(g[2][0][0][1].item<float>(), -0.5f);  // da: (-1)^col
}

TEST(CausalConv3d, PadsWithFirstFrameOnly) {
  CausalConv3d conv(1, 1, 3, 1, 1, false);
  at::Tensor x = at::randn({1, 1, 4, 5, 5});
  // A time-only kernel that picks the earliest tap: output frame 0 sees frame 0 (padding).
  at::Tensor& w = *conv.named_tensors()[0].tensor;
  w = at::zeros({1, 1, 3, 3, 3});
  w[0][0][0][1][1] = 1.0f;
  at::Tensor y = conv.forward(x);
  EXPECT_EQ(y.sizes(), x.sizes());
  EXPECT_LT(max_abs(y.select(2, 0) - x.select(2, 0)), 1e-6);
  EXPECT_LT(max_abs(y.select(2, 1) - x.select(2, 0)), 1e-6);
  EXPECT_LT(max_abs(y.select(2, 3) - x.select(2, 1)), 1e-6);
}

TEST(SliceTime, PythonSemantics) {
  at::Tensor x = at::arange(6).reshape({1, 1, 6, 1, 1});
  EXPECT_EQ(slice_time(x, -2, kSliceEnd).size(2), 2);
  EXPECT_EQ(slice_time(x, 0, -4).size(2), 2);
  EXPECT_EQ(slice_time(x, -10, 2).size(2), 2);
  EXPECT_EQ(slice_time(x, 5, 3).size(2), 0);
  EXPECT_EQ(slice_time(x, -2, -1)[0][0][0][0][0].item<int64_t>(), 4);
}
