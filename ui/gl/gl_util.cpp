#include "gl/gl_util.h"

#include <algorithm>
#include <stdexcept>

#include "gl/embedded_files.h"

namespace wfvae::studio {

namespace {

// After a compile or a link: on failure, the driver's log in the exception, and the
// object deleted. Get/GetLog/Delete are the shader or the program variants.
template <typename GetIv, typename GetLog, typename Delete>
void throw_unless_ok(GLuint id, GLenum status, GetIv get, GetLog get_log, Delete destroy, const std::string& what) {
  GLint ok = 0;
  get(id, status, &ok);
  if (ok) return;
  char log[4096] = {0};
  get_log(id, sizeof log, nullptr, log);
  destroy(id);
  throw std::runtime_error(what + log);
}

GLuint compile(GLenum stage, const char* file, const char* defines) {
  const char* body = embedded_file(file);
  const char* common = embedded_file("common.glsl");
  if (!body || !common) throw std::runtime_error(std::string("shader ") + file + " is not embedded in this build");
  const char* parts[] = {"#version 330 core\n", defines, common, "\n#line 1\n", body};
  GLuint s = glCreateShader(stage);
  glShaderSource(s, 5, parts, nullptr);
  glCompileShader(s);
  throw_unless_ok(s, GL_COMPILE_STATUS, glGetShaderiv, glGetShaderInfoLog, glDeleteShader,
                  std::string("shaders/") + file + " does not compile: ");
  return s;
}

GLuint empty_vao() {
  // Core profile needs a bound VAO even when the vertices come from gl_VertexID.
  static GLuint vao = 0;
  if (!vao) glGenVertexArrays(1, &vao);
  return vao;
}

}  // namespace

ShaderProgram::~ShaderProgram() {
  if (id_) glDeleteProgram(id_);
}

void ShaderProgram::build(const char* vertex_file, const char* fragment_file, const char* defines) {
  GLuint vs = compile(GL_VERTEX_SHADER, vertex_file, defines);
  GLuint fs;
  try {
    fs = compile(GL_FRAGMENT_SHADER, fragment_file, defines);
  } catch (...) {
    glDeleteShader(vs);
    throw;
  }
  GLuint p = glCreateProgram();
  glAttachShader(p, vs);
  glAttachShader(p, fs);
  glLinkProgram(p);
  glDeleteShader(vs);
  glDeleteShader(fs);
  throw_unless_ok(p, GL_LINK_STATUS, glGetProgramiv, glGetProgramInfoLog, glDeleteProgram,
                  std::string("shaders ") + vertex_file + " + " + fragment_file + " do not link: ");
  if (id_) glDeleteProgram(id_);
  id_ = p;
  locations_.clear();
}

void ShaderProgram::use() const { glUseProgram(id_); }

GLint ShaderProgram::location(const char* name) {
  auto it = locations_.find(name);
  if (it != locations_.end()) return it->second;
  const GLint loc = glGetUniformLocation(id_, name);
  locations_.emplace(name, loc);
  return loc;
}

void ShaderProgram::set(const char* name, int v) { glUniform1i(location(name), v); }
void ShaderProgram::set(const char* name, float v) { glUniform1f(location(name), v); }
void ShaderProgram::set(const char* name, float x, float y) { glUniform2f(location(name), x, y); }
void ShaderProgram::set(const char* name, float x, float y, float z) { glUniform3f(location(name), x, y, z); }
void ShaderProgram::set_ivec2(const char* name, int x, int y) { glUniform2i(location(name), x, y); }

// ---------------------------------------------------------------- Texture

Texture::~Texture() {
  if (id_) glDeleteTextures(1, &id_);
}

Texture::Texture(Texture&& o) noexcept { *this = std::move(o); }

Texture& Texture::operator=(Texture&& o) noexcept {
  if (this != &o) {
    if (id_) glDeleteTextures(1, &id_);
    id_ = o.id_;
    width_ = o.width_;
    height_ = o.height_;
    internal_format_ = o.internal_format_;
    nearest_ = o.nearest_;
    o.id_ = 0;
  }
  return *this;
}

void Texture::ensure(int width, int height, GLint internal_format, GLenum format, GLenum type) {
  if (!id_) {
    glGenTextures(1, &id_);
    glBindTexture(GL_TEXTURE_2D, id_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    nearest_ = true;
  }
  glBindTexture(GL_TEXTURE_2D, id_);
  if (width != width_ || height != height_ || internal_format != internal_format_) {
    glTexImage2D(GL_TEXTURE_2D, 0, internal_format, width, height, 0, format, type, nullptr);
    width_ = width;
    height_ = height;
    internal_format_ = internal_format;
  }
}

void Texture::upload_rgb8(int width, int height, const uint8_t* rgb) {
  // Stored as RGBA8: software rasterizers sample 4-byte texels faster than 3-byte ones.
  ensure(width, height, GL_RGBA8, GL_RGB, GL_UNSIGNED_BYTE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);  // rows of 3 * width bytes are not 4-aligned
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, rgb);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
}

void Texture::upload_r32f(int width, int height, const float* values) {
  ensure(width, height, GL_R32F, GL_RED, GL_FLOAT);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RED, GL_FLOAT, values);
}

void Texture::set_filter(bool nearest) {
  if (!id_ || nearest == nearest_) return;
  nearest_ = nearest;
  glBindTexture(GL_TEXTURE_2D, id_);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, nearest ? GL_NEAREST : GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, nearest ? GL_NEAREST : GL_LINEAR);
}

// ---------------------------------------------------------------- RenderTarget

RenderTarget::~RenderTarget() {
  if (fbo_) glDeleteFramebuffers(1, &fbo_);
  if (texture_) glDeleteTextures(1, &texture_);
}

void RenderTarget::begin(int width, int height, bool nearest_display) {
  width = std::max(1, width);
  height = std::max(1, height);
  if (!fbo_) {
    glGenFramebuffers(1, &fbo_);
    glGenTextures(1, &texture_);
  }
  glBindTexture(GL_TEXTURE_2D, texture_);
  if (width != width_ || height != height_) {
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture_, 0);
    width_ = width;
    height_ = height;
  }
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, nearest_display ? GL_NEAREST : GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, nearest_display ? GL_NEAREST : GL_LINEAR);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glViewport(0, 0, width_, height_);
  glDisable(GL_SCISSOR_TEST);
  glDisable(GL_BLEND);
}

void RenderTarget::end(int framebuffer_width, int framebuffer_height) {
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glViewport(0, 0, framebuffer_width, framebuffer_height);
}

void draw_fullscreen_quad() {
  glBindVertexArray(empty_vao());
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
}

std::vector<uint8_t> read_window_rgb(int x, int y, int width, int height, int framebuffer_height) {
  std::vector<uint8_t> flipped(static_cast<size_t>(width) * height * 3), out(flipped.size());
  glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(x, framebuffer_height - y - height, width, height, GL_RGB, GL_UNSIGNED_BYTE, flipped.data());
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  const size_t row = static_cast<size_t>(width) * 3;
  for (int r = 0; r < height; ++r)
    std::copy_n(flipped.data() + static_cast<size_t>(height - 1 - r) * row, row,
                out.data() + static_cast<size_t>(r) * row);
  return out;
}

}  // namespace wfvae::studio
