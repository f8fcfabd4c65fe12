// A .safetensors file: header length, JSON header, offsets, dtypes and shapes
// validated against the file before any tensor is read; then every tensor read.
#include <unistd.h>

#include <fstream>

#include "core/safetensors.h"
#include "fuzz_common.h"

using namespace wfvae;

void fuzz_one(const std::string& input) {
  static const std::string path = "/tmp/wfvae-fuzz-" + std::to_string(::getpid()) + ".safetensors";
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(input.data(), static_cast<std::streamsize>(input.size()));
  SafetensorsReader r(path);
  (void)r.dominant_dtype();
  for (const auto& e : r.entries()) {
    (void)r.find(e.name);
    try {
      (void)r.read_float(e);
    } catch (const std::exception&) {
    }
  }
}
