#include "session.h"
#include "core/norm_setting.h"

#include <cmath>
#include <filesystem>
#include <cstdarg>
#include <cstdio>

namespace wfvae::studio {

std::string fmt(const char* format, ...) {
  char buf[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

std::string RunSettings::norm_label() const { return NormSetting{norm_type, num_groups}.label(); }

std::string RunSettings::label() const {
  std::string s = norm_label() + (chunked ? " \xC2\xB7 chunked" : " \xC2\xB7 direct");
  if (tile > 0) s += " \xC2\xB7 " + std::to_string(tile) + "-px tiles";
  if (device != "cpu" || dtype != "f32") s += " \xC2\xB7 " + device + "/" + dtype;
  return s;
}

std::string Clip::key() const {
  return path + "|" + decoded_by + "|" + std::to_string(height) + "x" + std::to_string(width) + "|" +
         std::to_string(frames.size()) + "|" + (source_indices.empty() ? "" : std::to_string(source_indices.front()));
}

const media::RgbFrame* Run::frame(int64_t i) const {
  if (i < 0) return nullptr;
  if (result) return i < static_cast<int64_t>(result->recon_frames.size()) ? &result->recon_frames[i] : nullptr;
  if (i < static_cast<int64_t>(live_frames.size()) && !live_frames[i].rgb.empty()) return &live_frames[i];
  return nullptr;
}

// The mean of one metric over the frames measured so far (NaN before the first).
double Run::mean_measured(double metrics::FrameMetrics::*metric) const {
  double s = 0;
  int n = 0;
  for (size_t i = 0; i < frame_metrics.size(); ++i)
    if (have_metrics[i]) {
      s += frame_metrics[i].*metric;
      ++n;
    }
  return n ? s / n : NAN;
}

double Run::psnr_mean() const {
  return result ? result->metrics.psnr_mean : mean_measured(&metrics::FrameMetrics::psnr);
}

double Run::ssim_mean() const {
  return result ? result->metrics.ssim_mean : mean_measured(&metrics::FrameMetrics::ssim);
}

double Run::blockiness_mean() const {
  return result ? result->metrics.blockiness_mean : mean_measured(&metrics::FrameMetrics::blockiness);
}

int64_t RunLpips::computed() const {
  int64_t n = 0;
  for (size_t i = 0; i < scores.size(); ++i) n += has(static_cast<int64_t>(i));
  return n;
}

double RunLpips::mean() const {
  double s = 0;
  int64_t n = 0;
  for (size_t i = 0; i < scores.size(); ++i)
    if (has(static_cast<int64_t>(i))) s += scores[i], ++n;
  return n ? s / static_cast<double>(n) : NAN;
}

const char* lpips_state_name(RunLpips::State s) {
  switch (s) {
    case RunLpips::State::None: return "none";
    case RunLpips::State::Computing: return "computing";
    case RunLpips::State::Done: return "done";
    case RunLpips::State::Unavailable: return "unavailable";
    case RunLpips::State::Failed: return "failed";
    case RunLpips::State::Cancelled: return "cancelled";
  }
  return "?";
}

std::vector<pipeline::Note> Run::notes() const { return result ? result->notes : std::vector<pipeline::Note>{}; }

const char* pair_name(Pair p) {
  static const char* const names[kPairCount] = {"orig-recon", "prev-recon", "orig-prev", "orig-file"};
  return names[static_cast<int>(p)];
}

const char* pair_title(Pair p) {
  static const char* const titles[kPairCount] = {"Original | Reconstruction", "Previous run | Reconstruction",
                                                 "Original | Previous run", "Original | File B"};
  return titles[static_cast<int>(p)];
}

bool studio_hides_note(const pipeline::Note& note) { return note.kind == pipeline::NoteKind::FewerFramesThanAsked; }

std::string studio_note(const pipeline::Note& note) {
  if (note.kind == pipeline::NoteKind::SizeChosen) return note.text + "; change it under Run \xE2\x80\xBA Short side";
  return note.text;
}

std::string human_bytes(int64_t b) {
  if (b < 0) return "n/a";
  if (b < 1024) return std::to_string(b) + " B";
  if (b < 1024 * 1024) return fmt("%.1f KiB", b / 1024.0);
  if (b < int64_t{1024} * 1024 * 1024) return fmt("%.1f MiB", b / (1024.0 * 1024.0));
  return fmt("%.2f GiB", b / (1024.0 * 1024.0 * 1024.0));
}

std::string human_count(int64_t n) {
  if (n < 1000) return std::to_string(n);
  if (n < 1000000) return fmt("%.1f k", n / 1e3);
  if (n < 1000000000) return fmt("%.2f M", n / 1e6);
  return fmt("%.2f G", n / 1e9);
}

std::string LabSetting::label() const {
  return NormSetting{norm_type, num_groups}.label() + (chunked ? " \xC2\xB7 chunked" : " \xC2\xB7 direct");
}

std::string model_display_name(const std::string& path) {
  std::filesystem::path p(path);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // trailing slash
  if (p.extension() == ".safetensors") return p.parent_path().filename().string() + "/" + p.filename().string();
  return p.filename().string();
}

}  // namespace wfvae::studio
