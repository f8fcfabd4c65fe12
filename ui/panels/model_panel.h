// Sidebar: the model (picker, config, parameter count, stored dtype, device, load
// report), its norm controls (only valid norm types and group counts are offered;
// a change re-runs and keeps the previous result for A/B; a setting other than the
// trained one is called out plainly) and the run options (device, dtype, chunked
// or direct, size, frames, the chunked-vs-direct A/B).
#pragma once

namespace wfvae::studio {

class PanelContext;

class ModelPanel {
 public:
  void draw(PanelContext& s);

 private:
  void draw_model(PanelContext& s);
  void draw_norm(PanelContext& s);
  void draw_run(PanelContext& s);
};

}  // namespace wfvae::studio
