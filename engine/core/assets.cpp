#include "core/assets.h"

#include <unistd.h>

#include <cstdlib>
#include <system_error>

#ifndef WFVAE_INSTALL_ASSETS
#define WFVAE_INSTALL_ASSETS "../share/wfvae-studio/assets"
#endif

namespace wfvae {

namespace fs = std::filesystem;

namespace {

// <directory of this executable>/WFVAE_INSTALL_ASSETS: where `cmake --install` (and the
// .deb) put the assets relative to bin/ (an absolute WFVAE_INSTALL_ASSETS is used as is).
std::optional<fs::path> installed_assets() {
  const fs::path rel = WFVAE_INSTALL_ASSETS;
  if (rel.is_absolute()) return rel;
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = 0;
  return (fs::path(buf).parent_path() / rel).lexically_normal();
}

}  // namespace

fs::path assets_dir() {
  if (const char* env = std::getenv("WFVAE_ASSETS"); env && *env) return env;
  std::error_code ec;
  // An installed binary uses its own installed assets, even on a machine that still
  // has the source tree it was built from; a build-tree binary has none beside it.
  const std::optional<fs::path> installed = installed_assets();
  if (installed && fs::is_directory(*installed, ec)) return *installed;
#ifdef WFVAE_SOURCE_ASSETS
  if (fs::is_directory(WFVAE_SOURCE_ASSETS, ec)) return WFVAE_SOURCE_ASSETS;
#endif
  return installed ? *installed : fs::path("assets");
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
