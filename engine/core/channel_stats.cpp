#include "core/channel_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace wfvae::stats {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const json::Value& member(const json::Value& v, const char* key, const std::string& source) {
  const json::Value* m = v.is_object() ? v.find(key) : nullptr;
  if (!m) fail_input(source + ": no \"" + key + "\" in the channel statistics");
  return *m;
}

double number_or(const json::Value& v, double if_null, const char* key, const std::string& source) {
  if (v.is_null()) return if_null;
  if (!v.is_number()) fail_input(source + ": \"" + key + "\" must be a number");
  return v.as_number();
}

int64_t count_of(const json::Value& v, const char* key, const std::string& source) {
  if (!v.is_integer() || v.as_int() < 0) fail_input(source + ": \"" + key + "\" must be a count (an integer >= 0)");
  return v.as_int();
}

}  // namespace

json::Value HistogramLayout::to_json() const {
  json::Value v;
  v["lo"] = lo;
  v["hi"] = hi;
  v["bins"] = bins;
  return v;
}

HistogramLayout HistogramLayout::from_json(const json::Value& v, const std::string& source) {
  HistogramLayout h;
  h.lo = number_or(member(v, "lo", source), kNaN, "lo", source);
  h.hi = number_or(member(v, "hi", source), kNaN, "hi", source);
  h.bins = static_cast<int>(count_of(member(v, "bins", source), "bins", source));
  if (!(std::isfinite(h.lo) && std::isfinite(h.hi) && h.lo < h.hi) || h.bins < 1 || h.bins > 1 << 20)
    fail_input(source + ": the histogram layout is not usable (lo < hi, 1 .. 2^20 bins)");
  return h;
}

ChannelStats::ChannelStats(HistogramLayout layout)
    : layout_(layout), min_(kInf), max_(-kInf), bins_(static_cast<size_t>(std::max(1, layout.bins)), 0) {}

// A block of values: its own mean and M2 by the compensated two-pass formula (exact
// to rounding, unlike the one-pass sum of squares), then merged in as one part.
template <class T>
void ChannelStats::add_values(const T* values, size_t n) {
  int64_t finite = 0;
  double sum = 0;
  const double width = (layout_.hi - layout_.lo) / layout_.bins;
  for (size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(values[i]);
    if (!std::isfinite(x)) {
      ++nonfinite_;
      continue;
    }
    ++finite;
    sum += x;
    min_ = std::min(min_, x);
    max_ = std::max(max_, x);
    if (x < layout_.lo) {
      ++under_;
    } else if (x >= layout_.hi) {
      ++over_;
    } else {
      // Rounding at a bin's upper edge can give `bins`; it belongs to the last bin.
      const auto k = std::min<int64_t>(static_cast<int64_t>((x - layout_.lo) / width), layout_.bins - 1);
      ++bins_[static_cast<size_t>(k)];
    }
  }
  if (finite == 0) return;
  double mean = sum / static_cast<double>(finite);
  double dev = 0, dev2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(values[i]);
    if (!std::isfinite(x)) continue;
    const double d = x - mean;
    dev += d;
    dev2 += d * d;
  }
  const double m2 = std::max(0.0, dev2 - dev * dev / static_cast<double>(finite));
  mean += dev / static_cast<double>(finite);
  merge_moments(finite, mean, m2);
}

void ChannelStats::add(const float* values, size_t n) { add_values(values, n); }
void ChannelStats::add(const double* values, size_t n) { add_values(values, n); }

void ChannelStats::merge_moments(int64_t n, double mean, double m2) {
  if (n == 0) return;
  if (count_ == 0) {
    count_ = n, mean_ = mean, m2_ = m2;
    return;
  }
  const double na = static_cast<double>(count_), nb = static_cast<double>(n), total = na + nb;
  const double delta = mean - mean_;
  mean_ += delta * (nb / total);
  m2_ += m2 + delta * delta * (na * nb / total);
  count_ += n;
}

void ChannelStats::merge(const ChannelStats& o) {
  if (o.layout_ != layout_) fail_usage("cannot merge channel statistics with different histogram bins");
  merge_moments(o.count_, o.mean_, o.m2_);
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
  nonfinite_ += o.nonfinite_;
  under_ += o.under_;
  over_ += o.over_;
  for (size_t k = 0; k < bins_.size(); ++k) bins_[k] += o.bins_[k];
}

double ChannelStats::mean() const { return count_ ? mean_ : kNaN; }
double ChannelStats::variance_unbiased() const { return count_ >= 2 ? m2_ / static_cast<double>(count_ - 1) : kNaN; }
double ChannelStats::std_unbiased() const { return std::sqrt(variance_unbiased()); }
double ChannelStats::min() const { return count_ ? min_ : kNaN; }
double ChannelStats::max() const { return count_ ? max_ : kNaN; }

json::Value ChannelStats::to_json() const {
  json::Value v;
  v["count"] = count_;
  v["mean"] = mean();  // NaN is written as null
  v["m2"] = m2_;
  v["std"] = std_unbiased();
  v["min"] = min();
  v["max"] = max();
  v["nonfinite"] = nonfinite_;
  json::Value h;
  h["underflow"] = under_;
  h["overflow"] = over_;
  h["counts"] = json::array_of(bins_);
  v["histogram"] = std::move(h);
  return v;
}

ChannelStats ChannelStats::from_json(const json::Value& v, const HistogramLayout& layout, const std::string& source) {
  ChannelStats s(layout);
  s.count_ = count_of(member(v, "count", source), "count", source);
  if (s.count_ > 0) {
    s.mean_ = number_or(member(v, "mean", source), kNaN, "mean", source);
    s.m2_ = number_or(member(v, "m2", source), kNaN, "m2", source);
    s.min_ = number_or(member(v, "min", source), kNaN, "min", source);
    s.max_ = number_or(member(v, "max", source), kNaN, "max", source);
    if (!std::isfinite(s.mean_) || !(s.m2_ >= 0) || !std::isfinite(s.m2_) || !(s.min_ <= s.max_))
      fail_input(source + ": the channel statistics are inconsistent (mean, m2, min, max)");
  }
  s.nonfinite_ = count_of(member(v, "nonfinite", source), "nonfinite", source);
  const json::Value& h = member(v, "histogram", source);
  s.under_ = count_of(member(h, "underflow", source), "underflow", source);
  s.over_ = count_of(member(h, "overflow", source), "overflow", source);
  const json::Value& counts = member(h, "counts", source);
  if (!counts.is_array() || counts.as_array().size() != s.bins_.size())
    fail_input(source + ": the histogram must have " + std::to_string(s.bins_.size()) + " counts");
  int64_t total = s.under_ + s.over_;
  for (size_t k = 0; k < s.bins_.size(); ++k) {
    s.bins_[k] = count_of(counts.as_array()[k], "counts", source);
    total += s.bins_[k];
  }
  if (total != s.count_) fail_input(source + ": the histogram's counts do not add up to the channel's count");
  return s;
}

void add_channels(std::vector<ChannelStats>& stats, const HostTensor& latent, const HistogramLayout& layout) {
  const size_t d = latent.shape.size();
  if (d != 4 && d != 5) fail_usage("latents must be [B, L, T, h, w] or [L, T, h, w], got " + latent.shape_str());
  const int64_t batch = d == 5 ? latent.shape[0] : 1;
  const int64_t L = latent.shape[d == 5 ? 1 : 0];
  if (stats.empty()) stats.assign(static_cast<size_t>(L), ChannelStats(layout));
  if (static_cast<int64_t>(stats.size()) != L)
    fail_usage("latents with " + std::to_string(L) + " channels cannot be added to statistics of " +
               std::to_string(stats.size()));
  const int64_t per = latent.numel() / std::max<int64_t>(1, batch * L);
  for (int64_t c = 0; c < L; ++c) {
    ChannelStats block(stats[static_cast<size_t>(c)].layout());
    for (int64_t b = 0; b < batch; ++b) block.add(latent.data.data() + (b * L + c) * per, static_cast<size_t>(per));
    stats[static_cast<size_t>(c)].merge(block);
  }
}

}  // namespace wfvae::stats
