// The engine's CUDA-only calls, behind a torch-free interface: one implementation
// compiled with LibTorch's CUDA half (cuda_device.cpp), one without (cuda_device_none.cpp).
// Keeping every CUDA-only line in one file that every build compiles (CI's build
// requires CUDA) means a broken CUDA line fails CI, GPU or not.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/system_info.h"

namespace wfvae::cuda_device {

bool compiled();              // this build links LibTorch's CUDA half
void fill(SystemInfo& info);  // CUDA versions and GPUs (initialises CUDA)
// Why no GPU is usable, in words ("" when one is). Initialises CUDA.
std::string unavailable_reason();
// The caching allocator's statistics for device 0, in bytes (bench's memory figures).
void reset_peak();
int64_t peak_allocated();
int64_t current_allocated();
void release_cached();  // returns cached blocks to the driver (after cancel, OOM)
int64_t free_bytes();   // device 0's free memory plus the allocator's unused cache

}  // namespace wfvae::cuda_device
