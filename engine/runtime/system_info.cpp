#include "runtime/system_info.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/version.h>

#include <thread>

#include "runtime/cuda_device.h"
#include "runtime/vae.h"

namespace wfvae {

namespace {

// "BLAS_INFO=mkl," in LibTorch's build summary ("Build settings: A=x, B=y, ...").
std::string config_value(const std::string& config, const std::string& key) {
  const size_t at = config.find(key + "=");
  if (at == std::string::npos) return "";
  const size_t begin = at + key.size() + 1;
  return config.substr(begin, config.find_first_of(",\n", begin) - begin);
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string gib(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / 1073741824.0);
  return buf;
}

}  // namespace

SystemInfo query_system_info() {
  init_runtime_threads();
  SystemInfo s;
  s.libtorch = TORCH_VERSION;
  s.cpu_cores = static_cast<int>(std::thread::hardware_concurrency());
  s.torch_threads = at::get_num_threads();
  s.cpu_capability = at::get_cpu_capability();
  const std::string config = at::show_config();
  s.blas = config_value(config, "BLAS_INFO");
  const std::string mkl = at::get_mkl_version();
  if (s.blas == "mkl" && !mkl.empty()) s.blas = first_line(mkl);
  s.onednn = at::hasMKLDNN() ? first_line(at::get_mkldnn_version()) : "not built";
  s.cuda_compiled = cuda_device::compiled();
  cuda_device::fill(s);
  return s;
}

std::vector<std::pair<std::string, std::string>> describe(const SystemInfo& s) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("LibTorch", s.libtorch + (s.cuda_compiled ? " (with CUDA)" : " (CPU only)"));
  if (s.cuda_compiled) {
    out.emplace_back("CUDA runtime", s.cuda_runtime.empty() ? "?" : s.cuda_runtime);
    out.emplace_back("CUDA driver", s.cuda_driver.empty() ? "none found" : "supports CUDA " + s.cuda_driver);
    out.emplace_back("cuDNN", s.cudnn.empty() ? "none" : s.cudnn);
  }
  if (s.gpus.empty()) {
    out.emplace_back("GPUs", "none usable" + (s.cuda_problem.empty() ? "" : ": " + s.cuda_problem) +
                                 "; --device auto runs on the CPU");
  }
  for (const GpuInfo& g : s.gpus) {
    out.emplace_back("GPU " + std::to_string(g.index), g.name + ", compute capability " + std::to_string(g.cc_major) +
                                                           "." + std::to_string(g.cc_minor) + ", " +
                                                           std::to_string(g.multiprocessors) + " SMs, " +
                                                           gib(g.free_bytes) + " free of " + gib(g.total_bytes));
  }
  out.emplace_back("CPU", std::to_string(s.cpu_cores) + " hardware threads; LibTorch uses " +
                              std::to_string(s.torch_threads) + " (WFVAE_THREADS sets it); kernels " +
                              s.cpu_capability);
  out.emplace_back("BLAS", s.blas.empty() ? "unknown" : s.blas);
  out.emplace_back("oneDNN", s.onednn);
  return out;
}

}  // namespace wfvae
