// The settings with which a data set's clips are encoded, as `wfvae latent-stats` and
// `wfvae encode` take them (the same flags, checks and model loading for both).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "pipeline/eval.h"
#include "pipeline/recon.h"

namespace wfvae::cli {

struct EncodeSettings {
  pipeline::ReconRequest r;  // size, frames, start, stride, tiles, memory, model source
  std::string model, device = "auto", dtype = "f32";
  std::optional<int> frames, seed;
  std::optional<std::string> shard;
};

// --model (with --config, --weights), --size, --frames, --start, --stride, --seed,
// --shard, --device, --dtype, --chunked, --tile, --tile-overlap, --max-memory.
std::vector<FlagSpec> encode_setting_flags(EncodeSettings& s, const std::string& seed_help);
// Their names (for refusing them where they do not apply).
std::vector<std::string> encode_setting_flag_names();

// What an encoding run needs once its flags are parsed: the checked request, the
// inputs (expanded, sharded) and the model, loaded once.
struct EncodeRun {
  pipeline::ReconRequest base;  // base.vae set
  pipeline::ShardedInputs inputs;
  std::filesystem::path model;
  std::unique_ptr<Vae> vae;
  uint64_t seed = 0;
};
EncodeRun open_encode_run(EncodeSettings& s, const std::vector<std::string>& positional);

}  // namespace wfvae::cli
