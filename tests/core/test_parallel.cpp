// core/parallel.h: every index once, results as a serial loop's, errors rethrown; and
// the metrics that use it give the same numbers as frame-by-frame calls.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/metrics.h"
#include "core/parallel.h"

using namespace wfvae;

namespace {

// Runs with WFVAE_THREADS set to `n` (restored after).
struct ThreadsEnv {
  explicit ThreadsEnv(const char* n) { setenv("WFVAE_THREADS", n, 1); }
  ~ThreadsEnv() { unsetenv("WFVAE_THREADS"); }
};

TEST(ParallelFor, VisitsEveryIndexOnce) {
  ThreadsEnv env("3");
  for (int64_t n : {0, 1, 2, 3, 7, 100}) {
    std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
    parallel_for(n, [&](int64_t i) { seen[static_cast<size_t>(i)]++; });
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)].load(), 1) << "n " << n << " i " << i;
  }
}

TEST(ParallelFor, RethrowsAfterEveryThreadStopped) {
  ThreadsEnv env("4");
  std::atomic<int> ran{0};
  EXPECT_THROW(parallel_for(40,
                            [&](int64_t i) {
                              ran++;
                              if (i == 5) throw std::runtime_error("frame 5");
                            }),
               std::runtime_error);
  EXPECT_GE(ran.load(), 6);  // the thread of item 5 stopped there; the others ran on
}

TEST(ParallelFor, HostThreadsHonoursTheEnvironment) {
  {
    ThreadsEnv env("5");
    EXPECT_EQ(host_threads(), 5);
  }
  {
    ThreadsEnv env("0");  // not a count: the hardware's
    EXPECT_GE(host_threads(), 1);
  }
}

TEST(ParallelFor, VideoMetricsMatchFrameByFrameOnAnyThreadCount) {
  HostTensor a({1, 3, 7, 24, 40}), b({1, 3, 7, 24, 40});
  std::mt19937 g(7);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto& v : a.data) v = u(g);
  for (size_t i = 0; i < b.data.size(); ++i) b.data[i] = 0.8f * a.data[i] + 0.2f * u(g);
  std::vector<metrics::FrameMetrics> serial;
  for (int64_t t = 0; t < 7; ++t) serial.push_back(metrics::compare_frame(a, b, t));
  for (const char* n : {"1", "2", "5"}) {
    ThreadsEnv env(n);
    const metrics::VideoMetrics m = metrics::compare_videos(a, b);
    ASSERT_EQ(m.frames.size(), serial.size());
    for (size_t t = 0; t < serial.size(); ++t) {
      EXPECT_EQ(m.frames[t].psnr, serial[t].psnr) << n << " threads, frame " << t;
      EXPECT_EQ(m.frames[t].ssim, serial[t].ssim) << n << " threads, frame " << t;
      EXPECT_EQ(m.frames[t].blockiness, serial[t].blockiness) << n << " threads, frame " << t;
    }
  }
}

}  // namespace
