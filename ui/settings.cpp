#include "settings.h"

#include <algorithm>
#include <cstdlib>

#include "core/fileutil.h"
#include "core/json.h"

namespace wfvae::studio {

namespace {
const char* const kViewNames[kViewCount] = {"side", "split", "flicker", "diff", "wavelet", "normlab", "lpips"};
const char* const kViewTitles[kViewCount] = {"Side by side", "Split",    "A/B flicker", "Difference",
                                             "Wavelets",     "Norm lab", "LPIPS map"};
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

Settings load_settings(const std::filesystem::path& file, std::string* problem) {
  Settings s;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return s;
  try {
    const json::Value root = json::parse(read_text_file(file));
    auto str = [&](const char* k, std::string& out) {
      if (const json::Value* v = root.find(k); v && v->is_string()) out = v->as_string();
    };
    auto num = [&](const char* k, auto& out, double lo, double hi) {
      if (const json::Value* v = root.find(k); v && v->is_number())
        out = static_cast<std::decay_t<decltype(out)>>(std::clamp(v->as_number(), lo, hi));
    };
    auto flag = [&](const char* k, bool& out) {
      if (const json::Value* v = root.find(k); v && v->is_bool()) out = v->as_bool();
    };
    auto list = [&](const char* k, std::vector<std::string>& out) {
      if (const json::Value* v = root.find(k); v && v->is_array())
        for (const auto& e : v->as_array())
          if (e.is_string() && out.size() < kMaxRecent) out.push_back(e.as_string());
    };
    list("recent_files", s.recent_files);
    list("recent_models", s.recent_models);
    str("last_model", s.last_model);
    str("last_input", s.last_input);
    str("last_folder", s.last_folder);
    num("view", s.view, 0, kViewCount - 1);
    num("split", s.split, 0, 1);
    num("diff_gain", s.diff_gain, 1, 64);
    flag("diff_signed", s.diff_signed);
    flag("diff_luma", s.diff_luma);
    num("flicker_hz", s.flicker_hz, 0.5, 15);
    flag("loop", s.loop);
    flag("show_ssim", s.show_ssim);
    flag("show_previous", s.show_previous);
    num("wavelet_channel", s.wavelet_channel, 0, 3);
    flag("show_lpips", s.show_lpips);
    num("lpips_opacity", s.lpips_opacity, 0, 1);
    num("lpips_gain", s.lpips_gain, 1, 16);
    flag("chunked", s.chunked);
    num("tile", s.tile, -1, 4096);
    if (s.tile > 0 && (s.tile < 32 || s.tile % 8)) s.tile = -1;  // not a tile size: back to automatic
    flag("show_tile_grid", s.show_tile_grid);
    str("device", s.device);
    str("dtype", s.dtype);
    num("max_short_side", s.max_short_side, 8, 4096);
    num("frames", s.frames, 0, 100000);
    flag("auto_rerun", s.auto_rerun);
    str("lpips_alexnet", s.lpips_alexnet);
    str("lpips_lin", s.lpips_lin);
    num("window_width", s.window_width, 320, 16384);
    num("window_height", s.window_height, 240, 16384);
    num("sidebar_width", s.sidebar_width, 200, 4000);
    num("timeline_height", s.timeline_height, 120, 4000);
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
  auto list = [](const std::vector<std::string>& v) {
    json::Array a;
    for (const auto& x : v) a.emplace_back(x);
    return json::Value(a);
  };
  root["recent_files"] = list(s.recent_files);
  root["recent_models"] = list(s.recent_models);
  root["last_model"] = s.last_model;
  root["last_input"] = s.last_input;
  root["last_folder"] = s.last_folder;
  root["view"] = s.view;
  root["split"] = static_cast<double>(s.split);
  root["diff_gain"] = s.diff_gain;
  root["diff_signed"] = s.diff_signed;
  root["diff_luma"] = s.diff_luma;
  root["flicker_hz"] = static_cast<double>(s.flicker_hz);
  root["loop"] = s.loop;
  root["show_ssim"] = s.show_ssim;
  root["show_previous"] = s.show_previous;
  root["wavelet_channel"] = s.wavelet_channel;
  root["show_lpips"] = s.show_lpips;
  root["lpips_opacity"] = static_cast<double>(s.lpips_opacity);
  root["lpips_gain"] = s.lpips_gain;
  root["chunked"] = s.chunked;
  root["tile"] = s.tile;
  root["show_tile_grid"] = s.show_tile_grid;
  root["device"] = s.device;
  root["dtype"] = s.dtype;
  root["max_short_side"] = s.max_short_side;
  root["frames"] = s.frames;
  root["auto_rerun"] = s.auto_rerun;
  root["lpips_alexnet"] = s.lpips_alexnet;
  root["lpips_lin"] = s.lpips_lin;
  root["window_width"] = s.window_width;
  root["window_height"] = s.window_height;
  root["sidebar_width"] = static_cast<double>(s.sidebar_width);
  root["timeline_height"] = static_cast<double>(s.timeline_height);
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
