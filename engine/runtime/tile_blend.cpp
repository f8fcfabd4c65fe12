#include "runtime/tile_blend.h"

#include <vector>

#include "core/error.h"

namespace wfvae {

tiling::Grid latent_grid(int64_t h, int64_t w, const tiling::TileSize& t) {
  tiling::check_tile_size(t);
  tiling::Grid g = tiling::pixel_grid(h * 8, w * 8, t);
  g.rows = tiling::scale_spans(g.rows, 1, 8);
  g.cols = tiling::scale_spans(g.cols, 1, 8);
  return g;
}

at::Tensor tile_of(const at::Tensor& x, const tiling::Grid& latent, size_t r, size_t c, int64_t scale) {
  return x.narrow(3, latent.rows[r].begin * scale, latent.rows[r].size() * scale)
      .narrow(4, latent.cols[c].begin * scale, latent.cols[c].size() * scale)
      .contiguous();
}

void TileBlend::add(const std::string& name, const at::Tensor& tile, size_t r, size_t c) {
  const tiling::Span row = grid_.rows[r], col = grid_.cols[c];
  const int64_t scale = tile.size(3) / row.size();
  if (scale < 1 || tile.size(3) != row.size() * scale || tile.size(4) != col.size() * scale)
    fail_runtime("tiling: tile output " + shape_string(tile.sizes().vec()) + " does not match its tile");
  const auto rows = tiling::scale_spans(grid_.rows, scale, 1), cols = tiling::scale_spans(grid_.cols, scale, 1);
  Acc& a = acc_[name];
  if (!a.sum.defined()) {
    auto sizes = tile.sizes().vec();
    sizes[3] = rows.back().end;
    sizes[4] = cols.back().end;
    a.host = HostTensor(sizes);  // zeros; the result is returned without a copy
    a.sum = at::from_blob(a.host.data.data(), sizes, at::kFloat);
    a.weight = at::zeros({sizes[3], sizes[4]}, at::kFloat);
  }
  std::vector<float> wy = tiling::blend_weights(rows, r), wx = tiling::blend_weights(cols, c);
  at::Tensor w = at::outer(at::from_blob(wy.data(), {static_cast<int64_t>(wy.size())}, at::kFloat),
                           at::from_blob(wx.data(), {static_cast<int64_t>(wx.size())}, at::kFloat));
  a.sum.narrow(3, rows[r].begin, rows[r].size())
      .narrow(4, cols[c].begin, cols[c].size())
      .add_(tile.to(at::kCPU, at::kFloat) * w);
  a.weight.narrow(0, rows[r].begin, rows[r].size()).narrow(1, cols[c].begin, cols[c].size()).add_(w);
}

HostTensor TileBlend::take(const std::string& name) {
  auto it = acc_.find(name);
  if (it == acc_.end()) return {};
  it->second.sum.div_(it->second.weight);
  HostTensor out = std::move(it->second.host);
  acc_.erase(it);
  return out;
}

}  // namespace wfvae
