// The latent view: the current run's latent, the space a diffusion model trains in.
// Its channels as a grid of small images at the latent frame of the shown frame, all
// through one signed colormap with one range for the whole clip; per channel the
// clip's mean and std, the posterior's std and the share of the latent's variance,
// with the channels that carry little of it named; the histogram of a chosen
// channel. Toggles: the posterior mode or a seeded sample, raw or normalised with the
// config's scale/shift. Hovering a latent cell shows the pixels it stands for.
#pragma once

#include <cstdint>
#include <string>

#include "core/host_tensor.h"
#include "core/latent_lens.h"
#include "gl/coefficient_tiles.h"
#include "layout.h"

namespace wfvae::studio {

class PanelContext;

class LatentPanel {
 public:
  // The forms shown: 0 the posterior mode, 1 a seeded sample; raw or normalised.
  void set_form(int sample, bool normalized) {
    sample_ = sample;
    normalized_ = normalized ? 1 : 0;
  }
  void draw(PanelContext& s, const Rect& area);

 private:
  void compute(PanelContext& s);
  void draw_grid(PanelContext& s, const Rect& r, int64_t t);
  void draw_figures(PanelContext& s, const Rect& r);
  void draw_histogram(PanelContext& s, const Rect& r);
  void draw_cell_tooltip(PanelContext& s, int64_t c, int64_t t, int64_t y, int64_t x);

  CoefficientTiles tiles_;
  int sample_ = 0, normalized_ = 0;
  std::string key_;
  HostTensor z_;  // [1, L, T, h, w]: the form shown
  lens::LatentSummary summary_;
  std::string note_;          // why nothing is shown
  std::string norm_problem_;  // why the normalised form is not available ("" when it is)
  int temporal_ = 4, spatial_ = 8;
  int channel_ = 0;  // the histogram's channel (clicked)
  int hover_channel_ = -1;
  int64_t hover_y_ = -1, hover_x_ = -1;  // the latent cell under the cursor, shown on every channel
};

}  // namespace wfvae::studio
