// Batch evaluation (`wfvae eval`): many inputs through the reconstruction pipeline,
// one CSV row each plus an ALL row, resumable and shardable.
#pragma once

#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/recon.h"

namespace wfvae::pipeline {

// Extensions picked up inside folders (lower case, with the dot): videos and images.
const std::vector<std::string>& media_extensions();

// Expands eval arguments into one sorted, de-duplicated list of files:
//  - a folder: every non-hidden file with a media extension under it, recursively;
//  - a .txt file: a list, one path per line, relative to the list's folder (blank
//    lines and lines starting with # skipped; entries may be folders);
//  - anything else: taken as an input file as is (a missing one becomes an error row).
// BadInput when nothing at all is found.
std::vector<fs::path> expand_inputs(const std::vector<std::string>& args);

struct Shard {
  int index = 0;
  int count = 1;
};
Shard parse_shard(const std::string& text);  // "i/n" with 0 <= i < n; Usage error otherwise
// Every input whose position in the sorted list satisfies position % count == index.
std::vector<fs::path> shard_inputs(const std::vector<fs::path>& sorted, Shard shard);
// A run's inputs: every file the arguments expand to (expand_inputs) and those of
// its --shard (`shard`, "i/n"; all of them without one).
struct ShardedInputs {
  Shard shard;
  std::vector<fs::path> all, mine;
  // What the run's first line says after the count: "" without a shard, else
  // " (shard i/n of N)".
  std::string described() const;
};
ShardedInputs sharded_inputs(const std::vector<std::string>& args, const std::optional<std::string>& shard);

struct EvalRow {
  std::string file;
  int64_t frames = 0;
  int height = 0, width = 0;
  double psnr = 0, ssim = 0, psnr_rgb[3] = {0, 0, 0};
  double encode_ms = 0, decode_ms = 0, read_ms = 0;
  double psnr_8bit = 0, ssim_8bit = 0;
  double blockiness = 0;                                    // metrics::FrameMetrics::blockiness, mean over frames
  double lpips = std::numeric_limits<double>::quiet_NaN();  // mean LPIPS over frames; NaN: not computed
  double fvd = std::numeric_limits<double>::quiet_NaN();    // the ALL row only: FVD over every "ok" video
  double fps = 0;
  std::string status;  // "ok", "error", or "summary" (the ALL row)
  std::string error;   // why an input failed; for ALL, what the means cover
  std::string settings;
};

// A clip's I3D features (ReconResult::i3d_real / i3d_fake), kept beside the table
// so that a resumed or sharded run computes the same FVD as one run.
struct ClipFeatures {
  std::vector<double> real, fake;
};

class EvalTable {
 public:
  static const std::vector<std::string>& columns();
  // Reads a table written by us (its ALL row is dropped: it is recomputed).
  // BadInput naming the file when it is not one.
  static EvalTable load(const fs::path& path);
  const EvalRow* find(const std::string& file) const;
  void upsert(EvalRow row);  // replaces the row of the same file, else appends
  // Unweighted mean over "ok" rows of each metric (every video counts once, as
  // the reference's eval.py averages videos); frames and times are sums.
  // With features (fvd_detector set): the ALL row's fvd over the "ok" rows that
  // have them, in row order, and its description in the ALL row's error field.
  EvalRow aggregate() const;
  std::string to_csv() const;  // rows in order, then ALL

  // The reference's batched figure (cal_fvd.py over a data loader): the mean of the
  // FVDs of consecutive batches of `batch` videos, in row order (a batch of one gives
  // its mean term only). NaN without features.
  double batched_fvd(int batch) const;
  // The features of the "ok" rows that have them, in row order.
  void feature_sets(perceptual::Features* real, perceptual::Features* fake) const;

  std::vector<EvalRow> rows;
  std::map<std::string, ClipFeatures> features;  // by file
  std::string fvd_detector;                      // the detector's SHA-256 ("": no FVD)
};

// Where a table's I3D features live: TABLE with the extension .i3d.safetensors.
fs::path features_path(const fs::path& table);
// Reads the features file of a table made with detector `sha256` (none yet: empty);
// BadInput when it was made with another detector or is not ours.
std::map<std::string, ClipFeatures> load_features(const fs::path& path, const std::string& sha256);
void save_features(const fs::path& path, const EvalTable& table);

// What makes two evaluations comparable; stored in every row and checked on resume.
std::string settings_fingerprint(const ReconRequest& base, const std::string& model_path);

struct EvalRequest {
  std::vector<fs::path> inputs;  // expanded and sharded
  fs::path table;                // CSV; resumed when it exists
  ReconRequest base;             // settings (input ignored); base.vae should be loaded once by the caller
  std::string settings;          // settings_fingerprint(...)
  ProgressFn progress;
  const CancelToken* cancel = nullptr;
  // After each input: its row, and whether it was skipped (already in the table).
  std::function<void(const EvalRow&, bool skipped)> on_row;
};

struct EvalOutcome {
  int evaluated = 0, skipped = 0, failed = 0;
  fs::path features;             // the I3D features file (with FVD)
  bool runtime_failure = false;  // some input failed for a reason other than bad input
  EvalRow all;
};

// Checks the table before work: a new table's folder must be writable; an existing
// one must be ours and made with the same settings (else BadInput saying so).
EvalTable open_eval_table(const fs::path& table, const std::string& settings);

// Runs every input not already in the table; rewrites the table atomically after
// each input (a crash loses at most the input in progress).
EvalOutcome run_eval(const EvalRequest& request);

}  // namespace wfvae::pipeline
