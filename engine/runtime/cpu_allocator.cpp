#include "runtime/cpu_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace wfvae::runtime {

namespace {

void free_block(void* p) { std::free(p); }

class HugePageCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(std::size_t n) override {
    if (n == 0) return {nullptr, nullptr, &free_block, c10::Device(c10::DeviceType::CPU)};
    const bool huge = n >= kHugeBlockBytes;
    // 64-byte alignment below, as LibTorch's own allocator gives (gAlignment).
    void* p = nullptr;
    if (posix_memalign(&p, huge ? kHugeBlockBytes : 64, n) != 0 || !p) throw std::bad_alloc();
    if (huge) ::madvise(p, n, MADV_HUGEPAGE);  // advice only: a refusal costs nothing
    return {p, p, &free_block, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &free_block; }
  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
};

}  // namespace

bool use_huge_page_cpu_allocator() {
  static bool installed = false;
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("WFVAE_NO_HUGEPAGES")) return;
    static HugePageCpuAllocator allocator;  // outlives every tensor (never destroyed before exit)
    c10::SetCPUAllocator(&allocator, /*priority=*/1);
    installed = true;
  });
  return installed;
}

}  // namespace wfvae::runtime
