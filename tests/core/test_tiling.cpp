#include "core/tiling.h"

#include <gtest/gtest.h>

#include <numeric>

#include "core/error.h"

using namespace wfvae;
using namespace wfvae::tiling;

namespace {

// Every position covered, neighbours share at least `overlap`, starts aligned, all
// tiles the same size and inside the extent.
void expect_valid(const std::vector<Span>& s, int64_t extent, int64_t tile, int64_t overlap, int64_t align) {
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s.front().begin, 0);
  EXPECT_EQ(s.back().end, extent);
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].begin % align, 0);
    EXPECT_EQ(s[i].size(), std::min(tile, extent));
    if (i > 0) {
      EXPECT_GT(s[i].begin, s[i - 1].begin);
      EXPECT_GE(s[i - 1].end - s[i].begin, overlap) << "tiles " << i - 1 << " and " << i;
    }
  }
}

}  // namespace

TEST(Tiling, SpansCoverWithOverlapForManyExtents) {
  for (int64_t extent = 8; extent <= 1088; extent += 8)
    for (int64_t tile : {int64_t{32}, int64_t{64}, int64_t{128}, int64_t{256}})
      for (int64_t overlap : {int64_t{0}, int64_t{8}, int64_t{16}, tile / 4, tile / 2}) {
        SCOPED_TRACE("extent " + std::to_string(extent) + " tile " + std::to_string(tile) + " overlap " +
                     std::to_string(overlap));
        expect_valid(tile_spans(extent, tile, overlap, 8), extent, tile, overlap, 8);
      }
}

TEST(Tiling, LatentAndPixelGridsAreTheSameGrid) {
  for (int64_t h : {64, 136, 1080 / 8 * 8, 720}) {
    const auto px = tile_spans(h, 128, 32, 8);
    const auto lat = tile_spans(h / 8, 16, 4, 1);
    EXPECT_EQ(scale_spans(lat, 8, 1), px);
  }
}

TEST(Tiling, OneTileWhenItFits) {
  EXPECT_EQ(tile_spans(64, 64, 16, 8), (std::vector<Span>{{0, 64}}));
  EXPECT_EQ(tile_spans(48, 64, 16, 8), (std::vector<Span>{{0, 48}}));
  // 1920 with 256-pixel tiles and 64 overlap: ceil((1920 - 64) / 192) = 10 tiles.
  EXPECT_EQ(tile_spans(1920, 256, 64, 8).size(), 10u);
}

TEST(Tiling, BlendWeightsPartitionUnity) {
  // Normalised weights sum to exactly one everywhere, and inside a tile's own
  // interior (away from every neighbour) its weight is 1.
  for (int64_t extent : {64, 200, 536, 1080}) {
    const auto spans = tile_spans(extent, 64, 16, 8);
    std::vector<double> sum(static_cast<size_t>(extent), 0.0);
    for (size_t i = 0; i < spans.size(); ++i) {
      const auto w = blend_weights(spans, i);
      ASSERT_EQ(static_cast<int64_t>(w.size()), spans[i].size());
      for (size_t k = 0; k < w.size(); ++k) {
        EXPECT_GT(w[k], 0.0f);
        EXPECT_LE(w[k], 1.0f);
        sum[static_cast<size_t>(spans[i].begin) + k] += w[k];
      }
    }
    for (int64_t p = 0; p < extent; ++p) EXPECT_GT(sum[static_cast<size_t>(p)], 0.0) << p;
    // Two tiles whose overlap is exactly one shared region: the ramps sum to 1.
    if (spans.size() == 2) {
      const auto a = blend_weights(spans, 0), b = blend_weights(spans, 1);
      for (int64_t p = spans[1].begin; p < spans[0].end; ++p)
        EXPECT_NEAR(a[static_cast<size_t>(p - spans[0].begin)] + b[static_cast<size_t>(p - spans[1].begin)], 1.0, 1e-6);
    }
  }
}

TEST(Tiling, RampsAreLinearAndEdgesAreOne) {
  const std::vector<Span> spans = {{0, 64}, {48, 112}};
  const auto a = blend_weights(spans, 0), b = blend_weights(spans, 1);
  EXPECT_FLOAT_EQ(a[0], 1.0f);   // frame edge
  EXPECT_FLOAT_EQ(a[47], 1.0f);  // before the overlap
  EXPECT_FLOAT_EQ(a[48], 15.5f / 16);
  EXPECT_FLOAT_EQ(a[63], 0.5f / 16);
  EXPECT_FLOAT_EQ(b[0], 0.5f / 16);
  EXPECT_FLOAT_EQ(b[15], 15.5f / 16);
  EXPECT_FLOAT_EQ(b[63], 1.0f);  // frame edge
}

TEST(Tiling, UserTileSizesAreChecked) {
  EXPECT_NO_THROW(check_tile_size({0, 0}));
  EXPECT_NO_THROW(check_tile_size({256, 64}));
  EXPECT_NO_THROW(check_tile_size({32, 16}));
  for (TileSize bad : {TileSize{24, 0}, TileSize{100, 16}, TileSize{256, 12}, TileSize{256, 136}, TileSize{256, -8}}) {
    try {
      check_tile_size(bad);
      ADD_FAILURE() << bad.tile << "/" << bad.overlap << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Usage);
    }
  }
  EXPECT_EQ(default_overlap(256), 64);
  EXPECT_EQ(default_overlap(32), 8);
  EXPECT_EQ(default_overlap(96), 24);
}

TEST(Tiling, PixelGridCountsTiles) {
  EXPECT_EQ(pixel_grid(1080, 1920, {}).count(), 1u);
  const Grid g = pixel_grid(1080, 1920, {256, 64});
  EXPECT_EQ(g.rows.size(), 6u);  // ceil((1080 - 64) / 192)
  EXPECT_EQ(g.cols.size(), 10u);
  EXPECT_EQ(g.rows.back().end, 1080);
}
