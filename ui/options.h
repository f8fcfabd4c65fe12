// wfvae-studio's command line: what to open, how to show it, and the headless
// modes (screenshot, layout/state dumps, UI benchmark, export) used by tests and CI.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace wfvae::studio {

struct Options {
  std::string input;      // a video or image to open (empty: last session's, else the bundled sample)
  std::string model;      // model folder or .safetensors (empty: last used, else the bundled default)
  bool no_model = false;  // view and compare without reconstructing
  std::string compare;    // "B = file": compare the input against this video
  std::string view;       // side|split|flicker|diff|wavelet|normlab|lpips|latent
  std::string pair;       // orig-recon|prev-recon|orig-prev|orig-file
  std::optional<int> frame;
  std::string norm_type;
  int num_groups = 0;
  std::optional<bool> chunked;
  std::optional<int> tile;  // --tile N|auto|off: -1 auto, 0 off
  std::string device, dtype;
  int max_short_side = 0;  // 0: settings' value
  int frames = -1;         // -1: settings' value; 0: all
  std::optional<float> split;
  std::optional<float> zoom;
  std::optional<int> diff_gain;
  std::string diff_mode;  // abs|signed
  std::optional<bool> diff_luma;
  std::string wavelet_level;  // l0|l1|l2|model
  std::string latent_form;    // mode|sample
  bool latent_normalized = false;
  int window_width = 0, window_height = 0;
  std::optional<std::pair<float, float>> hover;  // --hover X,Y: the pointer there, in window pixels
  // LPIPS weights (default: the settings' files, else the standard places).
  std::string lpips_alexnet, lpips_lin;

  // Scripted actions (run after the first reconstruction, as a user would do them).
  std::vector<std::string> simulate_drops;
  std::string rerun_with;   // norm change then re-run: "layernorm", "groupnorm:8", "chunked", "direct"
  bool ab_chunked = false;  // run the chunked-vs-direct A/B
  std::string normlab;      // run the norm lab: "default" or a comma list (see --help)

  // Headless outputs.
  std::string screenshot;
  std::string dump_layout;
  std::string dump_state;
  std::string ui_bench;
  std::string during_run;  // PREFIX: screenshot + state while a run streams in
  std::string show;        // a dialog open in the final screenshot: help|export|open|model|about
  std::string export_dir;
  std::string normlab_csv, normlab_png;
  bool overwrite = false;
  bool exit_when_idle = false;
  double timeout_s = 900;
  int worker_nice = 10;
  bool gl_info = false;  // only report whether an OpenGL 3.3 core context can be made

  // Scripted runs render, write their outputs and exit on their own; those that
  // produce images or files start from defaults and leave the user's settings alone.
  // --exit-when-idle (with or without --dump-state) is a normal session, settings
  // included, that quits when the work is done.
  bool isolated() const {
    return !screenshot.empty() || !ui_bench.empty() || !export_dir.empty() || !dump_layout.empty() ||
           !normlab_csv.empty() || !normlab_png.empty() || !during_run.empty();
  }
  bool exits_by_itself() const { return isolated() || exit_when_idle || !dump_state.empty(); }
};

// Throws wfvae::Error(Usage) with a message naming the flag. Returns nullopt for
// --help / --version (after printing).
std::optional<Options> parse_options(int argc, char** argv);
const char* help_text();

}  // namespace wfvae::studio
