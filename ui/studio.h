// The studio application: window, main loop, fixed layout with splitters, menus,
// shortcuts, drag and drop, the actions panels call, and the scripted/headless runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/norm_setting.h"
#include "document.h"
#include "jobs/engine_jobs.h"
#include "runtime/system_info.h"
#include "layout.h"
#include "options.h"
#include "pixel_probe.h"
#include "session.h"
#include "settings.h"
#include "theme.h"
#include "jobs/worker.h"

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

  // ---- what the panels read (and the few settings they change) ----
  RunSettings current_settings() const;
  int64_t frame_count() const { return doc_.frame_count(); }
  double fps() const { return doc_.fps(); }
  double now() const;
  Settings& settings() { return settings_; }
  const Fonts& fonts() const { return fonts_; }
  LayoutRecorder& layout() { return layout_; }
  Worker& worker() { return *worker_; }
  std::shared_ptr<Engine> engine() const { return engine_; }
  const Document& doc() const { return doc_; }
  void set_pair(Pair p) { doc_.set_pair(p); }
  // The model as the worker reported it, and the one being loaded ("" when none).
  const ModelInfo& model() const { return model_; }
  const std::string& model_loading() const { return model_loading_; }
  // The normalisation the next run uses (the norm lab's and the model panel's toggles).
  const NormSetting& norm() const { return norm_; }
  void set_norm(const NormSetting& n) { norm_ = n; }
  const std::vector<std::string>& bundled_models() const { return bundled_models_; }
  // What can run here (devices, versions); null until the worker has asked, so
  // CUDA is initialised on the worker thread, never on the UI's first frame.
  const SystemInfo* system() const { return system_.get(); }
  View view() const { return view_; }
  bool playing() const { return playing_; }
  float framebuffer_scale() const { return framebuffer_scale_; }
  int framebuffer_width() const { return framebuffer_width_; }
  int framebuffer_height() const { return framebuffer_height_; }
  // What the viewer's pixel probe reads under the cursor (the metrics panel shows it).
  PixelProbe& probe() { return probe_; }
  // The viewer's image region in the last frame (logical pixels): "PNG of the view".
  Rect view_rect() const;
  // File dialogs, for the panels that ask for a path.
  void choose_folder(const std::string& title, std::function<void(const std::string&)> done);
  void save_file_dialog(const std::string& title, const std::string& default_name, const std::string& extension,
                        std::function<void(const std::string&)> done);
  void draw_file_dialog();  // inside another popup (the export dialog's folder chooser)

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
  void start_script();  // for runs that exit by themselves (headless/studio_script.cpp)
  bool script_step();   // false when the scripted run is over
  void script_drop_files();
  void script_rerun();
  void script_start_normlab();
  void script_write_tables();
  void script_show();
  void script_capture();
  void write_script_outputs();
  json::Value ui_bench_json() const;
  void capture_during_run();
  void apply_view_options();
  static void drop_callback(GLFWwindow* window, int count, const char** paths);

  void report_error(ErrorKind kind, const std::string& text);  // the one place errors are shown and counted
  void apply(const Document::ClipAccepted& accepted);

  Options opts_;
  Settings settings_;
  Fonts fonts_;
  LayoutRecorder layout_;
  std::shared_ptr<Engine> engine_;
  std::unique_ptr<Worker> worker_;

  // The model and the normalisation runs use.
  ModelInfo model_;
  std::string model_loading_;  // path of a model being loaded
  NormSetting norm_{"groupnorm", 32};
  std::vector<std::string> bundled_models_;  // assets/models/* with config.json
  std::shared_ptr<const SystemInfo> system_;

  Document doc_;  // clip, runs, B = file, the pair and frame shown
  ErrorTally errors_;

  // The view.
  View view_ = View::Side;
  View view_before_toggle_ = View::Side;  // D and F toggle back to it
  bool playing_ = false;
  PixelProbe probe_;
  std::vector<Message> messages_;

  // The window.
  GLFWwindow* window_ = nullptr;
  int framebuffer_width_ = 0, framebuffer_height_ = 0;
  float framebuffer_scale_ = 1;
  std::string window_title_;
  std::string imgui_ini_path_;  // ImGui keeps the pointer

  std::unique_ptr<ViewerPanel> viewer_;
  std::unique_ptr<TimelinePanel> timeline_;
  std::unique_ptr<WaveletPanel> wavelets_;
  std::unique_ptr<ModelPanel> model_panel_;
  std::unique_ptr<MetricsPanel> metrics_panel_;
  std::unique_ptr<NormLabPanel> normlab_;
  std::unique_ptr<ExportDialog> export_dialog_;
  std::unique_ptr<FileBrowser> browser_;
  std::unique_ptr<HelpWindow> help_;

  std::vector<Capture> captures_;
  bool capture_clean_frame_ = false;
  std::vector<Capture> captures_next_;
  double play_accumulator_ = 0;
  double last_frame_time_ = 0;
  bool help_open_ = false;
  bool about_open_ = false;
  bool quit_ = false;
  int exit_code_ = 0;
  std::unique_ptr<Script> script_;
  std::string settings_problem_;
  uint64_t input_events_ = 0, seen_events_ = 0;                       // GLFW input callbacks seen
  double next_message_expiry_ = 0;                                    // a shown message box times out then
  double last_build_ms_ = 0, last_render_ms_ = 0, last_swap_ms_ = 0;  // of the last frame
  bool software_gl_ = false;     // the GL renderer draws on the CPU (render_pacing.h)
  double first_result_ms_ = -1;  // process start to the first finished reconstruction
  double first_frame_ms_ = -1;   // process start (libraries loaded) to the first frame on screen
};

}  // namespace wfvae::studio
