// Shared by the libFuzzer harnesses (scripts/fuzz builds and runs them). Each
// harness defines fuzz_one(); any exception is an accepted answer to bad bytes, and
// crashes, leaks, undefined behaviour (ASan/UBSan abort) and hangs are the findings.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <fstream>
#include <string>

void fuzz_one(const std::string& input);

// For the readers that take a path: `input` written to this process's file ending in
// `ext` (the same file on every call), and its path.
inline std::string input_file(const std::string& input, const std::string& ext) {
  const std::string path = "/tmp/wfvae-fuzz-" + std::to_string(::getpid()) + ext;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(input.data(), static_cast<std::streamsize>(input.size()));
  return path;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    fuzz_one(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception&) {
  }
  return 0;
}
