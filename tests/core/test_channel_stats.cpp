// The streaming per-channel accumulator (core/channel_stats.h) behind `wfvae latent-stats`.
#include "core/channel_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"

namespace wfvae::stats {
namespace {

// Values with a large mean and a small spread: where a sum of squares loses the variance.
std::vector<float> random_values(size_t n, uint32_t seed, double mean = 37.0, double sd = 0.25) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(mean, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(dist(rng));
  return v;
}

struct TwoPass {
  double mean = 0, m2 = 0;
};
TwoPass two_pass(const std::vector<float>& v) {
  TwoPass r;
  for (float x : v) r.mean += x;
  r.mean /= static_cast<double>(v.size());
  for (float x : v) r.m2 += (x - r.mean) * (x - r.mean);
  return r;
}

double rel(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-300); }

TEST(ChannelStats, MatchesTwoPassReferenceValueByValueAndInBlocks) {
  const std::vector<float> v = random_values(20001, 1);
  const TwoPass ref = two_pass(v);
  ChannelStats one_by_one, blocks;
  for (float x : v) one_by_one.add(&x, 1);  // Welford, one value at a time
  for (size_t i = 0; i < v.size(); i += 777) blocks.add(v.data() + i, std::min<size_t>(777, v.size() - i));
  for (const ChannelStats* s : {&one_by_one, &blocks}) {
    EXPECT_EQ(s->count(), 20001);
    EXPECT_LT(rel(s->mean(), ref.mean), 1e-14);
    EXPECT_LT(rel(s->m2(), ref.m2), 1e-10);
  }
}

TEST(ChannelStats, UnbiasedStdIsTheTextbookFormula) {
  const std::vector<float> v = {1, 2, 3, 4, 10};
  ChannelStats s;
  s.add(v.data(), v.size());
  // mean 4, squared deviations 9 + 4 + 1 + 0 + 36 = 50, / (n - 1) = 12.5
  EXPECT_DOUBLE_EQ(s.mean(), 4.0);
  EXPECT_DOUBLE_EQ(s.variance_unbiased(), 12.5);
  EXPECT_DOUBLE_EQ(s.std_unbiased(), std::sqrt(12.5));
  EXPECT_EQ(s.min(), 1.0);
  EXPECT_EQ(s.max(), 10.0);
  ChannelStats one;
  one.add(v.data(), 1);
  EXPECT_TRUE(std::isnan(one.std_unbiased()));  // as torch.std of one value
  EXPECT_TRUE(std::isnan(ChannelStats().mean()));
}

TEST(ChannelStats, TwoHalvesMergeToTheWhole) {
  const std::vector<float> v = random_values(10000, 2, -3.0, 2.5);
  ChannelStats whole, a, b;
  whole.add(v.data(), v.size());
  a.add(v.data(), 3333);
  b.add(v.data() + 3333, v.size() - 3333);
  a.merge(b);
  EXPECT_EQ(a.count(), whole.count());
  EXPECT_LT(rel(a.mean(), whole.mean()), 1e-12);
  EXPECT_LT(rel(a.m2(), whole.m2()), 1e-12);
  EXPECT_LT(rel(a.std_unbiased(), whole.std_unbiased()), 1e-12);
  EXPECT_EQ(a.min(), whole.min());
  EXPECT_EQ(a.max(), whole.max());
  EXPECT_EQ(a.histogram(), whole.histogram());
  EXPECT_EQ(a.underflow(), whole.underflow());
  EXPECT_EQ(a.overflow(), whole.overflow());
  ChannelStats empty;
  empty.merge(whole);  // into nothing: the other's figures
  EXPECT_EQ(empty.mean(), whole.mean());
  whole.merge(ChannelStats());  // nothing in: unchanged
  EXPECT_EQ(empty.m2(), whole.m2());
}

TEST(ChannelStats, HistogramCountsAddUp) {
  HistogramLayout layout;
  layout.lo = -1, layout.hi = 1, layout.bins = 4;
  ChannelStats s(layout);
  const std::vector<float> v = {-2.f, -1.f, -0.5f, -0.25f, 0.f, 0.49f, 0.5f, 0.999f, 1.f, 5.f, NAN, INFINITY};
  s.add(v.data(), v.size());
  EXPECT_EQ(s.underflow(), 1);  // -2
  EXPECT_EQ(s.overflow(), 2);   // 1 (the upper edge is open), 5
  EXPECT_EQ(s.nonfinite(), 2);
  EXPECT_EQ(s.histogram(), (std::vector<int64_t>{1, 2, 2, 2}));
  int64_t total = s.underflow() + s.overflow();
  for (int64_t c : s.histogram()) total += c;
  EXPECT_EQ(total, s.count());
  EXPECT_EQ(s.count(), 10);

  const std::vector<float> big = random_values(5000, 3, 0.0, 3.0);
  ChannelStats d;
  d.add(big.data(), big.size());
  total = d.underflow() + d.overflow();
  for (int64_t c : d.histogram()) total += c;
  EXPECT_EQ(total, 5000);
}

TEST(ChannelStats, JsonRoundTripMergesExactly) {
  const std::vector<float> v = random_values(4096, 4, 0.3, 1.7);
  ChannelStats s;
  s.add(v.data(), v.size());
  const json::Value j = json::parse(json::dump(s.to_json()));
  const ChannelStats back = ChannelStats::from_json(j, s.layout(), "test.json");
  EXPECT_EQ(back.count(), s.count());
  EXPECT_EQ(back.mean(), s.mean());
  EXPECT_EQ(back.m2(), s.m2());
  EXPECT_EQ(back.min(), s.min());
  EXPECT_EQ(back.max(), s.max());
  EXPECT_EQ(back.histogram(), s.histogram());

  json::Value broken = json::parse(json::dump(j));
  broken["count"] = 5;  // the histogram no longer adds up
  EXPECT_THROW(ChannelStats::from_json(broken, s.layout(), "test.json"), Error);
  HistogramLayout other;
  other.bins = 64;
  EXPECT_THROW(ChannelStats(other).merge(s), Error);
  EXPECT_THROW(ChannelStats::from_json(j, other, "test.json"), Error);
}

TEST(ChannelStats, AddChannelsSplitsALatentTensorByChannel) {
  HostTensor t({2, 3, 2, 2, 2});  // batch 2, 3 channels
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(i);
  std::vector<ChannelStats> s;
  add_channels(s, t);
  ASSERT_EQ(s.size(), 3u);
  // channel 1: values 8..15 (batch 0) and 32..39 (batch 1)
  EXPECT_EQ(s[1].count(), 16);
  EXPECT_DOUBLE_EQ(s[1].mean(), (11.5 + 35.5) / 2);
  EXPECT_EQ(s[1].min(), 8.0);
  EXPECT_EQ(s[1].max(), 39.0);
  HostTensor four({4, 1, 1, 1});
  EXPECT_THROW(add_channels(s, four), Error);  // 4 channels into 3
}

}  // namespace
}  // namespace wfvae::stats
