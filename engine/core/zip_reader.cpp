#include "core/zip_reader.h"

#include <algorithm>

#include "core/error.h"

namespace wfvae {

namespace {

uint64_t rd(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentral = 0x06054b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr size_t kMaxEntries = 1u << 20;

}  // namespace

bool ZipIndex::looks_like_zip(const uint8_t* data, size_t size) { return size >= 4 && rd(data, 4) == kLocalHeader; }

ZipIndex::ZipIndex(const uint8_t* data, size_t size, const std::string& source)
    : base_(data), size_(size), source_(source) {
  auto bad = [&](const std::string& what) { fail_input(source_ + ": " + what); };
  auto in_file = [&](uint64_t off, uint64_t len) { return off <= size_ && len <= size_ - off; };
  if (size_ < 22) bad("too short for a zip archive (" + std::to_string(size_) + " bytes; truncated?)");
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
  size_t eocd = SIZE_MAX;
  const size_t lowest = size_ > 65557 ? size_ - 65557 : 0;
  for (size_t i = size_ - 22 + 1; i-- > lowest;)
    if (rd(base_ + i, 4) == kEndOfCentral) {
      eocd = i;
      break;
    }
  if (eocd == SIZE_MAX) bad("zip archive without its end record (truncated, or not a torch.save file)");
  uint64_t count = rd(base_ + eocd + 10, 2);
  uint64_t cd_size = rd(base_ + eocd + 12, 4);
  uint64_t cd_offset = rd(base_ + eocd + 16, 4);
  if ((count == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu) && eocd >= 20 &&
      rd(base_ + eocd - 20, 4) == kZip64Locator) {
    const uint64_t z64 = rd(base_ + eocd - 20 + 8, 8);
    if (!in_file(z64, 56) || rd(base_ + z64, 4) != kZip64End) bad("ZIP64 end record out of place (corrupt)");
    count = rd(base_ + z64 + 32, 8);
    cd_size = rd(base_ + z64 + 40, 8);
    cd_offset = rd(base_ + z64 + 48, 8);
  }
  if (!in_file(cd_offset, cd_size))
    bad("central directory at " + std::to_string(cd_offset) + " (+" + std::to_string(cd_size) +
        " bytes) lies beyond the file's " + std::to_string(size_) + " bytes (truncated)");
  if (count > kMaxEntries) bad(std::to_string(count) + " zip entries (more than any checkpoint has)");
  uint64_t p = cd_offset;
  const uint64_t cd_end = cd_offset + cd_size;
  entries_.reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    if (p + 46 > cd_end || rd(base_ + p, 4) != kCentralHeader)
      bad("zip central directory entry " + std::to_string(i) + " is damaged");
    ZipEntry e;
    e.method = static_cast<uint16_t>(rd(base_ + p + 10, 2));
    uint64_t csize = rd(base_ + p + 20, 4);
    uint64_t usize = rd(base_ + p + 24, 4);
    const uint64_t name_len = rd(base_ + p + 28, 2), extra_len = rd(base_ + p + 30, 2),
                   comment_len = rd(base_ + p + 32, 2);
    uint64_t local = rd(base_ + p + 42, 4);
    if (p + 46 + name_len + extra_len + comment_len > cd_end)
      bad("zip central directory entry " + std::to_string(i) + " runs past the directory");
    e.name.assign(reinterpret_cast<const char*>(base_ + p + 46), static_cast<size_t>(name_len));
    // ZIP64 extra field: the 64-bit values of the fields that read 0xffffffff, in order.
    for (uint64_t x = p + 46 + name_len; x + 4 <= p + 46 + name_len + extra_len;) {
      const uint64_t id = rd(base_ + x, 2), len = rd(base_ + x + 2, 2);
      if (x + 4 + len > p + 46 + name_len + extra_len) break;
      if (id == 1) {
        uint64_t q = x + 4;
        auto next = [&](uint64_t& field) {
          if (field == 0xffffffffu && q + 8 <= x + 4 + len) {
            field = rd(base_ + q, 8);
            q += 8;
          }
        };
        next(usize);
        next(csize);
        next(local);
      }
      x += 4 + len;
    }
    if (!in_file(local, 30) || rd(base_ + local, 4) != kLocalHeader)
      bad("zip entry \"" + e.name + "\": its local header at " + std::to_string(local) + " is missing (truncated)");
    const uint64_t lname = rd(base_ + local + 26, 2), lextra = rd(base_ + local + 28, 2);
    e.data_offset = local + 30 + lname + lextra;
    e.size = e.method == 0 ? usize : csize;
    if (e.method == 0 && csize != usize)
      bad("zip entry \"" + e.name + "\": stored, but its sizes disagree (" + std::to_string(csize) + " vs " +
          std::to_string(usize) + ")");
    if (!in_file(e.data_offset, e.size))
      bad("zip entry \"" + e.name + "\" (" + std::to_string(e.size) + " bytes at " + std::to_string(e.data_offset) +
          ") runs past the end of the file's " + std::to_string(size_) + " bytes (truncated)");
    entries_.push_back(std::move(e));
    p += 46 + name_len + extra_len + comment_len;
  }
}

const ZipEntry* ZipIndex::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

const uint8_t* ZipIndex::data(const ZipEntry& e) const {
  if (e.method != 0)
    fail_input(source_ + ": zip entry \"" + e.name + "\" is compressed (method " + std::to_string(e.method) +
               "); torch.save writes uncompressed archives (re-zipped by another tool? unzip it and save again)");
  return base_ + e.data_offset;
}

}  // namespace wfvae
