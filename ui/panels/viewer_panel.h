// The main viewer: toolbar (views, pair, zoom, difference options) and the compare
// views — side by side, split-swipe, A/B flicker, difference — rendered by
// shaders/compare.frag (one program per mode) into one offscreen target, with zoom and pan shared by both
// images, and the pixel under the cursor for the inspector. The LPIPS view draws the
// current run's spatial LPIPS map over its reconstruction (shaders/lpips.frag) with
// the same zoom and pan. The wavelet and norm
// lab views live in the same area: the studio draws them (their own panels) in the
// body the viewer leaves for them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <imgui.h>

#include "gl/gl_util.h"
#include "layout.h"
#include "zoom_pan.h"

namespace wfvae::studio {

class PanelContext;

class ViewerPanel {
 public:
  static constexpr int kModeCount = 5;
  ViewerPanel();
  // other_view draws the body of the wavelet, norm-lab and latent views.
  void draw(PanelContext& s, const Rect& area, const std::function<void(const Rect& body)>& other_view);

  // Zoom: 0 = fit. Changed by the wheel, the toolbar, shortcuts and --zoom.
  void zoom_in() { view_.zoom_in(); }
  void zoom_out() { view_.zoom_out(); }
  void zoom_fit() { view_.zoom = 0; }
  void zoom_to(float z) { view_.zoom_to(z); }  // around the image's centre, once its size is known
  // The image region of the last frame (logical pixels), for "PNG of the view".
  const Rect& content_rect() const { return content_; }

  // One pane of a compare view: where it is and what it shows (a shader mode).
  struct Pane {
    Rect rect;
    int mode;
    std::string label;
    ImU32 label_color;
    bool needs_b;  // shows the reconstruction (or B), which may not be there yet
  };

 private:
  void draw_toolbar(PanelContext& s);
  void draw_options(PanelContext& s);
  void draw_empty_state(PanelContext& s, const Rect& r);
  void draw_compare(PanelContext& s, const Rect& r);
  // One frame of a compare view: its panes and the zoom and pan in effect.
  struct Frame {
    std::vector<Pane> panes;
    std::string label_a, label_b;
    float W = 0, H = 0;  // image size
    float fit = 1;       // the zoom that fits the image in a pane
    float zoom = 1, center_x = 0, center_y = 0;
    // Screen position of image coordinate ix / iy in pane p.
    float x(const Pane& p, float ix) const { return p.rect.x + p.rect.w / 2 + (ix - center_x) * zoom; }
    float y(const Pane& p, float iy) const { return p.rect.y + p.rect.h / 2 + (iy - center_y) * zoom; }
  };
  // draw_compare's steps, in order.
  Frame layout_panes(PanelContext& s, const Rect& r);
  void handle_zoom_pan(PanelContext& s, Frame& f, bool hovered, const Pane* over);
  void queue_pane_draws(PanelContext& s, const Frame& f, ImDrawList* dl);
  void draw_labels(PanelContext& s, const Frame& f, ImDrawList* dl);
  void draw_waiting_note(PanelContext& s, const Frame& f, ImDrawList* dl);
  void draw_lpips_note(PanelContext& s, const Frame& f, ImDrawList* dl);
  void draw_pixel_values(PanelContext& s, const Frame& f, ImDrawList* dl);
  void inspect_pixel(PanelContext& s, const Frame& f, const Pane& over, ImDrawList* dl);
  void upload(PanelContext& s);

  // One pane's draw, issued from the UI's render pass (ImDrawList callback).
  struct PaneDraw {
    ViewerPanel* panel;
    int x, y, w, h;            // the image's visible part, framebuffer pixels from the top-left
    float center_x, center_y;  // the pane's centre, framebuffer pixels from the top-left
    int mode;
    float zoom;
    int framebuffer_height;
  };
  static void draw_pane_callback(const ImDrawList* list, const ImDrawCmd* cmd);

  ShaderProgram programs_[5];
  ShaderProgram lpips_program_;       // the LPIPS view (kModeLpips)
  std::vector<PaneDraw> pane_draws_;  // this frame's; stable until rendered
  float split_ = 0.5f, gain_ = 4;
  bool luma_ = false;
  std::string shader_error_;
  Texture tex_a_, tex_b_;
  uint64_t key_a_ = ~0ull, key_b_ = ~0ull;
  bool have_a_ = false, have_b_ = false;
  Texture tex_map_;  // the current frame's LPIPS map (R32F)
  uint64_t key_map_ = ~0ull;
  bool have_map_ = false;
  float lpips_scale_ = 1, lpips_opacity_ = 0.8f;  // full scale and opacity of this frame's draw
  ZoomPan view_;                                  // shared by every pane
  int image_w_ = 0, image_h_ = 0;
  bool dragging_split_ = false;
  bool panning_ = false;
  Rect content_;
};

}  // namespace wfvae::studio
