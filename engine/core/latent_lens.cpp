#include "core/latent_lens.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "core/error.h"

namespace wfvae::lens {

namespace {

void check_latent(const HostTensor& z, const char* what) {
  if (z.shape.size() != 5 || z.shape[0] != 1)
    fail_usage(std::string(what) + ": a latent is [1, L, T, h, w], got " + std::to_string(z.shape.size()) +
               " dimensions");
}

}  // namespace

FrameSpan video_frames_of(int64_t k, int tc) {
  if (k <= 0) return {0, 0};
  return {1 + (k - 1) * tc, k * tc};
}

int64_t latent_frame_of(int64_t f, int tc) { return f <= 0 ? 0 : (f - 1) / tc + 1; }

std::vector<int> LatentSummary::little_energy_channels() const {
  std::vector<int> out;
  for (size_t c = 0; c < channel.size(); ++c)
    if (channel[c].little_energy) out.push_back(static_cast<int>(c));
  return out;
}

LatentSummary summarize_latent(const HostTensor& z, const HostTensor& logvar, const stats::HistogramLayout& layout) {
  check_latent(z, "summarize_latent");
  const bool have_logvar = !logvar.empty();
  if (have_logvar && logvar.shape != z.shape) fail_usage("summarize_latent: logvar's shape differs from the latent's");
  LatentSummary s;
  s.channels = z.shape[1];
  s.frames = z.shape[2];
  s.height = z.shape[3];
  s.width = z.shape[4];
  const size_t per = static_cast<size_t>(s.frames * s.height * s.width);
  double total_variance = 0;
  for (int64_t c = 0; c < s.channels; ++c) {
    ChannelFigures f{stats::ChannelStats(layout)};
    const float* v = z.data.data() + static_cast<size_t>(c) * per;
    f.values.add(v, per);
    if (have_logvar) {
      const float* lv = logvar.data.data() + static_cast<size_t>(c) * per;
      double sum = 0;
      for (size_t i = 0; i < per; ++i) sum += std::exp(0.5 * static_cast<double>(lv[i]));
      f.posterior_std = per ? sum / per : 0;
    } else {
      f.posterior_std = std::numeric_limits<double>::quiet_NaN();
    }
    const double var = f.values.count() > 1 ? f.values.m2() / (f.values.count() - 1) : 0;
    total_variance += std::isfinite(var) ? var : 0;
    s.channel.push_back(std::move(f));
  }
  for (auto& f : s.channel) {
    const double var = f.values.count() > 1 ? f.values.m2() / (f.values.count() - 1) : 0;
    f.variance_share = total_variance > 0 && std::isfinite(var) ? var / total_variance : 0;
    f.little_energy = s.channels > 1 && f.variance_share < 0.25 / static_cast<double>(s.channels);
  }
  std::vector<float> mags;
  mags.reserve(z.data.size());
  for (float x : z.data)
    if (std::isfinite(x)) mags.push_back(std::fabs(x));
  if (!mags.empty()) {
    const size_t k = std::min(mags.size() - 1, static_cast<size_t>(mags.size() * 0.995));
    std::nth_element(mags.begin(), mags.begin() + static_cast<std::ptrdiff_t>(k), mags.end());
    s.shared_scale = mags[k] > 0 ? mags[k] : *std::max_element(mags.begin(), mags.end());
  }
  return s;
}

std::vector<float> channel_plane(const HostTensor& z, int64_t c, int64_t t) {
  check_latent(z, "channel_plane");
  const int64_t L = z.shape[1], T = z.shape[2], hw = z.shape[3] * z.shape[4];
  if (c < 0 || c >= L || t < 0 || t >= T) fail_usage("channel_plane: channel or frame outside the latent");
  const float* p = z.data.data() + static_cast<size_t>((c * T + t) * hw);
  return std::vector<float>(p, p + hw);
}

HostTensor posterior_sample(const HostTensor& mean, const HostTensor& logvar, uint64_t seed) {
  check_latent(mean, "posterior_sample");
  if (logvar.shape != mean.shape) fail_usage("posterior_sample: logvar's shape differs from the mean's");
  HostTensor out(mean.shape);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (size_t i = 0; i < mean.data.size(); ++i)
    out.data[i] = static_cast<float>(mean.data[i] + std::exp(0.5 * static_cast<double>(logvar.data[i])) * normal(rng));
  return out;
}

}  // namespace wfvae::lens
