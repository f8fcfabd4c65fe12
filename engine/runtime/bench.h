// `wfvae bench`: encode/decode latency and peak memory, medians over repetitions.
#pragma once

#include <filesystem>
#include <string>

#include "runtime/vae.h"

namespace wfvae {

struct BenchOptions {
  std::filesystem::path model;   // a model folder, or empty
  std::filesystem::path config;  // config.json for random weights, when no model; with one, its config
  WeightsChoice weights = WeightsChoice::Auto;
  int frames = 17, height = 256, width = 256;
  Device device = Device::CPU;
  ComputeDType dtype = ComputeDType::F32;
  bool chunked = false;
  tiling::TileSize tile;  // spatial tiles (tile 0: none)
  int reps = 3;
  int warmup = 1;
  std::string norm_type;  // optional override
  int num_groups = 0;     // optional override (0: keep)
  bool profile = false;   // one more encode and decode with every operator timed
  ProgressFn progress;
};

struct BenchResult {
  double enc_ms = 0, dec_ms = 0;  // medians
  double enc_ms_min = 0, dec_ms_min = 0;
  // The first call of each in this process: oneDNN primitive creation on the CPU,
  // cuDNN autotuning on a GPU (cold - warm is that one-off cost).
  double enc_cold_ms = 0, dec_cold_ms = 0;
  int64_t planned_activation_bytes = 0;            // the memory planner's estimate for this shape
  int64_t enc_peak_bytes = 0, dec_peak_bytes = 0;  // CUDA allocator peak, or RSS high-water on CPU
  int64_t baseline_bytes = 0;                      // allocated / resident before the runs
  std::string memory_kind;                         // "cuda_allocator_peak" or "rss_high_water"
  std::string json;                                // the one-line summary
  std::string profile;                             // per-scope and per-operator tables (--profile)
};

BenchResult run_bench(const BenchOptions& o);

// Peak memory of a stretch of work: the CUDA allocator's, or the process's resident
// high-water mark on the CPU. reset(), work, then peak() (minus current() taken after
// the reset for what the work added).
struct PeakMeter {
  bool cuda = false;
  const char* kind() const;  // "cuda_allocator_peak" | "rss_high_water"
  void reset() const;
  int64_t peak() const;
  int64_t current() const;
};

// Resident-set high-water mark of this process (VmHWM) and a reset of it
// (/proc/self/clear_refs 5); used for CPU peak memory.
int64_t rss_high_water_bytes();
int64_t rss_current_bytes();
bool reset_rss_high_water();

}  // namespace wfvae
