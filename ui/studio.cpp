#include "studio.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include "core/assets.h"
#include "core/fileutil.h"
#include "export_dialog.h"
#include "file_browser.h"
#include "gl.h"
#include "help_window.h"
#include "metrics_panel.h"
#include "model_panel.h"
#include "normlab_panel.h"
#include "pipeline/eval.h"
#include "timeline_panel.h"
#include "viewer_panel.h"
#include "wavelet_panel.h"

namespace wfvae::studio {

namespace fs = std::filesystem;

namespace {

// SIGINT/SIGTERM end the session like closing the window (settings saved).
std::atomic<bool> g_quit_signal{false};
extern "C" void on_quit_signal(int) { g_quit_signal.store(true); }

double steady_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_model_path(const fs::path& p) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) return fs::exists(p / "config.json", ec);
  return lower(p.extension().string()) == ".safetensors";
}

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
  j["state"] = r.state == Run::State::Running ? "running" : r.state == Run::State::Done ? "done"
               : r.state == Run::State::Cancelled                                      ? "cancelled"
                                                                                       : "failed";
  j["error"] = r.error;
  j["frames_decoded"] = r.decoded;
  j["psnr_mean"] = r.psnr_mean();
  j["ssim_mean"] = r.ssim_mean();
  json::Array per;
  for (int64_t i = 0; i < r.count(); ++i) per.emplace_back(r.has_metrics(i) ? json::Value(r.frame_metrics[i].psnr) : json::Value());
  j["psnr_per_frame"] = json::Value(per);
  if (r.result) {
    j["psnr_8bit_mean"] = r.result->metrics_8bit.psnr_mean;
    j["encode_ms"] = r.result->timings.encode_ms;
    j["decode_ms"] = r.result->timings.decode_ms;
    j["frames"] = r.result->frames;
    json::Array notes;
    for (const auto& n : r.result->notes) notes.emplace_back(n);
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

struct Studio::Script {
  int step = 0;
  int settle = 0;
  double started = 0;
  bool captures_requested = false;
  bool during_run_taken = false;
  bool done_outputs = false;
  // UI benchmark: frame intervals and work times while the worker is busy.
  std::vector<double> intervals_ms, work_ms;
  double busy_seconds = 0;
  // The same after the work is done (the clip still playing): the UI's own cost.
  std::vector<double> idle_intervals_ms, idle_work_ms;
  std::vector<double> build_ms, render_ms, swap_ms;  // parts of the busy frames
  double idle_seconds = 0;
  double idle_until = 0;
  std::vector<std::string> exported;
};

Studio::Studio(Options options) : opts(std::move(options)) {
  if (!opts.isolated()) settings = load_settings(config_dir() / "settings.json", &settings_problem_);
  if (opts.max_short_side) settings.max_short_side = opts.max_short_side;
  if (opts.frames >= 0) settings.frames = opts.frames;
  if (opts.chunked) settings.chunked = *opts.chunked;
  if (!opts.device.empty()) settings.device = opts.device;
  if (!opts.dtype.empty()) settings.dtype = opts.dtype;
  if (opts.window_width) settings.window_width = opts.window_width, settings.window_height = opts.window_height;
  view = static_cast<View>(settings.view);
  engine = std::make_shared<Engine>();
  scan_bundled_models();
}

Studio::~Studio() = default;

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

// ---------------------------------------------------------------- window

static void glfw_error(int code, const char* text) { std::fprintf(stderr, "wfvae-studio: GLFW error %d: %s\n", code, text); }

void Studio::init_window() {
  glfwSetErrorCallback(glfw_error);
  if (!glfwInit())
    throw Error(ErrorKind::Runtime, "cannot start GLFW: no display? (set DISPLAY, or run headless under xvfb-run -a)");
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  window = glfwCreateWindow(settings.window_width, settings.window_height, "WFVAE Studio", nullptr, nullptr);
  if (!window) {
    glfwTerminate();
    throw Error(ErrorKind::Runtime, "cannot create an OpenGL 3.3 core window (no display, or the driver lacks OpenGL 3.3)");
  }
  glfwSetWindowUserPointer(window, this);
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  glfwSetDropCallback(window, &Studio::drop_callback);
  // Any input wakes the render loop (ImGui's backend chains to these callbacks).
  auto poke = [](GLFWwindow* w) {
    if (auto* s = static_cast<Studio*>(glfwGetWindowUserPointer(w))) s->input_events_++;
  };
  static auto poke_fn = poke;  // captureless: usable as plain function pointers below
  glfwSetCursorPosCallback(window, [](GLFWwindow* w, double, double) { poke_fn(w); });
  glfwSetMouseButtonCallback(window, [](GLFWwindow* w, int, int, int) { poke_fn(w); });
  glfwSetScrollCallback(window, [](GLFWwindow* w, double, double) { poke_fn(w); });
  glfwSetKeyCallback(window, [](GLFWwindow* w, int, int, int, int) { poke_fn(w); });
  glfwSetCharCallback(window, [](GLFWwindow* w, unsigned int) { poke_fn(w); });
  glfwSetWindowSizeCallback(window, [](GLFWwindow* w, int, int) { poke_fn(w); });
  glfwSetWindowRefreshCallback(window, [](GLFWwindow* w) { poke_fn(w); });
  glfwSetWindowFocusCallback(window, [](GLFWwindow* w, int) { poke_fn(w); });
  glfwSetCursorEnterCallback(window, [](GLFWwindow* w, int) { poke_fn(w); });

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  static std::string ini;
  if (opts.isolated()) {
    io.IniFilename = nullptr;
  } else {
    std::error_code ec;
    fs::create_directories(config_dir(), ec);
    ini = (config_dir() / "imgui.ini").string();
    io.IniFilename = ini.c_str();
  }
  float sx = 1, sy = 1;
  glfwGetWindowContentScale(window, &sx, &sy);
  fonts = setup_theme(std::max(1.0f, sx));
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  if (!fonts.note.empty()) message(Message::Level::Warning, fonts.note);
  if (!settings_problem_.empty()) message(Message::Level::Warning, settings_problem_);

  viewer = std::make_unique<ViewerPanel>();
  timeline = std::make_unique<TimelinePanel>();
  wavelets = std::make_unique<WaveletPanel>();
  model_panel = std::make_unique<ModelPanel>();
  metrics_panel = std::make_unique<MetricsPanel>();
  normlab = std::make_unique<NormLabPanel>();
  export_dialog = std::make_unique<ExportDialog>();
  browser = std::make_unique<FileBrowser>();
  help = std::make_unique<HelpWindow>();
}

void Studio::shutdown_window() {
  // GL objects first, while the context exists.
  viewer.reset();
  wavelets.reset();
  normlab.reset();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  window = nullptr;
  glfwTerminate();
}

void Studio::drop_callback(GLFWwindow* w, int count, const char** paths) {
  auto* s = static_cast<Studio*>(glfwGetWindowUserPointer(w));
  if (!s || count <= 0) return;
  s->input_events_++;
  // Models first (so a clip dropped with one runs through it), then the media: the
  // first opens, a second becomes "B = file".
  std::vector<std::string> media;
  for (int i = 0; i < count; ++i) {
    if (is_model_path(paths[i])) s->open_model(paths[i]);
    else media.push_back(paths[i]);
  }
  if (!media.empty()) s->open_path(media[0]);
  if (media.size() > 1) s->open_compare_file(media[1]);
  if (media.size() > 2) s->message(Message::Level::Warning, "Dropped more than two videos: only the first two are used.");
  glfwFocusWindow(w);
}

// ---------------------------------------------------------------- actions

void Studio::message(Message::Level level, const std::string& text) {
  messages.push_back({level, text, steady_now(), false});
  if (messages.size() > 30) messages.erase(messages.begin());
  if (level == Message::Level::Error) std::fprintf(stderr, "wfvae-studio: %s\n", text.c_str());
}

void Studio::open_path(const std::string& path) {
  std::error_code ec;
  if (path.empty()) return;
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

void Studio::open_input(const std::string& path) {
  std::error_code ec;
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

void Studio::open_model(const std::string& path) {
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
                       } else if (std::find(model.valid_groups.begin(), model.valid_groups.end(), opts.num_groups) ==
                                  model.valid_groups.end()) {
                         std::string valid;
                         for (int g : model.valid_groups) valid += (valid.empty() ? "" : ", ") + std::to_string(g);
                         any_error_ = true;
                         worst_error_ = ErrorKind::Usage;
                         message(Message::Level::Error, fmt("num_groups %d is not valid for %s: it must divide every normalised "
                                                            "channel count (valid: %s); keeping %d",
                                                            opts.num_groups, model.name.c_str(), valid.c_str(), num_groups));
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

void Studio::open_compare_file(const std::string& path) {
  std::error_code ec;
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
    if (!clip || clip->path != input) open_input(input);
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
  for (const auto& n : clip->notes)
    if (n.find("chosen from the source") == std::string::npos) message(Message::Level::Info, n);
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

bool Studio::model_busy() const { return !model_loading.empty(); }

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

void Studio::save_settings_now() {
  if (opts.isolated()) return;
  if (window) {
    int w = 0, h = 0;
    glfwGetWindowSize(window, &w, &h);
    if (w > 0 && h > 0) settings.window_width = w, settings.window_height = h;
  }
  std::string problem;
  if (!save_settings(settings, config_dir() / "settings.json", &problem)) std::fprintf(stderr, "wfvae-studio: %s\n", problem.c_str());
}

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

// ---------------------------------------------------------------- frame

size_t Studio::drain_worker() {
  auto posted = worker->take_posted();
  for (auto& fn : posted) fn();
  return posted.size();
}

void Studio::advance_playback(double dt) {
  if (!playing) return;
  const int64_t n = frame_count();
  if (n < 2) {
    playing = false;
    return;
  }
  play_accumulator_ += dt * fps();
  while (play_accumulator_ >= 1) {
    play_accumulator_ -= 1;
    if (frame + 1 >= n) {
      if (settings.loop) frame = 0;
      else {
        playing = false;
        break;
      }
    } else {
      ++frame;
    }
  }
}

void Studio::handle_shortcuts() {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || browser->is_open() || export_dialog->is_open()) return;
  const bool ctrl = io.KeyCtrl;
  auto pressed = [](int key, bool repeat = false) { return ImGui::IsKeyPressed(key, repeat); };
  if (ctrl) {
    if (pressed(GLFW_KEY_O)) open_file_dialog();
    if (pressed(GLFW_KEY_M)) open_model_dialog();
    if (pressed(GLFW_KEY_B)) open_compare_dialog();
    if (pressed(GLFW_KEY_E)) open_export_dialog();
    if (pressed(GLFW_KEY_R)) request_run();
    if (pressed(GLFW_KEY_Q)) glfwSetWindowShouldClose(window, GLFW_TRUE);
    return;
  }
  if (pressed(GLFW_KEY_SPACE)) set_playing(!playing);
  if (pressed(GLFW_KEY_LEFT, true)) set_frame(frame - 1), set_playing(false);
  if (pressed(GLFW_KEY_RIGHT, true)) set_frame(frame + 1), set_playing(false);
  if (pressed(GLFW_KEY_HOME)) set_frame(0);
  if (pressed(GLFW_KEY_END)) set_frame(frame_count() - 1);
  for (int i = 0; i < kViewCount; ++i)
    if (pressed(GLFW_KEY_1 + i) || pressed(GLFW_KEY_KP_1 + i)) set_view(static_cast<View>(i));
  static View before_toggle = View::Side;
  if (pressed(GLFW_KEY_D)) {
    if (view == View::Diff) set_view(before_toggle);
    else before_toggle = view, set_view(View::Diff);
  }
  if (pressed(GLFW_KEY_F)) {
    if (view == View::Flicker) set_view(before_toggle);
    else before_toggle = view, set_view(View::Flicker);
  }
  if (pressed(GLFW_KEY_S)) settings.diff_signed = !settings.diff_signed;
  if (pressed(GLFW_KEY_LEFT_BRACKET)) settings.diff_gain = std::max(1, settings.diff_gain / 2);
  if (pressed(GLFW_KEY_RIGHT_BRACKET)) settings.diff_gain = std::min(64, settings.diff_gain * 2);
  if (pressed(GLFW_KEY_EQUAL, true) || pressed(GLFW_KEY_KP_ADD, true)) viewer->zoom_in();
  if (pressed(GLFW_KEY_MINUS, true) || pressed(GLFW_KEY_KP_SUBTRACT, true)) viewer->zoom_out();
  if (pressed(GLFW_KEY_0) || pressed(GLFW_KEY_KP_0)) viewer->zoom_fit();
  if (pressed(GLFW_KEY_L)) settings.loop = !settings.loop;
  if (pressed(GLFW_KEY_ESCAPE)) cancel_jobs();
  if (pressed(GLFW_KEY_F1)) help_open_ = !help_open_;
}

void Studio::draw_menu_bar() {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open video or image\xE2\x80\xA6", "Ctrl+O")) open_file_dialog();
    if (ImGui::MenuItem("Open model\xE2\x80\xA6", "Ctrl+M")) open_model_dialog();
    if (ImGui::MenuItem("Compare with file (B)\xE2\x80\xA6", "Ctrl+B", false, clip != nullptr)) open_compare_dialog();
    if (ImGui::MenuItem("Stop comparing with file", nullptr, false, file_b != nullptr)) close_compare_file();
    if (ImGui::BeginMenu("Recent files", !settings.recent_files.empty())) {
      for (const auto& f : settings.recent_files)
        if (ImGui::MenuItem(f.c_str())) {
          const std::string copy = f;  // open_path reorders the list
          open_path(copy);
          break;
        }
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Recent models", !settings.recent_models.empty() || !bundled_models.empty())) {
      for (const auto& m : bundled_models)
        if (ImGui::MenuItem((model_display_name(m) + "  (bundled)").c_str())) open_model(m);
      for (const auto& m : settings.recent_models)
        if (ImGui::MenuItem(m.c_str())) {
          const std::string copy = m;
          open_model(copy);
          break;
        }
      ImGui::EndMenu();
    }
    if (const auto sample = default_sample_clip(); fs::exists(sample))
      if (ImGui::MenuItem("Open the bundled sample")) open_input(sample.string());
    ImGui::Separator();
    const bool can_export = run_current && run_current->result;
    if (ImGui::MenuItem("Export\xE2\x80\xA6", "Ctrl+E", false, can_export)) open_export_dialog();
    if (ImGui::MenuItem("Save view as PNG\xE2\x80\xA6", nullptr, false, clip != nullptr))
      browser->save_dialog(*this, "Save the current view as PNG", "view.png", ".png", [this](const std::string& p) {
        request_capture(viewer->content_rect(), true, [this, p](media::RgbFrame img) {
          try {
            media::write_png(p, img, true);
            message(Message::Level::Info, "Wrote " + p);
          } catch (const std::exception& e) {
            message(Message::Level::Error, e.what());
          }
        });
      });
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) glfwSetWindowShouldClose(window, GLFW_TRUE);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    for (int i = 0; i < kViewCount; ++i)
      if (ImGui::MenuItem(view_title(static_cast<View>(i)), std::to_string(i + 1).c_str(), view == static_cast<View>(i)))
        set_view(static_cast<View>(i));
    ImGui::Separator();
    for (int i = 0; i < kPairCount; ++i)
      if (ImGui::MenuItem(pair_title(static_cast<Pair>(i)), nullptr, effective_pair() == static_cast<Pair>(i),
                          pair_available(static_cast<Pair>(i))))
        pair = static_cast<Pair>(i);
    ImGui::Separator();
    if (ImGui::MenuItem("Zoom in", "+")) viewer->zoom_in();
    if (ImGui::MenuItem("Zoom out", "-")) viewer->zoom_out();
    if (ImGui::MenuItem("Fit", "0")) viewer->zoom_fit();
    if (ImGui::MenuItem("Actual pixels (1:1)")) viewer->zoom_to(1);
    ImGui::Separator();
    ImGui::MenuItem("Signed difference", "S", &settings.diff_signed);
    ImGui::MenuItem("Difference of luma", nullptr, &settings.diff_luma);
    ImGui::MenuItem("Loop playback", "L", &settings.loop);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Run")) {
    const bool can = model.loaded && (clip || !input_opening.empty());
    if (ImGui::MenuItem("Re-run", "Ctrl+R", false, can)) request_run();
    if (ImGui::MenuItem("A/B: chunked vs direct", nullptr, false, can)) start_ab_chunked();
    if (ImGui::MenuItem("Norm lab", "6")) set_view(View::NormLab);
    if (ImGui::MenuItem("Cancel", "Esc", false, !worker->idle())) cancel_jobs();
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem("Keyboard shortcuts", "F1")) help_open_ = true;
    if (ImGui::MenuItem("About WFVAE Studio")) about_open_ = true;
    ImGui::EndMenu();
  }
  // Right: what is open.
  std::string status = clip ? fs::path(clip->path).filename().string() : "no clip";
  status += "   \xC2\xB7   " + (model.loaded ? model.name : model_loading.empty() ? std::string("no model") : "loading model\xE2\x80\xA6");
  const float w = ImGui::CalcTextSize(status.c_str()).x;
  ImGui::SameLine(ImGui::GetWindowWidth() - w - 16);
  ImGui::TextDisabled("%s", status.c_str());
  layout.add("menu_bar", ImVec2(0, 0), ImVec2(ImGui::GetWindowWidth(), ImGui::GetWindowHeight()));
  ImGui::EndMainMenuBar();
}

void Studio::draw_splitter(const char* id, Rect r, bool vertical, float* value, float lo, float hi, bool invert) {
  ImGui::SetNextWindowPos(r.min());
  ImGui::SetNextWindowSize(ImVec2(r.w, r.h));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowMinSize, ImVec2(1, 1));
  ImGui::PushStyleColor(ImGuiCol_WindowBg, to_vec4(color::kSplitter));
  ImGui::Begin(id, nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  ImGui::InvisibleButton("##split", ImVec2(r.w, r.h));
  if (ImGui::IsItemHovered() || ImGui::IsItemActive())
    ImGui::SetMouseCursor(vertical ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
  if (ImGui::IsItemActive()) {
    const float d = vertical ? ImGui::GetIO().MouseDelta.x : ImGui::GetIO().MouseDelta.y;
    *value = std::clamp(*value + (invert ? -d : d), lo, hi);
  }
  if (ImGui::IsItemHovered() || ImGui::IsItemActive())
    ImGui::GetWindowDrawList()->AddRectFilled(r.min(), r.max(), IM_COL32(64, 170, 255, 120));
  ImGui::End();
  ImGui::PopStyleColor();
  ImGui::PopStyleVar(2);
}

void Studio::draw_messages(const Rect& v) {
  const double t = steady_now();
  float y = v.y + 56;
  const float w = std::min(520.0f, v.w - 40);
  int shown = 0;
  for (auto it = messages.rbegin(); it != messages.rend() && shown < 4; ++it) {
    Message& m = *it;
    const double ttl = m.level == Message::Level::Error ? 1e9 : m.level == Message::Level::Warning ? 12 : 6;
    if (m.dismissed || t - m.time > ttl) continue;
    ++shown;
    ImGui::SetNextWindowPos(ImVec2(v.x + v.w - w - 16, y));
    ImGui::SetNextWindowSize(ImVec2(w, 0));
    ImGui::SetNextWindowBgAlpha(0.96f);
    const ImU32 tint = m.level == Message::Level::Error ? color::kError : m.level == Message::Level::Warning ? color::kWarning : color::kAccent;
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0.11f, 0.12f, 0.14f, 0.97f));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 6);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 1);
    ImGui::PushStyleColor(ImGuiCol_Border, to_vec4(tint));
    const std::string id = fmt("##msg%p", static_cast<void*>(&m));
    ImGui::Begin(id.c_str(), nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoFocusOnAppearing);
    const char* head = m.level == Message::Level::Error ? "\xE2\x9C\x95 Error" : m.level == Message::Level::Warning ? "\xE2\x9A\xA0 Warning" : "\xE2\x84\xB9 Note";
    ImGui::PushFont(fonts.bold);
    ImGui::TextColored(to_vec4(tint), "%s", head);
    ImGui::PopFont();
    ImGui::SameLine(w - 60);
    if (ImGui::SmallButton("Close")) m.dismissed = true;
    ImGui::PushTextWrapPos(w - 16);
    ImGui::TextUnformatted(m.text.c_str());
    ImGui::PopTextWrapPos();
    layout.add(m.level == Message::Level::Error ? "message/error" : "message", Rect::from(ImGui::GetWindowPos(),
               ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowSize().x, ImGui::GetWindowPos().y + ImGui::GetWindowSize().y)));
    y += ImGui::GetWindowSize().y + 8;
    ImGui::End();
    ImGui::PopStyleColor(2);
    ImGui::PopStyleVar(2);
  }
}

void Studio::draw_layout() {
  const ImVec2 ds = ImGui::GetIO().DisplaySize;
  draw_menu_bar();
  const float menu_h = ImGui::GetFrameHeight();
  const float split = 5;
  settings.sidebar_width = std::clamp(settings.sidebar_width, 300.0f, std::max(300.0f, ds.x * 0.5f));
  settings.timeline_height = std::clamp(settings.timeline_height, 150.0f, std::max(150.0f, (ds.y - menu_h) * 0.5f));
  const float sw = settings.sidebar_width, th = settings.timeline_height;
  const Rect viewer_r{0, menu_h, ds.x - sw - split, ds.y - menu_h - th - split};
  const Rect timeline_r{0, viewer_r.y + viewer_r.h + split, viewer_r.w, th};
  const Rect sidebar_r{ds.x - sw, menu_h, sw, ds.y - menu_h};

  viewer->draw(*this, viewer_r);
  timeline->draw(*this, timeline_r);

  ImGui::SetNextWindowPos(sidebar_r.min());
  ImGui::SetNextWindowSize(ImVec2(sidebar_r.w, sidebar_r.h));
  ImGui::Begin("##sidebar", nullptr,
               ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus);
  layout.add("sidebar", sidebar_r);
  metrics_panel->draw_job(*this);
  metrics_panel->draw_metrics(*this);
  metrics_panel->draw_inspector(*this);
  model_panel->draw(*this);
  ImGui::End();

  draw_splitter("##split_v", Rect{viewer_r.w, menu_h, split, ds.y - menu_h}, true, &settings.sidebar_width, 300,
                std::max(300.0f, ds.x * 0.5f), true);
  draw_splitter("##split_h", Rect{0, viewer_r.y + viewer_r.h, viewer_r.w, split}, false, &settings.timeline_height, 150,
                std::max(150.0f, (ds.y - menu_h) * 0.5f), true);
  draw_messages(viewer_r);

  if (!capture_clean_frame_) {
    if (!export_dialog->is_open()) browser->draw(*this);
    export_dialog->draw(*this);
    help->draw(*this, &help_open_);
    if (about_open_) {
      ImGui::SetNextWindowPos(ImVec2(ds.x / 2, ds.y / 2), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
      ImGui::Begin("About WFVAE Studio", &about_open_, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse);
      ImGui::PushFont(fonts.large);
      ImGui::TextUnformatted("WFVAE Studio 0.1");
      ImGui::PopFont();
      ImGui::TextUnformatted("Reconstruct, compare and inspect videos with WF-VAE,\nthe wavelet-driven energy-flow video VAE.");
      ImGui::TextDisabled("Dear ImGui %s \xC2\xB7 GLFW %s \xC2\xB7 OpenGL %s", ImGui::GetVersion(), glfwGetVersionString(),
                          reinterpret_cast<const char*>(glGetString(GL_VERSION)));
      ImGui::End();
    }
  }
}

void Studio::process_captures() {
  if (captures_.empty()) return;
  auto caps = std::move(captures_);
  captures_.clear();
  for (auto& c : caps) {
    const float s = framebuffer_scale;
    const int x = std::clamp(static_cast<int>(std::lround(c.rect.x * s)), 0, framebuffer_width - 1);
    const int y = std::clamp(static_cast<int>(std::lround(c.rect.y * s)), 0, framebuffer_height - 1);
    const int w = std::clamp(static_cast<int>(std::lround(c.rect.w * s)), 1, framebuffer_width - x);
    const int h = std::clamp(static_cast<int>(std::lround(c.rect.h * s)), 1, framebuffer_height - y);
    media::RgbFrame f;
    f.width = w;
    f.height = h;
    f.rgb = read_window_rgb(x, y, w, h, framebuffer_height);
    if (c.done) c.done(std::move(f));
  }
}

void Studio::frame_once() {
  // A clean capture requested last frame: this frame is drawn without popups.
  const double t_frame_start = steady_now();
  capture_clean_frame_ = !captures_next_.empty();
  for (auto& c : captures_next_) captures_.push_back(std::move(c));
  captures_next_.clear();

  glfwGetFramebufferSize(window, &framebuffer_width, &framebuffer_height);
  int ww = 1, wh = 1;
  glfwGetWindowSize(window, &ww, &wh);
  framebuffer_scale = ww > 0 ? static_cast<float>(framebuffer_width) / ww : 1.0f;
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  layout.clear();
  handle_shortcuts();
  draw_layout();
  ImGui::Render();
  const double t_built = steady_now();
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glViewport(0, 0, framebuffer_width, framebuffer_height);
  // No clear: the panels cover the whole window (a full-window fill saved per frame).
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  process_captures();
  capture_clean_frame_ = false;
  glFinish();  // so the render time below is the GPU's (llvmpipe's) work, not the swap's
  const double t_rendered = steady_now();
  glfwSwapBuffers(window);
  const double t_swapped = steady_now();
  last_build_ms_ = (t_built - t_frame_start) * 1000;
  last_render_ms_ = (t_rendered - t_built) * 1000;
  last_swap_ms_ = (t_swapped - t_rendered) * 1000;

  // Title: what is open and what the worker does.
  static std::string last_title;
  std::string title = "WFVAE Studio";
  if (clip) title += " \xE2\x80\x94 " + fs::path(clip->path).filename().string();
  if (model.loaded) title += " \xC2\xB7 " + model.name;
  const JobStatus js = worker->status();
  if (js.busy) title += fmt("  (%s %.0f%%)", js.kind.c_str(), js.fraction * 100);
  if (title != last_title) {
    glfwSetWindowTitle(window, title.c_str());
    last_title = title;
  }
}

// ---------------------------------------------------------------- startup and scripts

void Studio::start_initial_work() {
  std::error_code ec;
  if (!opts.no_model) {
    std::string m = opts.model;
    if (m.empty() && !opts.isolated() && !settings.last_model.empty() && fs::exists(settings.last_model, ec)) m = settings.last_model;
    if (m.empty())
      if (auto d = find_default_model()) m = d->string();
    if (!m.empty()) {
      if (fs::exists(m, ec)) open_model(m);
      else {
        any_error_ = true;
        worst_error_ = ErrorKind::BadInput;
        message(Message::Level::Error, m + ": no such model folder");
      }
    }
  }
  std::string in = opts.input;
  if (in.empty() && !opts.isolated() && !settings.last_input.empty() && fs::exists(settings.last_input, ec)) in = settings.last_input;
  if (in.empty() && fs::exists(default_sample_clip(), ec)) in = default_sample_clip().string();
  if (!in.empty()) open_path(in);
  if (!opts.compare.empty()) open_compare_file(opts.compare);
  apply_view_options();
}

void Studio::apply_view_options() {
  if (!opts.view.empty()) {
    View v;
    if (parse_view(opts.view, &v)) set_view(v);
  }
  if (!opts.pair.empty())
    for (int i = 0; i < kPairCount; ++i)
      if (opts.pair == pair_name(static_cast<Pair>(i))) pair = static_cast<Pair>(i);
  if (opts.frame) set_frame(*opts.frame);
  if (opts.split) settings.split = *opts.split;
  if (opts.zoom) viewer->zoom_to(*opts.zoom);
  if (opts.diff_gain) settings.diff_gain = *opts.diff_gain;
  if (!opts.diff_mode.empty()) settings.diff_signed = opts.diff_mode == "signed";
  if (opts.diff_luma) settings.diff_luma = *opts.diff_luma;
  if (!opts.wavelet_level.empty()) {
    static const char* const kLevels[] = {"l0", "l1", "l2", "model"};
    for (int i = 0; i < 4; ++i)
      if (opts.wavelet_level == kLevels[i]) wavelets->set_tab(i);
  }
}

void Studio::record_state_json(const std::string& path) {
  json::Value j = json::Object{};
  if (clip) {
    json::Value c = json::Object{};
    c["path"] = clip->path;
    c["frames"] = clip->count();
    c["width"] = clip->width;
    c["height"] = clip->height;
    c["fps"] = clip->fps;
    j["clip"] = c;
  }
  json::Value m = json::Object{};
  m["loaded"] = model.loaded;
  m["path"] = model.path;
  m["name"] = model.name;
  m["norm_type"] = norm_type;
  m["num_groups"] = num_groups;
  if (model.loaded) {
    m["trained_norm_type"] = model.trained.norm_type;
    m["trained_num_groups"] = model.trained.norm_num_groups;
    m["num_parameters"] = model.num_parameters;
    m["stored_dtype"] = model.stored_dtype;
    m["device"] = model.device;
    m["dtype"] = model.dtype;
    json::Array g;
    for (int v : model.valid_groups) g.emplace_back(v);
    m["valid_groups"] = json::Value(g);
  }
  j["model"] = m;
  if (run_current) j["run"] = run_json(*run_current);
  if (run_previous) j["previous_run"] = run_json(*run_previous);
  if (file_b) {
    json::Value f = json::Object{};
    f["path"] = file_b->path;
    f["frames"] = static_cast<int64_t>(file_b->frames.size());
    f["psnr_mean"] = file_b->psnr_mean;
    f["ssim_mean"] = file_b->ssim_mean;
    j["file_b"] = f;
  }
  j["view"] = view_name(view);
  j["pair"] = pair_name(effective_pair());
  j["frame"] = frame;
  j["split"] = static_cast<double>(settings.split);
  j["chunked"] = settings.chunked;
  j["worker_nice"] = worker->applied_nice();
  json::Array msgs;
  for (const auto& x : messages) {
    json::Value e = json::Object{};
    e["level"] = x.level == Message::Level::Error ? "error" : x.level == Message::Level::Warning ? "warning" : "info";
    e["text"] = x.text;
    msgs.push_back(e);
  }
  j["messages"] = json::Value(msgs);
  json::Array lab;
  for (const auto& r : normlab->rows()) {
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
  if (script_) {
    json::Array ex;
    for (const auto& p : script_->exported) ex.emplace_back(p);
    j["exported"] = json::Value(ex);
  }
  write_file_atomic(path, json::dump(j, 2) + "\n", true);
}

void Studio::capture_during_run() {
  // Called as each streamed chunk's metrics arrive: the first time a run is part
  // done, its state is written and the window captured (deterministically, however
  // many chunks the worker has posted meanwhile).
  if (!script_ || opts.during_run.empty() || script_->during_run_taken || !run_current) return;
  const Run& r = *run_current;
  int64_t measured = 0;
  for (int64_t i = 0; i < r.count(); ++i) measured += r.has_metrics(i);
  if (r.state != Run::State::Running || measured == 0 || measured >= r.count()) return;
  script_->during_run_taken = true;
  const std::string prefix = opts.during_run;
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

bool Studio::script_step() {
  Script& sc = *script_;
  const bool busy = !worker->idle() || !model_loading.empty() || !captures_.empty() || !captures_next_.empty();
  if (steady_now() - sc.started > opts.timeout_s) {
    message(Message::Level::Error, fmt("gave up after %.0f s (--timeout)", opts.timeout_s));
    exit_code_ = 124;
    worker->cancel_all();
    return false;
  }
  auto fail = [&](ErrorKind kind, const std::string& text) {
    any_error_ = true;
    if (worst_error_ == ErrorKind::Cancelled || kind == ErrorKind::Usage) worst_error_ = kind;
    message(Message::Level::Error, text);
  };
  if (busy && sc.step < 8) return true;
  switch (sc.step) {
    case 0:  // the initial model and clip are in
      ++sc.step;
      for (const auto& p : opts.simulate_drops) {
        // Through the window's registered drop handler, exactly as a real drop.
        GLFWdropfun handler = glfwSetDropCallback(window, nullptr);
        glfwSetDropCallback(window, handler);
        if (!handler) {
          fail(ErrorKind::Runtime, "no drop handler is registered");
          break;
        }
        const char* paths[] = {p.c_str()};
        handler(window, 1, paths);
      }
      return true;
    case 1:
      ++sc.step;
      if (!opts.rerun_with.empty()) {
        const std::string& r = opts.rerun_with;
        if (!model.loaded) {
          fail(ErrorKind::BadInput, "--rerun-with needs a loaded model");
        } else if (r == "chunked" || r == "direct") {
          settings.chunked = r == "chunked";
          request_run();
        } else if (r == "layernorm") {
          norm_type = "layernorm";
          request_run();
        } else if (r.rfind("groupnorm", 0) == 0) {
          int g = r.size() > 10 && r[9] == ':' ? std::atoi(r.c_str() + 10) : model.trained.norm_num_groups;
          if (std::find(model.valid_groups.begin(), model.valid_groups.end(), g) == model.valid_groups.end()) {
            std::string valid;
            for (int v : model.valid_groups) valid += (valid.empty() ? "" : ", ") + std::to_string(v);
            fail(ErrorKind::Usage, fmt("num_groups %d is not valid for %s (valid: %s)", g, model.name.c_str(), valid.c_str()));
          } else {
            norm_type = "groupnorm";
            num_groups = g;
            request_run();
          }
        } else {
          fail(ErrorKind::Usage, "--rerun-with: \"" + r + "\" is not layernorm, groupnorm[:G], chunked or direct");
        }
      }
      return true;
    case 2:
      ++sc.step;
      if (opts.ab_chunked) start_ab_chunked();
      return true;
    case 3:
      ++sc.step;
      if (!opts.normlab.empty()) {
        std::string err;
        if (!normlab->select(*this, opts.normlab, &err)) fail(ErrorKind::Usage, err);
        else normlab->start(*this);
      }
      return true;
    case 4:
      ++sc.step;
      if (!opts.normlab_csv.empty()) {
        try {
          normlab->write_csv(opts.normlab_csv, opts.overwrite);
        } catch (const std::exception& e) {
          fail(ErrorKind::BadInput, e.what());
        }
      }
      if (!opts.export_dir.empty()) {
        std::string err;
        if (!export_dialog->start_scripted(*this, opts.export_dir, opts.overwrite, &err)) fail(ErrorKind::BadInput, err);
      }
      return true;
    case 5:
      ++sc.step;
      apply_view_options();
      if (opts.show == "help") help_open_ = true;
      else if (opts.show == "about") about_open_ = true;
      else if (opts.show == "export") open_export_dialog();
      else if (opts.show == "open") open_file_dialog();
      else if (opts.show == "model") open_model_dialog();
      if (!opts.normlab_png.empty() && opts.view.empty()) set_view(View::NormLab);
      set_playing(false);
      sc.settle = 4;  // a few frames for layout, textures and the wavelet cache
      return true;
    case 6:
      if (--sc.settle > 0) return true;
      ++sc.step;
      if (!opts.normlab_png.empty()) {
        if (view != View::NormLab) {
          fail(ErrorKind::Usage, "--normlab-png needs --view normlab (or no --view)");
        } else {
          const std::string p = opts.normlab_png;
          const bool ow = opts.overwrite;
          request_capture(normlab->table_rect(), false, [this, p, ow, fail](media::RgbFrame img) {
            try {
              media::write_png(p, img, ow);
            } catch (const std::exception& e) {
              fail(ErrorKind::BadInput, e.what());
            }
          });
        }
      }
      if (!opts.screenshot.empty()) {
        const std::string p = opts.screenshot;
        const ImVec2 ds = ImGui::GetIO().DisplaySize;
        request_capture(Rect{0, 0, ds.x, ds.y}, false, [this, p, fail](media::RgbFrame img) {
          try {
            media::write_png(p, img, true);
          } catch (const std::exception& e) {
            fail(ErrorKind::BadInput, e.what());
          }
        });
      }
      return true;
    case 7:
      // Captures were taken at the end of the last frame; its layout is the one shown.
      ++sc.step;
      if (!opts.ui_bench.empty()) {
        set_playing(true);
        sc.idle_until = steady_now() + 4;  // then 4 s of idle frames for comparison
      }
      return true;
    case 8:
      if (steady_now() < sc.idle_until) return true;
      ++sc.step;
      break;
    default:
      break;
  }
  // Outputs.
  try {
    if (!opts.dump_layout.empty())
      write_file_atomic(opts.dump_layout,
                        json::dump(layout.to_json(framebuffer_width, framebuffer_height, framebuffer_scale), 2) + "\n", true);
    if (!opts.dump_state.empty()) record_state_json(opts.dump_state);
    if (!opts.ui_bench.empty()) {
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
      b["worker_nice"] = worker->applied_nice();
      b["window_width"] = framebuffer_width;
      b["window_height"] = framebuffer_height;
      b["view"] = view_name(view);
      b["frame_cap_fps"] = 60;
      b["cores"] = static_cast<int64_t>(std::thread::hardware_concurrency());
      b["note"] = "frame_interval_ms: time between frame starts (includes the 60 fps cap's sleep); frame_work_ms: "
                  "UI build + render + swap; both only while the inference worker was busy, with the clip playing";
      if (run_current && run_current->result) b["inference_total_ms"] = run_current->result->timings.total_ms;
      write_file_atomic(opts.ui_bench, json::dump(b, 2) + "\n", true);
    }
  } catch (const std::exception& e) {
    fail(ErrorKind::BadInput, e.what());
  }
  return false;
}

// ---------------------------------------------------------------- main loop

int Studio::run() {
  init_window();
  worker = std::make_unique<Worker>(opts.worker_nice, [] { glfwPostEmptyEvent(); });
  worker->set_error_handler([this](const JobError& e) { on_job_error(e); });
  if (opts.exits_by_itself()) {
    script_ = std::make_unique<Script>();
    script_->started = steady_now();
  }
  if (opts.isolated()) {
    // Scripted screenshots: park the pointer in the window's corner, so no hover
    // highlight or tooltip depends on where the X server left it.
    int w = 0, h = 0;
    glfwGetWindowSize(window, &w, &h);
    glfwSetCursorPos(window, w - 1, h - 1);
  }
  start_initial_work();
  if (!opts.ui_bench.empty()) set_playing(true);

  last_frame_time_ = steady_now();
  double prev_start = last_frame_time_;
  double last_render = 0;
  int settle_frames = 2;
  constexpr double kFrameCap = 1.0 / 60.0;
  constexpr double kProgressPeriod = 1.0 / 15.0;  // progress bar refresh while nothing else moves
  std::signal(SIGINT, on_quit_signal);
  std::signal(SIGTERM, on_quit_signal);
  while (!glfwWindowShouldClose(window) && !quit_ && !g_quit_signal.load()) {
    // Render on demand: after input (and a few frames more, for hover states), when
    // the worker posts results, while playing or flickering, and at 15 Hz while a
    // job runs. Scripted runs render continuously (the UI benchmark measures that).
    const bool busy_before = !worker->idle();
    const bool continuous = script_ != nullptr || !captures_next_.empty() || !captures_.empty() ||
                            ImGui::GetIO().WantTextInput || settle_frames > 0;
    if (continuous) {
      glfwPollEvents();
    } else {
      double wait = 0.5;  // message boxes expire; nothing else is due
      if (busy_before) wait = std::max(0.0, kProgressPeriod - (steady_now() - last_render));
      if (playing) wait = std::min(wait, std::max(0.0, (1.0 - play_accumulator_) / fps() - (steady_now() - last_frame_time_)));
      if (view == View::Flicker) wait = std::min(wait, 0.5 / std::max(0.5f, settings.flicker_hz));
      glfwWaitEventsTimeout(std::max(0.001, wait));
    }
    const double start = steady_now();
    const bool busy = worker->status().busy;
    const size_t posted = drain_worker();
    const int64_t frame_before = frame;
    advance_playback(start - last_frame_time_);
    last_frame_time_ = start;
    const bool had_input = input_events_ != seen_events_;
    seen_events_ = input_events_;
    if (had_input) settle_frames = 3;
    const bool due = continuous || had_input || posted > 0 || frame != frame_before || view == View::Flicker ||
                     (busy && start - last_render >= kProgressPeriod) || start - last_render >= 0.5;
    if (!due) continue;
    if (settle_frames > 0 && !had_input) --settle_frames;
    frame_once();
    last_render = start;
    const double end = steady_now();
    if (script_) {
      if (busy) {
        script_->intervals_ms.push_back((start - prev_start) * 1000);
        script_->work_ms.push_back((end - start) * 1000);
        script_->busy_seconds += start - prev_start;
        script_->build_ms.push_back(last_build_ms_);
        script_->render_ms.push_back(last_render_ms_);
        script_->swap_ms.push_back(last_swap_ms_);
      } else if (script_->idle_until > 0) {
        script_->idle_intervals_ms.push_back((start - prev_start) * 1000);
        script_->idle_work_ms.push_back((end - start) * 1000);
        script_->idle_seconds += start - prev_start;
      }
      if (!script_step()) break;
    }
    prev_start = start;
    // Cap the frame rate (vsync does it on a real display; Xvfb has none).
    const double left = kFrameCap - (steady_now() - start);
    if (left > 0.001) std::this_thread::sleep_for(std::chrono::duration<double>(left));
  }
  save_settings_now();
  worker.reset();  // cancels and joins before GL and panels go away
  shutdown_window();
  if (exit_code_) return exit_code_;
  return any_error_ ? exit_code_for(worst_error_ == ErrorKind::Cancelled ? ErrorKind::Runtime : worst_error_) : 0;
}

}  // namespace wfvae::studio
