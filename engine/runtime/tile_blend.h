// Spatial tiles stitched back together: the latent tile grid of a frame size, the
// cut of one tile out of a tensor, and the weighted blend of overlapping tile
// outputs (the blend weights are core/tiling.h's). Engine-internal: includes LibTorch.
#pragma once

#include <ATen/ATen.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "core/host_tensor.h"
#include "core/tiling.h"

namespace wfvae {

// The tile grid of a latent of h x w: the pixel grid (the one the studio draws)
// in latent units.
tiling::Grid latent_grid(int64_t h, int64_t w, const tiling::TileSize& t);

// Tile (r, c) of x, a [N, C, T, H, W] tensor at `scale` times the latent grid,
// copied out contiguous.
at::Tensor tile_of(const at::Tensor& x, const tiling::Grid& latent, size_t r, size_t c, int64_t scale);

// Tensors stitched from overlapping tiles: the weighted sum of the tiles over the
// sum of the weights, accumulated on the host in f32 so that device memory holds
// one tile at a time. Each tensor's scale to the latent grid comes from its shape
// (the encoder's Haar levels are 4x and 2x, the decoder's output 8x).
class TileBlend {
 public:
  explicit TileBlend(const tiling::Grid& latent) : grid_(latent) {}

  // Adds tile (r, c)'s output under `name`. A tile whose height and width are not
  // the same integer multiple of its latent tile is a Runtime error.
  void add(const std::string& name, const at::Tensor& tile, size_t r, size_t c);
  // The blended tensor (empty when nothing was added under `name`).
  HostTensor take(const std::string& name);

 private:
  struct Acc {
    HostTensor host;
    at::Tensor sum, weight;  // sum: a view of host
  };
  tiling::Grid grid_;
  std::map<std::string, Acc> acc_;
};

}  // namespace wfvae
