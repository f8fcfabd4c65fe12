// The bottom timeline: transport (play/pause at the source frame rate, step, loop,
// Home/End), the frame counter, the mean PSNR/SSIM, and the per-frame PSNR and SSIM
// curves along the clip — live while a run streams in, with the previous run and
// "B = file" for comparison; hover for values, click or drag to jump.
#pragma once

#include "layout.h"

namespace wfvae::studio {

class Studio;

class TimelinePanel {
 public:
  void draw(Studio& s, const Rect& area);

 private:
  void draw_transport(Studio& s);
  void draw_plot(Studio& s, const Rect& r);
  bool scrubbing_ = false;
};

}  // namespace wfvae::studio
