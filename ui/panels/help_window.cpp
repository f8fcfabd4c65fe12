#include "panels/help_window.h"

#include <imgui.h>

#include "panel_context.h"

namespace wfvae::studio {

const Shortcut kShortcuts[] = {
    {"Space", "play / pause at the clip's frame rate"},
    {"Left / Right", "previous / next frame"},
    {"Home / End", "first / last frame"},
    {"1 \xE2\x80\xA6 8", "views: side by side, split, A/B flicker, difference, wavelets, norm lab, LPIPS map, latent"},
    {"D", "difference view (again: back to the previous view)"},
    {"F", "A/B flicker view (again: back)"},
    {"S", "difference: switch absolute / signed"},
    {"[ / ]",
     "difference gain \xC3\xB7"
     "2 / \xC3\x97"
     "2"},
    {"+ / \xE2\x88\x92", "zoom in / out (the wheel zooms at the cursor)"},
    {"0", "fit to the view"},
    {"L", "loop on / off"},
    {"G", "tile grid of a tiled run on / off"},
    {"Ctrl+O", "open a video or image"},
    {"Ctrl+M", "open a model"},
    {"Ctrl+B", "compare with a file (B = file)"},
    {"Ctrl+E", "export"},
    {"Ctrl+R", "re-run the reconstruction"},
    {"Esc", "cancel the running job"},
    {"F1", "this help"},
    {"Ctrl+Q", "quit"},
};
const int kShortcutCount = static_cast<int>(sizeof kShortcuts / sizeof kShortcuts[0]);

void HelpWindow::draw(PanelContext& s, bool* open) {
  if (!*open) return;
  const ImVec2 ds = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowSize(ImVec2(620, 0), ImGuiCond_Appearing);
  ImGui::SetNextWindowPos(ImVec2(ds.x / 2, ds.y / 2), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 1);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0.12f, 0.13f, 0.15f, 1.0f));
  const bool shown = ImGui::Begin("Help  \xC2\xB7  keyboard shortcuts", open,
                                  ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_AlwaysAutoResize);
  ImGui::PopStyleColor();
  ImGui::PopStyleVar();
  if (!shown) {
    ImGui::End();
    return;
  }
  if (ImGui::BeginTable("##keys", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("Keys", ImGuiTableColumnFlags_WidthFixed, 130);
    ImGui::TableSetupColumn("Action", ImGuiTableColumnFlags_WidthStretch);
    for (int i = 0; i < kShortcutCount; ++i) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::PushFont(s.fonts().bold);
      ImGui::TextUnformatted(kShortcuts[i].keys);
      ImGui::PopFont();
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(kShortcuts[i].action);
    }
    ImGui::EndTable();
  }
  ImGui::Spacing();
  ImGui::PushTextWrapPos(600);
  ImGui::TextDisabled(
      "Mouse: wheel zooms at the cursor, drag pans, double-click fits; in the split view drag the "
      "divider. Click or drag the timeline to jump; hover it for per-frame values.");
  ImGui::TextDisabled(
      "Drop a video or image to open it, a model folder, .safetensors or .ckpt checkpoint to load it, a latents "
      ".safetensors to decode it; two videos dropped together open the first and compare it with the second (B = "
      "file).");
  ImGui::PopTextWrapPos();
  ImGui::End();
}

}  // namespace wfvae::studio
