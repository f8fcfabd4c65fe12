// The compare views' zoom and pan (ui/zoom_pan.h), without a window.
#include <gtest/gtest.h>

#include "zoom_pan.h"

namespace wfvae::studio {
namespace {

constexpr float W = 448, H = 256, kFit = 0.5f;

TEST(ZoomPan, FitKeepsTheImageCentred) {
  ZoomPan v;
  v.center_x = 10, v.center_y = 20;
  v.begin_frame(W, H);
  EXPECT_FLOAT_EQ(v.center_x, W / 2);
  EXPECT_FLOAT_EQ(v.center_y, H / 2);
  EXPECT_FLOAT_EQ(v.effective(kFit), kFit);
  EXPECT_FLOAT_EQ(v.image_x(/*dx=*/100, kFit), W / 2 + 200);
  EXPECT_FLOAT_EQ(v.screen_dx(v.image_x(37, kFit), kFit), 37);
}

TEST(ZoomPan, TheWheelKeepsThePointUnderTheCursorInPlace) {
  ZoomPan v;
  v.begin_frame(W, H);
  const float dx = 120, dy = -40;
  const float ix = v.image_x(dx, kFit), iy = v.image_y(dy, kFit);
  v.wheel(/*notches=*/2, dx, dy, kFit);
  EXPECT_NEAR(v.zoom, kFit * 1.25f * 1.25f, 1e-6);
  EXPECT_NEAR(v.image_x(dx, kFit), ix, 1e-4);
  EXPECT_NEAR(v.image_y(dy, kFit), iy, 1e-4);
  v.begin_frame(W, H);  // zoomed by hand: a new frame keeps the centre
  EXPECT_NEAR(v.image_x(dx, kFit), ix, 1e-4);
  for (int i = 0; i < 100; ++i) v.wheel(5, 0, 0, kFit);
  EXPECT_FLOAT_EQ(v.zoom, ZoomPan::kMax);
  for (int i = 0; i < 100; ++i) v.wheel(-5, 0, 0, kFit);
  EXPECT_FLOAT_EQ(v.zoom, ZoomPan::kMin);
}

TEST(ZoomPan, DraggingLeavesFitWithoutMovingThePictureThenFollowsTheMouse) {
  ZoomPan v;
  v.begin_frame(W, H);
  v.drag(0, 0, kFit);
  EXPECT_FLOAT_EQ(v.zoom, kFit) << "fit mode left at the zoom shown";
  EXPECT_FLOAT_EQ(v.center_x, W / 2);
  v.drag(/*mx=*/10, /*my=*/-4, kFit);  // the picture moves right: the centre moves left in the image
  EXPECT_FLOAT_EQ(v.center_x, W / 2 - 20);
  EXPECT_FLOAT_EQ(v.center_y, H / 2 + 8);
  v.drag(-100000, 100000, kFit);
  v.keep_in_view(W, H);
  EXPECT_FLOAT_EQ(v.center_x, W);
  EXPECT_FLOAT_EQ(v.center_y, 0);
  v.fit_view(W, H);
  EXPECT_FLOAT_EQ(v.zoom, 0);
  EXPECT_FLOAT_EQ(v.center_x, W / 2);
}

TEST(ZoomPan, ButtonsStartFromTheZoomShownAndOneToOneRecentres) {
  ZoomPan v;
  v.shown = 0.8f;
  v.zoom_in();
  EXPECT_FLOAT_EQ(v.zoom, 1.0f);
  v.zoom_out();
  v.zoom_out();
  EXPECT_NEAR(v.zoom, 0.64f, 1e-6);
  v.center_x = 3;
  v.zoom_to(1);
  v.begin_frame(W, H);
  EXPECT_FLOAT_EQ(v.zoom, 1);
  EXPECT_FLOAT_EQ(v.center_x, W / 2);
  EXPECT_FALSE(v.recenter);
}

}  // namespace
}  // namespace wfvae::studio
