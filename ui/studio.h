// The studio application: window, main loop, fixed layout with splitters, menus,
// shortcuts, drag and drop, the actions panels call, and the scripted/headless runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine_jobs.h"
#include "runtime/system_info.h"
#include "layout.h"
#include "options.h"
#include "session.h"
#include "settings.h"
#include "theme.h"
#include "worker.h"

struct GLFWwindow;

namespace wfvae::studio {

class ViewerPanel;
class TimelinePanel;
class WaveletPanel;
class ModelPanel;
class MetricsPanel;
class NormLabPanel;
class ExportDialog;
class FileBrowser;
class HelpWindow;

struct Message {
  enum class Level { Info, Warning, Error };
  Level level = Level::Info;
  std::string text;
  double time = 0;
  bool dismissed = false;
};

class Studio {
 public:
  explicit Studio(Options options);
  ~Studio();
  Studio(const Studio&) = delete;
  Studio& operator=(const Studio&) = delete;

  // Creates the window and runs until it closes (or a scripted run is done).
  int run();

  // ---- actions (UI thread) ----
  // A video/image, a model folder, or a .safetensors file: decides which.
  void open_path(const std::string& path);
  void open_input(const std::string& path);
  void open_model(const std::string& path);
  void open_compare_file(const std::string& path);
  void close_compare_file();
  // Reconstructs the clip with the current settings; the finished run becomes "previous".
  void request_run();
  // Runs the clip again with chunked flipped: the A/B of chunked vs direct.
  void start_ab_chunked();
  void cancel_jobs();
  void set_view(View v);
  void set_frame(int64_t f);
  void set_playing(bool on);
  void message(Message::Level level, const std::string& text);
  // Reads the rectangle (logical pixels) after the next frame is rendered. With
  // clean, that frame is drawn without popups (dialogs) over it.
  void request_capture(const Rect& r, bool clean, std::function<void(media::RgbFrame)> done);
  bool capturing_clean() const { return capture_clean_frame_; }
  void open_file_dialog();
  void open_model_dialog();
  void open_compare_dialog();
  void open_export_dialog();
  void save_settings_now();

  // ---- what the panels read ----
  RunSettings current_settings() const;
  int64_t frame_count() const { return clip ? clip->count() : 0; }
  double fps() const { return clip && clip->fps > 0 ? clip->fps : 25; }
  bool pair_available(Pair p) const;
  Pair effective_pair() const;  // the chosen pair, or the best available one
  // The frames the compare views show (nullptr: not there yet) and their labels.
  const media::RgbFrame* frame_a(int64_t i) const;
  const media::RgbFrame* frame_b(int64_t i) const;
  std::string label_a() const;
  std::string label_b() const;
  // A key that changes whenever frame_a/frame_b's pixels may have changed.
  uint64_t frames_version() const;
  double now() const;

  Options opts;
  Settings settings;
  Fonts fonts;
  LayoutRecorder layout;
  std::shared_ptr<Engine> engine;
  std::unique_ptr<Worker> worker;

  ModelInfo model;
  std::string model_loading;      // path of a model being loaded
  std::string norm_type = "groupnorm";
  int num_groups = 32;
  std::vector<std::string> bundled_models;  // assets/models/* with config.json
  // What can run here (devices, versions); null until the worker has asked, so
  // CUDA is initialised on the worker thread, never on the UI's first frame.
  std::shared_ptr<const SystemInfo> system;

  std::shared_ptr<Clip> clip;
  std::shared_ptr<Run> run_current, run_previous;
  std::shared_ptr<CompareFile> file_b;
  std::string input_opening;      // input path whose first job has not delivered a clip yet
  std::string compare_pending;    // B = file waiting for a clip

  View view = View::Side;
  Pair pair = Pair::OrigRecon;
  int64_t frame = 0;
  bool playing = false;
  std::vector<Message> messages;

  GLFWwindow* window = nullptr;
  int framebuffer_width = 0, framebuffer_height = 0;
  float framebuffer_scale = 1;

  std::unique_ptr<ViewerPanel> viewer;
  std::unique_ptr<TimelinePanel> timeline;
  std::unique_ptr<WaveletPanel> wavelets;
  std::unique_ptr<ModelPanel> model_panel;
  std::unique_ptr<MetricsPanel> metrics_panel;
  std::unique_ptr<NormLabPanel> normlab;
  std::unique_ptr<ExportDialog> export_dialog;
  std::unique_ptr<FileBrowser> browser;
  std::unique_ptr<HelpWindow> help;

 private:
  struct Capture {
    Rect rect;
    std::function<void(media::RgbFrame)> done;
  };
  struct Script;

  void init_window();
  void shutdown_window();
  void frame_once();
  void draw_menu_bar();
  void draw_layout();
  void draw_messages(const Rect& viewer);
  double next_message_expiry() const;
  void draw_splitter(const char* id, Rect r, bool vertical, float* value, float lo, float hi, bool invert);
  void handle_shortcuts();
  void advance_playback(double dt);
  size_t drain_worker();  // runs what the worker posted; returns how many
  void process_captures();
  void on_job_error(const JobError& e);
  void start_initial_work();
  void scan_bundled_models();
  void accept_clip(std::shared_ptr<Clip> c);
  void record_state_json(const std::string& path);
  bool script_step();  // false when the scripted run is over
  void capture_during_run();
  void apply_view_options();
  static void drop_callback(GLFWwindow* window, int count, const char** paths);

  std::vector<Capture> captures_;
  bool capture_clean_frame_ = false;
  std::vector<Capture> captures_next_;
  int next_clip_id_ = 1, next_run_id_ = 1;
  double play_accumulator_ = 0;
  double last_frame_time_ = 0;
  bool help_open_ = false;
  bool about_open_ = false;
  bool quit_ = false;
  int exit_code_ = 0;
  ErrorKind worst_error_ = ErrorKind::Cancelled;  // Cancelled = none yet
  bool any_error_ = false;
  std::unique_ptr<Script> script_;
  std::string settings_problem_;
  uint64_t input_events_ = 0, seen_events_ = 0;  // GLFW input callbacks seen
  double next_message_expiry_ = 0;                // a shown message box times out then
  double last_build_ms_ = 0, last_render_ms_ = 0, last_swap_ms_ = 0;  // of the last frame
  double first_frame_ms_ = -1;  // process start (libraries loaded) to the first frame on screen
};

}  // namespace wfvae::studio
