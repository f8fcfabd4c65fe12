#include "core/memory_plan.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/resource.h>

#include "core/error.h"

namespace wfvae::planning {

const CostModel& measured_costs() {
  // The RSS high-water mark over the baseline of `wfvae bench` on the CPU (f32, 2
  // threads; direct and chunked), per pixel-frame of the largest chunk, measured:
  //   decoder: tiny (B 16) 97-130 elements, gn-l8 (B 32) 141, WF-VAE-L (B 192) 938;
  //   encoder: 38, 45, 135 (WF-VAE-L also ~120 MB fixed: re-laid-out weights).
  // Host: 33 frames of 1920x1080 peaked at 35 B per pixel-frame besides the model
  // (8-bit frames in and out, the f32 reconstruction, encoder/writer transients).
  // The constants below bound every one of them from above.
  static const CostModel costs{/*encoder_per_channel=*/1.0,
                               /*encoder_fixed=*/32,
                               /*decoder_per_channel=*/6.0,
                               /*decoder_fixed=*/40,
                               /*weight_fraction=*/0.15,
                               /*host_bytes_per_pixel_frame=*/42.0,
                               /*input_tensor_bytes_per_pixel_frame=*/12.0};
  return costs;
}

int64_t activation_bytes(const ModelConfig& c, const Workload& w, bool chunked, const tiling::TileSize& tile) {
  const CostModel& k = measured_costs();
  const double th = tile.enabled() ? std::min<int64_t>(tile.tile, w.height) : w.height;
  const double tw = tile.enabled() ? std::min<int64_t>(tile.tile, w.width) : w.width;
  const double enc_frames = chunked ? std::min<int64_t>(w.enc_chunk_frames, w.frames) : w.frames;
  const double dec_frames = chunked ? std::min<int64_t>(w.dec_chunk_frames, w.frames) : w.frames;
  const double px = th * tw * w.dtype_bytes, B = c.base_channels;
  const double enc = (k.encoder_per_channel * B + k.encoder_fixed) * enc_frames * px;
  const double dec = (k.decoder_per_channel * B + k.decoder_fixed) * dec_frames * px;
  return static_cast<int64_t>(std::max(enc, dec) + k.weight_fraction * static_cast<double>(w.weight_bytes)) +
         w.conv_scratch_bytes;
}

int64_t host_bytes(const Workload& w) {
  const CostModel& k = measured_costs();
  const double per = k.host_bytes_per_pixel_frame + (w.keeps_input_tensor ? k.input_tensor_bytes_per_pixel_frame : 0);
  return static_cast<int64_t>(per * static_cast<double>(w.frames) * static_cast<double>(w.height) *
                              static_cast<double>(w.width));
}

const std::vector<int>& tile_ladder() {
  static const std::vector<int> sizes = {512, 384, 256, 192, 128, 96, 64};
  return sizes;
}

std::string Plan::describe() const {
  std::string s = chunked ? "chunked in time" : "direct";
  if (tile.enabled())
    s += ", " + std::to_string(tile.tile) + "-px tiles (overlap " + std::to_string(tile.overlap) + ")";
  return s;
}

std::vector<Plan> candidate_plans(const ModelConfig& c, const Workload& w, bool user_chunked, int user_tile,
                                  int user_overlap) {
  std::vector<Plan> out;
  auto add = [&](bool chunked, int tile) {
    Plan p;
    p.chunked = chunked && w.can_chunk;
    if (tile > 0) {
      p.tile.tile = tile;
      p.tile.overlap = user_overlap >= 0 ? std::min(user_overlap, tile / 2 / 8 * 8) : tiling::default_overlap(tile);
    }
    for (const Plan& q : out)
      if (q.chunked == p.chunked && q.tile.tile == p.tile.tile) return;
    p.activation_bytes = activation_bytes(c, w, p.chunked, p.tile);
    p.host_bytes = host_bytes(w);
    p.weight_bytes = w.weight_bytes;
    out.push_back(p);
  };
  const int64_t longest = std::max(w.height, w.width);
  if (user_tile <= 0) {
    add(user_chunked, 0);
    add(true, 0);
  }
  if (user_tile != 0) {
    if (user_tile > 0) {
      add(user_chunked, user_tile);
      add(true, user_tile);
    }
    for (int t : tile_ladder())
      if ((user_tile < 0 || t < user_tile) && t < longest) add(true, t);
  }
  return out;
}

std::string format_bytes(int64_t b) {
  char buf[32];
  if (b >= (int64_t{1} << 30))
    std::snprintf(buf, sizeof buf, "%.2f GB", b / 1073741824.0);
  else
    std::snprintf(buf, sizeof buf, "%.0f MB", b / 1048576.0);
  return buf;
}

int64_t parse_bytes(const std::string& text) {
  if (text.empty()) fail_usage("a memory size is empty (give e.g. 4G or 512M)");
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  std::string unit(end);
  double mult = 1;
  if (unit == "k" || unit == "K" || unit == "KB" || unit == "KiB")
    mult = 1024.0;
  else if (unit == "m" || unit == "M" || unit == "MB" || unit == "MiB")
    mult = 1048576.0;
  else if (unit == "g" || unit == "G" || unit == "GB" || unit == "GiB")
    mult = 1073741824.0;
  else if (unit == "t" || unit == "T" || unit == "TB" || unit == "TiB")
    mult = 1099511627776.0;
  else if (!unit.empty())
    fail_usage("memory size \"" + text + "\": unknown unit (use K, M, G or T)");
  const double bytes = v * mult;
  if (end == text.c_str() || errno || !std::isfinite(bytes) || bytes < 1048576.0 || bytes > 9.0e18)
    fail_usage("memory size \"" + text + "\": give at least 1M (e.g. 4G or 512M)");
  return static_cast<int64_t>(bytes);
}

namespace {

// A "key:   123 kB" line of /proc/self/status or /proc/meminfo, in bytes (-1: none).
int64_t proc_kb(const char* file, const std::string& key) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line))
    if (line.compare(0, key.size(), key) == 0) return std::atoll(line.c_str() + key.size()) * 1024;
  return -1;
}

int64_t read_number(const std::string& file) {
  std::ifstream f(file);
  std::string s;
  if (!(f >> s) || s == "max") return -1;
  return std::atoll(s.c_str());
}

}  // namespace

int64_t process_rss_bytes() { return std::max<int64_t>(0, proc_kb("/proc/self/status", "VmRSS:")); }

Budget host_budget() {
  Budget b;
  b.source = "MemAvailable";
  int64_t avail = proc_kb("/proc/meminfo", "MemAvailable:");
  // An address-space limit (ulimit -v) binds before physical memory does.
  rlimit lim{};
  if (getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    const int64_t left =
        static_cast<int64_t>(lim.rlim_cur) - std::max<int64_t>(0, proc_kb("/proc/self/status", "VmSize:"));
    if (avail < 0 || left < avail) {
      avail = std::max<int64_t>(0, left);
      b.source = "ulimit -v";
    }
  }
  // A container's memory limit (cgroup v2).
  const int64_t max = read_number("/sys/fs/cgroup/memory.max"), cur = read_number("/sys/fs/cgroup/memory.current");
  if (max > 0 && cur >= 0 && (avail < 0 || max - cur < avail)) {
    avail = std::max<int64_t>(0, max - cur);
    b.source = "cgroup memory.max";
  }
  b.host_bytes = b.device_bytes = std::max<int64_t>(0, avail);
  return b;
}

size_t choose(const std::vector<Plan>& plans, const Workload& w, const Budget& budget) {
  if (plans.empty()) fail_runtime("memory planner: no plan to choose from");
  auto fits = [&](const Plan& p) {
    if (budget.device_bytes > 0 && p.device_peak(w.on_gpu) > budget.device_bytes) return false;
    if (w.on_gpu && budget.host_bytes > 0 && p.host_bytes > budget.host_bytes) return false;
    return true;
  };
  for (size_t i = 0; i < plans.size(); ++i)
    if (fits(plans[i])) return i;
  // Nothing fits: say what the smallest plan needs and what would fit instead.
  const Plan& least = plans.back();
  const int64_t have = budget.device_bytes;
  const int64_t fixed = least.weight_bytes + least.activation_bytes;
  const double per_frame = static_cast<double>(least.host_bytes) / std::max<int64_t>(1, w.frames);
  std::string hint;
  if (!w.on_gpu && have > fixed && per_frame > 0) {
    const int64_t n = static_cast<int64_t>((have - fixed) / per_frame);
    hint = n >= 1 ? "; at this size about " + std::to_string(n) + " frames would fit" : "";
  }
  throw Error(ErrorKind::OutOfMemory, "not enough memory: " + std::to_string(w.frames) + " frames of " +
                                          std::to_string(w.height) + "x" + std::to_string(w.width) + " need about " +
                                          format_bytes(least.device_peak(w.on_gpu)) + " even " + least.describe() +
                                          " (the frames alone take " + format_bytes(least.host_bytes) + "), but " +
                                          format_bytes(have) + " is available (" + budget.source + ")" + hint +
                                          "; try a smaller frame size or fewer frames");
}

}  // namespace wfvae::planning
