// The latent lens (core/latent_lens.h) behind the studio's latent view.
#include "core/latent_lens.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace wfvae::lens {
namespace {

// [1, L, T, h, w] with channel c's values c * 10 + t + (y * w + x) * 0.01, channel 2 scaled
// down to almost nothing.
HostTensor ramp_latent(int64_t L, int64_t T, int64_t h, int64_t w) {
  HostTensor z({1, L, T, h, w});
  for (int64_t c = 0; c < L; ++c)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t i = 0; i < h * w; ++i) {
        const double v = static_cast<double>(t) + static_cast<double>(i) * 0.25 - c;
        z.data[static_cast<size_t>((c * T + t) * h * w + i)] = static_cast<float>(c == 2 ? v * 1e-3 : v);
      }
  return z;
}

TEST(LatentLens, FramesOfALatentFrameAreTheCausalSpans) {
  EXPECT_EQ(video_frames_of(0, 4).first, 0);
  EXPECT_EQ(video_frames_of(0, 4).last, 0);
  EXPECT_EQ(video_frames_of(1, 4).first, 1);
  EXPECT_EQ(video_frames_of(1, 4).last, 4);
  EXPECT_EQ(video_frames_of(3, 8).first, 17);
  EXPECT_EQ(video_frames_of(3, 8).last, 24);
  for (int tc : {4, 8})
    for (int64_t f = 0; f < 40; ++f) {
      const FrameSpan s = video_frames_of(latent_frame_of(f, tc), tc);
      EXPECT_LE(s.first, f);
      EXPECT_GE(s.last, f);
    }
}

TEST(LatentLens, FiguresPerChannelAndTheChannelsWithLittleEnergy) {
  const HostTensor z = ramp_latent(4, 3, 2, 3);
  HostTensor logvar(z.shape, 0.f);
  for (size_t i = 0; i < logvar.data.size(); ++i)
    logvar.data[i] = (i < 18) ? std::log(0.25f) : 0.f;  // channel 0: std 0.5
  const LatentSummary s = summarize_latent(z, logvar, {});
  ASSERT_EQ(s.channels, 4);
  EXPECT_EQ(s.frames, 3);
  ASSERT_EQ(s.channel.size(), 4u);
  EXPECT_EQ(s.channel[1].values.count(), 18);
  // Channel 1: t + i/4 - 1 over t in 0..2, i in 0..5: mean 1 + 0.625 - 1.
  EXPECT_NEAR(s.channel[1].values.mean(), 0.625, 1e-9);
  EXPECT_NEAR(s.channel[0].posterior_std, 0.5, 1e-6);
  EXPECT_NEAR(s.channel[1].posterior_std, 1.0, 1e-9);
  double shares = 0;
  for (const auto& c : s.channel) shares += c.variance_share;
  EXPECT_NEAR(shares, 1.0, 1e-12);
  EXPECT_EQ(s.little_energy_channels(), std::vector<int>{2});
  // The shared range is the 99.5th percentile of |z|: here the largest magnitude, near it.
  EXPECT_GT(s.shared_scale, 2.5f);
  EXPECT_LE(s.shared_scale, 3.25f);
  EXPECT_TRUE(std::isnan(summarize_latent(z, {}, {}).channel[0].posterior_std));
}

TEST(LatentLens, PlanesAndSamples) {
  const HostTensor z = ramp_latent(3, 2, 2, 2);
  const std::vector<float> p = channel_plane(z, 1, 1);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_FLOAT_EQ(p[0], 0.0f);   // t 1 + 0 - 1
  EXPECT_FLOAT_EQ(p[3], 0.75f);  // t 1 + 0.75 - 1
  EXPECT_THROW(channel_plane(z, 3, 0), Error);
  EXPECT_THROW(channel_plane(z, 0, 2), Error);

  HostTensor logvar(z.shape, -40.f);  // std e^-20: the sample is the mean
  const HostTensor s = posterior_sample(z, logvar, 1);
  for (size_t i = 0; i < z.data.size(); ++i) EXPECT_NEAR(s.data[i], z.data[i], 1e-6);
  HostTensor unit(z.shape, 0.f);
  const HostTensor a = posterior_sample(HostTensor(z.shape, 0.f), unit, 5),
                   b = posterior_sample(HostTensor(z.shape, 0.f), unit, 5),
                   c = posterior_sample(HostTensor(z.shape, 0.f), unit, 6);
  EXPECT_EQ(a.data, b.data);
  EXPECT_NE(a.data, c.data);
  EXPECT_THROW(posterior_sample(z, HostTensor({1, 3, 2, 2, 1}), 0), Error);
}

}  // namespace
}  // namespace wfvae::lens
