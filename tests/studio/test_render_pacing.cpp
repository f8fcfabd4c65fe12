#include "render_pacing.h"

#include <gtest/gtest.h>

namespace wfvae::studio {
namespace {

TEST(RenderPacing, RecognisesSoftwareRenderers) {
  EXPECT_TRUE(is_software_renderer("llvmpipe (LLVM 15.0.6, 256 bits)"));
  EXPECT_TRUE(is_software_renderer("softpipe"));
  EXPECT_TRUE(is_software_renderer("Google SwiftShader"));
  EXPECT_TRUE(is_software_renderer("Mesa X11 swrast"));
  EXPECT_TRUE(is_software_renderer("GDI Generic"));
  EXPECT_TRUE(is_software_renderer("Microsoft Basic Render Driver"));
  EXPECT_FALSE(is_software_renderer("NVIDIA GeForce RTX 4090/PCIe/SSE2"));
  EXPECT_FALSE(is_software_renderer("AMD Radeon RX 7900 XTX (radeonsi, navi31, LLVM 15.0.7, DRM 3.54)"));
  EXPECT_FALSE(is_software_renderer("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
  EXPECT_FALSE(is_software_renderer(""));
}

TEST(RenderPacing, SoftwareRenderersRefreshLessOftenWhileBusy) {
  EXPECT_DOUBLE_EQ(busy_refresh_period(false), 1.0 / 15.0);
  EXPECT_DOUBLE_EQ(busy_refresh_period(true), 1.0 / 4.0);
}

}  // namespace
}  // namespace wfvae::studio
