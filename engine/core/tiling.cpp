#include "core/tiling.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace wfvae::tiling {

std::vector<Span> tile_spans(int64_t extent, int64_t tile, int64_t overlap, int64_t align) {
  if (align <= 0 || tile <= 0 || extent <= 0 || tile % align || extent % align || overlap < 0 || overlap >= tile)
    fail_usage("tiling: bad geometry (extent " + std::to_string(extent) + ", tile " + std::to_string(tile) +
               ", overlap " + std::to_string(overlap) + ", align " + std::to_string(align) + ")");
  // Work in units of `align` so that pixel and latent grids are the same grid.
  const int64_t u = extent / align, t = tile / align, ov = (overlap + align - 1) / align;
  if (t >= u) return {{0, extent}};
  const int64_t step = std::max<int64_t>(1, t - ov);
  const int64_t n = std::max<int64_t>(2, (u - ov + step - 1) / step);
  std::vector<Span> out;
  for (int64_t i = 0; i < n; ++i) {
    // Evenly spread starts (rounded to the nearest unit); neighbours then share at
    // least `ov` units because (n - 1) * (t - ov) >= u - t.
    const int64_t s = (2 * i * (u - t) + (n - 1)) / (2 * (n - 1));
    out.push_back({s * align, (s + t) * align});
  }
  return out;
}

std::vector<float> blend_weights(const std::vector<Span>& spans, size_t i) {
  const Span me = spans.at(i);
  std::vector<float> w(static_cast<size_t>(me.size()), 1.0f);
  if (i > 0) {
    const int64_t shared = std::min(spans[i - 1].end, me.end) - me.begin;
    for (int64_t k = 0; k < shared; ++k)
      w[static_cast<size_t>(k)] = std::min(w[static_cast<size_t>(k)], static_cast<float>((k + 0.5) / shared));
  }
  if (i + 1 < spans.size()) {
    const int64_t from = std::max(spans[i + 1].begin, me.begin);
    const int64_t shared = me.end - from;
    for (int64_t p = from; p < me.end; ++p) {
      const size_t k = static_cast<size_t>(p - me.begin);
      w[k] = std::min(w[k], static_cast<float>((me.end - p - 0.5) / shared));
    }
  }
  return w;
}

std::vector<Span> scale_spans(const std::vector<Span>& spans, int64_t num, int64_t den) {
  std::vector<Span> out;
  for (const Span& s : spans) {
    if ((s.begin * num) % den || (s.end * num) % den)
      fail_runtime("tiling: span [" + std::to_string(s.begin) + ", " + std::to_string(s.end) + ") does not scale by " +
                   std::to_string(num) + "/" + std::to_string(den));
    out.push_back({s.begin * num / den, s.end * num / den});
  }
  return out;
}

void check_tile_size(const TileSize& t) {
  if (t.tile == 0) return;
  if (t.tile < 32 || t.tile % 8)
    fail_usage("tile size " + std::to_string(t.tile) + ": tiles are square, at least 32 pixels and a multiple of 8");
  if (t.overlap < 0 || t.overlap % 8 || t.overlap > t.tile / 2)
    fail_usage("tile overlap " + std::to_string(t.overlap) + ": must be a multiple of 8 from 0 to half the tile (" +
               std::to_string(t.tile / 2) + ")");
}

int default_overlap(int tile) { return std::max(8, tile / 4 / 8 * 8); }

Grid pixel_grid(int64_t height, int64_t width, const TileSize& t) {
  Grid g;
  if (!t.enabled()) {
    g.rows = {{0, height}};
    g.cols = {{0, width}};
    return g;
  }
  g.rows = tile_spans(height, t.tile, t.overlap, 8);
  g.cols = tile_spans(width, t.tile, t.overlap, 8);
  return g;
}

}  // namespace wfvae::tiling
