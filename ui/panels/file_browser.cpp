#include "panels/file_browser.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <imgui.h>

#include "core/assets.h"
#include "core/config.h"
#include "core/text.h"
#include "pipeline/eval.h"
#include "panel_context.h"

namespace wfvae::studio {

namespace fs = std::filesystem;

namespace {

bool is_model_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && fs::exists(p / "config.json", ec);
}

void copy_to(char* buf, size_t size, const std::string& s) {
  std::strncpy(buf, s.c_str(), size - 1);
  buf[size - 1] = 0;
}

}  // namespace

bool is_model_path(const fs::path& p) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) return is_model_folder(p);
  return text::lower_extension(p) == ".safetensors" || is_torch_save_name(p);
}

void FileBrowser::open(PanelContext& s, Mode mode, const std::string& title,
                       std::function<void(const std::string&)> on_choose, const std::string& default_name,
                       const std::string& extension) {
  mode_ = mode;
  title_ = title;
  on_choose_ = std::move(on_choose);
  extension_ = extension;
  copy_to(name_buf_, sizeof name_buf_, default_name);
  confirm_overwrite_.clear();
  show_all_ = false;
  std::error_code ec;
  fs::path start = s.settings().last_folder;
  if (mode == Mode::OpenModel && fs::is_directory(assets_dir() / "models", ec)) start = assets_dir() / "models";
  if (start.empty() || !fs::is_directory(start, ec))
    start = s.doc().clip() ? fs::path(s.doc().clip()->path).parent_path() : fs::current_path(ec);
  navigate(start);
  request_open_ = true;
}

void FileBrowser::navigate(const fs::path& dir_in) {
  std::error_code ec;
  fs::path dir = fs::absolute(dir_in, ec).lexically_normal();
  if (dir.filename().empty() && dir.has_parent_path() && dir != dir.root_path()) dir = dir.parent_path();
  entries_.clear();
  error_.clear();
  selected_ = -1;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    error_ = dir.string() + ": " + ec.message();
    copy_to(path_buf_, sizeof path_buf_, dir_.string());
    if (!dir_.empty() && dir_ != dir) navigate(dir_);  // stay where we were
    error_ = dir.string() + ": " + ec.message();
    return;
  }
  dir_ = dir;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path p = it->path();
    const std::string name = p.filename().string();
    if (name.empty() || name[0] == '.') continue;
    Entry e;
    e.name = name;
    std::error_code ec2;
    e.folder = it->is_directory(ec2);
    e.model = is_model_path(p);
    if (!e.folder) e.size = it->file_size(ec2);
    if (!e.folder && !wanted(p)) continue;
    entries_.push_back(e);
  }
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.folder != b.folder) return a.folder;
    return text::lower(a.name) < text::lower(b.name);
  });
  copy_to(path_buf_, sizeof path_buf_, dir_.string());
}

bool FileBrowser::wanted(const fs::path& p) const {
  if (show_all_) return true;
  const std::string ext = text::lower_extension(p);
  switch (mode_) {
    case Mode::OpenMedia: {
      const auto& exts = pipeline::media_extensions();
      return std::find(exts.begin(), exts.end(), ext) != exts.end();
    }
    case Mode::OpenModel: return ext == ".safetensors" || is_torch_save_name(p);
    case Mode::SaveFile: return extension_.empty() || ext == text::lower(extension_);
    case Mode::ChooseFolder: return false;
  }
  return true;
}

void FileBrowser::choose(PanelContext& s, const fs::path& p) {
  set_setting(s, &Settings::last_folder, (mode_ == Mode::ChooseFolder ? p : p.parent_path()).string());
  open_ = false;  // the popup closes on the next draw (this may run inside a nested popup)
  if (on_choose_) on_choose_(p.string());
}

void FileBrowser::draw(PanelContext& s) {
  if (request_open_) {
    ImGui::OpenPopup("##filebrowser");
    request_open_ = false;
    open_ = true;
  }
  if (!open_ && !ImGui::IsPopupOpen("##filebrowser")) return;
  const ImVec2 ds = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowSize(ImVec2(std::min(820.0f, ds.x - 60), std::min(600.0f, ds.y - 80)), ImGuiCond_Appearing);
  ImGui::SetNextWindowPos(ImVec2(ds.x / 2, ds.y / 2), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  if (!ImGui::BeginPopupModal("##filebrowser", nullptr, ImGuiWindowFlags_NoTitleBar)) {
    open_ = false;
    return;
  }
  if (!open_) {
    ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return;
  }
  ImGui::PushFont(s.fonts().bold);
  ImGui::TextUnformatted(title_.c_str());
  ImGui::PopFont();
  ImGui::Separator();

  draw_places(s);
  draw_path_field(s);
  draw_entries(s);
  draw_buttons(s);
  draw_overwrite_question(s);
  ImGui::EndPopup();
}

// Up, Home, the working folder, the samples, the models, the clip's folder.
void FileBrowser::draw_places(PanelContext& s) {
  std::error_code ec;
  auto place = [&](const char* label, const fs::path& p) {
    if (p.empty() || !fs::is_directory(p, ec)) return;
    ImGui::SameLine();
    if (ImGui::SmallButton(label)) navigate(p);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", p.string().c_str());
  };
  if (ImGui::SmallButton("\xE2\x86\x91 Up")) navigate(dir_.parent_path());
  if (const char* home = std::getenv("HOME")) place("Home", home);
  place("Working folder", fs::current_path(ec));
  place("Samples", assets_dir() / "samples");
  place("Models", assets_dir() / "models");
  if (s.doc().clip()) place("Clip's folder", fs::path(s.doc().clip()->path).parent_path());
}

// A path typed or pasted: a folder is entered, a file chosen.
void FileBrowser::draw_path_field(PanelContext& s) {
  std::error_code ec;
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputText("##path", path_buf_, sizeof path_buf_, ImGuiInputTextFlags_EnterReturnsTrue)) {
    const fs::path typed(path_buf_);
    if (fs::is_directory(typed, ec) && !(mode_ == Mode::OpenModel && is_model_folder(typed)))
      navigate(typed);
    else if (mode_ != Mode::SaveFile && fs::exists(typed, ec))
      choose(s, typed);
    else if (mode_ == Mode::SaveFile) {
      navigate(typed.parent_path());
      copy_to(name_buf_, sizeof name_buf_, typed.filename().string());
    } else
      error_ = typed.string() + ": no such file or folder";
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Type or paste a path and press Enter");
  if (!error_.empty()) ImGui::TextColored(to_vec4(color::kError), "%s", error_.c_str());
}

// The folder's entries: click to select, double-click to enter or choose.
void FileBrowser::draw_entries(PanelContext& s) {
  std::error_code ec;
  const float footer =
      ImGui::GetFrameHeightWithSpacing() * (mode_ == Mode::SaveFile ? 2.0f : 1.0f) + ImGui::GetStyle().WindowPadding.y;
  ImGui::BeginChild("##entries", ImVec2(0, -footer), true);
  for (int i = 0; i < static_cast<int>(entries_.size()); ++i) {
    const Entry& e = entries_[static_cast<size_t>(i)];
    std::string label =
        (e.folder ? (e.model ? "\xE2\x97\x86 " : "\xE2\x96\xB8 ") : "   ") + e.name + (e.folder ? "/" : "");
    if (ImGui::Selectable(label.c_str(), selected_ == i, ImGuiSelectableFlags_AllowDoubleClick)) {
      selected_ = i;
      if (!e.folder && mode_ == Mode::SaveFile) copy_to(name_buf_, sizeof name_buf_, e.name);
      if (ImGui::IsMouseDoubleClicked(0)) {
        const fs::path p = dir_ / e.name;
        if (e.folder && !(mode_ == Mode::OpenModel && e.model)) {
          navigate(p);
          break;
        }
        if (mode_ == Mode::SaveFile) {
          if (fs::exists(p, ec))
            confirm_overwrite_ = p.string();
          else
            choose(s, p);
        } else if (mode_ != Mode::ChooseFolder) {
          choose(s, p);
        }
        break;
      }
    }
    if (e.model) {
      ImGui::SameLine();
      ImGui::TextColored(to_vec4(color::kAccent), "model");
    }
    if (!e.folder) {
      ImGui::SameLine(ImGui::GetContentRegionMax().x - 90);
      ImGui::TextDisabled("%s", human_bytes(static_cast<int64_t>(e.size)).c_str());
    }
  }
  if (entries_.empty()) ImGui::TextDisabled(mode_ == Mode::OpenMedia ? "no folders or media files here" : "empty");
  ImGui::EndChild();
}

// "Show all files", the name field of a save dialog, and the action and Cancel buttons.
void FileBrowser::draw_buttons(PanelContext& s) {
  std::error_code ec;
  if (mode_ != Mode::ChooseFolder && mode_ != Mode::SaveFile) {
    if (ImGui::Checkbox("Show all files", &show_all_)) navigate(dir_);
    ImGui::SameLine();
  }
  if (mode_ == Mode::SaveFile) {
    field_label("Name");
    ImGui::SetNextItemWidth(-1);
    ImGui::InputText("##name", name_buf_, sizeof name_buf_);
  }
  const float bw = 110;
  ImGui::SetCursorPosX(ImGui::GetWindowContentRegionMax().x - 2 * bw - 8);
  const char* action = mode_ == Mode::SaveFile ? "Save" : mode_ == Mode::ChooseFolder ? "Use this folder" : "Open";
  if (ImGui::Button(action, ImVec2(bw, 0))) {
    if (mode_ == Mode::ChooseFolder) {
      choose(s, selected_ >= 0 && entries_[static_cast<size_t>(selected_)].folder
                    ? dir_ / entries_[static_cast<size_t>(selected_)].name
                    : dir_);
    } else if (mode_ == Mode::SaveFile) {
      std::string name = name_buf_;
      if (name.empty()) {
        error_ = "give the file a name";
      } else {
        if (!extension_.empty() && text::lower_extension(fs::path(name)) != text::lower(extension_)) name += extension_;
        const fs::path p = dir_ / name;
        if (fs::exists(p, ec))
          confirm_overwrite_ = p.string();
        else
          choose(s, p);
      }
    } else if (selected_ >= 0) {
      const Entry& e = entries_[static_cast<size_t>(selected_)];
      const fs::path p = dir_ / e.name;
      if (e.folder && !(mode_ == Mode::OpenModel && e.model))
        navigate(p);
      else
        choose(s, p);
    } else if (mode_ == Mode::OpenModel && is_model_folder(dir_)) {
      choose(s, dir_);
    } else {
      error_ = "select a file";
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel", ImVec2(bw, 0)) ||
      (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)) && confirm_overwrite_.empty())) {
    open_ = false;
    ImGui::CloseCurrentPopup();
  }
}

// Never overwrite silently.
void FileBrowser::draw_overwrite_question(PanelContext& s) {
  if (!confirm_overwrite_.empty()) ImGui::OpenPopup("Replace file?");
  if (ImGui::BeginPopupModal("Replace file?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::Text("%s already exists.", confirm_overwrite_.c_str());
    ImGui::TextUnformatted("Replace it?");
    if (ImGui::Button("Replace", ImVec2(110, 0))) {
      const std::string p = confirm_overwrite_;
      confirm_overwrite_.clear();
      ImGui::CloseCurrentPopup();
      choose(s, p);
    }
    ImGui::SameLine();
    if (ImGui::Button("Keep it", ImVec2(110, 0))) {
      confirm_overwrite_.clear();
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
}

}  // namespace wfvae::studio
