// `wfvae normstudy`: the article's GroupNorm-vs-LayerNorm claims tested over a set of
// clips. Every clip goes through every setting (a model as trained, or with a run-time
// norm override); each (setting, clip) gives a row: PSNR, SSIM, LPIPS and the I3D
// features when their networks are given, encode/decode time, the peak memory over the
// run's baseline, and the clip's motion score. Rows go to a part file per shard
// (resumable, rewritten atomically after each row); the report (normstudy_report.h)
// reads every part of the folder, so shards merge exactly.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "pipeline/eval.h"
#include "pipeline/recon.h"

namespace wfvae::pipeline {

// One setting: a model (a path, or a bundled model's name) as trained, or with the
// norm overridden ("MODEL:layernorm", "MODEL:groupnorm:16").
struct StudySetting {
  std::string spec;       // as given
  std::string model;      // the model folder or file, resolved
  std::string name;       // the model's folder name
  std::string norm_type;  // in effect
  int num_groups = 0;     // in effect (groupnorm)
  bool trained = true;    // the setting the weights were trained with
  // "wfvae-tiny-gn:groupnorm:8": stable, the rows' key.
  std::string key() const;
  // "wfvae-tiny-gn · groupnorm(8)" (+ " · override" when not trained so).
  std::string label() const;
};

// Parses "MODEL[:layernorm|:groupnorm:N]" (MODEL: a path, or a bundled model's name)
// and reads the model's config: the trained norm, and a check that an override can
// apply (num_groups must divide every normalised channel count: a Usage error naming
// the model and the valid values). Before any work.
StudySetting parse_study_setting(const std::string& spec, const LoadOptions& load = {});
// Every bundled model as trained.
std::vector<std::string> bundled_study_specs();

// The motion score of a clip as the model saw it: the mean absolute difference between
// consecutive frames, over every pixel and channel, in 8-bit levels (0: static). NaN
// for a single frame (an image).
double motion_score(const std::vector<media::RgbFrame>& frames);

struct StudyRow {
  std::string setting;  // StudySetting::key()
  std::string clip;
  std::string status = "ok";  // ok | error
  std::string error;
  int64_t frames = 0;
  int height = 0, width = 0;
  double motion = 0;  // motion_score (NaN: an image)
  double psnr = 0, ssim = 0;
  double lpips = 0;  // NaN: not computed
  double encode_ms = 0, decode_ms = 0;
  int64_t peak_bytes = 0;  // resident high-water mark over the run's baseline (CPU), or the allocator's peak (CUDA)
  std::vector<double> i3d_real, i3d_fake;  // empty: not computed
  std::string fingerprint;                 // the settings the row was made with
  json::Value to_json() const;
  // BadInput naming `source` when the object is not one to_json wrote.
  static StudyRow from_json(const json::Value& v, const std::string& source);
};

// The part file of a run: DIR/part-I-of-N.jsonl (I-of-N "0-of-1" unsharded).
fs::path study_part_path(const fs::path& dir, Shard shard);
// Every row of every part in DIR, in file order; BadInput naming a damaged part.
std::vector<StudyRow> read_study_rows(const fs::path& dir);

struct StudyRequest {
  std::vector<fs::path> inputs;  // this run's (expanded and sharded)
  Shard shard;
  std::vector<StudySetting> settings;
  ReconRequest base;  // size, frames, chunked, device, dtype, lpips, i3d (input, model, norm ignored)
  fs::path out_dir;
  ProgressFn progress;
  const CancelToken* cancel = nullptr;
  std::function<void(const StudyRow& row, bool skipped)> on_row;
};

struct StudyOutcome {
  int done = 0, skipped = 0, failed = 0;
  fs::path part;
};

// Runs every (clip, setting) not already in this run's part with the same settings; a
// bad clip becomes an error row and the study goes on; any other error stops it (the
// part holds what is done).
StudyOutcome run_study(const StudyRequest& request);

}  // namespace wfvae::pipeline
