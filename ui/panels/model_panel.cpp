#include "panels/model_panel.h"
#include "core/norm_setting.h"

#include <algorithm>

#include <imgui.h>

#include "runtime/vae.h"
#include "panel_context.h"
#include "panels/section.h"

namespace wfvae::studio {

namespace {

std::string norm_desc(const std::string& type, int groups) { return NormSetting{type, groups}.label(); }

// The labels' column: the model table's keys and the labels in front of controls.
constexpr float kLabelWidth = 118;
// Where a control starts, past the label in front of it.
float control_x() { return kLabelWidth + ImGui::GetStyle().WindowPadding.x; }

void row(const char* key, const std::string& value) {
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::TextDisabled("%s", key);
  ImGui::TableSetColumnIndex(1);
  ImGui::TextUnformatted(value.c_str());
}

}  // namespace

void ModelPanel::draw(PanelContext& s) {
  draw_model(s);
  draw_norm(s);
  draw_run(s);
}

void ModelPanel::draw_model(PanelContext& s) {
  section_header("Model", s.fonts());
  const ModelInfo& m = s.model();
  const std::string current = !s.model_loading().empty()
                                  ? model_display_name(s.model_loading()) + "  (loading\xE2\x80\xA6)"
                              : m.loaded ? m.name
                                         : "no model";
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##model", current.c_str())) {
    if (!s.bundled_models().empty()) ImGui::TextDisabled("Bundled");
    for (const auto& path : s.bundled_models())
      if (ImGui::Selectable(model_display_name(path).c_str(), m.loaded && m.path == path)) s.open_model(path);
    bool recent_header = false;
    for (const auto& path : s.settings().recent_models) {
      if (std::find(s.bundled_models().begin(), s.bundled_models().end(), path) != s.bundled_models().end()) continue;
      if (!recent_header) {
        ImGui::Separator();
        ImGui::TextDisabled("Recent");
        recent_header = true;
      }
      if (ImGui::Selectable((model_display_name(path) + "##" + path).c_str(), m.loaded && m.path == path))
        s.open_model(path);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", path.c_str());
    }
    ImGui::Separator();
    if (ImGui::Selectable("Open model folder\xE2\x80\xA6")) s.open_model_dialog();
    ImGui::EndCombo();
  }
  if (!m.loaded) {
    if (s.model_loading().empty())
      callout(
          "No model loaded. Open a WF-VAE model folder (diffusers, or config.json + .ckpt), a .safetensors or a "
          ".ckpt/.pt checkpoint with config.json beside it, or drop one onto the window. The bundled models live in "
          "assets/models/.",
          color::kWarning);
    return;
  }
  ImGui::PushStyleColor(ImGuiCol_Text, to_vec4(color::kTextDim));
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(m.trained.summary().c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m.path.c_str());
  if (ImGui::BeginTable("##modelinfo", 2, ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed, kLabelWidth);
    ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
    row("Parameters", human_count(m.num_parameters) + fmt("  (%lld)", static_cast<long long>(m.num_parameters)));
    row("Stored dtype", m.stored_dtype + (m.weights_format.empty() ? "" : " \xC2\xB7 " + m.weights_format));
    if (!m.state_dict.empty()) row("State dict", m.state_dict);
    row("Running on", m.device + " \xC2\xB7 " + m.dtype);
    row("Compression", fmt("%d\xC3\x97%d\xC3\x97%d (t\xC3\x97h\xC3\x97w)", m.trained.temporal_compression(),
                           ModelConfig::kSpatialCompression, ModelConfig::kSpatialCompression));
    row("Latent", fmt("%d channels", m.trained.latent_dim));
    row("Trained norm", norm_desc(m.trained.norm_type, m.trained.norm_num_groups));
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextDisabled("Scale/shift");
    ImGui::TableNextColumn();
    // Whether the diffusion pipeline's latent normalisation is usable with this config.
    ImGui::PushStyleColor(ImGuiCol_Text, to_vec4(m.latent_norm_ok ? color::kTextDim : color::kWarning));
    ImGui::TextUnformatted(
        m.latent_norm_ok ? fmt("per channel (%zu values)", m.trained.scale.size()).c_str()
                         : fmt("unusable: %zu for %d channels", m.trained.scale.size(), m.trained.latent_dim).c_str());
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m.latent_norm.c_str());
    ImGui::EndTable();
  }
  if (ImGui::TreeNode("Load report")) {
    ImGui::PushFont(s.fonts().mono);
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(m.report_text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    ImGui::TreePop();
  }
}

void ModelPanel::draw_norm(PanelContext& s) {
  const ModelInfo& m = s.model();
  if (!section_or_hint("Normalization", s.fonts(), m.loaded, "Load a model to change its norm layers.")) return;
  bool changed = false;
  NormSetting norm = s.norm();
  const NormSetting trained = NormSetting::of(m.trained);
  field_label("norm_type", control_x());
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##normtype", norm.type.c_str())) {
    for (const auto& t : supported_norm_types()) {
      const std::string label = t + (t == m.trained.norm_type ? "   (trained)" : "");
      if (ImGui::Selectable(label.c_str(), t == norm.type) && t != norm.type) {
        norm.type = t;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  field_label("num_groups", control_x());
  ImGui::SetNextItemWidth(-1);
  const bool gn = norm.type == "groupnorm";
  if (!gn) ImGui::BeginDisabled();
  const std::string shown = gn ? std::to_string(norm.groups) : "n/a (layernorm)";
  if (ImGui::BeginCombo("##groups", shown.c_str())) {
    for (int g : m.valid_groups) {
      const bool trained = m.trained.norm_type == "groupnorm" && g == m.trained.norm_num_groups;
      const std::string label = std::to_string(g) + (trained ? "   (trained)" : "");
      if (ImGui::Selectable(label.c_str(), g == norm.groups) && g != norm.groups) {
        norm.groups = g;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  if (!gn) ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Only group counts that divide every normalised channel count are offered");

  const bool trained_setting = norm.same_as(trained);
  if (trained_setting) {
    ImGui::TextColored(to_vec4(color::kOk), "\xE2\x9C\x93 the setting these weights were trained with");
  } else {
    callout("These weights were trained with " + trained.label() + ". Running them with " + norm.label() +
                " normalises every layer differently from training: expect a different, usually worse, reconstruction.",
            color::kWarning);
  }
  if (ImGui::SmallButton("Reset to trained")) {
    if (!trained_setting) changed = true;
    norm = trained;
  }
  if (changed) {
    s.set_norm(norm);
    if (s.settings().auto_rerun) s.request_run();
  }
}

void ModelPanel::draw_run(PanelContext& s) {
  section_header("Run", s.fonts());
  // Edited on a copy, handed to the studio when a control changed it.
  Settings st = s.settings();
  bool changed = false;
  const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  ImGui::SetNextItemWidth(half);
  if (ImGui::BeginCombo("##device", ("device " + st.device).c_str())) {
    if (ImGui::Selectable("cpu", st.device == "cpu") && st.device != "cpu") st.device = "cpu", changed = true;
    // Only devices that exist; the worker reports them shortly after start-up.
    if (!s.system()) {
      ImGui::TextDisabled("checking for GPUs\xE2\x80\xA6");
    } else if (!s.system()->gpus.empty()) {
      const std::string label = "cuda  (" + s.system()->gpus[0].name + ")";
      if (ImGui::Selectable(label.c_str(), st.device == "cuda") && st.device != "cuda")
        st.device = "cuda", changed = true;
    } else {
      ImGui::TextDisabled("no CUDA GPU: %s", s.system()->cuda_problem.c_str());
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(half);
  if (ImGui::BeginCombo("##dtype", ("dtype " + st.dtype).c_str())) {
    for (const char* t : {"f32", "bf16", "f16"})
      if (ImGui::Selectable(t, st.dtype == t) && st.dtype != t) st.dtype = t, changed = true;
    ImGui::EndCombo();
  }
  int mode = st.chunked ? 0 : 1;
  static const char* const kModes[] = {"chunked", "direct"};
  field_label("Inference", control_x());
  if (segmented("inference", kModes, 2, &mode)) {
    st.chunked = mode == 0;
    changed = true;
  }
  help_marker(
      "chunked: causal-cache inference in temporal chunks (the reference's enable_tiling): less memory, and "
      "results stream in chunk by chunk. direct: the whole clip in one pass. With GroupNorm the two differ "
      "(statistics per chunk); with LayerNorm they should not.");

  // Spatial tiles: automatic (the memory planner tiles only when whole frames do
  // not fit), off, or a fixed size to study seams and the cost of tiling.
  static const int kTiles[] = {-1, 0, 64, 128, 256, 512};
  auto tile_name = [](int t) { return t < 0 ? std::string("auto") : t == 0 ? std::string("off") : fmt("%d px", t); };
  field_label("Tiles", control_x());
  ImGui::SetNextItemWidth(half - 30);
  if (ImGui::BeginCombo("##tiles", tile_name(st.tile).c_str())) {
    for (int v : kTiles)
      if (ImGui::Selectable(tile_name(v).c_str(), v == st.tile) && v != st.tile) st.tile = v, changed = true;
    ImGui::EndCombo();
  }
  help_marker(
      "Spatial tiles, each run on its own and blended linearly across a quarter-tile overlap. auto: only "
      "when whole frames do not fit the memory that is free (the plan is shown below after a run). "
      "Viewer: G draws the tile grid, to look for seams.");
  if (s.doc().current_run() && s.doc().current_run()->result) {
    const auto& r = *s.doc().current_run()->result;
    ImGui::TextDisabled("plan: %s", r.plan.describe().c_str());
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("estimated peak %s of %s available (%s)",
                        planning::format_bytes(r.plan.device_peak(r.device == "cuda")).c_str(),
                        planning::format_bytes(r.budget.device_bytes).c_str(), r.budget.source.c_str());
  }

  static const int kSides[] = {128, 192, 256, 360, 512, 720, 1080};
  field_label("Short side \xE2\x89\xA4", control_x());
  ImGui::SetNextItemWidth(half - 30);
  if (ImGui::BeginCombo("##side", fmt("%d px", st.max_short_side).c_str())) {
    for (int v : kSides)
      if (ImGui::Selectable(fmt("%d px", v).c_str(), v == st.max_short_side) && v != st.max_short_side)
        st.max_short_side = v, changed = true;
    ImGui::EndCombo();
  }
  static const int kFrames[] = {1, 5, 9, 17, 33, 49, 65, 97, 0};
  field_label("Frames", control_x());
  ImGui::SetNextItemWidth(half - 30);
  if (ImGui::BeginCombo("##frames", st.frames ? std::to_string(st.frames).c_str() : "all")) {
    for (int v : kFrames)
      if (ImGui::Selectable(v ? std::to_string(v).c_str() : "all", v == st.frames) && v != st.frames)
        st.frames = v, changed = true;
    ImGui::EndCombo();
  }
  const bool rerun_toggled = ImGui::Checkbox("Re-run when a setting changes", &st.auto_rerun);
  if (changed || rerun_toggled) s.change_settings([&](Settings& x) { x = st; });
  if (changed && st.auto_rerun) s.request_run();

  const bool can_run = s.model().loaded && (s.doc().clip() || !s.doc().opening().empty());
  if (!can_run) ImGui::BeginDisabled();
  if (ImGui::Button("Re-run  (Ctrl+R)", ImVec2(half, 0))) s.request_run();
  ImGui::SameLine();
  if (ImGui::Button(st.chunked ? "A/B: vs direct" : "A/B: vs chunked", ImVec2(half, 0))) s.start_ab_chunked();
  if (!can_run) ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Runs the clip again with the other inference mode and compares the two outputs");
}

}  // namespace wfvae::studio
