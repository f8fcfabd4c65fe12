// wfvae train: decode the training videos with the media library (or read them from
// a clip pack, which needs no media library: the GPU machine has no FFmpeg), then run
// the engine's trainer. wfvae pack-clips: decode them once into a clip pack.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
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

// How DATA... and --val are decoded (train and pack-clips).
struct ClipFlags {
  std::optional<std::string> val;
  std::string short_side = "160";
  int max_clip_frames = 300;
};

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
train::ClipPack decode_clips(const ClipFlags& c, const std::vector<std::string>& data, int val_size) {
  const std::string& sides_text = c.short_side;
  const std::vector<int> sides = parse_int_list("--short-side", sides_text);
  const int64_t max_frames = c.max_clip_frames;
  if (max_frames < 1) fail_usage("--max-clip-frames must be >= 1");
  std::vector<fs::path> files = pipeline::expand_inputs(data);
  std::vector<fs::path> val_files;
  if (c.val) val_files = pipeline::expand_inputs({*c.val});
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

struct TrainFlags {
  train::TrainOptions o;  // most flags set it directly
  std::optional<std::string> config, norm_type, clips, recipe;
  std::optional<int> latent_dim, base_channels, num_groups;
  bool no_sample = false, print_settings = false;
  int seed = 0;
  std::string device = "cpu";
  ClipFlags decoding;
};

int run_train_cmd(TrainFlags& f, const Args& a) {
  train::TrainOptions& o = f.o;
  if (o.out_dir.empty()) fail_usage("--out DIR is required");
  if (f.config) o.config = ModelConfig::load(*f.config);
  if (a.has("--weights") && o.init_model.empty()) fail_usage("--weights chooses the weights of --init MODEL");
  if (f.config && !o.init_model.empty())
    fail_usage("give --config (new model) or --init (start from weights), not both");
  // Architecture shortcuts on top of the config.
  o.config.latent_dim = f.latent_dim.value_or(o.config.latent_dim);
  o.config.base_channels = f.base_channels.value_or(o.config.base_channels);
  o.config.norm_type = f.norm_type.value_or(o.config.norm_type);
  o.config.norm_num_groups = f.num_groups.value_or(o.config.norm_num_groups);
  if (!f.config) {
    // Without a config: the small architecture of the bundled models.
    o.config.base_channels = f.base_channels.value_or(24);
    o.config.latent_dim = f.latent_dim.value_or(16);
    o.config.encoder_num_resblocks = o.config.decoder_num_resblocks = 1;
    o.config.encoder_energy_flow_hidden_size = o.config.decoder_energy_flow_hidden_size = o.config.base_channels;
    o.config.t_interpolation = "trilinear";
    o.config.norm_num_groups = f.num_groups.value_or(8);
  }
  o.config.validate("training config");
  o.sample_posterior = !f.no_sample;
  o.seed = static_cast<uint64_t>(f.seed);
  if (o.log_every < 1 || o.val_every < 1 || o.ckpt_every < 1)
    fail_usage("--log-every, --val-every and --ckpt-every must be >= 1");
  o.device = device_option(f.device);
  if (o.time_budget_s < 0) fail_usage("--time-budget must be >= 0 seconds");

  train::ClipPack data;
  if (const auto& p = f.clips) {
    // Decoded when the pack was made: the decoding flags would be silently ignored.
    for (const char* flag : {"--val", "--short-side", "--max-clip-frames"})
      if (a.has(flag))
        fail_usage(std::string(flag) + " cannot be combined with --clips (the pack was decoded with its own)");
    if (!a.positional.empty()) fail_usage("give DATA or --clips PACK, not both");
    data = train::read_clip_pack(*p);
    std::printf("clip pack %s: %zu training clips, %zu validation clips (short sides %s, val size %s)\n", p->c_str(),
                data.train.size(), data.val.size(),
                data.info.count("short_sides") ? data.info["short_sides"].c_str() : "?",
                data.info.count("val_size") ? data.info["val_size"].c_str() : "?");
  } else {
#ifdef WFVAE_HAVE_MEDIA
    if (a.positional.empty()) fail_usage("give the training videos (DATA...) or --clips PACK");
    data = decode_clips(f.decoding, a.positional, o.val_size);
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
struct PackFlags {
  fs::path out;
  bool overwrite = false;
  ClipFlags decoding;
  int val_size = 128;
};

int run_pack_clips_cmd(PackFlags& f, const Args& a) {
  const fs::path& out = f.out;
  if (out.empty()) fail_usage("-o PACK is required");
  check_output_path(out, f.overwrite);  // before any decoding
  train::ClipPack pack = decode_clips(f.decoding, a.positional, f.val_size);
  train::write_clip_pack(out, pack, f.overwrite);
  std::printf("wrote %s: %zu training clips (%.1f MB), %zu validation clips (%.1f MB)\n", out.string().c_str(),
              pack.train.size(), clip_bytes(pack.train) / 1048576.0, pack.val.size(), clip_bytes(pack.val) / 1048576.0);
  return 0;
}
#endif

CommandSpec train_spec(TrainFlags& f) {
  train::TrainOptions& o = f.o;
  ClipFlags& c = f.decoding;
  return {
      "train",
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
      {{"--out", "DIR", "output folder (required)", &o.out_dir},
       {"--recipe", "FILE", "take the settings of this recipe (below); flags given here override them", &f.recipe},
       {"--print-settings", "",
        "print the run's settings as one wfvae train command line (a recipe's spelled out) "
        "and exit",
        &f.print_settings},
       {"--config", "FILE", "config.json of a new model", &f.config},
       {"--init", "MODEL", "start from these weights (fine-tune): a model folder, .safetensors or .ckpt",
        &o.init_model},
       weights_flag(&o.init_weights,
                    "with --init, which weights of a training checkpoint: auto (EMA first), ema or "
                    "model"),
       {"--resume", "", "continue DIR's run exactly where it stopped", &o.resume},
       {"--val", "FILE", "held-out clip(s) for validation PSNR/SSIM (a file, folder or list)", &c.val},
       {"--clips", "PACK", "train on a clip pack from wfvae pack-clips instead of DATA (and --val)", &f.clips},
       {"--device", "D", "cpu (default), cuda or auto", &f.device},
       {"--time-budget", "SEC", "end the run, decayed and saved, within SEC seconds of wall time (default: none)",
        &o.time_budget_s},
       {"--latent-dim", "N", "latent channels (overrides the config)", &f.latent_dim},
       {"--base-channels", "N", "base width (overrides the config)", &f.base_channels},
       {"--norm-type", "T", "groupnorm or layernorm (overrides the config)", &f.norm_type},
       {"--num-groups", "G", "GroupNorm groups (overrides the config)", &f.num_groups},
       {"--steps", "N", "optimiser steps (default 1000)", &o.steps},
       {"--batch", "B", "clips per step (default 1)", &o.batch},
       {"--frames", "T", "frames per crop, 1 + 4k (default 9)", &o.crop_frames},
       {"--crop", "S", "square crop size, multiple of 8 (default 128)", &o.crop_size},
       {"--lr", "X", "peak learning rate (default 4e-4)", &o.lr},
       {"--warmup", "N", "linear warm-up steps, then cosine decay (default 200)", &o.warmup_steps},
       {"--ema", "D", "EMA decay of the saved weights (default 0.998)", &o.ema_decay},
       {"--weight-decay", "W", "AdamW weight decay on conv weights (default 1e-4)", &o.weight_decay},
       {"--kl-weight", "W", "KL weight (default 1e-6, as the reference)", &o.kl_weight},
       {"--wavelet-weight", "W", "energy-flow loss weight (default 0.1, as the reference; 0 = off)", &o.wavelet_weight},
       {"--mse-weight", "W", "extra L2 loss weight (default 0)", &o.mse_weight},
       {"--gradient-weight", "W",
        "gradient-difference loss weight: |steps between neighbouring pixels| of input vs output, "
        "against flat 8x8 blocks (default 0; not in the reference)",
        &o.gradient_weight},
       {"--grid-weight", "W",
        "cell-grid loss weight: how the steps between neighbouring pixels spread over the 8 phases of "
        "the latent cell, input vs output, against a visible 4x4/8x8 block grid (default 0; not in the reference)",
        &o.grid_weight},
       {"--no-sample", "", "decode the posterior mean instead of samples", &f.no_sample},
       {"--seed", "S", "random seed (default 0)", &f.seed},
       {"--short-side", "S[,S2]", "decode training videos at these short sides (default 160)", &c.short_side},
       {"--max-clip-frames", "N", "frames kept per video (default 300)", &c.max_clip_frames},
       {"--val-frames", "T", "validation frames (default 17)", &o.val_frames},
       {"--val-size", "S", "validation crop size (default 128)", &o.val_size},
       {"--log-every", "N", "progress line every N steps (default 10)", &o.log_every},
       {"--val-every", "N", "validate every N steps (default 250)", &o.val_every},
       {"--ckpt-every", "N", "checkpoint every N steps (default 1000)", &o.ckpt_every},
       {"--store-dtype", "T", "checkpoint storage (default f16)", &o.store_dtype, {"f16", "bf16", "f32"}}},
      0,
      SIZE_MAX,
      "  wfvae train ~/.cache/wfvae-studio/training/train.txt --val ~/.cache/wfvae-studio/footage/cityCC0.mpg \\\n"
      "      --out runs/gn --steps 20000 --frames 9 --crop 96\n"
      "  wfvae train ... --out runs/gn --resume\n"
      "  wfvae train --clips clips.safetensors --out runs/gn --device cuda --time-budget 480 ...\n"
      "  wfvae train data.txt --out runs/v3-gn --recipe assets/recipes/v3.json --norm-type groupnorm --num-groups 8\n",
      "wfvae",
      CommandSpec{}.exit_codes,
      "recipes: --recipe FILE reads a JSON object of settings whose keys are the flags above\n"
      "without their dashes: {\"steps\": 16000, \"lr\": 1e-3, \"no-sample\": true, \"config\": \"arch.json\"}.\n"
      "A value is a number, a string or true (a switch); keys beginning with _ are notes; a relative\n"
      "\"config\" path is taken from the recipe's folder. Flags given on the command line win over\n"
      "the recipe's. What a run trains on and where it writes is the command line's alone: out,\n"
      "resume, val, clips and init are refused in a recipe, as is any key that is not a flag.\n"
      "assets/recipes/ holds the bundled models' recipes (v1..v4; its README says what each is).\n"};
}

// A recipe's number as the shortest text that reads back the same, in the shorter of
// the two notations: 16000, 0.1, 1e-3 (not 0.001 or 1e-03).
std::string number_text(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e15) return std::to_string(static_cast<long long>(x));
  char buf[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  // buf: [-]d[.ddd]e(+|-)XX
  std::string s = buf;
  const size_t e = s.find('e');
  const bool negative = s[0] == '-';
  std::string mantissa = s.substr(negative, e - negative), all = mantissa;
  all.erase(std::remove(all.begin(), all.end(), '.'), all.end());  // the significant digits
  const int exp = std::atoi(s.c_str() + e + 1);
  const std::string sci = mantissa + "e" + std::to_string(exp);
  std::string dec;
  if (exp < 0)
    dec = "0." + std::string(-exp - 1, '0') + all;
  else if (static_cast<size_t>(exp) + 1 >= all.size())
    dec = all + std::string(exp + 1 - all.size(), '0');
  else
    dec = all.substr(0, exp + 1) + "." + all.substr(exp + 1);
  return (negative ? "-" : "") + (sci.size() < dec.size() ? sci : dec);
}

// The settings of the recipe at `path` that the command line `cli` does not give, as
// arguments: {"steps": 16000, "no-sample": true} -> --steps 16000 --no-sample.
std::vector<std::string> recipe_args(const fs::path& path, const CommandSpec& spec, const Args& cli) {
  const std::string where = path.string();
  json::Value root;
  try {
    root = json::parse(read_text_file(path));
  } catch (const json::ParseError& e) {
    fail_input(where + ": not valid JSON: " + e.what());
  }
  if (!root.is_object()) fail_input(where + ": a recipe is a JSON object of settings ({\"steps\": 1000, ...})");
  std::vector<std::string> args;
  for (const auto& [key, v] : root.as_object()) {
    if (!key.empty() && key[0] == '_') continue;  // a note
    const std::string flag = "--" + key;
    auto f = std::find_if(spec.flags.begin(), spec.flags.end(), [&](const FlagSpec& x) { return x.name == flag; });
    if (f == spec.flags.end())
      fail_usage(where + ": unknown key \"" + key + "\" (a recipe's keys are wfvae train's flags without --)");
    for (const char* own : {"out", "resume", "val", "clips", "init", "recipe", "print-settings"})
      if (key == own)
        fail_usage(where + ": \"" + key + "\" is not a recipe's to say: give " + flag + " on the command line");
    if (cli.has(flag)) continue;  // the command line's value wins
    if (!f->takes_value() && v.is_bool()) {
      if (v.as_bool()) args.push_back(flag);
      continue;
    }
    if (!f->takes_value() || !(v.is_number() || v.is_string()))
      fail_usage(where + ": \"" + key + "\": expected " +
                 (f->takes_value() ? "a number or a string" : "true or false") + ", found " + json::dump(v));
    std::string value = v.is_number() ? number_text(v.as_number()) : v.as_string();
    if (key == "config" && !value.empty() && fs::path(value).is_relative())
      value = (path.parent_path() / value).string();
    args.push_back(flag);
    args.push_back(value);
  }
  // The values checked on their own first, so that their errors name the recipe.
  TrainFlags scratch;
  try {
    parse(train_spec(scratch), args);
  } catch (const Error& e) {
    fail_usage(where + ": " + e.what());
  }
  return args;
}

// wfvae train: the settings of a --recipe go before the command line's (which win).
int train_main(const std::vector<std::string>& argv) {
  auto f = std::make_unique<TrainFlags>();
  CommandSpec spec = train_spec(*f);
  Args a = parse(spec, argv);
  if (a.help) {
    std::fputs(help_text(spec).c_str(), stdout);
    return 0;
  }
  if (f->recipe) {
    std::vector<std::string> args = recipe_args(*f->recipe, spec, a);
    args.insert(args.end(), argv.begin(), argv.end());
    f = std::make_unique<TrainFlags>();
    spec = train_spec(*f);
    a = parse(spec, args);
  }
  if (f->print_settings) {
    std::printf("wfvae train %s\n", flags::command_line(spec, a, {"--recipe", "--print-settings"}).c_str());
    return 0;
  }
  return run_train_cmd(*f, a);
}

#ifdef WFVAE_HAVE_MEDIA
CommandSpec pack_clips_spec(PackFlags& f) {
  ClipFlags& c = f.decoding;
  return {"pack-clips",
          "wfvae pack-clips DATA... -o PACK [--val FILE] [--short-side S[,S2]] [--max-clip-frames N] [--val-size S]",
          "Decode training videos once into a clip pack (wfvae train --clips).",
          "Decodes DATA (and --val) exactly as wfvae train does with the same flags and writes the\n"
          "frames, uncompressed, into one safetensors file of U8 [frames, height, width, 3] tensors:\n"
          "wfvae train --clips PACK then trains on them without FFmpeg (a GPU machine has none) and\n"
          "without decoding again. Size: frames x height x width x 3 bytes per clip and side.",
          {{"-o", "PACK", "output file (required; never overwritten without -y)", &f.out},
           {"--val", "FILE", "held-out clip(s) for validation (a file, folder or list)", &c.val},
           {"--short-side", "S[,S2]", "decode the training videos at these short sides (default 160)", &c.short_side},
           {"--max-clip-frames", "N", "frames kept per video (default 300)", &c.max_clip_frames},
           {"--val-size", "S", "short side of the validation clips (default 128, train's --val-size)", &f.val_size},
           {"-y", "", "replace an existing PACK", &f.overwrite}},
          1,
          SIZE_MAX,
          "  wfvae pack-clips ~/.cache/wfvae-studio/training/train.txt --val ~/.cache/wfvae-studio/training/val.txt "
          "\\\n"
          "      --short-side 160,256 --max-clip-frames 64 -o clips.safetensors\n"};
}
#endif

}  // namespace

std::vector<Command> train_commands() {
  std::vector<Command> cmds{make_command(train_spec, run_train_cmd)};
  cmds[0].run = train_main;
#ifdef WFVAE_HAVE_MEDIA
  cmds.push_back(make_command(pack_clips_spec, run_pack_clips_cmd));
#endif
  return cmds;
}

}  // namespace wfvae::cli
