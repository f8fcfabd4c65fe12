// `wfvae decode`: latents (a file `recon --latents` wrote, or any safetensors file
// holding a [1, L, T, h, w] tensor, such as a diffusion model's output) decoded to
// frames through a WF-VAE. Normalised latents are first brought back with
// z / scale + shift, the diffusion pipeline's decode.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "media/media.h"
#include "runtime/vae.h"

namespace wfvae::pipeline {

namespace fs = std::filesystem;

struct LatentFile {
  fs::path path;
  std::string tensor;  // the tensor chosen
  HostTensor latent;   // [1, L, T, h, w], as stored
  bool normalized = false;
  std::string normalized_source;     // "metadata", "--normalized", "--raw", "default (raw)"
  std::vector<double> scale, shift;  // from the metadata, when it records them
  std::string model;                 // the metadata's model path, when recorded
  double fps = 0;                    // the metadata's, when recorded
  std::string source;                // the video it was encoded from (the metadata's), when recorded
};

// Reads the latent: `tensor` names it, else "latent", "sample", "mean", or the only
// tensor. `normalized` overrides the metadata's word (files from other tools have
// none). BadInput errors name the file and what it holds.
LatentFile read_latent_file(const fs::path& path, const std::string& tensor = "",
                            std::optional<bool> normalized = std::nullopt);

// Whether a .safetensors file holds latents rather than model weights: our format
// word in its metadata, or at most four tensors of which one is a [1, L, T, h, w] or
// [L, T, h, w] latent (latent, sample, mean, or the only one). Reads the header only;
// false for anything unreadable (the open that follows says what is wrong).
bool is_latents_file(const fs::path& path);

struct DecodeLatentsResult {
  std::vector<media::RgbFrame> frames;
  int64_t latent_frames = 0;
  bool chunked = false;
  double decode_ms = 0;
  std::vector<std::string> notes;
};

// Decodes through `vae` (chunked when asked and the length allows). Normalised
// latents use the file's scale/shift, else the model config's.
DecodeLatentsResult decode_latents(Vae& vae, LatentFile file, bool chunked, const ProgressFn& progress = {},
                                   const CancelToken* cancel = nullptr);

}  // namespace wfvae::pipeline
