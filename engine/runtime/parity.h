// Parity against tensors produced by the official PyTorch WF-VAE: a fixture folder
// holds config.json, the weights, io.safetensors (the contract) and optionally
// taps.safetensors (per-stage outputs for debugging). See
// ../shared/fixtures/wfvae-parity/README.md for the definitions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/vae.h"

namespace wfvae {

struct ParityLine {
  std::string file;  // "io" or "taps"
  std::string name;
  std::vector<int64_t> shape;
  double max_abs_error = 0;
  double max_abs_ref = 0;
  int64_t violations = 0;  // elements with |a-b| > atol + rtol*|b|
  bool computed = true;    // false: a tensor name this engine does not know (skipped)
  std::string note;
};

struct ParityResult {
  std::string fixture;
  std::string device;
  double atol = 0, rtol = 0;
  std::vector<ParityLine> lines;
  bool pass() const;
};

// Recomputes every known tensor of DIR/io.safetensors (and DIR/taps.safetensors
// when present) in float32 on `device`. CPU tolerance 1e-4 + 1e-5|b|; CUDA (TF32
// off) 1e-3 + 1e-4|b|.
// `weights` picks the state dict of a training-checkpoint fixture (wfvae-ckpt/).
ParityResult run_parity(const std::filesystem::path& dir, Device device, WeightsChoice weights = WeightsChoice::Auto);

}  // namespace wfvae
