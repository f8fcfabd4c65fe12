// What this machine and this build can run WF-VAE on: LibTorch, CUDA runtime and
// driver, cuDNN, GPUs, CPU threads and math libraries. `wfvae doctor` prints it and
// the studio's Help > About shows it. No LibTorch in this header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wfvae {

struct GpuInfo {
  int index = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0;  // compute capability
  int multiprocessors = 0;
  int64_t free_bytes = 0, total_bytes = 0;
};

struct SystemInfo {
  std::string libtorch;        // e.g. "2.11.0"
  bool cuda_compiled = false;  // this build has LibTorch's CUDA half
  std::string cuda_runtime;    // CUDA runtime in use ("13.0"), "" without CUDA
  std::string cuda_driver;     // highest CUDA version the driver supports, "" when none
  std::string cudnn;           // cuDNN LibTorch was built with ("9.19.0")
  std::string cuda_problem;    // why no GPU is usable ("" when one is)
  std::vector<GpuInfo> gpus;
  int cpu_cores = 0;           // hardware threads
  int torch_threads = 0;       // LibTorch's intra-op threads as the engine sets them
  std::string cpu_capability;  // the SIMD level LibTorch's CPU kernels use (AVX2, AVX512, ...)
  std::string blas;            // BLAS LibTorch calls (MKL, OpenBLAS, ...)
  std::string onednn;          // oneDNN (MKL-DNN) version, or "not built"
};

// Queries everything, initialising CUDA if this build has it: seconds on a GPU
// machine, so call it off any UI thread.
SystemInfo query_system_info();

// Human-readable lines ("key: value"), as `wfvae doctor` prints them.
std::vector<std::pair<std::string, std::string>> describe(const SystemInfo& info);

}  // namespace wfvae
