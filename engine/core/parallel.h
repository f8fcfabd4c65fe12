// Per-frame work (metrics) spread over the host's threads without LibTorch: the
// core library stays torch-free, and while the metrics run LibTorch's pool is idle.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace wfvae {

// The thread count the engine uses: WFVAE_THREADS when set, else the hardware's.
inline int host_threads() {
  if (const char* env = std::getenv("WFVAE_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// fn(i) for i in [0, n), on up to host_threads() threads (i % threads per thread, so
// each thread's items are spread along the range). Each fn(i) must write only its own
// result slot; the results are then the same as a serial loop's. The first exception
// thrown (e.g. a cancel) is rethrown here once every thread has stopped.
inline void parallel_for(int64_t n, const std::function<void(int64_t)>& fn) {
  const int64_t threads = std::min<int64_t>(n, host_threads());
  if (threads <= 1) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  auto run = [&](int64_t k) {
    try {
      for (int64_t i = k; i < n; i += threads) fn(i);
    } catch (...) {
      errors[static_cast<size_t>(k)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (int64_t k = 1; k < threads; ++k) pool.emplace_back(run, k);
  run(0);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace wfvae
