// Settings that persist between sessions: recent files and models, the last model
// and input, view options, run options, window and panel sizes. Stored as JSON in
// $XDG_CONFIG_HOME/wfvae-studio/settings.json (default ~/.config/wfvae-studio),
// next to ImGui's imgui.ini.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace wfvae::studio {

enum class View { Side = 0, Split, Flicker, Diff, Wavelet, NormLab, Lpips, Latent };
constexpr int kViewCount = 8;
const char* view_name(View v);   // "side", "split", ...
const char* view_title(View v);  // "Side by side", ...
bool parse_view(const std::string& s, View* v);

struct Settings {
  std::vector<std::string> recent_files;   // newest first
  std::vector<std::string> recent_models;  // newest first
  std::string last_model, last_input, last_folder;

  // View.
  int view = 0;
  float split = 0.5f;
  int diff_gain = 4;
  bool diff_signed = false;
  bool diff_luma = false;
  float flicker_hz = 2.0f;
  bool loop = true;
  bool show_ssim = true;
  bool show_previous = true;
  int wavelet_channel = 0;     // 0 luma, 1 R, 2 G, 3 B
  bool show_lpips = true;      // the LPIPS curve on the timeline
  float lpips_opacity = 0.8f;  // the heatmap over the reconstruction, 0..1
  int lpips_gain = 1;          // the heatmap's full scale is the run's map range / gain

  // Run.
  bool chunked = true;
  int tile = -1;               // -1 automatic, 0 off, N pixels
  bool show_tile_grid = true;  // draw the tiles of a tiled run over the image
  std::string device = "cpu", dtype = "f32";
  int max_short_side = 256;
  int frames = 33;  // 0 = all
  bool auto_rerun = true;
  // LPIPS weights the user gave (--lpips-alexnet / --lpips-lin); "" = the standard places.
  std::string lpips_alexnet, lpips_lin;

  // Window and panels (logical pixels).
  int window_width = 1600, window_height = 1000;
  float sidebar_width = 400, timeline_height = 220;

  void add_recent_file(const std::string& path);
  void add_recent_model(const std::string& path);
};

// $XDG_CONFIG_HOME/wfvae-studio, or ~/.config/wfvae-studio.
std::filesystem::path config_dir();
// Missing or unreadable files give defaults (a broken file is reported in *problem).
Settings load_settings(const std::filesystem::path& file, std::string* problem);
// Atomic (temp + rename); returns false and fills *problem on failure.
bool save_settings(const Settings& s, const std::filesystem::path& file, std::string* problem);

}  // namespace wfvae::studio
