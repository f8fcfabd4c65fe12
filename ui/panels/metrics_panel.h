// Sidebar: the running job (stage, progress, elapsed, Cancel), the current run's
// metrics (mean PSNR/SSIM as the reference computes them, 8-bit output, per channel,
// timings, the A/B difference to the previous run, notes), this frame's values and
// the pixel inspector (A and B values under the cursor and their difference).
#pragma once

namespace wfvae::studio {

class PanelContext;

class MetricsPanel {
 public:
  void draw_job(PanelContext& s);
  void draw_metrics(PanelContext& s);
  void draw_inspector(PanelContext& s);
};

}  // namespace wfvae::studio
