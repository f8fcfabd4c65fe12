#include "studio.h"
#include "core/norm_setting.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <imgui.h>

#include "core/assets.h"
#include "panels/export_dialog.h"
#include "panels/file_browser.h"
#include "panels/help_window.h"
#include "panels/metrics_panel.h"
#include "panels/model_panel.h"
#include "panels/normlab_panel.h"
#include "studio_internal.h"
#include "panels/timeline_panel.h"
#include "panels/viewer_panel.h"
#include "panels/latent_panel.h"
#include "panels/wavelet_panel.h"

namespace wfvae::studio {

namespace fs = std::filesystem;

Studio::Studio(Options options) : opts_(std::move(options)) {
  if (!opts_.isolated()) settings_ = load_settings(config_dir() / "settings.json", &settings_problem_);
  if (opts_.max_short_side) settings_.max_short_side = opts_.max_short_side;
  if (opts_.frames >= 0) settings_.frames = opts_.frames;
  if (opts_.chunked) settings_.chunked = *opts_.chunked;
  if (opts_.tile) settings_.tile = *opts_.tile;
  if (!opts_.device.empty()) settings_.device = opts_.device;
  if (!opts_.dtype.empty()) settings_.dtype = opts_.dtype;
  if (opts_.window_width) settings_.window_width = opts_.window_width, settings_.window_height = opts_.window_height;
  view_ = static_cast<View>(settings_.view);
  lpips_weights_ =
      find_lpips_weights(opts_.lpips_alexnet, opts_.lpips_lin, settings_.lpips_alexnet, settings_.lpips_lin);
  // Files given on the command line are remembered (when they exist).
  if (lpips_weights_.alexnet_from == "--lpips-alexnet") settings_.lpips_alexnet = lpips_weights_.alexnet;
  if (lpips_weights_.lin_from == "--lpips-lin") settings_.lpips_lin = lpips_weights_.lin;
  engine_ = std::make_shared<Engine>();
  scan_bundled_models();
}

double Studio::now() const { return steady_now(); }

void Studio::scan_bundled_models() {
  bundled_models_.clear();
  std::error_code ec;
  const fs::path dir = assets_dir() / "models";
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec) && fs::exists(e.path() / "config.json", ec)) bundled_models_.push_back(e.path().string());
  std::sort(bundled_models_.begin(), bundled_models_.end());
  // The default model first.
  const std::string def = default_model_dir().string();
  auto it = std::find(bundled_models_.begin(), bundled_models_.end(), def);
  if (it != bundled_models_.end()) std::rotate(bundled_models_.begin(), it, it + 1);
}

// ---------------------------------------------------------------- actions

void Studio::message(Message::Level level, const std::string& text) {
  messages_.push_back({level, text, steady_now(), false});
  if (messages_.size() > 30) messages_.erase(messages_.begin());
  if (level == Message::Level::Error) std::fprintf(stderr, "wfvae-studio: %s\n", text.c_str());
}

void Studio::report_error(ErrorKind kind, const std::string& text) {
  errors_.record(kind);
  message(Message::Level::Error, text);
}

void Studio::open_path(const std::string& path_in) {
  std::error_code ec;
  if (path_in.empty()) return;
  // Absolute, so recent files and the last session's clip work from any folder.
  const std::string path = fs::absolute(path_in, ec).lexically_normal().string();
  if (!fs::exists(path, ec)) return report_error(ErrorKind::BadInput, path + ": no such file or folder");
  if (is_latents_path(path)) return open_latents(path);
  if (is_model_path(path)) return open_model(path);
  if (fs::is_directory(path, ec))
    return report_error(ErrorKind::BadInput,
                        path +
                            " is a folder without config.json, so not a WF-VAE model folder. Drop a video, an "
                            "image, or a model (a folder with config.json, a .safetensors or a .ckpt/.pt checkpoint).");
  open_input(path);
}

void Studio::open_input(const std::string& path_in) {
  std::error_code ec;
  const std::string path = fs::absolute(path_in, ec).lexically_normal().string();
  if (!fs::exists(path, ec)) return report_error(ErrorKind::BadInput, path + ": no such file");
  const Ticket ticket = doc_.begin_open(path);
  set_playing(false);
  if (model_.loaded || !model_loading_.empty()) {
    request_run();
  } else {
    worker_->submit(
        JobKind::Decode, "Open " + fs::path(path).filename().string(),
        make_decode_job(path, settings_.max_short_side, settings_.frames,
                        [this, ticket](std::shared_ptr<Clip> c) { apply(doc_.accept_decoded(ticket, std::move(c))); }),
        true);
  }
}

void Studio::open_latents(const std::string& path) {
  const Ticket ticket = doc_.begin_open(path);
  set_playing(false);
  if (!model_loading_.empty()) return;  // the load's callback asks for the run, which decodes
  if (!model_.loaded) {
    message(Message::Level::Info,
            fs::path(path).filename().string() + " holds latents: open a model (Ctrl+M) to decode them with");
    return;
  }
  worker_->cancel_kind(JobKind::Decode);
  worker_->submit(JobKind::Decode, "Decode latents " + fs::path(path).filename().string(),
                  make_decode_latents_job(engine_, path, settings_.chunked,
                                          [this, ticket](std::shared_ptr<Clip> c, std::string source) {
                                            const Document::ClipAccepted a = doc_.accept_decoded(ticket, std::move(c));
                                            apply(a);
                                            if (a.taken && !source.empty() && !doc_.file_b()) open_compare_file(source);
                                          }),
                  true);
}

void Studio::open_model(const std::string& path_in) {
  std::error_code abs_ec;
  std::string path = fs::absolute(path_in, abs_ec).lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  // Work with the old model is moot: a run restarts once the new one is loaded.
  worker_->cancel_kind(JobKind::Recon);
  worker_->cancel_kind(JobKind::NormLab);
  model_loading_ = path;
  const std::string dev = settings_.device, dt = settings_.dtype;
  worker_->submit(JobKind::Model, "Load model " + model_display_name(path),
                  make_load_model_job(
                      engine_, path, dev, dt,
                      [this, path](ModelInfo info) {
                        const bool first = !model_.loaded;
                        model_ = std::move(info);
                        if (model_loading_ == path) model_loading_.clear();
                        norm_ = NormSetting::of(model_.trained);
                        if (first && (!opts_.norm_type.empty() || opts_.num_groups > 0)) {
                          // Command-line norm settings apply to the first model.
                          if (!opts_.norm_type.empty()) norm_.type = opts_.norm_type;
                          if (opts_.num_groups > 0) {
                            if (norm_.type != "groupnorm") {
                              report_error(ErrorKind::Usage,
                                           "--num-groups applies to groupnorm only (norm_type is " + norm_.type + ")");
                            } else if (const std::string problem = num_groups_problem(model_.trained, opts_.num_groups);
                                       !problem.empty()) {
                              report_error(ErrorKind::Usage,
                                           model_.name + ": " + problem + "; keeping " + std::to_string(norm_.groups));
                            } else {
                              norm_.groups = opts_.num_groups;
                            }
                          }
                        }
                        settings_.last_model = model_.path;
                        settings_.add_recent_model(model_.path);
                        for (const auto& n : model_.report_notes) message(Message::Level::Info, model_.name + ": " + n);
                        doc_.model_changed(model_.path);
                        if (doc_.clip() || !doc_.opening().empty()) request_run();
                      }),
                  true);
}

void Studio::open_compare_file(const std::string& path_in) {
  std::error_code ec;
  const std::string path = fs::absolute(path_in, ec).lexically_normal().string();
  if (!fs::exists(path, ec)) return report_error(ErrorKind::BadInput, path + ": no such file (B = file)");
  const Ticket ticket = doc_.begin_compare(path);
  if (!ticket) return;  // starts when the clip is there
  worker_->submit(JobKind::Compare, "Align B = " + fs::path(path).filename().string(),
                  make_compare_file_job(path, doc_.clip_shared(),
                                        [this, ticket](std::shared_ptr<CompareFile> f) {
                                          const std::vector<std::string> notes = f->notes;
                                          if (doc_.compare_done(ticket, std::move(f)))
                                            for (const auto& n : notes) message(Message::Level::Info, n);
                                        }),
                  true);
}

void Studio::close_compare_file() { doc_.close_compare(); }

RunSettings Studio::current_settings() const {
  RunSettings r;
  r.model_path = model_.path;
  r.model_name = model_.name;
  r.norm_type = norm_.type;
  r.num_groups = norm_.groups;
  r.chunked = settings_.chunked;
  r.tile = settings_.tile;
  r.device = settings_.device;
  r.dtype = settings_.dtype;
  r.max_short_side = settings_.max_short_side;
  r.frames = settings_.frames;
  return r;
}

void Studio::request_run() {
  const std::string input = doc_.run_input();
  if (input.empty()) return;
  if (!model_loading_.empty()) return;  // the load's callback starts the run
  // A clip decoded from latents is decoded again (with the model now loaded), not reconstructed.
  if (is_latents_path(input)) return open_latents(input);
  if (!model_.loaded) {
    open_input(input);  // no model: (re)decode with the current size and frame count
    return;
  }
  const RunSettings run_settings = current_settings();
  // The previous run (the A of A/B) before begin_run replaces it.
  const Run* before = doc_.current_run() && doc_.current_run()->done() ? doc_.current_run() : doc_.previous_run();
  std::shared_ptr<const pipeline::ReconResult> prev_result = before ? before->result : nullptr;
  const int prev_id = before ? before->id : 0;
  const std::string prev_label = before ? before->settings.label() : "";
  const Ticket t = doc_.begin_run(run_settings);
  worker_->cancel_kind(JobKind::Lpips);  // of the run this one replaces (begin_run made it stale)

  ReconCallbacks cb;
  cb.on_input = [this, t](std::shared_ptr<Clip> c) { apply(doc_.run_input_ready(t, std::move(c))); };
  cb.on_frames = [this, t](int64_t first, std::vector<media::RgbFrame> frames) {
    doc_.run_frames(t, first, std::move(frames));
  };
  cb.on_metrics = [this, t](int64_t first, std::vector<metrics::FrameMetrics> m) {
    if (doc_.run_metrics(t, first, m) && script_) script_->on_run_metrics();
  };
  cb.on_done = [this, t](std::shared_ptr<const pipeline::ReconResult> res, std::optional<RunDelta> delta,
                         ModelInfo info) {
    if (!doc_.run_done(t, std::move(res), delta)) return;
    if (first_result_ms_ < 0) first_result_ms_ = process_age_ms();
    model_.device = info.device;
    model_.dtype = info.dtype;
    model_.config = info.config;
    request_lpips();
  };
  cb.on_failed = [this, t](Run::State state, std::string msg) { doc_.run_failed(t, state, msg); };
  cb.on_direct_fallback = [this, t] { doc_.run_went_direct(t); };
  const std::string title = "Reconstruct " + fs::path(input).filename().string() + " \xC2\xB7 " + run_settings.label();
  worker_->submit(JobKind::Recon, title,
                  make_recon_job(engine_, input, run_settings, prev_result, prev_id, prev_label, cb), true);
}

// A clip arrived: remember it, say what the pipeline noted, align B = file again.
void Studio::apply(const Document::ClipAccepted& accepted) {
  if (!accepted.taken) return;
  settings_.last_input = doc_.clip()->path;
  settings_.add_recent_file(doc_.clip()->path);
  if (!accepted.replaced) return;
  // The chosen size is shown beside the result; the rest as a message.
  for (const auto& n : accepted.notes)
    if (n.kind != pipeline::NoteKind::SizeChosen && !studio_hides_note(n))
      message(Message::Level::Info, studio_note(n));
  if (!accepted.realign_b.empty()) open_compare_file(accepted.realign_b);
}

void Studio::request_lpips() {
  const Run* run = doc_.current_run();
  if (!run || !run->done() || !run->result) return;
  const Ticket t = doc_.begin_lpips();
  if (!t) return;
  if (!lpips_weights_.available()) {
    doc_.lpips_finished(t, RunLpips::State::Unavailable, lpips_weights_.missing);
    return;
  }
  if (run->result->height < kLpipsMinSide || run->result->width < kLpipsMinSide) {
    doc_.lpips_finished(t, RunLpips::State::Unavailable,
                        fmt("LPIPS needs frames of at least %dx%d pixels (AlexNet's first layers); these are %dx%d",
                            kLpipsMinSide, kLpipsMinSide, run->result->width, run->result->height));
    return;
  }
  LpipsRequest request;
  request.result = run->result;
  request.weights = lpips_weights_;
  request.device = settings_.device;
  LpipsCallbacks cb;
  cb.on_frames = [this, t](int64_t first, std::vector<double> scores, std::vector<LpipsMap> maps) {
    doc_.run_lpips(t, first, std::move(scores), std::move(maps));
  };
  cb.on_finished = [this, t](RunLpips::State state, std::string message, bool weights_unusable, double ms) {
    // Weights that do not load are not tried again: later runs say why in place of the metric.
    if (weights_unusable) lpips_weights_.missing = "the LPIPS weights did not load: " + message;
    doc_.lpips_finished(t, state, weights_unusable ? lpips_weights_.missing : message, ms);
  };
  const std::string title = "LPIPS " + fs::path(doc_.clip() ? doc_.clip()->path : "").filename().string();
  worker_->submit(JobKind::Lpips, title, make_lpips_job(engine_, std::move(request), std::move(cb)), true);
}

void Studio::start_ab_chunked() {
  if (!model_.loaded || doc_.run_input().empty()) return;
  settings_.chunked = !settings_.chunked;
  request_run();
  doc_.set_pair(Pair::PrevRecon);
}

void Studio::cancel_jobs() {
  if (worker_->idle()) return;
  worker_->cancel_all();
  message(Message::Level::Info, "Cancelled.");
}

void Studio::cancel_running_job() { worker_->cancel_running(); }

void Studio::start_normlab(std::vector<LabSetting> settings, int frames) {
  if (!doc_.clip() || !model_.loaded) {
    message(Message::Level::Error, "The norm lab needs an open clip and a loaded model.");
    return;
  }
  if (settings.empty()) {
    message(Message::Level::Warning, "Norm lab: tick at least one setting.");
    return;
  }
  NormLabRequest request;
  request.settings = settings;
  request.input = doc_.clip()->path;
  request.max_short_side = settings_.max_short_side;
  request.frames = frames;
  request.device = settings_.device;
  request.dtype = settings_.dtype;
  request.lpips = lpips_weights_;
  const Ticket sweep = doc_.begin_lab(std::move(settings));
  auto row = [this, sweep](size_t i, LabResult result) { doc_.lab_row(sweep, i, std::move(result)); };
  auto finished = [this, sweep] { doc_.lab_finished(sweep); };
  const std::string title = fmt("Norm lab: %zu settings", request.settings.size());
  worker_->submit(JobKind::NormLab, title, make_normlab_job(engine_, std::move(request), row, finished));
}

void Studio::start_export(pipeline::ExportRequest request, const fs::path& view_png,
                          std::function<void(std::vector<fs::path>)> done) {
  const Run* run = doc_.current_run();
  if (!run || !run->result) {
    message(Message::Level::Error,
            "export: the reconstruction is gone (a new run started); export again when it has finished");
    return;
  }
  std::shared_ptr<const pipeline::ReconResult> result = run->result;
  const RunLpips& l = run->lpips;
  if (l.state == RunLpips::State::Done && l.computed() == static_cast<int64_t>(l.scores.size()) && !l.scores.empty()) {
    // The run's LPIPS, computed after it, goes into the metrics JSON and CSV as
    // `wfvae recon --lpips` writes it (on a copy: the run's result stays as it came).
    auto with = std::make_shared<pipeline::ReconResult>(*result);
    with->lpips = l.scores;
    with->lpips_mean = l.mean();
    with->lpips_alexnet = lpips_weights_.alexnet;
    with->lpips_lin = lpips_weights_.lin;
    with->timings.lpips_ms = l.elapsed_ms;
    result = std::move(with);
  }
  auto submit = [this, request, result, done](std::optional<ViewPng> png) {
    worker_->submit(JobKind::Export, "Export", make_export_job(result, request, std::move(png), done));
  };
  if (view_png.empty()) return submit(std::nullopt);
  // The PNG comes from a clean frame (no dialog over the view), taken before the job starts.
  request_capture(view_rect(), true, [submit, view_png](media::RgbFrame img) {
    submit(ViewPng{view_png, std::move(img)});
  });
}

void Studio::set_view(View v) {
  view_ = v;
  settings_.view = static_cast<int>(v);
}

void Studio::set_frame(int64_t f) { doc_.set_frame(f); }

void Studio::set_playing(bool on) {
  playing_ = on && frame_count() > 1;
  play_accumulator_ = 0;
  if (playing_ && doc_.frame() >= frame_count() - 1) doc_.set_frame(0);
}

void Studio::request_capture(const Rect& r, bool clean, std::function<void(media::RgbFrame)> done) {
  if (clean) {
    captures_next_.push_back({r, std::move(done)});
  } else {
    captures_.push_back({r, std::move(done)});
  }
}

Rect Studio::view_rect() const { return viewer_->content_rect(); }

void Studio::choose_folder(const std::string& title, std::function<void(const std::string&)> done) {
  browser_->open(*this, FileBrowser::Mode::ChooseFolder, title, std::move(done));
}

void Studio::save_file_dialog(const std::string& title, const std::string& default_name, const std::string& extension,
                              std::function<void(const std::string&)> done) {
  browser_->save_dialog(*this, title, default_name, extension, std::move(done));
}

void Studio::draw_file_dialog() { browser_->draw(*this); }

void Studio::open_file_dialog() {
  browser_->open(*this, FileBrowser::Mode::OpenMedia, "Open a video or image",
                 [this](const std::string& p) { open_path(p); });
}

void Studio::open_model_dialog() {
  browser_->open(*this, FileBrowser::Mode::OpenModel, "Open a WF-VAE model (folder, .safetensors or .ckpt)",
                 [this](const std::string& p) { open_model(p); });
}

void Studio::open_compare_dialog() {
  browser_->open(*this, FileBrowser::Mode::OpenMedia, "Compare with another video (B = file)",
                 [this](const std::string& p) { open_compare_file(p); });
}

void Studio::open_export_dialog() { export_dialog_->open(*this); }

void Studio::on_job_error(const JobError& e) {
  if (e.kind == JobKind::Model) model_loading_.clear();
  const Document::AfterFailure next = doc_.job_failed(e.kind, model_.loaded);
  if (next.next == Document::AfterFailure::Next::OpenInput) open_path(next.path);  // a video, or latents
  if (next.next == Document::AfterFailure::Next::Run) request_run();
  if (e.error_kind == ErrorKind::Cancelled) return;  // the user asked, or a newer request replaced it
  report_error(e.error_kind, e.title + " failed: " + e.message);
}

}  // namespace wfvae::studio
