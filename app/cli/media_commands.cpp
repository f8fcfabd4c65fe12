// wfvae recon | eval: the commands that need the media pipeline (FFmpeg).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "core/assets.h"
#include "core/error.h"
#include "core/text.h"
#include "media/media.h"
#include "pipeline/decode_latents.h"
#include "pipeline/eval.h"
#include "pipeline/exports.h"
#include "pipeline/recon.h"
#include "pipeline/report.h"
#include "runtime/vae.h"

namespace wfvae::cli {

namespace fs = std::filesystem;

namespace {

std::string fmt(double v, int decimals) { return text::fixed(v, decimals); }

// "--start 2.5" or "2.5s": seconds; "48f": frame index.
void parse_start(const std::string& s, pipeline::ReconRequest* r) {
  if (s.empty()) fail_usage("--start: empty value");
  const char last = s.back();
  const std::string body = (last == 's' || last == 'f') ? s.substr(0, s.size() - 1) : s;
  char* end = nullptr;
  const double v = std::strtod(body.c_str(), &end);
  if (body.empty() || *end != '\0' || !(v >= 0))
    fail_usage("--start: expected seconds (2.5 or 2.5s) or a frame index (48f), got \"" + s + "\"");
  if (last == 'f') {
    if (v != std::floor(v)) fail_usage("--start: a frame index must be a whole number, got \"" + s + "\"");
    r->start_frame = static_cast<int64_t>(v);
  } else {
    r->start_time_s = v;
  }
}

// The settings both commands share, read from the flags.
pipeline::ReconRequest request_from_flags(const Args& a) {
  pipeline::ReconRequest r;
  int h = 0, w = 0;
  if (a.get_size("--size", &h, &w)) {
    r.height = h;
    r.width = w;
  }
  r.frames = a.get_int("--frames", 0);
  if (a.has("--frames") && r.frames < 1) fail_usage("--frames must be at least 1");
  if (auto s = a.get("--start")) parse_start(*s, &r);
  r.stride = a.get_int("--stride", 1);
  r.norm_type = a.get_or("--norm-type", "");
  r.num_groups = a.get_int("--num-groups", 0);
  if (a.has("--num-groups") && r.num_groups < 1) fail_usage("--num-groups must be positive");
  r.device = device_option(a, "auto");
  r.dtype = parse_dtype(a.get_or("--dtype", "f32"));
  r.load = load_options(a);
  r.chunked = a.has("--chunked");
  read_plan_flags(a, &r.tile, &r.tile_overlap, &r.max_memory);
  r.keep_input_tensor = false;  // the CLI reports metrics and writes files: 12 B/pixel-frame less
  r.sample = a.has("--sample");
  if (a.has("--seed") && !r.sample)
    fail_usage("--seed only matters with --sample (the default decodes the posterior mode)");
  const int seed = a.get_int("--seed", 0);
  if (seed < 0) fail_usage("--seed must not be negative");
  r.seed = static_cast<uint64_t>(seed);
  pipeline::check_request(r);
  return r;
}

// Clears the progress bar's line before printing a line of our own.
void clear_bar_line() {
  if (::isatty(2)) std::fputs("\r\033[K", stderr);
}

int run_recon_cmd(const Args& a) {
  pipeline::ReconRequest req = request_from_flags(a);
  req.input = a.positional[0];

  pipeline::ExportRequest ex;
  const auto out = a.get("--output");
  if (!out) fail_usage("missing -o OUTPUT (.mkv lossless, .mp4 H.264, frame_%04d.png or folder/)");
  ex.recon = *out;
  ex.input = a.get_or("--save-input", "");
  ex.side_by_side = a.get_or("--side-by-side", "");
  ex.difference = a.get_or("--diff", "");
  ex.latents = a.get_or("--latents", "");
  ex.latents_normalized = a.has("--normalized");
  if (auto m = a.get("--metrics")) {
    const std::string ext = text::lower_extension(*m);
    (ext == ".csv" ? ex.metrics_csv : ex.metrics_json) = *m;
  }
  if (auto m = a.get("--metrics-csv")) {
    if (!ex.metrics_csv.empty()) fail_usage("--metrics already names a .csv file; --metrics-csv is a second one");
    ex.metrics_csv = *m;
  }
  ex.crf = a.get_int("--crf", 18);
  ex.diff_gain = a.get_int("--diff-gain", 4);
  ex.overwrite = a.has("--yes");
  // The input and every output are checked before the model loads or a frame is
  // decoded: a missing input is reported as such, not as a missing model.
  media::probe(req.input);
  pipeline::check_exports(ex, req.input);
  req.model = pipeline::resolve_model(a.get_or("--model", ""));
  const ModelFiles files = resolve_model_files(req.model, req.load.config);  // a clear error now, not after decoding
  if (ex.latents_normalized) {
    const std::string problem = ModelConfig::load(files.config).latent_norm_problem();
    if (!problem.empty()) fail_input(files.config.string() + ": --normalized: " + problem);
  }

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
  std::printf("time: load %.2f s, read %.2f s, encode %.2f s, decode %.2f s, metrics %.2f s, write %.2f s\n",
              r.timings.load_ms / 1000, r.timings.read_ms / 1000, r.timings.encode_ms / 1000,
              r.timings.decode_ms / 1000, r.timings.metrics_ms / 1000, write_ms / 1000);
  for (const auto& p : written) std::printf("wrote: %s\n", p.string().c_str());
  for (const auto& n : r.notes)
    std::printf("note: %s%s\n", n.text.c_str(),
                n.kind == pipeline::NoteKind::SizeChosen   ? "; set another with --size HxW"
                : n.kind == pipeline::NoteKind::PlanChosen ? "; set it with --chunked, --tile N or --max-memory"
                                                           : "");
  return 0;
}

int run_eval_cmd(const Args& a) {
  const auto out = a.get("--out");
  if (!out) fail_usage("missing --out TABLE.csv");
  const fs::path table = *out;
  {
    if (text::lower_extension(table) != ".csv") fail_usage(table.string() + ": the eval table must be a .csv file");
  }
  pipeline::ReconRequest base = request_from_flags(a);
  pipeline::Shard shard;
  if (auto s = a.get("--shard")) shard = pipeline::parse_shard(*s);

  const std::vector<fs::path> all = pipeline::expand_inputs(a.positional);
  const std::vector<fs::path> mine = pipeline::shard_inputs(all, shard);
  const fs::path model = pipeline::resolve_model(a.get_or("--model", ""));
  resolve_model_files(model, base.load.config);
  const std::string settings = pipeline::settings_fingerprint(base, model.string());
  pipeline::EvalTable existing = pipeline::open_eval_table(table, settings);  // before the model loads

  std::printf("eval: %zu inputs%s", mine.size(),
              shard.count > 1 ? (" (shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count) + " of " +
                                 std::to_string(all.size()) + ")")
                                    .c_str()
                              : "");
  size_t done_before = 0;
  for (const auto& p : mine)
    if (const auto* r = existing.find(p.string()); r && r->status == "ok") ++done_before;
  if (done_before) std::printf(", %zu already in %s", done_before, table.string().c_str());
  std::printf("\n");
  std::fflush(stdout);

  std::unique_ptr<Vae> vae = Vae::load(model, base.device, base.dtype, base.load);
  base.vae = vae.get();

  pipeline::EvalRequest req;
  req.inputs = mine;
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
      std::printf("ok    %s: %lld frames %dx%d, PSNR %s dB, SSIM %s, blockiness %s\n", r.file.c_str(),
                  static_cast<long long>(r.frames), r.height, r.width, fmt(r.psnr, 3).c_str(), fmt(r.ssim, 4).c_str(),
                  fmt(r.blockiness, 2).c_str());
    } else {
      std::printf("FAIL  %s\n", r.error.c_str());
    }
    std::fflush(stdout);
  };
  pipeline::EvalOutcome o = pipeline::run_eval(req);
  bar.finish();
  std::printf("ALL: %s; PSNR %s dB, SSIM %s, blockiness %s -> %s\n", o.all.error.c_str(), fmt(o.all.psnr, 3).c_str(),
              fmt(o.all.ssim, 4).c_str(), fmt(o.all.blockiness, 2).c_str(), table.string().c_str());
  std::printf("this run: %d evaluated, %d skipped, %d failed\n", o.evaluated, o.skipped, o.failed);
  if (o.runtime_failure) return 3;
  return o.failed ? 2 : 0;
}

int run_decode_cmd(const Args& a) {
  const auto out = a.get("--output");
  if (!out) fail_usage("missing -o VIDEO (.mkv lossless, .mp4 H.264, frame_%04d.png or folder/)");
  if (a.has("--normalized") && a.has("--raw")) fail_usage("give --normalized or --raw, not both");
  std::optional<bool> normalized;
  if (a.has("--normalized")) normalized = true;
  if (a.has("--raw")) normalized = false;
  const bool overwrite = a.has("--yes");
  media::check_video_output(*out, overwrite);  // before any work
  pipeline::LatentFile file = pipeline::read_latent_file(a.positional[0], a.get_or("--tensor", ""), normalized);
  fs::path model;
  std::string model_why;
  if (auto m = a.get("--model")) {
    model = *m;
  } else if (!file.model.empty() && fs::exists(file.model)) {
    model = file.model;
    model_why = " (named by the file's metadata)";
  } else {
    model = pipeline::resolve_model("");
    model_why = file.model.empty() ? " (the bundled default)"
                                   : " (the bundled default: the file's model " + file.model + " is not here)";
  }
  const LoadOptions load = load_options(a);
  resolve_model_files(model, load.config);
  std::unique_ptr<Vae> vae = Vae::load(model, device_option(a, "auto"), parse_dtype(a.get_or("--dtype", "f32")), load);
  CancelToken& cancel = interrupt_token();
  ProgressBar bar("decode");
  pipeline::DecodeLatentsResult r =
      pipeline::decode_latents(*vae, file, a.has("--chunked"), sub_progress(bar.fn(), 0.0, 0.9), &cancel);
  media::EncodeOptions vo;
  vo.fps = a.has("--fps") ? a.get_double("--fps", 25) : (file.fps > 0 ? file.fps : 25);
  if (!(vo.fps > 0)) fail_usage("--fps must be positive");
  vo.crf = a.get_int("--crf", 18);
  vo.overwrite = overwrite;
  media::write_video(*out, r.frames, vo, sub_progress(bar.fn(), 0.9, 1.0), &cancel);
  bar.finish();
  std::printf("latents: %s, tensor \"%s\" %s\n", file.path.string().c_str(), file.tensor.c_str(),
              file.latent.shape_str().c_str());
  std::printf("model: %s%s (%s)\n", model.string().c_str(), model_why.c_str(), vae->config().summary().c_str());
  std::printf("decoded: %zu frames of %dx%d%s in %.2f s\n", r.frames.size(), r.frames.empty() ? 0 : r.frames[0].height,
              r.frames.empty() ? 0 : r.frames[0].width, r.chunked ? " (chunked)" : "", r.decode_ms / 1000);
  for (const auto& n : r.notes) std::printf("note: %s\n", n.c_str());
  std::printf("wrote: %s\n", out->c_str());
  return 0;
}

const std::vector<FlagSpec>& shared_flags() {
  static const std::vector<FlagSpec> f = {
      {"--model", "M",
       std::string("a model folder, .safetensors or .ckpt/.pt file (default: the bundled ") + kDefaultModelName + ")"},
      {"--config", "FILE",
       "the model's config instead of the config.json beside its weights (a config.json, or a JSON whose \"ae\" "
       "object is the config: Open-Sora-Plan v1.5)"},
      {"--weights", "W",
       "which weights of a training checkpoint: auto (default: the EMA when present, as the reference), ema, or "
       "model (the reference's NOT_USE_EMA_MODEL)"},
      {"--size", "HxW",
       "model input size, multiples of 8 (default: the source's, rounded down to 8, short side <= 512)"},
      {"--frames", "N", "frames to use (default: all); trimmed to the largest 1 + 4k (1 + 8k) that fits"},
      {"--start", "T", "where to start: seconds (2.5 or 2.5s) or a frame index (48f)"},
      {"--stride", "K", "keep every K-th frame (the reference's --sample_rate; default 1)"},
      {"--norm-type", "T", "override norm_type: groupnorm | layernorm"},
      {"--num-groups", "G", "override the GroupNorm group count"},
      {"--device", "D", "cpu, cuda or auto (default auto: CUDA when usable)"},
      {"--dtype", "T", "f32 (default), bf16 or f16"},
      {"--chunked", "", "causal-cache chunked inference (the reference's enable_tiling): less memory"},
      {"--tile", "N",
       "spatial tiles of NxN pixels (multiple of 8, >= 32), blended across the overlap; "
       "auto (default: only when whole frames do not fit) or off"},
      {"--tile-overlap", "P", "pixels neighbouring tiles share (multiple of 8, <= N/2; default N/4)"},
      {"--max-memory", "SIZE",
       "memory the run may use (e.g. 4G, 512M; default: what is free: GPU memory, "
       "or host memory under ulimit -v and cgroup limits)"},
      {"--sample", "", "decode a posterior sample, as the official scripts do (default: the mode, deterministic)"},
      {"--seed", "S", "seed for --sample (default 0)"},
  };
  return f;
}

}  // namespace

std::vector<Command> media_commands() {
  std::vector<Command> cmds;

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
  recon.flags = {{"--output", "FILE", "reconstruction (.mkv, .mp4, frame_%04d.png, folder/, .png)", "-o"}};
  for (const auto& f : shared_flags()) recon.flags.push_back(f);
  for (const FlagSpec& f : std::vector<FlagSpec>{
           {"--metrics", "FILE", "metrics report: .json (per frame + summary + provenance) or .csv"},
           {"--metrics-csv", "FILE", "also (or only) the per-frame CSV"},
           {"--save-input", "FILE", "the preprocessed input as the model saw it (lossless: .mkv, PNG)"},
           {"--side-by-side", "FILE", "input | reconstruction video"},
           {"--diff", "FILE", "|input - reconstruction| * gain video"},
           {"--diff-gain", "G", "difference amplification (default 4)"},
           {"--latents", "FILE",
            "the latent decoded, its mean and logvar (F32 .safetensors, config and scale/shift in metadata)"},
           {"--normalized", "", "with --latents: store the latent as the diffusion pipeline does, (z - shift) * scale"},
           {"--crf", "N", "H.264 quality for .mp4 outputs, 0 (lossless luma) .. 51 (default 18)"},
           {"--yes", "", "overwrite existing outputs", "-y"}})
    recon.flags.push_back(f);
  cmds.push_back({recon, run_recon_cmd});

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
      "psnr_8bit,ssim_8bit,blockiness,fps,status,error,settings. psnr/ssim are the float\n"
      "reconstruction's (as cal_psnr.py/cal_ssim.py), *_8bit those of 8-bit frames; blockiness as in\n"
      "wfvae recon --help (1 = no 8x8 grid added). The last row, file ALL, is the\n"
      "per-video mean (every video counts once, as the reference's eval.py averages videos; frame\n"
      "counts and times are sums) over the rows with status ok.\n"
      "Resume: rows already ok in TABLE are skipped (failed ones are retried), the ALL row is\n"
      "recomputed, and the table is rewritten atomically after each input, so a crash loses at most\n"
      "the input in progress. Every row records its settings; resuming with other settings is refused.\n"
      "A bad input becomes an error row and the batch goes on; the exit code is then 2.",
      {},
      1,
      SIZE_MAX,
      "  wfvae eval videos/ --out results.csv --size 256x256 --frames 33\n"
      "  wfvae eval list.txt --out part0.csv --shard 0/4 --size 256x256 --frames 17 --device cuda\n"};
  eval.flags = {{"--out", "TABLE.csv", "the results table (resumed when it exists)"}};
  for (const auto& f : shared_flags()) eval.flags.push_back(f);
  eval.flags.push_back({"--shard", "i/n", "evaluate the inputs at sorted positions p with p % n == i"});
  cmds.push_back({eval, run_eval_cmd});

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
  decode.flags = {{"--output", "VIDEO", "the decoded video (.mkv, .mp4, frame_%04d.png, folder/, .png)", "-o"},
                  {"--model", "M", "the WF-VAE (default: the file's own model, else the bundled one)"}};
  for (const auto& f : model_source_flags()) decode.flags.push_back(f);
  for (const FlagSpec& f : std::vector<FlagSpec>{
           {"--normalized", "", "the latent is normalised ((z - shift) * scale): undo it before decoding"},
           {"--raw", "", "the latent is raw (overrides the file's metadata)"},
           {"--tensor", "NAME", "which tensor of the file is the latent"},
           {"--fps", "F", "frame rate of the video (default: the file's, else 25)"},
           {"--chunked", "", "causal-cache chunked decoding (less memory)"},
           {"--device", "D", "cpu, cuda or auto (default auto)"},
           {"--dtype", "T", "f32 (default), bf16 or f16"},
           {"--crf", "N", "H.264 quality for .mp4 (default 18)"},
           {"--yes", "", "overwrite an existing output", "-y"}})
    decode.flags.push_back(f);
  cmds.push_back({decode, run_decode_cmd});

  return cmds;
}

}  // namespace wfvae::cli
