// The studio's look: fonts (DejaVu Sans when installed), a dark theme with one
// accent colour, and small drawing helpers shared by the panels.
#pragma once

#include <string>

#include <imgui.h>

namespace wfvae::studio {

struct Fonts {
  ImFont* regular = nullptr;
  ImFont* bold = nullptr;
  ImFont* mono = nullptr;
  ImFont* large = nullptr;  // big numbers (mean PSNR)
  std::string note;         // set when a fallback was used
};

// Loads fonts (scaled by `scale`, the monitor's content scale) and sets the style.
Fonts setup_theme(float scale);

namespace color {
constexpr ImU32 kAccent = IM_COL32(64, 170, 255, 255);     // PSNR, current run, selection
constexpr ImU32 kSecondary = IM_COL32(255, 176, 64, 255);  // SSIM
constexpr ImU32 kPrevious = IM_COL32(170, 170, 190, 200);  // previous run
constexpr ImU32 kFileB = IM_COL32(190, 120, 255, 255);     // B = file
constexpr ImU32 kLpips = IM_COL32(245, 105, 180, 255);     // LPIPS
constexpr ImU32 kOriginal = IM_COL32(120, 200, 140, 255);  // original (A) in charts
constexpr ImU32 kError = IM_COL32(240, 80, 80, 255);
constexpr ImU32 kWarning = IM_COL32(240, 190, 60, 255);
constexpr ImU32 kOk = IM_COL32(90, 200, 120, 255);
constexpr ImU32 kText = IM_COL32(225, 228, 235, 255);
constexpr ImU32 kTextDim = IM_COL32(150, 155, 168, 255);
constexpr ImU32 kPanel = IM_COL32(27, 29, 34, 255);
constexpr ImU32 kViewerBg = IM_COL32(18, 19, 22, 255);
constexpr ImU32 kGrid = IM_COL32(255, 255, 255, 22);
constexpr ImU32 kSplitter = IM_COL32(45, 48, 56, 255);
}  // namespace color

ImVec4 to_vec4(ImU32 c);
// The diverging colormap of shaders/common.glsl, for legends drawn by ImGui.
ImU32 diverging_color(float t);
// The heatmap colormap of shaders/common.glsl (matplotlib's inferno), t in [0, 1].
ImU32 inferno_color(float t);

// Section title with a thin rule, as used in the sidebar.
void section_header(const char* title, const Fonts& fonts);
// A label on the line of the control that follows it; the control starts at window
// x `control_x` (0: just after the label).
void field_label(const char* label, float control_x = 0);
// A small rounded label ("chunked", "trained setting").
void badge(const char* text, ImU32 background, ImU32 foreground = IM_COL32(20, 20, 24, 255));
// Text wrapped in a tinted box: warnings, errors, notes.
void callout(const std::string& text, ImU32 tint);
// "(?)" with a tooltip.
void help_marker(const char* text);
// A segmented control; returns true when the selection changed.
bool segmented(const char* id, const char* const* labels, int count, int* selected, float height = 0);

}  // namespace wfvae::studio
