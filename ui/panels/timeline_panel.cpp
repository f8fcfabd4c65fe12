#include "panels/timeline_panel.h"

#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "panel_context.h"

namespace wfvae::studio {

namespace {

using Series = TimelinePanel::Series;
using Axis = TimelinePanel::Axis;

void dashed_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 c, float t) {
  const float len = std::hypot(b.x - a.x, b.y - a.y);
  const int n = std::max(1, static_cast<int>(len / 6));
  for (int i = 0; i < n; i += 2) {
    const float u0 = static_cast<float>(i) / n, u1 = std::min(1.0f, static_cast<float>(i + 1) / n);
    dl->AddLine(ImVec2(a.x + (b.x - a.x) * u0, a.y + (b.y - a.y) * u0),
                ImVec2(a.x + (b.x - a.x) * u1, a.y + (b.y - a.y) * u1), c, t);
  }
}

}  // namespace

void TimelinePanel::draw(PanelContext& s, const Rect& area) {
  ImGui::SetNextWindowPos(area.min());
  ImGui::SetNextWindowSize(ImVec2(area.w, area.h));
  ImGui::Begin("##timeline", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
  s.layout().add("timeline", area);
  draw_transport(s);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const Rect plot{p.x, p.y, area.x + area.w - 12 - p.x, area.y + area.h - 8 - p.y};
  if (plot.w > 50 && plot.h > 40) draw_plot(s, plot);
  ImGui::End();
}

void TimelinePanel::draw_transport(PanelContext& s) {
  const int64_t n = s.frame_count();
  const bool have = n > 0;
  if (!have) ImGui::BeginDisabled();
  const ImVec2 bs(34, 0);
  if (ImGui::Button("\xE2\x87\xA4", bs)) s.set_frame(0);  // ⇤
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("First frame (Home)");
  ImGui::SameLine(0, 3);
  if (ImGui::Button("\xE2\x97\x80", bs)) s.set_frame(s.doc().frame() - 1);  // ◀
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Previous frame (Left)");
  ImGui::SameLine(0, 3);
  ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_HeaderActive));
  if (ImGui::Button(s.playing() ? "\xE2\x9D\x9A\xE2\x9D\x9A" : "\xE2\x96\xB6", ImVec2(46, 0)))
    s.set_playing(!s.playing());
  ImGui::PopStyleColor();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Play / pause at the clip's frame rate (Space)");
  ImGui::SameLine(0, 3);
  if (ImGui::Button("\xE2\x96\xB6##step", bs)) s.set_frame(s.doc().frame() + 1);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Next frame (Right)");
  ImGui::SameLine(0, 3);
  if (ImGui::Button("\xE2\x87\xA5", bs)) s.set_frame(n - 1);  // ⇥
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Last frame (End)");
  ImGui::SameLine(0, 10);
  if (bool loop = s.settings().loop; ImGui::Checkbox("Loop", &loop)) set_setting(s, &Settings::loop, loop);
  if (!have) ImGui::EndDisabled();

  ImGui::SameLine(0, 18);
  ImGui::PushFont(s.fonts().mono);
  if (have) {
    const double t = s.doc().clip() && s.doc().frame() < static_cast<int64_t>(s.doc().clip()->source_times.size())
                         ? s.doc().clip()->source_times[s.doc().frame()]
                         : s.doc().frame() / s.fps();
    ImGui::Text("frame %3lld / %lld   %6.3f s   %.2f fps", static_cast<long long>(s.doc().frame() + 1),
                static_cast<long long>(n), t, s.fps());
  } else {
    ImGui::TextDisabled("no clip");
  }
  ImGui::PopFont();

  // Right side: the curve toggles (the means are drawn in the plot's corner).
  const float toggles_w = 285;
  ImGui::SameLine(std::max(ImGui::GetCursorPosX() + 10, ImGui::GetWindowContentRegionMax().x - toggles_w));
  if (bool on = s.settings().show_ssim; ImGui::Checkbox("SSIM", &on)) set_setting(s, &Settings::show_ssim, on);
  ImGui::SameLine();
  if (bool on = s.settings().show_lpips; ImGui::Checkbox("LPIPS", &on)) set_setting(s, &Settings::show_lpips, on);
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
    ImGui::TextUnformatted(s.lpips_weights().available()
                               ? "The per-frame LPIPS curve (its own axis, right; lower is better)"
                               : ("No LPIPS curve: " + s.lpips_weights().missing).c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
  ImGui::SameLine();
  if (bool on = s.settings().show_previous; ImGui::Checkbox("previous", &on))
    set_setting(s, &Settings::show_previous, on);
}

void TimelinePanel::draw_plot(PanelContext& s, const Rect& r) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(r.min(), r.max(), IM_COL32(20, 21, 25, 255), 4);
  const int64_t n = s.frame_count();
  const std::vector<Series> series = collect_series(s);
  // A column of labels on the right for each right axis drawn (SSIM, LPIPS).
  const bool ssim_axis = s.settings().show_ssim && s.doc().current_run();
  const bool lpips_axis = std::any_of(series.begin(), series.end(),
                                      [](const Series& x) { return x.axis == Axis::Lpips && !x.points.empty(); });
  const float left = 52, right = 8 + (ssim_axis ? 36.0f : 0.0f) + (lpips_axis ? 44.0f : 0.0f), top = 8, bottom = 22;
  const Rect pr{r.x + left, r.y + top, r.w - left - std::max(44.0f, right), r.h - top - bottom};
  if (n <= 0 || pr.w < 10 || pr.h < 10) {
    const char* t = "The per-frame PSNR and SSIM appear here as the reconstruction streams in";
    const ImVec2 ts = ImGui::CalcTextSize(t);
    dl->AddText(ImVec2(r.x + (r.w - ts.x) / 2, r.y + (r.h - ts.y) / 2), color::kTextDim, t);
    ImGui::Dummy(ImVec2(r.w, r.h));
    return;
  }
  const Plot p = plot_ranges(series, pr, n);
  draw_axes(s, series, p, r.x + left, dl);
  draw_curves(s, series, p, dl);
  draw_marks(s, series, p, dl);
  json::Value extra = json::Object{};
  extra["frames"] = n;
  extra["x_first"] = static_cast<double>(p.x(0) * s.framebuffer_scale());
  extra["x_last"] = static_cast<double>(p.x(static_cast<double>(n - 1)) * s.framebuffer_scale());
  extra["psnr_min"] = p.psnr_lo;
  extra["psnr_max"] = p.psnr_hi;
  extra["lpips_max"] = p.lpips_hi;
  s.layout().add("timeline/plot", pr, extra);
  handle_input(s, p, r, dl);
}

// The curves: the previous run's PSNR (dashed), B's, and the current run's SSIM, LPIPS and PSNR.
std::vector<TimelinePanel::Series> TimelinePanel::collect_series(PanelContext& s) {
  std::vector<Series> series;
  const Run* cur = s.doc().current_run();
  const Run* prev = s.doc().previous_run();
  auto add_run = [&](const Run* run, const char* name, ImU32 c, float t, bool ssim) {
    Series sr{name, c, t, ssim ? Axis::Ssim : Axis::Psnr, {}};
    for (int64_t i = 0; i < run->count(); ++i)
      if (run->has_metrics(i)) {
        const double v = ssim ? run->frame_metrics[i].ssim : run->frame_metrics[i].psnr;
        if (std::isfinite(v)) sr.points.push_back({i, v});
      }
    series.push_back(std::move(sr));
  };
  if (prev && s.settings().show_previous && prev->clip_id == (s.doc().clip() ? s.doc().clip()->id : -1))
    add_run(prev, "previous PSNR", color::kPrevious, 1.5f, false);
  if (s.doc().file_b() && s.doc().clip() && s.doc().file_b()->clip_id == s.doc().clip()->id) {
    Series sr{"B file PSNR", color::kFileB, 1.8f, Axis::Psnr, {}};
    for (size_t i = 0; i < s.doc().file_b()->metrics.size(); ++i)
      if (std::isfinite(s.doc().file_b()->metrics[i].psnr))
        sr.points.push_back({static_cast<int64_t>(i), s.doc().file_b()->metrics[i].psnr});
    series.push_back(std::move(sr));
  }
  if (cur && cur->clip_id == (s.doc().clip() ? s.doc().clip()->id : -1)) {
    if (s.settings().show_ssim) add_run(cur, "SSIM", color::kSecondary, 1.5f, true);
    if (s.settings().show_lpips && cur->lpips.computed() > 0) {
      Series sr{"LPIPS", color::kLpips, 1.6f, Axis::Lpips, {}};
      for (int64_t i = 0; i < static_cast<int64_t>(cur->lpips.scores.size()); ++i)
        if (cur->lpips.has(i) && std::isfinite(cur->lpips.scores[static_cast<size_t>(i)]))
          sr.points.push_back({i, cur->lpips.scores[static_cast<size_t>(i)]});
      series.push_back(std::move(sr));
    }
    add_run(cur, "PSNR", color::kAccent, 2.2f, false);
  }

  return series;
}

// Axis ranges: PSNR from the data (whole dB, at least 4 dB tall); SSIM up to 1; LPIPS
// from 0 up to a round step above the largest value.
TimelinePanel::Plot TimelinePanel::plot_ranges(const std::vector<Series>& series, const Rect& area, int64_t frames) {
  double pmin = 1e9, pmax = -1e9, smin = 1e9, lmax = 0;
  for (const auto& sr : series)
    for (const auto& [i, v] : sr.points) {
      if (sr.axis == Axis::Ssim)
        smin = std::min(smin, v);
      else if (sr.axis == Axis::Lpips)
        lmax = std::max(lmax, v);
      else
        pmin = std::min(pmin, v), pmax = std::max(pmax, v);
    }
  if (pmin > pmax) pmin = 20, pmax = 40;
  pmin = std::floor(pmin - 0.5), pmax = std::ceil(pmax + 0.5);
  if (pmax - pmin < 4) {
    const double c = (pmin + pmax) / 2;
    pmin = std::floor(c - 2), pmax = pmin + 4;
  }
  double s_lo = smin > 1 ? 0.0 : std::max(0.0, std::floor((smin - 0.02) * 20) / 20), s_hi = 1.0;
  if (s_hi - s_lo < 0.05) s_lo = s_hi - 0.05;
  // LPIPS: the top is the next multiple of a 1-2-5 step that leaves a little headroom.
  double l_hi = 0.1;
  if (lmax > 0) {
    const double raw = lmax * 1.08;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
      if (m * mag >= raw) {
        l_hi = m * mag;
        break;
      }
  }
  return Plot{area, frames, pmin, pmax, s_lo, s_hi, 0.0, l_hi};
}

// The grid, the axis labels and the latent frame boundaries.
void TimelinePanel::draw_axes(PanelContext& s, const std::vector<Series>& series, const Plot& p, float label_right,
                              ImDrawList* dl) {
  const Run* cur = s.doc().current_run();
  const int64_t n = p.frames;
  const double step = (p.psnr_hi - p.psnr_lo) > 24   ? 10
                      : (p.psnr_hi - p.psnr_lo) > 10 ? 5
                      : (p.psnr_hi - p.psnr_lo) > 5  ? 2
                                                     : 1;
  for (double v = std::ceil(p.psnr_lo / step) * step; v <= p.psnr_hi + 1e-9; v += step) {
    const float y = p.y_psnr(v);
    dl->AddLine(ImVec2(p.area.x, y), ImVec2(p.area.x + p.area.w, y), color::kGrid);
    const std::string t = fmt("%.0f dB", v);
    dl->AddText(ImVec2(label_right - 6 - ImGui::CalcTextSize(t.c_str()).x, y - 7), color::kTextDim, t.c_str());
  }
  const bool ssim_axis = s.settings().show_ssim && cur;
  if (ssim_axis)
    for (int k = 0; k <= 2; ++k) {
      const double v = p.ssim_lo + (p.ssim_hi - p.ssim_lo) * k / 2;
      dl->AddText(ImVec2(p.area.x + p.area.w + 6, p.y_ssim(v) - 7), color::kSecondary, fmt("%.2f", v).c_str());
    }
  // LPIPS (lower is better): its own column, right of SSIM's.
  if (std::any_of(series.begin(), series.end(), [](const Series& x) { return x.axis == Axis::Lpips; }))
    for (int k = 0; k <= 2; ++k) {
      const double v = p.lpips_lo + (p.lpips_hi - p.lpips_lo) * k / 2;
      const std::string t = p.lpips_hi < 0.1 ? fmt("%.3f", v) : fmt("%.2f", v);
      dl->AddText(ImVec2(p.area.x + p.area.w + 6 + (ssim_axis ? 36.0f : 0.0f), p.y_lpips(v) - 7), color::kLpips,
                  t.c_str());
    }
  // Latent frame boundaries: WF-VAE codes frame 0 alone, then groups of 4 (8) frames.
  const int tc = s.model().loaded ? s.model().config.temporal_compression() : 4;
  for (int64_t i = 0; i < n; i += (i == 0 ? 1 : tc)) {
    const float x = p.x(static_cast<double>(i));
    dl->AddLine(ImVec2(x, p.area.y + p.area.h), ImVec2(x, p.area.y + p.area.h + 4), IM_COL32(255, 255, 255, 70));
  }
  const int64_t label_step = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(n / (p.area.w / 60.0))));
  for (int64_t i = 0; i < n; i += label_step) {
    const std::string t = std::to_string(i);
    dl->AddText(ImVec2(p.x(static_cast<double>(i)) - ImGui::CalcTextSize(t.c_str()).x / 2, p.area.y + p.area.h + 5),
                color::kTextDim, t.c_str());
  }
}

// Decoding progress under the curve, then the curves (gaps stay gaps).
void TimelinePanel::draw_curves(PanelContext& s, const std::vector<Series>& series, const Plot& p, ImDrawList* dl) {
  const Run* cur = s.doc().current_run();
  const int64_t n = p.frames;
  // Decoding progress under the curve: which frames exist yet.
  if (cur && cur->state == Run::State::Running && cur->count() == n) {
    for (int64_t i = 0; i < n; ++i) {
      const float x0 = p.x(i - 0.5), x1 = p.x(i + 0.5);
      dl->AddRectFilled(ImVec2(std::max(p.area.x, x0), p.area.y + p.area.h - 3),
                        ImVec2(std::min(p.area.x + p.area.w, x1), p.area.y + p.area.h),
                        cur->frame(i) ? color::kAccent : IM_COL32(255, 255, 255, 25));
    }
  }

  dl->PushClipRect(ImVec2(p.area.x - 4, p.area.y - 4), ImVec2(p.area.x + p.area.w + 4, p.area.y + p.area.h + 4), true);
  for (const auto& sr : series) {
    auto y_of = [&](double v) { return p.y(sr.axis, v); };
    for (size_t k = 1; k < sr.points.size(); ++k) {
      if (sr.points[k].first != sr.points[k - 1].first + 1) continue;  // gaps stay gaps
      const ImVec2 a(p.x(static_cast<double>(sr.points[k - 1].first)), y_of(sr.points[k - 1].second));
      const ImVec2 b(p.x(static_cast<double>(sr.points[k].first)), y_of(sr.points[k].second));
      if (sr.color == color::kPrevious)
        dashed_line(dl, a, b, sr.color, sr.thickness);
      else
        dl->AddLine(a, b, sr.color, sr.thickness);
    }
    if (n <= 80 || sr.points.size() == 1)
      for (const auto& [i, v] : sr.points)
        dl->AddCircleFilled(ImVec2(p.x(static_cast<double>(i)), y_of(v)), sr.thickness + 0.8f, sr.color);
  }
  dl->PopClipRect();

  if (series.empty() || std::all_of(series.begin(), series.end(), [](const Series& x) { return x.points.empty(); })) {
    const char* t =
        !s.model().loaded
            ? "No model: open one and the per-frame PSNR and SSIM appear here as the reconstruction streams in"
            : "The per-frame PSNR and SSIM appear here as the reconstruction streams in";
    const ImVec2 ts = ImGui::CalcTextSize(t);
    dl->AddText(ImVec2(p.area.x + (p.area.w - ts.x) / 2, p.area.y + (p.area.h - ts.y) / 2), color::kTextDim, t);
  }
}

// The current frame, the legend and the means of the current run (or of B).
void TimelinePanel::draw_marks(PanelContext& s, const std::vector<Series>& series, const Plot& p, ImDrawList* dl) {
  const Run* cur = s.doc().current_run();
  // Current frame.
  const float cx = p.x(static_cast<double>(s.doc().frame()));
  dl->AddLine(ImVec2(cx, p.area.y - 2), ImVec2(cx, p.area.y + p.area.h), IM_COL32(255, 255, 255, 170), 1.5f);
  dl->AddTriangleFilled(ImVec2(cx - 6, p.area.y - 8), ImVec2(cx + 6, p.area.y - 8), ImVec2(cx, p.area.y - 1),
                        IM_COL32(255, 255, 255, 220));

  // Legend.
  float lx = p.area.x + 8;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    dl->AddLine(ImVec2(lx, p.area.y + 10), ImVec2(lx + 16, p.area.y + 10), it->color, 2.5f);
    dl->AddText(ImVec2(lx + 20, p.area.y + 3), color::kTextDim, it->name);
    lx += 30 + ImGui::CalcTextSize(it->name).x;
  }

  // Means of the current run (or of B) in the top-right corner.
  std::string means;
  if (cur && cur->count() > 0 && !std::isnan(cur->psnr_mean())) {
    means = fmt("mean  PSNR %.2f dB   SSIM %.4f", cur->psnr_mean(), cur->ssim_mean());
    // LPIPS follows the run: its mean so far, or that there is none (the Result panel says why).
    const RunLpips& l = cur->lpips;
    if (std::isfinite(l.mean()))
      means += fmt("   LPIPS %.4f", l.mean()) + (l.state == RunLpips::State::Computing
                                                     ? fmt(" (%lld of %lld)", static_cast<long long>(l.computed()),
                                                           static_cast<long long>(l.scores.size()))
                                                     : std::string());
    else if (l.state == RunLpips::State::Computing)
      means += "   LPIPS computing\xE2\x80\xA6";
    else if (l.state == RunLpips::State::Unavailable)
      means += s.lpips_weights().available() ? "   LPIPS n/a" : "   LPIPS: no weights";
    else if (l.state == RunLpips::State::Failed)
      means += "   LPIPS failed";
    if (cur->state == Run::State::Running)
      means +=
          fmt("   (%lld of %lld frames)", static_cast<long long>(cur->decoded), static_cast<long long>(cur->count()));
  } else if (s.doc().file_b() && s.doc().clip() && s.doc().file_b()->clip_id == s.doc().clip()->id) {
    means = fmt("B file  PSNR %.2f dB   SSIM %.4f", s.doc().file_b()->psnr_mean, s.doc().file_b()->ssim_mean);
  }
  if (!means.empty()) {
    ImGui::PushFont(s.fonts().bold);
    const ImVec2 ts = ImGui::CalcTextSize(means.c_str());
    const ImVec2 mp(p.area.x + p.area.w - ts.x - 10, p.area.y + 2);
    dl->AddRectFilled(ImVec2(mp.x - 8, mp.y - 2), ImVec2(mp.x + ts.x + 8, mp.y + ts.y + 2), IM_COL32(20, 21, 25, 220),
                      4);
    dl->AddText(mp, color::kText, means.c_str());
    ImGui::PopFont();
  }
}

// Hover tooltip; click or drag to jump.
void TimelinePanel::handle_input(PanelContext& s, const Plot& p, const Rect& r, ImDrawList* dl) {
  ImGuiIO& io = ImGui::GetIO();
  const Run* cur = s.doc().current_run();
  const Run* prev = s.doc().previous_run();
  const int64_t n = p.frames;
  ImGui::SetCursorScreenPos(r.min());
  ImGui::InvisibleButton("##plot", ImVec2(r.w, r.h));
  const bool hovered = ImGui::IsItemHovered();
  auto frame_at = [&](float x) {
    const double u = std::clamp((x - p.area.x) / std::max(1.0f, p.area.w), 0.0f, 1.0f);
    return static_cast<int64_t>(std::lround(u * (n - 1)));
  };
  if (ImGui::IsItemActivated()) scrubbing_ = true;
  if (!ImGui::IsMouseDown(0)) scrubbing_ = false;
  if (scrubbing_) {
    s.set_frame(frame_at(io.MousePos.x));
    s.set_playing(false);
  }
  if (hovered) {
    const int64_t i = frame_at(io.MousePos.x);
    const float hx = p.x(static_cast<double>(i));
    dl->AddLine(ImVec2(hx, p.area.y), ImVec2(hx, p.area.y + p.area.h), IM_COL32(255, 255, 255, 60));
    ImGui::BeginTooltip();
    ImGui::PushFont(s.fonts().bold);
    ImGui::Text("Frame %lld", static_cast<long long>(i));
    ImGui::PopFont();
    if (s.doc().clip() && i < static_cast<int64_t>(s.doc().clip()->source_indices.size()))
      ImGui::TextDisabled("source frame %lld at %.3f s", static_cast<long long>(s.doc().clip()->source_indices[i]),
                          s.doc().clip()->source_times[i]);
    if (cur && cur->has_metrics(i)) {
      const auto& m = cur->frame_metrics[i];
      ImGui::TextColored(to_vec4(color::kAccent), "PSNR %.2f dB", m.psnr);
      ImGui::SameLine();
      ImGui::TextDisabled("(R %.2f  G %.2f  B %.2f)", m.psnr_rgb[0], m.psnr_rgb[1], m.psnr_rgb[2]);
      ImGui::TextColored(to_vec4(color::kSecondary), "SSIM %.4f", m.ssim);
      if (cur->lpips.has(i))
        ImGui::TextColored(to_vec4(color::kLpips), "LPIPS %.4f  (lower is better)",
                           cur->lpips.scores[static_cast<size_t>(i)]);
      else if (cur->lpips.state == RunLpips::State::Computing)
        ImGui::TextDisabled("LPIPS: computing\xE2\x80\xA6");
      else if (cur->lpips.state == RunLpips::State::Unavailable)
        ImGui::TextDisabled("LPIPS: not available (Result says why)");
      if (prev && prev->has_metrics(i) && prev->clip_id == cur->clip_id)
        ImGui::TextColored(to_vec4(color::kPrevious), "previous %.2f dB  (\xCE\x94 %+.2f dB)",
                           prev->frame_metrics[i].psnr, m.psnr - prev->frame_metrics[i].psnr);
    } else if (cur && cur->state == Run::State::Running) {
      ImGui::TextDisabled("not reconstructed yet");
    }
    if (s.doc().file_b() && i < static_cast<int64_t>(s.doc().file_b()->metrics.size()))
      ImGui::TextColored(to_vec4(color::kFileB), "B file: PSNR %.2f dB  SSIM %.4f (8-bit)",
                         s.doc().file_b()->metrics[i].psnr, s.doc().file_b()->metrics[i].ssim);
    ImGui::TextDisabled("click or drag to jump");
    ImGui::EndTooltip();
  }
}

}  // namespace wfvae::studio
