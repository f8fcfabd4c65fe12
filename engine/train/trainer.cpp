#include "train/trainer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <limits>
#include <fstream>
#include <map>
#include <memory>
#include <random>

#include "core/error.h"
#include "core/fileutil.h"
#include "core/json.h"
#include "core/metrics.h"
#include "core/safetensors.h"
#include "runtime/vae.h"
#include "runtime/vae_impl.h"
#include "train/losses.h"

namespace wfvae::train {

namespace fs = std::filesystem;
using at::Tensor;

namespace {

constexpr const char* kStateFile = "train_state.safetensors";

struct Param {
  std::string name;
  Tensor* value;  // the model's slot
  Tensor m, v;    // AdamW moments
  Tensor ema;
  bool decay;  // weight decay on conv/linear weights only (not norms or biases)
};

// Per-step generators derived from (seed, step): a resumed run draws exactly the
// crops and posterior noise the uninterrupted run would have drawn.
std::mt19937_64 step_rng(uint64_t seed, int step) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(step),
                    0x5eedu};
  return std::mt19937_64(seq);
}

// A random crop of `frames` frames (temporal stride in [1, max_stride]) and
// `size` x `size` pixels, optionally flipped, as [1, 3, T, S, S] in [-1, 1].
Tensor sample_crop(const Clip& c, int frames, int size, int max_stride, bool hflip, std::mt19937_64& rng) {
  int stride = 1 + static_cast<int>(rng() % static_cast<uint64_t>(std::max(1, max_stride)));
  while (stride > 1 && (frames - 1) * stride + 1 > c.frames) --stride;
  const int span = (frames - 1) * stride + 1;
  const int t0 = static_cast<int>(rng() % static_cast<uint64_t>(c.frames - span + 1));
  const int y0 = static_cast<int>(rng() % static_cast<uint64_t>(c.height - size + 1));
  const int x0 = static_cast<int>(rng() % static_cast<uint64_t>(c.width - size + 1));
  const bool flip = hflip && (rng() & 1);
  Tensor out = at::empty({1, 3, frames, size, size}, at::kFloat);
  float* o = out.data_ptr<float>();
  const size_t plane = static_cast<size_t>(size) * size;
  for (int t = 0; t < frames; ++t) {
    const uint8_t* src = c.rgb.data() + static_cast<size_t>(t0 + t * stride) * c.height * c.width * 3;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        const int sx = flip ? x0 + size - 1 - x : x0 + x;
        const uint8_t* p = src + (static_cast<size_t>(y0 + y) * c.width + sx) * 3;
        for (int ch = 0; ch < 3; ++ch)
          o[(static_cast<size_t>(ch) * frames + t) * plane + static_cast<size_t>(y) * size + x] = p[ch] / 127.5f - 1.f;
      }
  }
  return out;
}

// The deterministic validation crop: first `frames` frames, centre square.
Tensor center_crop(const Clip& c, int frames, int size) {
  Tensor out = at::empty({1, 3, frames, size, size}, at::kFloat);
  float* o = out.data_ptr<float>();
  const int y0 = (c.height - size) / 2, x0 = (c.width - size) / 2;
  const size_t plane = static_cast<size_t>(size) * size;
  for (int t = 0; t < frames; ++t)
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        const uint8_t* p = c.rgb.data() + ((static_cast<size_t>(t) * c.height + y0 + y) * c.width + x0 + x) * 3;
        for (int ch = 0; ch < 3; ++ch)
          o[(static_cast<size_t>(ch) * frames + t) * plane + static_cast<size_t>(y) * size + x] = p[ch] / 127.5f - 1.f;
      }
  return out;
}

double lr_at(const TrainOptions& o, int step) {
  if (step < o.warmup_steps) return o.lr * (step + 1) / static_cast<double>(o.warmup_steps);
  const double progress = static_cast<double>(step - o.warmup_steps) / std::max(1, o.steps - o.warmup_steps);
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
  return o.lr * (o.min_lr_ratio + (1.0 - o.min_lr_ratio) * cosine);
}

std::vector<float> to_floats(const Tensor& t) {
  Tensor c = t.detach().to(at::kCPU, at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

void save_state(const fs::path& path, const std::vector<Param>& params, int step, const TrainOptions& o) {
  std::vector<std::vector<float>> bufs;
  std::vector<StTensorToWrite> out;
  bufs.reserve(params.size() * 4);
  for (const auto& p : params) {
    for (auto [prefix, t] : {std::pair<const char*, const Tensor*>{"param/", p.value},
                             {"adam_m/", &p.m},
                             {"adam_v/", &p.v},
                             {"ema/", &p.ema}}) {
      bufs.push_back(to_floats(*t));
      out.push_back({prefix + p.name, StDType::F32, std::vector<int64_t>(t->sizes().begin(), t->sizes().end()),
                     bufs.back().data()});
    }
  }
  std::map<std::string, std::string> meta = {
      {"step", std::to_string(step)}, {"seed", std::to_string(o.seed)}, {"config", json::dump(o.config.to_json())}};
  write_safetensors(path, out, meta, true);
}

int load_state(const fs::path& path, std::vector<Param>& params) {
  SafetensorsReader r(path);
  auto read = [&](const std::string& key, Tensor& dst) {
    const StTensorEntry* e = r.find(key);
    if (!e) fail_input(path.string() + ": training state has no tensor '" + key + "' (different model?)");
    std::vector<float> v = r.read_float(*e);
    if (static_cast<int64_t>(v.size()) != dst.numel())
      fail_input(path.string() + ": tensor '" + key + "' has the wrong size for this model");
    at::NoGradGuard ng;
    dst.copy_(at::from_blob(v.data(), dst.sizes(), at::kFloat));
  };
  for (auto& p : params) {
    read("param/" + p.name, *p.value);
    read("adam_m/" + p.name, p.m);
    read("adam_v/" + p.name, p.v);
    read("ema/" + p.name, p.ema);
  }
  auto it = r.metadata().find("step");
  if (it == r.metadata().end()) fail_input(path.string() + ": training state has no step");
  return std::stoi(it->second);
}

// Swaps EMA weights into the model for evaluation or saving, and back.
void swap_ema(std::vector<Param>& params) {
  at::NoGradGuard ng;
  for (auto& p : params) {
    Tensor tmp = p.value->detach().clone();
    p.value->copy_(p.ema);
    p.ema.copy_(tmp);
  }
}

// The loss of one step and its terms.
struct Loss {
  Tensor total, l1, mse, kl, wavelet, gradient, grid;
};

// The loss and its terms as the log names them: what a step adds up and the log line
// averages and writes. A term with a weight is written only when its weight is on.
struct LossTerm {
  const char* name;
  Tensor Loss::*value;
  double TrainLog::*logged;
  double TrainOptions::*weight;  // null: always written
};
const LossTerm kLossTerms[] = {
    {"loss", &Loss::total, &TrainLog::loss, nullptr},
    {"l1", &Loss::l1, &TrainLog::l1, nullptr},
    {"mse", &Loss::mse, &TrainLog::mse, nullptr},
    {"kl", &Loss::kl, &TrainLog::kl, nullptr},
    {"wavelet", &Loss::wavelet, &TrainLog::wavelet, nullptr},
    {"gradient", &Loss::gradient, &TrainLog::gradient, &TrainOptions::gradient_weight},
    {"grid", &Loss::grid, &TrainLog::grid, &TrainOptions::grid_weight},
};

// The paper's training loss: L1 reconstruction (+ optional L2), the KL of the
// posterior, and the wavelet energy-flow loss (wavelet_energy_flow_loss, losses.h).
// Scaled like the reference (reconstruction summed per frame, KL and wavelet terms
// per sample), divided by the pixels of one frame so the numbers read as per-pixel
// errors.
Loss compute_loss(const TrainOptions& o, const Tensor& x, const Tensor& y, const Tensor& mean, const Tensor& logvar,
                  const model::EncoderTaps& et, const model::DecoderTaps& dt) {
  const double batch = static_cast<double>(o.batch);
  const double pixels_per_frame = 3.0 * o.crop_size * o.crop_size;
  Loss l;
  l.l1 = (x - y).abs().mean();
  l.total = l.l1;
  l.mse = at::zeros({}, x.options());
  if (o.mse_weight > 0) {
    l.mse = (x - y).pow(2).mean();
    l.total = l.total + o.mse_weight * l.mse;
  }
  l.kl = 0.5 * (mean.pow(2) + at::exp(logvar) - 1.0 - logvar).sum() / batch / pixels_per_frame;
  l.total = l.total + o.kl_weight * l.kl;
  l.wavelet = at::zeros({}, x.options());
  if (o.wavelet_weight > 0) {
    l.wavelet = wavelet_energy_flow_loss(et, dt) / batch / pixels_per_frame;
    l.total = l.total + o.wavelet_weight * l.wavelet;
  }
  l.gradient = at::zeros({}, x.options());
  if (o.gradient_weight > 0) {
    l.gradient = gradient_difference(x, y);
    l.total = l.total + o.gradient_weight * l.gradient;
  }
  l.grid = at::zeros({}, x.options());
  if (o.grid_weight > 0) {
    l.grid = cell_grid_difference(x, y);
    l.total = l.total + o.grid_weight * l.grid;
  }
  return l;
}

// One AdamW step (0-based `step`, learning rate `lr`) on the gradients in the
// parameters, after clipping their global norm; then the EMA weights follow (with
// the usual warm-up of the decay).
void adamw_step(std::vector<Param>& params, const TrainOptions& o, int step, double lr) {
  at::NoGradGuard ng;
  double clip_scale = 1.0;
  if (o.grad_clip > 0) {
    // One transfer for all the parameters' squared norms (a GPU would wait on each
    // one otherwise), summed on the host in parameter order, in double.
    std::vector<Tensor> sums;
    for (auto& p : params)
      if (p.value->grad().defined()) sums.push_back(p.value->grad().pow(2).sum());
    double sq = 0;
    if (!sums.empty()) {
      const Tensor host = at::stack(sums).to(at::kCPU, at::kDouble).contiguous();
      for (int64_t i = 0; i < host.numel(); ++i) sq += host.data_ptr<double>()[i];
    }
    const double norm = std::sqrt(sq);
    if (norm > o.grad_clip) clip_scale = o.grad_clip / (norm + 1e-12);
  }
  const double t = step + 1;
  const double bc1 = 1.0 - std::pow(o.beta1, t), bc2 = 1.0 - std::pow(o.beta2, t);
  const double ema_decay = std::min(o.ema_decay, (1.0 + t) / (10.0 + t));
  for (auto& p : params) {
    const Tensor& g0 = p.value->grad();
    if (!g0.defined()) continue;
    Tensor g = clip_scale != 1.0 ? g0 * clip_scale : g0;
    p.m.mul_(o.beta1).add_(g, 1.0 - o.beta1);
    p.v.mul_(o.beta2).addcmul_(g, g, 1.0 - o.beta2);
    if (p.decay && o.weight_decay > 0) p.value->mul_(1.0 - lr * o.weight_decay);
    Tensor denom = (p.v / bc2).sqrt_().add_(1e-8);
    p.value->addcdiv_(p.m, denom, -lr / bc1);
    p.ema.mul_(ema_decay).add_(p.value->detach(), 1.0 - ema_decay);
  }
}

// Where a run keeps its weights: checkpoint-N/ and final/ (EMA weights, the diffusers
// layout the engine loads), latest/ + the state file (raw weights, optimiser state:
// what --resume needs). Never overwrites finite weights with diverged ones.
class Checkpointer {
 public:
  Checkpointer(Vae& vae, std::vector<Param>& params, const TrainOptions& o, int resumed_step)
      : vae_(vae), params_(params), o_(o), last_saved_step_(o.resume ? resumed_step : -1) {}

  fs::path state_path() const { return o_.out_dir / kStateFile; }

  // EMA weights into `dir`.
  void save_ema(const fs::path& dir) {
    swap_ema(params_);
    try {
      vae_.save(dir, o_.store_dtype, true);
    } catch (...) {
      swap_ema(params_);
      throw;
    }
    swap_ema(params_);
  }

  // latest/ and the state file at `step`, after checking every weight is finite.
  void save_resumable(int step) {
    for (auto& p : params_)
      if (!at::isfinite(p.value->detach()).all().item<bool>())
        throw Error(ErrorKind::Runtime, p.name + " became NaN or Inf by step " + std::to_string(step) + "; stopped, " +
                                            last_finite() + "; try a lower learning rate");
    vae_.save(o_.out_dir / "latest", "f32", true);
    save_state(state_path(), params_, step, o_);
    last_saved_step_ = step;
  }

  // For error messages: where the last finite weights are.
  std::string last_finite() const {
    return last_saved_step_ < 0 ? std::string("no weights were saved yet")
                                : "the last finite weights are in " + (o_.out_dir / "latest").string() + " (step " +
                                      std::to_string(last_saved_step_) + ")";
  }

 private:
  Vae& vae_;
  std::vector<Param>& params_;
  const TrainOptions& o_;  // with the config in effect (saved in the state)
  int last_saved_step_;
};

// Hyper-parameters that would train NaN from the first step, and counts and sizes
// that cannot run: a TrainSettingError naming the setting (front ends word it).
void check_options(const TrainOptions& o) {
  if (o.out_dir.empty()) fail_usage("an output folder is required");
  if (o.steps < 1) throw TrainSettingError(TrainSetting::Steps, "must be >= 1");
  if (o.batch < 1) throw TrainSettingError(TrainSetting::Batch, "must be >= 1");
  if (o.crop_size % 8 != 0 || o.crop_size < 16)
    throw TrainSettingError(TrainSetting::CropSize, "must be a multiple of 8, at least 16");
  auto check = [](TrainSetting setting, double v, double lo, double hi, bool lo_open) {
    if (std::isfinite(v) && v >= lo && !(lo_open && v == lo) && v <= hi) return;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%g is outside %s%g, %g]", v, lo_open ? "(" : "[", lo, hi);
    throw TrainSettingError(setting, buf);
  };
  check(TrainSetting::LearningRate, o.lr, 0, 1, true);
  check(TrainSetting::EmaDecay, o.ema_decay, 0, 1, false);
  check(TrainSetting::WeightDecay, o.weight_decay, 0, 10, false);
  check(TrainSetting::KlWeight, o.kl_weight, 0, 1e6, false);
  check(TrainSetting::WaveletWeight, o.wavelet_weight, 0, 1e6, false);
  check(TrainSetting::MseWeight, o.mse_weight, 0, 1e6, false);
  check(TrainSetting::GradientWeight, o.gradient_weight, 0, 1e6, false);
  check(TrainSetting::GridWeight, o.grid_weight, 0, 1e6, false);
  if (o.time_budget_s < 0 || !std::isfinite(o.time_budget_s))
    throw TrainSettingError(TrainSetting::TimeBudget, "must be >= 0 seconds");
  std::error_code ec;
  if (fs::exists(o.out_dir, ec) && !fs::is_directory(o.out_dir, ec))
    fail_input(o.out_dir.string() + ": exists and is not a folder (the training output names the folder to write)");
  if (o.resume && !fs::exists(o.out_dir / kStateFile))
    fail_input((o.out_dir / kStateFile).string() + ": no training state to resume from");
}

// The model to train: the run's latest weights (resume), given weights (fine-tune)
// or a new one.
std::unique_ptr<Vae> open_model(const TrainOptions& o) {
  if (o.resume) return Vae::load(o.out_dir / "latest", o.device);
  if (!o.init_model.empty())
    return Vae::load(o.init_model, o.device, ComputeDType::F32, LoadOptions{{}, o.init_weights});
  return Vae::random(o.config, o.seed, o.device);
}

// Every trainable tensor of the model (the constant Haar filters stay frozen) as f32,
// with its AdamW moments and its EMA.
std::vector<Param> trainable_params(model::WFVAEModel& model) {
  std::vector<Param> params;
  for (auto& nt : model.named_tensors()) {
    if (nt.optional) continue;
    Param p;
    p.name = nt.name;
    p.value = nt.tensor;
    *p.value = p.value->detach().to(at::kFloat).contiguous();
    p.value->requires_grad_(true);
    p.m = at::zeros_like(p.value->detach());
    p.v = at::zeros_like(p.value->detach());
    p.ema = p.value->detach().clone();
    p.decay = p.value->dim() >= 2;
    params.push_back(std::move(p));
  }
  return params;
}

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One training run, from set-up to the final checkpoint: the steps, the time budget,
// the log lines, the validations and the checkpoints.
class TrainingRun {
 public:
  TrainingRun(const TrainOptions& o, const std::vector<Clip>& train_clips, const std::vector<Clip>& val_clips,
              const std::function<void(const TrainLog&)>& log)
      : o_(o), val_clips_(val_clips), log_(log), vae_(open_model(o)), opt_(o) {
    // `opt_` is the run as it goes: the config in effect, and the steps a time budget left.
    opt_.config = vae_->config();
    const ModelConfig& cfg = opt_.config;
    if (!cfg.valid_frame_count(o.crop_frames))
      throw TrainSettingError(TrainSetting::CropFrames, std::to_string(o.crop_frames) + " is not 1 + " +
                                                            std::to_string(cfg.temporal_compression()) + "k");
    for (const auto& c : train_clips)
      if (c.frames >= o.crop_frames && c.height >= o.crop_size && c.width >= o.crop_size) usable_.push_back(&c);
    if (usable_.empty())
      fail_input("no training clip has at least " + std::to_string(o.crop_frames) + " frames of " +
                 std::to_string(o.crop_size) + "x" + std::to_string(o.crop_size));
    // Crops and posterior noise are drawn on the host (the same draws on every
    // device), then moved to the model's device.
    dev_ = vae_->device() == Device::CUDA ? at::Device(at::kCUDA) : at::Device(at::kCPU);
    model_ = vae_->impl().model.get();
    params_ = trainable_params(*model_);
    fs::create_directories(o.out_dir);
    if (o.resume) start_step_ = load_state(o.out_dir / kStateFile, params_);
    jsonl_.open(o.out_dir / "train_log.jsonl", std::ios::app);
    checkpoints_ = std::make_unique<Checkpointer>(*vae_, params_, opt_, start_step_);
  }

  TrainResult run(const CancelToken* cancel) {
    t_start_ = t_window_ = t_pace_ = now();
    int step = start_step_;
    for (; step < opt_.steps; ++step) {
      if (cancel && cancel->cancelled()) break;
      const StepTerms terms = train_step(step);
      const int done = step + 1;
      follow_time_budget(done);
      const bool do_val = !val_clips_.empty() && (done % o_.val_every == 0 || done == opt_.steps);
      if (done % o_.log_every == 0 || do_val || done == opt_.steps) write_log(done, terms.lr, do_val);
      if (done % o_.ckpt_every == 0 && done != opt_.steps) {
        checkpoints_->save_resumable(done);
        checkpoints_->save_ema(o_.out_dir / ("checkpoint-" + std::to_string(done)));
      }
    }
    return finish(step);
  }

 private:
  struct StepTerms {
    double lr = 0;
  };

  // One optimiser step at `step` (0-based); its loss terms go into the log window.
  StepTerms train_step(int step) {
    std::mt19937_64 rng = step_rng(o_.seed, step);
    std::vector<Tensor> crops;
    for (int b = 0; b < o_.batch; ++b)
      crops.push_back(
          sample_crop(*usable_[rng() % usable_.size()], o_.crop_frames, o_.crop_size, o_.max_stride, o_.hflip, rng));
    Tensor x = at::cat(crops, 0).to(dev_);

    model::EncoderTaps et;
    Tensor h = model_->encode(x, &et);
    const int64_t L = opt_.config.latent_dim;
    Tensor mean = h.narrow(1, 0, L);
    Tensor logvar = at::clamp(h.narrow(1, L, L), -30.0, 20.0);
    Tensor eps = at::empty(mean.sizes(), at::kFloat).normal_(0.0, 1.0, at::detail::createCPUGenerator(rng())).to(dev_);
    // The reference trains on posterior samples; the mean gives a plain autoencoder.
    Tensor z = o_.sample_posterior ? mean + at::exp(0.5 * logvar) * eps : mean;
    model::DecoderTaps dt;
    Tensor y = model_->decode(z, &dt);

    Loss l = compute_loss(o_, x, y, mean, logvar, et, dt);
    // A non-finite loss stops the run before the step: the weights on disk (latest/,
    // checkpoints) are the last finite ones.
    if (o_.poison_loss_at_step == step + 1) l.total = l.total * std::numeric_limits<double>::quiet_NaN();
    const Tensor& loss = l.total;
    // The loss and its terms come to the host in one transfer.
    std::vector<Tensor> parts;
    for (const LossTerm& t : kLossTerms) parts.push_back((l.*t.value).detach());
    const Tensor terms = at::stack(parts).to(at::kCPU, at::kDouble).contiguous();
    const double* term = terms.data_ptr<double>();
    if (!std::isfinite(term[0]))
      throw Error(ErrorKind::Runtime, "the loss became " + std::to_string(term[0]) + " at step " +
                                          std::to_string(step + 1) + "; stopped, " + checkpoints_->last_finite() +
                                          "; try a lower learning rate");
    for (auto& p : params_) p.value->mutable_grad().reset();
    loss.backward();

    StepTerms out;
    out.lr = lr_at(opt_, step);
    adamw_step(params_, o_, step, out.lr);

    for (size_t i = 0; i < std::size(kLossTerms); ++i) acc_.*kLossTerms[i].logged += term[i];
    ++acc_n_;
    return out;
  }

  // The time budget: the steps that fit are decided once, from the pace of this
  // process's first steps (the first few, which pay for warm-up and autotuning, left
  // out); if the pace then drops, the run still ends at the budget.
  void follow_time_budget(int done) {
    if (opt_.time_budget_s <= 0) return;
    constexpr int kPaceSkip = 10, kPaceSteps = 30;
    const int ran = done - start_step_;
    if (ran == kPaceSkip) t_pace_ = now();
    const double elapsed = seconds_since(t_start_);
    if (!budget_planned_ && ran >= kPaceSkip + kPaceSteps) {
      budget_planned_ = true;
      // A tenth of the budget is kept for validations, checkpoints and the final save.
      const double pace = seconds_since(t_pace_) / (ran - kPaceSkip);
      const double left = 0.9 * opt_.time_budget_s - elapsed;
      const int fit = done + std::max(0, static_cast<int>(left / std::max(pace, 1e-9)));
      if (fit < opt_.steps) {
        std::fprintf(stderr, "time budget %.0f s: %.3f s/step, the schedule is shortened from %d to %d steps\n",
                     opt_.time_budget_s, pace, opt_.steps, std::max(fit, done));
        opt_.steps = std::max(fit, done);
      }
    } else if (elapsed > opt_.time_budget_s && done < opt_.steps) {
      std::fprintf(stderr, "time budget %.0f s spent at step %d of %d: the run ends here\n", opt_.time_budget_s, done,
                   opt_.steps);
      opt_.steps = done;
    }
  }

  // PSNR, SSIM and blockiness of the EMA weights on the validation clips' centre crops.
  void evaluate(TrainLog* l) {
    at::NoGradGuard ng;
    const ModelConfig& cfg = opt_.config;
    swap_ema(params_);
    double ps = 0, ss = 0, bs = 0;
    int n = 0;
    for (const auto& c : val_clips_) {
      const int frames = std::min(o_.val_frames, cfg.video_frames(cfg.latent_frames(c.frames)));
      const int size = std::min({o_.val_size, c.height / 8 * 8, c.width / 8 * 8});
      if (frames < 1 || size < 8) continue;
      Tensor x = center_crop(c, frames, size).to(dev_);
      Tensor h = model_->encode(x);
      Tensor y = model_->decode(h.narrow(1, 0, cfg.latent_dim));
      metrics::VideoMetrics m = metrics::compare_videos(to_host(x), to_host(y));
      ps += m.psnr_mean;
      ss += m.ssim_mean;
      bs += m.blockiness_mean;
      ++n;
    }
    swap_ema(params_);
    l->val_psnr = n ? ps / n : 0;
    l->val_ssim = n ? ss / n : 0;
    l->val_blockiness = n ? bs / n : 0;
  }

  // The mean terms of the steps since the last line (and a validation), to the
  // JSONL log and the caller.
  void write_log(int done, double lr, bool do_val) {
    TrainLog l;
    l.step = done;
    l.steps = opt_.steps;
    for (const LossTerm& t : kLossTerms) l.*t.logged = acc_.*t.logged / acc_n_;
    l.lr = lr;
    l.sec_per_step = seconds_since(t_window_) / acc_n_;
    if (do_val) {
      evaluate(&l);
      result_.final_val_psnr = l.val_psnr;
      result_.final_val_ssim = l.val_ssim;
    }
    json::Value j = json::Object{};
    j["step"] = l.step;
    for (const LossTerm& t : kLossTerms)
      if (!t.weight || o_.*t.weight > 0) j[t.name] = l.*t.logged;
    if (opt_.steps != o_.steps) j["steps_planned"] = opt_.steps;
    j["lr"] = l.lr;
    j["sec_per_step"] = l.sec_per_step;
    if (do_val) {
      j["val_psnr"] = l.val_psnr;
      j["val_ssim"] = l.val_ssim;
      j["val_blockiness"] = l.val_blockiness;
    }
    jsonl_ << json::dump(j) << "\n";
    jsonl_.flush();
    if (log_) log_(l);
    acc_ = TrainLog();
    acc_n_ = 0;
    t_window_ = now();  // validation time is not step time
  }

  // The state at `step` for resuming; the EMA weights as final/ when the run is
  // complete, else a Cancelled error saying where the state is.
  TrainResult finish(int step) {
    checkpoints_->save_resumable(step);
    result_.steps_done = step;
    result_.wall_seconds = seconds_since(t_start_);
    result_.steps_planned = opt_.steps;
    if (step < opt_.steps)
      throw Error(ErrorKind::Cancelled, "training cancelled at step " + std::to_string(step) + "; state saved in " +
                                            checkpoints_->state_path().string() +
                                            ", from which a resumed run continues");
    result_.final_checkpoint = o_.out_dir / "final";
    checkpoints_->save_ema(result_.final_checkpoint);
    return result_;
  }

  const TrainOptions& o_;
  const std::vector<Clip>& val_clips_;
  const std::function<void(const TrainLog&)>& log_;
  std::unique_ptr<Vae> vae_;
  TrainOptions opt_;
  std::vector<const Clip*> usable_;
  at::Device dev_ = at::Device(at::kCPU);
  model::WFVAEModel* model_ = nullptr;
  std::vector<Param> params_;
  int start_step_ = 0;
  std::ofstream jsonl_;
  std::unique_ptr<Checkpointer> checkpoints_;

  TrainResult result_;
  TrainLog acc_;  // the log window's sums
  int acc_n_ = 0;
  double t_start_ = 0, t_window_ = 0, t_pace_ = 0;  // now()'s readings
  bool budget_planned_ = false;

  double now() const { return o_.clock ? o_.clock() : steady_seconds(); }
  double seconds_since(double t) const { return now() - t; }
};

}  // namespace

const char* setting_name(TrainSetting s) {
  switch (s) {
    case TrainSetting::Steps: return "the step count";
    case TrainSetting::Batch: return "the batch size";
    case TrainSetting::CropSize: return "the crop size";
    case TrainSetting::CropFrames: return "the crop's frame count";
    case TrainSetting::LearningRate: return "the learning rate";
    case TrainSetting::EmaDecay: return "the EMA decay";
    case TrainSetting::WeightDecay: return "the weight decay";
    case TrainSetting::KlWeight: return "the KL weight";
    case TrainSetting::WaveletWeight: return "the wavelet loss weight";
    case TrainSetting::MseWeight: return "the L2 weight";
    case TrainSetting::GradientWeight: return "the gradient-difference weight";
    case TrainSetting::GridWeight: return "the cell-grid weight";
    case TrainSetting::TimeBudget: return "the time budget";
  }
  return "a training setting";
}

TrainSettingError::TrainSettingError(TrainSetting setting, const std::string& problem)
    : Error(ErrorKind::Usage, std::string(setting_name(setting)) + " " + problem),
      setting_(setting),
      problem_(problem) {}

TrainResult run_training(const TrainOptions& o, const std::vector<Clip>& train_clips,
                         const std::vector<Clip>& val_clips, const std::function<void(const TrainLog&)>& log,
                         const CancelToken* cancel) {
  return engine_call(std::string("training"), [&] {
    check_options(o);
    TrainingRun run(o, train_clips, val_clips, log);
    return run.run(cancel);
  });
}

}  // namespace wfvae::train
