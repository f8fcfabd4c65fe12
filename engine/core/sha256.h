// SHA-256 (FIPS 180-4), for naming the exact file a result came from (the FVD
// detector's checksum in tables). Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace wfvae {

// Lower-case hex digest of `size` bytes.
std::string sha256_hex(const uint8_t* data, size_t size);
// Of a file's contents; BadInput naming the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace wfvae
