// How often the studio redraws while a job runs and nothing else moves (the progress
// bar, the streaming curve). On a software OpenGL renderer (Mesa llvmpipe under Xvfb,
// a VM or a remote desktop) every frame is rasterised by the same CPU cores that run
// the inference: at 15 Hz llvmpipe took ~2.9 CPU-seconds of a 7 s first run and made
// it ~1.5 s slower (docs/studio.md), so there the progress refreshes at 4 Hz. Results
// that arrive (a decoded chunk) and input still redraw at once. Pure, tested without
// a window (tests/studio/).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>

namespace wfvae::studio {

// GL_RENDERER strings of renderers that draw on the CPU.
inline bool is_software_renderer(const std::string& gl_renderer) {
  std::string r = gl_renderer;
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* name : {"llvmpipe", "softpipe", "swrast", "swiftshader", "software rasterizer", "gdi generic",
                           "microsoft basic render"})
    if (r.find(name) != std::string::npos) return true;
  return false;
}

// Seconds between redraws while busy with nothing else to show.
inline double busy_refresh_period(bool software_renderer) { return software_renderer ? 1.0 / 4.0 : 1.0 / 15.0; }

}  // namespace wfvae::studio
