#include "panels/normlab_panel.h"
#include "core/norm_setting.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <imgui.h>

#include "core/csv.h"
#include "core/fileutil.h"
#include "panel_context.h"
#include "panels/section.h"

namespace wfvae::studio {

namespace {

std::string csv_num(double v, int decimals) {
  if (!std::isfinite(v)) return "";
  return fmt("%.*f", decimals, v);
}

const char* state_name(LabResult::State s) {
  switch (s) {
    case LabResult::State::Queued: return "queued";
    case LabResult::State::Running: return "running";
    case LabResult::State::Done: return "done";
    case LabResult::State::Failed: return "failed";
    case LabResult::State::Cancelled: return "cancelled";
  }
  return "";
}

}  // namespace

void NormLabPanel::build_candidates(PanelContext& s) {
  const std::string key = s.model().path + "|" + std::to_string(s.bundled_models().size());
  if (key == candidates_model_) return;
  candidates_model_ = key;
  candidates_.clear();
  if (!s.model().loaded) return;
  const ModelInfo& m = s.model();
  const std::string tn = m.trained.norm_type;
  const int tg = m.trained.norm_num_groups;
  auto add = [&](const std::string& path, const std::string& name, const std::string& type, int groups, bool chunked,
                 bool trained, bool selected) {
    Candidate c;
    c.setting = {path, name, type, groups, chunked, trained};
    c.selected = selected;
    candidates_.push_back(c);
  };
  add(m.path, m.name, tn, tg, false, true, true);
  add(m.path, m.name, tn, tg, true, true, true);
  for (int g : m.valid_groups)
    if (!(tn == "groupnorm" && g == tg)) add(m.path, m.name, "groupnorm", g, false, false, true);
  if (tn != "layernorm") {
    add(m.path, m.name, "layernorm", tg, false, false, true);
    add(m.path, m.name, "layernorm", tg, true, false, false);
  }
  for (const auto& path : s.bundled_models()) {
    if (path == m.path) continue;
    try {
      const ModelConfig c = ModelConfig::load(resolve_model_files(path).config);
      add(path, model_display_name(path), c.norm_type, c.norm_num_groups, false, true, true);
    } catch (const std::exception&) {
      // Listed models that cannot be read are left out; loading them says why.
    }
  }
}

bool NormLabPanel::select(PanelContext& s, const std::string& spec, std::string* error) {
  candidates_model_.clear();
  build_candidates(s);
  if (!s.model().loaded) {
    *error = "the norm lab needs a model";
    return false;
  }
  if (spec == "default" || spec.empty()) return true;
  for (auto& c : candidates_) c.selected = false;
  const ModelInfo& m = s.model();
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t end = std::min(spec.find(',', start), spec.size());
    std::string tok = spec.substr(start, end - start);
    start = end + 1;
    if (tok.empty()) continue;
    bool chunked = false;
    if (const size_t slash = tok.find("/chunked"); slash != std::string::npos && slash + 8 == tok.size()) {
      chunked = true;
      tok.resize(slash);
    }
    LabSetting st{m.path, m.name, m.trained.norm_type, m.trained.norm_num_groups, chunked, false};
    if (tok == "trained") {
    } else if (tok == "ln") {
      st.norm_type = "layernorm";
    } else if (tok.rfind("gn:", 0) == 0) {
      st.norm_type = "groupnorm";
      st.num_groups = std::atoi(tok.c_str() + 3);
      if (const std::string problem = num_groups_problem(m.trained, st.num_groups); !problem.empty()) {
        *error = "norm lab: " + m.name + ": " + problem;
        return false;
      }
    } else if (tok.rfind("model:", 0) == 0) {
      st.model_path = tok.substr(6);
      st.model_name = model_display_name(st.model_path);
      try {
        const ModelConfig c = ModelConfig::load(resolve_model_files(st.model_path).config);
        st.norm_type = c.norm_type;
        st.num_groups = c.norm_num_groups;
      } catch (const std::exception& e) {
        *error = std::string("norm lab: ") + e.what();
        return false;
      }
    } else {
      *error = "norm lab: \"" + tok + "\" is not gn:G, ln, trained (optionally /chunked) or model:DIR";
      return false;
    }
    st.trained =
        st.model_path != m.path || (st.norm_type == m.trained.norm_type &&
                                    (st.norm_type != "groupnorm" || st.num_groups == m.trained.norm_num_groups));
    bool found = false;
    for (auto& c : candidates_) {
      const LabSetting& o = c.setting;
      if (o.model_path == st.model_path && o.norm_type == st.norm_type && o.chunked == st.chunked &&
          (st.norm_type != "groupnorm" || o.num_groups == st.num_groups)) {
        c.selected = found = true;
      }
    }
    if (!found) candidates_.push_back({st, true});
  }
  return true;
}

void NormLabPanel::start(PanelContext& s) {
  if (!frames_chosen_ && s.doc().clip()) frames_ = static_cast<int>(std::min<int64_t>(17, s.doc().clip()->count()));
  std::vector<LabSetting> settings;
  for (const auto& c : candidates_)
    if (c.selected) settings.push_back(c.setting);
  if (s.doc().clip() && s.model().loaded && !settings.empty()) {
    original_thumb_frame_ = thumbnail(s.doc().clip()->frames[s.doc().clip()->frames.size() / 2], 72);
    original_thumb_dirty_ = true;
  }
  s.start_normlab(std::move(settings), frames_);
}

void NormLabPanel::update_textures(const Document::LabSweep& lab) {
  textures_.resize(lab.rows.size());
  texture_revisions_.resize(lab.rows.size(), 0);
  for (size_t i = 0; i < lab.rows.size(); ++i) {
    if (texture_revisions_[i] == lab.revisions[i]) continue;
    texture_revisions_[i] = lab.revisions[i];
    const media::RgbFrame& thumb = lab.rows[i].thumb;
    textures_[i].reset();
    if (thumb.rgb.empty()) continue;
    textures_[i] = std::make_shared<Texture>();
    textures_[i]->upload_rgb8(thumb.width, thumb.height, thumb.rgb.data());
  }
}

std::string normlab_csv(const std::vector<LabResult>& rows) {
  std::string out =
      "model,norm_type,num_groups,chunked,trained_setting,status,frames,height,width,psnr,ssim,psnr_8bit,lpips,"
      "encode_ms,decode_ms,peak_rss_mib,baseline_rss_mib,error\n";
  for (const auto& r : rows) {
    const LabSetting& s = r.setting;
    const bool ok = r.state == LabResult::State::Done;
    out += csv_field(s.model_name) + "," + s.norm_type + "," +
           (s.norm_type == "groupnorm" ? std::to_string(s.num_groups) : "") + "," + (s.chunked ? "yes" : "no") + "," +
           (s.trained ? "yes" : "no") + "," + state_name(r.state) + "," + (ok ? std::to_string(r.frames) : "") + "," +
           (ok ? std::to_string(r.height) : "") + "," + (ok ? std::to_string(r.width) : "") + "," +
           (ok ? csv_num(r.psnr, 4) : "") + "," + (ok ? csv_num(r.ssim, 5) : "") + "," +
           (ok ? csv_num(r.psnr_8bit, 4) : "") + "," + (ok ? csv_num(r.lpips, 5) : "") + "," +
           (ok ? csv_num(r.encode_ms, 1) : "") + "," + (ok ? csv_num(r.decode_ms, 1) : "") + "," +
           (ok && r.peak_rss >= 0 ? csv_num(r.peak_rss / 1048576.0, 1) : "") + "," +
           (ok && r.baseline_rss >= 0 ? csv_num(r.baseline_rss / 1048576.0, 1) : "") + "," + csv_field(r.error) + "\n";
  }
  return out;
}

void NormLabPanel::draw(PanelContext& s, const Rect& area) {
  build_candidates(s);
  update_textures(s.doc().lab());
  if (!frames_chosen_ && s.doc().clip()) frames_ = static_cast<int>(std::min<int64_t>(17, s.doc().clip()->count()));
  if (original_thumb_dirty_) {
    original_thumb_ = std::make_unique<Texture>();
    original_thumb_->upload_rgb8(original_thumb_frame_.width, original_thumb_frame_.height,
                                 original_thumb_frame_.rgb.data());
    original_thumb_dirty_ = false;
  }
  ImGui::SetCursorScreenPos(area.min());
  ImGui::BeginChild("##normlab_controls", ImVec2(300, area.h), true);
  draw_controls(s);
  ImGui::EndChild();
  const Rect table{area.x + 300 + 10, area.y, area.w - 310, area.h};
  draw_table(s, table);
}

void NormLabPanel::draw_controls(PanelContext& s) {
  if (!section_or_hint("Settings to compare", s.fonts(), s.model().loaded, "Load a model first.")) return;
  std::string last_model;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    Candidate& c = candidates_[i];
    if (c.setting.model_name != last_model) {
      ImGui::TextDisabled("%s", c.setting.model_name.c_str());
      last_model = c.setting.model_name;
    }
    ImGui::PushID(static_cast<int>(i));
    ImGui::Checkbox(c.setting.label().c_str(), &c.selected);
    if (c.setting.trained) {
      ImGui::SameLine();
      ImGui::TextColored(to_vec4(color::kOk), "trained");
    }
    ImGui::PopID();
  }
  ImGui::Spacing();
  field_label("Frames");
  ImGui::SetNextItemWidth(90);
  if (ImGui::BeginCombo("##labframes", std::to_string(frames_).c_str())) {
    for (int f : {5, 9, 17, 33, 49})
      if (ImGui::Selectable(std::to_string(f).c_str(), f == frames_)) frames_ = f, frames_chosen_ = true;
    ImGui::EndCombo();
  }
  help_marker("The lab runs every ticked setting on the first frames of the clip, at the clip's size.");
  ImGui::Spacing();
  int selected = 0;
  for (const auto& c : candidates_) selected += c.selected;
  const bool running = s.doc().lab().running;
  const bool can = !running && s.doc().clip() && selected > 0;
  if (!can) ImGui::BeginDisabled();
  if (ImGui::Button(fmt("Run %d settings", selected).c_str(), ImVec2(-1, 0))) start(s);
  if (!can) ImGui::EndDisabled();
  if (running && ImGui::Button("Cancel", ImVec2(-1, 0))) s.cancel_jobs();
  ImGui::Spacing();
  const bool have = !s.doc().lab().rows.empty() && !running;
  if (!have) ImGui::BeginDisabled();
  if (ImGui::Button("Export CSV\xE2\x80\xA6", ImVec2(-1, 0)))
    s.save_file_dialog("Save the norm lab table", "normlab.csv", ".csv", [&s](const std::string& path) {
      try {
        write_file_atomic(path, normlab_csv(s.doc().lab().rows), true);
        s.message(Message::Level::Info, "Wrote " + path);
      } catch (const std::exception& e) {
        s.message(Message::Level::Error, e.what());
      }
    });
  if (ImGui::Button("Save table as PNG\xE2\x80\xA6", ImVec2(-1, 0)))
    s.save_file_dialog("Save the norm lab table as PNG", "normlab.png", ".png", [this, &s](const std::string& path) {
      s.request_capture(table_rect_, true, [&s, path](media::RgbFrame img) {
        try {
          media::write_png(path, img, true);
          s.message(Message::Level::Info, "Wrote " + path);
        } catch (const std::exception& e) {
          s.message(Message::Level::Error, e.what());
        }
      });
    });
  if (!have) ImGui::EndDisabled();
}

void NormLabPanel::draw_table(PanelContext& s, const Rect& r) {
  table_rect_ = r;
  s.layout().add("normlab/table", r);
  ImGui::SetCursorScreenPos(r.min());
  ImGui::BeginChild("##normlab_table", ImVec2(r.w, r.h), true);
  ImGui::PushFont(s.fonts().bold);
  ImGui::TextUnformatted("Norm lab");
  ImGui::PopFont();
  ImGui::SameLine();
  if (s.doc().clip())
    ImGui::TextDisabled("%s \xC2\xB7 %d\xC3\x97%d \xC2\xB7 first %d frames",
                        std::filesystem::path(s.doc().clip()->path).filename().string().c_str(), s.doc().clip()->width,
                        s.doc().clip()->height, frames_);
  const std::vector<LabResult>& rows = s.doc().lab().rows;
  if (rows.empty()) {
    ImGui::Spacing();
    ImGui::TextWrapped(
        "Tick the settings to compare on the left and press Run. Each setting reconstructs the same frames; "
        "the table shows PSNR, SSIM and LPIPS (as the reference's scripts compute them), encode and decode "
        "time and the process's peak resident memory during the run.");
    ImGui::EndChild();
    return;
  }
  // Best PSNR among finished rows, and the trained setting's PSNR as the reference.
  double best = -1e9, ref = NAN;
  for (const auto& row : rows)
    if (row.state == LabResult::State::Done) {
      best = std::max(best, row.psnr);
      if (row.setting.trained && row.setting.model_path == s.model().path && !row.setting.chunked) ref = row.psnr;
    }
  const float thumb_h = 48;
  float rows_bottom = 0;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_Sortable |
                                ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollY | ImGuiTableFlags_PadOuterX;
  if (ImGui::BeginTable("##lab", 9, flags, ImVec2(0, 0))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("Reconstruction", ImGuiTableColumnFlags_NoSort, thumb_h * 16 / 9 + 8);
    ImGui::TableSetupColumn("Setting", ImGuiTableColumnFlags_WidthStretch);
    // Short headers: the setting's name needs the room (PSNR in dB, times in seconds).
    ImGui::TableSetupColumn("PSNR", ImGuiTableColumnFlags_PreferSortDescending);
    ImGui::TableSetupColumn("\xCE\x94 trained");
    ImGui::TableSetupColumn("SSIM", ImGuiTableColumnFlags_PreferSortDescending);
    ImGui::TableSetupColumn("LPIPS", ImGuiTableColumnFlags_PreferSortAscending);
    ImGui::TableSetupColumn("Enc/dec s");  // encode above decode
    ImGui::TableSetupColumn("Peak RSS");
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_NoSort);  // status: a tick, running, failed
    ImGui::TableHeadersRow();
    const std::vector<size_t> order = sorted_rows(rows);
    for (size_t k : order) {
      draw_row(s, k, best, ref, thumb_h);
    }
    ImGui::TableNextRow();
    rows_bottom = ImGui::GetCursorScreenPos().y;
    ImGui::EndTable();
  }
  // The PNG of the table ends below its last row.
  if (rows_bottom > r.y) table_rect_.h = std::min(r.h, rows_bottom - r.y + 6);
  ImGui::EndChild();
}

// Row indices in the order of the table's sort column (unfinished rows last).
std::vector<size_t> NormLabPanel::sorted_rows(const std::vector<LabResult>& rows) {
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsCount > 0) {
    sort_column_ = specs->Specs[0].ColumnIndex;
    sort_ascending_ = specs->Specs[0].SortDirection == ImGuiSortDirection_Ascending;
  }
  if (sort_column_ > 1) {
    auto value = [&](const LabResult& row) -> double {
      if (row.state != LabResult::State::Done) return sort_ascending_ ? 1e18 : -1e18;
      switch (sort_column_) {
        case 2:
        case 3: return row.psnr;
        case 4: return row.ssim;
        case 5: return std::isfinite(row.lpips) ? row.lpips : (sort_ascending_ ? 1e17 : -1e17);
        case 6: return row.encode_ms + row.decode_ms;
        case 7: return static_cast<double>(row.peak_rss);
      }
      return 0;
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return sort_ascending_ ? value(rows[a]) < value(rows[b]) : value(rows[a]) > value(rows[b]);
    });
  }
  return order;
}

// One row: thumbnail (original beside it on hover), setting, PSNR (best in green),
// PSNR against the trained setting, SSIM, LPIPS (best in green), times, peak memory, status.
void NormLabPanel::draw_row(PanelContext& s, size_t k, double best, double ref, float thumb_h) {
  const LabResult& row = s.doc().lab().rows[k];
  double best_lpips = INFINITY;
  for (const auto& other : s.doc().lab().rows)
    if (other.state == LabResult::State::Done && std::isfinite(other.lpips))
      best_lpips = std::min(best_lpips, other.lpips);
  const Texture* texture = k < textures_.size() ? textures_[k].get() : nullptr;
  ImGui::TableNextRow(0, thumb_h + 6);
  ImGui::TableSetColumnIndex(0);
  if (texture) {
    const float w = thumb_h * texture->width() / std::max(1, texture->height());
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture->id())), ImVec2(w, thumb_h));
    if (ImGui::IsItemHovered() && original_thumb_) {
      ImGui::BeginTooltip();
      ImGui::TextDisabled("original | this setting (middle frame)");
      const float big = 144;
      ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(original_thumb_->id())),
                   ImVec2(big * original_thumb_->width() / original_thumb_->height(), big));
      ImGui::SameLine();
      ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture->id())),
                   ImVec2(big * texture->width() / texture->height(), big));
      ImGui::EndTooltip();
    }
  } else {
    ImGui::Dummy(ImVec2(thumb_h * 16 / 9, thumb_h));
  }
  ImGui::TableSetColumnIndex(1);
  const LabSetting& st = row.setting;
  ImGui::PushFont(s.fonts().bold);
  ImGui::TextUnformatted(NormSetting{st.norm_type, st.num_groups}.label().c_str());
  ImGui::PopFont();
  ImGui::TextDisabled("%s \xC2\xB7 %s%s", st.chunked ? "chunked" : "direct", st.model_name.c_str(),
                      st.trained ? " \xC2\xB7 trained" : "");
  const bool ok = row.state == LabResult::State::Done;
  ImGui::PushFont(s.fonts().mono);
  ImGui::TableSetColumnIndex(2);
  if (ok) ImGui::TextColored(to_vec4(row.psnr == best ? color::kOk : color::kText), "%7.2f", row.psnr);
  ImGui::TableSetColumnIndex(3);
  if (ok && std::isfinite(ref)) {
    const double d = row.psnr - ref;
    if (std::fabs(d) < 0.005)
      ImGui::TextDisabled("  0.00");
    else
      ImGui::TextColored(to_vec4(d < 0 ? color::kError : color::kOk), "%+6.2f", d);
  }
  ImGui::TableSetColumnIndex(4);
  if (ok) ImGui::Text("%.4f", row.ssim);
  ImGui::TableSetColumnIndex(5);
  if (ok && std::isfinite(row.lpips)) {
    ImGui::TextColored(to_vec4(row.lpips == best_lpips ? color::kOk : color::kText), "%.4f", row.lpips);
  } else if (ok) {
    // No LPIPS: blank, and why on hover (the weights looked for, where, how to get them).
    ImGui::TextDisabled("  \xE2\x80\x94");
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
      ImGui::TextUnformatted(row.lpips_note.empty() ? "no LPIPS" : row.lpips_note.c_str());
      ImGui::PopTextWrapPos();
      ImGui::EndTooltip();
    }
  }
  ImGui::TableSetColumnIndex(6);
  if (ok) {
    ImGui::Text("%6.2f", row.encode_ms / 1000);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("encode time");
    ImGui::Text("%6.2f", row.decode_ms / 1000);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("decode time");
  }
  ImGui::TableSetColumnIndex(7);
  if (ok) {
    ImGui::TextUnformatted(row.peak_rss >= 0 ? human_bytes(row.peak_rss).c_str() : "n/a");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("The process's resident-set high-water mark during this run\n(before the run: %s)",
                        human_bytes(row.baseline_rss).c_str());
    if (row.peak_rss >= 0 && row.baseline_rss >= 0)
      ImGui::TextDisabled("+%s", human_bytes(std::max<int64_t>(0, row.peak_rss - row.baseline_rss)).c_str());
  }
  ImGui::PopFont();
  ImGui::TableSetColumnIndex(8);
  switch (row.state) {
    case LabResult::State::Queued: ImGui::TextDisabled("queued"); break;
    case LabResult::State::Running: ImGui::TextColored(to_vec4(color::kAccent), "running\xE2\x80\xA6"); break;
    case LabResult::State::Done: ImGui::TextColored(to_vec4(color::kOk), "\xE2\x9C\x93"); break;
    case LabResult::State::Cancelled: ImGui::TextDisabled("cancelled"); break;
    case LabResult::State::Failed:
      ImGui::TextColored(to_vec4(color::kError), "failed");
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", row.error.c_str());
      break;
  }
  s.layout().add("normlab/row/" + std::to_string(k), Rect::from(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
}

}  // namespace wfvae::studio
