// The latent lens: what the studio's latent view shows of one clip's latent. Which
// video frames and pixels a latent cell covers (the encoder's causal 1 + k * t_c
// frames and s x s pixels), per-channel figures of this clip (stats::ChannelStats,
// the posterior's std, the share of the latent's variance), the channels that carry
// little of it, one colormap range shared by every channel, and a seeded posterior
// sample. Torch-free: the studio computes it on its own thread.
#pragma once

#include <cstdint>
#include <vector>

#include "core/channel_stats.h"
#include "core/host_tensor.h"

namespace wfvae::lens {

// The video frames latent frame k stands for: frame 0 alone for k = 0 (the causal
// first frame), else frames 1 + (k - 1) * t_c .. k * t_c.
struct FrameSpan {
  int64_t first = 0, last = 0;
};
FrameSpan video_frames_of(int64_t latent_frame, int temporal_compression);
// The latent frame that holds video frame f.
int64_t latent_frame_of(int64_t video_frame, int temporal_compression);

struct ChannelFigures {
  stats::ChannelStats values;  // over (t, h, w) of this clip
  double posterior_std = 0;    // mean over the clip of exp(logvar / 2); NaN without logvar
  double variance_share = 0;   // this channel's variance over the sum of all channels'
  bool little_energy = false;  // variance_share under a quarter of an even share (1 / 4L)
};

struct LatentSummary {
  int64_t channels = 0, frames = 0, height = 0, width = 0;  // the latent's [L, T, h, w]
  std::vector<ChannelFigures> channel;
  // The colormap range every channel shares: the 99.5th percentile of |z| over the clip.
  float shared_scale = 0;
  std::vector<int> little_energy_channels() const;
};

// z: [1, L, T, h, w]; logvar: the same shape, or empty. Histograms over `layout`.
LatentSummary summarize_latent(const HostTensor& z, const HostTensor& logvar, const stats::HistogramLayout& layout);

// Channel c at latent frame t, row-major h x w.
std::vector<float> channel_plane(const HostTensor& z, int64_t c, int64_t t);

// mean + exp(logvar / 2) * N(0, 1), the posterior's sample (DiagonalGaussianDistribution
// .sample()), from a seeded generator of our own: one sample, the same for a seed.
HostTensor posterior_sample(const HostTensor& mean, const HostTensor& logvar, uint64_t seed);

}  // namespace wfvae::lens
