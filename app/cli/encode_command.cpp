// wfvae encode: a data set's latent cache (engine/pipeline/latent_cache.h).
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/encode_settings.h"
#include "core/error.h"
#include "core/host_tensor.h"
#include "pipeline/latent_cache.h"

namespace wfvae::cli {

namespace fs = std::filesystem;

namespace {

struct EncodeFlags {
  EncodeSettings encode;
  fs::path out;
  bool normalized = false, sample = false, posterior = false;
};

void print_clip(const pipeline::CacheClip& c) {
  if (::isatty(2)) std::fputs("\r\033[K", stderr);
  switch (c.status) {
    case pipeline::CacheStatus::Encoded:
      std::printf("ok    %s -> %s: %lld frames %dx%d, latent %s\n", c.source.c_str(), c.file.c_str(),
                  static_cast<long long>(c.frames), c.height, c.width, shape_string(c.shape).c_str());
      break;
    case pipeline::CacheStatus::Skipped: std::printf("skip  %s: %s is done\n", c.source.c_str(), c.file.c_str()); break;
    case pipeline::CacheStatus::Failed: std::printf("FAIL  %s\n", c.error.c_str()); break;
  }
  for (const auto& n : c.notes)
    if (n.kind != pipeline::NoteKind::SizeChosen) std::printf("      note: %s\n", n.text.c_str());
  std::fflush(stdout);
}

int run_encode(EncodeFlags& f, const Args& a) {
  if (f.out.empty()) fail_usage("missing --out DIR (the cache folder)");
  if (f.encode.seed && !f.sample)
    fail_usage("--seed seeds the posterior sample: add --sample (the default is the mode)");
  EncodeRun run = open_encode_run(f.encode, a.positional);

  pipeline::LatentCacheRequest req;
  req.all = run.inputs.all;
  req.mine = run.inputs.mine;
  req.out_dir = f.out;
  req.base = run.base;
  req.model = run.model.string();
  req.layout.normalized = f.normalized;
  req.layout.posterior = f.posterior;
  req.sample = f.sample;
  req.seed = run.seed;
  const size_t n = run.inputs.mine.size();
  std::printf("encode: %zu input%s%s into %s, model %s (%s); %s%s latents\n", n, n == 1 ? "" : "s",
              run.inputs.described().c_str(), f.out.string().c_str(), run.model.string().c_str(),
              run.vae->config().summary().c_str(), f.normalized ? "normalised " : "raw ",
              f.sample ? ("sampled (seed " + std::to_string(run.seed) + ")").c_str() : "mode");
  std::fflush(stdout);

  CancelToken& cancel = interrupt_token();
  req.cancel = &cancel;
  ProgressBar bar("encode");
  req.progress = bar.fn();
  req.on_clip = print_clip;
  const pipeline::LatentCacheOutcome o = pipeline::run_latent_cache(req);
  bar.finish();
  std::printf("%d encoded, %d skipped (done before), %d failed; %s lists %d of %zu clips%s\n", o.encoded, o.skipped,
              o.failed, o.manifest.string().c_str(), o.listed, run.inputs.all.size(),
              o.missing ? (" (" + std::to_string(o.missing) + " not encoded yet)").c_str() : "");
  return o.failed ? 2 : 0;
}

CommandSpec encode_spec(EncodeFlags& f) {
  CommandSpec spec = data_set_command(
      "encode",
      "wfvae encode INPUTS... --out DIR [--model M] [--size HxW] [--frames N] [--start T] [--stride K] [--normalized] "
      "[--sample [--seed S]] [--posterior] [--shard i/n] [--device D] [--dtype T] [--chunked] [--tile N|auto|off] "
      "[--max-memory SIZE]",
      "Encode a data set once: a latent cache for diffusion training (one file per clip).",
      "Encodes every input (files, folders, .txt lists, as wfvae eval takes them; preprocessed as wfvae\n"
      "recon does) and writes DIR/NAME.safetensors per clip, NAME being the input's path below the\n"
      "folder all inputs share. Each file holds `latent`, float32 [1, L, T, h, w]: the posterior mode,\n"
      "or with --sample a seeded sample (the seed mixed with NAME, so shards draw what one run would);\n"
      "with --normalized as the diffusion model sees it, (z - shift) * scale with the config's values;\n"
      "with --posterior also `mean` and `logvar` (to re-sample each epoch). The metadata records the\n"
      "config, source, preprocessing, form and scale/shift: `wfvae decode DIR/NAME.safetensors -o x.mp4`\n"
      "decodes a file (undoing the normalisation), exactly as wfvae recon would have decoded it.\n"
      "Resumable: a clip whose file holds these settings is skipped, files are written atomically, and a\n"
      "folder holding another encoding is refused before any work. --shard i/n splits the inputs as\n"
      "wfvae eval does; run the shards into one DIR. DIR/manifest.json lists every clip of the data set\n"
      "(file, source, frames, size, latent shape) and those not encoded yet; each run rewrites it.\n"
      "A bad input is reported and skipped (exit 2).",
      "  wfvae encode videos/ --out cache/ --size 256x256 --frames 33 --normalized --sample\n"
      "  wfvae encode list.txt --out cache/ --shard 0/4 --size 256x256 --frames 17 --device cuda --dtype bf16\n"
      "  wfvae decode cache/a.mp4.safetensors -o a_recon.mp4\n");
  spec.flags = {
      {"--out", "DIR", "the cache folder (made when missing; reused by a rerun with the same settings)", &f.out},
      {"--normalized", "", "store (z - shift) * scale with the config's scale/shift (the diffusion pipeline's form)",
       &f.normalized},
      {"--sample", "", "store a seeded posterior sample (mean + std * N(0, 1)) instead of the mode", &f.sample},
      {"--posterior", "", "also store the posterior's mean and logvar (raw)", &f.posterior}};
  for (auto& flag : encode_setting_flags(f.encode, "with --sample: the seed (default 0), mixed with each clip's name"))
    spec.flags.push_back(std::move(flag));
  return spec;
}

}  // namespace

Command encode_command() { return make_command(encode_spec, run_encode); }

}  // namespace wfvae::cli
