#include "core/norm_setting.h"

#include <algorithm>

namespace wfvae {

std::string NormSetting::label() const {
  return type == "groupnorm" ? "groupnorm(" + std::to_string(groups) + ")" : type;
}

std::string join_ints(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
  return out;
}

std::string num_groups_problem(const ModelConfig& c, int groups) {
  const auto valid = c.valid_num_groups();
  if (std::find(valid.begin(), valid.end(), groups) != valid.end()) return "";
  return "num_groups " + std::to_string(groups) + " does not divide every normalised channel count (" +
         join_ints(c.normalized_channel_counts()) + "); valid values: " + join_ints(valid);
}

}  // namespace wfvae
