#include "core/load_report.h"

#include <sstream>

namespace wfvae {

std::string LoadReport::text() const {
  std::ostringstream s;
  s << "weights: " << (weights_path.empty() ? "random initialisation" : weights_path) << "\n";
  s << "config: " << config_path << "\n";
  s << "stored dtype: " << stored_dtype << ", tensors in file: " << tensors_in_file << ", loaded: " << tensors_loaded
    << ", parameters: " << num_parameters << "\n";
  if (!weights_format.empty()) s << "format: " << weights_format << "\n";
  if (!state_dict.empty()) {
    s << "state dict: " << state_dict << " (" << state_dict_reason << ")";
    if (!prefix_stripped.empty()) s << "; \"" << prefix_stripped << "\" removed from " << prefix_count << " keys";
    s << "\n";
  }
  if (!left_aside.empty()) {
    s << "left aside (" << left_aside.size() << "):\n";
    for (const auto& x : left_aside) s << "  " << x << "\n";
  }
  s << "constant Haar filters: " << constants_present << " in file, " << constants_absent
    << " built in (the constructor's float32 values)\n";
  if (!latent_norm.empty()) s << "latent scale/shift: " << latent_norm << "\n";
  auto list = [&](const char* title, const std::vector<std::string>& v) {
    if (v.empty()) return;
    s << title << " (" << v.size() << "):\n";
    for (const auto& x : v) s << "  " << x << "\n";
  };
  list("missing", missing);
  list("unexpected", unexpected);
  list("shape mismatch", shape_mismatch);
  for (const auto& n : notes) s << "note: " << n << "\n";
  return s.str();
}

}  // namespace wfvae
