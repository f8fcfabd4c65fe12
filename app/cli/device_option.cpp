#include <cmath>
#include <cstdio>

#include "cli/commands.h"
#include "core/error.h"
#include "core/memory_plan.h"
#include "runtime/vae.h"

namespace wfvae::cli {

Device device_option(const std::string& asked) {
  const Device d = parse_device(asked);
  // "auto" quietly falling back would leave a GPU user wondering why it is slow.
  static bool said = false;
  if ((asked == "auto" || asked.empty()) && d == Device::CPU && !said) {
    said = true;
    std::fprintf(stderr, "device: cpu (--device auto: no usable CUDA GPU: %s)\n", cuda_unavailable_reason().c_str());
  }
  return d;
}

FlagSpec weights_flag(WeightsChoice* weights, const std::string& help) {
  return {"--weights", "W", help, [weights](const std::string& v) { *weights = parse_weights_choice(v); }};
}

std::vector<FlagSpec> model_source_flags(LoadOptions& o, bool config_flag) {
  std::vector<FlagSpec> f;
  if (config_flag)
    f.push_back({"--config", "FILE",
                 "the model's config instead of the config.json beside its weights: a config.json, or a JSON whose "
                 "\"ae\" object is the config (Open-Sora-Plan v1.5)",
                 &o.config});
  f.push_back(weights_flag(&o.weights,
                           "which weights of a training checkpoint: auto (default: the EMA when it has one, as the "
                           "reference), ema, or model (the non-EMA generator; the reference's NOT_USE_EMA_MODEL)"));
  return f;
}

FlagSpec tile_flag(int* tile, const std::string& help) {
  return {"--tile", "N", help, [tile](const std::string& t) {
            *tile = t == "auto" ? -1 : t == "off" ? 0 : flags::to_int("--tile", t);
          }};
}

FlagSpec tile_overlap_flag(int* overlap, const std::string& help) {
  return {"--tile-overlap", "P", help, [overlap](const std::string& v) {
            *overlap = flags::to_int("--tile-overlap", v);
            if (*overlap < 0) fail_usage("--tile-overlap must not be negative");
          }};
}

FlagSpec max_memory_flag(int64_t* max_memory, const std::string& help) {
  return {"--max-memory", "SIZE", help, [max_memory](const std::string& m) { *max_memory = planning::parse_bytes(m); }};
}

// "--start 2.5" or "2.5s": seconds; "48f": frame index.
void parse_start(const std::string& s, std::optional<double>* seconds, std::optional<int64_t>* frame) {
  if (s.empty()) fail_usage("--start: empty value");
  const char last = s.back();
  const std::string body = (last == 's' || last == 'f') ? s.substr(0, s.size() - 1) : s;
  char* end = nullptr;
  const double v = std::strtod(body.c_str(), &end);
  if (body.empty() || *end != '\0' || !(v >= 0))
    fail_usage("--start: expected seconds (2.5 or 2.5s) or a frame index (48f), got \"" + s + "\"");
  if (last == 'f') {
    if (v != std::floor(v)) fail_usage("--start: a frame index must be a whole number, got \"" + s + "\"");
    *frame = static_cast<int64_t>(v);
  } else {
    *seconds = v;
  }
}

}  // namespace wfvae::cli
