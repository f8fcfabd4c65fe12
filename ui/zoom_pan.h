// Zoom and pan of the compare views, shared by every pane (A and B move together):
// which image point sits at the pane's centre and how many screen pixels one image
// pixel covers. Pure arithmetic, tested without a window (tests/studio/).
#pragma once

#include <algorithm>
#include <cmath>

namespace wfvae::studio {

struct ZoomPan {
  static constexpr float kMin = 0.05f, kMax = 256.0f, kStep = 1.25f;

  float zoom = 0;                    // screen pixels per image pixel; 0 = fit the pane
  float center_x = 0, center_y = 0;  // the image point at the pane centre
  bool recenter = false;             // centre on the image once its size is known
  float shown = 1;                   // the zoom of the last frame drawn (fit resolved)

  float effective(float fit) const { return zoom > 0 ? zoom : fit; }

  // Start of a frame with an image of W x H: fitting keeps the image centred.
  void begin_frame(float W, float H) {
    if (recenter || zoom <= 0) center_x = W / 2, center_y = H / 2;
    recenter = false;
  }
  // The image point at screen offset (dx, dy) from the pane centre, and back.
  float image_x(float dx, float fit) const { return center_x + dx / effective(fit); }
  float image_y(float dy, float fit) const { return center_y + dy / effective(fit); }
  float screen_dx(float ix, float fit) const { return (ix - center_x) * effective(fit); }

  // The mouse wheel at (dx, dy) from the pane centre: zooms by kStep per notch and
  // keeps the image point under the cursor where it is.
  void wheel(float notches, float dx, float dy, float fit) {
    const float ix = image_x(dx, fit), iy = image_y(dy, fit);
    const float z = std::clamp(effective(fit) * std::pow(kStep, notches), kMin, kMax);
    center_x = ix - dx / z;
    center_y = iy - dy / z;
    zoom = z;
  }
  // Dragged by (mx, my) screen pixels: the picture follows the mouse. Leaves fit
  // mode without moving the picture.
  void drag(float mx, float my, float fit) {
    if (zoom <= 0) zoom = fit;
    center_x -= mx / zoom;
    center_y -= my / zoom;
  }
  void fit_view(float W, float H) {
    zoom = 0;
    center_x = W / 2, center_y = H / 2;
  }
  // The toolbar's buttons: from fit they start at the zoom shown (picture centred).
  void zoom_in() { zoom = std::min(kMax, (zoom > 0 ? zoom : shown) * kStep); }
  void zoom_out() { zoom = std::max(kMin, (zoom > 0 ? zoom : shown) / kStep); }
  void zoom_to(float z) {
    zoom = z;
    recenter = true;
  }
  // At least a corner of the image stays in view.
  void keep_in_view(float W, float H) {
    center_x = std::clamp(center_x, 0.0f, W);
    center_y = std::clamp(center_y, 0.0f, H);
  }
};

}  // namespace wfvae::studio
