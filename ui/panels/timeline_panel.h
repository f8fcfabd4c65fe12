// The bottom timeline: transport (play/pause at the source frame rate, step, loop,
// Home/End), the frame counter, the mean PSNR/SSIM/LPIPS, and the per-frame PSNR,
// SSIM and LPIPS curves (each on its own axis) along the clip — live while a run streams in, with the previous run and
// "B = file" for comparison; hover for values, click or drag to jump.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <imgui.h>

#include "layout.h"

namespace wfvae::studio {

class PanelContext;

class TimelinePanel {
 public:
  void draw(PanelContext& s, const Rect& area);

  // Which axis a curve is drawn against: PSNR on the left, SSIM and LPIPS on the right.
  enum class Axis { Psnr, Ssim, Lpips };
  // One curve: frame index and value.
  struct Series {
    const char* name;
    ImU32 color;
    float thickness;
    Axis axis;
    std::vector<std::pair<int64_t, double>> points;
  };
  // The plot's area and value ranges, and where a frame or a value is drawn.
  struct Plot {
    Rect area;
    int64_t frames = 0;
    double psnr_lo = 20, psnr_hi = 40, ssim_lo = 0, ssim_hi = 1;
    double lpips_lo = 0, lpips_hi = 0.5;  // lower is better: 0 at the bottom
    float x(double i) const { return area.x + static_cast<float>(frames > 1 ? i / (frames - 1) : 0.5) * area.w; }
    float y_psnr(double v) const {
      return area.y + area.h - static_cast<float>((v - psnr_lo) / (psnr_hi - psnr_lo)) * area.h;
    }
    float y_ssim(double v) const {
      return area.y + area.h - static_cast<float>((v - ssim_lo) / (ssim_hi - ssim_lo)) * area.h;
    }
    float y_lpips(double v) const {
      return area.y + area.h - static_cast<float>((v - lpips_lo) / (lpips_hi - lpips_lo)) * area.h;
    }
    float y(Axis a, double v) const { return a == Axis::Ssim ? y_ssim(v) : a == Axis::Lpips ? y_lpips(v) : y_psnr(v); }
  };
  static Plot plot_ranges(const std::vector<Series>& series, const Rect& area, int64_t frames);

 private:
  void draw_transport(PanelContext& s);
  void draw_plot(PanelContext& s, const Rect& r);
  std::vector<Series> collect_series(PanelContext& s);
  void draw_axes(PanelContext& s, const std::vector<Series>& series, const Plot& p, float label_right, ImDrawList* dl);
  void draw_curves(PanelContext& s, const std::vector<Series>& series, const Plot& p, ImDrawList* dl);
  void draw_marks(PanelContext& s, const std::vector<Series>& series, const Plot& p, ImDrawList* dl);
  void handle_input(PanelContext& s, const Plot& p, const Rect& r, ImDrawList* dl);
  bool scrubbing_ = false;
};

}  // namespace wfvae::studio
