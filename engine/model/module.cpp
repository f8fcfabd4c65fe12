#include "model/module.h"

#include <stdexcept>

namespace wfvae::model {

Tensor Module::forward(const Tensor&) { throw std::logic_error("this module has no single-input forward"); }

void Module::collect(const std::string& prefix, std::vector<NamedTensor>& out) {
  for (size_t i = 0; i < tensors_.size(); ++i)
    out.push_back({prefix + tensors_[i].first, tensors_[i].second.get(), optional_[i]});
  for (auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

std::vector<NamedTensor> Module::named_tensors(const std::string& prefix) {
  std::vector<NamedTensor> out;
  collect(prefix, out);
  return out;
}

void Module::visit(const std::function<void(Module&)>& fn) {
  fn(*this);
  for (auto& [name, child] : children_) child->visit(fn);
}

Tensor& Module::register_tensor(const std::string& name, Tensor init, bool optional) {
  tensors_.emplace_back(name, std::make_unique<Tensor>(std::move(init)));
  optional_.push_back(optional);
  return *tensors_.back().second;
}

namespace {
thread_local std::vector<StepHook> t_step_hooks;  // innermost last
}

ScopedStepHook::ScopedStepHook(StepHook hook) { t_step_hooks.push_back(std::move(hook)); }
ScopedStepHook::~ScopedStepHook() { t_step_hooks.pop_back(); }

void run_step_hook() {
  if (!t_step_hooks.empty() && t_step_hooks.back()) t_step_hooks.back()();
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (Module* m : layers_) {
    h = m->forward(h);
    run_step_hook();
  }
  return h;
}

}  // namespace wfvae::model
