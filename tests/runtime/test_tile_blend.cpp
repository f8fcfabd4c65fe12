// TileBlend on its own: tiles cut from a tensor and blended back give the tensor;
// a field that differs per tile blends into a weighted mean of the tiles that
// cover each position; outputs at other scales (the encoder's Haar levels, the
// decoder's pixels) land on the same grid; a tile of the wrong shape is refused.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/error.h"
#include "runtime/tile_blend.h"

namespace wfvae {
namespace {

// A latent of 12 x 20 cells (96 x 160 pixels) in tiles of 64 px overlapping by 16.
tiling::Grid test_grid() { return latent_grid(12, 20, {64, 16}); }

TEST(TileBlend, TheGridCoversTheLatentWithOverlappingTiles) {
  const tiling::Grid g = test_grid();
  ASSERT_GE(g.rows.size(), 2u);
  ASSERT_GE(g.cols.size(), 3u);
  EXPECT_EQ(g.rows.front().begin, 0);
  EXPECT_EQ(g.rows.back().end, 12);
  EXPECT_EQ(g.cols.back().end, 20);
  for (size_t i = 1; i < g.cols.size(); ++i) EXPECT_LT(g.cols[i].begin, g.cols[i - 1].end) << "no overlap at " << i;
}

TEST(TileBlend, TilesCutFromATensorBlendBackToIt) {
  const tiling::Grid g = test_grid();
  for (int64_t scale : {1, 2, 4, 8}) {
    at::manual_seed(7);
    const at::Tensor x = at::randn({1, 3, 2, 12 * scale, 20 * scale});
    TileBlend blend(g);
    for (size_t r = 0; r < g.rows.size(); ++r)
      for (size_t c = 0; c < g.cols.size(); ++c) blend.add("x", tile_of(x, g, r, c, scale), r, c);
    const HostTensor out = blend.take("x");
    ASSERT_EQ(out.shape, x.sizes().vec()) << "scale " << scale;
    const at::Tensor back = at::from_blob(const_cast<float*>(out.data.data()), out.shape, at::kFloat);
    EXPECT_TRUE(at::allclose(back, x, 1e-6, 1e-6))
        << "scale " << scale << ": max error " << (back - x).abs().max().item<float>();
  }
}

TEST(TileBlend, OverlapsAreWeightedMeansAndTheRestIsTheTileItself) {
  // Two tiles side by side, each a constant: 0 on the left tile, 1 on the right.
  const tiling::Grid g = latent_grid(4, 12, {64, 32});
  ASSERT_EQ(g.rows.size(), 1u);
  ASSERT_EQ(g.cols.size(), 2u);
  TileBlend blend(g);
  for (size_t c = 0; c < 2; ++c) {
    const int64_t w = g.cols[c].size();
    blend.add("z", at::full({1, 1, 1, 4, w}, static_cast<float>(c)), 0, c);
  }
  const HostTensor out = blend.take("z");
  ASSERT_EQ(out.shape, (std::vector<int64_t>{1, 1, 1, 4, 12}));
  const int64_t shared_begin = g.cols[1].begin, shared_end = g.cols[0].end;
  ASSERT_LT(shared_begin, shared_end);
  float last = -1;
  for (int64_t x = 0; x < 12; ++x) {
    const float v = out.data[static_cast<size_t>(x)];
    if (x < shared_begin)
      EXPECT_EQ(v, 0.0f) << "x " << x;
    else if (x >= shared_end)
      EXPECT_EQ(v, 1.0f) << "x " << x;
    else {
      EXPECT_GT(v, 0.0f) << "x " << x;
      EXPECT_LT(v, 1.0f) << "x " << x;
      EXPECT_GT(v, last) << "the blend should rise across the overlap, x " << x;
    }
    last = v;
    for (int64_t y = 1; y < 4; ++y) EXPECT_EQ(out.data[static_cast<size_t>(y * 12 + x)], v) << "rows differ";
  }
}

TEST(TileBlend, NamesAreSeparateAndTakeEmpties) {
  const tiling::Grid g = latent_grid(4, 4, {64, 16});
  TileBlend blend(g);
  blend.add("a", at::ones({1, 2, 1, 4, 4}), 0, 0);
  EXPECT_TRUE(blend.take("b").empty());
  const HostTensor a = blend.take("a");
  ASSERT_EQ(a.numel(), 32);
  for (float v : a.data) EXPECT_EQ(v, 1.0f);
  EXPECT_TRUE(blend.take("a").empty()) << "take hands the tensor over";
}

TEST(TileBlend, ATileOfTheWrongShapeIsARuntimeError) {
  const tiling::Grid g = latent_grid(4, 4, {64, 16});
  TileBlend blend(g);
  try {
    blend.add("x", at::zeros({1, 1, 1, 8, 12}), 0, 0);  // 2x in height, 3x in width
    FAIL() << "a 8x12 output of a 4x4 tile was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Runtime);
    EXPECT_NE(std::string(e.what()).find("does not match its tile"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wfvae
