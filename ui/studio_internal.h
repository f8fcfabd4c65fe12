// Pieces of the Studio class shared by its source files (studio.cpp: actions and
// state; studio_window.cpp: window, frame, layout, main loop; headless/script_host.cpp:
// startup and the ScriptHost side of the scripted runs). Not for the panels.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "studio.h"

namespace wfvae::studio {

// Milliseconds since this process started, library loading included (studio_window.cpp).
double process_age_ms();

// A .safetensors file of latents, not a model's weights (pipeline::is_latents_file).
bool is_latents_path(const std::string& path);

inline double steady_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace wfvae::studio
