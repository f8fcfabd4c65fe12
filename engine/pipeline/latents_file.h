// The latents file (`recon --latents`, each clip of `wfvae encode`'s cache): safetensors
// with `latent`, the one decoded (the seeded sample when sampling, else the posterior
// mode), optionally normalised for diffusion as (z - shift) * scale; with the
// posterior also `mean`, `logvar` (and `sample`), all F32; the config, source, input,
// model, form and scale/shift in __metadata__, which `wfvae decode` reads.
#pragma once

#include <map>
#include <string>

#include "pipeline/recon.h"

namespace wfvae::pipeline {

struct LatentsFileLayout {
  bool normalized = false;  // `latent` as the diffusion pipeline sees it
  bool posterior = true;    // also mean, logvar (and sample): the posterior, for re-sampling
};

// The file's bytes; `extra` metadata keys are added (and win over ours).
std::string serialize_latents(const ReconResult& result, const LatentsFileLayout& layout,
                              const std::map<std::string, std::string>& extra = {});

}  // namespace wfvae::pipeline
