#include "options.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/tiling.h"

namespace wfvae::studio {

const char* help_text() {
  return R"(usage: wfvae-studio [INPUT] [--model DIR] [options]

WFVAE Studio: open a video or image, reconstruct it with WF-VAE and compare the two
(side by side, split, A/B flicker, difference), follow per-frame PSNR/SSIM along the
timeline, look inside the Haar wavelet subbands and energy-flow levels, switch
norm_type/num_groups, run the norm lab, export. Drag and drop a video, an image or a
model folder onto the window; F1 lists the keyboard shortcuts.

INPUT                   a video or image (default: the last one opened, else the bundled
                        sample assets/samples/city-cc0.mp4)

model and run:
  --model DIR           model folder (config.json + diffusion_pytorch_model.safetensors) or a
                        .safetensors file with config.json beside it (default: the last model
                        used, else the bundled wfvae-tiny-gn)
  --no-model            open without a model: view and compare (with --compare) only
  --norm-type T         groupnorm | layernorm
  --num-groups G        GroupNorm group count (must divide every normalised channel count)
  --chunked | --direct  causal-cache chunked inference (streams results; default) or one pass
  --tile N|auto|off     spatial tiles of N pixels (default auto: only when frames do not fit memory)
  --device D            cpu | cuda (cuda only when LibTorch has a usable GPU)
  --dtype T             f32 | bf16 | f16
  --max-short-side N    scale the input so its short side is at most N (default 256 on CPU)
  --frames N            frames to reconstruct, 0 = all (default 33 on CPU); trimmed to 1 + 4k

view:
  --view V              side | split | flicker | diff | wavelet | normlab
  --pair P              orig-recon | prev-recon | orig-prev | orig-file
  --compare FILE        B = FILE: compare the input against another video (aligned frame by
                        frame, resized to the model input size)
  --frame N             current frame (0-based)
  --split F             split divider position, 0..1 of the image width
  --zoom Z              zoom factor (1 = one image pixel per screen pixel; default: fit)
  --diff-gain G         difference amplification 1..64
  --diff-mode M         abs | signed
  --diff-luma           difference of luma instead of RGB
  --wavelet-level L     l0 | l1 | l2 | model (the wavelet view's tab)
  --window WxH          window size

scripted actions (after the first reconstruction, through the same code as the UI):
  --simulate-drop PATH  call the window's registered drop handler with PATH (repeatable)
  --rerun-with S        change a setting and re-run, keeping the first result for A/B:
                        layernorm | groupnorm | groupnorm:G | chunked | direct
  --ab-chunked          run the chunked-vs-direct A/B
  --normlab LIST        run the norm lab: "default" or a comma list of
                        gn:G | ln | chunked | direct | model:DIR

headless (runs everything first, then renders, writes and exits):
  --screenshot FILE     save the window as a PNG
  --dump-layout FILE    JSON: rectangles of what was drawn (panels, images, tiles, divider)
  --dump-state FILE     JSON: input, model, runs, metrics, messages
  --during-run PREFIX   PREFIX.png and PREFIX.json (state) at the first frame where a run has
                        streamed part of its frames in (the live curve, half filled)
  --show D              open a dialog for the final screenshot: help | export | open | model | about
  --ui-bench FILE       JSON: frame times (p50/p95/max ms, fps) measured while inference runs
                        (the clip plays meanwhile)
  --export DIR          export everything (reconstruction, input, side by side, difference,
                        latents, metrics JSON/CSV, PNG of the view) into DIR
  --normlab-csv FILE    write the norm lab table as CSV
  --normlab-png FILE    write the norm lab table as a PNG
  -y, --overwrite       let --export / --normlab-* replace existing files
  --exit-when-idle      a normal session (settings read and saved) that quits when idle
  --timeout S           give up after S seconds (default 900)
  --worker-nice N       niceness of the inference thread (default 10; 0 = same as the UI)

  --gl-info             report whether this display gives an OpenGL 3.3 core context, and exit
                        (exit 0 yes, 3 no; `wfvae doctor` asks this)
  -h, --help            this help
  --version             version

Headless runs that write images or files start from default settings and leave the saved
ones alone; --exit-when-idle and --dump-state alone are normal sessions that quit when the
work is done (settings read and saved). Settings live in $XDG_CONFIG_HOME/wfvae-studio (default
~/.config/wfvae-studio): settings.json and imgui.ini.
Exit codes: 0 ok, 1 usage error, 2 bad input (shown in the UI too), 3 runtime failure,
124 timeout.
)";
}

namespace {

int to_int(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end) fail_usage(flag + ": expected an integer, got \"" + v + "\"");
  if (errno == ERANGE || x < INT_MIN || x > INT_MAX) fail_usage(flag + ": " + v + " is out of range");
  return static_cast<int>(x);
}

float to_float(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end) fail_usage(flag + ": expected a number, got \"" + v + "\"");
  return static_cast<float>(x);
}

bool one_of(const std::string& v, std::initializer_list<const char*> ok) {
  for (const char* o : ok)
    if (v == o) return true;
  return false;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) fail_usage(a + " needs a value (see --help)");
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(help_text(), stdout);
      return std::nullopt;
    } else if (a == "--version") {
      std::puts("wfvae-studio 0.1.0");
      return std::nullopt;
    } else if (a == "--gl-info") {
      o.gl_info = true;
    } else if (a == "--model") {
      o.model = value();
    } else if (a == "--no-model") {
      o.no_model = true;
    } else if (a == "--compare") {
      o.compare = value();
    } else if (a == "--view") {
      o.view = value();
      if (!one_of(o.view, {"side", "split", "flicker", "diff", "wavelet", "normlab"}))
        fail_usage("--view: \"" + o.view + "\" is not one of side, split, flicker, diff, wavelet, normlab");
    } else if (a == "--pair") {
      o.pair = value();
      if (!one_of(o.pair, {"orig-recon", "prev-recon", "orig-prev", "orig-file"}))
        fail_usage("--pair: \"" + o.pair + "\" is not one of orig-recon, prev-recon, orig-prev, orig-file");
    } else if (a == "--frame") {
      o.frame = to_int(a, value());
      if (*o.frame < 0) fail_usage("--frame must be >= 0");
    } else if (a == "--norm-type") {
      o.norm_type = value();
      if (!one_of(o.norm_type, {"groupnorm", "layernorm"}))
        fail_usage("--norm-type: \"" + o.norm_type + "\" is not supported (groupnorm, layernorm)");
    } else if (a == "--num-groups") {
      o.num_groups = to_int(a, value());
      if (o.num_groups < 1) fail_usage("--num-groups must be >= 1");
    } else if (a == "--chunked") {
      o.chunked = true;
    } else if (a == "--direct") {
      o.chunked = false;
    } else if (a == "--tile") {
      const std::string v = value();
      o.tile = v == "auto" ? -1 : v == "off" ? 0 : to_int(a, v);
      if (*o.tile > 0) tiling::check_tile_size({*o.tile, tiling::default_overlap(*o.tile)});
    } else if (a == "--device") {
      o.device = value();
      if (!one_of(o.device, {"cpu", "cuda"})) fail_usage("--device: \"" + o.device + "\" is not cpu or cuda");
    } else if (a == "--dtype") {
      o.dtype = value();
      if (!one_of(o.dtype, {"f32", "bf16", "f16"})) fail_usage("--dtype: \"" + o.dtype + "\" is not f32, bf16 or f16");
    } else if (a == "--max-short-side") {
      o.max_short_side = to_int(a, value());
      if (o.max_short_side < 8) fail_usage("--max-short-side must be >= 8");
    } else if (a == "--frames") {
      o.frames = to_int(a, value());
      if (o.frames < 0) fail_usage("--frames must be >= 0 (0 = all)");
    } else if (a == "--split") {
      o.split = to_float(a, value());
      if (*o.split < 0 || *o.split > 1) fail_usage("--split must be within 0..1");
    } else if (a == "--zoom") {
      o.zoom = to_float(a, value());
      if (!(*o.zoom > 0.01f && *o.zoom <= 256)) fail_usage("--zoom must be within 0.01..256");
    } else if (a == "--diff-gain") {
      o.diff_gain = to_int(a, value());
      if (*o.diff_gain < 1 || *o.diff_gain > 64) fail_usage("--diff-gain must be within 1..64");
    } else if (a == "--diff-mode") {
      o.diff_mode = value();
      if (!one_of(o.diff_mode, {"abs", "signed"})) fail_usage("--diff-mode: \"" + o.diff_mode + "\" is not abs or signed");
    } else if (a == "--diff-luma") {
      o.diff_luma = true;
    } else if (a == "--wavelet-level") {
      o.wavelet_level = value();
      if (!one_of(o.wavelet_level, {"l0", "l1", "l2", "model"}))
        fail_usage("--wavelet-level: \"" + o.wavelet_level + "\" is not l0, l1, l2 or model");
    } else if (a == "--window") {
      const std::string v = value();
      const size_t x = v.find('x');
      if (x == std::string::npos) fail_usage("--window: expected WxH, got \"" + v + "\"");
      o.window_width = to_int(a, v.substr(0, x));
      o.window_height = to_int(a, v.substr(x + 1));
      if (o.window_width < 320 || o.window_height < 240 || o.window_width > 16384 || o.window_height > 16384)
        fail_usage("--window: " + v + " is outside 320x240 .. 16384x16384");
    } else if (a == "--simulate-drop") {
      o.simulate_drops.push_back(value());
    } else if (a == "--rerun-with") {
      o.rerun_with = value();
    } else if (a == "--ab-chunked") {
      o.ab_chunked = true;
    } else if (a == "--normlab") {
      o.normlab = value();
    } else if (a == "--screenshot") {
      o.screenshot = value();
    } else if (a == "--dump-layout") {
      o.dump_layout = value();
    } else if (a == "--dump-state") {
      o.dump_state = value();
    } else if (a == "--during-run") {
      o.during_run = value();
    } else if (a == "--show") {
      o.show = value();
      if (!one_of(o.show, {"help", "export", "open", "model", "about"}))
        fail_usage("--show: \"" + o.show + "\" is not help, export, open, model or about");
    } else if (a == "--ui-bench") {
      o.ui_bench = value();
    } else if (a == "--export") {
      o.export_dir = value();
    } else if (a == "--normlab-csv") {
      o.normlab_csv = value();
    } else if (a == "--normlab-png") {
      o.normlab_png = value();
    } else if (a == "-y" || a == "--overwrite") {
      o.overwrite = true;
    } else if (a == "--exit-when-idle") {
      o.exit_when_idle = true;
    } else if (a == "--timeout") {
      o.timeout_s = to_float(a, value());
      if (!(o.timeout_s > 0)) fail_usage("--timeout must be > 0 seconds");
    } else if (a == "--worker-nice") {
      o.worker_nice = to_int(a, value());
      if (o.worker_nice < 0 || o.worker_nice > 19) fail_usage("--worker-nice must be within 0..19");
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      fail_usage("unknown option " + a + " (see --help)");
    } else if (o.input.empty()) {
      o.input = a;
    } else {
      fail_usage("more than one input given (\"" + o.input + "\" and \"" + a + "\"); use --compare FILE for B");
    }
  }
  if (o.no_model && !o.model.empty()) fail_usage("--no-model and --model contradict each other");
  if ((!o.normlab_csv.empty() || !o.normlab_png.empty()) && o.normlab.empty()) o.normlab = "default";
  return o;
}

}  // namespace wfvae::studio
