// A normalisation setting as the studio, the CLI and the engine name it: the
// reference's norm_type and the GroupNorm group count (diffusers' norm_num_groups).
// One place builds its label and checks a group count against a model.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace wfvae {

struct NormSetting {
  std::string type = "groupnorm";  // groupnorm | layernorm
  int groups = 32;                 // groupnorm only

  static NormSetting of(const ModelConfig& c) { return {c.norm_type, c.norm_num_groups}; }
  // "groupnorm(32)" or "layernorm".
  std::string label() const;
  // Same setting (the group count matters for groupnorm only).
  bool same_as(const NormSetting& o) const { return type == o.type && (type != "groupnorm" || groups == o.groups); }
};

// "" when `groups` divides every normalised channel count of the model, else the
// reason, listing the channel counts and the valid values.
std::string num_groups_problem(const ModelConfig& c, int groups);

// "1, 2, 4, 8"
std::string join_ints(const std::vector<int>& values);

}  // namespace wfvae
