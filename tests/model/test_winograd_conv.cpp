// winograd_conv3d (engine/model/winograd_conv.h): the same convolution as a direct
// one, to float32 rounding, for every shape it accepts; refuses the ones it does not
// compute; its cached kernels follow the weight.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/small_config.h"
#include "model/layers.h"
#include "model/wfvae_model.h"
#include "model/winograd_conv.h"
#include "runtime/op_profile.h"

using namespace wfvae::model;

namespace {

at::Tensor randn(at::IntArrayRef shape, uint64_t seed) {
  return at::randn(shape, at::detail::createCPUGenerator(seed));
}

struct Case {
  int64_t n, c, k, kt, t, h, w, ph, pw;
  bool bias;
  int64_t workspace;  // bytes; small ones force many bands of frames and tile rows
};

// Max |a - b| over max |b|.
double relative_error(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b).abs().max().item<double>() / std::max(1e-30, b.abs().max().item<double>());
}

}  // namespace

TEST(WinogradConv, EqualsTheDirectConvolution) {
  const Case cases[] = {
      {1, 32, 32, 3, 5, 8, 8, 1, 1, true, 16 << 20},    // one band
      {1, 48, 40, 3, 7, 12, 20, 1, 1, true, 64 << 10},  // bands of frames and rows
      {2, 32, 64, 1, 3, 10, 6, 1, 1, false, 16 << 20},  // a 2-D (1x3x3) kernel, batch 2, no bias
      {1, 40, 32, 3, 4, 10, 14, 0, 0, true, 8 << 10},   // no spatial padding, one tile row per band
      {1, 32, 32, 2, 3, 6, 8, 1, 0, true, 16 << 20},    // kt = 2, padding on one axis only
      {1, 64, 32, 3, 3, 2, 2, 1, 1, true, 16 << 20},    // a single output tile
      {1, 40, 48, 3, 6, 16, 24, 1, 1, true, 96 << 10},  // 4x4 tiles in bands of frames and rows
      {1, 32, 32, 3, 3, 4, 4, 1, 1, true, 16 << 20},    // a single 4x4 tile
  };
  int seed = 1, tiles4 = 0;
  for (const Case& cs : cases) {
    SCOPED_TRACE(::testing::Message() << "C " << cs.c << " K " << cs.k << " kt " << cs.kt << " T " << cs.t << " "
                                      << cs.h << "x" << cs.w << " pad " << cs.ph << "," << cs.pw << " workspace "
                                      << cs.workspace);
    const at::Tensor x = randn({cs.n, cs.c, cs.t, cs.h, cs.w}, seed++);
    const at::Tensor w = randn({cs.k, cs.c, cs.kt, 3, 3}, seed++) / std::sqrt(9.0 * cs.kt * cs.c);
    const at::Tensor b = cs.bias ? randn({cs.k}, seed++) : at::Tensor();
    // The exact result (float64) and what a direct float32 convolution makes of it.
    const at::Tensor exact = at::conv3d(x.to(at::kDouble), w.to(at::kDouble), b.defined() ? b.to(at::kDouble) : b,
                                        {1, 1, 1}, {0, cs.ph, cs.pw});
    const at::Tensor direct = at::conv3d(x, w, b, {1, 1, 1}, {0, cs.ph, cs.pw});
    const double direct_err = relative_error(direct, exact);
    for (int tile : {2, 4}) {
      if (exact.size(3) % tile != 0 || exact.size(4) % tile != 0) continue;
      const at::Tensor y = winograd_conv3d(x, w, b, cs.ph, cs.pw, cs.workspace, tile);
      ASSERT_EQ(y.sizes(), exact.sizes()) << "tile " << tile;
      const double err = relative_error(y, exact);
      EXPECT_LT(err, 1e-5) << "tile " << tile;
      // The same order as direct float32 rounding (F(4x4) has larger transform constants).
      EXPECT_LT(err, (tile == 2 ? 10 : 40) * direct_err + 1e-6) << "tile " << tile << ", direct " << direct_err;
      if (tile == 4) tiles4 += 1;
    }
  }
  EXPECT_GE(tiles4, 4);  // the cases that divide into 4x4 tiles
}

TEST(WinogradConv, TakesOnlyTheConvolutionsItComputesAndThatPay) {
  // It computes any channel count (above); it is taken where it beats oneDNN's direct kernels.
  const at::Tensor x = at::zeros({1, 128, 9, 16, 16}), w = at::zeros({128, 128, 3, 3, 3});
  EXPECT_EQ(winograd_tile(x, w, 1, 1, 1, 1, 1), 2);  // 16x16 x 7 frames: too few pixels for F(4x4)
  EXPECT_EQ(winograd_tile(at::zeros({1, 128, 9, 32, 32}), w, 1, 1, 1, 1, 1), 4);
  EXPECT_EQ(0, winograd_tile(x, w, 1, 2, 2, 1, 1));                                  // stride 2
  EXPECT_EQ(0, winograd_tile(x, w, 2, 1, 1, 1, 1));                                  // temporal stride
  EXPECT_EQ(0, winograd_tile(at::zeros({1, 128, 9, 17, 16}), w, 1, 1, 1, 1, 1));     // odd output height
  EXPECT_EQ(0, winograd_tile(x, w, 1, 1, 1, 2, 2));                                  // padding 2
  EXPECT_EQ(0, winograd_tile(at::zeros({1, 128, 2, 16, 16}), w, 1, 1, 1, 1, 1));     // fewer frames than taps
  EXPECT_EQ(0, winograd_tile(x, at::zeros({128, 128, 3, 5, 5}), 1, 1, 1, 1, 1));     // 5x5 kernel
  EXPECT_EQ(0, winograd_tile(x.to(at::kDouble), w.to(at::kDouble), 1, 1, 1, 1, 1));  // float64
  // Where the transforms do not pay. F(4x4) (output divisible by 4): under 128 channels
  // x taps, frames under 16x16, under 2048 output pixels over all frames.
  EXPECT_NE(0, winograd_tile(at::zeros({1, 64, 9, 64, 64}), at::zeros({64, 64, 3, 3, 3}), 1, 1, 1, 1, 1));
  EXPECT_EQ(0, winograd_tile(at::zeros({1, 32, 9, 64, 64}), at::zeros({32, 32, 3, 3, 3}), 1, 1, 1, 1, 1));
  EXPECT_EQ(0, winograd_tile(at::zeros({1, 64, 9, 64, 64}), at::zeros({64, 64, 1, 3, 3}), 1, 1, 1, 1, 1));
  EXPECT_NE(0, winograd_tile(at::zeros({1, 128, 9, 64, 64}), at::zeros({128, 128, 1, 3, 3}), 1, 1, 1, 1, 1));
  EXPECT_EQ(0, winograd_tile(at::zeros({1, 128, 40, 8, 8}), w, 1, 1, 1, 1, 1));
  EXPECT_EQ(0, winograd_tile(at::zeros({1, 128, 5, 16, 16}), w, 1, 1, 1, 1, 1));  // 16x16 x 3 frames
  // F(2x2) (output even, not divisible by 4): under 128 channels, too few tiles.
  const at::Tensor w512 = at::zeros({512, 512, 3, 3, 3});
  EXPECT_EQ(winograd_tile(at::zeros({1, 512, 13, 10, 10}), w512, 1, 1, 1, 1, 1), 2);  // 25 tiles x 11 frames
  EXPECT_EQ(0, winograd_tile(at::zeros({1, 512, 5, 10, 10}), w512, 1, 1, 1, 1, 1));   // 25 tiles x 3 frames
  EXPECT_EQ(0, winograd_tile(at::zeros({1, 64, 9, 66, 66}), at::zeros({64, 64, 3, 3, 3}), 1, 1, 1, 1, 1));
}

TEST(WinogradConv, KernelTransformIsGgGt) {
  const at::Tensor w = randn({4, 3, 2, 3, 3}, 7);
  const std::vector<double> g2 = {1, 0, 0, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0, 0, 1};
  const std::vector<double> g4 = {1.0 / 4,  0,         0,        -1.0 / 6, -1.0 / 6, -1.0 / 6,
                                  -1.0 / 6, 1.0 / 6,   -1.0 / 6, 1.0 / 24, 1.0 / 12, 1.0 / 6,
                                  1.0 / 24, -1.0 / 12, 1.0 / 6,  0,        0,        1};
  for (int tile : {2, 4}) {
    const auto& g = tile == 2 ? g2 : g4;
    const at::Tensor G = at::tensor(g, at::kDouble).reshape({tile + 2, 3});
    const at::Tensor expected =
        at::einsum("ir,kctrs,js->tijkc", {G, w.to(at::kDouble), G}).reshape({2, (tile + 2) * (tile + 2), 4, 3});
    EXPECT_LT(relative_error(winograd_transform_weight(w, tile), expected), 1e-6) << "tile " << tile;
  }
}

// The model's convolutions take it in inference (a CausalConv3d and a frame-wise
// Conv2d of 128 channels at 16x16), and give what the autograd path (the reference's
// arithmetic: direct convolutions) gives.
TEST(WinogradConv, ModelConvolutionsTakeItAndMatchTheAutogradPath) {
  CausalConv3d causal(128, 128, 3, 1, 1);
  Conv2d framewise(128, 128, 3, 1, 1);
  int seed = 20;
  for (Module* m : {static_cast<Module*>(&causal), static_cast<Module*>(&framewise)})
    for (auto& nt : m->named_tensors()) *nt.tensor = randn(nt.tensor->sizes(), seed++) * 0.05;
  const at::Tensor x = randn({1, 128, 5, 16, 16}, 30);
  for (Module* m : {static_cast<Module*>(&causal), static_cast<Module*>(&framewise)}) {
    at::Tensor fast, reference;
    std::vector<wfvae::profiling::ProfileEntry> ops;
    {
      at::NoGradGuard no_grad;
      wfvae::profiling::OpProfile profile;
      fast = m->forward(x);
      ops = profile.finish();
    }
    {
      at::AutoGradMode grad(true);
      reference = m->forward(x).detach();
    }
    ASSERT_EQ(fast.sizes(), reference.sizes());
    EXPECT_LT(relative_error(fast, reference.to(at::kDouble)), 1e-5);
    const bool taken = std::any_of(ops.begin(), ops.end(), [](const auto& e) { return e.name == "WinogradConv3d"; });
    EXPECT_EQ(taken, winograd_enabled());
  }
}

// A whole model whose decoder has 64-128 channels at 32x32 and 64x64: the inference
// path takes Winograd convolutions and reconstructs what the autograd path (direct
// convolutions everywhere) reconstructs.
TEST(WinogradConv, WholeModelMatchesTheAutogradPath) {
  wfvae::model::WFVAEModel m(small_model_config(64, "groupnorm", 8));
  m.init_random(9);
  const at::Tensor x = randn({1, 3, 9, 64, 64}, 40).clamp(-1, 1);
  at::Tensor fast, reference;
  std::vector<wfvae::profiling::ProfileEntry> ops;
  {
    at::NoGradGuard no_grad;
    wfvae::profiling::OpProfile profile;
    const at::Tensor z = m.encode(x);
    fast = m.decode(z.narrow(1, 0, z.size(1) / 2));
    ops = profile.finish();
  }
  {
    at::AutoGradMode grad(true);
    const at::Tensor z = m.encode(x);
    reference = m.decode(z.narrow(1, 0, z.size(1) / 2)).detach();
  }
  const auto winograd = std::find_if(ops.begin(), ops.end(), [](const auto& e) { return e.name == "WinogradConv3d"; });
  if (winograd_enabled()) {
    ASSERT_NE(winograd, ops.end());
    EXPECT_GE(winograd->calls, 4);
  }
  EXPECT_LT(relative_error(fast, reference.to(at::kDouble)), 1e-5);
}
