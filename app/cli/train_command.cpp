// wfvae train: decode the training videos with the media library (or read them from
// a clip pack, which needs no media library: the GPU machine has no FFmpeg), then run
// the engine's trainer. wfvae pack-clips: decode them once into a clip pack.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/fileutil.h"
#include "core/json.h"
#include "train/clip_pack.h"
#include "train/trainer.h"
#ifdef WFVAE_HAVE_MEDIA
#include "media/media.h"
#include "pipeline/eval.h"
#endif

namespace wfvae::cli {

namespace fs = std::filesystem;

namespace {

#ifdef WFVAE_HAVE_MEDIA
std::vector<int> parse_int_list(const std::string& flag, const std::string& text) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end || v < 8)
      fail_usage(flag + ": expected sizes like 160 or 160,256 (each >= 8), got \"" + text + "\"");
    out.push_back(static_cast<int>(v));
  }
  return out;
}

// Decodes a file with its short side scaled to `short_side` (aspect kept).
train::Clip load_clip(const fs::path& path, int short_side, int64_t max_frames) {
  media::VideoInfo info = media::probe(path);
  int h = short_side, w = short_side;
  if (info.width >= info.height)
    w = std::max(short_side, static_cast<int>(std::lround(double(info.width) * short_side / info.height)));
  else
    h = std::max(short_side, static_cast<int>(std::lround(double(info.height) * short_side / info.width)));
  media::DecodeOptions o;
  o.max_frames = max_frames;
  o.transform = [h, w](media::RgbFrame f) { return media::resize_center_crop(f, h, w); };
  media::DecodedVideo v = media::decode_video(path, o, {}, &interrupt_token());
  train::Clip c;
  c.name = path.filename().string() + "@" + std::to_string(short_side);
  c.frames = static_cast<int>(v.frames.size());
  c.height = h;
  c.width = w;
  c.rgb.reserve(static_cast<size_t>(c.frames) * h * w * 3);
  for (const auto& f : v.frames) c.rgb.insert(c.rgb.end(), f.rgb.begin(), f.rgb.end());
  return c;
}

void print_clip(const char* split, const train::Clip& c) {
  std::printf("%-10s %-40s %4d frames %4dx%-4d\n", split, c.name.c_str(), c.frames, c.width, c.height);
}

// DATA... and --val decoded the way --short-side, --max-clip-frames and --val-size say;
// the pack's info records those settings.
train::ClipPack decode_clips(const Args& a, int val_size) {
  const std::string sides_text = a.get_or("--short-side", "160");
  const std::vector<int> sides = parse_int_list("--short-side", sides_text);
  const int64_t max_frames = a.get_int("--max-clip-frames", 300);
  if (max_frames < 1) fail_usage("--max-clip-frames must be >= 1");
  std::vector<fs::path> files = pipeline::expand_inputs(a.positional);
  std::vector<fs::path> val_files;
  if (auto v = a.get("--val")) val_files = pipeline::expand_inputs({*v});
  for (const auto& v : val_files)
    for (const auto& f : files)
      if (fs::weakly_canonical(v) == fs::weakly_canonical(f))
        fail_usage("validation clip " + v.string() + " is also in the training data");
  train::ClipPack pack;
  for (const auto& f : files)
    for (int s : sides) {
      pack.train.push_back(load_clip(f, s, max_frames));
      print_clip("train clip", pack.train.back());
    }
  for (const auto& f : val_files) {
    pack.val.push_back(load_clip(f, val_size, max_frames));
    print_clip("val clip", pack.val.back());
  }
  pack.info = {{"short_sides", sides_text},
               {"max_clip_frames", std::to_string(max_frames)},
               {"val_size", std::to_string(val_size)}};
  return pack;
}
#endif

size_t clip_bytes(const std::vector<train::Clip>& clips) {
  size_t n = 0;
  for (const auto& c : clips) n += c.rgb.size();
  return n;
}

std::string duration(double s) {
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", int(s / 3600), int(std::fmod(s, 3600) / 60));
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s / 60), int(std::fmod(s, 60)));
  return buf;
}

// The flag that sets a training setting, for the engine's range errors.
const char* flag_for(train::TrainSetting s) {
  switch (s) {
    case train::TrainSetting::Steps: return "--steps";
    case train::TrainSetting::Batch: return "--batch";
    case train::TrainSetting::CropSize: return "--crop";
    case train::TrainSetting::CropFrames: return "--frames";
    case train::TrainSetting::LearningRate: return "--lr";
    case train::TrainSetting::EmaDecay: return "--ema";
    case train::TrainSetting::WeightDecay: return "--weight-decay";
    case train::TrainSetting::KlWeight: return "--kl-weight";
    case train::TrainSetting::WaveletWeight: return "--wavelet-weight";
    case train::TrainSetting::MseWeight: return "--mse-weight";
    case train::TrainSetting::GradientWeight: return "--gradient-weight";
    case train::TrainSetting::GridWeight: return "--grid-weight";
    case train::TrainSetting::TimeBudget: return "--time-budget";
  }
  return "a training flag";
}

// run_training with the engine's typed errors worded by this command's flags.
train::TrainResult run_training_worded(const train::TrainOptions& o, const std::vector<train::Clip>& clips,
                                       const std::vector<train::Clip>& val,
                                       const std::function<void(const train::TrainLog&)>& log) {
  try {
    return train::run_training(o, clips, val, log, &interrupt_token());
  } catch (const train::TrainSettingError& e) {
    fail_usage(std::string(flag_for(e.setting())) + " " + e.problem());
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Cancelled) throw;
    throw Error(ErrorKind::Cancelled, std::string(e.what()) + " (continue with --resume)");
  }
}

int run_train_cmd(const Args& a) {
  train::TrainOptions o;
  if (!a.has("--out")) fail_usage("--out DIR is required");
  o.out_dir = *a.get("--out");
  o.resume = a.has("--resume");
  if (auto c = a.get("--config")) o.config = ModelConfig::load(*c);
  if (auto m = a.get("--init")) o.init_model = *m;
  o.init_weights = load_options(a, /*config_flag=*/false).weights;
  if (a.has("--weights") && !a.has("--init")) fail_usage("--weights chooses the weights of --init MODEL");
  if (a.has("--config") && a.has("--init"))
    fail_usage("give --config (new model) or --init (start from weights), not both");
  // Architecture shortcuts on top of the config.
  o.config.latent_dim = a.get_int("--latent-dim", o.config.latent_dim);
  o.config.base_channels = a.get_int("--base-channels", o.config.base_channels);
  if (auto n = a.get("--norm-type")) o.config.norm_type = *n;
  o.config.norm_num_groups = a.get_int("--num-groups", o.config.norm_num_groups);
  if (!a.has("--config")) {
    // Without a config: the small architecture of the bundled models.
    if (!a.has("--base-channels")) o.config.base_channels = 24;
    if (!a.has("--latent-dim")) o.config.latent_dim = 16;
    o.config.encoder_num_resblocks = o.config.decoder_num_resblocks = 1;
    o.config.encoder_energy_flow_hidden_size = o.config.decoder_energy_flow_hidden_size = o.config.base_channels;
    o.config.t_interpolation = "trilinear";
    if (!a.has("--num-groups")) o.config.norm_num_groups = 8;
  }
  o.config.validate("training config");
  o.steps = a.get_int("--steps", o.steps);
  o.batch = a.get_int("--batch", o.batch);
  o.crop_frames = a.get_int("--frames", o.crop_frames);
  o.crop_size = a.get_int("--crop", o.crop_size);
  o.lr = a.get_double("--lr", o.lr);
  o.warmup_steps = a.get_int("--warmup", o.warmup_steps);
  o.ema_decay = a.get_double("--ema", o.ema_decay);
  o.weight_decay = a.get_double("--weight-decay", o.weight_decay);
  o.kl_weight = a.get_double("--kl-weight", o.kl_weight);
  o.wavelet_weight = a.get_double("--wavelet-weight", o.wavelet_weight);
  o.mse_weight = a.get_double("--mse-weight", o.mse_weight);
  o.gradient_weight = a.get_double("--gradient-weight", o.gradient_weight);
  o.grid_weight = a.get_double("--grid-weight", o.grid_weight);
  o.sample_posterior = !a.has("--no-sample");
  o.seed = static_cast<uint64_t>(a.get_int("--seed", 0));
  o.log_every = a.get_int("--log-every", o.log_every);
  o.val_every = a.get_int("--val-every", o.val_every);
  o.ckpt_every = a.get_int("--ckpt-every", o.ckpt_every);
  o.store_dtype = a.get_or("--store-dtype", o.store_dtype);
  o.val_frames = a.get_int("--val-frames", o.val_frames);
  o.val_size = a.get_int("--val-size", o.val_size);
  if (o.log_every < 1 || o.val_every < 1 || o.ckpt_every < 1)
    fail_usage("--log-every, --val-every and --ckpt-every must be >= 1");
  o.device = device_option(a, "cpu");
  o.time_budget_s = a.get_double("--time-budget", 0);
  if (o.time_budget_s < 0) fail_usage("--time-budget must be >= 0 seconds");

  train::ClipPack data;
  if (auto p = a.get("--clips")) {
    // Decoded when the pack was made: the decoding flags would be silently ignored.
    for (const char* f : {"--val", "--short-side", "--max-clip-frames"})
      if (a.has(f)) fail_usage(std::string(f) + " cannot be combined with --clips (the pack was decoded with its own)");
    if (!a.positional.empty()) fail_usage("give DATA or --clips PACK, not both");
    data = train::read_clip_pack(*p);
    std::printf("clip pack %s: %zu training clips, %zu validation clips (short sides %s, val size %s)\n", p->c_str(),
                data.train.size(), data.val.size(),
                data.info.count("short_sides") ? data.info["short_sides"].c_str() : "?",
                data.info.count("val_size") ? data.info["val_size"].c_str() : "?");
  } else {
#ifdef WFVAE_HAVE_MEDIA
    if (a.positional.empty()) fail_usage("give the training videos (DATA...) or --clips PACK");
    data = decode_clips(a, o.val_size);
#else
    fail_usage(
        "this wfvae was built without FFmpeg: it trains on a clip pack (--clips PACK, made with "
        "wfvae pack-clips where FFmpeg is), not on video files");
#endif
  }
  const std::vector<train::Clip>& clips = data.train;
  const std::vector<train::Clip>& val = data.val;
  std::printf("%zu training clips (%.0f MB in memory), %zu validation clips; model: %s; device: %s\n", clips.size(),
              clip_bytes(clips) / 1048576.0, val.size(),
              o.init_model.empty() && !o.resume ? o.config.summary().c_str() : "from weights", device_name(o.device));
  std::fflush(stdout);

  const double t0 = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  int first_step = -1;
  auto log = [&](const train::TrainLog& l) {
    if (first_step < 0) first_step = l.step;
    const double eta = l.sec_per_step * (l.steps - l.step);
    std::printf("step %6d/%d  loss %.4f  l1 %.4f  wl %.4f  kl %.2f  lr %.2e  %.3f s/step  ETA %s", l.step, l.steps,
                l.loss, l.l1, l.wavelet, l.kl, l.lr, l.sec_per_step, duration(eta).c_str());
    if (l.val_psnr >= 0)
      std::printf("  val PSNR %.2f dB SSIM %.4f blockiness %.2f", l.val_psnr, l.val_ssim, l.val_blockiness);
    std::printf("\n");
    std::fflush(stdout);
  };
  train::TrainResult r = run_training_worded(o, clips, val, log);
  const double t1 = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::printf("done: %d steps in %s; final EMA weights in %s", r.steps_done, duration(t1 - t0).c_str(),
              r.final_checkpoint.string().c_str());
  if (!val.empty()) std::printf(" (val PSNR %.2f dB, SSIM %.4f)", r.final_val_psnr, r.final_val_ssim);
  std::printf("\n");
  return 0;
}

#ifdef WFVAE_HAVE_MEDIA
int run_pack_clips_cmd(const Args& a) {
  if (!a.has("-o")) fail_usage("-o PACK is required");
  const fs::path out = *a.get("-o");
  check_output_path(out, a.has("-y"));  // before any decoding
  train::ClipPack pack = decode_clips(a, a.get_int("--val-size", 128));
  train::write_clip_pack(out, pack, a.has("-y"));
  std::printf("wrote %s: %zu training clips (%.1f MB), %zu validation clips (%.1f MB)\n", out.string().c_str(),
              pack.train.size(), clip_bytes(pack.train) / 1048576.0, pack.val.size(), clip_bytes(pack.val) / 1048576.0);
  return 0;
}
#endif

}  // namespace

std::vector<Command> train_commands() {
  std::vector<Command> cmds;
  cmds.push_back(
      {{"train",
        "wfvae train DATA... --out DIR [--config FILE | --init MODEL | --resume] [--val FILE] [--steps N] [options]\n"
        "       wfvae train --clips PACK --out DIR ... (no FFmpeg needed)",
        "Train a WF-VAE on videos (L1 + KL + wavelet energy-flow loss, AdamW, EMA).",
        "DATA are video/image files, folders (searched recursively) or .txt lists. Each video is\n"
        "decoded once per --short-side (aspect kept) and random crops of --frames x --crop x --crop\n"
        "are drawn from it (random temporal stride 1-2, horizontal flips). Checkpoints go to\n"
        "DIR/checkpoint-N and DIR/final (EMA weights, diffusers layout: wfvae info/recon load them);\n"
        "DIR/latest + DIR/train_state.safetensors hold the raw weights and optimiser state for\n"
        "--resume, and DIR/train_log.jsonl one line per log. Ctrl-C saves the state and stops.\n"
        "The loss weights follow the reference's scaling (reconstruction summed per frame, KL\n"
        "and wavelet terms per sample), divided by the pixels of one frame. Without --config the\n"
        "model is the bundled models' small architecture (base 24, latent 16, 1 res block).\n"
        "The same --seed gives the same run. --clips trains on clips decoded earlier by\n"
        "wfvae pack-clips (the way to train where FFmpeg is missing, as on a GPU machine).\n"
        "--time-budget shortens the schedule to what fits: the pace of the first steps decides\n"
        "how many steps run, warm-up and cosine decay included, and the run ends on time\n"
        "with its final checkpoint.",
        {{"--out", "DIR", "output folder (required)"},
         {"--config", "FILE", "config.json of a new model"},
         {"--init", "MODEL", "start from these weights (fine-tune): a model folder, .safetensors or .ckpt"},
         {"--weights", "W", "with --init, which weights of a training checkpoint: auto (EMA first), ema or model"},
         {"--resume", "", "continue DIR's run exactly where it stopped"},
         {"--val", "FILE", "held-out clip(s) for validation PSNR/SSIM (a file, folder or list)"},
         {"--clips", "PACK", "train on a clip pack from wfvae pack-clips instead of DATA (and --val)"},
         {"--device", "D", "cpu (default), cuda or auto"},
         {"--time-budget", "SEC", "end the run, decayed and saved, within SEC seconds of wall time (default: none)"},
         {"--latent-dim", "N", "latent channels (overrides the config)"},
         {"--base-channels", "N", "base width (overrides the config)"},
         {"--norm-type", "T", "groupnorm or layernorm (overrides the config)"},
         {"--num-groups", "G", "GroupNorm groups (overrides the config)"},
         {"--steps", "N", "optimiser steps (default 1000)"},
         {"--batch", "B", "clips per step (default 1)"},
         {"--frames", "T", "frames per crop, 1 + 4k (default 9)"},
         {"--crop", "S", "square crop size, multiple of 8 (default 128)"},
         {"--lr", "X", "peak learning rate (default 4e-4)"},
         {"--warmup", "N", "linear warm-up steps, then cosine decay (default 200)"},
         {"--ema", "D", "EMA decay of the saved weights (default 0.998)"},
         {"--weight-decay", "W", "AdamW weight decay on conv weights (default 1e-4)"},
         {"--kl-weight", "W", "KL weight (default 1e-6, as the reference)"},
         {"--wavelet-weight", "W", "energy-flow loss weight (default 0.1, as the reference; 0 = off)"},
         {"--mse-weight", "W", "extra L2 loss weight (default 0)"},
         {"--gradient-weight", "W",
          "gradient-difference loss weight: |steps between neighbouring pixels| of input vs output, "
          "against flat 8x8 blocks (default 0; not in the reference)"},
         {"--grid-weight", "W",
          "cell-grid loss weight: how the steps between neighbouring pixels spread over the 8 phases of "
          "the latent cell, input vs output, against a visible 4x4/8x8 block grid (default 0; not in the reference)"},
         {"--no-sample", "", "decode the posterior mean instead of samples"},
         {"--seed", "S", "random seed (default 0)"},
         {"--short-side", "S[,S2]", "decode training videos at these short sides (default 160)"},
         {"--max-clip-frames", "N", "frames kept per video (default 300)"},
         {"--val-frames", "T", "validation frames (default 17)"},
         {"--val-size", "S", "validation crop size (default 128)"},
         {"--log-every", "N", "progress line every N steps (default 10)"},
         {"--val-every", "N", "validate every N steps (default 250)"},
         {"--ckpt-every", "N", "checkpoint every N steps (default 1000)"},
         {"--store-dtype", "T", "checkpoint storage: f16 (default), bf16, f32"}},
        0,
        SIZE_MAX,
        "  wfvae train ~/.cache/wfvae-studio/training/train.txt --val ~/.cache/wfvae-studio/footage/cityCC0.mpg \\\n"
        "      --out runs/gn --steps 20000 --frames 9 --crop 96\n"
        "  wfvae train ... --out runs/gn --resume\n"
        "  wfvae train --clips clips.safetensors --out runs/gn --device cuda --time-budget 480 ...\n"},
       run_train_cmd});
#ifdef WFVAE_HAVE_MEDIA
  cmds.push_back(
      {{"pack-clips",
        "wfvae pack-clips DATA... -o PACK [--val FILE] [--short-side S[,S2]] [--max-clip-frames N] [--val-size S]",
        "Decode training videos once into a clip pack (wfvae train --clips).",
        "Decodes DATA (and --val) exactly as wfvae train does with the same flags and writes the\n"
        "frames, uncompressed, into one safetensors file of U8 [frames, height, width, 3] tensors:\n"
        "wfvae train --clips PACK then trains on them without FFmpeg (a GPU machine has none) and\n"
        "without decoding again. Size: frames x height x width x 3 bytes per clip and side.",
        {{"-o", "PACK", "output file (required; never overwritten without -y)"},
         {"--val", "FILE", "held-out clip(s) for validation (a file, folder or list)"},
         {"--short-side", "S[,S2]", "decode the training videos at these short sides (default 160)"},
         {"--max-clip-frames", "N", "frames kept per video (default 300)"},
         {"--val-size", "S", "short side of the validation clips (default 128, train's --val-size)"},
         {"-y", "", "replace an existing PACK"}},
        1,
        SIZE_MAX,
        "  wfvae pack-clips ~/.cache/wfvae-studio/training/train.txt --val ~/.cache/wfvae-studio/training/val.txt \\\n"
        "      --short-side 160,256 --max-clip-frames 64 -o clips.safetensors\n"},
       run_pack_clips_cmd});
#endif
  return cmds;
}

}  // namespace wfvae::cli
