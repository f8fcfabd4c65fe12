// PSNR and SSIM as the reference computes them; see metrics.h for the definitions.
#include "core/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/parallel.h"

namespace wfvae::metrics {

namespace {

constexpr int kWindow = 11;
constexpr double kSigma = 1.5;
constexpr double kC1 = 0.01 * 0.01;
constexpr double kC2 = 0.03 * 0.03;

// cv2.getGaussianKernel(11, 1.5): exp(-(i - 5)^2 / (2 sigma^2)), normalised to sum 1.
const double* gaussian_kernel() {
  static const auto k = [] {
    struct K {
      double v[kWindow];
    } out{};
    double sum = 0;
    for (int i = 0; i < kWindow; ++i) {
      const double x = i - (kWindow - 1) / 2.0;
      out.v[i] = std::exp(-(x * x) / (2 * kSigma * kSigma));
      sum += out.v[i];
    }
    for (double& v : out.v) v /= sum;
    return out;
  }();
  return k.v;
}

// One row of the 11-tap Gaussian over every window that fits: d[x] = sum_i k[i] s[x + i],
// summed in tap order (tap by tap over the row, so it vectorises).
void filter_row(const double* s, int ow, double* d) {
  const double* k = gaussian_kernel();
  std::fill(d, d + ow, 0.0);
  for (int i = 0; i < kWindow; ++i) {
    const double ki = k[i];
    const double* si = s + i;
    for (int x = 0; x < ow; ++x) d[x] += ki * si[x];
  }
}

void check_videos(const HostTensor& a, const HostTensor& b) {
  const auto& s = a.shape;
  const bool ok_rank = (s.size() == 5 && s[0] == 1 && s[1] == 3) || (s.size() == 4 && s[0] == 3);
  if (!ok_rank) fail_usage("metrics: expected a [1, 3, T, H, W] or [3, T, H, W] video, got " + a.shape_str());
  if (a.shape != b.shape) fail_usage("metrics: videos differ in shape: " + a.shape_str() + " vs " + b.shape_str());
  if (a.data.size() != HostTensor::count(a.shape) || b.data.size() != HostTensor::count(b.shape))
    fail_usage("metrics: tensor data does not match its shape");
}

struct Dims {
  int64_t t, h, w;
};
Dims dims_of(const HostTensor& v) {
  const bool batched = v.shape.size() == 5;
  return {v.shape[batched ? 2 : 1], v.shape[batched ? 3 : 2], v.shape[batched ? 4 : 3]};
}

// Fills the metrics of one frame from its channel planes (already in [0, 1]).
FrameMetrics frame_from_planes(const std::vector<double> (&a)[3], const std::vector<double> (&b)[3], int h, int w) {
  FrameMetrics m;
  double total = 0;
  const size_t n = static_cast<size_t>(h) * w;
  double ssim_sum = 0;
  for (int c = 0; c < 3; ++c) {
    double se = 0;
    for (size_t p = 0; p < n; ++p) {
      const double d = a[c][p] - b[c][p];
      se += d * d;
    }
    total += se;
    m.mse_rgb[c] = se / static_cast<double>(n);
    m.psnr_rgb[c] = psnr_from_mse(m.mse_rgb[c]);
    ssim_sum += ssim_plane(a[c].data(), b[c].data(), h, w);
  }
  m.mse = total / static_cast<double>(3 * n);
  m.psnr = psnr_from_mse(m.mse);
  m.ssim = ssim_sum / 3.0;
  m.blockiness = cell_edge_ratio(b, h, w) / cell_edge_ratio(a, h, w);
  return m;
}

}  // namespace

double psnr_from_mse(double mse) {
  if (mse <= 0) return kIdenticalPsnr;
  return 20.0 * std::log10(1.0 / std::sqrt(mse));
}

// The reference filters five whole planes (x, y, x^2, y^2, xy) with the 11x11 window
// (filter2D, then [5:-5, 5:-5]). The window is the outer product of the 1-D kernel, so
// this filters rows first and then columns, keeping only the 11 filtered rows the next
// output row needs (a ring): the same sums in the same order, in O(width) memory
// instead of a dozen fresh frame-sized buffers (whose page faults were half the time).
double ssim_plane(const double* a, const double* b, int h, int w) {
  if (h < kWindow || w < kWindow) return std::numeric_limits<double>::quiet_NaN();
  const double* k = gaussian_kernel();
  const int oh = h - kWindow + 1, ow = w - kWindow + 1;
  constexpr int kMaps = 5;  // x, y, x^2, y^2, xy
  const size_t row = static_cast<size_t>(ow);
  std::vector<double> ring(static_cast<size_t>(kWindow) * kMaps * row);  // [row % 11][map][x]
  std::vector<double> products(3 * static_cast<size_t>(w));              // x^2, y^2, xy of one input row
  std::vector<double> col(kMaps * row);                                  // the filtered output row
  auto filter_input_row = [&](int y) {
    const double* xa = a + static_cast<size_t>(y) * w;
    const double* yb = b + static_cast<size_t>(y) * w;
    double* xx = products.data();
    double* yy = xx + w;
    double* xy = yy + w;
    for (int x = 0; x < w; ++x) {
      xx[x] = xa[x] * xa[x];
      yy[x] = yb[x] * yb[x];
      xy[x] = xa[x] * yb[x];
    }
    double* slot = &ring[static_cast<size_t>(y % kWindow) * kMaps * row];
    const double* sources[kMaps] = {xa, yb, xx, yy, xy};
    for (int m = 0; m < kMaps; ++m) filter_row(sources[m], ow, slot + m * row);
  };
  for (int y = 0; y < kWindow - 1; ++y) filter_input_row(y);
  double sum = 0;
  for (int oy = 0; oy < oh; ++oy) {
    filter_input_row(oy + kWindow - 1);
    std::fill(col.begin(), col.end(), 0.0);
    for (int i = 0; i < kWindow; ++i) {
      const double ki = k[i];
      const double* slot = &ring[static_cast<size_t>((oy + i) % kWindow) * kMaps * row];
      for (size_t j = 0; j < kMaps * row; ++j) col[j] += ki * slot[j];
    }
    const double *mu1 = col.data(), *mu2 = mu1 + row, *s11 = mu2 + row, *s22 = s11 + row, *s12 = s22 + row;
    for (int x = 0; x < ow; ++x) {
      const double m1 = mu1[x], m2 = mu2[x];
      const double m1_sq = m1 * m1, m2_sq = m2 * m2, m12 = m1 * m2;
      const double sigma1_sq = s11[x] - m1_sq, sigma2_sq = s22[x] - m2_sq, sigma12 = s12[x] - m12;
      sum += ((2 * m12 + kC1) * (2 * sigma12 + kC2)) / ((m1_sq + m2_sq + kC1) * (sigma1_sq + sigma2_sq + kC2));
    }
  }
  return sum / (static_cast<double>(oh) * ow);
}

double cell_edge_ratio(const std::vector<double> (&planes)[3], int h, int w, int cell) {
  if (cell < 2) fail_usage("metrics: cell size must be at least 2, got " + std::to_string(cell));
  if (h < 0 || w < 0) fail_usage("metrics: negative frame size");
  for (const auto& p : planes)
    if (p.size() != static_cast<size_t>(h) * static_cast<size_t>(w))
      fail_usage("metrics: a plane of " + std::to_string(p.size()) + " values is not " + std::to_string(h) + "x" +
                 std::to_string(w));
  double edge = 0, inside = 0;
  size_t n_edge = 0, n_inside = 0;
  auto add = [&](double step, bool across_edge) {
    if (across_edge) {
      edge += step;
      ++n_edge;
    } else {
      inside += step;
      ++n_inside;
    }
  };
  for (const auto& p : planes) {
    for (int y = 0; y < h; ++y) {
      const double* row = &p[static_cast<size_t>(y) * w];
      // The step from x - 1 to x crosses a cell edge when x is a multiple of cell.
      for (int x = 1; x < w; ++x) add(std::abs(row[x] - row[x - 1]), x % cell == 0);
      if (y == 0) continue;
      const double* above = row - w;
      for (int x = 0; x < w; ++x) add(std::abs(row[x] - above[x]), y % cell == 0);
    }
  }
  if (n_edge == 0 || n_inside == 0) return std::numeric_limits<double>::quiet_NaN();
  return (edge / static_cast<double>(n_edge) + kBlockinessFloor) /
         (inside / static_cast<double>(n_inside) + kBlockinessFloor);
}

FrameMetrics compare_frame(const HostTensor& input, const HostTensor& recon, int64_t t) {
  check_videos(input, recon);
  const Dims d = dims_of(input);
  if (t < 0 || t >= d.t)
    fail_usage("metrics: frame " + std::to_string(t) + " out of range (T = " + std::to_string(d.t) + ")");
  const size_t plane = static_cast<size_t>(d.h * d.w);
  std::vector<double> a[3], b[3];
  for (int c = 0; c < 3; ++c) {
    const size_t off = (static_cast<size_t>(c) * d.t + static_cast<size_t>(t)) * plane;
    a[c].resize(plane);
    b[c].resize(plane);
    for (size_t p = 0; p < plane; ++p) {
      // Input as given (the reference does not clamp it); reconstruction clamped.
      a[c][p] = (static_cast<double>(input.data[off + p]) + 1.0) / 2.0;
      const double r = std::clamp(static_cast<double>(recon.data[off + p]), -1.0, 1.0);
      b[c][p] = (r + 1.0) / 2.0;
    }
  }
  return frame_from_planes(a, b, static_cast<int>(d.h), static_cast<int>(d.w));
}

FrameMetrics compare_rgb8(const uint8_t* a, const uint8_t* b, int h, int w) {
  if (h < 1 || w < 1) fail_usage("metrics: empty frame");
  const size_t plane = static_cast<size_t>(h) * w;
  std::vector<double> pa[3], pb[3];
  for (int c = 0; c < 3; ++c) {
    pa[c].resize(plane);
    pb[c].resize(plane);
    for (size_t p = 0; p < plane; ++p) {
      pa[c][p] = a[p * 3 + c] / 255.0;
      pb[c][p] = b[p * 3 + c] / 255.0;
    }
  }
  return frame_from_planes(pa, pb, h, w);
}

void summarize(VideoMetrics& m) {
  m.psnr_mean = m.ssim_mean = m.blockiness_mean = 0;
  for (double& v : m.psnr_rgb_mean) v = 0;
  if (m.frames.empty()) return;
  // cal_psnr.py averages per-frame PSNR; one identical frame makes that mean inf
  // and the script returns 100. Same per channel.
  bool identical = false, identical_c[3] = {false, false, false};
  for (const auto& f : m.frames) {
    if (f.mse <= 0) identical = true;
    m.psnr_mean += f.psnr;
    m.ssim_mean += f.ssim;
    m.blockiness_mean += f.blockiness;
    for (int c = 0; c < 3; ++c) {
      if (f.mse_rgb[c] <= 0) identical_c[c] = true;
      m.psnr_rgb_mean[c] += f.psnr_rgb[c];
    }
  }
  const double n = static_cast<double>(m.frames.size());
  m.psnr_mean = identical ? kIdenticalPsnr : m.psnr_mean / n;
  m.ssim_mean /= n;
  m.blockiness_mean /= n;
  for (int c = 0; c < 3; ++c) m.psnr_rgb_mean[c] = identical_c[c] ? kIdenticalPsnr : m.psnr_rgb_mean[c] / n;
}

VideoMetrics compare_videos(const HostTensor& input, const HostTensor& recon) {
  check_videos(input, recon);
  VideoMetrics m;
  const Dims d = dims_of(input);
  m.frames.resize(static_cast<size_t>(d.t));
  parallel_for(d.t, [&](int64_t t) { m.frames[static_cast<size_t>(t)] = compare_frame(input, recon, t); });
  summarize(m);
  return m;
}

}  // namespace wfvae::metrics
