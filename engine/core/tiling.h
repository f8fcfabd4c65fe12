// Spatial tiling with overlap: where the tiles of a frame go and how their overlaps
// are blended. The reference has no spatial tiling (its enable_tiling chunks time
// only); this follows diffusers' enable_tiling and ComfyUI's VAEDecodeTiled:
// overlapping tiles, each run on its own, blended linearly across the overlap.
// Torch-free: the engine applies it to tensors, the studio draws the grid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wfvae::tiling {

// A half-open range [begin, end) along one axis.
struct Span {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
  bool operator==(const Span& o) const { return begin == o.begin && end == o.end; }
};

// Tiles of `tile` covering [0, extent) so that neighbours share at least `overlap`;
// starts are multiples of `align` and spread evenly (the last tile ends at `extent`).
// One span [0, extent) when the extent fits in one tile. Requires align | tile,
// align | extent, 0 <= overlap < tile.
std::vector<Span> tile_spans(int64_t extent, int64_t tile, int64_t overlap, int64_t align);

// The blend weight of each position of spans[i] (spans[i].size() values): a linear
// ramp from 0 to 1 across the part shared with the previous tile and from 1 to 0
// across the part shared with the next one, 1 elsewhere and at the frame's edges.
// Ramp values are (k + 0.5) / n so that no weight is 0; the caller divides by the
// sum of weights, which makes any number of overlapping tiles an exact partition.
std::vector<float> blend_weights(const std::vector<Span>& spans, size_t i);

// Scales spans by num/den (e.g. latent spans to pixels: 8/1; pixels to the
// encoder's H/2 Haar level: 1/2). Every end must scale to an integer.
std::vector<Span> scale_spans(const std::vector<Span>& spans, int64_t num, int64_t den);

// Tile size and overlap in pixels; tile 0 means no spatial tiling.
struct TileSize {
  int tile = 0;
  int overlap = 0;
  bool enabled() const { return tile > 0; }
};

// Usage errors for a tile size given by a user (multiples of 8, tile >= 32,
// 0 <= overlap <= tile / 2), naming the value.
void check_tile_size(const TileSize& t);

// The default overlap for a tile: a quarter of it, in multiples of 8.
int default_overlap(int tile);

// The grid of a frame of height x width in pixels, for display and plans:
// rows and columns of pixel spans (single spans when the tile covers the frame).
struct Grid {
  std::vector<Span> rows, cols;
  size_t count() const { return rows.size() * cols.size(); }
};
Grid pixel_grid(int64_t height, int64_t width, const TileSize& t);

}  // namespace wfvae::tiling
