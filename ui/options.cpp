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

flags::FlagSpec in(const std::string& section, flags::FlagSpec f) {
  f.section = section;
  return f;
}

// The studio's flags in three parts, each entry: name, metavar (none: a switch), help,
// target, choices, alias; a section holds from the flag that names it to the next that
// names another.

// The model, its norm and the run's settings, and LPIPS's weights.
std::vector<flags::FlagSpec> model_and_run_flags(Options& o) {
  return {
      in(kModel,
         {"--model", "M",
          "a model folder (diffusers, or config.json + .ckpt), or a .safetensors or .ckpt/.pt file with config.json "
          "beside it (default: the last model used, else the bundled wfvae-tiny-gn)",
          &o.model}),
      {"--no-model", "", "open without a model: view and compare (with --compare) only", &o.no_model},
      {"--norm-type", "T", "override the model's norm", &o.norm_type, {"groupnorm", "layernorm"}},
      {"--num-groups", "G", "GroupNorm group count (must divide every normalised channel count)", &o.num_groups},
      {"--chunked", "", "causal-cache chunked inference (streams results; the default)",
       [&o](const std::string&) { o.chunked = true; }},
      {"--direct", "", "one pass over all frames", [&o](const std::string&) { o.chunked = false; }},
      {"--tile", "N|auto|off", "spatial tiles of N pixels (default auto: only when frames do not fit memory)",
       [&o](const std::string& v) {
         o.tile = v == "auto" ? -1 : v == "off" ? 0 : flags::to_int("--tile", v);
         if (*o.tile > 0)
           tiling::check_tile_size({*o.tile, tiling::default_overlap(*o.tile)});
         else if (*o.tile < -1 || (*o.tile == -1 && v != "auto"))
           fail_usage("--tile: expected N (pixels), auto or off, got \"" + v + "\"");
       }},
      {"--device", "D", "where it runs (cuda only when LibTorch has a usable GPU)", &o.device, {"cpu", "cuda"}},
      {"--dtype", "T", "the compute precision", &o.dtype, {"f32", "bf16", "f16"}},
      {"--max-short-side", "N", "scale the input so its short side is at most N (default 256 on CPU)",
       &o.max_short_side},
      {"--frames", "N", "frames to reconstruct, 0 = all (default 33 on CPU); trimmed to 1 + 4k", &o.frames},
      {"--lpips-alexnet", "FILE",
       "LPIPS: torchvision's AlexNet weights, alexnet-owt-7be5be79.pth (default: the file given before, else the "
       "torch hub cache: $TORCH_HOME, $XDG_CACHE_HOME/torch or ~/.cache/torch, hub/checkpoints)",
       &o.lpips_alexnet},
      {"--lpips-lin", "FILE",
       "LPIPS: lpips' linear heads, weights/v0.1/alex.pth (default: the file given before, else an installed lpips "
       "package's)",
       &o.lpips_lin}};
}

// What is shown: the view, the pair, the frame and each view's options.
std::vector<flags::FlagSpec> view_flags(Options& o) {
  return {
      in(kView, {"--view",
                 "V",
                 "the view",
                 &o.view,
                 {"side", "split", "flicker", "diff", "wavelet", "normlab", "lpips", "latent"}}),
      {"--pair", "P", "the two images compared", &o.pair, {"orig-recon", "prev-recon", "orig-prev", "orig-file"}},
      {"--compare", "FILE",
       "B = FILE: compare the input against another video (aligned frame by frame, resized to the model input size)",
       &o.compare},
      {"--frame", "N", "current frame (0-based)", &o.frame},
      {"--split", "F", "split divider position, 0..1 of the image width",
       [&o](const std::string& v) { o.split = static_cast<float>(flags::to_double("--split", v)); }},
      {"--zoom", "Z", "zoom factor (1 = one image pixel per screen pixel; default: fit)",
       [&o](const std::string& v) { o.zoom = static_cast<float>(flags::to_double("--zoom", v)); }},
      {"--diff-gain", "G", "difference amplification 1..64", &o.diff_gain},
      {"--diff-mode", "M", "the difference shown", &o.diff_mode, {"abs", "signed"}},
      {"--diff-luma", "", "difference of luma instead of RGB", [&o](const std::string&) { o.diff_luma = true; }},
      {"--wavelet-level", "L", "the wavelet view's tab", &o.wavelet_level, {"l0", "l1", "l2", "model"}},
      {"--latent-form",
       "F",
       "the latent view's form: the posterior mode or a seeded sample",
       &o.latent_form,
       {"mode", "sample"}},
      {"--hover", "X,Y", "hold the mouse pointer at X,Y (window pixels): tooltips and the pixel probe in screenshots",
       [&o](const std::string& v) {
         const size_t comma = v.find(',');
         if (comma == std::string::npos) fail_usage("--hover: expected X,Y (window pixels), got \"" + v + "\"");
         o.hover = std::make_pair(static_cast<float>(flags::to_double("--hover", v.substr(0, comma))),
                                  static_cast<float>(flags::to_double("--hover", v.substr(comma + 1))));
       }},
      {"--latent-normalized", "", "the latent view shows (z - shift) * scale with the config's values",
       &o.latent_normalized},
      // WxH here (a window is width first), where --size elsewhere is HxW.
      {"--window", "WxH", "window size", [&o](const std::string& v) {
         int& w = o.window_width;
         int& h = o.window_height;
         flags::to_dims("--window", v, &w, &h);
         if (w < 320 || h < 240 || w > 16384 || h > 16384)
           fail_usage("--window: " + v + " is outside 320x240 .. 16384x16384");
       }}};
}

// Scripted actions, headless outputs and the rest.
std::vector<flags::FlagSpec> scripted_flags(Options& o) {
  return {
      in(kScripted, {"--simulate-drop", "PATH", "call the window's registered drop handler with PATH (repeatable)",
                     &o.simulate_drops}),
      {"--rerun-with", "S",
       "change a setting and re-run, keeping the first result for A/B: layernorm | groupnorm | groupnorm:G | chunked "
       "| direct",
       &o.rerun_with},
      {"--ab-chunked", "", "run the chunked-vs-direct A/B", &o.ab_chunked},
      {"--normlab", "LIST", "run the norm lab: \"default\" or a comma list of gn:G | ln | chunked | direct | model:DIR",
       &o.normlab},
      in(kHeadless, {"--screenshot", "FILE", "save the window as a PNG", &o.screenshot}),
      {"--dump-layout", "FILE", "JSON: rectangles of what was drawn (panels, images, tiles, divider)", &o.dump_layout},
      {"--dump-state", "FILE", "JSON: input, model, runs, metrics, messages", &o.dump_state},
      {"--during-run", "PREFIX",
       "PREFIX.png and PREFIX.json (state) at the first frame where a run has streamed part of its frames in (the "
       "live curve, half filled)",
       &o.during_run},
      {"--show", "D", "open a dialog for the final screenshot", &o.show, {"help", "export", "open", "model", "about"}},
      {"--ui-bench", "FILE",
       "JSON: frame times (p50/p95/max ms, fps) measured while inference runs (the clip plays meanwhile)", &o.ui_bench},
      {"--export", "DIR",
       "export everything (reconstruction, input, side by side, difference, latents, metrics JSON/CSV, PNG of the "
       "view) into DIR",
       &o.export_dir},
      {"--normlab-csv", "FILE", "write the norm lab table as CSV", &o.normlab_csv},
      {"--normlab-png", "FILE", "write the norm lab table as a PNG", &o.normlab_png},
      {"--overwrite", "", "let --export / --normlab-* replace existing files", &o.overwrite, {}, "-y"},
      {"--exit-when-idle", "", "a normal session (settings read and saved) that quits when idle", &o.exit_when_idle},
      {"--timeout", "S", "give up after S seconds (default 900)", &o.timeout_s},
      {"--worker-nice", "N", "niceness of the inference thread (default 10; 0 = same as the UI)", &o.worker_nice},
      in(kOther,
         {"--gl-info", "",
          "report whether this display gives an OpenGL 3.3 core context, and exit (exit 0 yes, 3 no; `wfvae doctor` "
          "asks this)",
          &o.gl_info}),
      {"--version", "", "print the version"}};
}

// The studio's flags, bound to `o` (a throwaway Options for the help text alone).
flags::CommandSpec studio_spec(Options& o) {
  flags::CommandSpec c;
  c.program = "wfvae-studio";
  c.usage = "wfvae-studio [INPUT] [--model DIR] [options]";
  c.summary =
      "WFVAE Studio: open a video or image, reconstruct it with WF-VAE and compare the two\n"
      "(side by side, split, A/B flicker, difference, LPIPS heatmap), follow per-frame\n"
      "PSNR/SSIM/LPIPS along the timeline, look inside the Haar wavelet subbands and\n"
      "energy-flow levels, switch norm_type/num_groups, run the norm lab, export. Drag and\n"
      "drop a video, an image or a model folder onto the window; F1 lists the keyboard\n"
      "shortcuts.";
  c.description =
      "INPUT                     a video or image (default: the last one opened, else the bundled\n"
      "                          sample assets/samples/city-cc0.mp4), or a latents .safetensors\n"
      "                          (wfvae encode, recon --latents, a diffusion model's output): decoded\n"
      "                          with the model and shown beside the video it names, if any";
  c.min_positional = 0;
  c.max_positional = 1;
  c.flags = model_and_run_flags(o);
  for (auto* part : {view_flags, scripted_flags})
    for (auto& flag : part(o)) c.flags.push_back(std::move(flag));
  c.epilogue =
      "Headless runs that write images or files start from default settings and leave the saved\n"
      "ones alone; --exit-when-idle and --dump-state alone are normal sessions that quit when the\n"
      "work is done (settings read and saved). Settings live in $XDG_CONFIG_HOME/wfvae-studio (default\n"
      "~/.config/wfvae-studio): settings.json and imgui.ini.\n";
  c.exit_codes = "0 ok, 1 usage error, 2 bad input (shown in the UI too), 3 runtime failure, 124 timeout";
  return c;
}

// Long help lines wrapped at 100 columns under their flag.
std::string wrapped_help() {
  std::string out;
  Options unbound;
  std::string text = flags::help_text(studio_spec(unbound));
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

}  // namespace

const char* help_text() {
  static const std::string text = wrapped_help();
  return text.c_str();
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  const flags::Args a = flags::parse(studio_spec(o), std::vector<std::string>(argv + 1, argv + argc));
  if (a.help) {
    std::fputs(help_text(), stdout);
    return std::nullopt;
  }
  if (a.has("--version")) {
    std::puts("wfvae-studio 0.1.0");
    return std::nullopt;
  }
  if (!a.positional.empty()) o.input = a.positional.front();
  // The ranges (a flag not given keeps its default, which is in range).
  if (o.frame && *o.frame < 0) fail_usage("--frame must be >= 0");
  if (a.has("--num-groups") && o.num_groups < 1) fail_usage("--num-groups must be >= 1");
  if (a.has("--chunked") && a.has("--direct")) fail_usage("--chunked and --direct contradict each other");
  if (a.has("--max-short-side") && o.max_short_side < 8) fail_usage("--max-short-side must be >= 8");
  if (a.has("--frames") && o.frames < 0) fail_usage("--frames must be >= 0 (0 = all)");
  if (o.split && !(*o.split >= 0 && *o.split <= 1)) fail_usage("--split must be within 0..1");
  if (o.zoom && !(*o.zoom > 0.01f && *o.zoom <= 256)) fail_usage("--zoom must be within 0.01..256");
  if (o.diff_gain && (*o.diff_gain < 1 || *o.diff_gain > 64)) fail_usage("--diff-gain must be within 1..64");
  if (!(o.timeout_s > 0)) fail_usage("--timeout must be > 0 seconds");
  if (o.worker_nice < 0 || o.worker_nice > 19) fail_usage("--worker-nice must be within 0..19");
  if (o.no_model && !o.model.empty()) fail_usage("--no-model and --model contradict each other");
  if ((!o.normlab_csv.empty() || !o.normlab_png.empty()) && o.normlab.empty()) o.normlab = "default";
  return o;
}

}  // namespace wfvae::studio
