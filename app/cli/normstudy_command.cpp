// wfvae normstudy: the article's GroupNorm vs LayerNorm claims over a set of clips
// (engine/pipeline/normstudy.h, normstudy_report.h).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/commands.h"
#include "cli/perceptual_flags.h"
#include "core/error.h"
#include "core/text.h"
#include "pipeline/eval.h"
#include "pipeline/normstudy.h"
#include "pipeline/normstudy_report.h"

namespace wfvae::cli {

namespace fs = std::filesystem;

namespace {

struct NormStudyFlags {
  pipeline::ReconRequest r;
  fs::path out;
  std::string settings, device = "auto", dtype = "f32", thresholds;
  std::optional<int> frames;
  std::optional<std::string> shard;
  bool report_only = false;
  PerceptualFlags perceptual;
};

std::optional<std::pair<double, double>> parse_thresholds(const std::string& v) {
  if (v.empty()) return std::nullopt;
  const std::vector<std::string> p = text::split(v, ',');
  if (p.size() != 2) fail_usage("--motion-thresholds: expected STATIC_MAX,DYNAMIC_MIN (e.g. 2,6), got \"" + v + "\"");
  const double a = flags::to_double("--motion-thresholds", p[0]), b = flags::to_double("--motion-thresholds", p[1]);
  if (!(a >= 0 && b >= a)) fail_usage("--motion-thresholds: need 0 <= STATIC_MAX <= DYNAMIC_MIN, got \"" + v + "\"");
  return std::make_pair(a, b);
}

void print_report(const pipeline::StudyReport& rep, const std::vector<fs::path>& files) {
  std::printf("\n%-44s %6s %9s %7s %8s %9s %8s\n", "setting", "clips", "PSNR", "+-", "SSIM", "FVD", "peak MiB");
  for (const auto& f : rep.settings)
    std::printf("%-44s %6d %9s %7s %8s %9s %8s\n", f.setting.label().c_str(), f.clips,
                text::fixed(f.psnr.mean, 3).c_str(), f.psnr.n > 1 ? text::fixed(f.psnr.std, 3).c_str() : "",
                text::fixed(f.ssim.mean, 4).c_str(), std::isfinite(f.fvd) ? text::fixed(f.fvd, 2).c_str() : "-",
                text::fixed(f.peak_bytes / 1048576.0, 1).c_str());
  std::printf("\nmotion classes: static <= %.3f < moderate <= %.3f < dynamic (%s)\n", rep.thresholds.static_max,
              rep.thresholds.dynamic_min, rep.thresholds.terciles ? "terciles" : "given");
  for (const auto& c : rep.claims)
    std::printf("claim: %s\n  %s: %s. %s\n", c.claim.c_str(), c.comparison.empty() ? "-" : c.comparison.c_str(),
                c.verdict.c_str(), c.evidence.c_str());
  for (const auto& p : files) std::printf("wrote: %s\n", p.string().c_str());
}

int run_normstudy(NormStudyFlags& f, const Args& a) {
  if (f.out.empty()) fail_usage("missing --out DIR (the study folder)");
  const auto thresholds = parse_thresholds(f.thresholds);
  // Every setting is checked (model there, override valid) before any work.
  std::vector<pipeline::StudySetting> settings;
  for (const auto& spec : f.settings.empty() ? pipeline::bundled_study_specs() : text::split(f.settings, ','))
    if (!spec.empty()) settings.push_back(pipeline::parse_study_setting(spec, f.r.load));
  if (settings.empty()) fail_usage("no settings: name them with --settings (no bundled models found)");
  for (size_t i = 0; i < settings.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (settings[i].key() == settings[j].key())
        fail_usage(settings[i].spec + ": the same setting as " + settings[j].spec);

  if (!f.report_only) {
    pipeline::ReconRequest& base = f.r;
    if (f.frames && *f.frames < 1) fail_usage("--frames must be at least 1");
    if (f.frames) base.frames = *f.frames;
    base.device = device_option(f.device);
    base.dtype = parse_dtype(f.dtype);
    pipeline::check_request(base);
    load_perceptual(f.perceptual, base);
    const pipeline::ShardedInputs inputs = pipeline::sharded_inputs(a.positional, f.shard);
    std::printf("normstudy: %zu clips%s x %zu settings into %s\n", inputs.mine.size(), inputs.described().c_str(),
                settings.size(), f.out.string().c_str());
    for (const auto& s : settings) std::printf("  %s\n", s.label().c_str());
    std::fflush(stdout);
    pipeline::StudyRequest req;
    req.inputs = inputs.mine;
    req.shard = inputs.shard;
    req.settings = settings;
    req.base = base;
    req.out_dir = f.out;
    CancelToken& cancel = interrupt_token();
    req.cancel = &cancel;
    ProgressBar bar("normstudy");
    req.progress = bar.fn();
    req.on_row = [&settings](const pipeline::StudyRow& r, bool skipped) {
      if (::isatty(2)) std::fputs("\r\033[K", stderr);
      if (skipped)
        std::printf("skip  %s  %s (done before)\n", r.setting.c_str(), r.clip.c_str());
      else if (r.status == "ok")
        std::printf("ok    %s  %s: PSNR %.2f dB, motion %.2f\n", r.setting.c_str(), r.clip.c_str(), r.psnr, r.motion);
      else
        std::printf("FAIL  %s  %s\n", r.setting.c_str(), r.error.c_str());
      std::fflush(stdout);
    };
    const pipeline::StudyOutcome o = pipeline::run_study(req);
    bar.finish();
    std::printf("%d run, %d skipped (done before), %d failed; rows in %s\n", o.done, o.skipped, o.failed,
                o.part.string().c_str());
  } else if (!a.positional.empty()) {
    fail_usage("--report-only reads the study folder: it takes no inputs");
  }
  const pipeline::StudyReport rep =
      pipeline::build_study_report(pipeline::read_study_rows(f.out), settings, thresholds);
  print_report(rep, pipeline::write_study_report(f.out, rep));
  int failed = 0;
  for (const auto& s : rep.settings) failed += s.failed;
  return failed ? 2 : 0;
}

CommandSpec normstudy_spec(NormStudyFlags& f) {
  pipeline::ReconRequest& r = f.r;
  CommandSpec spec = data_set_command(
      "normstudy",
      "wfvae normstudy INPUTS... --out DIR [--settings S,S,...] [--size HxW] [--frames N] [--stride K] [--chunked] "
      "[--lpips] [--fvd] [--motion-thresholds A,B] [--shard i/n] [--device D] [--dtype T]\n"
      "       wfvae normstudy --report-only --out DIR [--settings ...] [--motion-thresholds A,B]",
      "GroupNorm vs LayerNorm over a set of clips: the article's three claims beside the data.",
      "Reconstructs every input (files, folders, .txt lists, as wfvae eval takes them) under every\n"
      "setting: MODEL as trained, or MODEL:layernorm / MODEL:groupnorm:N overridden at run time (MODEL a\n"
      "path or a bundled model's name; default: every bundled model as trained). Per clip and setting:\n"
      "PSNR, SSIM, LPIPS (--lpips) and I3D features (--fvd), encode and decode time, and the peak memory\n"
      "over the run's baseline (the resident high-water mark on the CPU, the allocator's peak on CUDA),\n"
      "measured alike for every setting. Each clip's motion score is the mean absolute difference of\n"
      "consecutive frames as the model saw them (8-bit levels); clips are static, moderate or dynamic by\n"
      "--motion-thresholds STATIC_MAX,DYNAMIC_MIN (default: the terciles), one-frame inputs are images.\n"
      "Then, per setting and per class: mean and spread across clips, FVD over the clips, time, memory;\n"
      "and each claim (GroupNorm: lower FVD on dynamic scenes; LayerNorm: higher PSNR on static scenes\n"
      "and images; GroupNorm: about 23% less memory) with its verdict for every GroupNorm setting against\n"
      "the first LayerNorm one, on the clips both measured: holds, does not hold, or within noise (the\n"
      "paired PSNR difference within 2 standard errors).\n"
      "DIR gets part-I-of-N.jsonl (this run's rows: resumable, rewritten atomically after each row;\n"
      "--shard i/n runs write their own parts), then report.json, summary.csv and report.html (charts,\n"
      "inline SVG) over every part there: run the shards into one DIR, then --report-only for the whole.\n"
      "A bad clip becomes an error row (exit 2) and the study goes on; a num_groups that does not divide\n"
      "a model's channels is refused before any work, naming the model and the valid values.",
      "  wfvae normstudy ~/.cache/wfvae-studio/footage --out study/ --size 128x128 --frames 17\n"
      "  wfvae normstudy clips/ --out study/ --settings wfvae-tiny-gn,wfvae-tiny-gn:groupnorm:2,wfvae-tiny-ln\n"
      "  wfvae normstudy list.txt --out study/ --shard 0/2 ...; ... --shard 1/2; wfvae normstudy --report-only --out "
      "study/\n",
      0);
  spec.flags = {
      {"--out", "DIR", "the study folder (its parts resumed; the report written there)", &f.out},
      {"--settings", "S,S,...", "MODEL, MODEL:layernorm or MODEL:groupnorm:N (default: every bundled model)",
       &f.settings},
      {"--size", "HxW", "model input size, multiples of 8 (default: the source's, short side <= 512)",
       flags::Dims{&r.height, &r.width}},
      {"--frames", "N", "frames per clip (default: all); trimmed to the largest 1 + 4k (1 + 8k)", &f.frames},
      {"--stride", "K", "keep every K-th frame (the reference's --sample_rate; default 1)", &r.stride},
      {"--chunked", "", "causal-cache chunked inference (the reference's enable_tiling) for every setting", &r.chunked},
      {"--motion-thresholds", "A,B", "static when motion <= A, dynamic when > B (default: terciles)", &f.thresholds},
      {"--shard", "i/n", "run the inputs at sorted positions p with p % n == i", &f.shard},
      {"--device", "D", "cpu, cuda or auto (default auto: CUDA when usable)", &f.device},
      {"--dtype", "T", "f32 (default), bf16 or f16", &f.dtype},
      {"--report-only", "", "no runs: the report over the parts already in DIR", &f.report_only}};
  for (auto& flag : perceptual_flags(f.perceptual, true,
                                     "also the I3D features of every clip, for FVD per setting "
                                     "and class (styleganv, as WF-VAE's cal_fvd.py)"))
    spec.flags.push_back(std::move(flag));
  return spec;
}

}  // namespace

Command normstudy_command() { return make_command(normstudy_spec, run_normstudy); }

}  // namespace wfvae::cli
