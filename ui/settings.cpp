#include "settings.h"

#include <algorithm>
#include <cstdlib>

#include "core/fileutil.h"
#include "core/json.h"

namespace wfvae::studio {

namespace {
const char* const kViewNames[kViewCount] = {"side",    "split",   "flicker", "diff",
                                            "wavelet", "normlab", "lpips",   "latent"};
const char* const kViewTitles[kViewCount] = {"Side by side", "Split",    "A/B flicker", "Difference",
                                             "Wavelets",     "Norm lab", "LPIPS map",   "Latent"};
constexpr size_t kMaxRecent = 12;

void push_front_unique(std::vector<std::string>& list, const std::string& item) {
  list.erase(std::remove(list.begin(), list.end(), item), list.end());
  list.insert(list.begin(), item);
  if (list.size() > kMaxRecent) list.resize(kMaxRecent);
}
}  // namespace

const char* view_name(View v) { return kViewNames[static_cast<int>(v)]; }
const char* view_title(View v) { return kViewTitles[static_cast<int>(v)]; }

bool parse_view(const std::string& s, View* v) {
  for (int i = 0; i < kViewCount; ++i)
    if (s == kViewNames[i]) {
      *v = static_cast<View>(i);
      return true;
    }
  return false;
}

void Settings::add_recent_file(const std::string& path) { push_front_unique(recent_files, path); }
void Settings::add_recent_model(const std::string& path) { push_front_unique(recent_models, path); }

std::filesystem::path config_dir() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::filesystem::path(x) / "wfvae-studio";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".config" / "wfvae-studio";
  return std::filesystem::current_path() / ".wfvae-studio";
}

namespace {

// The settings as settings.json names them, a number with the range it is clamped to
// on reading: what load_settings reads and save_settings writes.
template <typename S, typename Visit>
void for_each_setting(S& s, Visit&& visit) {
  visit("recent_files", s.recent_files);
  visit("recent_models", s.recent_models);
  visit("last_model", s.last_model);
  visit("last_input", s.last_input);
  visit("last_folder", s.last_folder);
  visit("view", s.view, 0, kViewCount - 1);
  visit("split", s.split, 0, 1);
  visit("diff_gain", s.diff_gain, 1, 64);
  visit("diff_signed", s.diff_signed);
  visit("diff_luma", s.diff_luma);
  visit("flicker_hz", s.flicker_hz, 0.5, 15);
  visit("loop", s.loop);
  visit("show_ssim", s.show_ssim);
  visit("show_previous", s.show_previous);
  visit("wavelet_channel", s.wavelet_channel, 0, 3);
  visit("show_lpips", s.show_lpips);
  visit("lpips_opacity", s.lpips_opacity, 0, 1);
  visit("lpips_gain", s.lpips_gain, 1, 16);
  visit("chunked", s.chunked);
  visit("tile", s.tile, -1, 4096);
  visit("show_tile_grid", s.show_tile_grid);
  visit("device", s.device);
  visit("dtype", s.dtype);
  visit("max_short_side", s.max_short_side, 8, 4096);
  visit("frames", s.frames, 0, 100000);
  visit("auto_rerun", s.auto_rerun);
  visit("lpips_alexnet", s.lpips_alexnet);
  visit("lpips_lin", s.lpips_lin);
  visit("window_width", s.window_width, 320, 16384);
  visit("window_height", s.window_height, 240, 16384);
  visit("sidebar_width", s.sidebar_width, 200, 4000);
  visit("timeline_height", s.timeline_height, 120, 4000);
}

// Reads one setting from settings.json's object; a missing key or one of another
// type leaves the setting as it is.
struct SettingReader {
  const json::Value& root;
  void operator()(const char* k, std::string& out) const {
    if (const json::Value* v = root.find(k); v && v->is_string()) out = v->as_string();
  }
  void operator()(const char* k, bool& out) const {
    if (const json::Value* v = root.find(k); v && v->is_bool()) out = v->as_bool();
  }
  template <typename Number>
  void operator()(const char* k, Number& out, double lo, double hi) const {
    if (const json::Value* v = root.find(k); v && v->is_number())
      out = static_cast<Number>(std::clamp(v->as_number(), lo, hi));
  }
  void operator()(const char* k, std::vector<std::string>& out) const {
    if (const json::Value* v = root.find(k); v && v->is_array())
      for (const auto& e : v->as_array())
        if (e.is_string() && out.size() < kMaxRecent) out.push_back(e.as_string());
  }
};

struct SettingWriter {
  json::Value& root;
  void operator()(const char* k, const std::vector<std::string>& list) const { root[k] = json::array_of(list); }
  template <typename T>
  void operator()(const char* k, const T& value, double /*lo*/ = 0, double /*hi*/ = 0) const {
    root[k] = json::Value(value);
  }
};

}  // namespace

Settings load_settings(const std::filesystem::path& file, std::string* problem) {
  Settings s;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return s;
  try {
    const json::Value root = json::parse(read_text_file(file));
    for_each_setting(s, SettingReader{root});
    if (s.tile > 0 && (s.tile < 32 || s.tile % 8)) s.tile = -1;  // not a tile size: back to automatic
    if (s.device != "cpu" && s.device != "cuda") s.device = "cpu";
    if (s.dtype != "f32" && s.dtype != "bf16" && s.dtype != "f16") s.dtype = "f32";
  } catch (const std::exception& e) {
    if (problem) *problem = file.string() + ": unreadable settings, using defaults (" + e.what() + ")";
    return Settings{};
  }
  return s;
}

bool save_settings(const Settings& s, const std::filesystem::path& file, std::string* problem) {
  json::Value root = json::Object{};
  for_each_setting(s, SettingWriter{root});
  try {
    std::filesystem::create_directories(file.parent_path());
    write_file_atomic(file, json::dump(root, 2) + "\n", true);
  } catch (const std::exception& e) {
    if (problem) *problem = file.string() + ": cannot save settings (" + e.what() + ")";
    return false;
  }
  return true;
}

}  // namespace wfvae::studio
