// wfvae latent-stats: per-channel statistics of the latents over a data set, and the
// scale/shift that normalise them (engine/pipeline/latent_stats.h).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/commands.h"
#include "cli/encode_settings.h"
#include "core/error.h"
#include "core/fileutil.h"
#include "core/text.h"
#include "pipeline/eval.h"
#include "pipeline/latent_stats.h"
#include "pipeline/recon.h"

namespace wfvae::cli {

namespace fs = std::filesystem;

namespace {

struct LatentStatsFlags {
  EncodeSettings encode;
  fs::path out;
  bool merge = false, overwrite = false;
};

std::string g(double v) {
  if (!std::isfinite(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.8g", v);
  return buf;
}

std::string list(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + (std::isfinite(v[i]) ? g(v[i]) : std::string("null"));
  return s + "]";
}

void print_stats(const pipeline::LatentStats& s) {
  int64_t frames = 0;
  for (const auto& c : s.inputs) frames += c.frames;
  const int64_t per = s.raw.empty() ? 0 : s.raw[0].count();
  std::printf("\nraw latents (posterior mode), %lld values per channel from %zu input%s, %lld frames:\n",
              static_cast<long long>(per), s.inputs.size(), s.inputs.size() == 1 ? "" : "s",
              static_cast<long long>(frames));
  std::printf("  %3s %14s %14s %14s %14s\n", "ch", "mean", "std", "min", "max");
  for (size_t c = 0; c < s.raw.size(); ++c)
    std::printf("  %3zu %14s %14s %14s %14s\n", c, g(s.raw[c].mean()).c_str(), g(s.raw[c].std_unbiased()).c_str(),
                g(s.raw[c].min()).c_str(), g(s.raw[c].max()).c_str());
  if (!s.normalized_problem.empty()) {
    std::printf("\nnormalised form not computed: the config's scale/shift do not fit: %s\n",
                s.normalized_problem.c_str());
  } else {
    std::printf("\nas vae_var_test.py: a posterior sample (seed %s), (z - shift) * scale with the config's\n",
                json::dump(s.settings.find("seed") ? *s.settings.find("seed") : json::Value(0)).c_str());
    std::printf("scale %s and shift %s:\n", list(s.config_scale).c_str(), list(s.config_shift).c_str());
    std::printf("  %3s %14s %14s %14s\n", "ch", "mean", "std", "normalizer");
    for (size_t c = 0; c < s.normalized.size(); ++c)
      std::printf("  %3zu %14s %14s %14s\n", c, g(s.normalized[c].mean()).c_str(),
                  g(s.normalized[c].std_unbiased()).c_str(), g(1.0 / s.normalized[c].std_unbiased()).c_str());
  }
  std::printf("\nsuggested for config.json (raw latents to mean 0, std 1 per channel):\n");
  std::printf("  \"scale\": %s,\n  \"shift\": %s\n", list(s.suggested_scale()).c_str(),
              list(s.suggested_shift()).c_str());
}

void write_stats(const pipeline::LatentStats& s, const fs::path& out, bool overwrite) {
  write_file_atomic(out, json::dump(s.to_json(), 2) + "\n", overwrite);
  std::printf("wrote: %s\n", out.string().c_str());
}

int run_merge(LatentStatsFlags& f, const Args& a) {
  for (const auto& name : encode_setting_flag_names())
    if (a.has(name)) fail_usage(name + " chooses how clips are encoded: it does not apply to --merge");
  std::vector<pipeline::LatentStats> parts;
  std::vector<std::string> names;
  for (const auto& p : a.positional) {
    if (text::lower_extension(p) != ".json") fail_usage(p + ": --merge takes the .json files of latent-stats runs");
    json::Value v;
    try {
      v = json::parse(read_text_file(p));
    } catch (const json::ParseError& e) {
      fail_input(p + ": not JSON (" + e.message + ")");
    }
    parts.push_back(pipeline::LatentStats::from_json(v, p));
    names.push_back(p);
  }
  const pipeline::LatentStats merged = pipeline::merge_latent_stats(parts, names);
  std::printf("merged %zu parts: %zu inputs%s\n", parts.size(), merged.inputs.size(),
              merged.failed.empty() ? "" : (", " + std::to_string(merged.failed.size()) + " failed").c_str());
  print_stats(merged);
  write_stats(merged, f.out, f.overwrite);
  return merged.failed.empty() ? 0 : 2;
}

int run_latent_stats(LatentStatsFlags& f, const Args& a) {
  if (f.out.empty()) fail_usage("missing --out STATS.json");
  if (text::lower_extension(f.out) != ".json") fail_usage(f.out.string() + ": the statistics file must be .json");
  check_output_path(f.out, f.overwrite);  // before any work
  if (f.merge) return run_merge(f, a);

  EncodeRun run = open_encode_run(f.encode, a.positional);
  std::printf("latent-stats: %zu inputs%s, model %s (%s)\n", run.inputs.mine.size(), run.inputs.described().c_str(),
              run.model.string().c_str(), run.vae->config().summary().c_str());
  std::fflush(stdout);

  pipeline::LatentStatsRequest req;
  req.inputs = run.inputs.mine;
  req.base = run.base;
  req.model = run.model.string();
  req.seed = run.seed;
  if (f.encode.shard) req.shard = *f.encode.shard;
  CancelToken& cancel = interrupt_token();
  req.cancel = &cancel;
  ProgressBar bar("latent-stats");
  req.progress = bar.fn();
  req.on_clip = [](const pipeline::LatentStatsInput& c, const std::string& error,
                   const std::vector<pipeline::Note>& notes) {
    if (::isatty(2)) std::fputs("\r\033[K", stderr);
    if (error.empty())
      std::printf("ok    %s: %lld frames %dx%d\n", c.file.c_str(), static_cast<long long>(c.frames), c.height, c.width);
    else
      std::printf("FAIL  %s\n", error.c_str());
    for (const auto& n : notes)
      if (n.kind != pipeline::NoteKind::SizeChosen) std::printf("      note: %s\n", n.text.c_str());
    std::fflush(stdout);
  };
  const pipeline::LatentStats s = pipeline::compute_latent_stats(req);
  bar.finish();
  if (s.inputs.empty()) fail_input("no input could be encoded: nothing to write");
  print_stats(s);
  write_stats(s, f.out, f.overwrite);
  if (!s.failed.empty())
    std::printf("%zu input%s failed (listed in the file)\n", s.failed.size(), s.failed.size() == 1 ? "" : "s");
  return s.failed.empty() ? 0 : 2;
}

CommandSpec latent_stats_spec(LatentStatsFlags& f) {
  CommandSpec spec = data_set_command(
      "latent-stats",
      "wfvae latent-stats INPUTS... --out STATS.json [--model M] [--size HxW] [--frames N] [--start T] [--stride K] "
      "[--seed S] [--shard i/n] [--device D] [--dtype T] [--chunked] [--tile N|auto|off] [--max-memory SIZE] [-y]\n"
      "       wfvae latent-stats --merge PART.json... --out ALL.json [-y]",
      "Per-channel latent statistics over a data set; the scale/shift that normalise them.",
      "Encodes every input (files, folders, .txt lists, as wfvae eval takes them; preprocessed as wfvae\n"
      "recon does) and accumulates, per latent channel over (batch, t, h, w): count, mean, unbiased\n"
      "std (as torch.std), min, max, and a histogram of 128 bins over [-16, 16) with under- and\n"
      "overflow counts. Two forms:\n"
      "  raw: the posterior mode (the mean) as the encoder gives it;\n"
      "  normalised: WF-VAE's scripts/vae_var_test.py: a posterior sample, (z - shift) * scale with\n"
      "    the config's current values, and its normalizer = 1 / std. Each clip's sample is seeded\n"
      "    from --seed and the clip's path, so shards draw the noise one run would. Not computed when\n"
      "    the config's scale/shift do not fit the latent channels.\n"
      "Prints and stores the suggestion, shift = the raw mean and scale = 1 / the raw std per channel,\n"
      "as {\"scale\": [...], \"shift\": [...]} ready for config.json (then recon --latents --normalized\n"
      "and decode --normalized use them). The vae_var_test.py default encodes in bf16: --dtype bf16.\n"
      "Memory does not grow with the data: float64 accumulators (Chan's parallel Welford form) merge\n"
      "exactly, so --shard i/n runs (as wfvae eval's) merged with --merge give one run's figures to\n"
      "float64 rounding. --merge refuses parts made with other settings or models, or that share an\n"
      "input. A bad input is reported and skipped (exit 2); the file lists it under \"failed\".\n"
      "STATS.json is written atomically and never over an existing file without -y.",
      "  wfvae latent-stats videos/ --out stats.json --size 256x256 --frames 33 --dtype bf16\n"
      "  wfvae latent-stats list.txt --out part0.json --shard 0/2 --size 256x256 --frames 17\n"
      "  wfvae latent-stats --merge part0.json part1.json --out all.json\n");
  spec.flags = {
      {"--out", "STATS.json", "the statistics (per-channel figures of both forms, the suggestion, provenance)", &f.out},
      {"--merge", "", "merge the INPUTS, .json files of earlier runs (shards), into --out", &f.merge}};
  for (auto& flag : encode_setting_flags(f.encode, "seed of the normalised form's posterior samples (default 0)"))
    spec.flags.push_back(std::move(flag));
  spec.flags.push_back({"--yes", "", "overwrite an existing --out", &f.overwrite, {}, "-y"});
  return spec;
}

}  // namespace

Command latent_stats_command() { return make_command(latent_stats_spec, run_latent_stats); }

}  // namespace wfvae::cli
