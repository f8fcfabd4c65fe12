#include <algorithm>
// cuda_device.h with LibTorch's CUDA half: the CUDA runtime for versions, devices
// and free memory, LibTorch's caching allocator for the memory statistics.
#include "runtime/cuda_device.h"

#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>

#include <string>

namespace wfvae::cuda_device {

namespace {

// CUDA encodes versions as 1000 * major + 10 * minor.
std::string cuda_version(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

// cuDNN 9 encodes its version as 10000 * major + 100 * minor + patch.
std::string cudnn_version(long v) {
  return std::to_string(v / 10000) + "." + std::to_string((v % 10000) / 100) + "." + std::to_string(v % 100);
}

// The runtime's own words for a machine without a driver ("CUDA driver version is
// insufficient") send users looking for an upgrade; say what is missing instead.
std::string device_count_problem(cudaError_t err) {
  int driver = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) return "no NVIDIA driver found";
  return cudaGetErrorString(err);
}

}  // namespace

bool compiled() { return true; }

std::string unavailable_reason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    return device_count_problem(err);
  }
  return count > 0 ? "" : "the driver reports no CUDA device";
}

void fill(SystemInfo& info) {
  int v = 0;
  if (cudaRuntimeGetVersion(&v) == cudaSuccess && v > 0) info.cuda_runtime = cuda_version(v);
  v = 0;
  if (cudaDriverGetVersion(&v) == cudaSuccess && v > 0) info.cuda_driver = cuda_version(v);
  try {
    const long cudnn = at::detail::getCUDAHooks().versionCuDNN();
    if (cudnn > 0) info.cudnn = cudnn_version(cudnn);
  } catch (const std::exception&) {
    // LibTorch built without cuDNN: leave it empty.
  }
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    info.cuda_problem = device_count_problem(err);
    (void)cudaGetLastError();  // clear the error so later calls start clean
    return;
  }
  int previous = 0;
  (void)cudaGetDevice(&previous);
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    GpuInfo g;
    g.index = i;
    g.name = p.name;
    g.cc_major = p.major;
    g.cc_minor = p.minor;
    g.multiprocessors = p.multiProcessorCount;
    g.total_bytes = static_cast<int64_t>(p.totalGlobalMem);
    size_t free_b = 0, total_b = 0;
    if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) {
      g.free_bytes = static_cast<int64_t>(free_b);
      g.total_bytes = static_cast<int64_t>(total_b);
    }
    info.gpus.push_back(g);
  }
  (void)cudaSetDevice(previous);
  if (count == 0) info.cuda_problem = "the driver reports no CUDA device";
}

void reset_peak() { c10::cuda::CUDACachingAllocator::resetPeakStats(0); }

int64_t peak_allocated() {
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
  return stats.allocated_bytes[static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE)].peak;
}

int64_t current_allocated() {
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
  return stats.allocated_bytes[static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE)].current;
}

void release_cached() { c10::cuda::CUDACachingAllocator::emptyCache(); }

int64_t free_bytes() {
  size_t free_b = 0, total_b = 0;
  if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) return 0;
  // Blocks the caching allocator holds but does not use are free to this process.
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
  const auto agg = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  return static_cast<int64_t>(free_b) +
         std::max<int64_t>(0, stats.reserved_bytes[agg].current - stats.allocated_bytes[agg].current);
}

}  // namespace wfvae::cuda_device
