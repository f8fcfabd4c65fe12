// LibTorch's CPU allocator, with large blocks on transparent huge pages.
//
// The engine's activations and oneDNN's reordered weights are fresh multi-megabyte
// blocks on every call; glibc maps each one anew, so every call pays a page fault per
// 4 KiB touched (1.8 million faults in `wfvae bench` of WF-VAE-L at 9x64x64, 4 runs).
// Blocks of kHugeBlockBytes and more are aligned to 2 MiB and advised
// MADV_HUGEPAGE, which the kernel's default THP mode ("madvise") honours: one fault
// per 2 MiB. Same memory, fewer faults. WFVAE_NO_HUGEPAGES=1 keeps LibTorch's own
// allocator (for A/B measurements).
#pragma once

#include <cstddef>

namespace wfvae::runtime {

constexpr std::size_t kHugeBlockBytes = std::size_t(2) << 20;

// Installs the allocator once per process (idempotent); returns whether it is in use.
bool use_huge_page_cpu_allocator();

}  // namespace wfvae::runtime
