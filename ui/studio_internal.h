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

// Milliseconds since this process started, library loading included (studio_window.cpp).
double process_age_ms();

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

  // One frame drawn from `start` to `end` (the previous began at `prev_start`):
  // its times go to the busy or the idle samples.
  void record_frame(bool worker_busy, double prev_start, double start, double end, double build_ms, double render_ms,
                    double swap_ms) {
    if (worker_busy) {
      intervals_ms.push_back((start - prev_start) * 1000);
      work_ms.push_back((end - start) * 1000);
      busy_seconds += start - prev_start;
      this->build_ms.push_back(build_ms);
      this->render_ms.push_back(render_ms);
      this->swap_ms.push_back(swap_ms);
    } else if (idle_until > 0) {
      idle_intervals_ms.push_back((start - prev_start) * 1000);
      idle_work_ms.push_back((end - start) * 1000);
      idle_seconds += start - prev_start;
    }
  }
};

}  // namespace wfvae::studio
