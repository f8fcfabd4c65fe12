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
#include "headless/script_driver.h"
#include "jobs/engine_jobs.h"
#include "jobs/worker.h"
#include "layout.h"
#include "options.h"
#include "panel_context.h"
#include "pixel_probe.h"
#include "runtime/system_info.h"
#include "session.h"
#include "settings.h"
#include "theme.h"

struct GLFWwindow;

namespace wfvae::studio {

class ViewerPanel;
class TimelinePanel;
class WaveletPanel;
class LatentPanel;
class ModelPanel;
class MetricsPanel;
class NormLabPanel;
class ExportDialog;
class FileBrowser;
class HelpWindow;

// Studio is the panels' PanelContext and the scripted runs' ScriptHost: both
// narrow doors over the state and actions here.
class Studio : public ScriptHost {
 public:
  explicit Studio(Options options);
  ~Studio();
  Studio(const Studio&) = delete;
  Studio& operator=(const Studio&) = delete;

  // Creates the window and runs until it closes (or a scripted run is done).
  int run();

  // ---- actions (UI thread; the panels' are PanelContext's) ----
  // A video/image, a model folder, or a .safetensors file: decides which.
  void open_path(const std::string& path);
  void open_input(const std::string& path);
  // A latents file: decoded with the loaded model (when one is loaded or loading; else
  // it waits for one), its source video, when named and there, as B = file.
  void open_latents(const std::string& path);
  void open_model(const std::string& path) override;
  void open_compare_file(const std::string& path);
  void close_compare_file();
  // Reconstructs the clip with the current settings; the finished run becomes "previous".
  void request_run() override;
  // Runs the clip again with chunked flipped: the A/B of chunked vs direct.
  void start_ab_chunked() override;
  void request_lpips() override;
  void cancel_jobs() override;
  void cancel_running_job() override;
  void set_view(View v) override;
  void set_frame(int64_t f) override;
  void set_playing(bool on) override;
  void set_pair(Pair p) override { doc_.set_pair(p); }
  void set_norm(const NormSetting& n) override { norm_ = n; }
  void change_settings(const std::function<void(Settings&)>& edit) override { edit(settings_); }
  void message(Message::Level level, const std::string& text) override;
  void start_normlab(std::vector<LabSetting> settings, int frames) override;
  void start_export(pipeline::ExportRequest request, const std::filesystem::path& view_png,
                    std::function<void(std::vector<std::filesystem::path>)> done) override;
  void request_capture(const Rect& r, bool clean, std::function<void(media::RgbFrame)> done) override;
  bool capturing_clean() const override { return capture_clean_frame_; }
  void open_file_dialog() override;
  void open_model_dialog() override;
  void open_compare_dialog();
  void open_export_dialog();
  void save_settings_now();
  void choose_folder(const std::string& title, std::function<void(const std::string&)> done) override;
  void save_file_dialog(const std::string& title, const std::string& default_name, const std::string& extension,
                        std::function<void(const std::string&)> done) override;
  void draw_file_dialog() override;

  // ---- what the panels read
  RunSettings current_settings() const;
  int64_t frame_count() const override { return doc_.frame_count(); }
  double fps() const override { return doc_.fps(); }
  double now() const override;
  const Settings& settings() const override { return settings_; }
  const Fonts& fonts() const override { return fonts_; }
  LayoutRecorder& layout() override { return layout_; }
  const Document& doc() const override { return doc_; }
  const ModelInfo& model() const override { return model_; }
  const std::string& model_loading() const override { return model_loading_; }
  const NormSetting& norm() const override { return norm_; }
  const std::vector<std::string>& bundled_models() const override { return bundled_models_; }
  // Null until the worker has asked, so CUDA is initialised on the worker thread,
  // never on the UI's first frame.
  const SystemInfo* system() const override { return system_.get(); }
  View view() const override { return view_; }
  bool playing() const override { return playing_; }
  JobStatus job_status() const override { return worker_->status(); }
  float framebuffer_scale() const override { return framebuffer_scale_; }
  int framebuffer_width() const override { return framebuffer_width_; }
  int framebuffer_height() const override { return framebuffer_height_; }
  PixelProbe& probe() override { return probe_; }
  const LpipsWeights& lpips_weights() const override { return lpips_weights_; }
  Rect view_rect() const override;

  // ---- what the scripted runs use (ScriptHost; headless/script_host.cpp)
  const Options& options() const override { return opts_; }
  bool busy() const override;
  void simulate_drop(const std::string& path) override;
  void report_error(ErrorKind kind, const std::string& text) override;  // the one place errors are shown and counted
  void set_exit_code(int code) override { exit_code_ = code; }
  void show_dialog(const std::string& name) override;
  void apply_view_options() override;
  bool select_normlab(const std::string& spec, std::string* error) override;
  void start_selected_normlab() override;
  Rect normlab_table_rect() const override;
  bool start_scripted_export(const std::string& folder, bool overwrite, std::string* error) override;
  json::Value state_json() const override;
  json::Value layout_json() const override;
  json::Value frame_loop_json() const override;
  Rect window_rect() const override;
  void park_pointer() override;

 private:
  struct Capture {
    Rect rect;
    std::function<void(media::RgbFrame)> done;
  };

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
  static void drop_callback(GLFWwindow* window, int count, const char** paths);

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
  LpipsWeights lpips_weights_;  // found at start; `missing` also says when they did not load

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
  std::unique_ptr<LatentPanel> latent_;
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
  std::unique_ptr<ScriptDriver> script_;  // for runs that exit by themselves
  std::string settings_problem_;
  uint64_t input_events_ = 0, seen_events_ = 0;                       // GLFW input callbacks seen
  double next_message_expiry_ = 0;                                    // a shown message box times out then
  double last_build_ms_ = 0, last_render_ms_ = 0, last_swap_ms_ = 0;  // of the last frame
  bool software_gl_ = false;     // the GL renderer draws on the CPU (render_pacing.h)
  double first_result_ms_ = -1;  // process start to the first finished reconstruction
  double first_frame_ms_ = -1;   // process start (libraries loaded) to the first frame on screen
};

}  // namespace wfvae::studio
