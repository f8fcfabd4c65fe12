#include "panels/viewer_panel.h"

#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "panel_context.h"

namespace wfvae::studio {

namespace {

// Views whose body another panel draws (no compare panes, no zoom).
bool is_other_view(View v) { return v == View::Wavelet || v == View::NormLab || v == View::Latent; }

enum ShaderMode { kModeA = 0, kModeB = 1, kModeSplit = 2, kModeAbsDiff = 3, kModeSignedDiff = 4, kModeLpips = 5 };
static_assert(kModeSignedDiff + 1 == ViewerPanel::kModeCount, "one compare.frag program per mode");

using Pane = ViewerPanel::Pane;

// The LPIPS view compares the current run's input and reconstruction, whatever the pair.
const Run* lpips_run(PanelContext& s) {
  const Run* r = s.doc().current_run();
  return r && s.doc().clip() && r->clip_id == s.doc().clip()->id ? r : nullptr;
}

// The LPIPS heatmap's full scale: the run's map range (the largest 99th percentile of
// its maps) over the gain; 1 before any map arrived.
float lpips_full_scale(const Run* run, int gain) {
  const double range = run && run->lpips.map_range > 0 ? run->lpips.map_range : 1.0;
  return static_cast<float>(range / std::max(1, gain));
}

uint64_t frame_key(const media::RgbFrame* f, uint64_t version) {
  return f ? (reinterpret_cast<uintptr_t>(f->rgb.data()) * 1000003ull) ^ (version * 7919ull) ^ f->rgb.size() : ~1ull;
}

void label_at(ImDrawList* dl, ImVec2 p, const std::string& text, ImU32 accent) {
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  dl->AddRectFilled(p, ImVec2(p.x + size.x + 16, p.y + size.y + 8), IM_COL32(12, 13, 16, 215), 4);
  dl->AddRectFilled(p, ImVec2(p.x + 3, p.y + size.y + 8), accent, 2);
  dl->AddText(ImVec2(p.x + 9, p.y + 4), color::kText, text.c_str());
}

// The tiles of a tiled run over every pane: each tile's outline, and its overlap
// with its neighbours shaded, where a seam would show if blending failed.
template <class ToX, class ToY>
void draw_tile_grid(PanelContext& s, const std::vector<Pane>& panes, int image_w, int image_h, ToX to_screen_x,
                    ToY to_screen_y) {
  if (!s.settings().show_tile_grid || !s.doc().current_run() || !s.doc().current_run()->result) return;
  const pipeline::ReconResult& r = *s.doc().current_run()->result;
  if (!r.tile.enabled() || r.height != image_h || r.width != image_w) return;
  const tiling::Grid g = tiling::pixel_grid(r.height, r.width, r.tile);
  if (g.count() < 2) return;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (const Pane& p : panes) {
    dl->PushClipRect(p.rect.min(), p.rect.max(), true);
    auto X = [&](int64_t x) { return to_screen_x(p, static_cast<float>(x)); };
    auto Y = [&](int64_t y) { return to_screen_y(p, static_cast<float>(y)); };
    for (size_t i = 0; i + 1 < g.cols.size(); ++i)
      dl->AddRectFilled(ImVec2(X(g.cols[i + 1].begin), Y(0)), ImVec2(X(g.cols[i].end), Y(r.height)),
                        IM_COL32(255, 200, 0, 28));
    for (size_t i = 0; i + 1 < g.rows.size(); ++i)
      dl->AddRectFilled(ImVec2(X(0), Y(g.rows[i + 1].begin)), ImVec2(X(r.width), Y(g.rows[i].end)),
                        IM_COL32(255, 200, 0, 28));
    for (const auto& c : g.cols)
      for (const auto& row : g.rows)
        dl->AddRect(ImVec2(X(c.begin), Y(row.begin)), ImVec2(X(c.end), Y(row.end)), IM_COL32(255, 200, 0, 150), 0, 0,
                    1.0f);
    dl->PopClipRect();
  }
  json::Value extra = json::Object{};
  extra["tiles"] = static_cast<int64_t>(g.count());
  extra["tile"] = r.tile.tile;
  extra["overlap"] = r.tile.overlap;
  s.layout().add("viewer/tile_grid", panes.front().rect, extra);
}

}  // namespace

ViewerPanel::ViewerPanel() {
  // One program per mode: a software rasterizer runs every branch of a shader, so
  // each mode gets only its own code.
  static const char* const kDefines[kModeCount] = {"#define MODE_A\n", "#define MODE_B\n", "#define MODE_SPLIT\n",
                                                   "#define MODE_ABS_DIFF\n", "#define MODE_SIGNED_DIFF\n"};
  try {
    for (int m = 0; m < kModeCount; ++m) programs_[m].build("fullscreen.vert", "compare.frag", kDefines[m]);
    lpips_program_.build("fullscreen.vert", "lpips.frag");
  } catch (const std::exception& e) {
    shader_error_ = e.what();
  }
}

void ViewerPanel::draw(PanelContext& s, const Rect& area, const std::function<void(const Rect& body)>& other_view) {
  ImGui::SetNextWindowPos(area.min());
  ImGui::SetNextWindowSize(ImVec2(area.w, area.h));
  ImGui::PushStyleColor(ImGuiCol_WindowBg, to_vec4(color::kViewerBg));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(10, 8));
  // No window background: the compare panes paint their own (one fill less per frame
  // for a software rasterizer); the rest of the area is painted below as needed.
  ImGui::Begin("##viewer", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse |
                   ImGuiWindowFlags_NoBackground);
  s.layout().add("viewer", area);
  ImDrawList* bg = ImGui::GetWindowDrawList();
  const bool panes_paint = s.doc().clip() && !is_other_view(s.view());
  // Channel 0 gets the background once the body's size is known; everything else is on channel 1.
  bg->ChannelsSplit(2);
  bg->ChannelsSetCurrent(1);
  draw_toolbar(s);
  draw_options(s);
  const ImVec2 cur = ImGui::GetCursorScreenPos();
  const Rect body{cur.x, cur.y, area.x + area.w - 10 - cur.x, area.y + area.h - 8 - cur.y};
  content_ = body;
  s.probe() = PixelProbe{};
  bg->ChannelsSetCurrent(0);
  if (panes_paint) {
    // The panes cover the body: paint only the frame around it.
    bg->AddRectFilled(area.min(), ImVec2(area.x + area.w, body.y), color::kViewerBg);
    bg->AddRectFilled(ImVec2(area.x, body.y), ImVec2(body.x, area.y + area.h), color::kViewerBg);
    bg->AddRectFilled(ImVec2(body.x + body.w, body.y), ImVec2(area.x + area.w, area.y + area.h), color::kViewerBg);
    bg->AddRectFilled(ImVec2(body.x, body.y + body.h), ImVec2(body.x + body.w, area.y + area.h), color::kViewerBg);
  } else {
    bg->AddRectFilled(area.min(), area.max(), color::kViewerBg);
  }
  bg->ChannelsSetCurrent(1);
  if (body.w > 20 && body.h > 20) {
    if (is_other_view(s.view())) {
      other_view(body);
    } else if (!s.doc().clip()) {
      draw_empty_state(s, body);
    } else {
      draw_compare(s, body);
    }
  }
  bg->ChannelsMerge();
  ImGui::End();
  ImGui::PopStyleVar();
  ImGui::PopStyleColor();
}

void ViewerPanel::draw_toolbar(PanelContext& s) {
  const ImVec2 start = ImGui::GetCursorScreenPos();
  static const char* const kLabels[kViewCount] = {"1  Side by side", "2  Split",    "3  A/B flicker", "4  Difference",
                                                  "5  Wavelets",     "6  Norm lab", "7  LPIPS",       "8  Latent"};
  static const char* const kShort[kViewCount] = {"1 Side",     "2 Split",    "3 Flicker", "4 Diff",
                                                 "5 Wavelets", "6 Norm lab", "7 LPIPS",   "8 Latent"};
  const bool compare_view = !is_other_view(s.view());
  const bool has_pair =
      s.view() != View::NormLab && s.view() != View::Lpips && s.view() != View::Latent;  // LPIPS: always input vs recon
  const float zoom_w = compare_view ? 230.0f : 0.0f;
  const float pair_w = has_pair ? 250.0f : 0.0f;
  // The tabs in full when they fit beside the pair and the zoom (of any view, so they
  // do not change as the view does), else shortened.
  auto tabs_width = [](const char* const* labels) {
    float w = 0;
    for (int i = 0; i < kViewCount; ++i)
      w += ImGui::CalcTextSize(labels[i]).x + 2 * ImGui::GetStyle().FramePadding.x + 2;
    return w;
  };
  const float room = ImGui::GetWindowContentRegionMax().x - ImGui::GetCursorPosX() - 250 - 230 - 16;
  int v = static_cast<int>(s.view());
  if (segmented("views", tabs_width(kLabels) <= room ? kLabels : kShort, kViewCount, &v))
    s.set_view(static_cast<View>(v));

  if (compare_view || s.view() == View::Wavelet) {
    // Right-aligned: the pair and the zoom.
    ImGui::SameLine(std::max(ImGui::GetCursorPosX() + 12, ImGui::GetWindowContentRegionMax().x - pair_w - zoom_w));
    const Pair current = s.doc().effective_pair();
    if (has_pair) ImGui::SetNextItemWidth(pair_w - 12);
    if (has_pair && ImGui::BeginCombo("##pair", pair_title(current))) {
      for (int i = 0; i < kPairCount; ++i) {
        const Pair p = static_cast<Pair>(i);
        const bool ok = s.doc().pair_available(p);
        if (!ok) ImGui::BeginDisabled();
        if (ImGui::Selectable(pair_title(p), p == current)) s.set_pair(p);
        if (!ok) ImGui::EndDisabled();
        if (!ok && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
          ImGui::SetTooltip("%s", p == Pair::OrigFile ? "File > Compare with File… (B = another video)"
                                                      : "needs a previous run: change a setting and re-run");
      }
      ImGui::EndCombo();
    }
    if (has_pair && ImGui::IsItemHovered()) ImGui::SetTooltip("Which two images to compare: A | B");
    if (compare_view) {
      if (has_pair) ImGui::SameLine();
      if (ImGui::Button("\xE2\x88\x92")) zoom_out();  // −
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("Zoom out (-)");
      ImGui::SameLine();
      if (ImGui::Button("Fit")) zoom_fit();
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("Fit to the view (0)");
      ImGui::SameLine();
      if (ImGui::Button("1:1")) {
        if (view_.zoom > 0)
          view_.zoom = 1;
        else
          zoom_to(1);
      }
      ImGui::SameLine();
      if (ImGui::Button("+")) zoom_in();
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("Zoom in (+); the mouse wheel zooms at the cursor");
      ImGui::SameLine();
      ImGui::TextDisabled("%4.0f%%", view_.shown * 100);
    }
  }
  const ImVec2 end = ImGui::GetCursorScreenPos();
  s.layout().add("viewer/toolbar", Rect{start.x, start.y, ImGui::GetWindowContentRegionMax().x, end.y - start.y});
}

void ViewerPanel::draw_options(PanelContext& s) {
  // Edited on a copy, handed to the studio when a control changed it.
  Settings st = s.settings();
  bool changed = false;
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(6, 2));
  switch (s.view()) {
    case View::Side:
      ImGui::TextDisabled(
          "A | B with zoom and pan locked together \xC2\xB7 wheel: zoom at the cursor \xC2\xB7 drag: pan \xC2\xB7 "
          "double-click: fit");
      break;
    case View::Split: {
      ImGui::TextDisabled("Drag the divider to swipe between A and B");
      ImGui::SameLine();
      ImGui::SetNextItemWidth(160);
      float pct = st.split * 100;
      if (ImGui::SliderFloat("##split", &pct, 0, 100, "divider %.0f%%")) st.split = pct / 100, changed = true;
      break;
    }
    case View::Flicker: {
      ImGui::TextDisabled("Alternates A and B in place: small shifts and colour changes pop out");
      ImGui::SameLine();
      ImGui::SetNextItemWidth(160);
      changed |= ImGui::SliderFloat("##hz", &st.flicker_hz, 0.5f, 10.0f, "%.1f Hz", ImGuiSliderFlags_Logarithmic);
      break;
    }
    case View::Diff: {
      int mode = st.diff_signed ? 1 : 0;
      static const char* const kMode[] = {"|B \xE2\x88\x92 A|", "B \xE2\x88\x92 A signed"};
      if (segmented("diffmode", kMode, 2, &mode)) st.diff_signed = mode == 1, changed = true;
      ImGui::SameLine(0, 14);
      int luma = st.diff_luma ? 1 : 0;
      static const char* const kChan[] = {"RGB", "Luma"};
      if (segmented("diffchan", kChan, 2, &luma)) st.diff_luma = luma == 1, changed = true;
      ImGui::SameLine(0, 14);
      ImGui::SetNextItemWidth(170);
      changed |= ImGui::SliderInt("##gain", &st.diff_gain, 1, 64, "gain \xC3\x97%d", ImGuiSliderFlags_Logarithmic);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("Amplification of the difference ([ and ] halve / double)");
      if (st.diff_signed) {
        // Legend of the diverging colormap.
        ImGui::SameLine(0, 14);
        const ImVec2 p = ImGui::GetCursorScreenPos();
        const float w = 150, h = ImGui::GetFrameHeight() - 6;
        ImDrawList* dl = ImGui::GetWindowDrawList();
        for (int i = 0; i < 50; ++i) {
          const float t = -1 + 2 * (i + 0.5f) / 50;
          dl->AddRectFilled(ImVec2(p.x + w * i / 50, p.y + 3), ImVec2(p.x + w * (i + 1) / 50 + 1, p.y + 3 + h),
                            diverging_color(t));
        }
        ImGui::Dummy(ImVec2(w, h + 6));
        ImGui::SameLine();
        ImGui::TextDisabled("B darker \xE2\x86\x90 0 \xE2\x86\x92 B brighter  (\xC2\xB1%.3f full scale)",
                            1.0 / st.diff_gain);
      }
      break;
    }
    case View::Lpips: {
      ImGui::SetNextItemWidth(150);
      float pct = st.lpips_opacity * 100;
      if (ImGui::SliderFloat("##lpips_opacity", &pct, 0, 100, "heatmap %.0f%%"))
        st.lpips_opacity = pct / 100, changed = true;
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("How much of the heatmap covers the reconstruction (shown in grey)");
      ImGui::SameLine(0, 14);
      ImGui::SetNextItemWidth(130);
      changed |=
          ImGui::SliderInt("##lpips_gain", &st.lpips_gain, 1, 16, "gain \xC3\x97%d", ImGuiSliderFlags_Logarithmic);
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "The colormap's top is the run's map range (the largest 99th percentile of its frames' maps)\n"
            "divided by the gain: raise it to see small differences");
      // Legend: the colormap from 0 to its full scale, in map units.
      const Run* run = lpips_run(s);
      const float full = lpips_full_scale(run, st.lpips_gain);
      ImGui::SameLine(0, 14);
      ImGui::TextDisabled("0");
      ImGui::SameLine(0, 6);
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const float w = 150, h = ImGui::GetFrameHeight() - 6;
      ImDrawList* dl = ImGui::GetWindowDrawList();
      for (int i = 0; i < 50; ++i)
        dl->AddRectFilled(ImVec2(p.x + w * i / 50, p.y + 3), ImVec2(p.x + w * (i + 1) / 50 + 1, p.y + 3 + h),
                          inferno_color((i + 0.5f) / 50));
      ImGui::Dummy(ImVec2(w, h + 6));
      s.layout().add("viewer/lpips_legend", Rect{p.x, p.y + 3, w, h});
      ImGui::SameLine(0, 6);
      ImGui::TextDisabled("%s%.3f", run && run->lpips.map_range > 0 ? "\xE2\x89\xA5" : "", full);
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("LPIPS map value at the top of the colormap (per pixel; a frame's LPIPS is its map's mean)");
      ImGui::SameLine(0, 14);
      const int64_t i = s.doc().frame();
      if (run && run->lpips.has(i))
        ImGui::Text("frame %lld: LPIPS %.4f", static_cast<long long>(i), run->lpips.scores[static_cast<size_t>(i)]);
      else
        ImGui::TextDisabled("lower is better");
      break;
    }
    case View::Wavelet:
    case View::NormLab:
    case View::Latent: break;
  }
  ImGui::PopStyleVar();
  if (changed) s.change_settings([&](Settings& x) { x = st; });
}

void ViewerPanel::draw_pane_callback(const ImDrawList*, const ImDrawCmd* cmd) {
  const PaneDraw& d = *static_cast<const PaneDraw*>(cmd->UserCallbackData);
  ViewerPanel& v = *d.panel;
  const int gl_y = d.framebuffer_height - (d.y + d.h);
  glViewport(d.x, gl_y, d.w, d.h);
  glEnable(GL_SCISSOR_TEST);
  glScissor(d.x, gl_y, d.w, d.h);
  glDisable(GL_BLEND);
  // Pixel-exact nearest neighbour from 1:1 up, filtered when zoomed out.
  const bool nearest = d.zoom >= 1.0f;
  // What every pane's shader reads (compare.frag, lpips.frag): two images on texture
  // units 0 and 1, the image's size and the view's zoom and pan.
  auto use = [&](ShaderProgram& prog, Texture& unit0, const char* name0, Texture& unit1, const char* name1) {
    prog.use();
    unit0.set_filter(nearest);
    unit1.set_filter(nearest);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, unit1.id());
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, unit0.id());
    prog.set(name0, 0);
    prog.set(name1, 1);
    prog.set_ivec2("u_image_size", v.image_w_, v.image_h_);
    prog.set("u_center", v.view_.center_x, v.view_.center_y);
    prog.set("u_zoom", d.zoom);
    prog.set("u_flip_height", static_cast<float>(d.framebuffer_height));
    prog.set("u_pane_center", d.center_x, d.center_y);
  };
  if (d.mode == kModeLpips) {
    ShaderProgram& prog = v.lpips_program_;
    use(prog, v.tex_b_, "u_b", v.tex_map_, "u_map");
    prog.set("u_full_scale", v.lpips_scale_);
    prog.set("u_opacity", v.lpips_opacity_);
  } else {
    ShaderProgram& prog = v.programs_[d.mode];
    use(prog, v.tex_a_, "u_a", v.have_b_ ? v.tex_b_ : v.tex_a_, "u_b");
    prog.set("u_split", v.split_);
    prog.set("u_gain", v.gain_);
    prog.set("u_luma", v.luma_ ? 1 : 0);
    prog.set("u_mode", d.mode);
  }
  draw_fullscreen_quad();
}

void ViewerPanel::draw_empty_state(PanelContext& s, const Rect& r) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float w = std::min(560.0f, r.w - 40), h = 250;
  const ImVec2 p(r.x + (r.w - w) / 2, r.y + (r.h - h) / 2);
  dl->AddRect(p, ImVec2(p.x + w, p.y + h), IM_COL32(255, 255, 255, 40), 10, 0, 2);
  s.layout().add("viewer/empty_state", Rect{p.x, p.y, w, h});
  ImGui::SetCursorScreenPos(ImVec2(p.x + 24, p.y + 22));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(p.x + w - 24);
  ImGui::PushFont(s.fonts().large);
  ImGui::TextUnformatted(s.doc().opening().empty() ? "Drop a video here" : "Opening\xE2\x80\xA6");
  ImGui::PopFont();
  ImGui::Spacing();
  if (!s.doc().opening().empty()) {
    ImGui::TextWrapped("%s", s.doc().opening().c_str());
  } else {
    ImGui::TextWrapped(
        "Drag a video or an image onto this window, or use File \xE2\x80\xBA Open (Ctrl+O). "
        "A model folder dropped here is loaded as the model.");
  }
  ImGui::Spacing();
  if (!s.model().loaded) {
    if (!s.model_loading().empty()) {
      ImGui::TextColored(to_vec4(color::kTextDim), "Loading model %s\xE2\x80\xA6", s.model_loading().c_str());
    } else {
      ImGui::TextColored(to_vec4(color::kWarning), "No model loaded.");
      ImGui::TextWrapped(
          "Open a WF-VAE model folder (config.json + diffusion_pytorch_model.safetensors) with "
          "File \xE2\x80\xBA Open Model or drop it here. The bundled models live in assets/models/.");
    }
  } else {
    ImGui::TextColored(to_vec4(color::kOk), "Model: %s", s.model().name.c_str());
  }
  ImGui::Spacing();
  if (ImGui::Button("Open video\xE2\x80\xA6")) s.open_file_dialog();
  ImGui::SameLine();
  if (ImGui::Button("Open model\xE2\x80\xA6")) s.open_model_dialog();
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
}

void ViewerPanel::upload(PanelContext& s) {
  const int64_t i = s.doc().frame();
  const media::RgbFrame* a = s.doc().frame_a(i);
  const Run* lrun = s.view() == View::Lpips ? lpips_run(s) : nullptr;
  const media::RgbFrame* b = s.view() != View::Lpips ? s.doc().frame_b(i) : lrun ? lrun->frame(i) : nullptr;
  if (s.view() == View::Lpips) {
    // The map of this frame, uploaded again when the frame, the run or its LPIPS changed.
    const bool have = lrun && lrun->lpips.has(i);
    const uint64_t km =
        have ? (static_cast<uint64_t>(lrun->id) << 40) ^ (lrun->lpips.version << 20) ^ static_cast<uint64_t>(i) : ~1ull;
    if (km != key_map_) {
      if (have) {
        const LpipsMap& m = lrun->lpips.maps[static_cast<size_t>(i)];
        tex_map_.upload_r32f(m.width, m.height, m.values.data());
      }
      key_map_ = km;
      have_map_ = have;
    }
  }
  const uint64_t version = s.doc().frames_version();
  const uint64_t ka = frame_key(a, version), kb = frame_key(b, version);
  if (ka != key_a_) {
    if (a) tex_a_.upload_rgb8(a->width, a->height, a->rgb.data());
    key_a_ = ka;
    have_a_ = a != nullptr;
  }
  if (kb != key_b_) {
    if (b) tex_b_.upload_rgb8(b->width, b->height, b->rgb.data());
    key_b_ = kb;
    have_b_ = b != nullptr;
  }
}

void ViewerPanel::draw_compare(PanelContext& s, const Rect& r) {
  if (!shader_error_.empty()) {
    ImGui::TextColored(to_vec4(color::kError), "The compare shader failed: %s", shader_error_.c_str());
    return;
  }
  upload(s);
  image_w_ = s.doc().clip()->width;
  image_h_ = s.doc().clip()->height;
  Frame f = layout_panes(s, r);
  if (f.panes.empty()) return;
  ImGuiIO& io = ImGui::GetIO();
  ImGui::SetCursorScreenPos(r.min());
  ImGui::InvisibleButton("##canvas", ImVec2(r.w, r.h),
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonMiddle);
  ImGui::SetItemAllowOverlap();  // buttons drawn over the image (e.g. "Open model") get the clicks
  const bool hovered = ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem);
  const Pane* over = nullptr;
  for (const Pane& p : f.panes)
    if (p.rect.contains(io.MousePos)) over = &p;
  view_.begin_frame(f.W, f.H);
  handle_zoom_pan(s, f, hovered, over);

  ImDrawList* dl = ImGui::GetWindowDrawList();
  queue_pane_draws(s, f, dl);
  draw_tile_grid(
      s, f.panes, image_w_, image_h_, [&](const Pane& p, float ix) { return f.x(p, ix); },
      [&](const Pane& p, float iy) { return f.y(p, iy); });
  draw_labels(s, f, dl);
  if (!have_b_) draw_waiting_note(s, f, dl);
  if (have_b_ && s.view() == View::Lpips && !have_map_) draw_lpips_note(s, f, dl);
  if (f.zoom >= ImGui::GetTextLineHeight() * 3.4f) draw_pixel_values(s, f, dl);
  if (hovered && over) inspect_pixel(s, f, *over, dl);
}

// The panes of the current view and what each shows.
ViewerPanel::Frame ViewerPanel::layout_panes(PanelContext& s, const Rect& r) {
  Frame f;
  f.W = static_cast<float>(image_w_), f.H = static_cast<float>(image_h_);
  const Settings& st = s.settings();
  const std::string la = s.doc().label_a(), lb = s.doc().label_b();
  f.label_a = la, f.label_b = lb;
  bool flicker_b = false;
  switch (s.view()) {
    case View::Side: {
      const float gap = 6;
      const float pw = (r.w - gap) / 2;
      f.panes.push_back({Rect{r.x, r.y, pw, r.h}, kModeA, "A  " + la, color::kOriginal, false});
      f.panes.push_back({Rect{r.x + pw + gap, r.y, pw, r.h}, kModeB, "B  " + lb, color::kAccent, true});
      ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(r.x + pw, r.y), ImVec2(r.x + pw + gap, r.y + r.h),
                                                color::kViewerBg);
      break;
    }
    case View::Split: f.panes.push_back({r, have_b_ ? kModeSplit : kModeA, "", 0, true}); break;
    case View::Flicker: {
      const double period = 1.0 / std::max(0.1f, st.flicker_hz);
      flicker_b = std::fmod(s.now(), period) >= period / 2 && have_b_;
      f.panes.push_back({r, flicker_b ? kModeB : kModeA, flicker_b ? "B  " + lb : "A  " + la,
                         flicker_b ? color::kAccent : color::kOriginal, true});
      break;
    }
    case View::Diff:
      f.panes.push_back({r, have_b_ ? (st.diff_signed ? kModeSignedDiff : kModeAbsDiff) : kModeA,
                         "B \xE2\x88\x92 A   " + lb + "  vs  " + la, color::kSecondary, true});
      break;
    case View::Lpips: {
      const Run* run = lpips_run(s);
      const std::string what = run ? "Reconstruction \xC2\xB7 " + run->settings.label() : "Reconstruction";
      f.panes.push_back({r,
                         have_b_ && have_map_ ? kModeLpips
                         : have_b_            ? kModeB
                                              : kModeA,
                         "LPIPS   " + what + "  vs  Original", color::kLpips, true});
      lpips_scale_ = lpips_full_scale(run, st.lpips_gain);
      lpips_opacity_ = st.lpips_opacity;
      break;
    }
    default: return f;
  }

  // Zoom: fit each pane (all panes have the same size) unless zoomed by hand.
  f.fit = std::max(1e-3f, std::min(f.panes[0].rect.w / f.W, f.panes[0].rect.h / f.H));
  return f;
}

// Zoom and pan by wheel, drag and double-click, and the split divider's drag, before
// anything is drawn, so all of it uses this frame's zoom and pan.
void ViewerPanel::handle_zoom_pan(PanelContext& s, Frame& f, bool hovered, const Pane* over) {
  const Settings& st = s.settings();
  ImGuiIO& io = ImGui::GetIO();
  auto to_image = [&](const Pane& p, ImVec2 m) {
    return ImVec2(view_.image_x(m.x - (p.rect.x + p.rect.w / 2), f.fit),
                  view_.image_y(m.y - (p.rect.y + p.rect.h / 2), f.fit));
  };
  if (s.view() == View::Split) {
    const Pane& p = f.panes[0];
    const float dx = p.rect.x + p.rect.w / 2 + view_.screen_dx(st.split * f.W, f.fit);
    const bool near = hovered && std::fabs(io.MousePos.x - dx) < 8;
    if (near && ImGui::IsMouseClicked(0)) dragging_split_ = true;
    if (!ImGui::IsMouseDown(0)) dragging_split_ = false;
    if (dragging_split_) set_setting(s, &Settings::split, std::clamp(to_image(p, io.MousePos).x / f.W, 0.0f, 1.0f));
    if (near || dragging_split_) ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
  }
  if (hovered && over) {
    if (io.MouseWheel != 0)
      view_.wheel(io.MouseWheel, io.MousePos.x - (over->rect.x + over->rect.w / 2),
                  io.MousePos.y - (over->rect.y + over->rect.h / 2), f.fit);
    if (ImGui::IsMouseDoubleClicked(0)) view_.fit_view(f.W, f.H);
    if (ImGui::IsMouseClicked(0) && !dragging_split_) panning_ = true;
    if (ImGui::IsMouseClicked(2)) panning_ = true;
  }
  if (panning_) {
    if (!ImGui::IsMouseDown(0) && !ImGui::IsMouseDown(2)) {
      panning_ = false;
    } else if (io.MouseDelta.x != 0 || io.MouseDelta.y != 0) {
      view_.drag(io.MouseDelta.x, io.MouseDelta.y, f.fit);
      ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeAll);
    }
  }
  view_.keep_in_view(f.W, f.H);
  f.zoom = view_.effective(f.fit);
  view_.shown = f.zoom;
  f.center_x = view_.center_x, f.center_y = view_.center_y;
}

// The panes are queued as draw callbacks that run the compare shader in the UI's
// render pass; around the image, plain background.
void ViewerPanel::queue_pane_draws(PanelContext& s, const Frame& f, ImDrawList* dl) {
  const Settings& st = s.settings();
  // Straight into the window (no offscreen copy: llvmpipe pays for every pixel twice).
  const float sc = s.framebuffer_scale();
  split_ = st.split;
  gain_ = static_cast<float>(st.diff_gain);
  luma_ = st.diff_luma;
  pane_draws_.clear();
  pane_draws_.reserve(f.panes.size());
  for (const Pane& p : f.panes) {
    // Shade only where the image is; the rest of the pane is plain background (the
    // fragment shader is the expensive part on a software rasterizer).
    const float vx0 = std::max(p.rect.x, f.x(p, 0)), vx1 = std::min(p.rect.x + p.rect.w, f.x(p, f.W));
    const float vy0 = std::max(p.rect.y, f.y(p, 0)), vy1 = std::min(p.rect.y + p.rect.h, f.y(p, f.H));
    // Background around the image only (each painted pixel costs on a software rasterizer).
    const ImU32 pane_bg = IM_COL32(30, 32, 37, 255);
    const bool shaded = vx1 > vx0 && vy1 > vy0 && !(p.mode == kModeB && !have_b_);
    if (!shaded) {
      dl->AddRectFilled(p.rect.min(), p.rect.max(), pane_bg);
      continue;
    }
    dl->AddRectFilled(p.rect.min(), ImVec2(p.rect.x + p.rect.w, vy0), pane_bg);
    dl->AddRectFilled(ImVec2(p.rect.x, vy1), p.rect.max(), pane_bg);
    dl->AddRectFilled(ImVec2(p.rect.x, vy0), ImVec2(vx0, vy1), pane_bg);
    dl->AddRectFilled(ImVec2(vx1, vy0), ImVec2(p.rect.x + p.rect.w, vy1), pane_bg);
    const int x0 = static_cast<int>(std::floor(vx0 * sc)), y0 = static_cast<int>(std::floor(vy0 * sc));
    const int x1 = static_cast<int>(std::ceil(vx1 * sc)), y1 = static_cast<int>(std::ceil(vy1 * sc));
    const float ox = (p.rect.x + p.rect.w / 2) * sc, oy = (p.rect.y + p.rect.h / 2) * sc;
    pane_draws_.push_back({this, x0, y0, x1 - x0, y1 - y0, ox, oy, p.mode == kModeB && !have_b_ ? kModeA : p.mode,
                           f.zoom * sc, s.framebuffer_height()});
  }
  for (auto& d : pane_draws_) dl->AddCallback(&ViewerPanel::draw_pane_callback, &d);
  dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

// The split divider, the panes' labels, and where each image is (for --dump-layout).
void ViewerPanel::draw_labels(PanelContext& s, const Frame& f, ImDrawList* dl) {
  const Settings& st = s.settings();
  const float sc = s.framebuffer_scale();
  if (s.view() == View::Split) {
    const Pane& p = f.panes[0];
    const float dx = f.x(p, st.split * f.W);
    const float y0 = std::max(p.rect.y, f.y(p, 0)), y1 = std::min(p.rect.y + p.rect.h, f.y(p, f.H));
    if (dx >= p.rect.x && dx <= p.rect.x + p.rect.w) {
      dl->AddLine(ImVec2(dx, y0), ImVec2(dx, y1), IM_COL32(255, 255, 255, 230), 2);
      const float hy = (y0 + y1) / 2;
      dl->AddCircleFilled(ImVec2(dx, hy), 11, IM_COL32(255, 255, 255, 235));
      dl->AddTriangleFilled(ImVec2(dx - 8, hy), ImVec2(dx - 3, hy - 5), ImVec2(dx - 3, hy + 5),
                            IM_COL32(30, 30, 30, 255));
      dl->AddTriangleFilled(ImVec2(dx + 8, hy), ImVec2(dx + 3, hy + 5), ImVec2(dx + 3, hy - 5),
                            IM_COL32(30, 30, 30, 255));
    }
    json::Value extra = json::Object{};
    extra["divider_x"] = static_cast<double>(dx * sc);
    extra["split"] = static_cast<double>(st.split);
    extra["image_x0"] = static_cast<double>(f.x(p, 0) * sc);
    extra["image_x1"] = static_cast<double>(f.x(p, f.W) * sc);
    extra["image_y0"] = static_cast<double>(f.y(p, 0) * sc);
    extra["image_y1"] = static_cast<double>(f.y(p, f.H) * sc);
    s.layout().add("image/split", p.rect, extra);
    label_at(dl, ImVec2(p.rect.x + 10, p.rect.y + 10), "A  " + f.label_a, color::kOriginal);
    const std::string bl = "B  " + f.label_b;
    const float bw = ImGui::CalcTextSize(bl.c_str()).x + 16;
    label_at(dl, ImVec2(p.rect.x + p.rect.w - bw - 10, p.rect.y + 10), bl, color::kAccent);
  } else {
    for (size_t k = 0; k < f.panes.size(); ++k) {
      const Pane& p = f.panes[k];
      json::Value extra = json::Object{};
      extra["image_x0"] = static_cast<double>(f.x(p, 0) * sc);
      extra["image_x1"] = static_cast<double>(f.x(p, f.W) * sc);
      extra["image_y0"] = static_cast<double>(f.y(p, 0) * sc);
      extra["image_y1"] = static_cast<double>(f.y(p, f.H) * sc);
      extra["mode"] = p.mode;
      const char* name = s.view() == View::Side    ? (k == 0 ? "image/a" : "image/b")
                         : s.view() == View::Diff  ? "image/diff"
                         : s.view() == View::Lpips ? "image/lpips"
                                                   : "image/flicker";
      s.layout().add(name, p.rect, extra);
      if (!p.label.empty()) label_at(dl, ImVec2(p.rect.x + 10, p.rect.y + 10), p.label, p.label_color);
    }
  }
}

// Over the B panes while B is not there: why, and an "Open model" button without a model.
void ViewerPanel::draw_waiting_note(PanelContext& s, const Frame& f, ImDrawList* dl) {
  const Run* run = s.doc().current_run();
  // B = file is what the compare views wait for; the LPIPS view waits for a reconstruction.
  const bool file_b = s.doc().effective_pair() == Pair::OrigFile && s.view() != View::Lpips;
  std::string why =
      file_b ? "loading B\xE2\x80\xA6"
      : run && run->state == Run::State::Running
          ? fmt("frame %lld not reconstructed yet (%lld of %lld done)", static_cast<long long>(s.doc().frame()),
                static_cast<long long>(run->decoded), static_cast<long long>(run->count()))
      : !s.model().loaded ? "no model: open one to reconstruct"
                          : "no reconstruction";
  for (const Pane& p : f.panes) {
    if (!p.needs_b) continue;
    const ImVec2 ts = ImGui::CalcTextSize(why.c_str());
    const ImVec2 c(p.rect.x + p.rect.w / 2, p.rect.y + p.rect.h / 2);
    const bool offer_model = !s.model().loaded && s.model_loading().empty() && !file_b;
    const float extra_h = offer_model ? ImGui::GetFrameHeight() + 8 : 0;
    dl->AddRectFilled(ImVec2(c.x - ts.x / 2 - 14, c.y - ts.y / 2 - 9),
                      ImVec2(c.x + ts.x / 2 + 14, c.y + ts.y / 2 + 9 + extra_h), IM_COL32(20, 22, 26, 235), 6);
    dl->AddText(ImVec2(c.x - ts.x / 2, c.y - ts.y / 2), color::kText, why.c_str());
    if (offer_model && s.view() != View::Flicker) {
      const char* label = "Open model\xE2\x80\xA6";
      const float bw = ImGui::CalcTextSize(label).x + 2 * ImGui::GetStyle().FramePadding.x;
      ImGui::SetCursorScreenPos(ImVec2(c.x - bw / 2, c.y + ts.y / 2 + 4));
      ImGui::PushID(&p);
      if (ImGui::Button(label)) s.open_model_dialog();
      ImGui::PopID();
    }
  }
}

// Over the LPIPS view while its map is not there: computing, or why there is none
// (which weights were looked for, where, and how to get them).
void ViewerPanel::draw_lpips_note(PanelContext& s, const Frame& f, ImDrawList* dl) {
  const Run* run = lpips_run(s);
  if (!run) return;
  const RunLpips& l = run->lpips;
  std::string why;
  ImU32 tint = color::kLpips;
  switch (l.state) {
    case RunLpips::State::None:
      why = run->done() ? "LPIPS not computed" : "LPIPS follows when the reconstruction is done";
      break;
    case RunLpips::State::Computing:
      why = fmt("computing LPIPS\xE2\x80\xA6 %lld of %lld frames", static_cast<long long>(l.computed()),
                static_cast<long long>(l.scores.size()));
      break;
    case RunLpips::State::Done: why = "no LPIPS map for this frame"; break;
    case RunLpips::State::Unavailable: why = "No LPIPS map.\n" + l.message, tint = color::kWarning; break;
    case RunLpips::State::Failed: why = "LPIPS failed: " + l.message, tint = color::kError; break;
    case RunLpips::State::Cancelled: why = "LPIPS " + (l.message.empty() ? std::string("cancelled") : l.message); break;
  }
  const Pane& p = f.panes.front();
  const float wrap = std::min(640.0f, p.rect.w - 80);
  const ImVec2 ts = ImGui::CalcTextSize(why.c_str(), nullptr, false, wrap);
  const ImVec2 c(p.rect.x + p.rect.w / 2, p.rect.y + p.rect.h / 2);
  const ImVec2 a(c.x - ts.x / 2 - 16, c.y - ts.y / 2 - 12), b(c.x + ts.x / 2 + 16, c.y + ts.y / 2 + 12);
  dl->AddRectFilled(a, b, IM_COL32(20, 22, 26, 235), 6);
  dl->AddRect(a, b, tint, 6, 0, 1.5f);
  dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(c.x - ts.x / 2, c.y - ts.y / 2), color::kText, why.c_str(),
              nullptr, wrap);
  s.layout().add("viewer/lpips_note", Rect{a.x, a.y, b.x - a.x, b.y - a.y});
}

// Zoomed far in, every visible pixel shows its values (as YUView does): R, G, B of
// the pane's image, or B − A in the difference view.
void ViewerPanel::draw_pixel_values(PanelContext& s, const Frame& f, ImDrawList* dl) {
  const Settings& st = s.settings();
  const media::RgbFrame* fa = s.doc().frame_a(s.doc().frame());
  const media::RgbFrame* fb = s.doc().frame_b(s.doc().frame());
  ImGui::PushFont(s.fonts().mono);
  for (const Pane& p : f.panes) {
    const int x0 =
        std::max(0, static_cast<int>(std::floor(f.center_x + (p.rect.x - (p.rect.x + p.rect.w / 2)) / f.zoom)));
    const int x1 = std::min(image_w_ - 1, static_cast<int>(std::floor(f.center_x + (p.rect.w / 2) / f.zoom)));
    const int y0 = std::max(0, static_cast<int>(std::floor(f.center_y - (p.rect.h / 2) / f.zoom)));
    const int y1 = std::min(image_h_ - 1, static_cast<int>(std::floor(f.center_y + (p.rect.h / 2) / f.zoom)));
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 2000) continue;  // not at this zoom, but be safe
    dl->PushClipRect(p.rect.min(), p.rect.max(), true);
    if (p.mode == kModeLpips) {
      // The LPIPS view: each pixel's map value, ink picked against the colour drawn there.
      const Run* run = lpips_run(s);
      const LpipsMap* m =
          run && run->lpips.has(s.doc().frame()) ? &run->lpips.maps[static_cast<size_t>(s.doc().frame())] : nullptr;
      if (m && m->width == image_w_ && m->height == image_h_)
        for (int iy = y0; iy <= y1; ++iy)
          for (int ix = x0; ix <= x1; ++ix) {
            const float v = m->values[static_cast<size_t>(iy) * m->width + ix];
            const ImVec4 c = ImGui::ColorConvertU32ToFloat4(inferno_color(v / lpips_scale_));
            const bool light = lpips_opacity_ > 0.5f && 0.299f * c.x + 0.587f * c.y + 0.114f * c.z > 0.55f;
            const std::string t = fmt("%.3f", v);
            const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
            dl->AddText(ImVec2(f.x(p, static_cast<float>(ix)) + (f.zoom - ts.x) / 2,
                               f.y(p, static_cast<float>(iy)) + (f.zoom - ts.y) / 2),
                        light ? IM_COL32(0, 0, 0, 220) : IM_COL32(255, 255, 255, 220), t.c_str());
          }
      dl->PopClipRect();
      continue;
    }
    for (int iy = y0; iy <= y1; ++iy)
      for (int ix = x0; ix <= x1; ++ix) {
        const size_t off = (static_cast<size_t>(iy) * image_w_ + ix) * 3;
        const bool diff = p.mode == kModeAbsDiff || p.mode == kModeSignedDiff;
        const bool split_b = p.mode == kModeSplit && ix >= st.split * f.W;
        const media::RgbFrame* img = p.mode == kModeB || split_b ? fb : fa;
        if (!img || (diff && !fb) || img->rgb.size() <= off + 2) continue;
        int v[3];
        float shade[3];
        for (int c = 0; c < 3; ++c) {
          v[c] = diff ? static_cast<int>(fb->rgb[off + c]) - fa->rgb[off + c] : img->rgb[off + c];
          shade[c] = diff ? 0.0f : img->rgb[off + c];
        }
        if (diff) {
          // What the difference view paints there, to pick readable ink.
          if (p.mode == kModeAbsDiff) {
            for (int c = 0; c < 3; ++c) shade[c] = std::min(255.0f, std::fabs(static_cast<float>(v[c])) * st.diff_gain);
          } else {
            const ImVec4 dc =
                ImGui::ColorConvertU32ToFloat4(diverging_color((v[0] + v[1] + v[2]) / 3.0f / 255.0f * st.diff_gain));
            shade[0] = dc.x * 255, shade[1] = dc.y * 255, shade[2] = dc.z * 255;
          }
        }
        // Dark text on light pixels, light text on dark ones.
        const float luma = 0.299f * shade[0] + 0.587f * shade[1] + 0.114f * shade[2];
        const ImU32 ink = luma > 140 ? IM_COL32(0, 0, 0, 220) : IM_COL32(255, 255, 255, 220);
        const float sx = f.x(p, static_cast<float>(ix)), sy = f.y(p, static_cast<float>(iy));
        const float lh = ImGui::GetTextLineHeight();
        for (int c = 0; c < 3; ++c) {
          const std::string t = diff ? fmt("%+d", v[c]) : std::to_string(v[c]);
          const float tw = ImGui::CalcTextSize(t.c_str()).x;
          dl->AddText(ImVec2(sx + (f.zoom - tw) / 2, sy + (f.zoom - 3 * lh) / 2 + c * lh), ink, t.c_str());
        }
      }
    dl->PopClipRect();
  }
  ImGui::PopFont();
}

// The pixel under the cursor: into the probe (the inspector shows it), and outlined
// in every pane at high zoom.
void ViewerPanel::inspect_pixel(PanelContext& s, const Frame& f, const Pane& over, ImDrawList* dl) {
  ImGuiIO& io = ImGui::GetIO();
  const float ix_f = f.center_x + (io.MousePos.x - (over.rect.x + over.rect.w / 2)) / f.zoom;
  const float iy_f = f.center_y + (io.MousePos.y - (over.rect.y + over.rect.h / 2)) / f.zoom;
  const int ix = static_cast<int>(std::floor(ix_f)), iy = static_cast<int>(std::floor(iy_f));
  if (ix >= 0 && iy >= 0 && ix < image_w_ && iy < image_h_) {
    s.probe().valid = true;
    s.probe().x = ix;
    s.probe().y = iy;
    const size_t off = (static_cast<size_t>(iy) * image_w_ + ix) * 3;
    if (const media::RgbFrame* a = s.doc().frame_a(s.doc().frame()); a && a->rgb.size() > off + 2) {
      s.probe().has_a = true;
      std::copy_n(a->rgb.data() + off, 3, s.probe().a);
    }
    if (const media::RgbFrame* b = s.doc().frame_b(s.doc().frame()); b && b->rgb.size() > off + 2) {
      s.probe().has_b = true;
      std::copy_n(b->rgb.data() + off, 3, s.probe().b);
    }
    if (const Run* run = lpips_run(s); run && run->lpips.has(s.doc().frame())) {
      const LpipsMap& m = run->lpips.maps[static_cast<size_t>(s.doc().frame())];
      if (m.width == image_w_ && m.height == image_h_) {
        s.probe().has_lpips = true;
        s.probe().lpips = m.values[static_cast<size_t>(iy) * m.width + ix];
      }
    }
    if (f.zoom >= 6)
      for (const Pane& p : f.panes) {
        const ImVec2 a(f.x(p, static_cast<float>(ix)), f.y(p, static_cast<float>(iy)));
        dl->AddRect(a, ImVec2(a.x + f.zoom, a.y + f.zoom), IM_COL32(255, 255, 255, 200), 0, 0, 1.5f);
      }
  }
}

}  // namespace wfvae::studio
