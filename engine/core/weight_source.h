// Named weight tensors from any file the engine loads: a safetensors file, or the
// state dict chosen inside a torch.save checkpoint. The model loader reads both
// through this one view, so its strict key, shape and finiteness checks are the
// same for every format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/safetensors.h"

namespace wfvae {

struct WeightEntry {
  std::string name;
  StDType dtype = StDType::F32;
  std::vector<int64_t> shape;
  std::string shape_str() const;
};

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  virtual std::string path() const = 0;
  virtual const std::vector<WeightEntry>& entries() const = 0;
  // Entry `index` converted to float32 (F32/F16/BF16/F64); other dtypes are an
  // error naming the tensor.
  virtual std::vector<float> read_float(size_t index) const = 0;
  // Keys whose values are not tensors ("key (int 3)"): the loader lists them as unexpected.
  virtual std::vector<std::string> not_weights() const { return {}; }

  // Index of the entry called `name`, or -1.
  int64_t find(const std::string& name) const;
  // The dtype most tensors are stored in ("F16"), for reports.
  std::string dominant_dtype() const;
};

class SafetensorsWeights : public WeightSource {
 public:
  explicit SafetensorsWeights(const SafetensorsReader& file);
  std::string path() const override { return file_.path().string(); }
  const std::vector<WeightEntry>& entries() const override { return entries_; }
  std::vector<float> read_float(size_t index) const override;

 private:
  const SafetensorsReader& file_;
  std::vector<WeightEntry> entries_;
};

}  // namespace wfvae
