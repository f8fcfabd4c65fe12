// The trainer on a tiny model and synthetic clips: it learns, a fixed seed
// repeats, resume continues exactly, and checkpoints load in the engine.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/errors.h"
#include "common/temp_dir.h"
#include "core/error.h"
#include "core/safetensors.h"
#include "runtime/vae.h"
#include "train/losses.h"
#include "train/trainer.h"

using namespace wfvae;
namespace fs = std::filesystem;

namespace {

// Smooth moving colour gradients: learnable in a few dozen steps.
train::Clip synthetic_clip(int frames, int h, int w, int phase) {
  train::Clip c;
  c.name = "synthetic" + std::to_string(phase);
  c.frames = frames;
  c.height = h;
  c.width = w;
  c.rgb.resize(static_cast<size_t>(frames) * h * w * 3);
  for (int t = 0; t < frames; ++t)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        uint8_t* p = &c.rgb[((static_cast<size_t>(t) * h + y) * w + x) * 3];
        p[0] = static_cast<uint8_t>(127 + 100 * std::sin(0.15 * (x + 2 * t + phase)));
        p[1] = static_cast<uint8_t>(127 + 100 * std::cos(0.11 * (y - t)));
        p[2] = static_cast<uint8_t>((x * 3 + y * 2 + 5 * phase) % 256);
      }
  return c;
}

train::TrainOptions tiny_options(const fs::path& out, int steps) {
  train::TrainOptions o;
  o.config.latent_dim = 4;
  o.config.base_channels = 8;
  o.config.encoder_num_resblocks = 1;
  o.config.decoder_num_resblocks = 1;
  o.config.encoder_energy_flow_hidden_size = 8;
  o.config.decoder_energy_flow_hidden_size = 8;
  o.config.norm_num_groups = 4;
  o.out_dir = out;
  o.steps = steps;
  o.crop_frames = 5;
  o.crop_size = 16;
  o.lr = 2e-3;
  o.warmup_steps = 5;
  o.log_every = 1;
  o.val_every = steps;
  o.ckpt_every = 1000;
  o.val_frames = 5;
  o.val_size = 16;
  o.seed = 7;
  return o;
}

std::vector<float> weights_of(const fs::path& model_dir) {
  SafetensorsReader r(model_dir / "diffusion_pytorch_model.safetensors");
  std::vector<float> all;
  for (const auto& e : r.entries()) {
    auto v = r.read_float(e);
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

}  // namespace

TEST(Trainer, LearnsRepeatsAndResumesExactly) {
  TempDir dir;
  std::vector<train::Clip> clips = {synthetic_clip(12, 24, 24, 0), synthetic_clip(12, 24, 24, 9)};
  std::vector<train::Clip> val = {synthetic_clip(5, 16, 16, 4)};

  std::vector<double> losses_a;
  train::TrainOptions a = tiny_options(dir.path() / "a", 40);
  train::TrainResult ra =
      train::run_training(a, clips, val, [&](const train::TrainLog& l) { losses_a.push_back(l.loss); });
  ASSERT_EQ(losses_a.size(), 40u);
  double first = (losses_a[0] + losses_a[1] + losses_a[2]) / 3, last = (losses_a[37] + losses_a[38] + losses_a[39]) / 3;
  EXPECT_LT(last, 0.9 * first) << "loss did not go down: " << first << " -> " << last;
  EXPECT_GT(ra.final_val_psnr, 5.0);
  // The final checkpoint is a diffusers folder the engine loads strictly.
  auto vae = Vae::load(ra.final_checkpoint);
  EXPECT_EQ(vae->config().base_channels, 8);

  // Same seed, same run.
  std::vector<double> losses_b;
  train::TrainOptions b = tiny_options(dir.path() / "b", 40);
  train::run_training(b, clips, val, [&](const train::TrainLog& l) { losses_b.push_back(l.loss); });
  ASSERT_EQ(losses_b.size(), losses_a.size());
  for (size_t i = 0; i < losses_a.size(); ++i) EXPECT_NEAR(losses_a[i], losses_b[i], 1e-6 * (1 + losses_a[i])) << i;

  // Cancel at step 20, resume to 40: same weights as the uninterrupted run.
  train::TrainOptions c = tiny_options(dir.path() / "c", 40);
  CancelToken cancel;
  int seen = 0;
  try {
    train::run_training(
        c, clips, val,
        [&](const train::TrainLog&) {
          if (++seen == 20) cancel.cancel();
        },
        &cancel);
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(ErrorKind::Cancelled));
    EXPECT_NE(std::string(e.what()).find("a resumed run continues"), std::string::npos) << e.what();
  }
  c.resume = true;
  train::TrainResult rc = train::run_training(c, clips, val, {});
  EXPECT_EQ(rc.steps_done, 40);
  std::vector<float> wa = weights_of(ra.final_checkpoint), wc = weights_of(rc.final_checkpoint);
  ASSERT_EQ(wa.size(), wc.size());
  double maxdiff = 0;
  for (size_t i = 0; i < wa.size(); ++i) maxdiff = std::max(maxdiff, static_cast<double>(std::fabs(wa[i] - wc[i])));
  EXPECT_LT(maxdiff, 1e-5);
}

// The loss is the weighted sum of its logged terms; the gradient-difference and cell-grid
// terms enter only when asked, and learning still works with them.
TEST(Trainer, LossIsTheWeightedSumOfItsTerms) {
  TempDir dir;
  std::vector<train::Clip> clips = {synthetic_clip(12, 24, 24, 0), synthetic_clip(12, 24, 24, 9)};
  for (double gw : {0.0, 0.5}) {
    train::TrainOptions o = tiny_options(dir.path() / ("g" + std::to_string(gw)), 30);
    o.mse_weight = 0.25;
    o.gradient_weight = gw;
    o.grid_weight = 2 * gw;
    std::vector<train::TrainLog> logs;
    train::run_training(o, clips, {}, [&](const train::TrainLog& l) { logs.push_back(l); });
    ASSERT_EQ(logs.size(), 30u);
    for (const auto& l : logs) {
      const double sum = l.l1 + o.mse_weight * l.mse + o.kl_weight * l.kl + o.wavelet_weight * l.wavelet +
                         o.gradient_weight * l.gradient + o.grid_weight * l.grid;
      EXPECT_NEAR(l.loss, sum, 1e-5 * (1 + l.loss)) << "step " << l.step;
      if (gw > 0) {
        EXPECT_GT(l.gradient, 0.0);
        EXPECT_GT(l.grid, 0.0);
      } else {
        EXPECT_EQ(l.gradient, 0.0);
        EXPECT_EQ(l.grid, 0.0);
      }
    }
    const double first = (logs[0].loss + logs[1].loss + logs[2].loss) / 3;
    const double last = (logs[27].loss + logs[28].loss + logs[29].loss) / 3;
    EXPECT_LT(last, first) << "gradient weight " << gw;
  }
}

TEST(Trainer, RejectsUnusableSettings) {
  TempDir dir;
  std::vector<train::Clip> clips = {synthetic_clip(12, 24, 24, 0)};
  train::TrainOptions o = tiny_options(dir.path() / "x", 5);
  o.crop_frames = 6;
  EXPECT_THROW(train::run_training(o, clips, {}, {}), train::TrainSettingError);
  o.crop_frames = 5;
  o.crop_size = 32;  // larger than every clip
  EXPECT_THROW(train::run_training(o, clips, {}, {}), Error);
  o.crop_size = 16;
  o.resume = true;  // nothing to resume
  EXPECT_THROW(train::run_training(o, clips, {}, {}), Error);
  o.resume = false;
  // A range error names the setting as a value the front end can word with its own
  // name for it (the CLI's flag), and reads on its own in the engine's words.
  o.lr = 0;
  try {
    train::run_training(o, clips, {}, {});
    FAIL() << "a learning rate of 0 was accepted";
  } catch (const train::TrainSettingError& e) {
    EXPECT_EQ(e.setting(), train::TrainSetting::LearningRate);
    EXPECT_EQ(e.problem(), "0 is outside (0, 1]");
    EXPECT_EQ(std::string(e.what()), "the learning rate 0 is outside (0, 1]");
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
  }
  EXPECT_FALSE(fs::exists(dir.path() / "x")) << "a refused run wrote its folder";
}

// A loss that turns non-finite in the middle of a run stops it with a Runtime error
// (exit 3 in the CLI) naming the step and where the last finite weights are; those
// weights load, and no "final" model is written from the diverged state.
TEST(Trainer, ANonFiniteLossMidRunStopsKeepingTheLastFiniteWeights) {
  TempDir dir;
  std::vector<train::Clip> clips = {synthetic_clip(12, 24, 24, 0)};
  std::vector<train::Clip> val = {synthetic_clip(5, 16, 16, 4)};
  train::TrainOptions o = tiny_options(dir.path() / "run", 8);
  o.ckpt_every = 3;
  o.poison_loss_at_step = 5;
  int logged = 0;
  const std::string m =
      error_message([&] { train::run_training(o, clips, val, [&](const train::TrainLog&) { ++logged; }); },
                    ErrorKind::Runtime, "a NaN loss did not stop the run");
  EXPECT_NE(m.find("the loss became nan at step 5"), std::string::npos) << m;
  EXPECT_NE(m.find("the last finite weights are in"), std::string::npos) << m;
  EXPECT_NE(m.find("latest"), std::string::npos) << m;
  EXPECT_EQ(logged, 4);  // steps 1-4 ran
  for (float v : weights_of(dir.path() / "run" / "latest")) ASSERT_TRUE(std::isfinite(v));
  EXPECT_NO_THROW(Vae::load(dir.path() / "run" / "latest"));
  EXPECT_FALSE(fs::exists(dir.path() / "run" / "final"));
}

// --time-budget: the pace of the first steps decides how many fit, the schedule is
// shortened to them (warm-up and cosine decay included), and the run ends on time with
// its final checkpoint, its learning rate decayed to the floor. The run reads a clock
// of the test's, which moves 10 ms at each reading, so what it decides does not depend
// on how busy the machine is (a wall-clock budget made this test fail under load).
TEST(Trainer, ATimeBudgetShortensTheScheduleAndEndsDecayed) {
  TempDir dir;
  std::vector<train::Clip> clips = {synthetic_clip(12, 24, 24, 0), synthetic_clip(12, 24, 24, 9)};
  std::vector<train::Clip> val = {synthetic_clip(5, 16, 16, 4)};
  train::TrainOptions o = tiny_options(dir.path() / "budget", 1000000);
  o.val_every = 1000000;
  o.log_every = 1000000;  // logs: the last step only
  o.time_budget_s = 1.0;
  int readings = 0;
  o.clock = [&readings] { return 0.01 * readings++; };
  std::vector<train::TrainLog> logs;
  train::TrainResult r = train::run_training(o, clips, val, [&](const train::TrainLog& l) { logs.push_back(l); });
  EXPECT_GT(r.steps_done, 40);   // past the steps that set the pace
  EXPECT_LT(r.steps_done, 100);  // 0.9 s of 10 ms steps, less the planning's readings
  EXPECT_EQ(r.steps_planned, r.steps_done);
  EXPECT_TRUE(fs::exists(r.final_checkpoint / "diffusion_pytorch_model.safetensors"));
  EXPECT_GT(r.final_val_psnr, 0.0);            // the last step validates
  EXPECT_LT(r.wall_seconds, o.time_budget_s);  // ended by the plan, inside the budget
  ASSERT_FALSE(logs.empty());
  EXPECT_EQ(logs.back().step, r.steps_done);
  EXPECT_EQ(logs.back().steps, r.steps_done);
  EXPECT_NEAR(logs.back().lr, o.lr * o.min_lr_ratio, 0.02 * o.lr);  // fully decayed

  // A pace that drops after the plan still ends the run at the budget: here every
  // reading after the plan costs a second.
  train::TrainOptions slow = tiny_options(dir.path() / "slow", 1000000);
  slow.log_every = slow.val_every = 1000000;
  slow.time_budget_s = 1.0;
  readings = 0;
  slow.clock = [&readings] {
    const int n = readings++;
    return n <= 45 ? 0.01 * n : 0.45 + (n - 45);
  };
  train::TrainResult cut = train::run_training(slow, clips, {}, {});
  EXPECT_GT(cut.steps_done, 40);
  EXPECT_LT(cut.steps_done, r.steps_done) << "the slower run was not cut at its budget";
  EXPECT_TRUE(fs::exists(cut.final_checkpoint / "diffusion_pytorch_model.safetensors"));
}

// --device cuda: without a usable GPU a clear Usage error before any work; with one,
// the first steps' losses agree with the CPU's (same crops and noise: they are drawn
// on the host; TF32 convolutions allow small differences).
TEST(Trainer, TrainsOnCudaOrSaysWhyNot) {
  TempDir dir;
  std::vector<train::Clip> clips = {synthetic_clip(12, 24, 24, 0), synthetic_clip(12, 24, 24, 9)};
  train::TrainOptions o = tiny_options(dir.path() / "cuda", 3);
  o.device = Device::CUDA;
  if (!cuda_available()) {
    try {
      train::run_training(o, clips, {}, {});
      FAIL() << "--device cuda trained without a GPU";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Usage);
      EXPECT_NE(std::string(e.what()).find("CUDA"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir.path() / "cuda" / "final"));
    return;
  }
  std::vector<double> gpu, cpu;
  train::run_training(o, clips, {}, [&](const train::TrainLog& l) { gpu.push_back(l.loss); });
  train::TrainOptions c = tiny_options(dir.path() / "cpu", 3);
  train::run_training(c, clips, {}, [&](const train::TrainLog& l) { cpu.push_back(l.loss); });
  ASSERT_EQ(gpu.size(), cpu.size());
  for (size_t i = 0; i < gpu.size(); ++i) EXPECT_NEAR(gpu[i], cpu[i], 0.02 * cpu[i]) << "step " << i + 1;
}

namespace {

// [1, 3, 4, 64, 72] of uniform noise: steps alike at every phase of the cell.
at::Tensor noise_video(uint64_t seed) {
  at::Generator g = at::detail::createCPUGenerator(seed);
  return at::rand({1, 3, 4, 64, 72}, g, at::kFloat);
}

// The same video as flat size x size blocks (each its mean): a decoder that drops the
// finer Haar detail.
at::Tensor as_blocks(const at::Tensor& v, int64_t size) {
  const auto s = v.sizes();
  at::Tensor flat = v.reshape({s[0] * s[1] * s[2], 1, s[3], s[4]});
  at::Tensor blocks = at::avg_pool2d(flat, {size, size});
  return at::upsample_nearest2d(blocks, {s[3], s[4]}).reshape(s);
}

}  // namespace

// The cell-phase profile puts each step at its phase: blocks of 8 step only at phase 0,
// blocks of 4 at phases 0 and 4.
TEST(TrainLosses, CellPhaseProfileFindsTheBlockEdges) {
  const at::Tensor x = noise_video(1);
  for (int64_t dim : {3, 4}) {
    const at::Tensor p8 = train::cell_phase_step_profile(as_blocks(x, 8), dim);
    const at::Tensor p4 = train::cell_phase_step_profile(as_blocks(x, 4), dim);
    ASSERT_EQ(p8.numel(), 8);
    EXPECT_GT(p8[0].item<float>(), 0.02f);  // block means of uniforms differ little
    EXPECT_GT(p4[4].item<float>(), 0.02f);
    for (int k = 1; k < 8; ++k) {
      EXPECT_FLOAT_EQ(p8[k].item<float>(), 0.f) << "dim " << dim << " phase " << k;
      if (k != 4) {
        EXPECT_FLOAT_EQ(p4[k].item<float>(), 0.f) << "dim " << dim << " phase " << k;
      }
    }
    // Noise steps alike at every phase (mean |u - v| of two uniforms: 1/3).
    const at::Tensor pn = train::cell_phase_step_profile(x, dim);
    for (int k = 0; k < 8; ++k) EXPECT_NEAR(pn[k].item<float>(), 1.f / 3, 0.06f);
  }
  EXPECT_THROW(train::cell_phase_step_profile(x.narrow(4, 0, 8), 4), Error);
}

// The cell-grid loss is zero for a perfect reconstruction, large for flat 4x4 blocks,
// small for a smooth rendering of the same 4x4 means (which loses as much detail), and
// unmoved by how much detail there is when it is spread evenly.
TEST(TrainLosses, CellGridDifferenceSeesTheGridNotTheBlur) {
  const at::Tensor x = noise_video(2);
  const at::Tensor blocks = as_blocks(x, 4);
  const auto s = x.sizes();
  const at::Tensor means = at::avg_pool2d(x.reshape({s[0] * s[1] * s[2], 1, s[3], s[4]}), {4, 4});
  const at::Tensor smooth = at::upsample_bilinear2d(means, {s[3], s[4]}, false).reshape(s);
  const double perfect = train::cell_grid_difference(x, x).item<double>();
  const double blocky = train::cell_grid_difference(x, blocks).item<double>();
  const double blurred = train::cell_grid_difference(x, smooth).item<double>();
  EXPECT_EQ(perfect, 0.0);
  EXPECT_GT(blocky, 0.02);
  EXPECT_LT(blurred, blocky / 4) << "blocky " << blocky;
  // Half the detail, spread as the input's: nearly nothing (noise's phases differ by chance).
  EXPECT_LT(train::cell_grid_difference(x, 0.5 * x).item<double>(), blocky / 20);
  // The gradient-difference loss, by contrast, prefers the blocks to the smooth rendering
  // (the blocks' edges step as much as the input does): why the grid needs its own term.
  EXPECT_LT(train::gradient_difference(x, blocks).item<double>(), train::gradient_difference(x, smooth).item<double>());
}
