// The studio's window: GLFW and ImGui setup, the fixed layout with splitters, the
// menu bar, shortcuts, message boxes, captures, one frame, and the main loop.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include "core/assets.h"
#include "core/text.h"
#include "pipeline/decode_latents.h"
#include "panels/export_dialog.h"
#include "panels/file_browser.h"
#include "gl/gl.h"
#include "gl/gl_probe.h"
#include "panels/help_window.h"
#include "panels/metrics_panel.h"
#include "panels/model_panel.h"
#include "panels/normlab_panel.h"
#include "studio_internal.h"
#include "panels/timeline_panel.h"
#include "panels/viewer_panel.h"
#include "panels/latent_panel.h"
#include "panels/wavelet_panel.h"
#include "render_pacing.h"

namespace wfvae::studio {

namespace fs = std::filesystem;

namespace {

// SIGINT/SIGTERM end the session like closing the window (settings saved).
std::atomic<bool> g_quit_signal{false};
extern "C" void on_quit_signal(int) { g_quit_signal.store(true); }

}  // namespace

Studio::~Studio() = default;  // here, where every panel type is complete

void Studio::save_settings_now() {
  if (opts_.isolated()) return;
  if (window_) {
    int w = 0, h = 0;
    glfwGetWindowSize(window_, &w, &h);
    if (w > 0 && h > 0) settings_.window_width = w, settings_.window_height = h;
  }
  std::string problem;
  if (!save_settings(settings_, config_dir() / "settings.json", &problem))
    std::fprintf(stderr, "wfvae-studio: %s\n", problem.c_str());
}

// ---------------------------------------------------------------- window

bool is_latents_path(const std::string& path) {
  return text::lower_extension(path) == ".safetensors" && pipeline::is_latents_file(path);
}

// Milliseconds since this process started (library loading included), from the
// kernel's start time in clock ticks: the studio's time to its first frame.
double process_age_ms() {
  std::ifstream stat("/proc/self/stat"), up("/proc/uptime");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  double uptime_s = 0;
  up >> uptime_s;
  const size_t paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos || uptime_s <= 0) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return (uptime_s - std::stod(field) / static_cast<double>(sysconf(_SC_CLK_TCK))) * 1000;
  }
  return 0;
}

static void glfw_error(int code, const char* text) {
  std::fprintf(stderr, "wfvae-studio: GLFW error %d: %s\n", code, text);
}

void Studio::init_window() {
  glfwSetErrorCallback(glfw_error);
  if (!glfwInit())
    throw Error(ErrorKind::Runtime, "cannot start GLFW: no display? (set DISPLAY, or run headless under xvfb-run -a)");
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  window_ = glfwCreateWindow(settings_.window_width, settings_.window_height, "WFVAE Studio", nullptr, nullptr);
  if (!window_) {
    glfwTerminate();
    throw Error(ErrorKind::Runtime,
                "cannot create an OpenGL 3.3 core window (no display, or the driver lacks OpenGL 3.3)");
  }
  glfwSetWindowUserPointer(window_, this);
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(1);
  software_gl_ = is_software_renderer(current_gl_renderer());
  glfwSetDropCallback(window_, &Studio::drop_callback);
  // Any input wakes the render loop (ImGui's backend chains to these callbacks).
  auto poke = [](GLFWwindow* w) {
    if (auto* s = static_cast<Studio*>(glfwGetWindowUserPointer(w))) s->input_events_++;
  };
  static auto poke_fn = poke;  // captureless: usable as plain function pointers below
  glfwSetCursorPosCallback(window_, [](GLFWwindow* w, double, double) { poke_fn(w); });
  glfwSetMouseButtonCallback(window_, [](GLFWwindow* w, int, int, int) { poke_fn(w); });
  glfwSetScrollCallback(window_, [](GLFWwindow* w, double, double) { poke_fn(w); });
  glfwSetKeyCallback(window_, [](GLFWwindow* w, int, int, int, int) { poke_fn(w); });
  glfwSetCharCallback(window_, [](GLFWwindow* w, unsigned int) { poke_fn(w); });
  glfwSetWindowSizeCallback(window_, [](GLFWwindow* w, int, int) { poke_fn(w); });
  glfwSetWindowRefreshCallback(window_, [](GLFWwindow* w) { poke_fn(w); });
  glfwSetWindowFocusCallback(window_, [](GLFWwindow* w, int) { poke_fn(w); });
  glfwSetCursorEnterCallback(window_, [](GLFWwindow* w, int) { poke_fn(w); });

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  if (opts_.isolated()) {
    io.IniFilename = nullptr;
  } else {
    std::error_code ec;
    fs::create_directories(config_dir(), ec);
    imgui_ini_path_ = (config_dir() / "imgui.ini").string();
    io.IniFilename = imgui_ini_path_.c_str();
  }
  float sx = 1, sy = 1;
  glfwGetWindowContentScale(window_, &sx, &sy);
  fonts_ = setup_theme(std::max(1.0f, sx));
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  if (!fonts_.note.empty()) message(Message::Level::Warning, fonts_.note);
  if (!settings_problem_.empty()) message(Message::Level::Warning, settings_problem_);

  viewer_ = std::make_unique<ViewerPanel>();
  timeline_ = std::make_unique<TimelinePanel>();
  wavelets_ = std::make_unique<WaveletPanel>();
  latent_ = std::make_unique<LatentPanel>();
  model_panel_ = std::make_unique<ModelPanel>();
  metrics_panel_ = std::make_unique<MetricsPanel>();
  normlab_ = std::make_unique<NormLabPanel>();
  export_dialog_ = std::make_unique<ExportDialog>();
  browser_ = std::make_unique<FileBrowser>();
  help_ = std::make_unique<HelpWindow>();
}

void Studio::shutdown_window() {
  // GL objects first, while the context exists.
  viewer_.reset();
  wavelets_.reset();
  latent_.reset();
  normlab_.reset();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window_);
  window_ = nullptr;
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
    if (!is_latents_path(paths[i]) && is_model_path(paths[i]))
      s->open_model(paths[i]);
    else
      media.push_back(paths[i]);
  }
  if (!media.empty()) s->open_path(media[0]);
  if (media.size() > 1) s->open_compare_file(media[1]);
  if (media.size() > 2)
    s->message(Message::Level::Warning, "Dropped more than two videos: only the first two are used.");
  glfwFocusWindow(w);
}

// ---------------------------------------------------------------- frame

size_t Studio::drain_worker() {
  auto posted = worker_->take_posted();
  for (auto& fn : posted) fn();
  return posted.size();
}

void Studio::advance_playback(double dt) {
  if (!playing_) return;
  const int64_t n = frame_count();
  if (n < 2) {
    playing_ = false;
    return;
  }
  play_accumulator_ += dt * fps();
  while (play_accumulator_ >= 1) {
    play_accumulator_ -= 1;
    if (doc_.frame() + 1 >= n) {
      if (settings_.loop)
        doc_.set_frame(0);
      else {
        playing_ = false;
        break;
      }
    } else {
      doc_.set_frame(doc_.frame() + 1);
    }
  }
}

void Studio::handle_shortcuts() {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || browser_->is_open() || export_dialog_->is_open()) return;
  const bool ctrl = io.KeyCtrl;
  auto pressed = [](int key, bool repeat = false) { return ImGui::IsKeyPressed(key, repeat); };
  if (ctrl) {
    if (pressed(GLFW_KEY_O)) open_file_dialog();
    if (pressed(GLFW_KEY_M)) open_model_dialog();
    if (pressed(GLFW_KEY_B)) open_compare_dialog();
    if (pressed(GLFW_KEY_E)) open_export_dialog();
    if (pressed(GLFW_KEY_R)) request_run();
    if (pressed(GLFW_KEY_Q)) glfwSetWindowShouldClose(window_, GLFW_TRUE);
    return;
  }
  if (pressed(GLFW_KEY_SPACE)) set_playing(!playing_);
  if (pressed(GLFW_KEY_LEFT, true)) set_frame(doc_.frame() - 1), set_playing(false);
  if (pressed(GLFW_KEY_RIGHT, true)) set_frame(doc_.frame() + 1), set_playing(false);
  if (pressed(GLFW_KEY_HOME)) set_frame(0);
  if (pressed(GLFW_KEY_END)) set_frame(frame_count() - 1);
  for (int i = 0; i < kViewCount; ++i)
    if (pressed(GLFW_KEY_1 + i) || pressed(GLFW_KEY_KP_1 + i)) set_view(static_cast<View>(i));
  if (pressed(GLFW_KEY_D)) {
    if (view_ == View::Diff)
      set_view(view_before_toggle_);
    else
      view_before_toggle_ = view_, set_view(View::Diff);
  }
  if (pressed(GLFW_KEY_F)) {
    if (view_ == View::Flicker)
      set_view(view_before_toggle_);
    else
      view_before_toggle_ = view_, set_view(View::Flicker);
  }
  if (pressed(GLFW_KEY_S)) settings_.diff_signed = !settings_.diff_signed;
  if (pressed(GLFW_KEY_LEFT_BRACKET)) settings_.diff_gain = std::max(1, settings_.diff_gain / 2);
  if (pressed(GLFW_KEY_RIGHT_BRACKET)) settings_.diff_gain = std::min(64, settings_.diff_gain * 2);
  if (pressed(GLFW_KEY_EQUAL, true) || pressed(GLFW_KEY_KP_ADD, true)) viewer_->zoom_in();
  if (pressed(GLFW_KEY_MINUS, true) || pressed(GLFW_KEY_KP_SUBTRACT, true)) viewer_->zoom_out();
  if (pressed(GLFW_KEY_0) || pressed(GLFW_KEY_KP_0)) viewer_->zoom_fit();
  if (pressed(GLFW_KEY_L)) settings_.loop = !settings_.loop;
  if (pressed(GLFW_KEY_G)) settings_.show_tile_grid = !settings_.show_tile_grid;
  if (pressed(GLFW_KEY_ESCAPE)) cancel_jobs();
  if (pressed(GLFW_KEY_F1)) help_open_ = !help_open_;
}

void Studio::draw_menu_bar() {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open video or image\xE2\x80\xA6", "Ctrl+O")) open_file_dialog();
    if (ImGui::MenuItem("Open model\xE2\x80\xA6", "Ctrl+M")) open_model_dialog();
    if (ImGui::MenuItem("Compare with file (B)\xE2\x80\xA6", "Ctrl+B", false, doc_.clip() != nullptr))
      open_compare_dialog();
    if (ImGui::MenuItem("Stop comparing with file", nullptr, false, doc_.file_b() != nullptr)) close_compare_file();
    if (ImGui::BeginMenu("Recent files", !settings_.recent_files.empty())) {
      for (const auto& f : settings_.recent_files)
        if (ImGui::MenuItem(f.c_str())) {
          const std::string copy = f;  // open_path reorders the list
          open_path(copy);
          break;
        }
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Recent models", !settings_.recent_models.empty() || !bundled_models_.empty())) {
      for (const auto& m : bundled_models_)
        if (ImGui::MenuItem((model_display_name(m) + "  (bundled)").c_str())) open_model(m);
      for (const auto& m : settings_.recent_models)
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
    const bool can_export = doc_.current_run() && doc_.current_run()->result;
    if (ImGui::MenuItem("Export\xE2\x80\xA6", "Ctrl+E", false, can_export)) open_export_dialog();
    if (ImGui::MenuItem("Save view as PNG\xE2\x80\xA6", nullptr, false, doc_.clip() != nullptr))
      browser_->save_dialog(*this, "Save the current view as PNG", "view.png", ".png", [this](const std::string& p) {
        request_capture(viewer_->content_rect(), true, [this, p](media::RgbFrame img) {
          try {
            media::write_png(p, img, true);
            message(Message::Level::Info, "Wrote " + p);
          } catch (const std::exception& e) {
            message(Message::Level::Error, e.what());
          }
        });
      });
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) glfwSetWindowShouldClose(window_, GLFW_TRUE);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    for (int i = 0; i < kViewCount; ++i)
      if (ImGui::MenuItem(view_title(static_cast<View>(i)), std::to_string(i + 1).c_str(),
                          view_ == static_cast<View>(i)))
        set_view(static_cast<View>(i));
    ImGui::Separator();
    for (int i = 0; i < kPairCount; ++i)
      if (ImGui::MenuItem(pair_title(static_cast<Pair>(i)), nullptr, doc_.effective_pair() == static_cast<Pair>(i),
                          doc_.pair_available(static_cast<Pair>(i))))
        doc_.set_pair(static_cast<Pair>(i));
    ImGui::Separator();
    if (ImGui::MenuItem("Zoom in", "+")) viewer_->zoom_in();
    if (ImGui::MenuItem("Zoom out", "-")) viewer_->zoom_out();
    if (ImGui::MenuItem("Fit", "0")) viewer_->zoom_fit();
    if (ImGui::MenuItem("Actual pixels (1:1)")) viewer_->zoom_to(1);
    ImGui::Separator();
    ImGui::MenuItem("Signed difference", "S", &settings_.diff_signed);
    ImGui::MenuItem("Difference of luma", nullptr, &settings_.diff_luma);
    ImGui::MenuItem("Loop playback", "L", &settings_.loop);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Run")) {
    const bool can = model_.loaded && (doc_.clip() || !doc_.opening().empty());
    if (ImGui::MenuItem("Re-run", "Ctrl+R", false, can)) request_run();
    if (ImGui::MenuItem("A/B: chunked vs direct", nullptr, false, can)) start_ab_chunked();
    if (ImGui::MenuItem("Norm lab", "6")) set_view(View::NormLab);
    if (ImGui::MenuItem("Cancel", "Esc", false, !worker_->idle())) cancel_jobs();
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem("Keyboard shortcuts", "F1")) help_open_ = true;
    if (ImGui::MenuItem("About WFVAE Studio")) about_open_ = true;
    ImGui::EndMenu();
  }
  // Right: what is open.
  std::string status = doc_.clip() ? fs::path(doc_.clip()->path).filename().string() : "no clip";
  status += "   \xC2\xB7   " + (model_.loaded            ? model_.name
                                : model_loading_.empty() ? std::string("no model")
                                                         : "loading model\xE2\x80\xA6");
  const float w = ImGui::CalcTextSize(status.c_str()).x;
  ImGui::SameLine(ImGui::GetWindowWidth() - w - 16);
  ImGui::TextDisabled("%s", status.c_str());
  layout_.add("menu_bar", ImVec2(0, 0), ImVec2(ImGui::GetWindowWidth(), ImGui::GetWindowHeight()));
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

double Studio::next_message_expiry() const {
  // When the next message box on screen times out (errors stay until closed), as
  // computed by the last draw_messages(); a redraw then removes it.
  return next_message_expiry_;
}

void Studio::draw_messages(const Rect& v) {
  // Stacked upwards from the viewer's bottom-right corner, away from its toolbar.
  const double t = steady_now();
  float y = v.y + v.h - 12;
  const float w = std::min(520.0f, v.w - 40);
  int shown = 0;
  next_message_expiry_ = t + 30;  // nothing times out sooner unless shown below
  for (auto it = messages_.rbegin(); it != messages_.rend() && shown < 4; ++it) {
    Message& m = *it;
    const double ttl = m.level == Message::Level::Error ? 1e9 : m.level == Message::Level::Warning ? 12 : 6;
    if (m.dismissed || t - m.time > ttl) continue;
    ++shown;
    if (m.level != Message::Level::Error) next_message_expiry_ = std::min(next_message_expiry_, m.time + ttl);
    ImGui::SetNextWindowPos(ImVec2(v.x + v.w - w - 16, y), ImGuiCond_Always, ImVec2(0, 1));
    ImGui::SetNextWindowSize(ImVec2(w, 0));
    ImGui::SetNextWindowBgAlpha(0.96f);
    const ImU32 tint = m.level == Message::Level::Error     ? color::kError
                       : m.level == Message::Level::Warning ? color::kWarning
                                                            : color::kAccent;
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0.11f, 0.12f, 0.14f, 0.97f));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 6);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 1);
    ImGui::PushStyleColor(ImGuiCol_Border, to_vec4(tint));
    const std::string id = fmt("##msg%p", static_cast<void*>(&m));
    ImGui::Begin(id.c_str(), nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoFocusOnAppearing);
    const char* head = m.level == Message::Level::Error     ? "\xE2\x9C\x95 Error"
                       : m.level == Message::Level::Warning ? "\xE2\x9A\xA0 Warning"
                                                            : "\xE2\x84\xB9 Note";
    ImGui::PushFont(fonts_.bold);
    ImGui::TextColored(to_vec4(tint), "%s", head);
    ImGui::PopFont();
    ImGui::SameLine(w - 60);
    if (ImGui::SmallButton("Close")) m.dismissed = true;
    ImGui::PushTextWrapPos(w - 16);
    ImGui::TextUnformatted(m.text.c_str());
    ImGui::PopTextWrapPos();
    layout_.add(m.level == Message::Level::Error ? "message/error" : "message",
                Rect::from(ImGui::GetWindowPos(), ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowSize().x,
                                                         ImGui::GetWindowPos().y + ImGui::GetWindowSize().y)));
    y -= ImGui::GetWindowSize().y + 8;
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
  settings_.sidebar_width = std::clamp(settings_.sidebar_width, 300.0f, std::max(300.0f, ds.x * 0.5f));
  settings_.timeline_height = std::clamp(settings_.timeline_height, 150.0f, std::max(150.0f, (ds.y - menu_h) * 0.5f));
  const float sw = settings_.sidebar_width, th = settings_.timeline_height;
  const Rect viewer_r{0, menu_h, ds.x - sw - split, ds.y - menu_h - th - split};
  const Rect timeline_r{0, viewer_r.y + viewer_r.h + split, viewer_r.w, th};
  const Rect sidebar_r{ds.x - sw, menu_h, sw, ds.y - menu_h};

  viewer_->draw(*this, viewer_r, [this](const Rect& body) {
    if (view_ == View::Wavelet)
      wavelets_->draw(*this, body);
    else if (view_ == View::Latent)
      latent_->draw(*this, body);
    else
      normlab_->draw(*this, body);
  });
  timeline_->draw(*this, timeline_r);

  ImGui::SetNextWindowPos(sidebar_r.min());
  ImGui::SetNextWindowSize(ImVec2(sidebar_r.w, sidebar_r.h));
  ImGui::Begin("##sidebar", nullptr,
               ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus);
  layout_.add("sidebar", sidebar_r);
  metrics_panel_->draw_job(*this);
  metrics_panel_->draw_metrics(*this);
  metrics_panel_->draw_inspector(*this);
  model_panel_->draw(*this);
  ImGui::End();

  draw_splitter("##split_v", Rect{viewer_r.w, menu_h, split, ds.y - menu_h}, true, &settings_.sidebar_width, 300,
                std::max(300.0f, ds.x * 0.5f), true);
  draw_splitter("##split_h", Rect{0, viewer_r.y + viewer_r.h, viewer_r.w, split}, false, &settings_.timeline_height,
                150, std::max(150.0f, (ds.y - menu_h) * 0.5f), true);
  draw_messages(viewer_r);

  if (!capture_clean_frame_) {
    if (!export_dialog_->is_open()) browser_->draw(*this);
    export_dialog_->draw(*this);
    help_->draw(*this, &help_open_);
    if (about_open_) {
      ImGui::SetNextWindowPos(ImVec2(ds.x / 2, ds.y / 2), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
      ImGui::Begin("About WFVAE Studio", &about_open_, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse);
      ImGui::PushFont(fonts_.large);
      ImGui::TextUnformatted("WFVAE Studio 0.1");
      ImGui::PopFont();
      ImGui::TextUnformatted(
          "Reconstruct, compare and inspect videos with WF-VAE,\nthe wavelet-driven energy-flow video VAE.");
      ImGui::TextDisabled("Dear ImGui %s \xC2\xB7 GLFW %s", ImGui::GetVersion(), glfwGetVersionString());
      // The same as `wfvae doctor`: what this machine and build can run on.
      ImGui::Separator();
      if (ImGui::BeginTable("##system", 2, ImGuiTableFlags_SizingFixedFit)) {
        auto row = [](const std::string& key, const std::string& value) {
          ImGui::TableNextRow();
          ImGui::TableSetColumnIndex(0);
          ImGui::TextDisabled("%s", key.c_str());
          ImGui::TableSetColumnIndex(1);
          ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + 560);
          ImGui::TextUnformatted(value.c_str());
          ImGui::PopTextWrapPos();
        };
        if (system_)
          for (const auto& [key, value] : describe(*system_)) row(key, value);
        else
          row("devices", "being checked\xE2\x80\xA6");
        row("OpenGL", describe_current_gl());
        ImGui::EndTable();
      }
      ImGui::End();
    }
  }
}

void Studio::process_captures() {
  if (captures_.empty()) return;
  auto caps = std::move(captures_);
  captures_.clear();
  for (auto& c : caps) {
    const float s = framebuffer_scale_;
    const int x = std::clamp(static_cast<int>(std::lround(c.rect.x * s)), 0, framebuffer_width_ - 1);
    const int y = std::clamp(static_cast<int>(std::lround(c.rect.y * s)), 0, framebuffer_height_ - 1);
    const int w = std::clamp(static_cast<int>(std::lround(c.rect.w * s)), 1, framebuffer_width_ - x);
    const int h = std::clamp(static_cast<int>(std::lround(c.rect.h * s)), 1, framebuffer_height_ - y);
    media::RgbFrame f;
    f.width = w;
    f.height = h;
    f.rgb = read_window_rgb(x, y, w, h, framebuffer_height_);
    if (c.done) c.done(std::move(f));
  }
}

void Studio::frame_once() {
  // A clean capture requested last frame: this frame is drawn without popups.
  const double t_frame_start = steady_now();
  capture_clean_frame_ = !captures_next_.empty();
  for (auto& c : captures_next_) captures_.push_back(std::move(c));
  captures_next_.clear();

  glfwGetFramebufferSize(window_, &framebuffer_width_, &framebuffer_height_);
  int ww = 1, wh = 1;
  glfwGetWindowSize(window_, &ww, &wh);
  framebuffer_scale_ = ww > 0 ? static_cast<float>(framebuffer_width_) / ww : 1.0f;
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  // --hover: the pointer held there (tooltips and the pixel probe in headless shots).
  if (opts_.hover) ImGui::GetIO().MousePos = ImVec2(opts_.hover->first, opts_.hover->second);
  ImGui::NewFrame();
  layout_.clear();
  handle_shortcuts();
  draw_layout();
  ImGui::Render();
  const double t_built = steady_now();
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glViewport(0, 0, framebuffer_width_, framebuffer_height_);
  // No clear: the panels cover the whole window (a full-window fill saved per frame).
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  process_captures();
  capture_clean_frame_ = false;
  glFinish();  // so the render time below is the GPU's (llvmpipe's) work, not the swap's
  const double t_rendered = steady_now();
  glfwSwapBuffers(window_);
  const double t_swapped = steady_now();
  last_build_ms_ = (t_built - t_frame_start) * 1000;
  last_render_ms_ = (t_rendered - t_built) * 1000;
  last_swap_ms_ = (t_swapped - t_rendered) * 1000;
  if (first_frame_ms_ < 0) first_frame_ms_ = process_age_ms();

  // Title: what is open and what the worker does.
  std::string title = "WFVAE Studio";
  if (doc_.clip()) title += " \xE2\x80\x94 " + fs::path(doc_.clip()->path).filename().string();
  if (model_.loaded) title += " \xC2\xB7 " + model_.name;
  const JobStatus js = worker_->status();
  if (js.busy) title += fmt("  (%s %.0f%%)", job_kind_name(js.kind), js.fraction * 100);
  if (title != window_title_) {
    glfwSetWindowTitle(window_, title.c_str());
    window_title_ = title;
  }
}

// ---------------------------------------------------------------- main loop

int Studio::run() {
  init_window();
  worker_ = std::make_unique<Worker>(opts_.worker_nice, [] { glfwPostEmptyEvent(); });
  worker_->set_error_handler([this](const JobError& e) { on_job_error(e); });
  if (opts_.exits_by_itself()) script_ = std::make_unique<ScriptDriver>(*this);
  start_initial_work();
  if (!opts_.ui_bench.empty()) set_playing(true);

  last_frame_time_ = steady_now();
  double prev_start = last_frame_time_;
  double last_render = 0;
  int settle_frames = 2;
  constexpr double kFrameCap = 1.0 / 60.0;
  const double progress_period = busy_refresh_period(software_gl_);  // progress refresh while nothing else moves
  std::signal(SIGINT, on_quit_signal);
  std::signal(SIGTERM, on_quit_signal);
  while (!glfwWindowShouldClose(window_) && !quit_ && !g_quit_signal.load()) {
    // Render on demand: after input (and a few frames more, for hover states), when
    // the worker posts results, while playing or flickering, and at 15 Hz while a
    // job runs. Scripted runs render continuously, except while they wait for the
    // worker: software GL drawing flat out would take the cores from the inference
    // whose times the norm lab reports. The UI benchmark keeps drawing (it measures that).
    const bool busy_before = !worker_->idle();
    const bool script_waits = script_ != nullptr && busy_before && opts_.ui_bench.empty();
    const bool continuous = (script_ != nullptr && !script_waits) || !captures_next_.empty() || !captures_.empty() ||
                            ImGui::GetIO().WantTextInput || settle_frames > 0;
    if (continuous) {
      glfwPollEvents();
    } else {
      double wait = next_message_expiry() - steady_now();  // nothing else is due
      if (busy_before) wait = std::max(0.0, progress_period - (steady_now() - last_render));
      if (playing_)
        wait = std::min(wait, std::max(0.0, (1.0 - play_accumulator_) / fps() - (steady_now() - last_frame_time_)));
      if (view_ == View::Flicker) wait = std::min(wait, 0.5 / std::max(0.5f, settings_.flicker_hz));
      glfwWaitEventsTimeout(std::max(0.001, wait));
    }
    const double start = steady_now();
    const bool busy = worker_->status().busy;
    const size_t posted = drain_worker();
    const int64_t frame_before = doc_.frame();
    advance_playback(start - last_frame_time_);
    last_frame_time_ = start;
    const bool had_input = input_events_ != seen_events_;
    seen_events_ = input_events_;
    if (had_input) settle_frames = 3;
    const bool due = continuous || had_input || posted > 0 || doc_.frame() != frame_before || view_ == View::Flicker ||
                     (busy && start - last_render >= progress_period) || start >= next_message_expiry();
    if (!due) continue;
    if (settle_frames > 0 && !had_input) --settle_frames;
    frame_once();
    last_render = start;
    const double end = steady_now();
    if (script_ && !script_->after_frame(busy, prev_start, start, end, last_build_ms_, last_render_ms_, last_swap_ms_))
      break;
    prev_start = start;
    // Cap the frame rate (vsync does it on a real display; Xvfb has none).
    const double left = kFrameCap - (steady_now() - start);
    if (left > 0.001) std::this_thread::sleep_for(std::chrono::duration<double>(left));
  }
  save_settings_now();
  worker_.reset();  // cancels and joins before GL and panels go away
  shutdown_window();
  if (exit_code_) return exit_code_;
  return errors_.any() ? exit_code_for(errors_.worst()) : 0;
}

}  // namespace wfvae::studio
