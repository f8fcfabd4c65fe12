#include "pipeline/report.h"

#include <algorithm>

#include "core/json_fields.h"
#include "core/norm_setting.h"
#include "core/text.h"

namespace wfvae::pipeline {

namespace {

std::string fmt(double v, int decimals) { return text::fixed(v, decimals); }

std::string norm_desc(const ModelConfig& c) { return NormSetting::of(c).label(); }

}  // namespace

json::Value source_json(const media::VideoInfo& info) {
  json::Value s = json::Object{};
  s["path"] = info.path;
  s["container"] = info.container;
  s["codec"] = info.codec;
  s["pixel_format"] = info.pixel_format;
  s["width"] = info.width;
  s["height"] = info.height;
  s["rotation"] = info.rotation;
  s["fps"] = info.fps;
  s["duration_s"] = info.duration_s;
  s["frame_count"] = info.frame_count;
  s["is_image"] = info.is_image;
  return s;
}

namespace {

json::Value metrics_block(const metrics::VideoMetrics& m) {
  json::Value j = json::Object{};
  std::vector<double> psnr, ssim, mse, blockiness;
  json::Array rgb;
  for (const auto& f : m.frames) {
    psnr.push_back(f.psnr);
    ssim.push_back(f.ssim);
    blockiness.push_back(f.blockiness);
    mse.push_back(f.mse);
    rgb.emplace_back(json::Array{f.psnr_rgb[0], f.psnr_rgb[1], f.psnr_rgb[2]});
  }
  j["psnr_per_frame"] = json::array_of(psnr);
  j["psnr_mean"] = m.psnr_mean;
  j["ssim_per_frame"] = json::array_of(ssim);
  j["ssim_mean"] = m.ssim_mean;
  j["blockiness_per_frame"] = json::array_of(blockiness);
  j["blockiness_mean"] = m.blockiness_mean;
  j["mse_per_frame"] = json::array_of(mse);
  j["psnr_rgb_per_frame"] = json::Value(rgb);
  j["psnr_rgb_mean"] = json::Array{m.psnr_rgb_mean[0], m.psnr_rgb_mean[1], m.psnr_rgb_mean[2]};
  return j;
}

json::Value model_json(const ReconResult& r) {
  json::Value m = json::Object{};
  m["path"] = r.model;
  m["config"] = r.config.to_json();
  m["summary"] = r.config.summary();
  put_norm(m, NormSetting::of(r.config));
  put_norm(m, NormSetting::of(r.trained_config), "trained_");
  m["temporal_compression"] = r.config.temporal_compression();
  return m;
}

json::Value run_json(const ReconResult& r) {
  json::Value j = json::Object{};
  j["device"] = r.device;
  j["dtype"] = r.dtype;
  j["chunked"] = r.chunked;
  j["tile"] = r.tile.tile;
  j["tile_overlap"] = r.tile.overlap;
  j["plan"] = r.plan.describe();
  j["plan_estimated_peak_bytes"] = r.plan.device_peak(r.device == "cuda");
  j["memory_budget_bytes"] = r.budget.device_bytes;
  j["memory_budget_source"] = r.budget.source;
  j["latent"] = r.sample ? "sample" : "mode";
  if (r.sample) j["seed"] = static_cast<int64_t>(r.seed);
  return j;
}

}  // namespace

json::Value input_json(const ReconResult& r) {
  json::Value j = json::Object{};
  put_video_size(j, r.frames, r.height, r.width);
  j["default_size"] = r.default_size;
  j["fps"] = r.fps;
  j["stride"] = r.stride;
  j["source_frame_indices"] = json::array_of(r.source_indices);
  j["source_times_s"] = json::array_of(r.source_times);
  j["preprocessing"] =
      "center crop to the target aspect from the short edge, antialiased bilinear resize (as "
      "torch interpolate(antialias=True, align_corners=True)), rounded to 8 bits, x = u8 / 127.5 - 1";
  return j;
}

namespace {

// The stages every run times, as the CSV lists them; the JSON names each "<stage>_ms"
// and adds LPIPS and I3D (when they ran) and the total.
struct StageTiming {
  const char* stage;
  double ReconTimings::*ms;
};
constexpr StageTiming kStageTimings[] = {{"load", &ReconTimings::load_ms},
                                         {"read", &ReconTimings::read_ms},
                                         {"encode", &ReconTimings::encode_ms},
                                         {"decode", &ReconTimings::decode_ms},
                                         {"metrics", &ReconTimings::metrics_ms}};

json::Value timings_json(const ReconTimings& t) {
  json::Value j = json::Object{};
  for (const auto& [stage, ms] : kStageTimings) j[std::string(stage) + "_ms"] = t.*ms;
  if (t.lpips_ms > 0) j["lpips_ms"] = t.lpips_ms;
  if (t.i3d_ms > 0) j["i3d_ms"] = t.i3d_ms;
  j["total_ms"] = t.total_ms;
  return j;
}

std::string csv_num(double v) { return text::csv_number(v); }

}  // namespace

const char* lpips_definition() {
  return "LPIPS as WF-VAE's causalvideovae/eval/cal_lpips.py: lpips.LPIPS(net='alex', spatial=True) (lpips 0.1: "
         "AlexNet trunk tapped at its five ReLUs, ScalingLayer, features normalised per channel vector, squared "
         "differences weighed by the lin heads, bilinear upsampling to the frame, summed); inputs in [0, 1] mapped "
         "to [-1, 1], the reconstruction clamped first as for PSNR; a frame's value is the mean of its map, the "
         "video's the mean over frames (Open-Sora-Plan's per-timestamp mean over videos gives the same per-frame "
         "values); lower is better";
}

json::Value metrics_json(const ReconResult& r) {
  json::Value j = metrics_block(r.metrics);
  j["output_8bit"] = metrics_block(r.metrics_8bit);
  j["definition"] =
      "PSNR and SSIM as WF-VAE's causalvideovae/eval/cal_psnr.py and cal_ssim.py: RGB in [0, 1] (input (x + 1) / 2, "
      "reconstruction clamped to [-1, 1] first); PSNR per frame from the MSE over channels and pixels, mean over "
      "frames, 100 for identical frames (and for the mean when any frame is identical); SSIM per channel with an "
      "11x11 Gaussian window (sigma 1.5) over the valid region, C1 = 0.01^2, C2 = 0.03^2, mean over R, G, B and "
      "over frames. Blockiness (not in the reference): the mean absolute step between neighbouring pixels across "
      "the edges of the 8x8 latent cells over the mean step inside cells (channels and directions pooled, half an "
      "8-bit level added to both), the reconstruction's over the input's: 1 = no grid added. Top level: the float "
      "reconstruction; output_8bit: the 8-bit frames written to files.";
  j["source"] = source_json(r.source);
  j["input"] = input_json(r);
  j["model"] = model_json(r);
  j["run"] = run_json(r);
  j["timings_ms"] = timings_json(r.timings);
  if (!r.lpips.empty()) {
    j["lpips_per_frame"] = json::array_of(r.lpips);
    j["lpips_mean"] = r.lpips_mean;
    json::Value l = json::Object{};
    l["definition"] = lpips_definition();
    l["alexnet"] = r.lpips_alexnet;
    l["lin"] = r.lpips_lin;
    j["lpips"] = l;
  }
  json::Array notes;
  for (const auto& n : r.notes) notes.emplace_back(n.text);
  j["notes"] = json::Value(notes);
  j["tool"] = "wfvae recon";
  return j;
}

std::string metrics_csv(const ReconResult& r) {
  std::string out;
  auto meta = [&](const std::string& k, const std::string& v) {
    std::string one = v;
    std::replace(one.begin(), one.end(), '\n', ' ');
    out += "# " + k + ": " + one + "\n";
  };
  meta("source", r.source.path);
  meta("model", r.model);
  meta("config", json::dump(r.config.to_json()));
  meta("norm", norm_desc(r.config) + " (trained: " + norm_desc(r.trained_config) + ")");
  meta("size", std::to_string(r.frames) + " frames of " + std::to_string(r.height) + "x" + std::to_string(r.width) +
                   " at " + fmt(r.fps, 3) + " fps, stride " + std::to_string(r.stride));
  meta("run", "device " + r.device + ", dtype " + r.dtype + ", chunked " + (r.chunked ? "yes" : "no") + ", latent " +
                  (r.sample ? "sample (seed " + std::to_string(r.seed) + ")" : "mode"));
  meta("plan", r.plan.describe() + "; estimated peak " +
                   planning::format_bytes(r.plan.device_peak(r.device == "cuda")) + " of " +
                   planning::format_bytes(r.budget.device_bytes) + " (" + r.budget.source + ")");
  std::string timings;
  for (const auto& [stage, ms] : kStageTimings)
    timings += (timings.empty() ? "" : ", ") + std::string(stage) + " " + fmt(r.timings.*ms, 1);
  meta("timings_ms", timings);
  meta("definition",
       "psnr/ssim: float reconstruction as cal_psnr.py/cal_ssim.py; *_8bit: the 8-bit frames written; blockiness: "
       "steps across 8x8 latent-cell edges over steps inside cells, reconstruction over input (1 = no grid added)");
  const bool lpips = !r.lpips.empty();
  if (lpips) meta("lpips", std::string(lpips_definition()) + "; weights " + r.lpips_alexnet + ", " + r.lpips_lin);
  for (const auto& n : r.notes) meta("note", n.text);
  out += std::string("frame,source_index,time_s,psnr,ssim,psnr_r,psnr_g,psnr_b,mse,psnr_8bit,ssim_8bit,blockiness") +
         (lpips ? ",lpips" : "") + "\n";
  for (size_t i = 0; i < r.metrics.frames.size(); ++i) {
    const auto& f = r.metrics.frames[i];
    const auto& b = r.metrics_8bit.frames[i];
    out += std::to_string(i) + "," + std::to_string(r.source_indices[i]) + "," + csv_num(r.source_times[i]) + "," +
           csv_num(f.psnr) + "," + csv_num(f.ssim) + "," + csv_num(f.psnr_rgb[0]) + "," + csv_num(f.psnr_rgb[1]) + "," +
           csv_num(f.psnr_rgb[2]) + "," + csv_num(f.mse) + "," + csv_num(b.psnr) + "," + csv_num(b.ssim) + "," +
           csv_num(f.blockiness) + (lpips ? "," + csv_num(r.lpips[i]) : "") + "\n";
  }
  const auto& m = r.metrics;
  out += "mean,,," + csv_num(m.psnr_mean) + "," + csv_num(m.ssim_mean) + "," + csv_num(m.psnr_rgb_mean[0]) + "," +
         csv_num(m.psnr_rgb_mean[1]) + "," + csv_num(m.psnr_rgb_mean[2]) + ",," + csv_num(r.metrics_8bit.psnr_mean) +
         "," + csv_num(r.metrics_8bit.ssim_mean) + "," + csv_num(m.blockiness_mean) +
         (lpips ? "," + csv_num(r.lpips_mean) : "") + "\n";
  return out;
}

}  // namespace wfvae::pipeline
