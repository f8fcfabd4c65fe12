// safetensors reader and writer (no Debian package ships one).
// Format: 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
// then the raw little-endian tensor bytes; offsets are relative to the data start.
// The reader memory-maps the file and validates everything before any tensor is
// touched; each violation is a BadInput error naming the file, tensor and problem.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/fileutil.h"

namespace wfvae {

enum class StDType { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, F8_E4M3, F8_E5M2 };

const char* st_dtype_name(StDType t);
size_t st_dtype_size(StDType t);
// Parses a dtype name; returns false when unknown.
bool st_dtype_from_name(const std::string& name, StDType* out);

struct StTensorEntry {
  std::string name;
  StDType dtype = StDType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // relative to the data section
  uint64_t end = 0;
  int64_t numel() const;
  std::string shape_str() const;
};

class SafetensorsReader {
 public:
  // Header larger than this is refused (real checkpoints' headers are < 1 MB).
  static constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

  explicit SafetensorsReader(const std::filesystem::path& path);
  ~SafetensorsReader();
  SafetensorsReader(const SafetensorsReader&) = delete;
  SafetensorsReader& operator=(const SafetensorsReader&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::vector<StTensorEntry>& entries() const { return entries_; }
  const StTensorEntry* find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const uint8_t* data(const StTensorEntry& e) const { return data_ + e.begin; }
  // F32/F16/BF16 (and F64) converted to float32; other dtypes are an error naming the tensor.
  std::vector<float> read_float(const StTensorEntry& e) const;
  // The dtype most tensors are stored in ("F16"), for reports.
  std::string dominant_dtype() const;

 private:
  std::filesystem::path path_;
  MappedFile file_;
  const uint8_t* data_ = nullptr;
  std::vector<StTensorEntry> entries_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

struct StTensorToWrite {
  std::string name;
  StDType dtype = StDType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;  // numel * dtype size bytes, little-endian
};

// Serialises the tensors (in the given order) and writes the file atomically.
void write_safetensors(const std::filesystem::path& path, const std::vector<StTensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata, bool overwrite);
// Same, into memory (tests build malformed files from it).
std::string serialize_safetensors(const std::vector<StTensorToWrite>& tensors,
                                  const std::map<std::string, std::string>& metadata);

}  // namespace wfvae
