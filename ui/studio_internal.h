// Pieces of the Studio class shared by its source files (studio.cpp: actions and
// state; studio_window.cpp: window, frame, layout, main loop; studio_script.cpp:
// startup and the scripted/headless runs). Not for the panels.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"
#include "studio.h"

namespace wfvae::studio {

inline double steady_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// State of a scripted run (studio_script.cpp), and the UI benchmark's samples.
struct Studio::Script {
  int step = 0;
  int settle = 0;
  double started = 0;
  bool during_run_taken = false;
  // UI benchmark: frame intervals and work times while the worker is busy.
  std::vector<double> intervals_ms, work_ms;
  double busy_seconds = 0;
  // The same after the work is done (the clip still playing): the UI's own cost.
  std::vector<double> idle_intervals_ms, idle_work_ms;
  std::vector<double> build_ms, render_ms, swap_ms;  // parts of the busy frames
  double idle_seconds = 0;
  double idle_until = 0;
};

}  // namespace wfvae::studio
