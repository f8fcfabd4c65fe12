#include "pipeline/exports.h"

#include <fstream>
#include <memory>
#include <set>

#include "core/error.h"
#include "core/fileutil.h"
#include "core/json.h"
#include "core/text.h"
#include "pipeline/latents_file.h"
#include "pipeline/perceptual_metrics.h"
#include "pipeline/report.h"

namespace wfvae::pipeline {

namespace {

std::string lower_ext(const fs::path& p) { return text::lower_extension(p); }

// For duplicate detection: absolute, normalised, without trailing slash.
std::string identity(const fs::path& p) {
  std::string s = fs::absolute(p).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

void check_exports(const ExportRequest& e, const fs::path& source) {
  struct Named {
    const char* what;
    const fs::path* path;
  };
  const Named all[] = {{"reconstruction", &e.recon},      {"input copy", &e.input},
                       {"side-by-side", &e.side_by_side}, {"difference", &e.difference},
                       {"LPIPS map", &e.lpips_map},       {"latents", &e.latents},
                       {"metrics JSON", &e.metrics_json}, {"metrics CSV", &e.metrics_csv}};
  std::set<std::string> seen;
  const std::string src = source.empty() ? "" : identity(source);
  for (const auto& n : all) {
    if (n.path->empty()) continue;
    const std::string id = identity(*n.path);
    if (!seen.insert(id).second) fail_usage(n.path->string() + ": the same output path is given twice");
    if (id == src)
      fail_usage(n.path->string() + ": the " + std::string(n.what) + " output would overwrite the input video");
  }
  if (!e.recon.empty()) media::check_video_output(e.recon, e.overwrite);
  if (!e.input.empty()) {
    if (!media::is_lossless(media::format_for_path(e.input)))
      fail_usage(
          e.input.string() +
          ": the input copy must be lossless (.mkv, a PNG pattern or folder), so it is exactly what the model saw");
    media::check_video_output(e.input, e.overwrite);
  }
  if (!e.side_by_side.empty()) media::check_video_output(e.side_by_side, e.overwrite);
  if (!e.difference.empty()) media::check_video_output(e.difference, e.overwrite);
  if (!e.lpips_map.empty()) media::check_video_output(e.lpips_map, e.overwrite);
  if (!e.latents.empty()) {
    if (lower_ext(e.latents) != ".safetensors")
      fail_usage(e.latents.string() + ": latents are written as .safetensors");
    check_output_path(e.latents, e.overwrite);
  } else if (e.latents_normalized) {
    fail_usage("--normalized applies to the latents file: add --latents FILE.safetensors");
  }
  if (!e.metrics_json.empty()) {
    if (lower_ext(e.metrics_json) != ".json")
      fail_usage(e.metrics_json.string() + ": the metrics report is .json (use a .csv path for CSV)");
    check_output_path(e.metrics_json, e.overwrite);
  }
  if (!e.metrics_csv.empty()) {
    if (lower_ext(e.metrics_csv) != ".csv") fail_usage(e.metrics_csv.string() + ": the metrics table is .csv");
    check_output_path(e.metrics_csv, e.overwrite);
  }
  if (e.crf < 0 || e.crf > 51) fail_usage("CRF must be 0..51 (got " + std::to_string(e.crf) + ")");
  if (e.diff_gain < 1 || e.diff_gain > 255)
    fail_usage("difference gain must be 1..255 (got " + std::to_string(e.diff_gain) + ")");
}

std::vector<fs::path> write_exports(const ReconResult& r, const ExportRequest& e, const ProgressFn& progress,
                                    const CancelToken* cancel) {
  check_exports(e, {});
  // Everything goes to temporaries first; commits happen together at the end.
  std::vector<std::unique_ptr<media::PendingVideo>> videos;
  std::vector<std::unique_ptr<PendingOutput>> files;
  std::vector<fs::path> written;
  media::EncodeOptions vo;
  vo.fps = r.fps > 0 ? r.fps : 25;
  vo.crf = e.crf;
  vo.overwrite = e.overwrite;

  int total = 0, done = 0;
  for (const fs::path* p : {&e.recon, &e.input, &e.side_by_side, &e.difference, &e.lpips_map}) total += !p->empty();
  auto step = [&]() {
    const double b = total ? static_cast<double>(done) / total : 0;
    const double en = total ? static_cast<double>(done + 1) / total : 1;
    ++done;
    return sub_progress(progress, b * 0.95, en * 0.95);
  };
  auto video = [&](const fs::path& p, const std::vector<media::RgbFrame>& frames) {
    if (p.empty()) return;
    videos.push_back(media::prepare_video(p, frames, vo, step(), cancel));
    written.push_back(p);
  };
  auto text = [&](const fs::path& p, const std::string& data) {
    if (p.empty()) return;
    files.push_back(std::make_unique<PendingOutput>(p, e.overwrite));
    std::ofstream f(files.back()->temp_path(), std::ios::binary);
    if (!f) fail_input(p.string() + ": cannot create");
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    f.flush();
    if (!f) fail_runtime(p.string() + ": write failed (disk full?)");
    written.push_back(p);
  };

  video(e.recon, r.recon_frames);
  video(e.input, r.input_frames);
  if (!e.side_by_side.empty()) video(e.side_by_side, media::side_by_side(r.input_frames, r.recon_frames));
  if (!e.difference.empty()) video(e.difference, media::difference(r.input_frames, r.recon_frames, e.diff_gain));
  if (!e.lpips_map.empty()) {
    if (r.lpips_map.empty()) fail_usage(e.lpips_map.string() + ": the LPIPS map needs LPIPS computed with its maps");
    video(e.lpips_map, lpips_map_frames(r.lpips_map));
  }
  if (cancel) cancel->check();

  if (!e.latents.empty()) text(e.latents, serialize_latents(r, {e.latents_normalized, true}));
  if (!e.metrics_json.empty()) text(e.metrics_json, json::dump(metrics_json(r), 2) + "\n");
  if (!e.metrics_csv.empty()) text(e.metrics_csv, metrics_csv(r));
  if (cancel) cancel->check();

  for (auto& v : videos) v->commit();
  for (auto& f : files) f->commit();
  if (progress) progress(1.0, "written");
  return written;
}

}  // namespace wfvae::pipeline
