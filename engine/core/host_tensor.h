// A float32 tensor in host memory: how video, latents and coefficients cross the
// engine boundary without anyone outside the engine including LibTorch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wfvae {

inline std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major (C-contiguous)

  HostTensor() = default;
  explicit HostTensor(std::vector<int64_t> s, float fill = 0.f) : shape(std::move(s)), data(count(shape), fill) {}

  static size_t count(const std::vector<int64_t>& s) {
    size_t n = 1;
    for (auto d : s) n *= static_cast<size_t>(d);
    return n;
  }
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  int64_t dim(int i) const { return shape[static_cast<size_t>(i < 0 ? static_cast<int>(shape.size()) + i : i)]; }
  bool empty() const { return data.empty(); }
  std::string shape_str() const { return shape_string(shape); }
};

}  // namespace wfvae
