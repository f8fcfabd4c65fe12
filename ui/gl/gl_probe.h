// Can this machine give the studio its OpenGL 3.3 core context? `wfvae-studio
// --gl-info` answers (for `wfvae doctor`, which links no GL), and Help > About
// shows the same description of the context in use.
#pragma once

#include <string>

namespace wfvae::studio {

// "OpenGL 4.5 (Core Profile) Mesa 22.3.6; GLSL 4.50; renderer llvmpipe (LLVM 15.0.6, 256 bits); vendor Mesa"
// for the context current on this thread.
std::string describe_current_gl();

// GL_RENDERER of the context current on this thread ("llvmpipe (LLVM 15.0.6, 256 bits)").
std::string current_gl_renderer();

// Creates a hidden 3.3 core window, prints describe_current_gl() (or why it could
// not) to stdout and returns the exit code: 0, or 3 when no context can be made.
int print_gl_info();

}  // namespace wfvae::studio
