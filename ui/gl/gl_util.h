// Small RAII wrappers over the GL objects the studio uses: shader programs built from
// the embedded GLSL, textures (RGB8 frames, R32F coefficient planes), render targets.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "gl/gl.h"

namespace wfvae::studio {

// Each wrapper below owns GL names and deletes them when destroyed, so a copy would
// delete them twice: the one rule against copying, for all of them.
class GlOwner {
 protected:
  GlOwner() = default;
  ~GlOwner() = default;
  GlOwner(const GlOwner&) = delete;
  GlOwner& operator=(const GlOwner&) = delete;
  GlOwner(GlOwner&&) noexcept = default;
  GlOwner& operator=(GlOwner&&) noexcept = default;
};

// A program from embedded files: "#version 330 core", common.glsl, then the stage.
class ShaderProgram : private GlOwner {
 public:
  ShaderProgram() = default;
  ~ShaderProgram();

  // Throws std::runtime_error with the compiler's log naming the file. `defines`
  // ("#define X\n" lines) go before common.glsl in both stages.
  void build(const char* vertex_file, const char* fragment_file, const char* defines = "");
  bool valid() const { return id_ != 0; }
  void use() const;
  GLint location(const char* name);
  void set(const char* name, int v);
  void set(const char* name, float v);
  void set(const char* name, float x, float y);
  void set(const char* name, float x, float y, float z);
  void set_ivec2(const char* name, int x, int y);

 private:
  GLuint id_ = 0;
  std::unordered_map<std::string, GLint> locations_;
};

class Texture : private GlOwner {
 public:
  Texture() = default;
  ~Texture();
  Texture(Texture&& o) noexcept;
  Texture& operator=(Texture&& o) noexcept;

  // Packed RGB24 rows, row 0 = top.
  void upload_rgb8(int width, int height, const uint8_t* rgb);
  // One float per texel, row 0 = top.
  void upload_r32f(int width, int height, const float* values);
  void set_filter(bool nearest);
  GLuint id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }
  bool valid() const { return id_ != 0; }

 private:
  void ensure(int width, int height, GLint internal_format, GLenum format, GLenum type);
  GLuint id_ = 0;
  int width_ = 0, height_ = 0;
  GLint internal_format_ = 0;
  bool nearest_ = true;
};

// An offscreen RGBA8 target whose colour texture the UI then draws as an image.
class RenderTarget : private GlOwner {
 public:
  RenderTarget() = default;
  ~RenderTarget();

  // (Re)allocates when the size changes; binds it and sets the viewport.
  void begin(int width, int height, bool nearest_display);
  // Back to the window's framebuffer.
  static void end(int framebuffer_width, int framebuffer_height);
  GLuint texture() const { return texture_; }
  int width() const { return width_; }
  int height() const { return height_; }
  // The target's pixels as packed RGB24, row 0 = top.

 private:
  GLuint fbo_ = 0, texture_ = 0;
  int width_ = 0, height_ = 0;
};

// Draws the full-viewport quad (fullscreen.vert) with the bound program.
void draw_fullscreen_quad();
// Pixels of the window's back buffer in the rectangle (x, y from the top-left, in
// framebuffer pixels) as packed RGB24 rows, row 0 = top.
std::vector<uint8_t> read_window_rgb(int x, int y, int width, int height, int framebuffer_height);

}  // namespace wfvae::studio
