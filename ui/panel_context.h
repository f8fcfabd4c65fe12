// The panels' door into the studio: what a panel may read (the document, the
// settings, the model, the view), the one way it changes settings, and the actions
// it may ask for. Studio implements it; panels include this, never studio.h, so a
// panel cannot reach the worker, the engine or another panel, and every job starts
// through an action here (the studio owns the tickets and feeds results to the
// Document).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/norm_setting.h"
#include "document.h"
#include "jobs/worker.h"
#include "layout.h"
#include "media/media.h"
#include "pipeline/exports.h"
#include "pixel_probe.h"
#include "runtime/system_info.h"
#include "session.h"
#include "settings.h"
#include "theme.h"

namespace wfvae::studio {

struct Message {
  enum class Level { Info, Warning, Error };
  Level level = Level::Info;
  std::string text;
  double time = 0;
  bool dismissed = false;
};

class PanelContext {
 public:
  virtual ~PanelContext() = default;

  // ---- what the panels read
  virtual const Document& doc() const = 0;
  virtual const Settings& settings() const = 0;
  // The model as the worker reported it, and the one being loaded ("" when none).
  virtual const ModelInfo& model() const = 0;
  virtual const std::string& model_loading() const = 0;
  virtual const std::vector<std::string>& bundled_models() const = 0;
  // What can run here (devices, versions); null until the worker has asked.
  virtual const SystemInfo* system() const = 0;
  // The normalisation the next run uses (the norm lab's and the model panel's toggles).
  virtual const NormSetting& norm() const = 0;
  virtual View view() const = 0;
  virtual bool playing() const = 0;
  virtual int64_t frame_count() const = 0;
  virtual double fps() const = 0;
  virtual double now() const = 0;
  virtual JobStatus job_status() const = 0;
  virtual const Fonts& fonts() const = 0;
  virtual float framebuffer_scale() const = 0;
  virtual int framebuffer_width() const = 0;
  virtual int framebuffer_height() const = 0;
  // The viewer's image region in the last frame (logical pixels): "PNG of the view".
  virtual Rect view_rect() const = 0;
  // True while the frame being drawn is a clean capture (no popups over it).
  virtual bool capturing_clean() const = 0;
  // Where panels record their rectangles (the layout tests read them).
  virtual LayoutRecorder& layout() = 0;
  // What the viewer's pixel probe reads under the cursor (the metrics panel shows it).
  virtual PixelProbe& probe() = 0;
  // The LPIPS weights the runs use, or what is missing (shown in place of the metric).
  virtual const LpipsWeights& lpips_weights() const = 0;

  // ---- the one way a panel changes settings: `edit` runs on the studio's copy
  virtual void change_settings(const std::function<void(Settings&)>& edit) = 0;

  // ---- actions
  virtual void request_run() = 0;
  virtual void start_ab_chunked() = 0;  // the clip again with chunked flipped
  // The current run's LPIPS (again): after a cancel or a failure. A finished run starts
  // it by itself.
  virtual void request_lpips() = 0;
  virtual void open_model(const std::string& path) = 0;
  virtual void open_file_dialog() = 0;
  virtual void open_model_dialog() = 0;
  virtual void set_norm(const NormSetting& n) = 0;
  virtual void set_view(View v) = 0;
  virtual void set_pair(Pair p) = 0;
  virtual void set_frame(int64_t f) = 0;
  virtual void set_playing(bool on) = 0;
  virtual void cancel_jobs() = 0;         // every job, queued ones included
  virtual void cancel_running_job() = 0;  // the one running now
  virtual void message(Message::Level level, const std::string& text) = 0;
  // The norm lab's sweep of `settings` over the first `frames` frames of the clip;
  // its rows arrive in Document::lab().
  virtual void start_normlab(std::vector<LabSetting> settings, int frames) = 0;
  // Writes the current run's exports (and, when view_png is set, a PNG of the view
  // taken from a clean frame); `done` gets the paths written.
  virtual void start_export(pipeline::ExportRequest request, const std::filesystem::path& view_png,
                            std::function<void(std::vector<std::filesystem::path>)> done) = 0;
  // Reads the rectangle (logical pixels) after the next frame is rendered. With
  // clean, that frame is drawn without popups (dialogs) over it.
  virtual void request_capture(const Rect& r, bool clean, std::function<void(media::RgbFrame)> done) = 0;
  // File dialogs, for the panels that ask for a path.
  virtual void choose_folder(const std::string& title, std::function<void(const std::string&)> done) = 0;
  virtual void save_file_dialog(const std::string& title, const std::string& default_name, const std::string& extension,
                                std::function<void(const std::string&)> done) = 0;
  virtual void draw_file_dialog() = 0;  // inside another popup (the export dialog's folder chooser)
};

// Sets one setting (a panel's widget changed it).
template <class T, class V>
void set_setting(PanelContext& s, T Settings::*field, V value) {
  s.change_settings([&](Settings& st) { st.*field = value; });
}

}  // namespace wfvae::studio
