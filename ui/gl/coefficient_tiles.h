// Float planes (wavelet subbands, latent channels) through the signed colormap of
// shaders/coefficients.frag: each plane is rendered at its own resolution into a
// texture of its own, which the panel then draws enlarged (nearest filtering). The
// wavelet view and the latent view share it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gl/gl_util.h"

namespace wfvae::studio {

class CoefficientTiles {
 public:
  CoefficientTiles();  // builds the program; error() says why it failed
  ~CoefficientTiles();
  const std::string& error() const { return error_; }
  // Every frame, before the first render: the tiles of the last frame are reused.
  void begin_frame() { used_ = 0; }
  // The texture of `values` (width x height, row 0 = top) coloured with |v| = scale at
  // the ends; valid until the next begin_frame. Restores the framebuffer and viewport.
  GLuint render(int width, int height, const float* values, float scale, int framebuffer_width, int framebuffer_height);

 private:
  struct Tile;
  ShaderProgram program_;
  std::string error_;
  std::vector<std::unique_ptr<Tile>> tiles_;
  size_t used_ = 0;
};

}  // namespace wfvae::studio
