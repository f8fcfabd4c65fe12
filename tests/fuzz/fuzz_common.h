// Shared by the libFuzzer harnesses (scripts/fuzz builds and runs them). Each
// harness defines fuzz_one(); any exception is an accepted answer to bad bytes, and
// crashes, leaks, undefined behaviour (ASan/UBSan abort) and hangs are the findings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

void fuzz_one(const std::string& input);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    fuzz_one(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception&) {
  }
  return 0;
}
