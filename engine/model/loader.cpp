#include "model/loader.h"

#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "core/error.h"
#include "core/half.h"

namespace wfvae::model {

namespace {
std::string shape_str(at::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// When the keys disagree only in the norm naming, say so: the usual cause is a
// config.json whose norm_type does not match the weights.
std::string norm_hint(const std::vector<std::string>& missing, const std::vector<std::string>& unexpected,
                      const std::string& norm_type) {
  int ln_unexpected = 0, gn_missing = 0;
  for (const auto& k : unexpected)
    if (ends_with(k, ".norm.weight") || ends_with(k, ".norm.bias")) ++ln_unexpected;
  for (const auto& k : missing)
    if (k.find("norm") != std::string::npos) ++gn_missing;
  if (norm_type == "groupnorm" && ln_unexpected > 0 && gn_missing > 0)
    return " (the file's norm keys look like layernorm \"...norm.weight\" but config.json says norm_type "
           "\"groupnorm\")";
  if (norm_type == "layernorm" && gn_missing > 0 && ln_unexpected == 0 && !unexpected.empty())
    return " (the file's norm keys look like groupnorm but config.json says norm_type \"layernorm\")";
  return "";
}
}  // namespace

void load_state_dict(WFVAEModel& model, const WeightSource& file, LoadReport& report) {
  report.weights_path = file.path();
  report.stored_dtype = file.dominant_dtype();
  report.tensors_in_file = static_cast<int64_t>(file.entries().size());
  std::set<std::string> used;
  std::vector<std::pair<Tensor*, size_t>> to_copy;
  for (auto& nt : model.named_tensors()) {
    const int64_t index = file.find(nt.name);
    if (index < 0) {
      if (nt.optional)
        ++report.constants_absent;
      else
        report.missing.push_back(nt.name);
      continue;
    }
    const WeightEntry* e = &file.entries()[static_cast<size_t>(index)];
    used.insert(nt.name);
    std::vector<int64_t> want(nt.tensor->sizes().begin(), nt.tensor->sizes().end());
    if (e->shape != want) {
      report.shape_mismatch.push_back(nt.name + ": file " + e->shape_str() + " vs model " +
                                      shape_str(nt.tensor->sizes()));
      continue;
    }
    if (e->dtype != StDType::F32 && e->dtype != StDType::F16 && e->dtype != StDType::BF16 && e->dtype != StDType::F64) {
      report.shape_mismatch.push_back(nt.name + ": dtype " + st_dtype_name(e->dtype) +
                                      " is not a float type (F32, F16, BF16)");
      continue;
    }
    if (nt.optional) ++report.constants_present;
    to_copy.emplace_back(nt.tensor, static_cast<size_t>(index));
  }
  for (const auto& e : file.entries())
    if (!used.count(e.name)) report.unexpected.push_back(e.name);
  for (const auto& n : file.not_weights()) report.unexpected.push_back(n);

  if (!report.clean()) {
    std::string msg = file.path() + ": the weights do not match the model built from config.json" +
                      norm_hint(report.missing, report.unexpected, model.norm_type()) + ":";
    auto list = [&](const char* what, const std::vector<std::string>& v) {
      if (v.empty()) return;
      msg += "\n  " + std::to_string(v.size()) + " " + what + ":";
      for (size_t i = 0; i < v.size() && i < 12; ++i) msg += "\n    " + v[i];
      if (v.size() > 12) msg += "\n    ... and " + std::to_string(v.size() - 12) + " more";
    };
    list("missing", report.missing);
    list("unexpected", report.unexpected);
    list("mismatched", report.shape_mismatch);
    fail_input(msg);
  }
  // A NaN or Inf weight turns every output black (or NaN) without a word: refuse
  // the load, naming each tensor and how many of its values are bad.
  std::vector<std::string> non_finite;
  for (auto& [tensor, index] : to_copy) {
    std::vector<float> values = file.read_float(index);
    size_t bad = 0;
    for (float v : values) bad += !std::isfinite(v);
    if (bad)
      non_finite.push_back(file.entries()[index].name + ": " + std::to_string(bad) + " of " +
                           std::to_string(values.size()) + " values");
    *tensor = at::from_blob(values.data(), tensor->sizes(), at::kFloat).clone();
    ++report.tensors_loaded;
  }
  if (!non_finite.empty()) {
    std::string msg = file.path() + ": " + std::to_string(non_finite.size()) +
                      " tensors hold NaN or Inf (a diverged training run, or a damaged file):";
    for (size_t i = 0; i < non_finite.size() && i < 12; ++i) msg += "\n    " + non_finite[i];
    if (non_finite.size() > 12) msg += "\n    ... and " + std::to_string(non_finite.size() - 12) + " more";
    fail_input(msg);
  }
  report.num_parameters = model.num_parameters();
}

void save_state_dict(WFVAEModel& model, const std::filesystem::path& path, StDType file_dtype, bool overwrite) {
  std::vector<std::vector<uint8_t>> buffers;
  std::vector<StTensorToWrite> out;
  auto tensors = model.named_tensors();
  buffers.reserve(tensors.size());
  for (auto& nt : tensors) {
    Tensor t = nt.tensor->detach().to(at::kCPU, at::kFloat).contiguous();
    const int64_t n = t.numel();
    const float* p = t.data_ptr<float>();
    const StDType dtype = nt.optional ? StDType::F32 : file_dtype;
    std::vector<uint8_t> bytes(static_cast<size_t>(n) * st_dtype_size(dtype));
    for (int64_t i = 0; i < n; ++i) {
      if (dtype == StDType::F32) {
        std::memcpy(bytes.data() + 4 * i, p + i, 4);
      } else {
        uint16_t h = dtype == StDType::F16 ? float_to_f16(p[i]) : float_to_bf16(p[i]);
        std::memcpy(bytes.data() + 2 * i, &h, 2);
      }
    }
    buffers.push_back(std::move(bytes));
    out.push_back({nt.name, dtype, std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), buffers.back().data()});
  }
  write_safetensors(path, out, {{"format", "pt"}}, overwrite);
}

}  // namespace wfvae::model
