#include "headless/script_driver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "core/fileutil.h"
#include "panels/normlab_panel.h"

namespace wfvae::studio {

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Percentile of a sample (nearest rank).
double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(std::ceil(q * v.size())) - (q > 0 ? 1 : 0));
  return v[k];
}

json::Value stats_json(const std::vector<double>& v) {
  json::Value s = json::Object{};
  double sum = 0, mx = 0;
  for (double x : v) sum += x, mx = std::max(mx, x);
  s["count"] = static_cast<int64_t>(v.size());
  s["mean"] = v.empty() ? 0.0 : sum / v.size();
  s["p50"] = percentile(v, 0.5);
  s["p95"] = percentile(v, 0.95);
  s["p99"] = percentile(v, 0.99);
  s["max"] = mx;
  return s;
}

}  // namespace

ScriptDriver::ScriptDriver(ScriptHost& host) : host_(host), opts_(host.options()), started_(steady_seconds()) {
  if (opts_.isolated()) host_.park_pointer();
}

bool ScriptDriver::after_frame(bool worker_busy, double prev_start, double start, double end, double build_ms,
                               double render_ms, double swap_ms) {
  if (worker_busy) {
    intervals_ms_.push_back((start - prev_start) * 1000);
    work_ms_.push_back((end - start) * 1000);
    busy_seconds_ += start - prev_start;
    build_ms_.push_back(build_ms);
    render_ms_.push_back(render_ms);
    swap_ms_.push_back(swap_ms);
  } else if (idle_until_ > 0) {
    idle_intervals_ms_.push_back((start - prev_start) * 1000);
    idle_work_ms_.push_back((end - start) * 1000);
    idle_seconds_ += start - prev_start;
  }
  return step();
}

void ScriptDriver::on_run_metrics() {
  // The first time a run is part done, its state is written and the window captured
  // (deterministically, however many chunks the worker has posted meanwhile).
  if (opts_.during_run.empty() || during_run_taken_ || !host_.doc().current_run()) return;
  const Run& r = *host_.doc().current_run();
  int64_t measured = 0;
  for (int64_t i = 0; i < r.count(); ++i) measured += r.has_metrics(i);
  if (r.state != Run::State::Running || measured == 0 || measured >= r.count()) return;
  during_run_taken_ = true;
  const std::string prefix = opts_.during_run;
  try {
    write_file_atomic(prefix + ".json", json::dump(host_.state_json(), 2) + "\n", true);
  } catch (const std::exception& e) {
    host_.message(Message::Level::Error, e.what());
  }
  ScriptHost& host = host_;
  host_.request_capture(host_.window_rect(), false, [&host, prefix](media::RgbFrame img) {
    try {
      media::write_png(prefix + ".png", img, true);
    } catch (const std::exception& e) {
      host.message(Message::Level::Error, e.what());
    }
  });
}

// The actions a user would take (drops, a re-run, the A/B, the norm lab, exports),
// then the view options and dialogs, a few frames to settle, the captures, the UI
// benchmark's idle frames, and the outputs. False when it is over.
bool ScriptDriver::step() {
  if (steady_seconds() - started_ > opts_.timeout_s) {
    host_.message(Message::Level::Error, fmt("gave up after %.0f s (--timeout)", opts_.timeout_s));
    host_.set_exit_code(124);
    host_.cancel_jobs();
    return false;
  }
  if (host_.busy() && step_ < 8) return true;
  switch (step_++) {
    case 0: drop_files(); return true;  // the initial model and clip are in
    case 1: rerun(); return true;
    case 2:
      if (opts_.ab_chunked) host_.start_ab_chunked();
      return true;
    case 3: start_normlab(); return true;
    case 4: write_tables(); return true;
    case 5:
      show();
      settle_ = 4;  // a few frames for layout, textures and the wavelet cache
      return true;
    case 6:
      if (--settle_ > 0) {
        --step_;
        return true;
      }
      capture();
      return true;
    case 7:
      // Captures were taken at the end of the last frame; its layout is the one shown.
      if (!opts_.ui_bench.empty()) {
        host_.set_playing(true);
        idle_until_ = steady_seconds() + 4;  // then 4 s of idle frames for comparison
      }
      return true;
    case 8:
      if (steady_seconds() < idle_until_) {
        --step_;
        return true;
      }
      break;
    default: break;
  }
  write_outputs();
  return false;
}

void ScriptDriver::drop_files() {
  for (const auto& p : opts_.simulate_drops) host_.simulate_drop(p);
}

// --rerun-with: one setting changed, then a run (the first stays as "previous").
void ScriptDriver::rerun() {
  if (opts_.rerun_with.empty()) return;
  const std::string& r = opts_.rerun_with;
  const ModelInfo& model = host_.model();
  if (!model.loaded) return host_.report_error(ErrorKind::BadInput, "--rerun-with needs a loaded model");
  if (r == "chunked" || r == "direct") {
    set_setting(host_, &Settings::chunked, r == "chunked");
  } else if (r == "layernorm") {
    host_.set_norm(NormSetting{"layernorm", host_.norm().groups});
  } else if (r.rfind("groupnorm", 0) == 0) {
    const int g = r.size() > 10 && r[9] == ':' ? std::atoi(r.c_str() + 10) : model.trained.norm_num_groups;
    if (const std::string problem = num_groups_problem(model.trained, g); !problem.empty())
      return host_.report_error(ErrorKind::Usage, model.name + ": " + problem);
    host_.set_norm(NormSetting{"groupnorm", g});
  } else {
    return host_.report_error(ErrorKind::Usage,
                              "--rerun-with: \"" + r + "\" is not layernorm, groupnorm[:G], chunked or direct");
  }
  host_.request_run();
}

void ScriptDriver::start_normlab() {
  if (opts_.normlab.empty()) return;
  std::string err;
  if (!host_.select_normlab(opts_.normlab, &err)) return host_.report_error(ErrorKind::Usage, err);
  host_.start_selected_normlab();
}

// --normlab-csv and --export, once the work before them is done.
void ScriptDriver::write_tables() {
  if (!opts_.normlab_csv.empty()) {
    try {
      write_file_atomic(opts_.normlab_csv, normlab_csv(host_.doc().lab().rows), opts_.overwrite);
    } catch (const std::exception& e) {
      host_.report_error(ErrorKind::BadInput, e.what());
    }
  }
  std::string err;
  if (!opts_.export_dir.empty() && !host_.start_scripted_export(opts_.export_dir, opts_.overwrite, &err))
    host_.report_error(ErrorKind::BadInput, err);
}

// The view options and the dialog (--show) of the final screenshot.
void ScriptDriver::show() {
  host_.apply_view_options();
  if (!opts_.show.empty()) host_.show_dialog(opts_.show);
  if (!opts_.normlab_png.empty() && opts_.view.empty()) host_.set_view(View::NormLab);
  host_.set_playing(false);
}

// --normlab-png and --screenshot, read back at the end of this frame.
void ScriptDriver::capture() {
  ScriptHost& host = host_;
  auto write_png_to = [&host](const std::string& path, bool overwrite) {
    return [&host, path, overwrite](media::RgbFrame img) {
      try {
        media::write_png(path, img, overwrite);
      } catch (const std::exception& e) {
        host.report_error(ErrorKind::BadInput, e.what());
      }
    };
  };
  if (!opts_.normlab_png.empty()) {
    if (host_.view() != View::NormLab)
      host_.report_error(ErrorKind::Usage, "--normlab-png needs --view normlab (or no --view)");
    else
      host_.request_capture(host_.normlab_table_rect(), false, write_png_to(opts_.normlab_png, opts_.overwrite));
  }
  if (!opts_.screenshot.empty())
    host_.request_capture(host_.window_rect(), false, write_png_to(opts_.screenshot, true));
}

// --dump-layout, --dump-state and --ui-bench.
void ScriptDriver::write_outputs() {
  try {
    if (!opts_.dump_layout.empty())
      write_file_atomic(opts_.dump_layout, json::dump(host_.layout_json(), 2) + "\n", true);
    if (!opts_.dump_state.empty()) write_file_atomic(opts_.dump_state, json::dump(host_.state_json(), 2) + "\n", true);
    if (!opts_.ui_bench.empty()) write_file_atomic(opts_.ui_bench, json::dump(ui_bench_json(), 2) + "\n", true);
  } catch (const std::exception& e) {
    host_.report_error(ErrorKind::BadInput, e.what());
  }
}

// The UI benchmark: frame times while the worker was busy, and while idle after.
json::Value ScriptDriver::ui_bench_json() const {
  json::Value b = json::Object{};
  b["frame_interval_ms"] = stats_json(intervals_ms_);
  b["frame_work_ms"] = stats_json(work_ms_);
  b["busy_seconds"] = busy_seconds_;
  b["frames_while_busy"] = static_cast<int64_t>(intervals_ms_.size());
  b["fps_while_busy"] = busy_seconds_ > 0 ? intervals_ms_.size() / busy_seconds_ : 0.0;
  b["busy_build_ms"] = stats_json(build_ms_);
  b["busy_render_ms"] = stats_json(render_ms_);
  b["busy_swap_ms"] = stats_json(swap_ms_);
  b["idle_frame_interval_ms"] = stats_json(idle_intervals_ms_);
  b["idle_frame_work_ms"] = stats_json(idle_work_ms_);
  b["fps_idle"] = idle_seconds_ > 0 ? idle_intervals_ms_.size() / idle_seconds_ : 0.0;
  double load[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    std::fclose(f);
  }
  b["load_average_1min"] = load[0];
  const json::Value loop = host_.frame_loop_json();
  for (const auto& [key, value] : loop.as_object()) b[key] = value;
  b["view"] = view_name(host_.view());
  b["frame_cap_fps"] = 60;
  b["cores"] = static_cast<int64_t>(std::thread::hardware_concurrency());
  b["note"] =
      "frame_interval_ms: time between frame starts (includes the 60 fps cap's sleep); frame_work_ms: "
      "UI build + render + swap; both only while the inference worker was busy, with the clip playing";
  if (host_.doc().current_run() && host_.doc().current_run()->result)
    b["inference_total_ms"] = host_.doc().current_run()->result->timings.total_ms;
  return b;
}

}  // namespace wfvae::studio
