// What the studio has open: the model (as the worker reported it), the clip (the
// input as the model sees it), the reconstruction runs (current and previous, for
// A/B), an optional second video to compare against ("B = file"). All of it
// belongs to the UI thread; the worker sends new values through posted closures.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/metrics.h"
#include "media/media.h"
#include "pipeline/recon.h"

namespace wfvae::studio {

struct ModelInfo {
  bool loaded = false;
  std::string path;  // folder (or .safetensors file) it was loaded from
  std::string name;  // folder name
  ModelConfig config, trained;
  std::string report_text;
  std::vector<std::string> report_notes;
  bool report_clean = true;
  int64_t num_parameters = 0;
  std::string stored_dtype, device, dtype;
  std::string weights_format;  // "safetensors", "torch.save (zip)", ...
  std::string state_dict;      // of a torch.save checkpoint: which one was taken ("" otherwise)
  bool latent_norm_ok = false;
  std::string latent_norm;  // scale/shift status, as the load report words it
  std::vector<int> valid_groups;
};

// Everything that decides a reconstruction.
struct RunSettings {
  std::string model_path, model_name;
  std::string norm_type = "groupnorm";
  int num_groups = 32;  // groupnorm only
  bool chunked = true;
  int tile = -1;  // spatial tiles: -1 automatic (the memory planner), 0 off, N pixels
  std::string device = "cpu", dtype = "f32";
  int max_short_side = 256;
  int64_t frames = 33;             // 0 = all
  std::string norm_label() const;  // "groupnorm(32)" / "layernorm"
  std::string label() const;       // "groupnorm(32) · chunked"
};

// The input as the model sees it: preprocessed 8-bit frames at model size.
struct Clip {
  int id = 0;
  std::string path;
  media::VideoInfo source;
  int height = 0, width = 0;
  double fps = 25;
  std::vector<int64_t> source_indices;
  std::vector<double> source_times;
  std::vector<media::RgbFrame> frames;
  std::vector<pipeline::Note> notes;
  // A clip decoded from a latents file (`path`): the model that decoded it.
  std::string decoded_by;
  // Two clips with the same key hold the same frames (runs on them compare).
  std::string key() const;
  int64_t count() const { return static_cast<int64_t>(frames.size()); }
};

// The difference between two reconstructions of the same clip (A/B of settings).
struct RunDelta {
  int other_run = 0;
  std::string other_label;
  double max_abs = 0;  // largest |a - b| of the float outputs, in [-1, 1] units
  double mean_abs = 0;
  double psnr = 0;  // PSNR of one against the other (clamped, [0, 1] scale)
};

// One frame's spatial LPIPS map (lpips' spatial=True output, upsampled to the frame):
// row 0 = top, one value per pixel.
struct LpipsMap {
  int height = 0, width = 0;
  std::vector<float> values;
  float p99 = 0;  // its 99th percentile: where the heatmap's full scale starts
};

// A run's LPIPS (its input against its float reconstruction), computed after the
// run by a job of its own, a few frames at a time.
struct RunLpips {
  // None: not asked for yet; Unavailable: no weights (or frames too small), `message`
  // says which file was looked for, where, and how to get it.
  enum class State { None, Computing, Done, Unavailable, Failed, Cancelled };
  State state = State::None;
  std::vector<double> scores;  // per frame; NaN until computed
  std::vector<LpipsMap> maps;  // per frame; empty values until computed
  double map_range = 0;        // the largest p99 of the maps so far: the heatmap's default full scale
  std::string message;         // Unavailable / Failed: why
  double elapsed_ms = 0;       // the job's time, when it ended
  uint64_t version = 0;        // bumped on every change (the heatmap's texture cache compares it)
  bool has(int64_t i) const {
    return i >= 0 && i < static_cast<int64_t>(scores.size()) && !maps[static_cast<size_t>(i)].values.empty();
  }
  int64_t computed() const;
  double mean() const;  // over the frames computed so far (NaN before the first)
};
const char* lpips_state_name(RunLpips::State s);  // "none", "computing", "done", ...

// Where the LPIPS weights are: a flag's file, else the one in the settings, else the
// standard places (engine/perceptual/lpips.h). `missing` says what is not there (or
// did not load): which file was looked for, where, and how to get it.
struct LpipsWeights {
  std::string alexnet, lin;            // the files to load ("" when not found)
  std::string alexnet_from, lin_from;  // "--lpips-alexnet", "settings", "standard place"
  std::string missing;                 // "" when both were found
  bool available() const { return missing.empty(); }
};

struct Run {
  enum class State { Running, Done, Failed, Cancelled };
  int id = 0;
  int clip_id = 0;
  RunSettings settings;
  State state = State::Running;
  std::string error;
  // While running: frames and metrics as they stream in (rgb empty until decoded).
  std::vector<media::RgbFrame> live_frames;
  std::vector<metrics::FrameMetrics> frame_metrics;
  std::vector<char> have_metrics;
  int64_t decoded = 0;
  uint64_t version = 0;                                 // bumped on every change (texture caches compare it)
  std::shared_ptr<const pipeline::ReconResult> result;  // when Done
  std::optional<RunDelta> delta;                        // vs the run before it, when comparable
  RunLpips lpips;                                       // after the run is done

  bool done() const { return state == State::Done; }
  // The reconstructed frame i, or nullptr while it is not decoded yet.
  const media::RgbFrame* frame(int64_t i) const;
  bool has_metrics(int64_t i) const {
    return i >= 0 && i < static_cast<int64_t>(have_metrics.size()) && have_metrics[i];
  }
  int64_t count() const { return static_cast<int64_t>(have_metrics.size()); }
  double psnr_mean() const;  // over frames measured so far
  double ssim_mean() const;
  double blockiness_mean() const;
  std::vector<pipeline::Note> notes() const;

 private:
  double mean_measured(double metrics::FrameMetrics::*metric) const;
};

// "B = file": another video aligned to the clip frame by frame.
struct CompareFile {
  int clip_id = 0;
  std::string path;
  media::VideoInfo source;
  std::vector<media::RgbFrame> frames;         // at clip size; may be fewer than the clip's
  std::vector<metrics::FrameMetrics> metrics;  // 8-bit, vs the clip
  std::vector<std::string> notes;
  double psnr_mean = 0, ssim_mean = 0;
};

// Which two images the compare views show.
enum class Pair { OrigRecon = 0, PrevRecon, OrigPrev, OrigFile };
constexpr int kPairCount = 4;
const char* pair_name(Pair p);   // "orig-recon", ...
const char* pair_title(Pair p);  // "Original | Reconstruction", ...

// Pipeline notes the studio does not show: the frame count is a cap here, not a
// request, so "fewer frames than asked" describes only the command line's view.
bool studio_hides_note(const pipeline::Note& note);
// A note as the studio words it: where to change what it reports.
std::string studio_note(const pipeline::Note& note);

std::string human_bytes(int64_t bytes);
std::string human_count(int64_t n);  // 1.23 M
std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A model's name in lists: its folder's name (a weights file: folder/file).
std::string model_display_name(const std::string& path);

// One setting of the norm lab.
struct LabSetting {
  std::string model_path, model_name;
  std::string norm_type = "groupnorm";
  int num_groups = 32;
  bool chunked = false;
  bool trained = false;  // the setting the weights were trained with
  std::string label() const;
};

// What the norm lab measured for one setting.
struct LabResult {
  enum class State { Queued, Running, Done, Failed, Cancelled };
  LabSetting setting;
  State state = State::Queued;
  double psnr = 0, ssim = 0, psnr_8bit = 0;
  double lpips = NAN;      // NaN: not measured (no weights, or it failed: lpips_note says why)
  std::string lpips_note;  // why there is no LPIPS
  double encode_ms = 0, decode_ms = 0;
  int64_t peak_rss = -1, baseline_rss = -1;  // of this run alone
  int64_t frames = 0;
  int height = 0, width = 0;
  media::RgbFrame thumb;
  std::string error;
  std::vector<std::string> notes;
};

}  // namespace wfvae::studio
