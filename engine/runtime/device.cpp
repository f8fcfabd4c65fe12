// Devices and dtypes: names and parsing, LibTorch's threads, TF32, host<->ATen
// copies, and the classification of LibTorch failures (allocation failures become
// ErrorKind::OutOfMemory) so that no c10::Error leaves the engine.
#include "runtime/device.h"

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/cuda.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "core/error.h"
#include "core/parallel.h"
#include "runtime/cpu_allocator.h"
#include "runtime/cuda_device.h"
#include "runtime/vae_impl.h"

namespace wfvae {

const char* device_name(Device d) { return d == Device::CUDA ? "cuda" : "cpu"; }
const char* dtype_name(ComputeDType t) {
  switch (t) {
    case ComputeDType::F32: return "f32";
    case ComputeDType::BF16: return "bf16";
    case ComputeDType::F16: return "f16";
  }
  return "?";
}

bool cuda_available() { return torch::cuda::is_available(); }
std::string cuda_unavailable_reason() { return cuda_available() ? "" : cuda_device::unavailable_reason(); }

Device parse_device(const std::string& s) {
  if (s == "cpu") return Device::CPU;
  if (s == "cuda" || s == "gpu") {
    if (!cuda_available())
      fail_usage("--device cuda: no usable CUDA GPU here (" + cuda_unavailable_reason() + "); use --device cpu");
    return Device::CUDA;
  }
  if (s == "auto" || s.empty()) return cuda_available() ? Device::CUDA : Device::CPU;
  fail_usage("unknown device \"" + s + "\" (use cpu, cuda or auto)");
}

ComputeDType parse_dtype(const std::string& s) {
  if (s == "f32" || s == "float32" || s == "fp32") return ComputeDType::F32;
  if (s == "bf16" || s == "bfloat16") return ComputeDType::BF16;
  if (s == "f16" || s == "float16" || s == "fp16") return ComputeDType::F16;
  fail_usage("unknown dtype \"" + s + "\" (use f32, bf16 or f16)");
}

void init_runtime_threads() {
  static std::once_flag once;
  std::call_once(once, [] {
    at::set_num_threads(host_threads());  // WFVAE_THREADS, else the hardware's (core/parallel.h)
    runtime::use_huge_page_cpu_allocator();
  });
}

at::Device Vae::Impl::at_device() const {
  return device == Device::CUDA ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
}
at::ScalarType Vae::Impl::at_dtype() const {
  switch (dtype) {
    case ComputeDType::BF16: return at::kBFloat16;
    case ComputeDType::F16: return at::kHalf;
    default: return at::kFloat;
  }
}

namespace {

// "123456789 bytes" / "2.00 GiB" after "allocate " in LibTorch's allocator messages.
std::string allocation_size(const std::string& msg) {
  for (const char* key :
       {"tried to allocate ", "Tried to allocate ", "can't allocate memory: you tried to allocate "}) {
    const size_t at = msg.find(key);
    if (at == std::string::npos) continue;
    const size_t begin = at + std::strlen(key);
    std::string size = msg.substr(begin, msg.find_first_of(".\n", msg.find(' ', begin)) - begin);
    if (size.size() > 6 && size.compare(size.size() - 6, 6, " bytes") == 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f MB", std::atof(size.c_str()) / 1048576.0);
      size = buf;
    }
    return size;
  }
  return "";
}

bool is_allocation_failure(const std::string& msg) {
  return msg.find("out of memory") != std::string::npos || msg.find("DefaultCPUAllocator") != std::string::npos ||
         msg.find("can't allocate") != std::string::npos || msg.find("not enough memory") != std::string::npos;
}

[[noreturn]] void throw_out_of_memory(const std::string& doing, const std::string& size) {
  throw Error(ErrorKind::OutOfMemory, "out of memory while " + doing +
                                          (size.empty() ? "" : " (an allocation of " + size + " failed)") +
                                          "; try chunked inference, a smaller frame size or fewer frames");
}

}  // namespace

void rethrow_as_engine_error(const std::string& doing) {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw_out_of_memory(doing, "");
  } catch (const c10::Error& e) {
    const std::string msg = e.what_without_backtrace();
    if (dynamic_cast<const c10::OutOfMemoryError*>(&e) || is_allocation_failure(msg))
      throw_out_of_memory(doing, allocation_size(msg));
    throw Error(ErrorKind::Runtime, "LibTorch failed while " + doing + ": " + msg.substr(0, msg.find('\n')));
  } catch (const std::exception& e) {
    throw Error(ErrorKind::Runtime, "failed while " + doing + ": " + e.what());
  }
}

at::Tensor to_aten(const HostTensor& t) {
  return at::from_blob(const_cast<float*>(t.data.data()), t.shape, at::kFloat).clone();
}

HostTensor to_host(const at::Tensor& t) {
  at::Tensor c = t.detach().to(at::kCPU, at::kFloat).contiguous();
  HostTensor h;
  h.shape.assign(c.sizes().begin(), c.sizes().end());
  h.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return h;
}

void synchronize(Device d) {
  if (d == Device::CUDA) torch::cuda::synchronize();
}

void disable_tf32() {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setFloat32MatmulPrecision("highest");
}

}  // namespace wfvae
