// The memory planner: from the memory a run may use and the activation cost of the
// model per pixel and frame, pick how to run it: direct (the reference's default),
// chunked in time (the reference's enable_tiling), or chunked plus spatial tiles.
// It also refuses, before any work, a run that cannot fit whatever the plan: the
// frames the pipeline keeps do not shrink with tiles. Torch-free; the pipeline
// calls it, and retries with the next plan when an allocation fails anyway.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/tiling.h"

namespace wfvae::planning {

// What is to be run.
struct Workload {
  int64_t frames = 0, height = 0, width = 0;  // model input (multiples of 8)
  int dtype_bytes = 4;                        // compute dtype
  bool on_gpu = false;                        // activations on the GPU, frames on the host
  int64_t weight_bytes = 0;                   // the model's tensors in the compute dtype
  int64_t conv_scratch_bytes = 0;             // kept by the CPU convolutions (Winograd), Vae::conv_scratch_bytes
  bool can_chunk = true;                      // the reference's chunking can split `frames`
  int enc_chunk_frames = 0;                   // input frames per encoder chunk (chunked)
  int dec_chunk_frames = 0;                   // output frames per decoder chunk, look-ahead included
  bool keeps_input_tensor = true;             // the pipeline keeps the float input (ReconRequest)
};

// How it is run.
struct Plan {
  bool chunked = false;
  tiling::TileSize tile;         // tile 0: whole frames
  int64_t activation_bytes = 0;  // estimated peak of encode or decode activations
  int64_t host_bytes = 0;        // frames and tensors the pipeline keeps on the host
  int64_t weight_bytes = 0;
  // Peak on the device the model runs on (weights + activations; + host on the CPU).
  int64_t device_peak(bool on_gpu) const { return weight_bytes + activation_bytes + (on_gpu ? 0 : host_bytes); }
  // "direct", "chunked in time", "chunked in time, 256-px tiles (overlap 64)"
  std::string describe() const;
};

// What the run may use. Zero: unknown (then the planner keeps the first plan).
struct Budget {
  int64_t device_bytes = 0;  // GPU memory free (CUDA), or host memory available (CPU)
  int64_t host_bytes = 0;    // host memory available
  std::string source;        // "--max-memory", "MemAvailable", "ulimit -v", "cgroup", "GPU free"
};

// This process's resident set now (VmRSS), in bytes; 0 when unknown.
int64_t process_rss_bytes();

// The host memory this process may still take: the least of MemAvailable, the
// address space left under ulimit -v, and a cgroup's memory.max.
Budget host_budget();

// Measured activation cost: peak activation elements per pixel-frame of the tile
// are per_channel * base_channels + fixed (encoder and decoder apart), times the
// dtype's bytes, plus weight_fraction of the weights (oneDNN's re-laid-out weight
// copies on the CPU). Measured with `wfvae bench`; see docs/performance.md.
struct CostModel {
  double encoder_per_channel = 0, encoder_fixed = 0;
  double decoder_per_channel = 0, decoder_fixed = 0;
  double weight_fraction = 0;
  double host_bytes_per_pixel_frame = 0;          // frames in and out, recon tensor, transients
  double input_tensor_bytes_per_pixel_frame = 0;  // the float input when kept
};
const CostModel& measured_costs();

// Estimated peak activation bytes of one encode and one decode under a plan (with the
// convolutions' scratch).
int64_t activation_bytes(const ModelConfig& config, const Workload& w, bool chunked, const tiling::TileSize& tile);
int64_t host_bytes(const Workload& w);

// The tile sizes the planner tries, largest first.
const std::vector<int>& tile_ladder();

// Candidate plans, fastest first: the user's temporal mode untiled, then chunked,
// then chunked with ever smaller tiles. `user_chunked`: the user asked for chunks.
// `user_tile`: -1 automatic; 0 never tile; > 0 start at that tile size.
std::vector<Plan> candidate_plans(const ModelConfig& config, const Workload& w, bool user_chunked, int user_tile,
                                  int user_overlap);

// The first candidate that fits the budget (all of it when the budget is unknown).
// When none fits: an OutOfMemory error, before any work, saying what the smallest
// plan needs, what is available, and how many frames at this size would fit.
size_t choose(const std::vector<Plan>& plans, const Workload& w, const Budget& budget);

// "1.23 GB" / "456 MB"
std::string format_bytes(int64_t bytes);
// "4G", "4096M", "512m", "4e9", plain bytes; a Usage error naming the text.
int64_t parse_bytes(const std::string& text);

}  // namespace wfvae::planning
