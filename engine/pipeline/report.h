// The reports of a reconstruction: its metrics as JSON and CSV with their
// provenance (model, config, norm, sizes, device, plan, timings, notes).
#pragma once

#include <string>

#include "core/json.h"
#include "media/media.h"
#include "pipeline/recon.h"

namespace wfvae::pipeline {

// The metrics report: psnr_per_frame, psnr_mean, ssim_per_frame, ssim_mean, blockiness_*,
// per-channel PSNR, the same for the 8-bit output, and provenance (model, config,
// norm, sizes, device, dtype, chunking, timings, notes).
json::Value metrics_json(const ReconResult& result);
// Per-frame rows and a final "mean" row; provenance as leading "# key: value" lines.
std::string metrics_csv(const ReconResult& result);
// The source description used in reports and latents metadata.
json::Value source_json(const media::VideoInfo& info);
// What LPIPS is here, word for word in every report that carries it.
const char* lpips_definition();

// The model input's description (size, fps, stride, source frame indices and times,
// preprocessing), in reports and latents metadata.
json::Value input_json(const ReconResult& result);

}  // namespace wfvae::pipeline
