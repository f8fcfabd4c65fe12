#include "panels/metrics_panel.h"

#include <cmath>

#include <imgui.h>

#include "panel_context.h"
#include "panels/section.h"

namespace wfvae::studio {

namespace {

void big_number(const Fonts& f, const char* label, const std::string& value, ImU32 c) {
  ImGui::BeginGroup();
  ImGui::TextDisabled("%s", label);
  ImGui::PushFont(f.large);
  ImGui::TextColored(to_vec4(c), "%s", value.c_str());
  ImGui::PopFont();
  ImGui::EndGroup();
}

void swatch(const uint8_t* rgb) {
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float h = ImGui::GetTextLineHeight();
  ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + h * 1.6f, p.y + h), IM_COL32(rgb[0], rgb[1], rgb[2], 255),
                                            3);
  ImGui::GetWindowDrawList()->AddRect(p, ImVec2(p.x + h * 1.6f, p.y + h), IM_COL32(255, 255, 255, 60), 3);
  ImGui::Dummy(ImVec2(h * 1.6f, h));
}

// The 8x8 grid measure, flagged, with what it means on hover.
void draw_blockiness(double blockiness) {
  ImGui::TextDisabled("blockiness");
  ImGui::SameLine();
  // Models with the grid plain to see read 2.0-2.6 on the bundled sample (the v1 bundled
  // models); the v4 ones, trained against it, read 1.4-1.6 and still show it on the finest
  // stripes. Flag from 1.5.
  const bool grid = std::isfinite(blockiness) && blockiness >= 1.5;
  if (grid)
    ImGui::TextColored(to_vec4(color::kWarning),
                       "%.2f  8\xC3\x97"
                       "8 grid",
                       blockiness);
  else
    ImGui::Text("%.2f", blockiness);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "How much of the model's 8x8 latent-cell grid the reconstruction shows: the mean step between\n"
        "neighbouring pixels across cell edges over the mean step inside cells, divided by the same\n"
        "ratio of the input. 1 = no grid added. WF-VAE decodes through inverse Haar transforms, so a\n"
        "decoder that misses the detail subbands paints flat 2x2..8x8 blocks (the checkerboard).\n"
        "Not one of the reference's metrics.");
}

// The run's LPIPS beside its PSNR and SSIM: the mean (while it is computed, so far).
void draw_lpips_number(PanelContext& s, const Run& run) {
  const double mean = run.lpips.mean();
  big_number(s.fonts(), "LPIPS", std::isfinite(mean) ? fmt("%.4f", mean) : "\xE2\x80\x94", color::kLpips);
  s.layout().add("sidebar/lpips", Rect::from(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
    ImGui::TextUnformatted(
        "LPIPS (AlexNet) as the reference's cal_lpips.py: the input frames against the float reconstruction "
        "clamped to [-1, 1], the mean over frames and pixels. Lower is better; view 7 shows where.");
    if (s.lpips_weights().available())
      ImGui::TextDisabled("alexnet: %s\nlin: %s", s.lpips_weights().alexnet.c_str(), s.lpips_weights().lin.c_str());
    else
      ImGui::TextDisabled("%s", s.lpips_weights().missing.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

// Under the numbers: LPIPS in progress, or why there is none (which weights were
// looked for and how to get them; where it looked on hover and in the LPIPS view).
void draw_lpips_status(PanelContext& s, const Run& run) {
  const RunLpips& l = run.lpips;
  const long long done = static_cast<long long>(l.computed()), all = static_cast<long long>(l.scores.size());
  switch (l.state) {
    case RunLpips::State::None:
      if (run.state == Run::State::Running) ImGui::TextDisabled("LPIPS follows when the run is done");
      return;
    case RunLpips::State::Computing:
      ImGui::TextDisabled("computing LPIPS\xE2\x80\xA6 %lld of %lld frames", done, all);
      return;
    case RunLpips::State::Done: return;
    case RunLpips::State::Unavailable: {
      const bool weights = !s.lpips_weights().available();
      // One line when the weights are missing (the whole story, long, on hover).
      callout(weights ? "No LPIPS: its weights are not on this machine (hover: which, and how to get them)"
                      : "No LPIPS: " + l.message,
              color::kTextDim);
      if (weights && ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
        ImGui::TextUnformatted(l.message.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
      s.layout().add("sidebar/lpips_missing", Rect::from(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
      return;
    }
    case RunLpips::State::Failed: callout("LPIPS failed: " + l.message, color::kError); break;
    case RunLpips::State::Cancelled:
      ImGui::TextDisabled("LPIPS %s (%lld of %lld frames)", l.message.empty() ? "cancelled" : l.message.c_str(), done,
                          all);
      ImGui::SameLine();
      break;
  }
  if (ImGui::SmallButton("Compute LPIPS again")) s.request_lpips();
}

}  // namespace

void MetricsPanel::draw_job(PanelContext& s) {
  const JobStatus js = s.job_status();
  if (!js.busy && js.queued == 0) return;
  section_header("Working", s.fonts());
  ImGui::TextUnformatted(js.title.c_str());
  const std::string overlay = fmt("%s  %.0f%%", js.stage.empty() ? "starting" : js.stage.c_str(), js.fraction * 100);
  ImGui::ProgressBar(static_cast<float>(js.fraction), ImVec2(-1, 0), overlay.c_str());
  ImGui::TextDisabled("%.1f s%s", js.elapsed_s, js.queued ? fmt("  \xC2\xB7 %d queued", js.queued).c_str() : "");
  ImGui::SameLine(ImGui::GetContentRegionMax().x - 120);
  if (js.cancelling) {
    ImGui::TextDisabled("cancelling\xE2\x80\xA6");
  } else if (ImGui::Button("Cancel  (Esc)", ImVec2(120, 0))) {
    s.cancel_jobs();
  }
  s.layout().add("sidebar/job", Rect::from(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
}

void MetricsPanel::draw_metrics(PanelContext& s) {
  const Run* run = s.doc().current_run();
  section_header("Result", s.fonts());
  if (!run) {
    if (s.doc().file_b() && s.doc().effective_pair() == Pair::OrigFile) {
      ImGui::TextDisabled("B = %s", s.doc().file_b()->path.c_str());
      big_number(s.fonts(), "PSNR (8-bit)", fmt("%.2f dB", s.doc().file_b()->psnr_mean), color::kFileB);
      ImGui::SameLine(0, 30);
      big_number(s.fonts(), "SSIM", fmt("%.4f", s.doc().file_b()->ssim_mean), color::kSecondary);
    } else {
      ImGui::TextDisabled(s.model().loaded ? "No reconstruction yet." : "No model: nothing reconstructed.");
    }
    for (const auto& n : s.doc().file_b() ? s.doc().file_b()->notes : std::vector<std::string>{})
      callout(n, color::kTextDim);
    return;
  }
  ImGui::TextDisabled("%s", run->settings.label().c_str());
  const char* state = run->state == Run::State::Running     ? "running"
                      : run->state == Run::State::Done      ? nullptr
                      : run->state == Run::State::Cancelled ? "cancelled"
                                                            : "failed";
  if (state) {
    ImGui::SameLine();
    badge(state, run->state == Run::State::Running ? color::kAccent : color::kWarning);
  }
  const double psnr = run->psnr_mean(), ssim = run->ssim_mean();
  big_number(s.fonts(), "PSNR", std::isnan(psnr) ? "\xE2\x80\x94" : fmt("%.2f dB", psnr), color::kAccent);
  ImGui::SameLine(0, 30);
  big_number(s.fonts(), "SSIM", std::isnan(ssim) ? "\xE2\x80\x94" : fmt("%.4f", ssim), color::kSecondary);
  s.layout().add("sidebar/metrics", Rect::from(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  ImGui::SameLine(0, 30);
  draw_lpips_number(s, *run);
  if (run->state == Run::State::Failed) callout(run->error, color::kError);
  draw_lpips_status(s, *run);

  if (const auto& r = run->result) {
    ImGui::TextDisabled("8-bit output");
    ImGui::SameLine();
    ImGui::Text("PSNR %.2f dB \xC2\xB7 SSIM %.4f", r->metrics_8bit.psnr_mean, r->metrics_8bit.ssim_mean);
    ImGui::TextDisabled("per channel");
    ImGui::SameLine();
    ImGui::Text("R %.2f \xC2\xB7 G %.2f \xC2\xB7 B %.2f dB", r->metrics.psnr_rgb_mean[0], r->metrics.psnr_rgb_mean[1],
                r->metrics.psnr_rgb_mean[2]);
    draw_blockiness(r->metrics.blockiness_mean);
    ImGui::TextDisabled("time");
    ImGui::SameLine();
    ImGui::Text("encode %.2f s \xC2\xB7 decode %.2f s", r->timings.encode_ms / 1000, r->timings.decode_ms / 1000);
    ImGui::TextDisabled("input");
    ImGui::SameLine();
    ImGui::Text("%lld frame%s \xC2\xB7 %d\xC3\x97%d \xC2\xB7 %.2f fps", static_cast<long long>(r->frames),
                r->frames == 1 ? "" : "s", r->width, r->height, r->fps);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "PSNR/SSIM as the reference's cal_psnr.py / cal_ssim.py on the float output;\n"
          "8-bit: of the frames as written to files.");
  }
  if (run->delta) {
    const RunDelta& d = *run->delta;
    const Run* prev = s.doc().previous_run();
    std::string text = "vs previous (" + d.other_label + "): ";
    if (prev && prev->done()) text += fmt("\xCE\x94PSNR %+.2f dB. ", run->psnr_mean() - prev->psnr_mean());
    if (d.max_abs == 0)
      text += "The outputs are identical.";
    else if (d.max_abs < 1e-4)
      text += fmt("The outputs agree to %.1e (numerically the same).", d.max_abs);
    else
      text += fmt("The outputs differ: max |\xCE\x94| %.4f, mean |\xCE\x94| %.5f, PSNR between them %.2f dB.",
                  d.max_abs, d.mean_abs, d.psnr);
    callout(text, color::kAccent);
  }
  for (const pipeline::Note& note : run->notes()) {
    if (studio_hides_note(note)) continue;
    callout(studio_note(note),
            note.kind == pipeline::NoteKind::NormDiffersFromTraining ? color::kWarning : color::kTextDim);
  }

  // This frame.
  if (run->has_metrics(s.doc().frame())) {
    const auto& m = run->frame_metrics[s.doc().frame()];
    ImGui::TextDisabled("frame %lld", static_cast<long long>(s.doc().frame()));
    ImGui::SameLine();
    const float values_x = ImGui::GetCursorPosX();
    ImGui::Text("PSNR %.2f dB \xC2\xB7 SSIM %.4f \xC2\xB7 blockiness %.2f", m.psnr, m.ssim, m.blockiness);
    if (run->lpips.has(s.doc().frame())) {
      ImGui::SetCursorPosX(values_x);  // under this frame's PSNR
      ImGui::TextColored(to_vec4(color::kLpips), "LPIPS %.4f", run->lpips.scores[static_cast<size_t>(s.doc().frame())]);
    }
  }
}

void MetricsPanel::draw_inspector(PanelContext& s) {
  const PixelProbe& p = s.probe();
  if (!section_or_hint("Pixel", s.fonts(), p.valid, "Hover the image to read pixel values.")) return;
  ImGui::PushFont(s.fonts().mono);
  ImGui::Text("x %d  y %d", p.x, p.y);
  if (ImGui::BeginTable("##pixel", 5, ImGuiTableFlags_SizingFixedFit)) {
    auto line = [&](const char* name, const uint8_t* v, bool have) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(name);
      if (!have) {
        ImGui::TableSetColumnIndex(1);
        ImGui::TextDisabled("\xE2\x80\x94");
        return;
      }
      for (int c = 0; c < 3; ++c) {
        ImGui::TableSetColumnIndex(1 + c);
        ImGui::Text("%3d", v[c]);
      }
      ImGui::TableSetColumnIndex(4);
      swatch(v);
    };
    ImGui::TableSetupColumn("");
    ImGui::TableSetupColumn("R");
    ImGui::TableSetupColumn("G");
    ImGui::TableSetupColumn("B");
    ImGui::TableSetupColumn("");
    ImGui::TableHeadersRow();
    line("A", p.a, p.has_a);
    line("B", p.b, p.has_b);
    if (p.has_a && p.has_b) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(
          "B\xE2\x88\x92"
          "A");
      for (int c = 0; c < 3; ++c) {
        ImGui::TableSetColumnIndex(1 + c);
        const int d = static_cast<int>(p.b[c]) - p.a[c];
        ImGui::TextColored(to_vec4(d == 0 ? color::kTextDim : d > 0 ? color::kSecondary : color::kAccent), "%+d", d);
      }
    }
    ImGui::EndTable();
  }
  if (p.has_lpips) {
    ImGui::TextColored(to_vec4(color::kLpips), "LPIPS map %.4f", p.lpips);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("The current run's spatial LPIPS at this pixel (a frame's LPIPS is its map's mean)");
  }
  ImGui::PopFont();
}

}  // namespace wfvae::studio
