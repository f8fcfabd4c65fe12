#include "panels/export_dialog.h"

#include <cstring>

#include <imgui.h>

#include "panel_context.h"

namespace wfvae::studio {

namespace fs = std::filesystem;

namespace {
void copy_to(char* buf, size_t size, const std::string& s) {
  std::strncpy(buf, s.c_str(), size - 1);
  buf[size - 1] = 0;
}
}  // namespace

void ExportDialog::open(PanelContext& s) {
  const Run* run = s.doc().current_run();
  if (!run || !run->result) {
    s.message(Message::Level::Warning, "Nothing to export yet: wait for a reconstruction to finish.");
    return;
  }
  if (!folder_[0]) {
    std::error_code ec;
    const fs::path f = !s.settings().last_folder.empty() ? fs::path(s.settings().last_folder) : fs::current_path(ec);
    copy_to(folder_, sizeof folder_, f.string());
  }
  // "clip_groupnorm_32": the stem and the norm, as a file name.
  std::string base = fs::path(run->result->source.path).stem().string() + "_";
  for (char c : run->settings.norm_label())
    if (c == '(' || c == ' ')
      base += '_';
    else if (c != ')')
      base += c;
  copy_to(base_, sizeof base_, base);
  diff_gain_ = s.settings().diff_gain;
  stage_ = Stage::Edit;
  error_.clear();
  written_.clear();
  request_open_ = true;
}

pipeline::ExportRequest ExportDialog::build_request(fs::path* view_png) const {
  const fs::path dir(folder_);
  const std::string b(base_);
  pipeline::ExportRequest e;
  static const char* const kRecon[] = {"_recon.mkv", "_recon.mp4", "_recon/"};
  if (recon_)
    e.recon = recon_format_ == 2 ? fs::path((dir / (b + "_recon")).string() + "/") : dir / (b + kRecon[recon_format_]);
  if (input_) e.input = input_format_ == 1 ? fs::path((dir / (b + "_input")).string() + "/") : dir / (b + "_input.mkv");
  if (side_) e.side_by_side = dir / (b + (side_format_ ? "_side_by_side.mp4" : "_side_by_side.mkv"));
  if (diff_) e.difference = dir / (b + (diff_format_ ? "_diff.mp4" : "_diff.mkv"));
  if (latents_) e.latents = dir / (b + "_latents.safetensors");
  if (json_) e.metrics_json = dir / (b + "_metrics.json");
  if (csv_) e.metrics_csv = dir / (b + "_metrics.csv");
  e.crf = crf_;
  e.diff_gain = diff_gain_;
  if (view_png) *view_png = view_ ? dir / (b + "_view.png") : fs::path();
  return e;
}

std::vector<ExportDialog::Target> ExportDialog::targets() const {
  fs::path view;
  const pipeline::ExportRequest e = build_request(&view);
  std::vector<Target> t;
  auto add = [&](const char* what, const fs::path& p) {
    if (p.empty()) return;
    std::error_code ec;
    fs::path check = p;
    if (check.filename().empty()) check = check.parent_path();  // PNG folder
    t.push_back({what, p, fs::exists(check, ec)});
  };
  add("reconstruction", e.recon);
  add("input as the model saw it", e.input);
  add("side by side", e.side_by_side);
  add("difference", e.difference);
  add("latents", e.latents);
  add("metrics JSON", e.metrics_json);
  add("metrics CSV", e.metrics_csv);
  add("PNG of the current view", view);
  return t;
}

void ExportDialog::start(PanelContext& s, bool overwrite) {
  const Run* run = s.doc().current_run();
  if (!run || !run->result) {
    error_ = "the reconstruction is gone (a new run started); export again when it has finished";
    stage_ = Stage::Edit;
    return;
  }
  fs::path view;
  pipeline::ExportRequest req = build_request(&view);
  req.overwrite = overwrite;
  stage_ = Stage::Running;
  written_.clear();
  s.start_export(req, view, [this, &s](std::vector<fs::path> written) {
    stage_ = Stage::Done;
    for (const auto& p : written) written_.push_back(p.string());
    s.message(Message::Level::Info, fmt("Exported %zu files to %s", written.size(), folder_));
  });
}

bool ExportDialog::start_scripted(PanelContext& s, const std::string& folder, bool overwrite, std::string* error) {
  const Run* run = s.doc().current_run();
  if (!run || !run->result) {
    *error = "export: there is no finished reconstruction to export";
    return false;
  }
  open(s);
  request_open_ = false;
  copy_to(folder_, sizeof folder_, folder);
  recon_ = input_ = side_ = diff_ = latents_ = json_ = csv_ = view_ = true;
  try {
    pipeline::ExportRequest check = build_request(nullptr);
    check.overwrite = true;  // existence is asked about separately
    pipeline::check_exports(check, run->result->source.path);
  } catch (const std::exception& e) {
    *error = std::string("export: ") + e.what();
    return false;
  }
  std::string existing;
  for (const auto& t : targets())
    if (t.exists) existing += (existing.empty() ? "" : ", ") + t.path.string();
  if (!existing.empty() && !overwrite) {
    *error = "export: " + existing + " already exist(s); pass -y to replace";
    return false;
  }
  start(s, overwrite);
  return true;
}

void ExportDialog::draw(PanelContext& s) {
  if (request_open_) {
    ImGui::OpenPopup("Export");
    request_open_ = false;
    open_ = true;
  }
  if (!open_) return;
  if (s.capturing_clean()) return;  // the view PNG is being taken without this dialog over it
  const ImVec2 ds = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowSize(ImVec2(std::min(720.0f, ds.x - 60), 0), ImGuiCond_Appearing);
  ImGui::SetNextWindowPos(ImVec2(ds.x / 2, ds.y / 2), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  if (!ImGui::BeginPopupModal("Export", &open_, ImGuiWindowFlags_NoSavedSettings)) return;

  draw_choices(s);
  ImGui::Separator();
  const int exists = draw_targets();
  draw_actions(s, exists);
  s.draw_file_dialog();  // its popup nests inside this one
  if (!open_) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

// Folder, name, what to write and in which format, CRF and difference gain
// (read-only once the export runs).
void ExportDialog::draw_choices(PanelContext& s) {
  const bool editing = stage_ == Stage::Edit;
  if (!editing) ImGui::BeginDisabled();
  field_label("Folder", 90);
  ImGui::SetNextItemWidth(-100);
  ImGui::InputText("##folder", folder_, sizeof folder_);
  ImGui::SameLine();
  if (ImGui::Button("Browse\xE2\x80\xA6", ImVec2(-1, 0)))
    s.choose_folder("Export into folder", [this](const std::string& p) { copy_to(folder_, sizeof folder_, p); });
  field_label("Name", 90);
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##base", base_, sizeof base_);
  ImGui::Spacing();

  if (ImGui::BeginTable("##outputs", 2, ImGuiTableFlags_SizingStretchProp)) {
    auto item = [](const char* label, bool* on, const char* const* formats, int count, int* format) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::Checkbox(label, on);
      ImGui::TableSetColumnIndex(1);
      if (count > 0) {
        ImGui::PushID(label);
        segmented("fmt", formats, count, format);
        ImGui::PopID();
      }
    };
    static const char* const kRecon[] = {"FFV1 .mkv (lossless)", "H.264 .mp4", "PNG frames"};
    static const char* const kInput[] = {"FFV1 .mkv", "PNG frames"};
    static const char* const kVideo[] = {"FFV1 .mkv", "H.264 .mp4"};
    item("Reconstruction", &recon_, kRecon, 3, &recon_format_);
    item("Input as the model saw it", &input_, kInput, 2, &input_format_);
    item("Side by side", &side_, kVideo, 2, &side_format_);
    item("Difference", &diff_, kVideo, 2, &diff_format_);
    item("Latents (.safetensors)", &latents_, nullptr, 0, nullptr);
    item("Metrics JSON", &json_, nullptr, 0, nullptr);
    item("Metrics CSV", &csv_, nullptr, 0, nullptr);
    item("PNG of the current view", &view_, nullptr, 0, nullptr);
    ImGui::EndTable();
  }
  ImGui::SetNextItemWidth(200);
  ImGui::SliderInt("H.264 CRF", &crf_, 0, 51);
  ImGui::SameLine(0, 24);
  ImGui::SetNextItemWidth(200);
  ImGui::SliderInt("difference gain", &diff_gain_, 1, 64, "\xC3\x97%d", ImGuiSliderFlags_Logarithmic);
  if (!editing) ImGui::EndDisabled();
}

// The files the export will write, those that exist marked; returns how many exist.
int ExportDialog::draw_targets() {
  const auto list = targets();
  int exists = 0;
  for (const auto& t : list) {
    exists += t.exists;
    ImGui::TextColored(to_vec4(t.exists ? color::kWarning : color::kTextDim), "%s  %s",
                       t.exists ? "\xE2\x9A\xA0" : "\xE2\x80\xA2", t.path.string().c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s%s", t.what.c_str(), t.exists ? " (exists)" : "");
  }
  if (!error_.empty()) callout(error_, color::kError);
  return exists;
}

// Export / Replace? / progress and Cancel / done, by stage.
void ExportDialog::draw_actions(PanelContext& s, int exists) {
  switch (stage_) {
    case Stage::Edit: {
      const bool any = recon_ || input_ || side_ || diff_ || latents_ || json_ || csv_ || view_;
      if (!any) ImGui::BeginDisabled();
      if (ImGui::Button("Export", ImVec2(120, 0))) {
        error_.clear();
        try {
          pipeline::ExportRequest check = build_request(nullptr);
          check.overwrite = true;
          pipeline::check_exports(check, s.doc().current_run() && s.doc().current_run()->result
                                             ? s.doc().current_run()->result->source.path
                                             : "");
          if (exists)
            stage_ = Stage::Confirm;
          else
            start(s, false);
        } catch (const std::exception& e) {
          error_ = e.what();
        }
      }
      if (!any) ImGui::EndDisabled();
      ImGui::SameLine();
      if (ImGui::Button("Close", ImVec2(120, 0))) open_ = false;
      break;
    }
    case Stage::Confirm:
      callout(fmt("%d of these files already exist. Replace them?", exists), color::kWarning);
      if (ImGui::Button("Replace", ImVec2(120, 0))) start(s, true);
      ImGui::SameLine();
      if (ImGui::Button("Back", ImVec2(120, 0))) stage_ = Stage::Edit;
      break;
    case Stage::Running: {
      const JobStatus js = s.job_status();
      ImGui::ProgressBar(static_cast<float>(js.kind == JobKind::Export ? js.fraction : 0), ImVec2(-130, 0),
                         js.kind == JobKind::Export ? js.stage.c_str() : "waiting");
      ImGui::SameLine();
      if (ImGui::Button("Cancel", ImVec2(-1, 0))) s.cancel_running_job();
      if (!js.busy && js.queued == 0 && js.posted == 0) stage_ = written_.empty() ? Stage::Edit : Stage::Done;
      break;
    }
    case Stage::Done:
      ImGui::TextColored(to_vec4(color::kOk), "\xE2\x9C\x93 Wrote %zu files.", written_.size());
      if (ImGui::Button("Close", ImVec2(120, 0))) open_ = false;
      ImGui::SameLine();
      if (ImGui::Button("Export again", ImVec2(140, 0))) stage_ = Stage::Edit;
      break;
  }
}

}  // namespace wfvae::studio
