#include "studio.h"
#include "core/norm_setting.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <imgui.h>

#include "core/assets.h"
#include "export_dialog.h"
#include "file_browser.h"
#include "help_window.h"
#include "metrics_panel.h"
#include "model_panel.h"
#include "normlab_panel.h"
#include "studio_internal.h"
#include "timeline_panel.h"
#include "viewer_panel.h"
#include "wavelet_panel.h"

namespace wfvae::studio {

namespace fs = std::filesystem;

Studio::Studio(Options options) : opts(std::move(options)) {
  if (!opts.isolated()) settings = load_settings(config_dir() / "settings.json", &settings_problem_);
  if (opts.max_short_side) settings.max_short_side = opts.max_short_side;
  if (opts.frames >= 0) settings.frames = opts.frames;
  if (opts.chunked) settings.chunked = *opts.chunked;
  if (opts.tile) settings.tile = *opts.tile;
  if (!opts.device.empty()) settings.device = opts.device;
  if (!opts.dtype.empty()) settings.dtype = opts.dtype;
  if (opts.window_width) settings.window_width = opts.window_width, settings.window_height = opts.window_height;
  view = static_cast<View>(settings.view);
  engine = std::make_shared<Engine>();
  scan_bundled_models();
}


double Studio::now() const { return steady_now(); }

void Studio::scan_bundled_models() {
  bundled_models.clear();
  std::error_code ec;
  const fs::path dir = assets_dir() / "models";
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec) && fs::exists(e.path() / "config.json", ec)) bundled_models.push_back(e.path().string());
  std::sort(bundled_models.begin(), bundled_models.end());
  // The default model first.
  const std::string def = default_model_dir().string();
  auto it = std::find(bundled_models.begin(), bundled_models.end(), def);
  if (it != bundled_models.end()) std::rotate(bundled_models.begin(), it, it + 1);
}

// ---------------------------------------------------------------- actions

void Studio::message(Message::Level level, const std::string& text) {
  messages.push_back({level, text, steady_now(), false});
  if (messages.size() > 30) messages.erase(messages.begin());
  if (level == Message::Level::Error) std::fprintf(stderr, "wfvae-studio: %s\n", text.c_str());
}

void Studio::open_path(const std::string& path_in) {
  std::error_code ec;
  if (path_in.empty()) return;
  // Absolute, so recent files and the last session's clip work from any folder.
  const std::string path = fs::absolute(path_in, ec).lexically_normal().string();
  if (!fs::exists(path, ec)) {
    any_error_ = true;
    worst_error_ = ErrorKind::BadInput;
    message(Message::Level::Error, path + ": no such file or folder");
    return;
  }
  if (is_model_path(path)) return open_model(path);
  if (fs::is_directory(path, ec)) {
    any_error_ = true;
    worst_error_ = ErrorKind::BadInput;
    message(Message::Level::Error, path + " is a folder without config.json, so not a WF-VAE model folder. Drop a video, an "
                                          "image, or a model folder (config.json + diffusion_pytorch_model.safetensors).");
    return;
  }
  open_input(path);
}

void Studio::open_input(const std::string& path_in) {
  std::error_code ec;
  const std::string path = fs::absolute(path_in, ec).lexically_normal().string();
  if (!fs::exists(path, ec)) {
    any_error_ = true;
    worst_error_ = ErrorKind::BadInput;
    message(Message::Level::Error, path + ": no such file");
    return;
  }
  input_opening = path;
  set_playing(false);
  if (model.loaded || !model_loading.empty()) {
    request_run();
  } else {
    worker->submit("decode", "Open " + fs::path(path).filename().string(),
                   make_decode_job(path, settings.max_short_side, settings.frames,
                                   [this, path](std::shared_ptr<Clip> c) {
                                     if (input_opening != path) return;  // superseded
                                     accept_clip(std::move(c));
                                   }),
                   true);
  }
}

void Studio::open_model(const std::string& path_in) {
  std::error_code abs_ec;
  std::string path = fs::absolute(path_in, abs_ec).lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  // Work with the old model is moot: a run restarts once the new one is loaded.
  worker->cancel_kind("recon");
  worker->cancel_kind("normlab");
  model_loading = path;
  const std::string dev = settings.device, dt = settings.dtype;
  worker->submit("model", "Load model " + model_display_name(path),
                 make_load_model_job(engine, path, dev, dt, [this, path](ModelInfo info) {
                   const bool first = !model.loaded;
                   model = std::move(info);
                   if (model_loading == path) model_loading.clear();
                   norm_type = model.trained.norm_type;
                   num_groups = model.trained.norm_num_groups;
                   if (first && (!opts.norm_type.empty() || opts.num_groups > 0)) {
                     // Command-line norm settings apply to the first model.
                     if (!opts.norm_type.empty()) norm_type = opts.norm_type;
                     if (opts.num_groups > 0) {
                       if (norm_type != "groupnorm") {
                         any_error_ = true;
                         worst_error_ = ErrorKind::Usage;
                         message(Message::Level::Error, "--num-groups applies to groupnorm only (norm_type is " + norm_type + ")");
                       } else if (const std::string problem = num_groups_problem(model.trained, opts.num_groups);
                                  !problem.empty()) {
                         any_error_ = true;
                         worst_error_ = ErrorKind::Usage;
                         message(Message::Level::Error, model.name + ": " + problem + "; keeping " + std::to_string(num_groups));
                       } else {
                         num_groups = opts.num_groups;
                       }
                     }
                   }
                   settings.last_model = model.path;
                   settings.add_recent_model(model.path);
                   if (!model.report_notes.empty())
                     for (const auto& n : model.report_notes) message(Message::Level::Info, model.name + ": " + n);
                   // The previous model's runs are not comparable with this one's.
                   if (run_current && run_current->settings.model_path != model.path) {
                     run_previous = run_current->done() ? run_current : nullptr;
                   }
                   if (clip || !input_opening.empty()) request_run();
                 }),
                 true);
}

void Studio::open_compare_file(const std::string& path_in) {
  std::error_code ec;
  const std::string path = fs::absolute(path_in, ec).lexically_normal().string();
  if (!fs::exists(path, ec)) {
    any_error_ = true;
    worst_error_ = ErrorKind::BadInput;
    message(Message::Level::Error, path + ": no such file (B = file)");
    return;
  }
  if (!clip) {
    compare_pending = path;  // starts when the clip is there
    return;
  }
  compare_pending.clear();
  std::shared_ptr<const Clip> c = clip;
  worker->submit("compare", "Align B = " + fs::path(path).filename().string(),
                 make_compare_file_job(path, c, [this](std::shared_ptr<CompareFile> f) {
                   if (!clip || f->clip_id != clip->id) return;
                   file_b = std::move(f);
                   pair = Pair::OrigFile;
                   for (const auto& n : file_b->notes) message(Message::Level::Info, n);
                 }),
                 true);
}

void Studio::close_compare_file() {
  file_b.reset();
  if (pair == Pair::OrigFile) pair = Pair::OrigRecon;
}

RunSettings Studio::current_settings() const {
  RunSettings r;
  r.model_path = model.path;
  r.model_name = model.name;
  r.norm_type = norm_type;
  r.num_groups = num_groups;
  r.chunked = settings.chunked;
  r.tile = settings.tile;
  r.device = settings.device;
  r.dtype = settings.dtype;
  r.max_short_side = settings.max_short_side;
  r.frames = settings.frames;
  return r;
}

void Studio::request_run() {
  const std::string input = !input_opening.empty() ? input_opening : clip ? clip->path : "";
  if (input.empty()) return;
  if (!model_loading.empty()) return;  // the load's callback starts the run
  if (!model.loaded) {
    open_input(input);  // no model: (re)decode with the current size and frame count
    return;
  }
  auto run = std::make_shared<Run>();
  run->id = next_run_id_++;
  run->settings = current_settings();
  run->clip_id = clip ? clip->id : 0;
  // The finished run becomes the previous one (A/B); restored if this run fails early.
  auto restore_current = run_current, restore_previous = run_previous;
  if (run_current && run_current->done()) run_previous = run_current;
  run_current = run;
  const int id = run->id;
  std::shared_ptr<const pipeline::ReconResult> prev_result = run_previous ? run_previous->result : nullptr;
  const int prev_id = run_previous ? run_previous->id : 0;
  const std::string prev_label = run_previous ? run_previous->settings.label() : "";
  auto got_input = std::make_shared<bool>(false);

  ReconCallbacks cb;
  cb.on_input = [this, id, got_input](std::shared_ptr<Clip> c) {
    if (!run_current || run_current->id != id) return;
    *got_input = true;
    accept_clip(std::move(c));
    Run& r = *run_current;
    r.clip_id = clip->id;
    const size_t n = static_cast<size_t>(clip->count());
    r.live_frames.assign(n, media::RgbFrame{});
    r.frame_metrics.assign(n, metrics::FrameMetrics{});
    r.have_metrics.assign(n, 0);
    ++r.version;
  };
  cb.on_frames = [this, id](int64_t first, std::vector<media::RgbFrame> frames) {
    if (!run_current || run_current->id != id) return;
    Run& r = *run_current;
    for (size_t k = 0; k < frames.size(); ++k) {
      const size_t i = static_cast<size_t>(first) + k;
      if (i < r.live_frames.size()) r.live_frames[i] = std::move(frames[k]);
    }
    r.decoded = std::min<int64_t>(r.count(), first + static_cast<int64_t>(frames.size()));
    ++r.version;
  };
  cb.on_metrics = [this, id](int64_t first, std::vector<metrics::FrameMetrics> m) {
    if (!run_current || run_current->id != id) return;
    Run& r = *run_current;
    for (size_t k = 0; k < m.size(); ++k) {
      const size_t i = static_cast<size_t>(first) + k;
      if (i < r.frame_metrics.size()) {
        r.frame_metrics[i] = m[k];
        r.have_metrics[i] = 1;
      }
    }
    ++r.version;
    capture_during_run();
  };
  cb.on_done = [this, id](std::shared_ptr<const pipeline::ReconResult> res, std::optional<RunDelta> delta, ModelInfo info) {
    if (!run_current || run_current->id != id) return;
    Run& r = *run_current;
    r.result = std::move(res);
    r.state = Run::State::Done;
    r.frame_metrics = r.result->metrics.frames;
    r.have_metrics.assign(r.frame_metrics.size(), 1);
    r.decoded = static_cast<int64_t>(r.frame_metrics.size());
    r.live_frames.clear();
    r.live_frames.shrink_to_fit();
    if (delta && run_previous && run_previous->clip_id == r.clip_id) r.delta = delta;
    ++r.version;
    model.device = info.device;
    model.dtype = info.dtype;
    model.config = info.config;
  };
  cb.on_failed = [this, id, got_input, restore_current, restore_previous](Run::State state, std::string msg) {
    if (!run_current || run_current->id != id) return;
    run_current->state = state;
    run_current->error = msg;
    ++run_current->version;
    if (!*got_input) {
      // Nothing of this run reached the screen: put back what was there.
      run_current = restore_current;
      run_previous = restore_previous;
      input_opening.clear();
    }
  };
  cb.on_direct_fallback = [this, id] {
    if (run_current && run_current->id == id) run_current->settings.chunked = false;
  };
  const std::string title = "Reconstruct " + fs::path(input).filename().string() + " \xC2\xB7 " + run->settings.label();
  worker->submit("recon", title, make_recon_job(engine, input, run->settings, prev_result, prev_id, prev_label, cb), true);
}

void Studio::accept_clip(std::shared_ptr<Clip> c) {
  input_opening.clear();
  settings.last_input = c->path;
  settings.add_recent_file(c->path);
  if (clip && clip->key() == c->key()) return;  // same frames: keep runs and B comparable
  c->id = next_clip_id_++;
  clip = std::move(c);
  frame = std::clamp<int64_t>(frame, 0, std::max<int64_t>(0, clip->count() - 1));
  if (run_previous && run_previous->clip_id != clip->id) run_previous.reset();
  // The chosen size is shown beside the result; the rest as a message.
  for (const auto& n : clip->notes)
    if (n.kind != pipeline::NoteKind::SizeChosen && !studio_hides_note(n)) message(Message::Level::Info, studio_note(n));
  // B = file follows the clip (re-aligned to the new frames).
  std::string b = !compare_pending.empty() ? compare_pending : file_b ? file_b->path : "";
  file_b.reset();
  if (!b.empty()) open_compare_file(b);
}

void Studio::start_ab_chunked() {
  if (!model.loaded || (!clip && input_opening.empty())) return;
  settings.chunked = !settings.chunked;
  request_run();
  pair = Pair::PrevRecon;
}

void Studio::cancel_jobs() {
  if (worker->idle()) return;
  worker->cancel_all();
  message(Message::Level::Info, "Cancelled.");
}

void Studio::set_view(View v) {
  view = v;
  settings.view = static_cast<int>(v);
}

void Studio::set_frame(int64_t f) {
  const int64_t n = frame_count();
  frame = n > 0 ? std::clamp<int64_t>(f, 0, n - 1) : 0;
}

void Studio::set_playing(bool on) {
  playing = on && frame_count() > 1;
  play_accumulator_ = 0;
  if (playing && frame >= frame_count() - 1) frame = 0;
}


bool Studio::pair_available(Pair p) const {
  switch (p) {
    case Pair::OrigRecon: return run_current != nullptr;
    case Pair::PrevRecon: return run_current && run_previous;
    case Pair::OrigPrev: return run_previous != nullptr;
    case Pair::OrigFile: return file_b != nullptr;
  }
  return false;
}

Pair Studio::effective_pair() const {
  if (pair_available(pair)) return pair;
  if (run_current) return Pair::OrigRecon;
  if (file_b) return Pair::OrigFile;
  return Pair::OrigRecon;
}

const media::RgbFrame* Studio::frame_a(int64_t i) const {
  if (!clip || i < 0 || i >= clip->count()) return nullptr;
  if (effective_pair() == Pair::PrevRecon) return run_previous->frame(i);
  return &clip->frames[static_cast<size_t>(i)];
}

const media::RgbFrame* Studio::frame_b(int64_t i) const {
  if (!clip || i < 0 || i >= clip->count()) return nullptr;
  switch (effective_pair()) {
    case Pair::OrigRecon:
    case Pair::PrevRecon: return run_current && run_current->clip_id == clip->id ? run_current->frame(i) : nullptr;
    case Pair::OrigPrev: return run_previous->frame(i);
    case Pair::OrigFile: return file_b && i < static_cast<int64_t>(file_b->frames.size()) ? &file_b->frames[static_cast<size_t>(i)] : nullptr;
  }
  return nullptr;
}

std::string Studio::label_a() const {
  if (effective_pair() == Pair::PrevRecon && run_previous) return "Previous \xC2\xB7 " + run_previous->settings.label();
  return "Original";
}

std::string Studio::label_b() const {
  switch (effective_pair()) {
    case Pair::OrigRecon:
    case Pair::PrevRecon: return run_current ? "Reconstruction \xC2\xB7 " + run_current->settings.label() : "Reconstruction";
    case Pair::OrigPrev: return "Previous \xC2\xB7 " + run_previous->settings.label();
    case Pair::OrigFile: return file_b ? "File B \xC2\xB7 " + fs::path(file_b->path).filename().string() : "File B";
  }
  return "";
}

uint64_t Studio::frames_version() const {
  uint64_t v = static_cast<uint64_t>(clip ? clip->id : 0) * 1000003ull;
  v ^= static_cast<uint64_t>(effective_pair()) * 7919ull;
  if (run_current) v ^= (static_cast<uint64_t>(run_current->id) << 20) + run_current->version;
  if (run_previous) v ^= (static_cast<uint64_t>(run_previous->id) << 40) + run_previous->version * 31;
  if (file_b) v ^= reinterpret_cast<uintptr_t>(file_b.get());
  return v;
}

void Studio::request_capture(const Rect& r, bool clean, std::function<void(media::RgbFrame)> done) {
  if (clean) {
    captures_next_.push_back({r, std::move(done)});
  } else {
    captures_.push_back({r, std::move(done)});
  }
}

void Studio::open_file_dialog() {
  browser->open(*this, FileBrowser::Mode::OpenMedia, "Open a video or image", [this](const std::string& p) { open_path(p); });
}

void Studio::open_model_dialog() {
  browser->open(*this, FileBrowser::Mode::OpenModel, "Open a WF-VAE model folder (or .safetensors)",
                [this](const std::string& p) { open_model(p); });
}

void Studio::open_compare_dialog() {
  browser->open(*this, FileBrowser::Mode::OpenMedia, "Compare with another video (B = file)",
                [this](const std::string& p) { open_compare_file(p); });
}

void Studio::open_export_dialog() { export_dialog->open(*this); }

void Studio::on_job_error(const JobError& e) {
  if (e.kind == "decode" || (e.kind == "recon" && !input_opening.empty() && (!clip || clip->path != input_opening)))
    input_opening.clear();
  if (e.kind == "model") {
    model_loading.clear();
    // An input that was waiting for this model is still opened, to be viewed.
    if (!input_opening.empty() && !model.loaded) {
      const std::string pending = input_opening;
      input_opening.clear();
      open_input(pending);
    } else if (!input_opening.empty()) {
      request_run();  // with the model that is still loaded
    }
  }
  if (e.error_kind == ErrorKind::Cancelled) return;  // the user asked, or a newer request replaced it
  any_error_ = true;
  if (worst_error_ == ErrorKind::Cancelled || e.error_kind == ErrorKind::Usage) worst_error_ = e.error_kind;
  else if (worst_error_ != ErrorKind::Usage && e.error_kind == ErrorKind::BadInput) worst_error_ = ErrorKind::BadInput;
  message(Message::Level::Error, e.title + " failed: " + e.message);
}

}  // namespace wfvae::studio
