// Frame-level operations without FFmpeg: the reference's preprocessing, tensor
// conversion, visual comparisons.
#include <algorithm>
#include <cfenv>
#include <cmath>

#include "core/error.h"
#include "media/media.h"

namespace wfvae::media {

int64_t largest_valid_frame_count(int64_t n, int temporal_compression) {
  if (n < 1 || temporal_compression < 1) return 0;
  return 1 + ((n - 1) / temporal_compression) * temporal_compression;
}

namespace {

// Python's round(): ties to even (the reference computes crop offsets with it).
double py_round(double x) {
  const int saved = std::fegetround();
  std::fesetround(FE_TONEAREST);
  const double r = std::nearbyint(x);
  std::fesetround(saved);
  return r;
}

// One output pixel's input span and weights along one axis.
struct Taps {
  int first = 0;
  std::vector<double> w;
};

// torch.nn.functional.interpolate(mode="bilinear", antialias=True, align_corners=True)
// weights along one axis (PyTorch's _compute_weights_aa, 1.13 to 2.11): a triangle filter
// centred at scale * (i + 0.5), widened by the scale when downscaling.
std::vector<Taps> aa_bilinear_taps(int in_size, int out_size) {
  const double scale = out_size > 1 ? static_cast<double>(in_size - 1) / (out_size - 1) : 0.0;
  const double support = scale >= 1.0 ? scale : 1.0;  // interp_size / 2 = 1, widened when downscaling
  const double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
  std::vector<Taps> taps(static_cast<size_t>(out_size));
  for (int i = 0; i < out_size; ++i) {
    const double center = scale * (i + 0.5);
    const int xmin = std::max(static_cast<int>(static_cast<int64_t>(center - support + 0.5)), 0);
    const int xmax = std::min(static_cast<int>(static_cast<int64_t>(center + support + 0.5)), in_size);
    Taps& t = taps[static_cast<size_t>(i)];
    t.first = xmin;
    double total = 0;
    for (int j = xmin; j < xmax; ++j) {
      const double x = std::fabs((j - center + 0.5) * invscale);
      const double w = x < 1.0 ? 1.0 - x : 0.0;
      t.w.push_back(w);
      total += w;
    }
    if (total != 0)
      for (double& w : t.w) w /= total;
  }
  return taps;
}

}  // namespace

RgbFrame resize_center_crop(const RgbFrame& frame, int height, int width) {
  if (height < 1 || width < 1)
    fail_usage("target size must be positive (got " + std::to_string(height) + "x" + std::to_string(width) + ")");
  if (frame.width < 1 || frame.height < 1 || frame.rgb.size() != static_cast<size_t>(frame.width) * frame.height * 3)
    fail_usage("resize_center_crop: malformed frame");
  // The reference's center_crop_th_tw: crop to the target aspect from the short
  // edge (sizes truncated, offsets rounded as Python does), then resize the crop.
  // Same result as "resize to cover height x width, then center crop", without
  // resampling pixels that are cropped away.
  const int h = frame.height, w = frame.width;
  const double tr = static_cast<double>(height) / width;
  int crop_h, crop_w;
  if (static_cast<double>(h) / w > tr) {
    crop_h = static_cast<int>(w * tr);
    crop_w = w;
  } else {
    crop_h = h;
    crop_w = static_cast<int>(h / tr);
  }
  crop_h = std::max(1, std::min(crop_h, h));
  crop_w = std::max(1, std::min(crop_w, w));
  const int top = static_cast<int>(py_round((h - crop_h) / 2.0));
  const int left = static_cast<int>(py_round((w - crop_w) / 2.0));

  RgbFrame out;
  out.width = width;
  out.height = height;
  out.time_s = frame.time_s;
  out.source_index = frame.source_index;
  out.rgb.resize(static_cast<size_t>(width) * height * 3);

  if (crop_w == width && crop_h == height) {  // pure crop: copy rows
    for (int y = 0; y < height; ++y)
      std::copy_n(&frame.rgb[(static_cast<size_t>(top + y) * w + left) * 3], static_cast<size_t>(width) * 3,
                  &out.rgb[static_cast<size_t>(y) * width * 3]);
    return out;
  }

  // Separable resampling in double: columns first (into crop_h x width), then rows.
  // The reference resizes float [0, 1] frames and keeps floats; we round to 8 bits
  // here (at most 0.5/255 away) so the saved input is exactly what the model saw.
  const auto tx = aa_bilinear_taps(crop_w, width);
  const auto ty = aa_bilinear_taps(crop_h, height);
  std::vector<double> tmp(static_cast<size_t>(crop_h) * width * 3);
  for (int y = 0; y < crop_h; ++y) {
    const uint8_t* row = &frame.rgb[(static_cast<size_t>(top + y) * w + left) * 3];
    double* dst = &tmp[static_cast<size_t>(y) * width * 3];
    for (int x = 0; x < width; ++x) {
      const Taps& t = tx[static_cast<size_t>(x)];
      double r = 0, g = 0, b = 0;
      for (size_t k = 0; k < t.w.size(); ++k) {
        const uint8_t* s = row + static_cast<size_t>(t.first + static_cast<int>(k)) * 3;
        r += t.w[k] * s[0];
        g += t.w[k] * s[1];
        b += t.w[k] * s[2];
      }
      dst[x * 3 + 0] = r;
      dst[x * 3 + 1] = g;
      dst[x * 3 + 2] = b;
    }
  }
  for (int y = 0; y < height; ++y) {
    const Taps& t = ty[static_cast<size_t>(y)];
    uint8_t* dst = &out.rgb[static_cast<size_t>(y) * width * 3];
    for (int x = 0; x < width * 3; ++x) {
      double v = 0;
      for (size_t k = 0; k < t.w.size(); ++k)
        v += t.w[k] * tmp[static_cast<size_t>(t.first + static_cast<int>(k)) * width * 3 + x];
      dst[x] = static_cast<uint8_t>(std::clamp(std::floor(v + 0.5), 0.0, 255.0));
    }
  }
  return out;
}

void default_size(int src_height, int src_width, int max_short_side, int* height, int* width) {
  if (src_height < 1 || src_width < 1) fail_usage("default_size: source size must be positive");
  double scale = 1.0;
  const int short_side = std::min(src_height, src_width);
  if (max_short_side > 0 && short_side > max_short_side) scale = static_cast<double>(max_short_side) / short_side;
  // Small epsilon: 720 * (512/720) must give 512, not 511.99999.
  auto round8 = [&](int v) { return std::max(8, static_cast<int>(std::floor(v * scale / 8.0 + 1e-9)) * 8); };
  *height = round8(src_height);
  *width = round8(src_width);
}

HostTensor frames_to_tensor(const std::vector<RgbFrame>& frames) {
  if (frames.empty()) fail_usage("frames_to_tensor: no frames");
  const int h = frames[0].height, w = frames[0].width;
  for (const auto& f : frames)
    if (f.height != h || f.width != w || f.rgb.size() != static_cast<size_t>(w) * h * 3)
      fail_usage("frames_to_tensor: frames differ in size (" + std::to_string(f.width) + "x" +
                 std::to_string(f.height) + " vs " + std::to_string(w) + "x" + std::to_string(h) + ")");
  const int64_t t = static_cast<int64_t>(frames.size());
  HostTensor out({1, 3, t, h, w});
  const size_t plane = static_cast<size_t>(h) * w;
  for (int64_t i = 0; i < t; ++i) {
    const uint8_t* src = frames[static_cast<size_t>(i)].rgb.data();
    for (int c = 0; c < 3; ++c) {
      float* dst = &out.data[(static_cast<size_t>(c) * t + static_cast<size_t>(i)) * plane];
      for (size_t p = 0; p < plane; ++p) dst[p] = static_cast<float>(src[p * 3 + c] / 127.5 - 1.0);
    }
  }
  return out;
}

std::vector<RgbFrame> tensor_to_frames(const HostTensor& video) {
  const auto& s = video.shape;
  const bool batched = s.size() == 5;
  if (!(batched || s.size() == 4) || (batched && s[0] != 1) || s[batched ? 1 : 0] != 3)
    fail_usage("tensor_to_frames: expected [1, 3, T, H, W] or [3, T, H, W], got " + video.shape_str());
  const int64_t t = s[batched ? 2 : 1], h = s[batched ? 3 : 2], w = s[batched ? 4 : 3];
  const size_t plane = static_cast<size_t>(h * w);
  std::vector<RgbFrame> frames(static_cast<size_t>(t));
  for (int64_t i = 0; i < t; ++i) {
    RgbFrame& f = frames[static_cast<size_t>(i)];
    f.width = static_cast<int>(w);
    f.height = static_cast<int>(h);
    f.source_index = i;
    f.rgb.resize(plane * 3);
    for (int c = 0; c < 3; ++c) {
      const float* src = &video.data[(static_cast<size_t>(c) * t + static_cast<size_t>(i)) * plane];
      for (size_t p = 0; p < plane; ++p) {
        double x = src[p];
        if (std::isnan(x)) x = -1.0;  // a broken model's NaN shows as black, not garbage
        x = std::clamp(x, -1.0, 1.0);
        f.rgb[p * 3 + c] = static_cast<uint8_t>(std::floor((x + 1.0) / 2.0 * 255.0 + 0.5));
      }
    }
  }
  return frames;
}

namespace {
void check_pair(const std::vector<RgbFrame>& a, const std::vector<RgbFrame>& b, const char* what, bool same_width) {
  if (a.size() != b.size())
    fail_usage(std::string(what) + ": frame counts differ (" + std::to_string(a.size()) + " vs " +
               std::to_string(b.size()) + ")");
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].height != b[i].height || (same_width && a[i].width != b[i].width))
      fail_usage(std::string(what) + ": frame sizes differ at frame " + std::to_string(i));
}
}  // namespace

std::vector<RgbFrame> side_by_side(const std::vector<RgbFrame>& a, const std::vector<RgbFrame>& b) {
  check_pair(a, b, "side_by_side", false);
  std::vector<RgbFrame> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    RgbFrame& o = out[i];
    o.width = a[i].width + b[i].width;
    o.height = a[i].height;
    o.time_s = a[i].time_s;
    o.source_index = a[i].source_index;
    o.rgb.resize(static_cast<size_t>(o.width) * o.height * 3);
    for (int y = 0; y < o.height; ++y) {
      uint8_t* dst = &o.rgb[static_cast<size_t>(y) * o.width * 3];
      std::copy_n(&a[i].rgb[static_cast<size_t>(y) * a[i].width * 3], static_cast<size_t>(a[i].width) * 3, dst);
      std::copy_n(&b[i].rgb[static_cast<size_t>(y) * b[i].width * 3], static_cast<size_t>(b[i].width) * 3,
                  dst + static_cast<size_t>(a[i].width) * 3);
    }
  }
  return out;
}

std::vector<RgbFrame> difference(const std::vector<RgbFrame>& a, const std::vector<RgbFrame>& b, int gain) {
  check_pair(a, b, "difference", true);
  if (gain < 1) fail_usage("difference gain must be >= 1 (got " + std::to_string(gain) + ")");
  std::vector<RgbFrame> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    RgbFrame& o = out[i];
    o = a[i];
    for (size_t k = 0; k < o.rgb.size(); ++k) {
      const int d = std::abs(static_cast<int>(a[i].rgb[k]) - static_cast<int>(b[i].rgb[k])) * gain;
      o.rgb[k] = static_cast<uint8_t>(std::min(d, 255));
    }
  }
  return out;
}

}  // namespace wfvae::media
