// The scripted runs behind the headless flags (--simulate-drop, --rerun-with,
// --ab-chunked, --normlab, --export, --show, --screenshot, --dump-state,
// --dump-layout, --ui-bench, --during-run): a driver outside the studio class that
// takes the steps a user would take, through the studio's public actions only
// (ScriptHost), one step per frame once the worker is idle.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "options.h"
#include "panel_context.h"

namespace wfvae::studio {

// What a scripted run may do beyond a panel: the studio implements it.
class ScriptHost : public PanelContext {
 public:
  virtual const Options& options() const = 0;
  // Work a script step waits for: jobs, a model load, captures not taken yet.
  virtual bool busy() const = 0;
  // A file dropped on the window, through its registered drop handler as a real drop.
  virtual void simulate_drop(const std::string& path) = 0;
  // Shown and counted like any error (the exit code reports the worst).
  virtual void report_error(ErrorKind kind, const std::string& text) = 0;
  virtual void set_exit_code(int code) = 0;
  // "help", "about", "export", "open" or "model": that dialog opens.
  virtual void show_dialog(const std::string& name) = 0;
  // --view, --pair, --frame, --split, --zoom, --diff-*, --wavelet-level applied.
  virtual void apply_view_options() = 0;
  // The norm lab's candidates chosen by a spec (NormLabPanel::select), then started.
  virtual bool select_normlab(const std::string& spec, std::string* error) = 0;
  virtual void start_selected_normlab() = 0;
  virtual Rect normlab_table_rect() const = 0;
  // The export dialog's every output with default names into `folder`.
  virtual bool start_scripted_export(const std::string& folder, bool overwrite, std::string* error) = 0;
  // --dump-state: the clip, the model, the runs, the view, messages, the norm lab, exports.
  virtual json::Value state_json() const = 0;
  // --dump-layout: the panels' rectangles.
  virtual json::Value layout_json() const = 0;
  // How the frame loop runs (worker niceness, software GL, refresh), for --ui-bench.
  virtual json::Value frame_loop_json() const = 0;
  // The whole window in logical pixels (a screenshot's rectangle).
  virtual Rect window_rect() const = 0;
  // Parks the pointer in the window's corner, so no hover depends on where it was.
  virtual void park_pointer() = 0;
};

class ScriptDriver {
 public:
  explicit ScriptDriver(ScriptHost& host);
  // After each frame drawn from `start` to `end` (the previous began at
  // prev_start): its times are sampled, then the next step runs. False when the
  // scripted run is over (its outputs written).
  bool after_frame(bool worker_busy, double prev_start, double start, double end, double build_ms, double render_ms,
                   double swap_ms);
  // As a run's streamed metrics arrive: --during-run's state and capture, once,
  // the first time a run is part done.
  void on_run_metrics();

 private:
  bool step();
  void drop_files();
  void rerun();
  void start_normlab();
  void write_tables();
  void show();
  void capture();
  void write_outputs();
  json::Value ui_bench_json() const;

  ScriptHost& host_;
  const Options& opts_;
  int step_ = 0;
  int settle_ = 0;
  double started_ = 0;
  bool during_run_taken_ = false;
  // UI benchmark: frame intervals and work times while the worker is busy, then the
  // same after the work is done (the clip still playing): the UI's own cost.
  std::vector<double> intervals_ms_, work_ms_, build_ms_, render_ms_, swap_ms_;
  double busy_seconds_ = 0;
  std::vector<double> idle_intervals_ms_, idle_work_ms_;
  double idle_seconds_ = 0;
  double idle_until_ = 0;
};

}  // namespace wfvae::studio
