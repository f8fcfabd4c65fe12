// Engine-internal view of a Vae (includes LibTorch): for parity, bench and the
// trainer, which need the module tree itself.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "model/wfvae_model.h"
#include "runtime/vae.h"

namespace wfvae {

struct Vae::Impl {
  ModelConfig trained;  // as loaded (the weights' own norm setting)
  std::unique_ptr<model::WFVAEModel> model;
  LoadReport report;
  Device device = Device::CPU;
  ComputeDType dtype = ComputeDType::F32;

  at::Device at_device() const;
  at::ScalarType at_dtype() const;
};

at::Tensor to_aten(const HostTensor& t);
HostTensor to_host(const at::Tensor& t);  // any device/dtype -> CPU float32
// Waits for queued GPU work (timing); a no-op on CPU.
void synchronize(Device d);
// Full float32 precision on CUDA (no TF32), as the parity tolerances assume.
void disable_tf32();
// Rethrows the exception in flight as a wfvae::Error, so no LibTorch exception
// leaves the engine: an allocation failure (c10 allocator, CUDA, std::bad_alloc)
// becomes ErrorKind::OutOfMemory naming `doing` and the size that failed; any other
// c10::Error a Runtime error with LibTorch's message, its C++ backtrace cut off.
[[noreturn]] void rethrow_as_engine_error(const std::string& doing);
template <class F>
auto engine_call(const std::string& doing, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (...) {
    rethrow_as_engine_error(doing);
  }
}
// Steps run_step_hook() is called for in one encoder / decoder forward.
int encoder_steps(model::WFVAEModel& m);
int decoder_steps(model::WFVAEModel& m);

}  // namespace wfvae
