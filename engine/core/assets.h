// Where the bundled models and sample clip live: $WFVAE_ASSETS if set, else the
// installed assets beside the executable (<exe>/../share/wfvae-studio/assets, as
// `cmake --install` lays them out) when they exist, else the source tree's assets/
// (compiled in, for binaries run from the build folder).
#pragma once

#include <filesystem>
#include <optional>

namespace wfvae {

std::filesystem::path assets_dir();
// The CLI's and the studio's default model: the bundled GroupNorm model.
constexpr const char* kDefaultModelName = "wfvae-tiny-gn";
std::filesystem::path default_model_dir();                  // may not exist yet
std::optional<std::filesystem::path> find_default_model();  // only when it exists
std::filesystem::path default_sample_clip();                // assets/samples/city-cc0.mp4
// A BadInput-style message explaining that no model was given and none is bundled.
const char* no_default_model_message();

}  // namespace wfvae
