// Export: everything `wfvae recon` writes (reconstruction as FFV1/H.264/PNG frames,
// the preprocessed input, side by side, difference, latents, metrics JSON and CSV)
// plus a PNG of the current view. Targets are listed before anything is written;
// existing files are only replaced after the user says so; the pipeline writes the
// set through temporaries (all or nothing); progress and cancel in the dialog.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/exports.h"

namespace wfvae::studio {

class PanelContext;

class ExportDialog {
 public:
  void open(PanelContext& s);
  void draw(PanelContext& s);
  bool is_open() const { return open_; }
  // Scripted export (--export DIR): every output with default names. Returns false
  // and sets *error when targets exist without overwrite or the request is invalid.
  bool start_scripted(PanelContext& s, const std::string& folder, bool overwrite, std::string* error);
  // The files the last export wrote.
  const std::vector<std::string>& written() const { return written_; }

 private:
  void draw_choices(PanelContext& s);
  int draw_targets();
  void draw_actions(PanelContext& s, int exists);
  struct Target {
    std::string what;
    std::filesystem::path path;
    bool exists = false;
  };
  pipeline::ExportRequest build_request(std::filesystem::path* view_png) const;
  std::vector<Target> targets() const;
  void start(PanelContext& s, bool overwrite);

  enum class Stage { Edit, Confirm, Running, Done };
  bool open_ = false;
  bool request_open_ = false;
  Stage stage_ = Stage::Edit;
  char folder_[1024] = {0};
  char base_[256] = {0};
  bool recon_ = true, input_ = false, side_ = true, diff_ = true, latents_ = true, json_ = true, csv_ = true,
       view_ = true;
  int recon_format_ = 0;  // 0 mkv, 1 mp4, 2 PNG frames
  int input_format_ = 0;  // 0 mkv, 1 PNG frames
  int side_format_ = 1;   // 0 mkv, 1 mp4
  int diff_format_ = 0;   // 0 mkv, 1 mp4
  int crf_ = 18;
  int diff_gain_ = 4;
  std::string error_;
  std::vector<std::string> written_;
};

}  // namespace wfvae::studio
