#include "runtime/vae.h"

#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <malloc.h>

#include "core/error.h"
#include "core/fileutil.h"
#include "core/memory_plan.h"
#include "core/norm_setting.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "core/torch_checkpoint.h"
#include "core/weight_source.h"
#include "model/loader.h"
#include "model/winograd_conv.h"
#include "runtime/cuda_device.h"
#include "runtime/tile_blend.h"
#include "runtime/vae_impl.h"

namespace wfvae {

using model::WFVAEModel;

namespace {

int sequential_steps(model::Module& root) {
  int n = 0;
  root.visit([&](model::Module& m) {
    if (auto* s = dynamic_cast<model::Sequential*>(&m)) n += static_cast<int>(s->size());
  });
  return n;
}

// Fails early, with a clear message, when LibTorch cannot run this dtype here.
void check_dtype_supported(Device device, ComputeDType dtype) {
  if (dtype == ComputeDType::F32) return;
  try {
    at::NoGradGuard ng;
    auto opts = at::TensorOptions()
                    .device(device == Device::CUDA ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU))
                    .dtype(dtype == ComputeDType::BF16 ? at::kBFloat16 : at::kHalf);
    at::Tensor x = at::ones({1, 2, 3, 4, 4}, opts);
    at::Tensor w = at::ones({2, 2, 3, 3, 3}, opts);
    (void)at::conv3d(x, w, {}, 1, 1);
    (void)at::group_norm(x, 2, {}, {}, 1e-6);
  } catch (const std::exception&) {
    fail_usage(std::string("dtype ") + dtype_name(dtype) + " is not supported on " + device_name(device) +
               " by this LibTorch (" + TORCH_VERSION + "); use f32" + (device == Device::CPU ? " or bf16" : ""));
  }
}

}  // namespace

int encoder_steps(WFVAEModel& m) { return sequential_steps(*m.encoder) + 2; }
int decoder_steps(WFVAEModel& m) { return sequential_steps(*m.decoder) + 1; }

void check_video_shape(const ModelConfig& config, const std::vector<int64_t>& shape) {
  if (shape.size() != 5 || shape[0] != 1 || shape[1] != 3)
    fail_usage("expected a video tensor [1, 3, T, H, W], got " + shape_string(shape));
  const int t = static_cast<int>(shape[2]);
  const int r = config.temporal_compression();
  if (!config.valid_frame_count(t)) {
    int lo = ((t - 1) / r) * r + 1;
    fail_usage(std::to_string(t) + " frames: this model (" + std::to_string(r) + "x temporal compression) takes 1 + " +
               std::to_string(r) + "k frames (1, " + std::to_string(1 + r) + ", " + std::to_string(1 + 2 * r) + ", " +
               std::to_string(1 + 3 * r) + ", ...); nearest below: " + std::to_string(std::max(1, lo)) +
               ", above: " + std::to_string(lo + r));
  }
  if (shape[3] % 8 != 0 || shape[4] % 8 != 0 || shape[3] < 8 || shape[4] < 8)
    fail_usage("frame size " + std::to_string(shape[3]) + "x" + std::to_string(shape[4]) +
               ": height and width must be positive multiples of 8");
}

Vae::Vae(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vae::~Vae() = default;

std::unique_ptr<Vae> Vae::load(const std::filesystem::path& path, Device device, ComputeDType dtype,
                               const LoadOptions& options) {
  return engine_call("loading " + path.string(), [&] {
    init_runtime_threads();
    ModelFiles files = resolve_model_files(path, options.config);
    auto impl = std::make_unique<Impl>();
    LoadReport& report = impl->report;
    impl->trained = ModelConfig::load(files.config);
    report.config_path = files.config.string();
    report.notes = files.notes;
    if (!impl->trained.origin.empty()) report.notes.push_back("config: " + impl->trained.origin);
    for (const auto& k : impl->trained.unknown_keys)
      report.notes.push_back(files.config.filename().string() + " key \"" + k + "\" is not a WF-VAE argument (unused)");
    const std::string norm_problem = impl->trained.latent_norm_problem();
    report.latent_norm_ok = norm_problem.empty();
    report.latent_norm = norm_problem.empty()
                             ? "per-channel normalisation available (" + std::to_string(impl->trained.scale.size()) +
                                   " scale, " + std::to_string(impl->trained.shift.size()) + " shift values)"
                             : norm_problem;
    impl->model = std::make_unique<WFVAEModel>(impl->trained);
    if (files.format == WeightsFormat::Safetensors) {
      if (options.weights != WeightsChoice::Auto)
        report.notes.push_back(std::string("--weights ") + weights_choice_name(options.weights) +
                               " applies to training checkpoints; " + files.weights.string() +
                               " is safetensors, which holds one set of weights");
      report.weights_format = "safetensors";
      SafetensorsReader reader(files.weights);
      model::load_state_dict(*impl->model, SafetensorsWeights(reader), report);
    } else {
      TorchCheckpoint ckpt(files.weights);
      report.weights_format = "torch.save (" + ckpt.format() + ")";
      StateDictSelection sel = select_state_dict(ckpt, options.weights);
      report.state_dict = sel.branch;
      report.state_dict_reason = sel.reason;
      report.prefix_stripped = sel.prefix_stripped;
      report.prefix_count = sel.prefix_count;
      report.left_aside = sel.left_aside;
      if (std::getenv("NOT_USE_EMA_MODEL") && options.weights == WeightsChoice::Auto && sel.branch == "ema_state_dict")
        report.notes.push_back(
            "NOT_USE_EMA_MODEL is set: the reference would skip the EMA; this tool does not read "
            "that variable (use --weights model)");
      const std::string branch = sel.branch;
      try {
        model::load_state_dict(*impl->model, CheckpointWeights(ckpt, std::move(sel)), report);
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput) throw;
        fail_input(std::string(e.what()) + "\n  (state dict taken: " + branch +
                   (branch == "ema_state_dict" ? "; --weights model takes the non-EMA weights" : "") + ")");
      }
    }
    std::unique_ptr<Vae> vae(new Vae(std::move(impl)));
    vae->to(device, dtype);
    return vae;
  });
}

std::unique_ptr<Vae> Vae::random(const ModelConfig& config, uint64_t seed, Device device, ComputeDType dtype) {
  return engine_call("building a " + config.summary() + " model", [&] {
    init_runtime_threads();
    config.validate("config");
    auto impl = std::make_unique<Impl>();
    impl->trained = config;
    impl->report.config_path = "(given)";
    impl->report.stored_dtype = "random";
    impl->model = std::make_unique<WFVAEModel>(config);
    impl->model->init_random(seed);
    impl->report.num_parameters = impl->model->num_parameters();
    std::unique_ptr<Vae> vae(new Vae(std::move(impl)));
    vae->to(device, dtype);
    return vae;
  });
}

const ModelConfig& Vae::config() const { return impl_->model->config(); }
const ModelConfig& Vae::trained_config() const { return impl_->trained; }
const LoadReport& Vae::load_report() const { return impl_->report; }
int64_t Vae::num_parameters() const { return impl_->model->num_parameters(); }
Device Vae::device() const { return impl_->device; }
ComputeDType Vae::dtype() const { return impl_->dtype; }

void Vae::to(Device device, ComputeDType dtype) {
  engine_call(std::string("moving the model to ") + device_name(device) + " " + dtype_name(dtype), [&] {
    if (device == Device::CUDA && !cuda_available())
      fail_usage("CUDA requested, but no usable CUDA GPU is present (" + cuda_unavailable_reason() + ")");
    check_dtype_supported(device, dtype);
    // cuDNN autotuning: the reference is measured with cudnn.benchmark on, and without
    // it some 3-D convolutions run 10x slower and take far more memory.
    if (device == Device::CUDA) at::globalContext().setBenchmarkCuDNN(true);
    impl_->device = device;
    impl_->dtype = dtype;
    impl_->model->to(impl_->at_device(), impl_->at_dtype());
  });
}

std::string Vae::set_norm(const std::string& norm_type, int num_groups) {
  const auto& ok = supported_norm_types();
  if (std::find(ok.begin(), ok.end(), norm_type) == ok.end())
    fail_usage("norm_type \"" + norm_type + "\" is not supported (supported: groupnorm, layernorm)");
  if (norm_type == "groupnorm") config().check_num_groups(num_groups);
  const ModelConfig& cur = config();
  if (cur.norm_type == norm_type && (norm_type == "layernorm" || cur.norm_num_groups == num_groups)) return "";
  const ModelConfig& tr = impl_->trained;
  auto describe = [](const std::string& t, int g) { return NormSetting{t, g}.label(); };
  std::string msg = "norm set to " + describe(norm_type, num_groups);
  const size_t layers = impl_->model->norm_layers().size();
  if (norm_type != cur.norm_type)
    msg += "; " + std::to_string(layers) + " norm layers keep their affine tensors, now read as " +
           (norm_type == "layernorm" ? "\"...norm.weight/bias\" (were \"...weight/bias\")"
                                     : "\"...weight/bias\" (were \"...norm.weight/bias\")");
  if (norm_type != tr.norm_type || (norm_type == "groupnorm" && num_groups != tr.norm_num_groups))
    msg += "; the weights were trained with " + describe(tr.norm_type, tr.norm_num_groups) +
           ", so expect a different reconstruction";
  else
    msg += " (the setting the weights were trained with)";
  impl_->model->set_norm(norm_type, norm_type == "groupnorm" ? num_groups : cur.norm_num_groups);
  return msg;
}

namespace {

// Progress and cancellation hook for one model call of `total` steps.
model::StepHook make_hook(const RunOptions& o, int total, const std::string& stage, int* done) {
  return [&o, total, stage, done] {
    ++*done;
    if (o.cancel) o.cancel->check();
    if (o.progress) o.progress(std::min(1.0, static_cast<double>(*done) / std::max(1, total)), stage);
  };
}

// No NaN frame is ever returned silently: a non-finite latent or reconstruction
// (an f16 overflow, a diverged model) fails the run, saying where and how much.
void check_finite(const at::Tensor& t, const char* what, ComputeDType dtype) {
  const int64_t bad = (~at::isfinite(t)).sum().item<int64_t>();
  if (bad == 0) return;
  throw Error(ErrorKind::Runtime,
              std::string(what) + " has " + std::to_string(bad) + " non-finite values (NaN/Inf) of " +
                  std::to_string(t.numel()) +
                  (dtype == ComputeDType::F16 ? "; f16 overflowed: run in bf16 or f32"
                                              : "; the weights or the input drive the model out of range"));
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

namespace {

// Hands freed heap pages back to the system between tiles: without it glibc keeps
// the previous tile's activations resident and the RSS creeps past the plan.
void release_host_memory() { malloc_trim(0); }

// Runs fn(row, col) for every tile, row by row, returning freed pages after each.
template <class F>
void for_each_tile(const tiling::Grid& grid, F&& fn) {
  for (size_t r = 0; r < grid.rows.size(); ++r)
    for (size_t c = 0; c < grid.cols.size(); ++c) {
      fn(r, c);
      release_host_memory();
    }
}

// A read-only view of a host tensor (no copy): the tiled paths only cut tiles from it.
at::Tensor view_of(const HostTensor& t) {
  return at::from_blob(const_cast<float*>(t.data.data()), t.shape, at::kFloat);
}

// The taps a tiled run blends besides its main output, by name.
void add_taps(TileBlend& blend, const model::EncoderTaps& t, size_t r, size_t c) {
  blend.add("wavelet_in", t.wavelet_in, r, c);
  blend.add("l1", t.l1_coeffs, r, c);
  blend.add("l2", t.l2_coeffs, r, c);
}
void add_taps(TileBlend& blend, const model::DecoderTaps& t, size_t r, size_t c) {
  blend.add("l1", t.l1_coeffs, r, c);
  blend.add("l2", t.l2_coeffs, r, c);
}
void take_taps(TileBlend& blend, model::EncoderTaps* t) {
  t->wavelet_in = to_aten(blend.take("wavelet_in"));
  t->l1_coeffs = to_aten(blend.take("l1"));
  t->l2_coeffs = to_aten(blend.take("l2"));
}
void take_taps(TileBlend& blend, model::DecoderTaps* t) {
  t->l1_coeffs = to_aten(blend.take("l1"));
  t->l2_coeffs = to_aten(blend.take("l2"));
}

// Runs run(tile, taps or nullptr) on every tile of `x` (`scale` elements of x per
// latent element of `grid`) and blends its output under `name`, and with
// keep_taps its taps.
template <class Taps, class Run>
TileBlend blend_tiles(const tiling::Grid& grid, const at::Tensor& x, int64_t scale, const char* name, bool keep_taps,
                      Run&& run) {
  TileBlend blend(grid);
  for_each_tile(grid, [&](size_t r, size_t c) {
    Taps tile_taps;
    blend.add(name, run(tile_of(x, grid, r, c, scale), keep_taps ? &tile_taps : nullptr), r, c);
    if (keep_taps) add_taps(blend, tile_taps, r, c);
  });
  return blend;
}

}  // namespace

EncodeResult Vae::encode(const HostTensor& video_in, const RunOptions& o) {
  return engine_call("encoding a " + shape_string(video_in.shape) + " video on " + device_name(impl_->device), [&] {
    HostTensor reshaped;
    const HostTensor* video = &video_in;
    if (video_in.shape.size() == 4) {
      reshaped = video_in;
      reshaped.shape.insert(reshaped.shape.begin(), 1);
      video = &reshaped;
    }
    check_video_shape(config(), video->shape);
    if (o.cancel) o.cancel->check();
    at::NoGradGuard no_grad;
    auto& m = *impl_->model;
    const int frames = static_cast<int>(video->shape[2]);
    const tiling::Grid grid = latent_grid(video->shape[3] / 8, video->shape[4] / 8, o.tile);
    model::ChunkPlan plan;
    if (o.chunked) plan = m.plan_chunks(frames);
    const int total = encoder_steps(m) * (o.chunked ? static_cast<int>(plan.encoder_chunks.size()) : 1) *
                      static_cast<int>(grid.count());
    int done = 0;
    model::ScopedStepHook hook(make_hook(o, total, "encode", &done));

    auto t0 = std::chrono::steady_clock::now();
    auto run = [&](const at::Tensor& x, model::EncoderTaps* taps) {
      at::Tensor xd = x.to(impl_->at_device(), impl_->at_dtype());
      return o.chunked ? m.encode_chunked(xd, plan, taps) : m.encode(xd, taps);
    };
    // The input stays on the host when tiled; each tile goes to the device alone.
    model::EncoderTaps taps;
    at::Tensor h;
    if (grid.count() == 1) {
      h = run(to_aten(*video), o.keep_taps ? &taps : nullptr);
    } else {
      TileBlend blend = blend_tiles<model::EncoderTaps>(grid, view_of(*video), 8, "h", o.keep_taps, run);
      h = to_aten(blend.take("h"));
      if (o.keep_taps) take_taps(blend, &taps);
    }
    check_finite(h, "the encoder's output", impl_->dtype);
    const int64_t L = config().latent_dim;
    EncodeResult r;
    r.mean = to_host(h.narrow(1, 0, L));
    // DiagonalGaussianDistribution: logvar clamped to [-30, 20].
    r.logvar = to_host(at::clamp(h.narrow(1, L, L), -30.0, 20.0));
    if (o.keep_taps) {
      r.wavelet_in = to_host(taps.wavelet_in);
      r.l1_coeffs = to_host(taps.l1_coeffs);
      r.l2_coeffs = to_host(taps.l2_coeffs);
    }
    synchronize(impl_->device);
    r.ms = ms_since(t0);
    return r;
  });
}

HostTensor Vae::sample(const EncodeResult& enc, uint64_t seed) const {
  return engine_call(std::string("sampling the posterior"), [&] {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    at::Tensor mean = to_aten(enc.mean), logvar = to_aten(enc.logvar);
    at::Tensor eps = at::empty(mean.sizes(), at::kFloat).normal_(0.0, 1.0, gen);
    return to_host(mean + at::exp(0.5 * logvar) * eps);
  });
}

DecodeResult Vae::decode(const HostTensor& z, const RunOptions& o) {
  return engine_call("decoding a " + shape_string(z.shape) + " latent on " + device_name(impl_->device), [&] {
    const ModelConfig& c = config();
    if (z.shape.size() != 5 || z.shape[0] != 1 || z.shape[1] != c.latent_dim)
      fail_usage("expected a latent [1, " + std::to_string(c.latent_dim) + ", T, h, w], got " + z.shape_str());
    if (o.cancel) o.cancel->check();
    at::NoGradGuard no_grad;
    auto& m = *impl_->model;
    const int t_latent = static_cast<int>(z.shape[2]);
    const tiling::Grid grid = latent_grid(z.shape[3], z.shape[4], o.tile);
    model::ChunkPlan plan;
    if (o.chunked) plan = m.plan_chunks(c.video_frames(t_latent));
    const int total = decoder_steps(m) * (o.chunked ? static_cast<int>(plan.decoder_chunks.size()) : 1) *
                      static_cast<int>(grid.count());
    int done = 0;
    model::ScopedStepHook hook(make_hook(o, total, "decode", &done));

    auto t0 = std::chrono::steady_clock::now();
    const bool tiled = grid.count() > 1;
    auto run = [&](const at::Tensor& zt, model::DecoderTaps* taps) {
      at::Tensor zd = zt.to(impl_->at_device(), impl_->at_dtype());
      if (!o.chunked) return m.decode(zd, taps);
      model::FramesReady ready;
      if (o.on_frames && !tiled) ready = [&](int64_t first, const at::Tensor& f) { o.on_frames(first, to_host(f)); };
      return m.decode_chunked(zd, plan, ready, taps);
    };
    model::DecoderTaps taps;
    at::Tensor video;
    HostTensor tiled_video;
    if (!tiled) {
      video = run(to_aten(z), o.keep_taps ? &taps : nullptr);
    } else {
      TileBlend blend = blend_tiles<model::DecoderTaps>(grid, view_of(z), 1, "video", o.keep_taps, run);
      tiled_video = blend.take("video");
      video = view_of(tiled_video);
      if (o.keep_taps) take_taps(blend, &taps);
    }
    check_finite(video, "the reconstruction", impl_->dtype);
    DecodeResult r;
    r.video = tiled ? std::move(tiled_video) : to_host(video);
    if ((!o.chunked || tiled) && o.on_frames) o.on_frames(0, r.video);
    if (o.keep_taps) {
      r.l1_coeffs = to_host(taps.l1_coeffs);
      r.l2_coeffs = to_host(taps.l2_coeffs);
    }
    synchronize(impl_->device);
    r.ms = ms_since(t0);
    return r;
  });
}

bool Vae::can_chunk(int64_t frames) const {
  try {
    (void)impl_->model->plan_chunks(static_cast<int>(frames));
    return true;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Usage) return false;
    throw;
  }
}

int64_t Vae::weight_bytes() const {
  int64_t bytes = 0;
  for (auto& nt : impl_->model->named_tensors())
    bytes += nt.tensor->numel() * static_cast<int64_t>(nt.tensor->element_size());
  return bytes;
}

int64_t Vae::conv_scratch_bytes() const {
  if (device() != Device::CPU || dtype() != ComputeDType::F32) return 0;
  int64_t most = 0;
  for (auto& nt : impl_->model->named_tensors()) most = std::max(most, model::winograd_scratch_bytes(*nt.tensor));
  return most;
}

std::pair<int, int> Vae::chunk_frames(int64_t frames) const {
  if (!can_chunk(frames)) return {0, 0};
  const model::ChunkPlan p = impl_->model->plan_chunks(static_cast<int>(frames));
  const int tc = config().temporal_compression();
  return {p.t_chunk_enc, (p.t_chunk_dec + 1) * tc};
}

void Vae::release_memory() {
  engine_call("releasing memory", [&] {
    impl_->model->to(impl_->at_device(), impl_->at_dtype());  // drops the causal caches
    if (impl_->device == Device::CUDA) cuda_device::release_cached();
    release_host_memory();
  });
}

int64_t device_free_bytes(Device device) {
  if (device == Device::CUDA) return cuda_device::free_bytes();
  return planning::host_budget().device_bytes;
}

void Vae::save(const std::filesystem::path& folder, const std::string& dtype, bool overwrite) const {
  engine_call("saving the model to " + folder.string(), [&] {
    StDType st = StDType::F32;
    if (dtype == "f16" || dtype == "F16")
      st = StDType::F16;
    else if (dtype == "bf16" || dtype == "BF16")
      st = StDType::BF16;
    else if (dtype != "f32" && dtype != "F32")
      fail_usage("unknown storage dtype \"" + dtype + "\" (f32, f16, bf16)");
    PendingOutput out(folder, overwrite, OutputKind::Folder);
    std::filesystem::create_directories(out.temp_path());
    write_file_atomic(out.temp_path() / "config.json", json::dump(config().to_json(), 2) + "\n", false);
    model::save_state_dict(*impl_->model, out.temp_path() / "diffusion_pytorch_model.safetensors", st, false);
    out.commit();
  });
}

}  // namespace wfvae
