// The index of a zip archive held in memory, for the torch.save zip format
// (uncompressed entries, ZIP64 when past 4 GB). Every offset and size is checked
// against the buffer before it is returned; violations are BadInput errors
// naming the file and the entry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wfvae {

struct ZipEntry {
  std::string name;
  uint64_t data_offset = 0;  // of the entry's bytes in the archive
  uint64_t size = 0;         // bytes (stored: compressed == uncompressed)
  uint16_t method = 0;       // 0 stored, 8 deflate, ...
};

class ZipIndex {
 public:
  // Whether the buffer starts like a zip archive (a local file header).
  static bool looks_like_zip(const uint8_t* data, size_t size);

  ZipIndex(const uint8_t* data, size_t size, const std::string& source);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The entry named exactly `name`, or nullptr.
  const ZipEntry* find(const std::string& name) const;
  // Its bytes; fails naming the entry when it is compressed (torch.save never compresses).
  const uint8_t* data(const ZipEntry& e) const;

 private:
  const uint8_t* base_;
  size_t size_;
  std::string source_;
  std::vector<ZipEntry> entries_;
};

}  // namespace wfvae
