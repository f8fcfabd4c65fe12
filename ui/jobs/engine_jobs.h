// The work the studio hands to its worker thread: loading models, reconstructing,
// decoding an input without a model, aligning a second video for "B = file", the
// norm lab, exports. Each function returns a job; results come back through the
// given callbacks, which run on the UI thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "perceptual/lpips.h"
#include "pipeline/exports.h"
#include "runtime/vae.h"
#include "session.h"
#include "jobs/worker.h"

namespace wfvae::studio {

// The loaded model, and LPIPS once a job needed it (loaded once, kept). Only jobs
// touch them, so only the worker thread does.
struct Engine {
  std::unique_ptr<Vae> vae;
  std::string path;
  std::unique_ptr<perceptual::Lpips> lpips;
  std::string lpips_key;  // the files and device it was loaded from
};

ModelInfo describe_model(const Vae& vae, const std::string& path);
Device device_from(const std::string& name);
ComputeDType dtype_from(const std::string& name);

Worker::JobFn make_load_model_job(std::shared_ptr<Engine> engine, std::string path, std::string device,
                                  std::string dtype, std::function<void(ModelInfo)> on_loaded);

struct ReconCallbacks {
  std::function<void(std::shared_ptr<Clip>)> on_input;  // before the model runs
  std::function<void(int64_t first, std::vector<media::RgbFrame>)> on_frames;
  std::function<void(int64_t first, std::vector<metrics::FrameMetrics>)> on_metrics;
  std::function<void(std::shared_ptr<const pipeline::ReconResult>, std::optional<RunDelta>, ModelInfo)> on_done;
  std::function<void(Run::State, std::string)> on_failed;  // then the error also reaches the worker's handler
  std::function<void()> on_direct_fallback;                // too few frames to chunk: the run went direct
};

// `previous`: the last finished run on (possibly) the same clip, for the A/B delta.
Worker::JobFn make_recon_job(std::shared_ptr<Engine> engine, std::string input, RunSettings settings,
                             std::shared_ptr<const pipeline::ReconResult> previous, int previous_id,
                             std::string previous_label, ReconCallbacks callbacks);

// No model: the input preprocessed exactly as a run would (size, frame count).
Worker::JobFn make_decode_job(std::string input, int max_short_side, int64_t frames,
                              std::function<void(std::shared_ptr<Clip>)> on_clip);

// A latents file (wfvae encode, recon --latents, a diffusion model's output) decoded
// with the loaded model, chunked when asked and possible: its frames become the clip;
// `source` is the video its metadata names, when that exists (for "B = file").
Worker::JobFn make_decode_latents_job(std::shared_ptr<Engine> engine, std::string path, bool chunked,
                                      std::function<void(std::shared_ptr<Clip>, std::string source)> on_clip);

// "B = file": `path` decoded, resized to the clip's size, frame i against clip frame i.
Worker::JobFn make_compare_file_job(std::string path, std::shared_ptr<const Clip> clip,
                                    std::function<void(std::shared_ptr<CompareFile>)> on_done);

struct ViewPng {
  std::filesystem::path path;
  media::RgbFrame image;
};
Worker::JobFn make_export_job(std::shared_ptr<const pipeline::ReconResult> result, pipeline::ExportRequest request,
                              std::optional<ViewPng> view_png,
                              std::function<void(std::vector<std::filesystem::path>)> on_done);

// The LPIPS weights: a flag's file (`*_flag`, made absolute), else the settings'
// (`*_saved`, when it still exists), else the standard places. Filesystem look-ups
// only: nothing is loaded.
LpipsWeights find_lpips_weights(const std::string& alexnet_flag, const std::string& lin_flag,
                                const std::string& alexnet_saved, const std::string& lin_saved);

// LPIPS needs frames of at least this many pixels per side (AlexNet's first
// convolution and pools).
constexpr int kLpipsMinSide = 32;

struct LpipsRequest {
  std::shared_ptr<const pipeline::ReconResult> result;  // a finished run (input_frames and recon)
  LpipsWeights weights;                                 // available()
  std::string device = "cpu";
};
struct LpipsCallbacks {
  std::function<void(int64_t first, std::vector<double> scores, std::vector<LpipsMap> maps)> on_frames;
  // However the job ends; weights_unusable: the weights did not load (the message says
  // why); elapsed_ms: the job's time, loading included.
  std::function<void(RunLpips::State, std::string message, bool weights_unusable, double elapsed_ms)> on_finished;
};

// A run's LPIPS as cal_lpips.py computes it (lpips.LPIPS(net='alex', spatial=True)):
// the input frames against the float reconstruction clamped to [-1, 1] and mapped to
// [0, 1] (the values the run's PSNR compares), a few frames per chunk, each chunk's
// scores and spatial maps posted as it is done. Cancellable between chunks.
Worker::JobFn make_lpips_job(std::shared_ptr<Engine> engine, LpipsRequest request, LpipsCallbacks callbacks);

struct NormLabRequest {
  std::vector<LabSetting> settings;
  std::string input;
  int max_short_side = 256;
  int frames = 17;
  std::string device = "cpu", dtype = "f32";
  LpipsWeights lpips;  // LPIPS per setting when available(); otherwise each row says why not
};

// The norm lab's sweep: the clip through every setting in turn (the loaded model is
// reused; another model is loaded once). on_row(i, result) when row i starts and when
// it ends; on_finished however the sweep ends (done, failed or cancelled).
Worker::JobFn make_normlab_job(std::shared_ptr<Engine> engine, NormLabRequest request,
                               std::function<void(size_t, LabResult)> on_row, std::function<void()> on_finished);

// A thumbnail: the frame scaled (box filter) to at most max_height rows.
media::RgbFrame thumbnail(const media::RgbFrame& frame, int max_height);

}  // namespace wfvae::studio
