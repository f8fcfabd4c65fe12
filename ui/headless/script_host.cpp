// The studio's side of startup (what opens first) and of the scripted runs: the
// ScriptHost actions headless/script_driver.cpp uses, and the state dump.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <GLFW/glfw3.h>
#include <imgui.h>

#include "core/assets.h"
#include "core/fileutil.h"
#include "core/json_fields.h"
#include "core/norm_setting.h"
#include "panels/export_dialog.h"
#include "panels/latent_panel.h"
#include "panels/normlab_panel.h"
#include "panels/viewer_panel.h"
#include "panels/wavelet_panel.h"
#include "render_pacing.h"
#include "studio_internal.h"

namespace wfvae::studio {

namespace fs = std::filesystem;

namespace {

json::Value run_json(const Run& r) {
  json::Value j = json::Object{};
  j["id"] = r.id;
  j["label"] = r.settings.label();
  put_norm(j, {r.settings.norm_type, r.settings.num_groups});
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
  // LPIPS (input vs float reconstruction, after the run): null per frame until computed.
  j["lpips_state"] = lpips_state_name(r.lpips.state);
  j["lpips_message"] = r.lpips.message;
  j["lpips_mean"] = r.lpips.mean();
  j["lpips_frames_computed"] = r.lpips.computed();
  j["lpips_map_range"] = r.lpips.map_range;
  j["lpips_ms"] = r.lpips.elapsed_ms;
  json::Array lp;
  for (int64_t i = 0; i < static_cast<int64_t>(r.lpips.scores.size()); ++i)
    lp.emplace_back(r.lpips.has(i) ? json::Value(r.lpips.scores[static_cast<size_t>(i)]) : json::Value());
  j["lpips_per_frame"] = json::Value(lp);
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
  if (!opts_.latent_form.empty() || opts_.latent_normalized)
    latent_->set_form(opts_.latent_form == "sample", opts_.latent_normalized);
}

json::Value Studio::state_json() const {
  json::Value j = json::Object{};
  if (doc_.clip()) {
    json::Value c = json::Object{};
    c["path"] = doc_.clip()->path;
    put_video_size(c, doc_.clip()->count(), doc_.clip()->height, doc_.clip()->width);
    c["fps"] = doc_.clip()->fps;
    j["clip"] = c;
  }
  j["first_frame_ms"] = first_frame_ms_;
  j["first_result_ms"] = first_result_ms_;
  json::Value m = json::Object{};
  m["loaded"] = model_.loaded;
  m["path"] = model_.path;
  m["name"] = model_.name;
  put_norm(m, norm_);
  if (model_.loaded) {
    put_norm(m, NormSetting::of(model_.trained), "trained_");
    m["num_parameters"] = model_.num_parameters;
    m["stored_dtype"] = model_.stored_dtype;
    m["weights_format"] = model_.weights_format;
    m["state_dict"] = model_.state_dict;
    m["latent_norm_ok"] = model_.latent_norm_ok;
    m["device"] = model_.device;
    m["dtype"] = model_.dtype;
    m["valid_groups"] = json::array_of(model_.valid_groups);
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
  json::Value lw = json::Object{};
  lw["weights_found"] = lpips_weights_.available();
  lw["alexnet"] = lpips_weights_.alexnet;
  lw["alexnet_from"] = lpips_weights_.alexnet_from;
  lw["lin"] = lpips_weights_.lin;
  lw["lin_from"] = lpips_weights_.lin_from;
  lw["missing"] = lpips_weights_.missing;
  j["lpips"] = lw;
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
  for (const auto& r : doc_.lab().rows) {
    json::Value e = json::Object{};
    e["label"] = r.setting.label();
    e["model"] = r.setting.model_name;
    put_norm(e, {r.setting.norm_type, r.setting.num_groups});
    e["chunked"] = r.setting.chunked;
    e["trained"] = r.setting.trained;
    e["state"] = r.state == LabResult::State::Done ? "done" : r.state == LabResult::State::Failed ? "failed" : "other";
    e["psnr"] = r.psnr;
    e["ssim"] = r.ssim;
    e["lpips"] = r.lpips;
    e["lpips_note"] = r.lpips_note;
    e["encode_ms"] = r.encode_ms;
    e["decode_ms"] = r.decode_ms;
    e["peak_rss"] = r.peak_rss;
    e["error"] = r.error;
    lab.push_back(e);
  }
  j["normlab"] = json::Value(lab);
  j["exported"] = json::array_of(export_dialog_->written());
  return j;
}

bool Studio::busy() const {
  return !worker_->idle() || !model_loading_.empty() || !captures_.empty() || !captures_next_.empty();
}

void Studio::simulate_drop(const std::string& path) {
  GLFWdropfun handler = glfwSetDropCallback(window_, nullptr);
  glfwSetDropCallback(window_, handler);
  if (!handler) return report_error(ErrorKind::Runtime, "no drop handler is registered");
  const char* paths[] = {path.c_str()};
  handler(window_, 1, paths);
}

void Studio::show_dialog(const std::string& name) {
  if (name == "help")
    help_open_ = true;
  else if (name == "about")
    about_open_ = true;
  else if (name == "export")
    open_export_dialog();
  else if (name == "open")
    open_file_dialog();
  else if (name == "model")
    open_model_dialog();
}

bool Studio::select_normlab(const std::string& spec, std::string* error) {
  return normlab_->select(*this, spec, error);
}
void Studio::start_selected_normlab() { normlab_->start(*this); }
Rect Studio::normlab_table_rect() const { return normlab_->table_rect(); }

bool Studio::start_scripted_export(const std::string& folder, bool overwrite, std::string* error) {
  return export_dialog_->start_scripted(*this, folder, overwrite, error);
}

json::Value Studio::layout_json() const {
  return layout_.to_json(framebuffer_width_, framebuffer_height_, framebuffer_scale_);
}

json::Value Studio::frame_loop_json() const {
  json::Value j = json::Object{};
  j["worker_nice"] = worker_->applied_nice();
  j["gl_software"] = software_gl_;
  j["busy_refresh_hz"] = 1.0 / busy_refresh_period(software_gl_);
  j["window_width"] = framebuffer_width_;
  j["window_height"] = framebuffer_height_;
  return j;
}

Rect Studio::window_rect() const {
  const ImVec2 ds = ImGui::GetIO().DisplaySize;
  return Rect{0, 0, ds.x, ds.y};
}

void Studio::park_pointer() {
  int w = 0, h = 0;
  glfwGetWindowSize(window_, &w, &h);
  glfwSetCursorPos(window_, w - 1, h - 1);
}

}  // namespace wfvae::studio
