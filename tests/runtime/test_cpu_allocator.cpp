// The CPU allocator that puts large tensors on transparent huge pages: installed once,
// large blocks aligned to 2 MiB (what lets the kernel back them with huge pages),
// small ones as LibTorch aligns them, and tensors behave as before (including the
// ones oneDNN allocates through it).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>

#include <cstdint>
#include <cstdlib>

#include "runtime/cpu_allocator.h"

using namespace wfvae;

TEST(CpuAllocator, LargeBlocksAreHugePageAlignedAndTensorsStillCompute) {
  if (std::getenv("WFVAE_NO_HUGEPAGES")) GTEST_SKIP() << "WFVAE_NO_HUGEPAGES is set";
  ASSERT_TRUE(runtime::use_huge_page_cpu_allocator());
  EXPECT_TRUE(runtime::use_huge_page_cpu_allocator());  // idempotent
  const c10::Allocator* installed = c10::GetCPUAllocator();
  runtime::use_huge_page_cpu_allocator();
  EXPECT_EQ(c10::GetCPUAllocator(), installed);

  at::Tensor big = at::ones({int64_t(runtime::kHugeBlockBytes / 4) + 1000});  // just over 2 MiB
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data_ptr()) % runtime::kHugeBlockBytes, 0u);
  at::Tensor small = at::ones({3, 5});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small.data_ptr()) % 64, 0u);
  EXPECT_EQ(big.sum().item<double>(), static_cast<double>(big.numel()));
  EXPECT_EQ(at::empty({0}).numel(), 0);

  // oneDNN's own buffers (weight reorders, scratchpads) come from the same allocator.
  at::Tensor x = at::randn({1, 8, 5, 16, 16}), w = at::randn({8, 8, 3, 3, 3});
  at::Tensor y = at::conv3d(x, w);
  at::Tensor expected = at::conv3d(x.to(at::kDouble), w.to(at::kDouble)).to(at::kFloat);
  EXPECT_LT((y - expected).abs().max().item<double>(), 1e-3);
}
