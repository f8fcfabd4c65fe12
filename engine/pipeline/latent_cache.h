// `wfvae encode`: a data set's latent cache, so that a diffusion model trains without
// re-encoding every epoch. One safetensors latents file per clip (pipeline/latents_file.h,
// which `wfvae decode` reads), raw or normalised, posterior mode or a seeded sample;
// resumable (a clip whose file holds these settings is skipped; files are written
// atomically) and shardable (--shard i/n, as eval); manifest.json lists every clip.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "pipeline/latents_file.h"
#include "pipeline/recon.h"

namespace wfvae::pipeline {

enum class CacheStatus { Encoded, Skipped, Failed };

struct CacheClip {
  std::string source;  // the input, as given
  std::string file;    // its latents file, relative to the cache folder
  int64_t frames = 0;
  int height = 0, width = 0;
  std::vector<int64_t> shape;  // of `latent`, [1, L, T, h, w]
  CacheStatus status = CacheStatus::Encoded;
  std::string error;  // why it failed
  std::vector<Note> notes;
};

struct LatentCacheRequest {
  std::vector<fs::path> all;   // every input of the data set (all shards), sorted: names and manifest
  std::vector<fs::path> mine;  // those this run encodes (its shard of `all`)
  fs::path out_dir;
  ReconRequest base;  // settings (input ignored); base.vae loaded once by the caller
  std::string model;  // for the settings
  LatentsFileLayout layout;
  // The latent stored: the posterior mode, or a sample seeded from `seed` and the
  // clip's name (latent_stats.h clip_seed), so shards draw what one run would.
  bool sample = false;
  uint64_t seed = 0;
  ProgressFn progress;
  const CancelToken* cancel = nullptr;
  std::function<void(const CacheClip&)> on_clip;  // after each of `mine`
};

struct LatentCacheOutcome {
  int encoded = 0, skipped = 0, failed = 0;
  fs::path manifest;
  int listed = 0, missing = 0;  // clips of `all` in the manifest, and those not (yet) encoded
};

// Each input's latents file, relative to the cache folder: its path relative to the
// folder all the inputs share, with ".safetensors" added ("clips/a.mp4" ->
// "a.mp4.safetensors" when every input is under clips/).
std::vector<std::string> cache_names(const std::vector<fs::path>& all);
// What a file must have been encoded with to be reused (stored in its metadata).
std::string cache_settings(const LatentCacheRequest& request);

// Before work: the folder can be made and written; a file already there for one of
// `mine` holds these settings (else BadInput naming it and the difference) and is ours.
void check_latent_cache(const LatentCacheRequest& request);

// Encodes each input of `mine` whose file is missing; a bad input is recorded and the
// rest go on; any other error (a cancel included) stops the run, the manifest still
// written. Then writes manifest.json over the whole of `all`.
LatentCacheOutcome run_latent_cache(const LatentCacheRequest& request);

// The manifest of the cache in `out_dir` over `all` (what run_latent_cache writes).
json::Value cache_manifest(const LatentCacheRequest& request);

}  // namespace wfvae::pipeline
