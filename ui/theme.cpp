#include "theme.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace wfvae::studio {

namespace {

const char* find_font(std::initializer_list<const char*> candidates) {
  for (const char* c : candidates) {
    std::error_code ec;
    if (std::filesystem::exists(c, ec)) return c;
  }
  return nullptr;
}

// Latin-1, Greek, general punctuation, letterlike symbols, arrows, maths, geometric
// shapes, misc symbols, dingbats: the glyphs the UI uses (· × − ± Δ ℹ ▶ ◀ ■ ● ⚠ ✓ ✕).
const ImWchar kRanges[] = {0x0020, 0x00FF, 0x0370, 0x03FF, 0x2000, 0x206F, 0x2100, 0x214F, 0x2190,
                           0x22FF, 0x2500, 0x25FF, 0x2600, 0x26FF, 0x2700, 0x27BF, 0};

}  // namespace

ImVec4 to_vec4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

ImU32 diverging_color(float t) {
  const float a = std::min(1.0f, std::fabs(t));
  const float mid[3] = {t < 0 ? 0.16f : 0.96f, t < 0 ? 0.47f : 0.42f, t < 0 ? 0.96f : 0.10f};
  const float end[3] = {t < 0 ? 0.78f : 1.00f, t < 0 ? 0.90f : 0.90f, t < 0 ? 1.00f : 0.66f};
  const float s = std::sqrt(a);
  float c[3];
  for (int i = 0; i < 3; ++i) c[i] = s < 0.7f ? mid[i] * (s / 0.7f) : mid[i] + (end[i] - mid[i]) * (s - 0.7f) / 0.3f;
  return IM_COL32(static_cast<int>(c[0] * 255), static_cast<int>(c[1] * 255), static_cast<int>(c[2] * 255), 255);
}

ImU32 inferno_color(float t) {
  // Matt Zucker's polynomial fit of matplotlib's inferno (as shaders/common.glsl).
  static const float c[7][3] = {{0.0002189403691192265f, 0.001651004631001012f, -0.01948089843709184f},
                                {0.1065134194856116f, 0.5639564367884091f, 3.932712388889277f},
                                {11.60249308247187f, -3.972853965665698f, -15.9423941062914f},
                                {-41.70399613139459f, 17.43639888205313f, 44.35414519872813f},
                                {77.162935699427f, -33.40235894210092f, -81.80730925738993f},
                                {-71.31942824499214f, 32.62606426397723f, 73.20951985803202f},
                                {25.13112622477341f, -12.24266895238567f, -23.07032500287172f}};
  t = std::clamp(t, 0.0f, 1.0f);
  int rgb[3];
  for (int i = 0; i < 3; ++i) {
    float v = c[6][i];
    for (int k = 5; k >= 0; --k) v = c[k][i] + t * v;
    rgb[i] = static_cast<int>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255));
  }
  return IM_COL32(rgb[0], rgb[1], rgb[2], 255);
}

Fonts setup_theme(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  Fonts f;
  const float size = std::round(15.0f * scale);
  ImFontConfig cfg;
  cfg.OversampleH = 2;
  cfg.OversampleV = 1;
  const char* sans = find_font({"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"});
  const char* bold = find_font({"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"});
  const char* mono = find_font({"/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"});
  if (sans) f.regular = io.Fonts->AddFontFromFileTTF(sans, size, &cfg, kRanges);
  if (!f.regular) {
    ImFontConfig d;
    d.SizePixels = std::round(13.0f * scale);
    f.regular = io.Fonts->AddFontDefault(&d);
    f.note = "DejaVu Sans not found (install fonts-dejavu-core); using ImGui's built-in font";
  }
  f.bold = bold ? io.Fonts->AddFontFromFileTTF(bold, size, &cfg, kRanges) : f.regular;
  f.mono = mono ? io.Fonts->AddFontFromFileTTF(mono, std::round(14.0f * scale), &cfg, kRanges) : f.regular;
  f.large = bold ? io.Fonts->AddFontFromFileTTF(bold, std::round(26.0f * scale), &cfg, kRanges) : f.regular;
  if (!f.bold) f.bold = f.regular;
  if (!f.mono) f.mono = f.regular;
  if (!f.large) f.large = f.regular;
  io.FontDefault = f.regular;

  ImGuiStyle& s = ImGui::GetStyle();
  ImGui::StyleColorsDark(&s);
  s.WindowRounding = 0;
  s.ChildRounding = 4;
  s.FrameRounding = 4;
  s.PopupRounding = 6;
  s.GrabRounding = 4;
  s.TabRounding = 4;
  s.ScrollbarRounding = 6;
  s.WindowBorderSize = 0;
  s.FrameBorderSize = 0;
  s.PopupBorderSize = 1;
  s.WindowPadding = ImVec2(12, 10);
  s.FramePadding = ImVec2(8, 4);
  s.ItemSpacing = ImVec2(8, 6);
  s.ItemInnerSpacing = ImVec2(6, 4);
  s.IndentSpacing = 14;
  s.ScrollbarSize = 12;
  s.GrabMinSize = 10;
  s.CellPadding = ImVec2(6, 3);
  s.ScaleAllSizes(scale);

  ImVec4* c = s.Colors;
  const ImVec4 accent = to_vec4(color::kAccent);
  auto with_alpha = [](ImVec4 v, float a) { return ImVec4(v.x, v.y, v.z, a); };
  c[ImGuiCol_Text] = to_vec4(color::kText);
  c[ImGuiCol_TextDisabled] = to_vec4(color::kTextDim);
  c[ImGuiCol_WindowBg] = to_vec4(color::kPanel);
  c[ImGuiCol_ChildBg] = ImVec4(0.13f, 0.14f, 0.16f, 1.0f);
  c[ImGuiCol_PopupBg] = ImVec4(0.12f, 0.13f, 0.15f, 0.98f);
  c[ImGuiCol_Border] = ImVec4(0.24f, 0.26f, 0.30f, 1.0f);
  c[ImGuiCol_FrameBg] = ImVec4(0.17f, 0.18f, 0.21f, 1.0f);
  c[ImGuiCol_FrameBgHovered] = ImVec4(0.22f, 0.24f, 0.28f, 1.0f);
  c[ImGuiCol_FrameBgActive] = ImVec4(0.25f, 0.28f, 0.33f, 1.0f);
  c[ImGuiCol_TitleBg] = ImVec4(0.10f, 0.11f, 0.13f, 1.0f);
  c[ImGuiCol_TitleBgActive] = ImVec4(0.12f, 0.13f, 0.16f, 1.0f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.09f, 0.10f, 0.12f, 1.0f);
  c[ImGuiCol_ScrollbarBg] = ImVec4(0, 0, 0, 0);
  c[ImGuiCol_CheckMark] = accent;
  c[ImGuiCol_SliderGrab] = accent;
  c[ImGuiCol_SliderGrabActive] = with_alpha(accent, 0.8f);
  c[ImGuiCol_Button] = ImVec4(0.20f, 0.22f, 0.26f, 1.0f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.29f, 0.35f, 1.0f);
  c[ImGuiCol_ButtonActive] = with_alpha(accent, 0.55f);
  c[ImGuiCol_Header] = with_alpha(accent, 0.22f);
  c[ImGuiCol_HeaderHovered] = with_alpha(accent, 0.32f);
  c[ImGuiCol_HeaderActive] = with_alpha(accent, 0.45f);
  c[ImGuiCol_Separator] = ImVec4(0.24f, 0.26f, 0.30f, 1.0f);
  c[ImGuiCol_Tab] = ImVec4(0.15f, 0.16f, 0.19f, 1.0f);
  c[ImGuiCol_TabHovered] = with_alpha(accent, 0.45f);
  c[ImGuiCol_TabActive] = with_alpha(accent, 0.32f);
  c[ImGuiCol_PlotLines] = accent;
  c[ImGuiCol_PlotHistogram] = accent;
  c[ImGuiCol_TableHeaderBg] = ImVec4(0.15f, 0.16f, 0.19f, 1.0f);
  c[ImGuiCol_TableRowBgAlt] = ImVec4(1, 1, 1, 0.025f);
  c[ImGuiCol_TextSelectedBg] = with_alpha(accent, 0.35f);
  c[ImGuiCol_ModalWindowDimBg] = ImVec4(0, 0, 0, 0.55f);
  c[ImGuiCol_NavHighlight] = accent;
  return f;
}

void section_header(const char* title, const Fonts& fonts) {
  ImGui::Dummy(ImVec2(0, 2));
  ImGui::PushFont(fonts.bold);
  ImGui::TextUnformatted(title);
  ImGui::PopFont();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float w = ImGui::GetContentRegionAvail().x;
  ImGui::GetWindowDrawList()->AddLine(ImVec2(p.x, p.y - 2), ImVec2(p.x + w, p.y - 2), IM_COL32(255, 255, 255, 30));
  ImGui::Dummy(ImVec2(0, 2));
}

void field_label(const char* label, float control_x) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(label);
  ImGui::SameLine(control_x);
}

void badge(const char* text, ImU32 bg, ImU32 fg) {
  const ImVec2 size = ImGui::CalcTextSize(text);
  const ImVec2 pad(6, 1);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + size.x + 2 * pad.x, p.y + size.y + 2 * pad.y), bg, 8);
  dl->AddText(ImVec2(p.x + pad.x, p.y + pad.y), fg, text);
  ImGui::Dummy(ImVec2(size.x + 2 * pad.x, size.y + 2 * pad.y));
}

void callout(const std::string& text, ImU32 tint) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float width = ImGui::GetContentRegionAvail().x;
  const ImVec2 pad(8, 6);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const ImVec2 size = ImGui::CalcTextSize(text.c_str(), nullptr, false, width - 2 * pad.x - 4);
  // (wrap width: from the text start at pad.x + 4 to width - pad.x)
  ImVec4 t = to_vec4(tint);
  dl->AddRectFilled(p, ImVec2(p.x + width, p.y + size.y + 2 * pad.y), ImGui::GetColorU32(ImVec4(t.x, t.y, t.z, 0.14f)),
                    4);
  dl->AddRectFilled(p, ImVec2(p.x + 3, p.y + size.y + 2 * pad.y), tint, 2);
  ImGui::SetCursorScreenPos(ImVec2(p.x + pad.x + 4, p.y + pad.y));
  // PushTextWrapPos takes window-local x.
  ImGui::PushTextWrapPos(p.x - ImGui::GetWindowPos().x + ImGui::GetScrollX() + width - pad.x);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + size.y + 2 * pad.y));
  ImGui::Dummy(ImVec2(width, 4));
}

void help_marker(const char* text) {
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

bool segmented(const char* id, const char* const* labels, int count, int* selected, float height) {
  ImGui::PushID(id);
  bool changed = false;
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(2, 0));
  for (int i = 0; i < count; ++i) {
    if (i) ImGui::SameLine();
    const bool on = *selected == i;
    ImGui::PushStyleColor(ImGuiCol_Button, on ? ImGui::GetStyleColorVec4(ImGuiCol_HeaderActive)
                                              : ImGui::GetStyleColorVec4(ImGuiCol_FrameBg));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, on ? ImGui::GetStyleColorVec4(ImGuiCol_HeaderActive)
                                                     : ImGui::GetStyleColorVec4(ImGuiCol_FrameBgHovered));
    if (ImGui::Button(labels[i], ImVec2(0, height)) && !on) {
      *selected = i;
      changed = true;
    }
    ImGui::PopStyleColor(2);
  }
  ImGui::PopStyleVar();
  ImGui::PopID();
  return changed;
}

}  // namespace wfvae::studio
