#include "core/weight_source.h"

#include <map>

#include "core/host_tensor.h"

namespace wfvae {

std::string WeightEntry::shape_str() const { return shape_string(shape); }

int64_t WeightSource::find(const std::string& name) const {
  const auto& e = entries();
  for (size_t i = 0; i < e.size(); ++i)
    if (e[i].name == name) return static_cast<int64_t>(i);
  return -1;
}

std::string WeightSource::dominant_dtype() const {
  std::map<std::string, size_t> counts;
  for (const auto& e : entries()) ++counts[st_dtype_name(e.dtype)];
  std::string best = "none";
  size_t n = 0;
  for (const auto& [k, c] : counts)
    if (c > n) {
      best = k;
      n = c;
    }
  return best;
}

SafetensorsWeights::SafetensorsWeights(const SafetensorsReader& file) : file_(file) {
  for (const auto& e : file.entries()) entries_.push_back({e.name, e.dtype, e.shape});
}

std::vector<float> SafetensorsWeights::read_float(size_t index) const {
  return file_.read_float(file_.entries()[index]);
}

}  // namespace wfvae
