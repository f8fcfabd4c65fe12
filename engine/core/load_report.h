// What happened when a checkpoint was loaded: shown by `wfvae info` and the
// studio's model panel. Strict: a load with missing, unexpected or mis-shaped
// tensors is refused, and the error carries this report's lists.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wfvae {

struct LoadReport {
  std::string config_path;
  std::string weights_path;    // empty for random weights
  std::string stored_dtype;    // dominant safetensors dtype ("F16"), or "random"
  std::string weights_format;  // "safetensors", "torch.save (zip)", "torch.save (legacy)"
  // torch.save checkpoints: which state dict was taken and why (the reference's
  // init_from_ckpt order), the prefix removed from its keys, and every other part
  // of the file with its size ("optimizer_state: dict of 2, 6 tensors, 0.1 MB (optimizer)").
  std::string state_dict;
  std::string state_dict_reason;
  std::string prefix_stripped;
  int64_t prefix_count = 0;
  std::vector<std::string> left_aside;
  std::string latent_norm;  // "per-channel scale/shift (16 values)" or why latents cannot be normalised
  bool latent_norm_ok = false;
  int64_t tensors_in_file = 0;
  int64_t tensors_loaded = 0;
  int64_t num_parameters = 0;
  int constants_present = 0;  // Haar filter tensors found in the file (optional)
  int constants_absent = 0;
  std::vector<std::string> missing;         // model tensors absent from the file
  std::vector<std::string> unexpected;      // file tensors the model does not have
  std::vector<std::string> shape_mismatch;  // "name: file [..] vs model [..]"
  std::vector<std::string> notes;           // non-fatal remarks (unknown config keys, norm remaps)

  bool clean() const { return missing.empty() && unexpected.empty() && shape_mismatch.empty(); }
  // Multi-line human summary.
  std::string text() const;
};

}  // namespace wfvae
