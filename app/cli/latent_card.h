// A model card's "## Latents" section from a `wfvae latent-stats` file: how the raw
// latent is spread per channel on the data it was run over, whether the config's
// scale/shift normalise it, and the values that would (for config.json). `wfvae
// model-card` writes it when the run has RUN/latent-stats.json; `wfvae card-latents`
// writes it into an existing card.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace wfvae::cli {

// The section's lines, "## Latents" first. BadInput naming the file when it is not a
// latent-stats file.
std::vector<std::string> latent_card_section(const std::filesystem::path& stats_json);

// wfvae card-latents MODEL STATS.json
Command card_latents_command();

}  // namespace wfvae::cli
