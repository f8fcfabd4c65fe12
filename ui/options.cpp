#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/flags.h"
#include "core/tiling.h"

namespace wfvae::studio {

namespace {

const std::string kModel = "model and run:", kView = "view:",
                  kScripted = "scripted actions (after the first reconstruction, through the same code as the UI):",
                  kHeadless = "headless (runs everything first, then renders, writes and exits):", kOther = "other:";

const flags::CommandSpec& studio_spec() {
  static const flags::CommandSpec spec = [] {
    flags::CommandSpec c;
    c.program = "wfvae-studio";
    c.usage = "wfvae-studio [INPUT] [--model DIR] [options]";
    c.summary =
        "WFVAE Studio: open a video or image, reconstruct it with WF-VAE and compare the two\n"
        "(side by side, split, A/B flicker, difference), follow per-frame PSNR/SSIM along the\n"
        "timeline, look inside the Haar wavelet subbands and energy-flow levels, switch\n"
        "norm_type/num_groups, run the norm lab, export. Drag and drop a video, an image or a\n"
        "model folder onto the window; F1 lists the keyboard shortcuts.";
    c.description =
        "INPUT                     a video or image (default: the last one opened, else the bundled\n"
        "                          sample assets/samples/city-cc0.mp4)";
    c.min_positional = 0;
    c.max_positional = 1;
    // name, metavar (none: a switch), help, alias, section, repeatable
    c.flags = {
        {"--model", "M",
         "a model folder (diffusers, or config.json + .ckpt), or a .safetensors or .ckpt/.pt file with config.json "
         "beside it (default: the last model used, else the bundled wfvae-tiny-gn)",
         "", kModel},
        {"--no-model", "", "open without a model: view and compare (with --compare) only", "", kModel},
        {"--norm-type", "T", "groupnorm | layernorm", "", kModel},
        {"--num-groups", "G", "GroupNorm group count (must divide every normalised channel count)", "", kModel},
        {"--chunked", "", "causal-cache chunked inference (streams results; the default)", "", kModel},
        {"--direct", "", "one pass over all frames", "", kModel},
        {"--tile", "N|auto|off", "spatial tiles of N pixels (default auto: only when frames do not fit memory)", "",
         kModel},
        {"--device", "D", "cpu | cuda (cuda only when LibTorch has a usable GPU)", "", kModel},
        {"--dtype", "T", "f32 | bf16 | f16", "", kModel},
        {"--max-short-side", "N", "scale the input so its short side is at most N (default 256 on CPU)", "", kModel},
        {"--frames", "N", "frames to reconstruct, 0 = all (default 33 on CPU); trimmed to 1 + 4k", "", kModel},
        {"--view", "V", "side | split | flicker | diff | wavelet | normlab", "", kView},
        {"--pair", "P", "orig-recon | prev-recon | orig-prev | orig-file", "", kView},
        {"--compare", "FILE",
         "B = FILE: compare the input against another video (aligned frame by frame, resized to the model input size)",
         "", kView},
        {"--frame", "N", "current frame (0-based)", "", kView},
        {"--split", "F", "split divider position, 0..1 of the image width", "", kView},
        {"--zoom", "Z", "zoom factor (1 = one image pixel per screen pixel; default: fit)", "", kView},
        {"--diff-gain", "G", "difference amplification 1..64", "", kView},
        {"--diff-mode", "M", "abs | signed", "", kView},
        {"--diff-luma", "", "difference of luma instead of RGB", "", kView},
        {"--wavelet-level", "L", "l0 | l1 | l2 | model (the wavelet view's tab)", "", kView},
        {"--window", "WxH", "window size", "", kView},
        {"--simulate-drop", "PATH", "call the window's registered drop handler with PATH (repeatable)", "", kScripted,
         true},
        {"--rerun-with", "S",
         "change a setting and re-run, keeping the first result for A/B: layernorm | groupnorm | groupnorm:G | chunked "
         "| direct",
         "", kScripted},
        {"--ab-chunked", "", "run the chunked-vs-direct A/B", "", kScripted},
        {"--normlab", "LIST",
         "run the norm lab: \"default\" or a comma list of gn:G | ln | chunked | direct | model:DIR", "", kScripted},
        {"--screenshot", "FILE", "save the window as a PNG", "", kHeadless},
        {"--dump-layout", "FILE", "JSON: rectangles of what was drawn (panels, images, tiles, divider)", "", kHeadless},
        {"--dump-state", "FILE", "JSON: input, model, runs, metrics, messages", "", kHeadless},
        {"--during-run", "PREFIX",
         "PREFIX.png and PREFIX.json (state) at the first frame where a run has streamed part of its frames in (the "
         "live curve, half filled)",
         "", kHeadless},
        {"--show", "D", "open a dialog for the final screenshot: help | export | open | model | about", "", kHeadless},
        {"--ui-bench", "FILE",
         "JSON: frame times (p50/p95/max ms, fps) measured while inference runs (the clip plays meanwhile)", "",
         kHeadless},
        {"--export", "DIR",
         "export everything (reconstruction, input, side by side, difference, latents, metrics JSON/CSV, PNG of the "
         "view) into DIR",
         "", kHeadless},
        {"--normlab-csv", "FILE", "write the norm lab table as CSV", "", kHeadless},
        {"--normlab-png", "FILE", "write the norm lab table as a PNG", "", kHeadless},
        {"--overwrite", "", "let --export / --normlab-* replace existing files", "-y", kHeadless},
        {"--exit-when-idle", "", "a normal session (settings read and saved) that quits when idle", "", kHeadless},
        {"--timeout", "S", "give up after S seconds (default 900)", "", kHeadless},
        {"--worker-nice", "N", "niceness of the inference thread (default 10; 0 = same as the UI)", "", kHeadless},
        {"--gl-info", "",
         "report whether this display gives an OpenGL 3.3 core context, and exit (exit 0 yes, 3 no; `wfvae doctor` "
         "asks this)",
         "", kOther},
        {"--version", "", "print the version", "", kOther},
    };
    c.epilogue =
        "Headless runs that write images or files start from default settings and leave the saved\n"
        "ones alone; --exit-when-idle and --dump-state alone are normal sessions that quit when the\n"
        "work is done (settings read and saved). Settings live in $XDG_CONFIG_HOME/wfvae-studio (default\n"
        "~/.config/wfvae-studio): settings.json and imgui.ini.\n";
    c.exit_codes = "0 ok, 1 usage error, 2 bad input (shown in the UI too), 3 runtime failure, 124 timeout";
    return c;
  }();
  return spec;
}

// Long help lines wrapped at 100 columns under their flag.
std::string wrapped_help() {
  std::string out;
  std::string text = flags::help_text(studio_spec());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    const size_t indent = 26;
    while (line.size() > 100 && line.size() > indent && line.compare(0, 2, "  ") == 0) {
      size_t cut = line.rfind(' ', 100);
      if (cut == std::string::npos || cut <= indent) break;
      out += line.substr(0, cut) + "\n";
      line = std::string(indent, ' ') + line.substr(cut + 1);
    }
    out += line + "\n";
  }
  return out;
}

float to_float(const flags::Args& a, const std::string& flag) { return static_cast<float>(a.get_double(flag, 0)); }

}  // namespace

const char* help_text() {
  static const std::string text = wrapped_help();
  return text.c_str();
}

std::optional<Options> parse_options(int argc, char** argv) {
  const flags::Args a = flags::parse(studio_spec(), std::vector<std::string>(argv + 1, argv + argc));
  if (a.help) {
    std::fputs(help_text(), stdout);
    return std::nullopt;
  }
  if (a.has("--version")) {
    std::puts("wfvae-studio 0.1.0");
    return std::nullopt;
  }
  Options o;
  if (!a.positional.empty()) o.input = a.positional.front();
  o.gl_info = a.has("--gl-info");
  o.model = a.get_or("--model", "");
  o.no_model = a.has("--no-model");
  o.compare = a.get_or("--compare", "");
  o.view = a.get_choice("--view", {"side", "split", "flicker", "diff", "wavelet", "normlab"}).value_or("");
  o.pair = a.get_choice("--pair", {"orig-recon", "prev-recon", "orig-prev", "orig-file"}).value_or("");
  if (a.has("--frame")) {
    o.frame = a.get_int("--frame", 0);
    if (*o.frame < 0) fail_usage("--frame must be >= 0");
  }
  o.norm_type = a.get_choice("--norm-type", {"groupnorm", "layernorm"}).value_or("");
  o.num_groups = a.get_int("--num-groups", 0);
  if (a.has("--num-groups") && o.num_groups < 1) fail_usage("--num-groups must be >= 1");
  if (a.has("--chunked") && a.has("--direct")) fail_usage("--chunked and --direct contradict each other");
  if (a.has("--chunked")) o.chunked = true;
  if (a.has("--direct")) o.chunked = false;
  if (auto v = a.get("--tile")) {
    o.tile = *v == "auto" ? -1 : *v == "off" ? 0 : a.get_int("--tile", 0);
    if (*o.tile > 0)
      tiling::check_tile_size({*o.tile, tiling::default_overlap(*o.tile)});
    else if (*o.tile < -1 || (*o.tile == -1 && *v != "auto"))
      fail_usage("--tile: expected N (pixels), auto or off, got \"" + *v + "\"");
  }
  o.device = a.get_choice("--device", {"cpu", "cuda"}).value_or("");
  o.dtype = a.get_choice("--dtype", {"f32", "bf16", "f16"}).value_or("");
  o.max_short_side = a.get_int("--max-short-side", 0);
  if (a.has("--max-short-side") && o.max_short_side < 8) fail_usage("--max-short-side must be >= 8");
  o.frames = a.get_int("--frames", -1);
  if (a.has("--frames") && o.frames < 0) fail_usage("--frames must be >= 0 (0 = all)");
  if (a.has("--split")) {
    o.split = to_float(a, "--split");
    if (!(*o.split >= 0 && *o.split <= 1)) fail_usage("--split must be within 0..1");
  }
  if (a.has("--zoom")) {
    o.zoom = to_float(a, "--zoom");
    if (!(*o.zoom > 0.01f && *o.zoom <= 256)) fail_usage("--zoom must be within 0.01..256");
  }
  if (a.has("--diff-gain")) {
    o.diff_gain = a.get_int("--diff-gain", 4);
    if (*o.diff_gain < 1 || *o.diff_gain > 64) fail_usage("--diff-gain must be within 1..64");
  }
  o.diff_mode = a.get_choice("--diff-mode", {"abs", "signed"}).value_or("");
  if (a.has("--diff-luma")) o.diff_luma = true;
  o.wavelet_level = a.get_choice("--wavelet-level", {"l0", "l1", "l2", "model"}).value_or("");
  if (a.has("--window")) {
    // WxH here (a window is width first), where --size elsewhere is HxW.
    int w = 0, h = 0;
    a.get_size("--window", &w, &h);
    o.window_width = w;
    o.window_height = h;
    if (w < 320 || h < 240 || w > 16384 || h > 16384)
      fail_usage("--window: " + *a.get("--window") + " is outside 320x240 .. 16384x16384");
  }
  o.simulate_drops = a.get_all("--simulate-drop");
  o.rerun_with = a.get_or("--rerun-with", "");
  o.ab_chunked = a.has("--ab-chunked");
  o.normlab = a.get_or("--normlab", "");
  o.screenshot = a.get_or("--screenshot", "");
  o.dump_layout = a.get_or("--dump-layout", "");
  o.dump_state = a.get_or("--dump-state", "");
  o.during_run = a.get_or("--during-run", "");
  o.show = a.get_choice("--show", {"help", "export", "open", "model", "about"}).value_or("");
  o.ui_bench = a.get_or("--ui-bench", "");
  o.export_dir = a.get_or("--export", "");
  o.normlab_csv = a.get_or("--normlab-csv", "");
  o.normlab_png = a.get_or("--normlab-png", "");
  o.overwrite = a.has("--overwrite");
  o.exit_when_idle = a.has("--exit-when-idle");
  if (a.has("--timeout")) {
    o.timeout_s = a.get_double("--timeout", 900);
    if (!(o.timeout_s > 0)) fail_usage("--timeout must be > 0 seconds");
  }
  if (a.has("--worker-nice")) {
    o.worker_nice = a.get_int("--worker-nice", 10);
    if (o.worker_nice < 0 || o.worker_nice > 19) fail_usage("--worker-nice must be within 0..19");
  }
  if (o.no_model && !o.model.empty()) fail_usage("--no-model and --model contradict each other");
  if ((!o.normlab_csv.empty() || !o.normlab_png.empty()) && o.normlab.empty()) o.normlab = "default";
  return o;
}

}  // namespace wfvae::studio
