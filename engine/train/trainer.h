// `wfvae train`: trains a WF-VAE with LibTorch on clips held in memory.
// Loss = L1 reconstruction + KL (small weight) + the paper's wavelet energy-flow
// loss (L1 between the encoder's l1/l2 Haar coefficients and the decoder's
// predicted ones), optionally + L2, gradient difference and cell grid (train/losses.h).
// AdamW with linear warm-up and cosine decay, EMA weights, checkpoints in the diffusers
// layout the engine loads, exact resume.
// No LibTorch in this header (the CLI decodes the clips with the media library, or
// reads them from a clip pack).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/error.h"
#include "core/progress.h"
#include "runtime/vae.h"
#include "train/clip_pack.h"

namespace wfvae::train {

struct TrainOptions {
  ModelConfig config;                                // architecture of a new model
  std::filesystem::path init_model;                  // start from these weights instead (fine-tune)
  WeightsChoice init_weights = WeightsChoice::Auto;  // which of a training checkpoint's
  std::filesystem::path out_dir;                     // checkpoints and the training state
  bool resume = false;                               // continue from out_dir/train_state.safetensors
  Device device = Device::CPU;                       // where the model trains (clips stay on the host)
  // Wall-clock seconds the run may take (0: no limit). Once the first steps have been
  // timed, the schedule (warm-up, cosine) is shortened to the steps that fit, so a
  // budgeted run ends decayed, with its final checkpoint, like a run of that length.
  double time_budget_s = 0;
  int steps = 1000;
  int batch = 1;
  int crop_frames = 9;  // 1 + 4k (1 + 8k for 8x models)
  int crop_size = 128;  // square spatial crop, multiple of 8
  double lr = 4e-4;
  int warmup_steps = 200;
  double min_lr_ratio = 0.05;  // cosine decay floor
  double weight_decay = 1e-4;
  double beta1 = 0.9, beta2 = 0.99;
  double grad_clip = 1.0;  // global norm; 0 disables
  double ema_decay = 0.998;
  double kl_weight = 1e-6;       // per element, as a fraction of the L1 term's scale
  double wavelet_weight = 0.1;   // 0 disables the energy-flow loss
  double mse_weight = 0.0;       // optional extra L2 term (PSNR is an L2 metric)
  double gradient_weight = 0.0;  // optional gradient-difference term (against flat Haar blocks)
  double grid_weight = 0.0;      // optional cell-grid term (train/losses.h: against the 4x4/8x8 block grid)
  bool sample_posterior = true;  // decode posterior samples (the reference) or the mean
  bool hflip = true;
  int max_stride = 2;  // random temporal stride in [1, max_stride]
  uint64_t seed = 0;
  int log_every = 10;
  int val_every = 250;
  int ckpt_every = 1000;
  std::string store_dtype = "f16";      // checkpoint storage: f32 | f16 | bf16
  int val_frames = 17, val_size = 128;  // validation crop (centre)
  // Fault injection for tests (no flag sets it): the loss of this 1-based step is
  // made NaN, as a diverging run's would be, to exercise the stop path.
  int poison_loss_at_step = 0;
  // The clock the time budget and the timings read, in seconds (empty: the steady
  // clock). Tests set a clock of their own so that a budgeted run's decisions do not
  // depend on how busy the machine is.
  std::function<double()> clock;
};

struct TrainLog {
  int step = 0;
  int steps = 0;  // the run's planned total (a time budget may have shortened it)
  double loss = 0, l1 = 0, mse = 0, wavelet = 0, kl = 0, gradient = 0, grid = 0;
  double lr = 0;
  double sec_per_step = 0;
  double val_psnr = -1, val_ssim = -1;  // -1: not evaluated at this step
  double val_blockiness = -1;           // metrics::FrameMetrics::blockiness of the same clips
};

struct TrainResult {
  int steps_done = 0;
  int steps_planned = 0;  // --steps, or fewer where a time budget shortened the run
  double wall_seconds = 0;
  double final_val_psnr = 0, final_val_ssim = 0;
  std::filesystem::path final_checkpoint;  // out_dir/final (EMA weights)
};

// A training setting a front end names by its own word for it (the CLI: its flag).
enum class TrainSetting {
  Steps,
  Batch,
  CropSize,
  CropFrames,
  LearningRate,
  EmaDecay,
  WeightDecay,
  KlWeight,
  WaveletWeight,
  MseWeight,
  GradientWeight,
  GridWeight,
  TimeBudget,
};
// "the learning rate", ...: how the engine names a setting in its own messages.
const char* setting_name(TrainSetting setting);

// A setting out of range (a Usage error): what() reads "<setting_name> <problem>";
// a front end puts problem() after its own name for the setting.
class TrainSettingError : public Error {
 public:
  TrainSettingError(TrainSetting setting, const std::string& problem);
  TrainSetting setting() const { return setting_; }
  const std::string& problem() const { return problem_; }

 private:
  TrainSetting setting_;
  std::string problem_;
};

// Runs training. `log` is called every log_every steps and after each validation.
// Cancellation saves the state so that --resume continues exactly.
TrainResult run_training(const TrainOptions& options, const std::vector<Clip>& train_clips,
                         const std::vector<Clip>& val_clips, const std::function<void(const TrainLog&)>& log,
                         const CancelToken* cancel = nullptr);

}  // namespace wfvae::train
