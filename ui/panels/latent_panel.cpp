#include "panels/latent_panel.h"

#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "core/latent_norm.h"
#include "panel_context.h"

namespace wfvae::studio {

namespace {

const char* const kForms[2] = {"Mode", "Sample"};
const char* const kScales[2] = {"Raw", "Normalised"};
constexpr uint64_t kSampleSeed = 0;

// The histogram's bins: symmetric about 0, wide enough for the clip's values.
stats::HistogramLayout view_layout(const HostTensor& z) {
  float m = 0;
  for (float v : z.data)
    if (std::isfinite(v)) m = std::max(m, std::fabs(v));
  const double r = m > 0 ? std::ceil(m * 1.05 * 4) / 4 : 1.0;  // quarter steps
  return stats::HistogramLayout{-r, r, 64};
}

// The most columns that keep tiles largest in `r` for n tiles of w x h cells.
struct Grid {
  int cols = 1;
  float zoom = 0;
};
Grid plan(int64_t n, int64_t w, int64_t h, const Rect& r, float label_h) {
  Grid best;
  for (int cols : {1, 2, 4, 8, 16, 32}) {
    if (cols > n * 2 && cols > 1) break;
    const int64_t rows = (n + cols - 1) / cols;
    const float cw = (r.w - (cols - 1) * 6) / cols;
    const float ch = (r.h - rows * label_h - (rows - 1) * 6) / rows;
    const float z = std::min(cw / w, ch / h);
    if (z > best.zoom) best = Grid{cols, z};
  }
  return best;
}

}  // namespace

void LatentPanel::compute(PanelContext& s) {
  const Run* run = s.doc().current_run();
  const pipeline::ReconResult* res = run && run->done() && run->result ? run->result.get() : nullptr;
  const std::string key =
      res ? fmt("%d|%llu|%d|%d", run->id, static_cast<unsigned long long>(run->version), sample_, normalized_) : "none";
  if (key == key_) return;
  key_ = key;
  z_ = HostTensor();
  summary_ = lens::LatentSummary();
  note_.clear();
  norm_problem_.clear();
  if (!res) {
    note_ = run && run->state == Run::State::Running
                ? "The latent appears when the reconstruction has finished\xE2\x80\xA6"
                : "Reconstruct the clip to see its latent.";
    return;
  }
  if (res->latent_mean.shape.size() != 5) {
    note_ = "This run kept no latent.";
    return;
  }
  temporal_ = res->config.temporal_compression();
  spatial_ = res->latent_mean.shape[3] > 0 ? static_cast<int>(res->height / res->latent_mean.shape[3]) : 8;
  norm_problem_ = res->config.latent_norm_problem();
  if (!norm_problem_.empty()) normalized_ = 0;
  const bool have_logvar = res->latent_logvar.shape == res->latent_mean.shape;
  if (sample_ && !have_logvar) sample_ = 0;
  z_ = sample_ ? lens::posterior_sample(res->latent_mean, res->latent_logvar, kSampleSeed) : res->latent_mean;
  if (normalized_) normalize_latent(z_, res->config.scale, res->config.shift);
  summary_ = lens::summarize_latent(z_, have_logvar ? res->latent_logvar : HostTensor(), view_layout(z_));
  channel_ = std::clamp<int>(channel_, 0, static_cast<int>(std::max<int64_t>(0, summary_.channels - 1)));
}

void LatentPanel::draw(PanelContext& s, const Rect& area) {
  tiles_.begin_frame();
  hover_channel_ = -1;
  ImGui::SetCursorScreenPos(area.min());
  if (!tiles_.error().empty()) {
    ImGui::TextColored(to_vec4(color::kError), "The colormap shader failed: %s", tiles_.error().c_str());
    return;
  }
  if (!s.doc().clip()) {
    ImGui::TextDisabled("Open a video to see its latent.");
    return;
  }
  compute(s);
  segmented("latent_form", kForms, 2, &sample_);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Mode: the posterior mean, what a run decodes by default.\nSample: mean + std * N(0, 1), "
        "seed %llu (drawn here; --sample in the CLI draws its own)",
        static_cast<unsigned long long>(kSampleSeed));
  ImGui::SameLine(0, 12);
  if (!norm_problem_.empty()) ImGui::BeginDisabled();
  segmented("latent_scale", kScales, 2, &normalized_);
  if (!norm_problem_.empty()) {
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip("Normalised needs the config's scale/shift for every channel: %s", norm_problem_.c_str());
  } else if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Normalised: (z - shift) * scale with the config's values, as the diffusion model sees it");
  }
  compute(s);  // a toggle may have changed
  if (z_.empty()) {
    ImGui::TextDisabled("%s", note_.c_str());
    return;
  }
  const int64_t t = std::min<int64_t>(lens::latent_frame_of(s.doc().frame(), temporal_), summary_.frames - 1);
  const lens::FrameSpan span = lens::video_frames_of(t, temporal_);
  ImGui::SameLine(0, 16);
  ImGui::AlignTextToFramePadding();
  const std::string frames = span.first == span.last
                                 ? fmt("video frame %lld", static_cast<long long>(span.first))
                                 : fmt("video frames %lld\xE2\x80\x93%lld", static_cast<long long>(span.first),
                                       static_cast<long long>(span.last));
  ImGui::Text(
      "latent frame %lld of %lld \xC2\xB7 %s \xC2\xB7 %lld channels of %lldx%lld, a cell = %dx%d px x %lld frame%s",
      static_cast<long long>(t), static_cast<long long>(summary_.frames), frames.c_str(),
      static_cast<long long>(summary_.channels), static_cast<long long>(summary_.width),
      static_cast<long long>(summary_.height), spatial_, spatial_, static_cast<long long>(span.last - span.first + 1),
      span.last > span.first ? "s" : "");
  s.layout().add("latent/frame", Rect::from(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()), [&] {
    json::Value j = json::Object{};
    j["latent_frame"] = t;
    j["first_frame"] = span.first;
    j["last_frame"] = span.last;
    j["form"] = sample_ ? "sample" : "mode";
    j["normalized"] = normalized_ != 0;
    j["shared_scale"] = static_cast<double>(summary_.shared_scale);
    return j;
  }());
  // The verdict on energy, one line: the question a user asks first.
  const std::vector<int> little = summary_.little_energy_channels();
  std::string verdict;
  if (little.empty()) {
    verdict = "Every channel carries a share of the latent's variance in this clip.";
  } else {
    verdict = little.size() == 1 ? "Channel " : "Channels ";
    for (size_t i = 0; i < little.size(); ++i) verdict += (i ? ", " : "") + std::to_string(little[i]);
    verdict += fmt(" carr%s little energy in this clip (under a quarter of an even share of the variance).",
                   little.size() == 1 ? "ies" : "y");
  }
  ImGui::TextColored(to_vec4(little.empty() ? color::kTextDim : color::kWarning), "%s", verdict.c_str());
  {
    json::Value j = json::Object{};
    j["little_energy"] = json::array_of(little);
    s.layout().add("latent/verdict", Rect::from(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()), j);
  }
  const float top = ImGui::GetCursorScreenPos().y + 4;
  const float right_w = std::clamp(area.w * 0.34f, 260.0f, 420.0f);
  const Rect grid{area.x, top, area.w - right_w - 16, area.y + area.h - top};
  const float hist_h = std::min(170.0f, grid.h * 0.4f);
  const Rect figures{grid.x + grid.w + 16, top, right_w, grid.h - hist_h - 10};
  const Rect hist{figures.x, figures.y + figures.h + 10, right_w, hist_h};
  draw_grid(s, grid, t);
  draw_figures(s, figures);
  draw_histogram(s, hist);
}

void LatentPanel::draw_grid(PanelContext& s, const Rect& r, int64_t t) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float label_h = ImGui::GetTextLineHeight() + 2;
  const int64_t n = summary_.channels, w = summary_.width, h = summary_.height;
  const Grid g = plan(n, w, h, Rect{r.x, r.y, r.w, r.h - 22}, label_h);
  if (g.zoom <= 0) return;
  const float tw = w * g.zoom, th = h * g.zoom;
  const float cw = (r.w - (g.cols - 1) * 6) / g.cols;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  int64_t hy = -1, hx = -1, hc = -1;
  for (int64_t c = 0; c < n; ++c) {
    const float x = r.x + (c % g.cols) * (cw + 6) + (cw - tw) / 2;
    const float y = r.y + (c / g.cols) * (label_h + th + 6);
    const std::vector<float> plane = lens::channel_plane(z_, c, t);
    const GLuint tex = tiles_.render(static_cast<int>(w), static_cast<int>(h), plane.data(), summary_.shared_scale,
                                     s.framebuffer_width(), s.framebuffer_height());
    const lens::ChannelFigures& f = summary_.channel[static_cast<size_t>(c)];
    const ImU32 ink = f.little_energy ? color::kWarning : (c == channel_ ? color::kAccent : color::kTextDim);
    dl->AddText(ImVec2(x, y), ink,
                fmt("%lld  \xCF\x83 %.3g", static_cast<long long>(c), f.values.std_unbiased()).c_str());
    const ImVec2 a(x, y + label_h), b(x + tw, y + label_h + th);
    dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex)), a, b);
    dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1),
                c == channel_ ? color::kAccent : IM_COL32(255, 255, 255, 35));
    json::Value extra = json::Object{};
    extra["channel"] = c;
    extra["latent_frame"] = t;
    extra["scale"] = static_cast<double>(summary_.shared_scale);
    extra["little_energy"] = f.little_energy;
    s.layout().add(fmt("latent/channel/%lld", static_cast<long long>(c)), Rect::from(a, b), extra);
    if (Rect::from(a, b).contains(mouse) && ImGui::IsWindowHovered()) {
      hc = c;
      hx = std::clamp<int64_t>(static_cast<int64_t>((mouse.x - a.x) / g.zoom), 0, w - 1);
      hy = std::clamp<int64_t>(static_cast<int64_t>((mouse.y - a.y) / g.zoom), 0, h - 1);
      if (ImGui::IsMouseClicked(0)) channel_ = static_cast<int>(c);
    }
  }
  // The hovered cell, outlined on every channel (the same pixels in each).
  if (hc >= 0) {
    for (int64_t c = 0; c < n; ++c) {
      const float x = r.x + (c % g.cols) * (cw + 6) + (cw - tw) / 2 + hx * g.zoom;
      const float y = r.y + (c / g.cols) * (label_h + th + 6) + label_h + hy * g.zoom;
      dl->AddRect(ImVec2(x, y), ImVec2(x + g.zoom, y + g.zoom), IM_COL32(255, 255, 255, c == hc ? 230 : 110));
    }
    hover_channel_ = static_cast<int>(hc);
    hover_y_ = hy;
    hover_x_ = hx;
    draw_cell_tooltip(s, hc, t, hy, hx);
    json::Value cell = json::Object{};
    cell["channel"] = hc;
    cell["cell_y"] = hy;
    cell["cell_x"] = hx;
    cell["pixel_x"] = hx * spatial_;
    cell["pixel_y"] = hy * spatial_;
    s.layout().add("latent/hover_cell", Rect{mouse.x, mouse.y, 1, 1}, cell);
  }
  // The colormap legend under the grid.
  const int64_t rows = (n + g.cols - 1) / g.cols;
  const ImVec2 p(r.x, r.y + rows * (label_h + th + 6) + 4);
  for (int i = 0; i < 40; ++i)
    dl->AddRectFilled(ImVec2(p.x + 3.0f * i, p.y + 3), ImVec2(p.x + 3.0f * (i + 1), p.y + 13),
                      diverging_color(-1 + 2 * (i + 0.5f) / 40));
  dl->AddText(ImVec2(p.x + 128, p.y), color::kTextDim,
              fmt("\xE2\x88\x92%.3g  0  +%.3g: one range for every channel and frame (the 99.5th percentile of |z|)",
                  summary_.shared_scale, summary_.shared_scale)
                  .c_str());
  s.layout().add("latent/legend", Rect{p.x, p.y, 120, 16});
}

void LatentPanel::draw_cell_tooltip(PanelContext& s, int64_t c, int64_t t, int64_t y, int64_t x) {
  const lens::FrameSpan span = lens::video_frames_of(t, temporal_);
  const int64_t hw = summary_.width * summary_.height, T = summary_.frames;
  const float v = z_.data[static_cast<size_t>((c * T + t) * hw + y * summary_.width + x)];
  const int px0 = static_cast<int>(x) * spatial_, py0 = static_cast<int>(y) * spatial_;
  ImGui::BeginTooltip();
  ImGui::Text("channel %lld, latent (t %lld, y %lld, x %lld): %+.4f", static_cast<long long>(c),
              static_cast<long long>(t), static_cast<long long>(y), static_cast<long long>(x), v);
  ImGui::TextDisabled("stands for pixels x %d\xE2\x80\x93%d, y %d\xE2\x80\x93%d of frames %lld\xE2\x80\x93%lld", px0,
                      px0 + spatial_ - 1, py0, py0 + spatial_ - 1, static_cast<long long>(span.first),
                      static_cast<long long>(span.last));
  // The covered pixels of the first and last frame of the span, enlarged.
  const float cell = std::max(2.0f, 64.0f / spatial_);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (int64_t f : {span.first, span.last}) {
    const media::RgbFrame* frame = s.doc().frame_a(f);
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(cell * spatial_, cell * spatial_));
    if (frame)
      for (int yy = 0; yy < spatial_; ++yy)
        for (int xx = 0; xx < spatial_; ++xx) {
          const int sx = std::min(px0 + xx, frame->width - 1), sy = std::min(py0 + yy, frame->height - 1);
          const uint8_t* p = &frame->rgb[static_cast<size_t>((sy * frame->width + sx) * 3)];
          dl->AddRectFilled(ImVec2(o.x + xx * cell, o.y + yy * cell),
                            ImVec2(o.x + (xx + 1) * cell, o.y + (yy + 1) * cell), IM_COL32(p[0], p[1], p[2], 255));
        }
    if (span.first == span.last) break;
    ImGui::SameLine();
  }
  if (span.first != span.last)
    ImGui::TextDisabled("frame %lld and frame %lld of the original", static_cast<long long>(span.first),
                        static_cast<long long>(span.last));
  ImGui::TextDisabled("click: this channel's histogram");
  ImGui::EndTooltip();
}

void LatentPanel::draw_figures(PanelContext& s, const Rect& r) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(r.min(), r.max(), IM_COL32(20, 21, 25, 255), 4);
  s.layout().add("latent/figures", r);
  const float lh = ImGui::GetTextLineHeight();
  ImGui::PushFont(s.fonts().bold);
  dl->AddText(ImVec2(r.x + 8, r.y + 6), color::kText, "Per channel, this clip");
  ImGui::PopFont();
  // Columns in the mono font, so the figures line up.
  ImFont* mono = s.fonts().mono ? s.fonts().mono : ImGui::GetFont();
  const float fs = ImGui::GetFontSize();
  dl->AddText(mono, fs, ImVec2(r.x + 8, r.y + 8 + lh), color::kTextDim,
              "ch    mean     std  post.std  share of variance");
  const int64_t n = summary_.channels;
  const float y0 = r.y + 14 + 2 * lh;
  const float row = std::min(lh + 3, (r.y + r.h - y0 - 4) / std::max<int64_t>(1, n));
  if (row < 6) return;
  double max_share = 0;
  for (const auto& f : summary_.channel) max_share = std::max(max_share, f.variance_share);
  for (int64_t c = 0; c < n; ++c) {
    const lens::ChannelFigures& f = summary_.channel[static_cast<size_t>(c)];
    const float y = y0 + c * row;
    const Rect line{r.x + 4, y, r.w - 8, row};
    if (c == channel_ || c == hover_channel_)
      dl->AddRectFilled(line.min(), line.max(),
                        c == channel_ ? IM_COL32(64, 170, 255, 40) : IM_COL32(255, 255, 255, 18));
    const ImU32 ink = f.little_energy ? color::kWarning : color::kText;
    const std::string post = std::isfinite(f.posterior_std) ? fmt("%.2e", f.posterior_std) : "-";
    if (row >= lh)
      dl->AddText(mono, fs, ImVec2(r.x + 8, y), ink,
                  fmt("%2lld %+7.3f %7.3f %9s", static_cast<long long>(c), f.values.mean(), f.values.std_unbiased(),
                      post.c_str())
                      .c_str());
    // The share of the variance as a bar at the right.
    const float bx = r.x + r.w - 90, bw = 80;
    const float share_w = max_share > 0 ? static_cast<float>(f.variance_share / max_share) * bw : 0;
    dl->AddRectFilled(ImVec2(bx, y + 2), ImVec2(bx + share_w, y + row - 2),
                      f.little_energy ? color::kWarning : color::kAccent, 2);
    if (line.contains(ImGui::GetIO().MousePos) && ImGui::IsWindowHovered()) {
      ImGui::SetTooltip(
          "channel %lld over the clip: mean %+.4f, std %.4f, min %.3f, max %.3f\nposterior std (mean "
          "of exp(logvar / 2)): %s\n%.1f%% of the latent's variance%s\nclick: its histogram",
          static_cast<long long>(c), f.values.mean(), f.values.std_unbiased(), f.values.min(), f.values.max(),
          post.c_str(), 100 * f.variance_share, f.little_energy ? " (little energy)" : "");
      if (ImGui::IsMouseClicked(0)) channel_ = static_cast<int>(c);
    }
  }
}

void LatentPanel::draw_histogram(PanelContext& s, const Rect& r) {
  if (r.h < 40 || summary_.channel.empty()) return;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(r.min(), r.max(), IM_COL32(20, 21, 25, 255), 4);
  const lens::ChannelFigures& f = summary_.channel[static_cast<size_t>(channel_)];
  const auto& bins = f.values.histogram();
  const stats::HistogramLayout& L = f.values.layout();
  const float lh = ImGui::GetTextLineHeight();
  dl->AddText(ImVec2(r.x + 8, r.y + 6), color::kText,
              fmt("Histogram of channel %d (%lld values)", channel_, static_cast<long long>(f.values.count())).c_str());
  const Rect plot{r.x + 10, r.y + lh + 14, r.w - 20, r.h - 2 * lh - 22};
  int64_t most = 1;
  for (int64_t b : bins) most = std::max(most, b);
  const float bw = plot.w / std::max<size_t>(1, bins.size());
  for (size_t i = 0; i < bins.size(); ++i) {
    const float hgt = plot.h * static_cast<float>(bins[i]) / static_cast<float>(most);
    const float x = plot.x + i * bw;
    const float mid = static_cast<float>(L.lo + (i + 0.5) * (L.hi - L.lo) / L.bins);
    dl->AddRectFilled(
        ImVec2(x, plot.y + plot.h - hgt), ImVec2(x + std::max(1.0f, bw - 1), plot.y + plot.h),
        diverging_color(summary_.shared_scale > 0 ? std::clamp(mid / summary_.shared_scale, -1.0f, 1.0f) : 0));
  }
  const float zero_x = plot.x + static_cast<float>((0 - L.lo) / (L.hi - L.lo)) * plot.w;
  dl->AddLine(ImVec2(zero_x, plot.y), ImVec2(zero_x, plot.y + plot.h), color::kGrid);
  dl->AddText(ImVec2(plot.x, plot.y + plot.h + 4), color::kTextDim, fmt("%.3g", L.lo).c_str());
  const std::string hi = fmt("%.3g", L.hi);
  dl->AddText(ImVec2(plot.x + plot.w - ImGui::CalcTextSize(hi.c_str()).x, plot.y + plot.h + 4), color::kTextDim,
              hi.c_str());
  json::Value extra = json::Object{};
  extra["channel"] = channel_;
  extra["count"] = f.values.count();
  s.layout().add("latent/histogram", r, extra);
}

}  // namespace wfvae::studio
