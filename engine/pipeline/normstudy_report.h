// The norm study's report: every part's rows of a study folder aggregated per setting
// and per motion class (static, moderate, dynamic by the clips' motion scores, images
// apart), the article's three claims each set beside what the data says, and the files:
// report.json and summary.csv (the table) and report.html (the charts, inline SVG,
// drawn from the same aggregates, each figure also in a data- attribute).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "pipeline/normstudy.h"

namespace wfvae::pipeline {

// The motion classes: static <= static_max < moderate <= dynamic_min < dynamic.
struct MotionThresholds {
  double static_max = 0, dynamic_min = 0;
  bool terciles = true;  // from the clips' scores (else given by the user)
};
// The terciles of the scores (linear interpolation, as numpy.quantile).
MotionThresholds tercile_thresholds(std::vector<double> motions);
// "image" (one frame), "static", "moderate" or "dynamic".
std::string motion_class(double motion, int64_t frames, const MotionThresholds& t);

// Mean and sample standard deviation across clips, over the finite values.
struct Spread {
  int n = 0;
  double mean = 0, std = 0;
};
Spread spread_of(const std::vector<double>& values);

struct ClassFigures {
  std::string motion_class;
  int clips = 0;
  Spread psnr, ssim, lpips;
  double fvd = 0;  // NaN without features (or fewer than 2 clips)
};

struct SettingFigures {
  StudySetting setting;
  int clips = 0, failed = 0;
  Spread psnr, ssim, lpips;
  double fvd = 0;                       // over every ok clip with features; NaN without
  double encode_ms = 0, decode_ms = 0;  // means over clips
  int64_t peak_bytes = 0;               // the largest over clips
  std::vector<ClassFigures> classes;    // static, moderate, dynamic, image (those with clips)
};

struct ClaimVerdict {
  std::string claim;       // the article's words
  std::string comparison;  // "wfvae-tiny-gn · groupnorm(8) vs wfvae-tiny-ln · layernorm"
  std::string verdict;     // holds | does not hold | within noise | partly | not measured | not testable
  std::string evidence;    // the figures behind it
};

struct StudyReport {
  std::vector<SettingFigures> settings;  // in the order given
  std::vector<StudyRow> rows;            // of those settings, by setting then clip; error rows included
  std::vector<std::pair<std::string, std::string>> clip_classes;  // clip, class
  MotionThresholds thresholds;
  std::vector<ClaimVerdict> claims;
  int ignored_rows = 0;  // rows of settings not in this report

  json::Value to_json() const;
  std::string summary_csv() const;  // a row per setting and class ("all" first)
  std::string html() const;
  // The charts as standalone SVG files: {name, svg} for psnr_by_class.svg,
  // fvd_by_class.svg, clips.svg and cost.svg (the page embeds the same).
  std::vector<std::pair<std::string, std::string>> charts() const;
};

// Aggregates the rows of `settings` (other settings' rows are counted in ignored_rows;
// for a (setting, clip) found twice, the first ok row wins). `thresholds`: the user's
// (static_max, dynamic_min), else the terciles.
StudyReport build_study_report(const std::vector<StudyRow>& rows, const std::vector<StudySetting>& settings,
                               const std::optional<std::pair<double, double>>& thresholds = std::nullopt);

// report.json, summary.csv, report.html and the charts' SVG files in `dir`, each written
// atomically.
std::vector<fs::path> write_study_report(const fs::path& dir, const StudyReport& report);

}  // namespace wfvae::pipeline
