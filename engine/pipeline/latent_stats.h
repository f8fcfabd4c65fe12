// `wfvae latent-stats`: per-channel statistics of a model's latents over a data set,
// to set the scale/shift that normalise them to unit variance for a diffusion model
// (WF-VAE's scripts/vae_var_test.py: encode, take (sample - shift) * scale with the
// config's values, print the per-channel mean and std over (batch, t, h, w) and
// normalizer = 1 / std). Encodes only; streams (memory does not grow with the data);
// shardable, and partial results merge exactly.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/channel_stats.h"
#include "core/json.h"
#include "pipeline/recon.h"

namespace wfvae::pipeline {

struct LatentStatsInput {
  std::string file;
  int64_t frames = 0;
  int height = 0, width = 0;
};

struct LatentStats {
  // What must match for two parts to merge: the model and the settings every clip was
  // encoded with (the eval fingerprint), the seed, the config's scale/shift and the
  // histogram bins.
  json::Value settings;
  json::Value provenance;                // model, size, frames, stride, dtype, device, seed, shard: for readers
  std::vector<LatentStatsInput> inputs;  // encoded, sorted by file
  std::vector<std::pair<std::string, std::string>> failed;  // file, why (bad inputs, skipped)
  stats::HistogramLayout layout;
  // The posterior mode (the mean), as the encoder gives it: the suggestion's source.
  std::vector<stats::ChannelStats> raw;
  // The reference's form: a seeded posterior sample with the config's current
  // scale/shift applied, (z - shift) * scale. Empty when the config's values do not
  // fit the latent channels (normalized_problem says why).
  std::vector<stats::ChannelStats> normalized;
  std::string normalized_problem;
  std::vector<double> config_scale, config_shift;

  // The values that normalise the raw latents to zero mean and unit variance:
  // shift = the raw mean, scale = 1 / the raw (unbiased) std, per channel.
  std::vector<double> suggested_scale() const;
  std::vector<double> suggested_shift() const;

  // The JSON file: format, settings, provenance, inputs, failed, raw, normalized,
  // suggested ({"scale": [...], "shift": [...]}, ready for config.json).
  json::Value to_json() const;
  // BadInput naming `source` when the file is not one to_json wrote.
  static LatentStats from_json(const json::Value& v, const std::string& source);
};

// The seed of clip `file`'s posterior sample: `seed` mixed with the file's name, so a
// clip draws the same noise in a sharded run as in one run.
uint64_t clip_seed(uint64_t seed, const std::string& file);

struct LatentStatsRequest {
  std::vector<fs::path> inputs;  // expanded and sharded
  ReconRequest base;             // settings (input ignored); base.vae loaded once by the caller
  std::string model;             // for the settings and provenance
  uint64_t seed = 0;
  std::string shard;  // "i/n" for the provenance ("" unsharded)
  stats::HistogramLayout layout;
  ProgressFn progress;
  const CancelToken* cancel = nullptr;
  // After each input: what was encoded, or why it failed ("" when it did not).
  std::function<void(const LatentStatsInput& clip, const std::string& error, const std::vector<Note>& notes)> on_clip;
};

// Encodes every input once: a bad input is recorded in `failed` and the rest go on; any
// other error stops the run.
LatentStats compute_latent_stats(const LatentStatsRequest& request);

// Merges parts made with the same settings. BadInput naming the parts when the settings
// differ, or when an input is in two parts.
LatentStats merge_latent_stats(const std::vector<LatentStats>& parts, const std::vector<std::string>& names);

}  // namespace wfvae::pipeline
