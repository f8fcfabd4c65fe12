// A .safetensors file: header length, JSON header, offsets, dtypes and shapes
// validated against the file before any tensor is read; then every tensor read.
#include "core/safetensors.h"
#include "fuzz_common.h"

using namespace wfvae;

void fuzz_one(const std::string& input) {
  SafetensorsReader r(input_file(input, ".safetensors"));
  (void)r.dominant_dtype();
  for (const auto& e : r.entries()) {
    (void)r.find(e.name);
    try {
      (void)r.read_float(e);
    } catch (const std::exception&) {
    }
  }
}
