// wfvae recon | eval: the commands that need the media pipeline (FFmpeg).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/perceptual_flags.h"
#include "core/assets.h"
#include "core/error.h"
#include "core/text.h"
#include "media/media.h"
#include "pipeline/decode_latents.h"
#include "pipeline/eval.h"
#include "pipeline/exports.h"
#include "pipeline/recon.h"
#include "pipeline/report.h"
#include "perceptual/fvd.h"
#include "perceptual/lpips.h"
#include "runtime/vae.h"

namespace wfvae::cli {

namespace fs = std::filesystem;

namespace {

std::string fmt(double v, int decimals) { return text::fixed(v, decimals); }

// The settings recon and eval share, bound to their flags (request_flags).
struct RequestFlags {
  pipeline::ReconRequest r;
  std::string model, device = "auto", dtype = "f32";
  std::optional<int> frames, num_groups, seed;
  PerceptualFlags perceptual;  // --lpips (eval: and --fvd)
};

// The request, once the values the flags set are checked together.
pipeline::ReconRequest request_from_flags(RequestFlags& f) {
  pipeline::ReconRequest& r = f.r;
  if (f.frames && *f.frames < 1) fail_usage("--frames must be at least 1");
  if (f.frames) r.frames = *f.frames;
  if (f.num_groups && *f.num_groups < 1) fail_usage("--num-groups must be positive");
  if (f.num_groups) r.num_groups = *f.num_groups;
  r.device = device_option(f.device);
  r.dtype = parse_dtype(f.dtype);
  r.keep_input_tensor = false;  // the CLI reports metrics and writes files: 12 B/pixel-frame less
  if (f.seed && !r.sample) fail_usage("--seed only matters with --sample (the default decodes the posterior mode)");
  if (f.seed && *f.seed < 0) fail_usage("--seed must not be negative");
  r.seed = static_cast<uint64_t>(f.seed.value_or(0));
  pipeline::check_request(r);
  return r;
}

// Clears the progress bar's line before printing a line of our own.
void clear_bar_line() {
  if (::isatty(2)) std::fputs("\r\033[K", stderr);
}

struct ReconFlags : RequestFlags {
  pipeline::ExportRequest ex;  // --metrics-csv is ex.metrics_csv
  std::optional<std::string> metrics;
};

std::string lpips_line(const pipeline::ReconResult& r) {
  if (r.lpips.empty()) return "";
  return "LPIPS " + fmt(r.lpips_mean, 4) + " (alex, lower is better)";
}

int run_recon_cmd(ReconFlags& f, const Args& a) {
  pipeline::ReconRequest req = request_from_flags(f);
  req.input = a.positional[0];

  pipeline::ExportRequest& ex = f.ex;
  if (ex.recon.empty()) fail_usage("missing -o OUTPUT (.mkv lossless, .mp4 H.264, frame_%04d.png or folder/)");
  if (f.metrics) {
    const bool csv = text::lower_extension(*f.metrics) == ".csv";
    if (csv && !ex.metrics_csv.empty())
      fail_usage("--metrics already names a .csv file; --metrics-csv is a second one");
    (csv ? ex.metrics_csv : ex.metrics_json) = *f.metrics;
  }
  // The input and every output are checked before the model loads or a frame is
  // decoded: a missing input is reported as such, not as a missing model.
  media::probe(req.input);
  if (!ex.lpips_map.empty() && !f.perceptual.lpips) fail_usage("--lpips-map needs --lpips");
  pipeline::check_exports(ex, req.input);
  req.model = pipeline::resolve_model(f.model);
  const ModelFiles files = resolve_model_files(req.model, req.load.config);  // a clear error now, not after decoding
  if (ex.latents_normalized) {
    const std::string problem = ModelConfig::load(files.config).latent_norm_problem();
    if (!problem.empty()) fail_input(files.config.string() + ": --normalized: " + problem);
  }

  load_perceptual(f.perceptual, req);
  req.lpips_maps = !ex.lpips_map.empty();

  CancelToken& cancel = interrupt_token();
  req.cancel = &cancel;
  ProgressBar bar("recon");
  req.progress = sub_progress(bar.fn(), 0.0, 0.9);
  pipeline::ReconResult r = pipeline::reconstruct(req);
  const auto t_write = std::chrono::steady_clock::now();
  std::vector<fs::path> written = pipeline::write_exports(r, ex, sub_progress(bar.fn(), 0.9, 1.0), &cancel);
  const double write_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_write).count();
  bar.finish();

  const auto& s = r.source;
  std::printf("source: %s: %s in %s, %dx%d, %s fps, %s\n", s.path.c_str(), s.codec.c_str(), s.container.c_str(),
              s.width, s.height, fmt(s.fps, 3).c_str(),
              s.is_image ? "still image"
                         : (s.duration_s > 0 ? fmt(s.duration_s, 2) + " s" : std::string("duration unknown")).c_str());
  std::printf("input: %lld frame%s of %dx%d (HxW)%s, source frames %lld..%lld, stride %d, %s fps\n",
              static_cast<long long>(r.frames), r.frames == 1 ? "" : "s", r.height, r.width,
              r.default_size ? " (default size)" : "", static_cast<long long>(r.source_indices.front()),
              static_cast<long long>(r.source_indices.back()), r.stride, fmt(r.fps, 3).c_str());
  std::printf("model: %s (%s), %s %s, latent: %s\n", r.model.c_str(), r.config.summary().c_str(), r.device.c_str(),
              r.dtype.c_str(),
              r.sample ? ("posterior sample, seed " + std::to_string(r.seed)).c_str() : "posterior mode (mean)");
  std::printf("plan: %s; estimated peak %s of %s available (%s)\n", r.plan.describe().c_str(),
              planning::format_bytes(r.plan.device_peak(r.device == "cuda")).c_str(),
              r.budget.device_bytes > 0 ? planning::format_bytes(r.budget.device_bytes).c_str() : "?",
              r.budget.source.c_str());
  std::printf("PSNR %s dB  SSIM %s  (R/G/B PSNR %s / %s / %s)  blockiness %s\n", fmt(r.metrics.psnr_mean, 3).c_str(),
              fmt(r.metrics.ssim_mean, 4).c_str(), fmt(r.metrics.psnr_rgb_mean[0], 2).c_str(),
              fmt(r.metrics.psnr_rgb_mean[1], 2).c_str(), fmt(r.metrics.psnr_rgb_mean[2], 2).c_str(),
              fmt(r.metrics.blockiness_mean, 2).c_str());
  std::printf("8-bit output: PSNR %s dB  SSIM %s\n", fmt(r.metrics_8bit.psnr_mean, 3).c_str(),
              fmt(r.metrics_8bit.ssim_mean, 4).c_str());
  if (!r.lpips.empty()) std::printf("%s\n", lpips_line(r).c_str());
  std::printf("time: load %.2f s, read %.2f s, encode %.2f s, decode %.2f s, metrics %.2f s%s, write %.2f s\n",
              r.timings.load_ms / 1000, r.timings.read_ms / 1000, r.timings.encode_ms / 1000,
              r.timings.decode_ms / 1000, r.timings.metrics_ms / 1000,
              r.lpips.empty() ? "" : (", LPIPS " + fmt(r.timings.lpips_ms / 1000, 2) + " s").c_str(), write_ms / 1000);
  for (const auto& p : written) std::printf("wrote: %s\n", p.string().c_str());
  for (const auto& n : r.notes)
    std::printf("note: %s%s\n", n.text.c_str(),
                n.kind == pipeline::NoteKind::SizeChosen   ? "; set another with --size HxW"
                : n.kind == pipeline::NoteKind::PlanChosen ? "; set it with --chunked, --tile N or --max-memory"
                                                           : "");
  return 0;
}

struct EvalFlags : RequestFlags {
  fs::path table;
  std::optional<std::string> shard;
  std::optional<int> fvd_batched;
};

int run_eval_cmd(EvalFlags& f, const Args& a) {
  const fs::path& table = f.table;
  if (table.empty()) fail_usage("missing --out TABLE.csv");
  if (text::lower_extension(table) != ".csv") fail_usage(table.string() + ": the eval table must be a .csv file");
  pipeline::ReconRequest base = request_from_flags(f);
  if (f.fvd_batched && !f.perceptual.fvd) fail_usage("--fvd-batched needs --fvd");
  if (f.fvd_batched && *f.fvd_batched < 1) fail_usage("--fvd-batched must be at least 1");
  load_perceptual(f.perceptual, base);
  const pipeline::ShardedInputs inputs = pipeline::sharded_inputs(a.positional, f.shard);
  const fs::path model = pipeline::resolve_model(f.model);
  resolve_model_files(model, base.load.config);
  const std::string settings = pipeline::settings_fingerprint(base, model.string());
  pipeline::EvalTable existing = pipeline::open_eval_table(table, settings);  // before the model loads

  std::printf("eval: %zu inputs%s", inputs.mine.size(), inputs.described().c_str());
  size_t done_before = 0;
  for (const auto& p : inputs.mine)
    if (const auto* r = existing.find(p.string()); r && r->status == "ok") ++done_before;
  if (done_before) std::printf(", %zu already in %s", done_before, table.string().c_str());
  std::printf("\n");
  std::fflush(stdout);

  std::unique_ptr<Vae> vae = Vae::load(model, base.device, base.dtype, base.load);
  base.vae = vae.get();

  pipeline::EvalRequest req;
  req.inputs = inputs.mine;
  req.table = table;
  req.base = base;
  req.settings = settings;
  CancelToken& cancel = interrupt_token();
  req.cancel = &cancel;
  ProgressBar bar("eval");
  req.progress = bar.fn();
  req.on_row = [&](const pipeline::EvalRow& r, bool skipped) {
    clear_bar_line();
    if (skipped) {
      std::printf("skip  %s (in the table)\n", r.file.c_str());
    } else if (r.status == "ok") {
      std::printf("ok    %s: %lld frames %dx%d, PSNR %s dB, SSIM %s, blockiness %s%s\n", r.file.c_str(),
                  static_cast<long long>(r.frames), r.height, r.width, fmt(r.psnr, 3).c_str(), fmt(r.ssim, 4).c_str(),
                  fmt(r.blockiness, 2).c_str(), std::isnan(r.lpips) ? "" : (", LPIPS " + fmt(r.lpips, 4)).c_str());
    } else {
      std::printf("FAIL  %s\n", r.error.c_str());
    }
    std::fflush(stdout);
  };
  pipeline::EvalOutcome o = pipeline::run_eval(req);
  bar.finish();
  std::printf("ALL: %s; PSNR %s dB, SSIM %s, blockiness %s%s%s -> %s\n", o.all.error.c_str(),
              fmt(o.all.psnr, 3).c_str(), fmt(o.all.ssim, 4).c_str(), fmt(o.all.blockiness, 2).c_str(),
              std::isnan(o.all.lpips) ? "" : (", LPIPS " + fmt(o.all.lpips, 4)).c_str(),
              std::isnan(o.all.fvd) ? "" : (", FVD " + fmt(o.all.fvd, 3)).c_str(), table.string().c_str());
  if (f.perceptual.fvd) {
    std::printf("FVD features: %s\n", o.features.string().c_str());
    if (f.fvd_batched) {
      pipeline::EvalTable t = pipeline::EvalTable::load(table);
      t.fvd_detector = f.perceptual.detector->sha256();
      t.features = pipeline::load_features(o.features, t.fvd_detector);
      std::printf(
          "FVD as the reference's eval scripts report it (the mean of per-batch FVDs over batches of %d in table "
          "order; it depends on the batch size): %s\n",
          *f.fvd_batched, fmt(t.batched_fvd(*f.fvd_batched), 3).c_str());
    }
  }
  std::printf("this run: %d evaluated, %d skipped, %d failed\n", o.evaluated, o.skipped, o.failed);
  if (o.runtime_failure) return 3;
  return o.failed ? 2 : 0;
}

struct DecodeFlags {
  std::string output, tensor, device = "auto", dtype = "f32";
  std::optional<std::string> model;
  LoadOptions load;
  bool normalized = false, raw = false, chunked = false, overwrite = false;
  std::optional<double> fps;
  int crf = 18;
};

int run_decode_cmd(DecodeFlags& f, const Args& a) {
  const std::string& out = f.output;
  if (out.empty()) fail_usage("missing -o VIDEO (.mkv lossless, .mp4 H.264, frame_%04d.png or folder/)");
  if (f.normalized && f.raw) fail_usage("give --normalized or --raw, not both");
  std::optional<bool> normalized;
  if (f.normalized) normalized = true;
  if (f.raw) normalized = false;
  media::check_video_output(out, f.overwrite);  // before any work
  pipeline::LatentFile file = pipeline::read_latent_file(a.positional[0], f.tensor, normalized);
  fs::path model;
  std::string model_why;
  if (f.model) {
    model = *f.model;
  } else if (!file.model.empty() && fs::exists(file.model)) {
    model = file.model;
    model_why = " (named by the file's metadata)";
  } else {
    model = pipeline::resolve_model("");
    model_why = file.model.empty() ? " (the bundled default)"
                                   : " (the bundled default: the file's model " + file.model + " is not here)";
  }
  const LoadOptions& load = f.load;
  resolve_model_files(model, load.config);
  std::unique_ptr<Vae> vae = Vae::load(model, device_option(f.device), parse_dtype(f.dtype), load);
  CancelToken& cancel = interrupt_token();
  ProgressBar bar("decode");
  pipeline::DecodeLatentsResult r =
      pipeline::decode_latents(*vae, file, f.chunked, sub_progress(bar.fn(), 0.0, 0.9), &cancel);
  media::EncodeOptions vo;
  vo.fps = f.fps ? *f.fps : (file.fps > 0 ? file.fps : 25);
  if (!(vo.fps > 0)) fail_usage("--fps must be positive");
  vo.crf = f.crf;
  vo.overwrite = f.overwrite;
  media::write_video(out, r.frames, vo, sub_progress(bar.fn(), 0.9, 1.0), &cancel);
  bar.finish();
  std::printf("latents: %s, tensor \"%s\" %s\n", file.path.string().c_str(), file.tensor.c_str(),
              file.latent.shape_str().c_str());
  std::printf("model: %s%s (%s)\n", model.string().c_str(), model_why.c_str(), vae->config().summary().c_str());
  std::printf("decoded: %zu frames of %dx%d%s in %.2f s\n", r.frames.size(), r.frames.empty() ? 0 : r.frames[0].height,
              r.frames.empty() ? 0 : r.frames[0].width, r.chunked ? " (chunked)" : "", r.decode_ms / 1000);
  for (const auto& n : r.notes) std::printf("note: %s\n", n.c_str());
  std::printf("wrote: %s\n", out.c_str());
  return 0;
}

// The flags recon and eval share; `fvd_help` non-empty: also --fvd and --i3d (eval).
std::vector<FlagSpec> request_flags(RequestFlags& f, const std::string& fvd_help = "") {
  pipeline::ReconRequest& r = f.r;
  std::vector<FlagSpec> out = {
      {"--model", "M",
       std::string("a model folder, .safetensors or .ckpt/.pt file (default: the bundled ") + kDefaultModelName + ")",
       &f.model},
      {"--config", "FILE",
       "the model's config instead of the config.json beside its weights (a config.json, or a JSON whose \"ae\" "
       "object is the config: Open-Sora-Plan v1.5)",
       &r.load.config},
      weights_flag(&r.load.weights,
                   "which weights of a training checkpoint: auto (default: the EMA when present, as the reference), "
                   "ema, or model (the reference's NOT_USE_EMA_MODEL)"),
      {"--size", "HxW",
       "model input size, multiples of 8 (default: the source's, rounded down to 8, short side <= 512)",
       flags::Dims{&r.height, &r.width}},
      {"--frames", "N", "frames to use (default: all); trimmed to the largest 1 + 4k (1 + 8k) that fits", &f.frames},
      {"--start", "T", "where to start: seconds (2.5 or 2.5s) or a frame index (48f)",
       [&r](const std::string& v) { parse_start(v, &r.start_time_s, &r.start_frame); }},
      {"--stride", "K", "keep every K-th frame (the reference's --sample_rate; default 1)", &r.stride},
      {"--norm-type", "T", "override norm_type: groupnorm | layernorm", &r.norm_type},
      {"--num-groups", "G", "override the GroupNorm group count", &f.num_groups},
      {"--device", "D", "cpu, cuda or auto (default auto: CUDA when usable)", &f.device},
      {"--dtype", "T", "f32 (default), bf16 or f16", &f.dtype},
      {"--chunked", "", "causal-cache chunked inference (the reference's enable_tiling): less memory", &r.chunked},
      tile_flag(&r.tile,
                "spatial tiles of NxN pixels (multiple of 8, >= 32), blended across the overlap; "
                "auto (default: only when whole frames do not fit) or off"),
      tile_overlap_flag(&r.tile_overlap, "pixels neighbouring tiles share (multiple of 8, <= N/2; default N/4)"),
      max_memory_flag(&r.max_memory,
                      "memory the run may use (e.g. 4G, 512M; default: what is free: GPU memory, "
                      "or host memory under ulimit -v and cgroup limits)"),
      {"--sample", "", "decode a posterior sample, as the official scripts do (default: the mode, deterministic)",
       &r.sample},
      {"--seed", "S", "seed for --sample (default 0)", &f.seed},
  };
  for (auto& flag : perceptual_flags(f.perceptual, !fvd_help.empty(), fvd_help)) out.push_back(std::move(flag));
  return out;
}

CommandSpec recon_spec(ReconFlags& f) {
  CommandSpec recon{
      "recon",
      "wfvae recon INPUT -o OUTPUT [--model DIR] [--size HxW] [--frames N] [--start T] [--stride K] [--norm-type T] "
      "[--num-groups G] [--device D] [--dtype T] [--chunked] [--tile N|auto|off] [--tile-overlap P] [--max-memory "
      "SIZE] "
      "[--sample --seed S] [--metrics FILE.json|.csv] "
      "[--save-input FILE] [--side-by-side FILE] [--diff FILE] [--latents FILE.safetensors [--normalized]] [--crf N] "
      "[-y]",
      "Reconstruct a video (or image) through WF-VAE; write it, its metrics and comparisons.",
      "INPUT is any video or image FFmpeg reads (rotation metadata applied, any pixel format).\n"
      "Preprocessing as the reference (scripts/recon_single_video.py): crop to the target aspect from\n"
      "the short edge, antialiased bilinear resize to HxW, x = u8 / 127.5 - 1.\n"
      "The latent decoded is the posterior mode (the mean): deterministic. The official scripts sample\n"
      "instead; --sample --seed S does that.\n"
      "Outputs, by extension: .mkv = FFV1 lossless (bgr0), .mp4 = H.264 (libx264, yuv420p, --crf),\n"
      "frame_%04d.png or folder/ = PNG sequence (numbered from 1), .png = one image (1-frame input).\n"
      "Metrics as causalvideovae/eval/cal_psnr.py and cal_ssim.py: RGB in [0,1], reconstruction\n"
      "clamped; PSNR per frame from the MSE over channels and pixels, averaged over frames (100 when a\n"
      "frame is identical); SSIM with an 11x11 Gaussian window (sigma 1.5), valid region, mean over\n"
      "R,G,B and frames. Reported for the float reconstruction (the reference's numbers) and for the\n"
      "8-bit frames written. The JSON has psnr_per_frame, psnr_mean, ssim_per_frame, ssim_mean, ...\n"
      "Blockiness (not in the reference): the 8x8 latent-cell grid the model adds, as the mean step\n"
      "between neighbouring pixels across cell edges over the mean step inside cells, reconstruction\n"
      "over input: 1 = no grid added; an undertrained decoder's flat Haar blocks read 2 or more.\n"
      "Memory: before any work the planner estimates the run's peak (weights, activations, frames) and\n"
      "picks the first plan that fits what is free: as asked (direct unless --chunked), then chunked\n"
      "in time, then chunked with smaller and smaller spatial tiles (512 .. 64 px, linear blending).\n"
      "A run that fits no plan is refused up front, saying how many frames would fit. If an\n"
      "allocation still fails, the run is redone with the next plan and a note says so (exit 3 only\n"
      "when the last plan fails). The plan used is printed and stored in the metrics report.\n"
      "All outputs are checked before any work, written to temporaries and renamed into place together\n"
      "at the end; existing files are kept unless -y. Ctrl-C cancels and leaves no output.",
      {},
      1,
      1,
      "  wfvae recon assets/samples/city-cc0.mp4 -o recon.mkv --size 256x256 --frames 17 --metrics m.json\n"
      "  wfvae recon clip.mov -o recon.mp4 --crf 16 --side-by-side sbs.mp4 --diff diff.mkv --latents z.safetensors\n"};
  pipeline::ExportRequest& ex = f.ex;
  recon.flags = {
      {"--output", "FILE", "reconstruction (.mkv, .mp4, frame_%04d.png, folder/, .png)", &ex.recon, {}, "-o"}};
  for (auto& flag : request_flags(f)) recon.flags.push_back(std::move(flag));
  for (FlagSpec& flag : std::vector<FlagSpec>{
           {"--metrics", "FILE", "metrics report: .json (per frame + summary + provenance) or .csv", &f.metrics},
           {"--metrics-csv", "FILE", "also (or only) the per-frame CSV", &ex.metrics_csv},
           {"--save-input", "FILE", "the preprocessed input as the model saw it (lossless: .mkv, PNG)", &ex.input},
           {"--side-by-side", "FILE", "input | reconstruction video", &ex.side_by_side},
           {"--diff", "FILE", "|input - reconstruction| * gain video", &ex.difference},
           {"--diff-gain", "G", "difference amplification (default 4)", &ex.diff_gain},
           {"--latents", "FILE",
            "the latent decoded, its mean and logvar (F32 .safetensors, config and scale/shift in metadata)",
            &ex.latents},
           {"--normalized", "", "with --latents: store the latent as the diffusion pipeline does, (z - shift) * scale",
            &ex.latents_normalized},
           {"--lpips-map", "FILE", "with --lpips: the spatial LPIPS map as a video (0 black .. 1 pale yellow)",
            &ex.lpips_map},
           {"--crf", "N", "H.264 quality for .mp4 outputs, 0 (lossless luma) .. 51 (default 18)", &ex.crf},
           {"--yes", "", "overwrite existing outputs", &ex.overwrite, {}, "-y"}})
    recon.flags.push_back(std::move(flag));
  return recon;
}

CommandSpec eval_spec(EvalFlags& f) {
  CommandSpec eval{
      "eval",
      "wfvae eval INPUTS... --out TABLE.csv [--model DIR] [--size HxW] [--frames N] [--start T] [--stride K] "
      "[--shard i/n] [--device D] [--dtype T] [--chunked] [--norm-type T] [--num-groups G]",
      "Reconstruct many videos; one CSV row of PSNR/SSIM each plus an ALL row. Resumable.",
      "INPUTS are files, folders (searched recursively for video and image files; hidden files skipped)\n"
      "or .txt lists (one path per line, relative to the list's folder; # comments).\n"
      "The inputs are sorted by path; --shard i/n keeps those whose 0-based position p satisfies\n"
      "p % n == i, so n machines (or a job array) with i = 0..n-1 cover every input once.\n"
      "Columns: file,frames,height,width,psnr,ssim,psnr_r,psnr_g,psnr_b,enc_ms,dec_ms,read_ms,\n"
      "psnr_8bit,ssim_8bit,blockiness,fps,status,error,settings,lpips,fvd. psnr/ssim are the float\n"
      "reconstruction's (as cal_psnr.py/cal_ssim.py), *_8bit those of 8-bit frames; blockiness as in\n"
      "wfvae recon --help (1 = no 8x8 grid added). The last row, file ALL, is the\n"
      "per-video mean (every video counts once, as the reference's eval.py averages videos; frame\n"
      "counts and times are sums) over the rows with status ok.\n"
      "Resume: rows already ok in TABLE are skipped (failed ones are retried), the ALL row is\n"
      "recomputed, and the table is rewritten atomically after each input, so a crash loses at most\n"
      "the input in progress. Every row records its settings; resuming with other settings is refused.\n"
      "LPIPS (--lpips) is each video's mean over its frames, the ALL row the mean over videos. FVD\n"
      "(--fvd) is one number for the whole set, in the ALL row: the Frechet distance of the I3D\n"
      "features of every input and of its reconstruction, computed over all videos at once (the\n"
      "reference's eval scripts average per-batch values instead, which depends on the batch size:\n"
      "--fvd-batched B prints that figure too). The features are kept beside the table, so a resumed\n"
      "run computes the same FVD as one run.\n"
      "A bad input becomes an error row and the batch goes on; the exit code is then 2.",
      {},
      1,
      SIZE_MAX,
      "  wfvae eval videos/ --out results.csv --size 256x256 --frames 33\n"
      "  wfvae eval list.txt --out part0.csv --shard 0/4 --size 256x256 --frames 17 --device cuda\n"};
  eval.flags = {{"--out", "TABLE.csv", "the results table (resumed when it exists)", &f.table}};
  for (auto& flag : request_flags(f,
                                  "also FVD over all the inputs (ALL row), as WF-VAE's cal_fvd.py (styleganv "
                                  "I3D); the per-clip features are kept in TABLE.i3d.safetensors"))
    eval.flags.push_back(std::move(flag));
  eval.flags.push_back({"--shard", "i/n", "evaluate the inputs at sorted positions p with p % n == i", &f.shard});

  eval.flags.push_back({"--fvd-batched", "B",
                        "also print the figure the reference's eval scripts report: the mean of per-batch FVDs "
                        "over batches of B videos",
                        &f.fvd_batched});
  return eval;
}

CommandSpec decode_spec(DecodeFlags& f) {
  CommandSpec decode{
      "decode",
      "wfvae decode LATENTS -o VIDEO [--model M] [--normalized | --raw] [--tensor NAME] [--fps F] [--chunked] "
      "[--device D] [--dtype T] [--crf N] [-y]",
      "Decode latents (recon --latents, or a diffusion model's output) to a video through WF-VAE.",
      "LATENTS is a .safetensors file holding a [1, L, T, h, w] (or [L, T, h, w]) float tensor: the one\n"
      "called latent, else sample, else mean, else the only one; --tensor NAME chooses. Files written by\n"
      "wfvae recon --latents say whether `latent` is normalised and with which scale/shift; for files of\n"
      "other tools say --normalized (then z / scale + shift with the model config's per-channel values,\n"
      "Open-Sora-Plan's AEModel decode) or --raw (the default). The model is --model, else the one the\n"
      "file's metadata names when it exists, else the bundled default. The output format follows the\n"
      "extension as in wfvae recon; written to a temporary and renamed into place; kept unless -y.",
      {},
      1,
      1,
      "  wfvae recon clip.mp4 -o recon.mkv --latents z.safetensors --normalized\n"
      "  wfvae decode z.safetensors -o decoded.mkv          # the same frames as recon.mkv\n"
      "  wfvae decode dit_sample.safetensors -o sample.mp4 --model vae/ --normalized --tensor x\n"};
  decode.flags = {
      {"--output", "VIDEO", "the decoded video (.mkv, .mp4, frame_%04d.png, folder/, .png)", &f.output, {}, "-o"},
      {"--model", "M", "the WF-VAE (default: the file's own model, else the bundled one)", &f.model}};
  for (auto& flag : model_source_flags(f.load)) decode.flags.push_back(std::move(flag));
  for (FlagSpec& flag :
       std::vector<FlagSpec>{{"--normalized", "",
                              "the latent is normalised ((z - shift) * scale): undo it before decoding", &f.normalized},
                             {"--raw", "", "the latent is raw (overrides the file's metadata)", &f.raw},
                             {"--tensor", "NAME", "which tensor of the file is the latent", &f.tensor},
                             {"--fps", "F", "frame rate of the video (default: the file's, else 25)", &f.fps},
                             {"--chunked", "", "causal-cache chunked decoding (less memory)", &f.chunked},
                             {"--device", "D", "cpu, cuda or auto (default auto)", &f.device},
                             {"--dtype", "T", "f32 (default), bf16 or f16", &f.dtype},
                             {"--crf", "N", "H.264 quality for .mp4 (default 18)", &f.crf},
                             {"--yes", "", "overwrite an existing output", &f.overwrite, {}, "-y"}})
    decode.flags.push_back(std::move(flag));
  return decode;
}

}  // namespace

std::vector<Command> media_commands() {
  return {make_command(recon_spec, run_recon_cmd), make_command(eval_spec, run_eval_cmd),
          make_command(decode_spec, run_decode_cmd)};
}

}  // namespace wfvae::cli
