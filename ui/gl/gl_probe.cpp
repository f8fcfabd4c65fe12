#include "gl/gl_probe.h"

#include <cstdio>

#include "gl/gl.h"

#include <GLFW/glfw3.h>

namespace wfvae::studio {

namespace {
std::string gl_string(GLenum name) {
  const GLubyte* s = glGetString(name);
  return s ? reinterpret_cast<const char*>(s) : "?";
}
std::string last_glfw_error() {
  const char* text = nullptr;
  glfwGetError(&text);
  return text ? text : "unknown reason";
}
}  // namespace

std::string describe_current_gl() {
  return "OpenGL " + gl_string(GL_VERSION) + "; GLSL " + gl_string(GL_SHADING_LANGUAGE_VERSION) + "; renderer " +
         gl_string(GL_RENDERER) + "; vendor " + gl_string(GL_VENDOR);
}

std::string current_gl_renderer() { return gl_string(GL_RENDERER); }

int print_gl_info() {
  if (!glfwInit()) {
    std::printf("no: cannot start GLFW (%s); set DISPLAY, or run under xvfb-run -a\n", last_glfw_error().c_str());
    return 3;
  }
  glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  GLFWwindow* w = glfwCreateWindow(64, 64, "wfvae-studio --gl-info", nullptr, nullptr);
  if (!w) {
    std::printf("no: no OpenGL 3.3 core context (%s)\n", last_glfw_error().c_str());
    glfwTerminate();
    return 3;
  }
  glfwMakeContextCurrent(w);
  std::printf("yes: %s\n", describe_current_gl().c_str());
  glfwDestroyWindow(w);
  glfwTerminate();
  return 0;
}

}  // namespace wfvae::studio
