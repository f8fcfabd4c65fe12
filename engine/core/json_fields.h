// The keys shared things go under in every JSON the tools and the studio write, so
// that a report, a benchmark line and the studio's state name them alike.
#pragma once

#include <cstdint>
#include <string>

#include "core/json.h"
#include "core/norm_setting.h"

namespace wfvae {

// "norm_type" and "num_groups" (config.json's norm_num_groups), after `prefix`
// ("trained_" for the setting the weights were trained with).
inline void put_norm(json::Value& into, const NormSetting& norm, const std::string& prefix = "") {
  into[prefix + "norm_type"] = norm.type;
  into[prefix + "num_groups"] = norm.groups;
}

// A video's size at the model: "frames", "height" and "width".
inline void put_video_size(json::Value& into, int64_t frames, int64_t height, int64_t width) {
  into["frames"] = frames;
  into["height"] = height;
  into["width"] = width;
}

}  // namespace wfvae
