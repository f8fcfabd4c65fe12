#include <cstdio>

#include "cli/commands.h"
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

}  // namespace wfvae::cli
