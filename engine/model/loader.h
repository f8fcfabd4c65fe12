// Strict state-dict loading into a WFVAEModel, from any WeightSource (a
// safetensors file, or the state dict chosen in a torch.save checkpoint).
#pragma once

#include "core/load_report.h"
#include "core/safetensors.h"
#include "core/weight_source.h"
#include "model/wfvae_model.h"

namespace wfvae::model {

// Copies every model tensor from the source (F32/F16/BF16 -> float32, CPU). Fills
// `report`; throws a BadInput error naming the file and the offending keys when
// anything is missing, unexpected or mis-shaped (nothing is silently ignored).
// The frozen Haar filters are optional: absent, they keep the constructor's
// float32 constants, as the reference's load_state_dict(strict=False) leaves them.
void load_state_dict(WFVAEModel& model, const WeightSource& file, LoadReport& report);

// Writes the model's tensors (float32 or converted) in the diffusers layout. The
// Haar constants stay float32 whatever `dtype` is, so that a model loaded from the
// file computes exactly what this one does (float16 would round 0.3536).
void save_state_dict(WFVAEModel& model, const std::filesystem::path& path, StDType dtype, bool overwrite);

}  // namespace wfvae::model
