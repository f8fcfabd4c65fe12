// Strict state-dict loading from safetensors into a WFVAEModel.
#pragma once

#include "core/load_report.h"
#include "core/safetensors.h"
#include "model/wfvae_model.h"

namespace wfvae::model {

// Copies every model tensor from the file (F32/F16/BF16 -> float32, CPU). Fills
// `report`; throws a BadInput error naming the file and the offending keys when
// anything is missing, unexpected or mis-shaped (nothing is silently ignored).
void load_state_dict(WFVAEModel& model, const SafetensorsReader& file, LoadReport& report);

// Writes the model's tensors (float32 or converted) in the diffusers layout.
void save_state_dict(WFVAEModel& model, const std::filesystem::path& path, StDType dtype, bool overwrite);

}  // namespace wfvae::model
