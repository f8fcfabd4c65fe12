// Startup (what opens first) and the scripted runs behind the headless flags:
// simulated drops, re-runs, the norm lab, exports, screenshots, layout and state
// dumps, and the UI benchmark.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <GLFW/glfw3.h>
#include <imgui.h>

#include "core/assets.h"
#include "core/norm_setting.h"
#include "core/fileutil.h"
#include "panels/export_dialog.h"
#include "render_pacing.h"
#include "panels/normlab_panel.h"
#include "studio_internal.h"
#include "panels/viewer_panel.h"
#include "panels/wavelet_panel.h"

namespace wfvae::studio {

namespace fs = std::filesystem;

namespace {

// Percentile of a sample (nearest rank).
double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(std::ceil(q * v.size())) - (q > 0 ? 1 : 0));
  return v[k];
}

json::Value run_json(const Run& r) {
  json::Value j = json::Object{};
  j["id"] = r.id;
  j["label"] = r.settings.label();
  j["norm_type"] = r.settings.norm_type;
  j["num_groups"] = r.settings.num_groups;
  j["chunked"] = r.settings.chunked;
  j["state"] = r.state == Run::State::Running     ? "running"
               : r.state == Run::State::Done      ? "done"
               : r.state == Run::State::Cancelled ? "cancelled"
                                                  : "failed";
  j["error"] = r.error;
  j["frames_decoded"] = r.decoded;
  j["psnr_mean"] = r.psnr_mean();
  j["ssim_mean"] = r.ssim_mean();
  j["blockiness_mean"] = r.blockiness_mean();
  json::Array per;
  for (int64_t i = 0; i < r.count(); ++i)
    per.emplace_back(r.has_metrics(i) ? json::Value(r.frame_metrics[i].psnr) : json::Value());
  j["psnr_per_frame"] = json::Value(per);
  if (r.result) {
    j["psnr_8bit_mean"] = r.result->metrics_8bit.psnr_mean;
    j["encode_ms"] = r.result->timings.encode_ms;
    j["decode_ms"] = r.result->timings.decode_ms;
    j["read_ms"] = r.result->timings.read_ms;
    j["metrics_ms"] = r.result->timings.metrics_ms;
    j["total_ms"] = r.result->timings.total_ms;
    j["frames"] = r.result->frames;
    json::Array notes;
    for (const auto& n : r.result->notes) notes.emplace_back(studio_note(n));
    j["notes"] = json::Value(notes);
    j["taps"] = !r.result->taps.dec_l1.empty();
  }
  if (r.delta) {
    json::Value d = json::Object{};
    d["vs_run"] = r.delta->other_run;
    d["max_abs"] = r.delta->max_abs;
    d["mean_abs"] = r.delta->mean_abs;
    d["psnr"] = r.delta->psnr;
    j["delta_vs_previous"] = d;
  }
  return j;
}

}  // namespace

// ---------------------------------------------------------------- startup and scripts

void Studio::start_script() {
  if (!opts_.exits_by_itself()) return;
  script_ = std::make_unique<Script>();
  script_->started = steady_now();
  if (opts_.isolated()) {
    // Scripted screenshots: park the pointer in the window's corner, so no hover
    // highlight or tooltip depends on where the X server left it.
    int w = 0, h = 0;
    glfwGetWindowSize(window_, &w, &h);
    glfwSetCursorPos(window_, w - 1, h - 1);
  }
}

void Studio::start_initial_work() {
  // First in the worker's queue: a GPU machine's CUDA start-up (about a second) is
  // paid there, before the model load that needs it anyway.
  worker_->submit(JobKind::System, "Check devices", [this](JobContext& ctx) {
    auto info = std::make_shared<const SystemInfo>(query_system_info());
    ctx.post([this, info] { system_ = info; });
  });
  std::error_code ec;
  if (!opts_.no_model) {
    std::string m = opts_.model;
    if (m.empty() && !opts_.isolated() && !settings_.last_model.empty() && fs::exists(settings_.last_model, ec))
      m = settings_.last_model;
    if (m.empty())
      if (auto d = find_default_model()) m = d->string();
    if (!m.empty()) {
      if (fs::exists(m, ec))
        open_model(m);
      else
        report_error(ErrorKind::BadInput, m + ": no such model folder");
    }
  }
  std::string in = opts_.input;
  if (in.empty() && !opts_.isolated() && !settings_.last_input.empty() && fs::exists(settings_.last_input, ec))
    in = settings_.last_input;
  if (in.empty() && fs::exists(default_sample_clip(), ec)) in = default_sample_clip().string();
  if (!in.empty()) open_path(in);
  if (!opts_.compare.empty()) open_compare_file(opts_.compare);
  apply_view_options();
}

void Studio::apply_view_options() {
  if (!opts_.view.empty()) {
    View v;
    if (parse_view(opts_.view, &v)) set_view(v);
  }
  if (!opts_.pair.empty())
    for (int i = 0; i < kPairCount; ++i)
      if (opts_.pair == pair_name(static_cast<Pair>(i))) doc_.set_pair(static_cast<Pair>(i));
  if (opts_.frame) set_frame(*opts_.frame);
  if (opts_.split) settings_.split = *opts_.split;
  if (opts_.zoom) viewer_->zoom_to(*opts_.zoom);
  if (opts_.diff_gain) settings_.diff_gain = *opts_.diff_gain;
  if (!opts_.diff_mode.empty()) settings_.diff_signed = opts_.diff_mode == "signed";
  if (opts_.diff_luma) settings_.diff_luma = *opts_.diff_luma;
  if (!opts_.wavelet_level.empty()) {
    static const char* const kLevels[] = {"l0", "l1", "l2", "model"};
    for (int i = 0; i < 4; ++i)
      if (opts_.wavelet_level == kLevels[i]) wavelets_->set_tab(i);
  }
}

void Studio::record_state_json(const std::string& path) {
  json::Value j = json::Object{};
  if (doc_.clip()) {
    json::Value c = json::Object{};
    c["path"] = doc_.clip()->path;
    c["frames"] = doc_.clip()->count();
    c["width"] = doc_.clip()->width;
    c["height"] = doc_.clip()->height;
    c["fps"] = doc_.clip()->fps;
    j["clip"] = c;
  }
  j["first_frame_ms"] = first_frame_ms_;
  j["first_result_ms"] = first_result_ms_;
  json::Value m = json::Object{};
  m["loaded"] = model_.loaded;
  m["path"] = model_.path;
  m["name"] = model_.name;
  m["norm_type"] = norm_.type;
  m["num_groups"] = norm_.groups;
  if (model_.loaded) {
    m["trained_norm_type"] = model_.trained.norm_type;
    m["trained_num_groups"] = model_.trained.norm_num_groups;
    m["num_parameters"] = model_.num_parameters;
    m["stored_dtype"] = model_.stored_dtype;
    m["weights_format"] = model_.weights_format;
    m["state_dict"] = model_.state_dict;
    m["latent_norm_ok"] = model_.latent_norm_ok;
    m["device"] = model_.device;
    m["dtype"] = model_.dtype;
    json::Array g;
    for (int v : model_.valid_groups) g.emplace_back(v);
    m["valid_groups"] = json::Value(g);
  }
  j["model"] = m;
  if (doc_.current_run()) j["run"] = run_json(*doc_.current_run());
  if (doc_.previous_run()) j["previous_run"] = run_json(*doc_.previous_run());
  if (doc_.file_b()) {
    json::Value f = json::Object{};
    f["path"] = doc_.file_b()->path;
    f["frames"] = static_cast<int64_t>(doc_.file_b()->frames.size());
    f["psnr_mean"] = doc_.file_b()->psnr_mean;
    f["ssim_mean"] = doc_.file_b()->ssim_mean;
    j["file_b"] = f;
  }
  j["view"] = view_name(view_);
  j["pair"] = pair_name(doc_.effective_pair());
  j["frame"] = doc_.frame();
  j["split"] = static_cast<double>(settings_.split);
  j["chunked"] = settings_.chunked;
  j["worker_nice"] = worker_->applied_nice();
  j["gl_software"] = software_gl_;
  j["busy_refresh_hz"] = 1.0 / busy_refresh_period(software_gl_);
  json::Array msgs;
  for (const auto& x : messages_) {
    json::Value e = json::Object{};
    e["level"] = x.level == Message::Level::Error ? "error" : x.level == Message::Level::Warning ? "warning" : "info";
    e["text"] = x.text;
    msgs.push_back(e);
  }
  j["messages"] = json::Value(msgs);
  json::Array lab;
  for (const auto& r : normlab_->rows()) {
    json::Value e = json::Object{};
    e["label"] = r.setting.label();
    e["model"] = r.setting.model_name;
    e["norm_type"] = r.setting.norm_type;
    e["num_groups"] = r.setting.num_groups;
    e["chunked"] = r.setting.chunked;
    e["trained"] = r.setting.trained;
    e["state"] = r.state == LabRow::State::Done ? "done" : r.state == LabRow::State::Failed ? "failed" : "other";
    e["psnr"] = r.psnr;
    e["ssim"] = r.ssim;
    e["encode_ms"] = r.encode_ms;
    e["decode_ms"] = r.decode_ms;
    e["peak_rss"] = r.peak_rss;
    e["error"] = r.error;
    lab.push_back(e);
  }
  j["normlab"] = json::Value(lab);
  json::Array ex;
  for (const auto& p : export_dialog_->written()) ex.emplace_back(p);
  j["exported"] = json::Value(ex);
  write_file_atomic(path, json::dump(j, 2) + "\n", true);
}

void Studio::capture_during_run() {
  // Called as each streamed chunk's metrics arrive: the first time a run is part
  // done, its state is written and the window captured (deterministically, however
  // many chunks the worker has posted meanwhile).
  if (!script_ || opts_.during_run.empty() || script_->during_run_taken || !doc_.current_run()) return;
  const Run& r = *doc_.current_run();
  int64_t measured = 0;
  for (int64_t i = 0; i < r.count(); ++i) measured += r.has_metrics(i);
  if (r.state != Run::State::Running || measured == 0 || measured >= r.count()) return;
  script_->during_run_taken = true;
  const std::string prefix = opts_.during_run;
  try {
    record_state_json(prefix + ".json");
  } catch (const std::exception& e) {
    message(Message::Level::Error, e.what());
  }
  const ImVec2 ds = ImGui::GetIO().DisplaySize;
  request_capture(Rect{0, 0, ds.x, ds.y}, false, [this, prefix](media::RgbFrame img) {
    try {
      media::write_png(prefix + ".png", img, true);
    } catch (const std::exception& e) {
      message(Message::Level::Error, e.what());
    }
  });
}

// The scripted run, one step per frame once the worker is idle: the actions a user
// would take (drops, a re-run, the A/B, the norm lab, exports), then the view
// options and dialogs, a few frames to settle, the captures, the UI benchmark's idle
// frames, and the outputs. False when it is over.
bool Studio::script_step() {
  Script& sc = *script_;
  const bool busy = !worker_->idle() || !model_loading_.empty() || !captures_.empty() || !captures_next_.empty();
  if (steady_now() - sc.started > opts_.timeout_s) {
    message(Message::Level::Error, fmt("gave up after %.0f s (--timeout)", opts_.timeout_s));
    exit_code_ = 124;
    worker_->cancel_all();
    return false;
  }
  if (busy && sc.step < 8) return true;
  switch (sc.step++) {
    case 0: script_drop_files(); return true;  // the initial model and clip are in
    case 1: script_rerun(); return true;
    case 2:
      if (opts_.ab_chunked) start_ab_chunked();
      return true;
    case 3: script_start_normlab(); return true;
    case 4: script_write_tables(); return true;
    case 5:
      script_show();
      sc.settle = 4;  // a few frames for layout, textures and the wavelet cache
      return true;
    case 6:
      if (--sc.settle > 0) {
        --sc.step;
        return true;
      }
      script_capture();
      return true;
    case 7:
      // Captures were taken at the end of the last frame; its layout is the one shown.
      if (!opts_.ui_bench.empty()) {
        set_playing(true);
        sc.idle_until = steady_now() + 4;  // then 4 s of idle frames for comparison
      }
      return true;
    case 8:
      if (steady_now() < sc.idle_until) {
        --sc.step;
        return true;
      }
      break;
    default: break;
  }
  write_script_outputs();
  return false;
}

// Each --simulate-drop through the window's registered drop handler, exactly as a real drop.
void Studio::script_drop_files() {
  for (const auto& p : opts_.simulate_drops) {
    GLFWdropfun handler = glfwSetDropCallback(window_, nullptr);
    glfwSetDropCallback(window_, handler);
    if (!handler) return report_error(ErrorKind::Runtime, "no drop handler is registered");
    const char* paths[] = {p.c_str()};
    handler(window_, 1, paths);
  }
}

// --rerun-with: one setting changed, then a run (the first stays as "previous").
void Studio::script_rerun() {
  if (opts_.rerun_with.empty()) return;
  const std::string& r = opts_.rerun_with;
  if (!model_.loaded) return report_error(ErrorKind::BadInput, "--rerun-with needs a loaded model");
  if (r == "chunked" || r == "direct") {
    settings_.chunked = r == "chunked";
  } else if (r == "layernorm") {
    norm_.type = "layernorm";
  } else if (r.rfind("groupnorm", 0) == 0) {
    const int g = r.size() > 10 && r[9] == ':' ? std::atoi(r.c_str() + 10) : model_.trained.norm_num_groups;
    if (const std::string problem = num_groups_problem(model_.trained, g); !problem.empty())
      return report_error(ErrorKind::Usage, model_.name + ": " + problem);
    norm_ = NormSetting{"groupnorm", g};
  } else {
    return report_error(ErrorKind::Usage,
                        "--rerun-with: \"" + r + "\" is not layernorm, groupnorm[:G], chunked or direct");
  }
  request_run();
}

void Studio::script_start_normlab() {
  if (opts_.normlab.empty()) return;
  std::string err;
  if (!normlab_->select(*this, opts_.normlab, &err)) return report_error(ErrorKind::Usage, err);
  normlab_->start(*this);
}

// --normlab-csv and --export, once the work before them is done.
void Studio::script_write_tables() {
  if (!opts_.normlab_csv.empty()) {
    try {
      normlab_->write_csv(opts_.normlab_csv, opts_.overwrite);
    } catch (const std::exception& e) {
      report_error(ErrorKind::BadInput, e.what());
    }
  }
  std::string err;
  if (!opts_.export_dir.empty() && !export_dialog_->start_scripted(*this, opts_.export_dir, opts_.overwrite, &err))
    report_error(ErrorKind::BadInput, err);
}

// The view options and the dialog (--show) of the final screenshot.
void Studio::script_show() {
  apply_view_options();
  if (opts_.show == "help")
    help_open_ = true;
  else if (opts_.show == "about")
    about_open_ = true;
  else if (opts_.show == "export")
    open_export_dialog();
  else if (opts_.show == "open")
    open_file_dialog();
  else if (opts_.show == "model")
    open_model_dialog();
  if (!opts_.normlab_png.empty() && opts_.view.empty()) set_view(View::NormLab);
  set_playing(false);
}

// --normlab-png and --screenshot, read back at the end of this frame.
void Studio::script_capture() {
  auto write_png_to = [this](const std::string& path, bool overwrite) {
    return [this, path, overwrite](media::RgbFrame img) {
      try {
        media::write_png(path, img, overwrite);
      } catch (const std::exception& e) {
        report_error(ErrorKind::BadInput, e.what());
      }
    };
  };
  if (!opts_.normlab_png.empty()) {
    if (view_ != View::NormLab)
      report_error(ErrorKind::Usage, "--normlab-png needs --view normlab (or no --view)");
    else
      request_capture(normlab_->table_rect(), false, write_png_to(opts_.normlab_png, opts_.overwrite));
  }
  if (!opts_.screenshot.empty()) {
    const ImVec2 ds = ImGui::GetIO().DisplaySize;
    request_capture(Rect{0, 0, ds.x, ds.y}, false, write_png_to(opts_.screenshot, true));
  }
}

// --dump-layout, --dump-state and --ui-bench.
void Studio::write_script_outputs() {
  try {
    if (!opts_.dump_layout.empty())
      write_file_atomic(
          opts_.dump_layout,
          json::dump(layout_.to_json(framebuffer_width_, framebuffer_height_, framebuffer_scale_), 2) + "\n", true);
    if (!opts_.dump_state.empty()) record_state_json(opts_.dump_state);
    if (!opts_.ui_bench.empty()) write_file_atomic(opts_.ui_bench, json::dump(ui_bench_json(), 2) + "\n", true);
  } catch (const std::exception& e) {
    report_error(ErrorKind::BadInput, e.what());
  }
}

// The UI benchmark: frame times while the worker was busy, and while idle after.
json::Value Studio::ui_bench_json() const {
  const Script& sc = *script_;
  json::Value b = json::Object{};
  auto stats = [](const std::vector<double>& v) {
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
  };
  b["frame_interval_ms"] = stats(sc.intervals_ms);
  b["frame_work_ms"] = stats(sc.work_ms);
  b["busy_seconds"] = sc.busy_seconds;
  b["frames_while_busy"] = static_cast<int64_t>(sc.intervals_ms.size());
  b["fps_while_busy"] = sc.busy_seconds > 0 ? sc.intervals_ms.size() / sc.busy_seconds : 0.0;
  b["busy_build_ms"] = stats(sc.build_ms);
  b["busy_render_ms"] = stats(sc.render_ms);
  b["busy_swap_ms"] = stats(sc.swap_ms);
  b["idle_frame_interval_ms"] = stats(sc.idle_intervals_ms);
  b["idle_frame_work_ms"] = stats(sc.idle_work_ms);
  b["fps_idle"] = sc.idle_seconds > 0 ? sc.idle_intervals_ms.size() / sc.idle_seconds : 0.0;
  double load[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    std::fclose(f);
  }
  b["load_average_1min"] = load[0];
  b["worker_nice"] = worker_->applied_nice();
  b["gl_software"] = software_gl_;
  b["busy_refresh_hz"] = 1.0 / busy_refresh_period(software_gl_);
  b["window_width"] = framebuffer_width_;
  b["window_height"] = framebuffer_height_;
  b["view"] = view_name(view_);
  b["frame_cap_fps"] = 60;
  b["cores"] = static_cast<int64_t>(std::thread::hardware_concurrency());
  b["note"] =
      "frame_interval_ms: time between frame starts (includes the 60 fps cap's sleep); frame_work_ms: "
      "UI build + render + swap; both only while the inference worker was busy, with the clip playing";
  if (doc_.current_run() && doc_.current_run()->result)
    b["inference_total_ms"] = doc_.current_run()->result->timings.total_ms;
  return b;
}

}  // namespace wfvae::studio
