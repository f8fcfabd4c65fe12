// Streaming statistics of one channel of values (a latent channel over a data set):
// count, mean and the sum of squared deviations in the parallel form of Welford's
// algorithm (Chan, Golub and LeVeque), min, max, and a histogram with fixed bins, all
// in float64. Memory does not grow with the data, and partial results merge exactly:
// two halves merged give the whole's figures to float64 rounding (a count, sum and sum
// of squares would lose the variance to cancellation when the mean is large).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/host_tensor.h"
#include "core/json.h"

namespace wfvae::stats {

// Fixed bins over [lo, hi): bin k holds lo + k * width <= x < lo + (k + 1) * width,
// width = (hi - lo) / bins; values below lo and at or above hi are counted apart.
// Fixed so that two partial histograms add bin by bin.
struct HistogramLayout {
  double lo = -16.0;
  double hi = 16.0;
  int bins = 128;
  bool operator==(const HistogramLayout& o) const { return lo == o.lo && hi == o.hi && bins == o.bins; }
  bool operator!=(const HistogramLayout& o) const { return !(*this == o); }
  json::Value to_json() const;
  static HistogramLayout from_json(const json::Value& v, const std::string& source);
};

class ChannelStats {
 public:
  explicit ChannelStats(HistogramLayout layout = {});

  // Adds n values (float32, as the latents come). Non-finite values are counted in
  // nonfinite() and left out of every other figure.
  void add(const float* values, size_t n);
  void add(const double* values, size_t n);
  // Adds another accumulator's values (Chan's merge). Usage error when the histogram
  // layouts differ.
  void merge(const ChannelStats& other);

  int64_t count() const { return count_; }
  double mean() const;               // NaN with no values
  double m2() const { return m2_; }  // sum of squared deviations from the mean
  double variance_unbiased() const;  // m2 / (count - 1), as torch.var; NaN under 2 values
  double std_unbiased() const;       // its square root, as torch.std
  double min() const;                // NaN with no values
  double max() const;
  int64_t nonfinite() const { return nonfinite_; }

  const HistogramLayout& layout() const { return layout_; }
  const std::vector<int64_t>& histogram() const { return bins_; }
  int64_t underflow() const { return under_; }
  int64_t overflow() const { return over_; }

  // {"count", "mean", "m2", "std", "min", "max", "nonfinite", "histogram": {"underflow",
  // "overflow", "counts"}}; "std" is for readers, from_json recomputes it. Numbers are
  // written in their shortest round-trip form, so a file read back merges exactly.
  json::Value to_json() const;
  // BadInput naming `source` when the object is not one to_json wrote.
  static ChannelStats from_json(const json::Value& v, const HistogramLayout& layout, const std::string& source);

 private:
  template <class T>
  void add_values(const T* values, size_t n);
  void merge_moments(int64_t n, double mean, double m2);

  HistogramLayout layout_;
  int64_t count_ = 0;
  double mean_ = 0, m2_ = 0;
  double min_, max_;
  int64_t nonfinite_ = 0;
  std::vector<int64_t> bins_;
  int64_t under_ = 0, over_ = 0;
};

// Adds each channel of a latent tensor, [B, L, T, h, w] (or [L, T, h, w]), over
// (batch, t, h, w) to stats[c] (resized to L when empty; Usage error when it holds
// another count).
void add_channels(std::vector<ChannelStats>& stats, const HostTensor& latent, const HistogramLayout& layout = {});

}  // namespace wfvae::stats
