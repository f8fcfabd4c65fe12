// The reconstruction pipeline shared by `wfvae recon`, `wfvae eval` and the studio:
// read a video, preprocess it as the reference does, encode, decode, measure, and
// export. No LibTorch and no FFmpeg in this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/host_tensor.h"
#include "core/json.h"
#include "core/memory_plan.h"
#include "core/metrics.h"
#include "core/progress.h"
#include "media/media.h"
#include "perceptual/fvd.h"
#include "perceptual/lpips.h"
#include "runtime/vae.h"

namespace wfvae::pipeline {

namespace fs = std::filesystem;

// Default cap on the short side when no size is given.
constexpr int kDefaultMaxShortSide = 512;

struct ReconResult;

// What a run tells its user, typed: the CLI words each kind with its flags, the
// studio with its controls, and neither parses the text.
enum class NoteKind {
  Info,                     // shown as written (source quirks, ...)
  NormChanged,              // a norm override, the setting the weights were trained with
  NormDiffersFromTraining,  // a norm override other than the trained one: expect a different result
  SizeChosen,               // the model size was picked from the source (front ends say how to change it)
  FewerFramesThanAsked,     // more frames asked for than the source has after start and stride
  FramesTrimmed,            // the frame count cut to 1 + k * temporal compression
  RanDirect,                // too few frames to chunk: reconstructed in one pass (direct_if_unchunkable)
  SsimUndefined,            // frames under 11x11: SSIM is NaN
  PlanChosen,               // the memory planner chunked or tiled what was asked to run otherwise
  OutOfMemoryRetry,         // an allocation failed; the run was redone with the next smaller plan
};
struct Note {
  NoteKind kind = NoteKind::Info;
  std::string text;
};

struct ReconRequest {
  fs::path input;
  // The model: a preloaded one (the studio keeps its own; not owned, and norm
  // overrides below are applied to it) or a path to load (empty: the bundled default).
  Vae* vae = nullptr;
  fs::path model;
  LoadOptions load;                        // for loading `model` (--config, --weights)
  Device device = Device::CPU;             // for loading `model`
  ComputeDType dtype = ComputeDType::F32;  // for loading `model`

  // Model input size, multiples of 8. 0: the source size rounded down to multiples
  // of 8, scaled so the short side is at most max_short_side.
  int height = 0, width = 0;
  int max_short_side = kDefaultMaxShortSide;
  // Frames: 0 = all; the count used is the largest 1 + k * temporal_compression
  // that fits (a note says so when frames are dropped).
  int64_t frames = 0;
  std::optional<double> start_time_s;  // at most one of the two
  std::optional<int64_t> start_frame;
  int stride = 1;  // the reference's --sample_rate

  std::string norm_type;  // "": as the model is configured
  int num_groups = 0;     // 0: as configured (GroupNorm only)
  bool chunked = false;   // causal-cache chunked inference (the reference's enable_tiling)
  // Spatial tiles: -1 automatic (only when whole frames do not fit the memory), 0
  // never, > 0 that tile size in pixels (square, a multiple of 8, at least 32).
  int tile = -1;
  int tile_overlap = -1;  // pixels, a multiple of 8; -1: a quarter of the tile
  // Memory the run may use, in bytes; 0: what the device has free (the GPU's free
  // memory, or the host's available memory, ulimit -v and cgroup limits included).
  int64_t max_memory = 0;
  // A clip too short for the reference's chunks (an image, a few frames) runs direct
  // with a RanDirect note instead of failing (the studio wants that; the CLI does not).
  bool direct_if_unchunkable = false;
  // Latent to decode: the posterior mode (mean, deterministic) by default; the
  // official scripts sample (mean + std * N(0, 1)); `sample` does that, seeded.
  bool sample = false;
  uint64_t seed = 0;
  // Encode only (`wfvae latent-stats`): the result has the latents (and the sample
  // when asked) but no decode, reconstruction or metrics.
  bool encode_only = false;

  ProgressFn progress;
  const CancelToken* cancel = nullptr;
  // Reconstructed 8-bit frames as they are decoded (per chunk when chunked).
  std::function<void(int64_t first_frame, const std::vector<media::RgbFrame>& frames)> on_frames;
  // After the read, before the model runs: the result so far (source, size, fps,
  // source indices and times, input_frames, input), so a viewer can show the
  // original while the model works.
  std::function<void(const ReconResult& partial)> on_input;
  // The reference's float metrics of frames as they are decoded (per chunk when
  // chunked); exactly the final result's metrics.frames[first_frame ...].
  std::function<void(int64_t first_frame, const std::vector<metrics::FrameMetrics>& frames)> on_frame_metrics;
  // Also return the energy-flow coefficients (ReconResult::taps).
  bool keep_taps = false;
  // The paper's perceptual metrics, computed when given (loaded once by the caller):
  // per-frame LPIPS (and with lpips_maps the spatial maps), and the input's and the
  // reconstruction's I3D features for FVD over a set of clips.
  const perceptual::Lpips* lpips = nullptr;
  bool lpips_maps = false;
  const perceptual::I3dDetector* i3d = nullptr;
  // Keep ReconResult::input (the float input tensor). Without it the tensor is freed
  // once encoded (metrics read the 8-bit input frames, which hold the same values):
  // 12 bytes per pixel and frame less at the decoder's peak (the CLI's choice).
  bool keep_input_tensor = true;
};

// The model's energy-flow coefficients (with keep_taps): what the encoder fed its
// wavelet branches and what the decoder predicted for the same levels.
struct EnergyFlowTaps {
  HostTensor wavelet_in;  // encoder: the input's 3-D Haar, [1, 24, T0, H/2, W/2]
  HostTensor enc_l1;      // encoder: Haar of the LLL band ("L1"), [1, 12 (24), T1, H/4, W/4]
  HostTensor enc_l2;      // encoder: 3-D Haar of L1's low band ("L2"), [1, 24, T2, H/8, W/8]
  HostTensor dec_l1;      // decoder: its predicted L1 (low band includes the L2 path's output)
  HostTensor dec_l2;      // decoder: its predicted L2
};

struct ReconTimings {
  double load_ms = 0;     // model load (0 with a preloaded model)
  double read_ms = 0;     // demux, decode, convert, resize
  double encode_ms = 0;   // VAE encoder
  double decode_ms = 0;   // VAE decoder
  double metrics_ms = 0;  // PSNR/SSIM (float and 8-bit)
  double lpips_ms = 0;    // LPIPS (with ReconRequest::lpips)
  double i3d_ms = 0;      // I3D features of input and reconstruction (with ReconRequest::i3d)
  double total_ms = 0;
};

struct ReconResult {
  media::VideoInfo source;
  std::string model;           // path it was loaded from ("(preloaded)" when unknown)
  ModelConfig config;          // in effect (norm overrides applied)
  ModelConfig trained_config;  // as stored with the weights
  std::string device, dtype;
  bool chunked = false;
  tiling::TileSize tile;    // spatial tiles used (tile 0: none)
  planning::Plan plan;      // the memory plan that ran (estimates included)
  planning::Budget budget;  // what the planner was given
  bool sample = false;
  uint64_t seed = 0;

  int height = 0, width = 0;
  int64_t frames = 0;
  bool default_size = false;  // the size was chosen for the user
  int stride = 1;
  double fps = 0;                       // of the frames used: source fps / stride
  std::vector<int64_t> source_indices;  // source frame index of each frame used
  std::vector<double> source_times;     // and its time in seconds

  std::vector<media::RgbFrame> input_frames;  // preprocessed, exactly what the model saw
  HostTensor input;                           // [1, 3, T, H, W] in [-1, 1] (keep_input_tensor)
  HostTensor latent_mean, latent_logvar;      // [1, L, T_lat, H/8, W/8]
  HostTensor latent_sample;                   // the decoded latent when sampling (else empty)
  HostTensor recon;                           // [1, 3, T, H, W], unclamped
  std::vector<media::RgbFrame> recon_frames;  // 8-bit, as written

  EnergyFlowTaps taps;  // with keep_taps

  metrics::VideoMetrics metrics;       // float reconstruction vs input (the reference's numbers)
  metrics::VideoMetrics metrics_8bit;  // the 8-bit frames actually written vs the input
  // LPIPS of each frame (ReconRequest::lpips; empty otherwise) and their mean, on the
  // same values as PSNR: the input and the reconstruction clamped to [-1, 1], in [0, 1].
  std::vector<double> lpips;
  double lpips_mean = 0;
  std::string lpips_alexnet, lpips_lin;  // the weight files
  HostTensor lpips_map;                  // [T, 1, H, W] with lpips_maps
  // I3D features (ReconRequest::i3d) of the input ("real") and the reconstruction ("fake").
  std::vector<double> i3d_real, i3d_fake;
  std::string i3d_sha256;
  ReconTimings timings;
  std::vector<Note> notes;  // for the user: trimming, default size, source quirks, norm changes
};

// Cheap checks of a request's settings (sizes, counts, stride, start): Usage errors.
void check_request(const ReconRequest& request);
// Resolves the model path: the request's, else the bundled default, else a
// BadInput error with no_default_model_message().
fs::path resolve_model(const fs::path& model);

ReconResult reconstruct(const ReconRequest& request);

}  // namespace wfvae::pipeline
