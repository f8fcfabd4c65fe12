// cuda_device.h for a LibTorch without CUDA (e.g. a CPU-only torch given with
// WFVAE_TORCH_PYTHON): nothing to query, no allocator.
#include "runtime/cuda_device.h"

namespace wfvae::cuda_device {

bool compiled() { return false; }
std::string unavailable_reason() { return "this build's LibTorch has no CUDA"; }
void fill(SystemInfo& info) { info.cuda_problem = unavailable_reason(); }
void reset_peak() {}
int64_t peak_allocated() { return 0; }
int64_t current_allocated() { return 0; }
void release_cached() {}
int64_t free_bytes() { return 0; }

}  // namespace wfvae::cuda_device
