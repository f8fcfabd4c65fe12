#include "panels/wavelet_panel.h"

#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "core/haar.h"
#include "panel_context.h"

namespace wfvae::studio {

namespace {

constexpr int kTabs = 5;
const char* const kTabLabels[kTabs] = {"Level 0 \xC2\xB7 3-D Haar", "L1 \xC2\xB7 Haar of LLL",
                                       "L2 \xC2\xB7 3-D Haar of L1 low", "Model L1 \xC2\xB7 decoder vs encoder",
                                       "Model L2 \xC2\xB7 decoder vs encoder"};

// Frames [first, first + count) of A or B as [1, 3, count, H, W] in [-1, 1].
bool frames_tensor(PanelContext& s, bool b_side, int64_t first, int64_t count, HostTensor* out) {
  const media::RgbFrame* f0 = b_side ? s.doc().frame_b(first) : s.doc().frame_a(first);
  if (!f0) return false;
  const int64_t H = f0->height, W = f0->width, plane = H * W;
  HostTensor t({1, 3, count, H, W});
  for (int64_t k = 0; k < count; ++k) {
    const media::RgbFrame* f = b_side ? s.doc().frame_b(first + k) : s.doc().frame_a(first + k);
    if (!f || f->width != W || f->height != H) return false;
    for (int64_t p = 0; p < plane; ++p)
      for (int c = 0; c < 3; ++c)
        t.data[static_cast<size_t>((c * count + k) * plane + p)] =
            f->rgb[static_cast<size_t>(p * 3 + c)] / 127.5f - 1.0f;
  }
  *out = std::move(t);
  return true;
}

// Band b of a [1, bands * 3, T, h, w] tensor at frame t, as one plane: luma
// (a linear mix, so it is the Haar of the luma) or one colour channel.
WaveletPanel::Plane band_plane(const HostTensor& x, int band, int64_t t, int channel) {
  WaveletPanel::Plane p;
  const int64_t T = x.shape[2], h = x.shape[3], w = x.shape[4];
  p.height = static_cast<int>(h);
  p.width = static_cast<int>(w);
  p.values.assign(static_cast<size_t>(h * w), 0.f);
  static const float kLuma[3] = {0.299f, 0.587f, 0.114f};
  for (int c = 0; c < 3; ++c) {
    const float weight = channel == 0 ? kLuma[c] : (channel - 1 == c ? 1.f : 0.f);
    if (weight == 0) continue;
    const float* src = x.data.data() + ((static_cast<int64_t>(band) * 3 + c) * T + t) * h * w;
    for (int64_t i = 0; i < h * w; ++i) p.values[static_cast<size_t>(i)] += weight * src[i];
  }
  return p;
}

// Robust colormap range: the 99.5th percentile of |v| over both planes.
float robust_scale(const WaveletPanel::Plane& a, const WaveletPanel::Plane* b) {
  std::vector<float> v;
  v.reserve(a.values.size() * 2);
  for (float x : a.values) v.push_back(std::fabs(x));
  if (b)
    for (float x : b->values) v.push_back(std::fabs(x));
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(v.size() * 0.995));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  float s = v[k];
  if (s <= 0) s = *std::max_element(v.begin(), v.end());
  // Rounding residue of bands that are zero in exact arithmetic is not structure.
  return s < 1e-6f ? 0.0f : s;
}

WaveletPanel::Level make_level(const std::string& title, const std::vector<std::string>& bands, const HostTensor& a,
                               const HostTensor* b, int64_t ta, int64_t tb, int channel) {
  WaveletPanel::Level L;
  L.title = title;
  L.bands = bands;
  L.has_b = b != nullptr;
  const int n = static_cast<int>(bands.size());
  L.energy_a = haar::band_energy(a, 3, static_cast<int>(ta));
  if (b) {
    L.energy_b = haar::band_energy(*b, 3, static_cast<int>(tb));
    if (ta == tb) L.error = haar::band_error(a, *b, 3, static_cast<int>(ta));
  }
  for (int i = 0; i < n; ++i) {
    L.a.push_back(band_plane(a, i, ta, channel));
    if (b) L.b.push_back(band_plane(*b, i, tb, channel));
    L.scale.push_back(robust_scale(L.a.back(), b ? &L.b.back() : nullptr));
  }
  return L;
}

std::vector<std::string> band_names(int count) {
  std::vector<std::string> v;
  for (int i = 0; i < count; ++i) v.push_back(count == 8 ? haar::kBands3D[i] : haar::kBands2D[i]);
  return v;
}

std::string pct(double x) {
  if (x <= 0) return "0%";
  if (x >= 1 - 1e-9) return "100%";
  if (x >= 0.1) return fmt("%.1f%%", x * 100);
  if (x >= 0.001) return fmt("%.2f%%", x * 100);
  return fmt("%.2g%%", x * 100);
}

std::string keep_text(const WaveletPanel::Level& L) { return L.b_short + " energy vs " + L.a_short; }

// Axis labels of the log chart: 100%, 1%, 0.01%, 0.0001%.
std::string decade_label(int d) {
  switch (d) {
    case 0: return "100%";
    case -2: return "1%";
    case -4: return "0.01%";
    case -6: return "0.0001%";
  }
  return fmt("1e%d", d + 2) + "%";
}

}  // namespace

WaveletPanel::WaveletPanel() = default;

WaveletPanel::~WaveletPanel() = default;

void WaveletPanel::compute(PanelContext& s) {
  const int64_t n = s.frame_count();
  const int tc = s.model().loaded ? s.model().config.temporal_compression() : 4;
  const bool temporal_l1 = tc == 8;
  const int64_t frame = std::clamp<int64_t>(s.doc().frame(), 0, std::max<int64_t>(0, n - 1));
  const int channel = s.settings().wavelet_channel;
  const std::string key = fmt("%llu|%lld|%d|%d|%d", static_cast<unsigned long long>(s.doc().frames_version()),
                              static_cast<long long>(frame), channel, tc, static_cast<int>(s.doc().effective_pair()));
  if (key == key_) return;
  key_ = key;
  levels_.clear();
  note_.clear();
  if (n == 0) return;

  // The frames that make up the current frame's level-2 group: frame 0 alone, else
  // frames G(m-1) .. Gm with G the temporal compression (the first is only the
  // causal partner that pads the pairs, never shown).
  const int64_t m = (frame + tc - 1) / tc;
  const int64_t first = m == 0 ? 0 : tc * (m - 1);
  const int64_t count = m == 0 ? 1 : std::min<int64_t>(tc + 1, n - first);
  if (m > 0 && count < tc + 1) {
    note_ = "the clip ends inside this frame group";
    return;
  }
  HostTensor va, vb;
  if (!frames_tensor(s, false, first, count, &va)) return;
  const bool have_b = frames_tensor(s, true, first, count, &vb);
  const haar::Pyramid pa = haar::energy_flow_pyramid(va, temporal_l1);
  haar::Pyramid pb;
  if (have_b) pb = haar::energy_flow_pyramid(vb, temporal_l1);

  const int64_t u = frame - first;
  const int64_t k0 = u == 0 ? 0 : (u + 1) / 2;
  const int64_t k1 = temporal_l1 ? (k0 == 0 ? 0 : (k0 + 1) / 2) : k0;
  const int64_t k2 = m == 0 ? 0 : 1;
  const int64_t g0 = frame == 0 ? 0 : (frame + 1) / 2;  // global level-0 frame
  const int64_t g1 = temporal_l1 ? (g0 == 0 ? 0 : (g0 + 1) / 2) : g0;
  auto pair_text = [](int64_t k) {
    return k == 0
               ? std::string("frame 0 (paired with itself)")
               : fmt("frames %lld\xE2\x80\x93%lld", static_cast<long long>(2 * k - 1), static_cast<long long>(2 * k));
  };
  const std::string sa = s.doc().label_a(), sb = s.doc().label_b();
  const int l1_bands = temporal_l1 ? 8 : 4;
  levels_.push_back(make_level(
      fmt("Level 0: 3-D Haar of %s \xE2\x86\x92 level-0 frame %lld", pair_text(g0).c_str(), static_cast<long long>(g0)),
      band_names(8), pa.level0, have_b ? &pb.level0 : nullptr, k0, k0, channel));
  levels_.push_back(make_level(
      fmt("L1: %s Haar of the LLL band, level-1 frame %lld", temporal_l1 ? "3-D" : "2-D", static_cast<long long>(g1)),
      band_names(l1_bands), pa.level1, have_b ? &pb.level1 : nullptr, k1, k1, channel));
  levels_.push_back(
      make_level(fmt("L2: 3-D Haar of L1's low band, level-2 frame %lld (source frames %lld\xE2\x80\x93%lld)",
                     static_cast<long long>(m), static_cast<long long>(m == 0 ? 0 : first + 1),
                     static_cast<long long>(first + count - 1)),
                 band_names(8), pa.level2, have_b ? &pb.level2 : nullptr, k2, k2, channel));
  for (auto& L : levels_) {
    L.a_name = "A \xC2\xB7 " + sa;
    L.b_name = "B \xC2\xB7 " + sb;
  }
  // The model's own energy-flow coefficients (float, from the run): encoder taps
  // from the input vs the decoder's prediction, at the same level frames.
  const Run* run = s.doc().current_run();
  const auto* taps = run && run->result ? &run->result->taps : nullptr;
  auto model_level = [&](const HostTensor& enc, const HostTensor& dec, int64_t t, const char* name, int bands) {
    if (enc.shape.size() != 5 || enc.shape != dec.shape || t >= enc.shape[2]) {
      Level L;
      L.title = std::string(name) + ": no energy-flow taps (run a reconstruction)";
      return L;
    }
    Level L = make_level(fmt("%s at level frame %lld: encoder (from the input) vs the decoder's prediction", name,
                             static_cast<long long>(t)),
                         band_names(bands), enc, &dec, t, t, channel);
    L.a_name = "Encoder \xC2\xB7 from the input";
    L.b_name = "Decoder \xC2\xB7 predicted";
    L.a_short = "encoder";
    L.b_short = "decoder";
    return L;
  };
  if (taps) {
    levels_.push_back(model_level(taps->enc_l1, taps->dec_l1, g1, "L1", l1_bands));
    levels_.push_back(model_level(taps->enc_l2, taps->dec_l2, m, "L2", 8));
  } else {
    Level L;
    L.title = "The decoder's predicted coefficients appear when a reconstruction has finished";
    levels_.push_back(L);
    levels_.push_back(L);
  }
}

void WaveletPanel::draw(PanelContext& s, const Rect& area) {
  tiles_.begin_frame();
  if (!tiles_.error().empty()) {
    ImGui::SetCursorScreenPos(area.min());
    ImGui::TextColored(to_vec4(color::kError), "The colormap shader failed: %s", tiles_.error().c_str());
    return;
  }
  ImGui::SetCursorScreenPos(area.min());
  segmented("wavelet_tabs", kTabLabels, kTabs, &tab_);
  ImGui::SameLine(0, 16);
  static const char* const kChannels[] = {"Luma", "R", "G", "B"};
  if (int channel = s.settings().wavelet_channel; segmented("wavelet_channel", kChannels, 4, &channel))
    set_setting(s, &Settings::wavelet_channel, channel);
  const ImVec2 below = ImGui::GetCursorScreenPos();
  if (!s.doc().clip()) {
    ImGui::TextDisabled("Open a video to see its wavelet subbands.");
    return;
  }
  compute(s);
  if (levels_.empty()) {
    ImGui::TextDisabled("%s", note_.empty() ? "Waiting for frames\xE2\x80\xA6" : note_.c_str());
    return;
  }
  const Level& L = levels_[static_cast<size_t>(std::min<int>(tab_, static_cast<int>(levels_.size()) - 1))];
  ImGui::SetCursorScreenPos(below);
  ImGui::TextUnformatted(L.title.c_str());
  // Colormap legend at the right of the title line.
  {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float w = 120, h = 10;
    const ImVec2 p(area.x + area.w - w - 150, ImGui::GetItemRectMin().y + 4);
    for (int i = 0; i < 40; ++i)
      dl->AddRectFilled(ImVec2(p.x + w * i / 40, p.y), ImVec2(p.x + w * (i + 1) / 40 + 1, p.y + h),
                        diverging_color(-1 + 2 * (i + 0.5f) / 40));
    dl->AddText(ImVec2(p.x + w + 8, p.y - 3), color::kTextDim, "\xE2\x88\x92s  0  +s");
  }
  if (L.a.empty()) return;
  const ImVec2 top = ImGui::GetCursorScreenPos();
  // The tiles take what they need (at least 60% of the height when they can use
  // it); the charts get the rest, at least 150 px.
  const float avail = area.y + area.h - top.y;
  const float min_bars = 150;
  const Grid g = plan_grid(L, area.w, std::max(80.0f, avail - min_bars - 8));
  const float grid_h = focus_band_ >= 0 ? std::max(80.0f, avail - 190 - 8) : g.height;
  const Rect grid{area.x, top.y, area.w, grid_h};
  const Rect bars{area.x, grid.y + grid.h + 8, area.w, std::min(avail - grid_h - 8, 260.0f)};
  if (focus_band_ >= static_cast<int>(L.bands.size())) focus_band_ = -1;
  if (focus_band_ >= 0)
    draw_focus(s, L, grid, fmt("l%d", tab_));
  else
    draw_level(s, L, g, grid, fmt("l%d", tab_));
  draw_bars(s, L, bars);
}

bool WaveletPanel::draw_tile(PanelContext& s, const Plane& p, float scale, const Rect& cell, const std::string& name,
                             const std::string& label, ImU32 accent) {
  const GLuint texture =
      tiles_.render(p.width, p.height, p.values.data(), scale, s.framebuffer_width(), s.framebuffer_height());

  // Label line, then the image fitted into the rest of the cell (aspect kept).
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float lh = ImGui::GetTextLineHeight() + 4;
  const float avail_w = cell.w, avail_h = cell.h - lh;
  if (avail_h < 8) return false;
  const float z = std::min(avail_w / p.width, avail_h / p.height);
  const float w = p.width * z, h = p.height * z;
  const ImVec2 img(cell.x + (cell.w - w) / 2, cell.y + lh);
  dl->AddText(ImVec2(img.x, cell.y), accent, label.c_str());
  const std::string sc = fmt("\xC2\xB1%.3g", scale);
  const float scw = ImGui::CalcTextSize(sc.c_str()).x;
  if (ImGui::CalcTextSize(label.c_str()).x + scw + 12 < w)
    dl->AddText(ImVec2(img.x + w - scw, cell.y), color::kTextDim, sc.c_str());
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture)), img, ImVec2(img.x + w, img.y + h));
  dl->AddRect(ImVec2(img.x - 1, img.y - 1), ImVec2(img.x + w + 1, img.y + h + 1), IM_COL32(255, 255, 255, 35));
  json::Value extra = json::Object{};
  extra["scale"] = static_cast<double>(scale);
  extra["band_width"] = p.width;
  extra["band_height"] = p.height;
  s.layout().add(name, Rect{img.x, img.y, w, h}, extra);
  const Rect image_rect{img.x, img.y, w, h};
  const bool hovered = image_rect.contains(ImGui::GetIO().MousePos) && ImGui::IsWindowHovered();
  if (hovered) {
    const int px = std::clamp(static_cast<int>((ImGui::GetIO().MousePos.x - img.x) / z), 0, p.width - 1);
    const int py = std::clamp(static_cast<int>((ImGui::GetIO().MousePos.y - img.y) / z), 0, p.height - 1);
    ImGui::SetTooltip("%s  (%d, %d)\ncoefficient %+.4f\ncolormap range \xC2\xB1%.4f\nclick: enlarge / back",
                      label.c_str(), px, py, p.values[static_cast<size_t>(py) * p.width + px], scale);
    dl->AddRect(ImVec2(img.x - 1, img.y - 1), ImVec2(img.x + w + 1, img.y + h + 1), IM_COL32(255, 255, 255, 140));
  }
  return hovered && ImGui::IsMouseClicked(0);
}

WaveletPanel::Grid WaveletPanel::plan_grid(const Level& L, float width, float max_height) const {
  // The arrangement (A|B side by side or stacked, 2/4/8 columns) with the largest tiles.
  const int n = static_cast<int>(L.bands.size());
  const bool two = L.has_b;
  const float gap = 14, title_h = ImGui::GetTextLineHeight() + 6, label_h = ImGui::GetTextLineHeight() + 4;
  const float bw = static_cast<float>(L.a.empty() ? 1 : L.a[0].width),
              bh = static_cast<float>(L.a.empty() ? 1 : L.a[0].height);
  Grid best;
  for (int stacked = 0; stacked < (two ? 2 : 1); ++stacked)
    for (int cols : {2, 4, 8}) {
      if (cols > n) continue;
      const int rows = (n + cols - 1) / cols;
      const float block_w = two && !stacked ? (width - gap) / 2 : width;
      const float block_h = two && stacked ? (max_height - gap) / 2 : max_height;
      const float cell_w = (block_w - (cols - 1) * 8) / cols;
      const float img_h = (block_h - title_h - rows * label_h - (rows - 1) * 6) / rows;
      const float z = std::min(cell_w / bw, img_h / bh);
      if (z > best.zoom) {
        best.zoom = z;
        best.cols = cols;
        best.stacked = stacked;
        const float used_block = title_h + rows * (label_h + bh * z) + (rows - 1) * 6;
        best.height = two && stacked ? 2 * used_block + gap : used_block;
      }
    }
  return best;
}

void WaveletPanel::draw_level(PanelContext& s, const Level& L, const Grid& g, const Rect& r, const std::string& id) {
  const int n = static_cast<int>(L.bands.size());
  const int cols = g.cols;
  const int rows = (n + cols - 1) / cols;
  const bool two = L.has_b;
  const float gap = 14;
  auto block = [&](int k) {
    if (!two) return r;
    if (!g.stacked) return Rect{r.x + k * (r.w + gap) / 2, r.y, (r.w - gap) / 2, r.h};
    return Rect{r.x, r.y + k * (r.h + gap) / 2, r.w, (r.h - gap) / 2};
  };
  const float title_h = ImGui::GetTextLineHeight() + 6;
  const char* sides[2] = {"original", "reconstruction"};
  for (int k = 0; k < (two ? 2 : 1); ++k) {
    const Rect b = block(k);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 accent = k == 0 ? color::kOriginal : color::kAccent;
    dl->AddRectFilled(ImVec2(b.x, b.y + 3), ImVec2(b.x + 3, b.y + title_h - 3), accent);
    ImGui::PushFont(s.fonts().bold);
    dl->AddText(ImVec2(b.x + 9, b.y + 2), color::kText, (k == 0 ? L.a_name : L.b_name).c_str());
    ImGui::PopFont();
    const float cw = (b.w - (cols - 1) * 8) / cols, chh = (b.h - title_h - (rows - 1) * 6) / rows;
    for (int i = 0; i < n; ++i) {
      const Rect cell{b.x + (i % cols) * (cw + 8), b.y + title_h + (i / cols) * (chh + 6), cw, chh};
      const Plane& p = k == 0 ? L.a[static_cast<size_t>(i)] : L.b[static_cast<size_t>(i)];
      if (draw_tile(s, p, L.scale[static_cast<size_t>(i)], cell,
                    "subband/" + id + "/" + sides[k] + "/" + L.bands[static_cast<size_t>(i)],
                    L.bands[static_cast<size_t>(i)], i == 0 ? color::kText : color::kTextDim))
        focus_band_ = i;
    }
    s.layout().add("subband_block/" + id + "/" + sides[k], b);
  }
}

void WaveletPanel::draw_focus(PanelContext& s, const Level& L, const Rect& r, const std::string& id) {
  // One band, A and B as large as they fit; click (or the button) to go back.
  const size_t i = static_cast<size_t>(focus_band_);
  ImGui::SetCursorScreenPos(r.min());
  if (ImGui::SmallButton("\xE2\x86\x90 All bands")) {
    focus_band_ = -1;
    return;
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%s: click a tile to go back", L.bands[i].c_str());
  const float top = ImGui::GetCursorScreenPos().y;
  const Rect area{r.x, top, r.w, r.y + r.h - top};
  const int sides = L.has_b ? 2 : 1;
  const float gap = 14;
  for (int k = 0; k < sides; ++k) {
    const Rect cell{area.x + k * (area.w + gap) / sides, area.y, (area.w - (sides - 1) * gap) / sides, area.h};
    const Plane& p = k == 0 ? L.a[i] : L.b[i];
    const std::string label = (k == 0 ? L.a_name : L.b_name) + "  \xC2\xB7  " + L.bands[i];
    if (draw_tile(s, p, L.scale[i], cell,
                  "subband_focus/" + id + "/" + (k == 0 ? "original" : "reconstruction") + "/" + L.bands[i], label,
                  k == 0 ? color::kOriginal : color::kAccent))
      focus_band_ = -1;
  }
}

void WaveletPanel::draw_bars(PanelContext& s, const Level& L, const Rect& r) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int n = static_cast<int>(L.bands.size());
  const float gap = 16;
  const Rect left{r.x, r.y, (r.w - gap) * 0.5f, r.h};
  const Rect right{r.x + left.w + gap, r.y, r.w - left.w - gap, r.h};
  s.layout().add("wavelet/energy_chart", left);
  s.layout().add("wavelet/error_chart", right);
  for (const Rect* c : {&left, &right}) dl->AddRectFilled(c->min(), c->max(), IM_COL32(20, 21, 25, 255), 4);
  const float th = ImGui::GetTextLineHeight();

  // Energy share per band, log scale (LLL holds almost everything).
  double ta = 0, tb = 0;
  for (double e : L.energy_a) ta += e;
  for (double e : L.energy_b) tb += e;
  ImGui::PushFont(s.fonts().bold);
  dl->AddText(ImVec2(left.x + 10, left.y + 6), color::kText, "Energy share per subband");
  ImGui::PopFont();
  {
    const std::string la = "\xE2\x96\xA0 " + L.a_short, lb = L.has_b ? "\xE2\x96\xA0 " + L.b_short : "";
    const float wl = ImGui::CalcTextSize(la.c_str()).x, wb = ImGui::CalcTextSize(lb.c_str()).x,
                wg = ImGui::CalcTextSize("(log)").x;
    float x = left.x + left.w - 10 - wg;
    dl->AddText(ImVec2(x, left.y + 6), color::kTextDim, "(log)");
    if (L.has_b) {
      x -= wb + 14;
      dl->AddText(ImVec2(x, left.y + 6), color::kAccent, lb.c_str());
    }
    x -= wl + 14;
    dl->AddText(ImVec2(x, left.y + 6), color::kOriginal, la.c_str());
  }
  const Rect pl{left.x + 64, left.y + th + 16, left.w - 76, left.h - 2 * th - 28};
  const double lo = -6;  // 1e-6 of the energy at the bottom
  auto y_of = [&](double share) {
    const double l = share > 0 ? std::max(lo, std::log10(share)) : lo;
    return pl.y + pl.h - static_cast<float>((l - lo) / -lo) * pl.h;
  };
  for (int d = 0; d >= lo; d -= 2) {
    const float y = y_of(std::pow(10.0, d));
    dl->AddLine(ImVec2(pl.x, y), ImVec2(pl.x + pl.w, y), color::kGrid);
    const std::string t = decade_label(d);
    dl->AddText(ImVec2(pl.x - 8 - ImGui::CalcTextSize(t.c_str()).x, y - th / 2), color::kTextDim, t.c_str());
  }
  const float slot = pl.w / std::max(1, n);
  for (int i = 0; i < n; ++i) {
    const float x = pl.x + i * slot;
    const float bw = L.has_b ? slot * 0.32f : slot * 0.6f;
    const double sa = ta > 0 ? L.energy_a[static_cast<size_t>(i)] / ta : 0;
    dl->AddRectFilled(ImVec2(x + slot * 0.16f, y_of(sa)), ImVec2(x + slot * 0.16f + bw, pl.y + pl.h), color::kOriginal,
                      2);
    std::string tip = fmt("%s\nA: %s of the energy", L.bands[static_cast<size_t>(i)].c_str(), pct(sa).c_str());
    if (L.has_b) {
      const double sb = tb > 0 ? L.energy_b[static_cast<size_t>(i)] / tb : 0;
      dl->AddRectFilled(ImVec2(x + slot * 0.52f, y_of(sb)), ImVec2(x + slot * 0.52f + bw, pl.y + pl.h), color::kAccent,
                        2);
      tip += fmt("\nB: %s", pct(sb).c_str());
    }
    const std::string& name = L.bands[static_cast<size_t>(i)];
    dl->AddText(ImVec2(x + slot / 2 - ImGui::CalcTextSize(name.c_str()).x / 2, pl.y + pl.h + 4), color::kTextDim,
                name.c_str());
    if (Rect{x, pl.y, slot, pl.h + th + 4}.contains(ImGui::GetIO().MousePos) && ImGui::IsWindowHovered())
      ImGui::SetTooltip("%s", tip.c_str());
  }

  // Where B differs: each band's share of the squared error, and the energy B keeps.
  ImGui::PushFont(s.fonts().bold);
  dl->AddText(ImVec2(right.x + 10, right.y + 6), color::kText, "Error per subband");
  ImGui::PopFont();
  if (!L.has_b || L.error.empty()) {
    dl->AddText(ImVec2(right.x + 10, right.y + 2 * th + 12), color::kTextDim, "needs B (a reconstruction or a file)");
    return;
  }
  double te = 0;
  for (double e : L.error) te += e;
  dl->AddText(ImVec2(right.x + right.w - 10 - ImGui::CalcTextSize(keep_text(L).c_str()).x - 30 -
                         ImGui::CalcTextSize("\xE2\x96\xA0 share of the error").x,
                     right.y + 6),
              color::kError, "\xE2\x96\xA0 share of the error");
  const std::string keep = L.b_short + " energy vs " + L.a_short;
  dl->AddText(ImVec2(right.x + right.w - 10 - ImGui::CalcTextSize(keep.c_str()).x, right.y + 6), color::kTextDim,
              keep.c_str());
  const Rect pr{right.x + 54, right.y + th + 16, right.w - 66, right.h - 3 * th - 30};
  for (int k = 0; k <= 4; ++k) {
    const float y = pr.y + pr.h - pr.h * k / 4;
    dl->AddLine(ImVec2(pr.x, y), ImVec2(pr.x + pr.w, y), color::kGrid);
    const std::string t = fmt("%d%%", k * 25);
    dl->AddText(ImVec2(pr.x - 8 - ImGui::CalcTextSize(t.c_str()).x, y - th / 2), color::kTextDim, t.c_str());
  }
  const float eslot = pr.w / std::max(1, n);
  for (int i = 0; i < n; ++i) {
    const float x = pr.x + i * eslot;
    const double share = te > 0 ? L.error[static_cast<size_t>(i)] / te : 0;
    dl->AddRectFilled(ImVec2(x + eslot * 0.25f, pr.y + pr.h - static_cast<float>(share) * pr.h),
                      ImVec2(x + eslot * 0.75f, pr.y + pr.h), color::kError, 2);
    const double ea = L.energy_a[static_cast<size_t>(i)], eb = L.energy_b[static_cast<size_t>(i)];
    const double change = ea > 0 ? eb / ea - 1 : 0;
    const std::string ct = ea > 0 ? fmt("%+.0f%%", change * 100) : "\xE2\x80\x94";
    // Red when B lost more than a tenth of the band's energy, amber when it gained as much.
    const ImU32 cc = change < -0.1 ? color::kError : change > 0.1 ? color::kWarning : color::kTextDim;
    const std::string& name = L.bands[static_cast<size_t>(i)];
    dl->AddText(ImVec2(x + eslot / 2 - ImGui::CalcTextSize(name.c_str()).x / 2, pr.y + pr.h + 4), color::kTextDim,
                name.c_str());
    dl->AddText(ImVec2(x + eslot / 2 - ImGui::CalcTextSize(ct.c_str()).x / 2, pr.y + pr.h + 4 + th + 2), cc,
                ct.c_str());
    if (Rect{x, pr.y, eslot, pr.h + 2 * th + 8}.contains(ImGui::GetIO().MousePos) && ImGui::IsWindowHovered())
      ImGui::SetTooltip("%s\n%s of the squared error (%.4g)\nenergy: A %.4g, B %.4g (%s)", name.c_str(),
                        pct(share).c_str(), L.error[static_cast<size_t>(i)], ea, eb, ct.c_str());
  }
}

}  // namespace wfvae::studio
