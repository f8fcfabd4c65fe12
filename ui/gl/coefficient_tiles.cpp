#include "gl/coefficient_tiles.h"

#include <stdexcept>

namespace wfvae::studio {

struct CoefficientTiles::Tile {
  Texture coeffs;
  RenderTarget colored;
};

CoefficientTiles::CoefficientTiles() {
  try {
    program_.build("fullscreen.vert", "coefficients.frag");
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

CoefficientTiles::~CoefficientTiles() = default;

GLuint CoefficientTiles::render(int width, int height, const float* values, float scale, int fb_w, int fb_h) {
  if (used_ >= tiles_.size()) tiles_.push_back(std::make_unique<Tile>());
  Tile& t = *tiles_[used_++];
  t.coeffs.upload_r32f(width, height, values);
  t.colored.begin(width, height, true);
  program_.use();
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, t.coeffs.id());
  program_.set("u_coeffs", 0);
  program_.set("u_scale", scale);
  draw_fullscreen_quad();
  glUseProgram(0);
  RenderTarget::end(fb_w, fb_h);
  return t.colored.texture();
}

}  // namespace wfvae::studio
