// Sidebar: the running job (stage, progress, elapsed, Cancel), the current run's
// metrics (mean PSNR/SSIM as the reference computes them, 8-bit output, per channel,
// timings, the A/B difference to the previous run, notes), this frame's values and
// the pixel inspector (A and B values under the cursor and their difference).
#pragma once

namespace wfvae::studio {

class Studio;

class MetricsPanel {
 public:
  void draw_job(Studio& s);
  void draw_metrics(Studio& s);
  void draw_inspector(Studio& s);
};

}  // namespace wfvae::studio
