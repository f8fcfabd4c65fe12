// The wavelet view: for the current frame pair, the 3-D Haar transform of A and B
// (the original and the reconstruction) as the model's encoder sees it — 8 subbands
// LLL…HHH through a signed colormap — the energy-flow levels L1 (Haar of LLL) and L2
// (3-D Haar of L1's low band), each band's share of the energy for A and B, the
// error per band and how much energy B keeps; and the decoder's predicted L1/L2
// coefficients next to the encoder's (the model's energy-flow taps).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/host_tensor.h"
#include "gl/coefficient_tiles.h"
#include "layout.h"

#include <imgui.h>

namespace wfvae::studio {

class PanelContext;

class WaveletPanel {
 public:
  WaveletPanel();
  ~WaveletPanel();
  void draw(PanelContext& s, const Rect& area);
  // 0: level 0, 1: L1, 2: L2, 3: model taps.
  void set_tab(int tab) { tab_ = tab; }

  // One band plane for display (public for the panel's helpers).
  struct Plane {
    int width = 0, height = 0;
    std::vector<float> values;
  };
  struct Level {
    std::string title;  // "Level 0 · 3-D Haar of frames 11–12"
    std::vector<std::string> bands;
    std::vector<Plane> a, b;   // per band
    std::vector<float> scale;  // per band, shared by A and B
    std::vector<double> energy_a, energy_b, error;
    bool has_b = false;
    std::string a_name, b_name;
    std::string a_short = "A", b_short = "B";  // chart legends
  };

 private:
  struct Grid {
    int cols = 4;
    bool stacked = false;  // B below A instead of beside it
    float zoom = 0;        // screen pixels per coefficient
    float height = 0;      // what the tiles need
  };
  void compute(PanelContext& s);
  Grid plan_grid(const Level& level, float width, float max_height) const;
  void draw_level(PanelContext& s, const Level& level, const Grid& g, const Rect& r, const std::string& id);
  void draw_focus(PanelContext& s, const Level& level, const Rect& r, const std::string& id);
  void draw_bars(PanelContext& s, const Level& level, const Rect& r);
  // Returns true when the tile was clicked.
  bool draw_tile(PanelContext& s, const Plane& p, float scale, const Rect& cell, const std::string& name,
                 const std::string& label, ImU32 accent);

  CoefficientTiles tiles_;
  int tab_ = 0;
  int focus_band_ = -1;  // a band shown large, or -1
  std::string key_;
  std::vector<Level> levels_;  // 0, 1, 2, model (L1 and L2 stacked)
  std::string note_;
};

}  // namespace wfvae::studio
