// A minimal module tree in the spirit of torch.nn.Module: parameters and children
// are registered under the names PyTorch gives them, so a module's dotted path is
// exactly its checkpoint key ("decoder.up2.1.conv.conv.weight").
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (ATen.h no longer brings it in 2.x)
#include <ATen/record_function.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

// Names a stretch of a forward pass (a module kind, a section of the encoder or decoder)
// for runtime/op_profile.h; costs one flag test when no profile records.
#define WFVAE_PROFILE_SCOPE(name) RECORD_USER_SCOPE(name)

namespace wfvae::model {

using at::Tensor;

struct NamedTensor {
  std::string name;
  Tensor* tensor;
  // Constant Haar filters: PyTorch saves them, but checkpoints may lack them.
  bool optional;
};

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Modules that take one tensor (everything inside an nn.Sequential).
  virtual Tensor forward(const Tensor& x);

  // Parameters and buffers under `prefix` (e.g. "encoder."), in registration order.
  virtual void collect(const std::string& prefix, std::vector<NamedTensor>& out);
  std::vector<NamedTensor> named_tensors(const std::string& prefix = "");

  // Pre-order walk over this module and every descendant.
  void visit(const std::function<void(Module&)>& fn);

  const std::vector<std::pair<std::string, Module*>>& children() const { return children_; }

 protected:
  Tensor& register_tensor(const std::string& name, Tensor init, bool optional = false);
  template <class M>
  M* register_module(const std::string& name, std::unique_ptr<M> m) {
    M* raw = m.get();
    owned_.push_back(std::move(m));
    children_.emplace_back(name, raw);
    return raw;
  }

 private:
  // Tensors live in stable heap slots so the pointers handed out stay valid.
  std::vector<std::pair<std::string, std::unique_ptr<Tensor>>> tensors_;
  std::vector<bool> optional_;
  std::vector<std::unique_ptr<Module>> owned_;
  std::vector<std::pair<std::string, Module*>> children_;
};

// nn.Sequential: children named "0", "1", ...; forward chains them. Between steps it
// calls the thread's step hook (progress and cancellation of long runs).
class Sequential : public Module {
 public:
  template <class M>
  M* add(std::unique_ptr<M> m) {
    M* raw = register_module(std::to_string(layers_.size()), std::move(m));
    layers_.push_back(raw);
    return raw;
  }
  Tensor forward(const Tensor& x) override;
  size_t size() const { return layers_.size(); }
  Module* at(size_t i) const { return layers_[i]; }

 private:
  std::vector<Module*> layers_;
};

// Called after each step of every Sequential on this thread while set.
using StepHook = std::function<void()>;
class ScopedStepHook {
 public:
  explicit ScopedStepHook(StepHook hook);
  ~ScopedStepHook();
  ScopedStepHook(const ScopedStepHook&) = delete;
  ScopedStepHook& operator=(const ScopedStepHook&) = delete;
};
void run_step_hook();

}  // namespace wfvae::model
