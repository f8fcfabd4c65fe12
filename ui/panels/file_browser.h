// The in-app file browser (a modal): open a video or image, a model folder or
// .safetensors file, a "B" video, choose a folder, or save a file (asking before it
// overwrites one). Folders first, files filtered by what the dialog is for, a path
// box that accepts typed or pasted paths, and shortcuts to the usual places.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace wfvae::studio {

class PanelContext;

// A model folder (with config.json) or a .safetensors file: what the model dialogs
// and drag-and-drop accept as a model.
bool is_model_path(const std::filesystem::path& p);

class FileBrowser {
 public:
  enum class Mode { OpenMedia, OpenModel, SaveFile, ChooseFolder };
  void open(PanelContext& s, Mode mode, const std::string& title, std::function<void(const std::string&)> on_choose,
            const std::string& default_name = "", const std::string& extension = "");
  void save_dialog(PanelContext& s, const std::string& title, const std::string& default_name,
                   const std::string& extension, std::function<void(const std::string&)> on_choose) {
    open(s, Mode::SaveFile, title, std::move(on_choose), default_name, extension);
  }
  void draw(PanelContext& s);
  bool is_open() const { return open_; }

 private:
  struct Entry {
    std::string name;
    bool folder = false;
    bool model = false;  // a folder with config.json, or a .safetensors file
    uintmax_t size = 0;
  };
  void draw_places(PanelContext& s);
  void draw_path_field(PanelContext& s);
  void draw_entries(PanelContext& s);
  void draw_buttons(PanelContext& s);
  void draw_overwrite_question(PanelContext& s);
  void navigate(const std::filesystem::path& dir);
  void choose(PanelContext& s, const std::filesystem::path& p);
  bool wanted(const std::filesystem::path& p) const;

  bool open_ = false;
  bool request_open_ = false;
  Mode mode_ = Mode::OpenMedia;
  std::string title_;
  std::function<void(const std::string&)> on_choose_;
  std::filesystem::path dir_;
  std::vector<Entry> entries_;
  std::string error_;
  char path_buf_[1024] = {0};
  char name_buf_[256] = {0};
  std::string extension_;
  int selected_ = -1;
  bool show_all_ = false;
  std::string confirm_overwrite_;
};

}  // namespace wfvae::studio
