// The engine's public face: load a WF-VAE, encode and decode videos, switch norm
// settings. No LibTorch in this header: the CLI, the media code and the studio
// include it and stay fast to compile.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "core/config.h"
#include "core/load_report.h"
#include "core/progress.h"
#include "core/host_tensor.h"
#include "core/tiling.h"
#include "runtime/device.h"

namespace wfvae {

struct RunOptions {
  bool chunked = false;  // causal-cache chunked path (reference enable_tiling)
  // Spatial tiles (pixels; tile 0: none), each run on its own (and chunked in time
  // when `chunked`), blended linearly across the overlap: in latent space for the
  // encoder, in pixel space for the decoder. With tiles, on_frames is called once.
  tiling::TileSize tile;
  bool keep_taps = false;  // also return the energy-flow coefficients
  ProgressFn progress;     // fraction of this call
  const CancelToken* cancel = nullptr;
  // Decoded frames as they become available: once per chunk when chunked, once
  // at the end otherwise. Frames are [1, 3, n, H, W] in [-1, 1] (unclamped).
  std::function<void(int64_t first_frame, const HostTensor& frames)> on_frames;
};

struct EncodeResult {
  HostTensor mean;    // [1, L, T_lat, H/8, W/8]
  HostTensor logvar;  // clamped to [-30, 20] as the reference's DiagonalGaussianDistribution
  // With keep_taps: the input's 3-D Haar coefficients and the encoder's l1/l2 levels.
  HostTensor wavelet_in, l1_coeffs, l2_coeffs;
  double ms = 0;
};

struct DecodeResult {
  HostTensor video;                 // [1, 3, T, H, W], unclamped
  HostTensor l1_coeffs, l2_coeffs;  // with keep_taps: the decoder's predicted levels
  double ms = 0;
};

// How to read a model path beyond the path itself (see resolve_model_files).
struct LoadOptions {
  std::filesystem::path config;  // replaces the config.json beside the weights ("" = beside)
  WeightsChoice weights = WeightsChoice::Auto;
};

class Vae {
 public:
  // A diffusers folder, a folder with config.json and .ckpt files, a .safetensors
  // or torch.save file (.ckpt, .pt, .pth, .bin) with config.json beside it; see
  // resolve_model_files. Strict; see LoadReport.
  static std::unique_ptr<Vae> load(const std::filesystem::path& model, Device device = Device::CPU,
                                   ComputeDType dtype = ComputeDType::F32, const LoadOptions& options = {});
  // Random weights (PyTorch's default initialisation, seeded): benchmarks, training.
  static std::unique_ptr<Vae> random(const ModelConfig& config, uint64_t seed, Device device = Device::CPU,
                                     ComputeDType dtype = ComputeDType::F32);
  ~Vae();

  // The configuration in effect (norm overrides applied) and as loaded.
  const ModelConfig& config() const;
  const ModelConfig& trained_config() const;
  const LoadReport& load_report() const;
  int64_t num_parameters() const;
  Device device() const;
  ComputeDType dtype() const;
  void to(Device device, ComputeDType dtype);

  // Run-time norm overrides. Validates (num_groups must divide every normalised
  // channel count; the error lists the valid values) and returns a sentence saying
  // what changed and how it relates to the trained setting ("" if nothing changed).
  std::string set_norm(const std::string& norm_type, int num_groups);

  // video: [1, 3, T, H, W] (or [3, T, H, W]) in [-1, 1]; T = 1 + k * temporal
  // compression, H and W multiples of 8 — otherwise a clear Usage error.
  EncodeResult encode(const HostTensor& video, const RunOptions& options = {});
  // The posterior's seeded sample: mean + exp(logvar / 2) * N(0, 1).
  HostTensor sample(const EncodeResult& enc, uint64_t seed) const;
  DecodeResult decode(const HostTensor& latent, const RunOptions& options = {});
  // Whether chunked inference can split this many frames the reference's way (a
  // chunked run of a length it cannot split is a Usage error).
  bool can_chunk(int64_t frames) const;

  // Bytes of the model's tensors in the compute dtype (the memory planner's base).
  int64_t weight_bytes() const;
  // Scratch memory the CPU float32 convolutions keep between calls (the largest
  // Winograd kernel transform and its workspace); 0 on a GPU or in f16/bf16.
  int64_t conv_scratch_bytes() const;
  // Input frames per encoder chunk and output frames per decoder chunk (look-ahead
  // included) of a chunked run of `frames`; {0, 0} when it cannot chunk them.
  std::pair<int, int> chunk_frames(int64_t frames) const;
  // Returns cached device memory (after an out-of-memory error or a cancel).
  void release_memory();

  // Writes the current weights as a diffusers folder (config.json + safetensors).
  void save(const std::filesystem::path& folder, const std::string& dtype, bool overwrite) const;

  struct Impl;
  Impl& impl() { return *impl_; }  // engine-internal (trainer, parity, bench)

 private:
  explicit Vae(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Memory a run may take on `device`: the GPU's free memory, or the host's
// (planning::host_budget). Zero when unknown.
int64_t device_free_bytes(Device device);

// Checks a video shape for the model and explains what is wrong.
void check_video_shape(const ModelConfig& config, const std::vector<int64_t>& shape);

}  // namespace wfvae
