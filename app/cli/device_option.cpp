#include <cstdio>

#include "cli/commands.h"
#include "core/error.h"
#include "core/memory_plan.h"
#include "runtime/vae.h"

namespace wfvae::cli {

Device device_option(const Args& a, const std::string& fallback) {
  const std::string asked = a.get_or("--device", fallback);
  const Device d = parse_device(asked);
  // "auto" quietly falling back would leave a GPU user wondering why it is slow.
  static bool said = false;
  if ((asked == "auto" || asked.empty()) && d == Device::CPU && !said) {
    said = true;
    std::fprintf(stderr, "device: cpu (--device auto: no usable CUDA GPU: %s)\n", cuda_unavailable_reason().c_str());
  }
  return d;
}

LoadOptions load_options(const Args& a, bool config_flag) {
  LoadOptions o;
  if (config_flag)
    if (auto c = a.get("--config")) o.config = *c;
  if (auto w = a.get("--weights")) o.weights = parse_weights_choice(*w);
  return o;
}

std::vector<FlagSpec> model_source_flags(bool config_flag) {
  std::vector<FlagSpec> f;
  if (config_flag)
    f.push_back({"--config", "FILE",
                 "the model's config instead of the config.json beside its weights: a config.json, or a JSON whose "
                 "\"ae\" object is the config (Open-Sora-Plan v1.5)"});
  f.push_back({"--weights", "W",
               "which weights of a training checkpoint: auto (default: the EMA when it has one, as the reference), "
               "ema, or model (the non-EMA generator; the reference's NOT_USE_EMA_MODEL)"});
  return f;
}

// --tile N|auto|off, --tile-overlap P, --max-memory SIZE (shared with bench).
void read_plan_flags(const Args& a, int* tile, int* overlap, int64_t* max_memory) {
  if (auto t = a.get("--tile")) {
    if (*t == "auto")
      *tile = -1;
    else if (*t == "off" || *t == "0")
      *tile = 0;
    else
      *tile = a.get_int("--tile", 0);  // checked with its overlap by the pipeline / bench
  }
  if (a.has("--tile-overlap")) {
    *overlap = a.get_int("--tile-overlap", 0);
    if (*overlap < 0) fail_usage("--tile-overlap must not be negative");
  }
  if (auto m = a.get("--max-memory")) *max_memory = planning::parse_bytes(*m);
}

}  // namespace wfvae::cli
