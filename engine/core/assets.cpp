#include "core/assets.h"

#include <unistd.h>

#include <cstdlib>
#include <system_error>

namespace wfvae {

namespace fs = std::filesystem;

fs::path assets_dir() {
  if (const char* env = std::getenv("WFVAE_ASSETS"); env && *env) return env;
#ifdef WFVAE_SOURCE_ASSETS
  std::error_code ec;
  if (fs::is_directory(WFVAE_SOURCE_ASSETS, ec)) return WFVAE_SOURCE_ASSETS;
#endif
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = 0;
    return fs::path(buf).parent_path().parent_path() / "share" / "wfvae-studio" / "assets";
  }
  return "assets";
}

fs::path default_model_dir() { return assets_dir() / "models" / kDefaultModelName; }

std::optional<fs::path> find_default_model() {
  std::error_code ec;
  fs::path d = default_model_dir();
  if (fs::exists(d / "config.json", ec) && fs::exists(d / "diffusion_pytorch_model.safetensors", ec)) return d;
  return std::nullopt;
}

fs::path default_sample_clip() { return assets_dir() / "samples" / "city-cc0.mp4"; }

const char* no_default_model_message() {
  return "no --model given and no bundled default model found (expected assets/models/wfvae-tiny-gn; "
         "set WFVAE_ASSETS or pass --model DIR with a diffusers WF-VAE folder)";
}

}  // namespace wfvae
