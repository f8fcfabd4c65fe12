// wfvae parity | info | bench: the commands that need only the engine.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/tiling.h"
#include "core/error.h"
#include "core/fileutil.h"
#include "core/json.h"
#include "core/json_fields.h"
#include "perceptual/metric_parity.h"
#include "runtime/bench.h"
#include "runtime/parity.h"
#include "runtime/system_info.h"
#include "runtime/vae.h"

namespace wfvae::cli {

namespace fs = std::filesystem;

namespace {

// DIR itself when it holds io.safetensors, else every subfolder (and sub-subfolder:
// ../shared/fixtures holds one folder per fixture kind) that does. A fixture's kind
// comes from its files (perceptual::fixture_kind: a model, LPIPS or FVD); a folder
// with io.safetensors of no known kind is said and skipped.
std::vector<fs::path> fixture_dirs(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail_input(dir.string() + ": not a folder");
  if (fs::exists(dir / "io.safetensors")) return {dir};
  std::vector<fs::path> out;
  auto scan = [&](const fs::path& d, int depth, auto& self) -> void {
    for (const auto& e : fs::directory_iterator(d, ec)) {
      if (!e.is_directory()) continue;
      if (fs::exists(e.path() / "io.safetensors")) {
        if (perceptual::fixture_kind(e.path()) != perceptual::FixtureKind::Unknown)
          out.push_back(e.path());
        else
          std::printf("skip %s: not a fixture this tool knows (no config.json, LPIPS or FVD files)\n",
                      e.path().string().c_str());
      } else if (depth > 0) {
        self(e.path(), depth - 1, self);
      }
    }
  };
  scan(dir, 1, scan);
  std::sort(out.begin(), out.end());
  if (out.empty()) fail_input(dir.string() + ": no io.safetensors here or in any subfolder (not a parity fixture)");
  return out;
}

struct ParityFlags {
  std::string device = "cpu";
  WeightsChoice weights = WeightsChoice::Auto;
};

int run_parity_cmd(ParityFlags& f, const Args& a) {
  Device device = device_option(f.device);
  bool all_pass = true;
  int fixtures = 0;
  for (const auto& dir : fixture_dirs(a.positional[0])) {
    ++fixtures;
    const perceptual::FixtureKind kind = perceptual::fixture_kind(dir);
    ParityResult r = perceptual::run_any_parity(dir, device, f.weights);
    if (kind == perceptual::FixtureKind::Lpips || kind == perceptual::FixtureKind::Fvd)
      std::printf("fixture %s (%s, device %s, tolerance per tensor)\n", dir.string().c_str(),
                  perceptual::fixture_kind_name(kind), r.device.c_str());
    else
      std::printf("fixture %s (device %s, tolerance |a-b| <= %g + %g*|b|)\n", dir.string().c_str(), r.device.c_str(),
                  r.atol, r.rtol);
    for (const auto& l : r.lines) {
      if (!l.computed) {
        std::printf("  %-4s %-22s %-18s skipped: %s\n", l.file.c_str(), l.name.c_str(), shape_string(l.shape).c_str(),
                    l.note.c_str());
        continue;
      }
      std::printf(
          "  %-4s %-22s %-18s max_abs_err %.3e  (max|ref| %.3g)  %s%s\n", l.file.c_str(), l.name.c_str(),
          shape_string(l.shape).c_str(), l.max_abs_error, l.max_abs_ref,
          l.violations ? ("FAIL: " + std::to_string(l.violations) + " elements out of tolerance").c_str() : "ok",
          l.note.empty() ? "" : ("  " + l.note).c_str());
    }
    std::printf("%s %s\n", r.pass() ? "PASS" : "FAIL", dir.filename().string().c_str());
    all_pass = all_pass && r.pass();
  }
  if (fixtures > 1) std::printf("%s: %d fixtures\n", all_pass ? "PASS" : "FAIL", fixtures);
  return all_pass ? 0 : 4;
}

struct InfoFlags {
  LoadOptions load;
  bool json = false;
};

int run_info_cmd(InfoFlags& f, const Args& a) {
  std::unique_ptr<Vae> vae = Vae::load(a.positional[0], Device::CPU, ComputeDType::F32, f.load);
  const ModelConfig& c = vae->config();
  const LoadReport& r = vae->load_report();
  auto groups = c.valid_num_groups();
  if (f.json) {
    json::Value j = json::Object{};
    j["config"] = c.to_json();
    j["parameters"] = vae->num_parameters();
    j["stored_dtype"] = r.stored_dtype;
    put_norm(j, NormSetting::of(c));
    j["valid_num_groups"] = json::array_of(groups);
    j["temporal_compression"] = c.temporal_compression();
    j["spatial_compression"] = ModelConfig::kSpatialCompression;
    j["weights"] = r.weights_path;
    j["tensors_loaded"] = r.tensors_loaded;
    j["weights_format"] = r.weights_format;
    j["config_path"] = r.config_path;
    if (!r.state_dict.empty()) {
      j["state_dict"] = r.state_dict;
      j["state_dict_reason"] = r.state_dict_reason;
      j["prefix_stripped"] = r.prefix_stripped;
      j["prefix_count"] = r.prefix_count;
    }
    j["left_aside"] = json::array_of(r.left_aside);
    j["constants_in_file"] = r.constants_present;
    j["constants_built_in"] = r.constants_absent;
    j["latent_normalization"] = r.latent_norm_ok;
    j["latent_normalization_note"] = r.latent_norm;
    j["notes"] = json::array_of(r.notes);
    std::cout << json::dump(j, 2) << "\n";
    return 0;
  }
  std::string gs;
  for (int x : groups) gs += (gs.empty() ? "" : ", ") + std::to_string(x);
  std::printf("model: %s\n", a.positional[0].c_str());
  std::printf("config: %s\n", c.summary().c_str());
  std::printf("compression: %dx%dx%d (T x H x W), latent channels %d; frames 1 + %dk\n", c.temporal_compression(),
              ModelConfig::kSpatialCompression, ModelConfig::kSpatialCompression, c.latent_dim,
              c.temporal_compression());
  std::printf("parameters: %lld (%.2f M)\n", static_cast<long long>(vae->num_parameters()),
              vae->num_parameters() / 1e6);
  std::printf("norm: %s%s\n", c.norm_type.c_str(),
              c.norm_type == "groupnorm" ? (" with " + std::to_string(c.norm_num_groups) + " groups").c_str() : "");
  std::printf("valid num_groups: %s\n", gs.c_str());
  std::printf("%s", r.text().c_str());
  std::printf("load: ok (strict: no missing, unexpected or mis-shaped tensors)\n");
  return 0;
}

struct ConvertFlags {
  std::string output, dtype = "f32";
  LoadOptions load;
  bool overwrite = false;
};

int run_convert_cmd(ConvertFlags& f, const Args& a) {
  const std::string& out = f.output;
  if (out.empty()) fail_usage("missing -o DIR (the diffusers folder to write)");
  check_output_path(out, f.overwrite, OutputKind::Folder);  // before the load
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Vae> vae = Vae::load(a.positional[0], Device::CPU, ComputeDType::F32, f.load);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  vae->save(out, f.dtype, f.overwrite);
  const LoadReport& r = vae->load_report();
  std::printf("read: %s (%s, %s), %lld tensors in %.2f s\n", r.weights_path.c_str(), r.weights_format.c_str(),
              r.stored_dtype.c_str(), static_cast<long long>(r.tensors_loaded), load_s);
  std::printf("config: %s\n", r.config_path.c_str());
  if (!r.state_dict.empty())
    std::printf("state dict: %s (%s)%s\n", r.state_dict.c_str(), r.state_dict_reason.c_str(),
                r.prefix_stripped.empty() ? "" : ("; \"" + r.prefix_stripped + "\" removed").c_str());
  for (const auto& x : r.left_aside) std::printf("left aside: %s\n", x.c_str());
  for (const auto& n : r.notes) std::printf("note: %s\n", n.c_str());
  std::printf("latent scale/shift: %s\n", r.latent_norm.c_str());
  std::printf("wrote: %s (config.json + diffusion_pytorch_model.safetensors, %s; the %d Haar constants in F32)\n",
              out.c_str(), f.dtype.c_str(), r.constants_present + r.constants_absent);
  return 0;
}

struct BenchFlags {
  BenchOptions o;
  std::string device = "auto", dtype = "f32";
  int tile = 0, overlap = -1;
};

int run_bench_cmd(BenchFlags& f, const Args& a) {
  BenchOptions& o = f.o;
  if (o.model.empty() && o.config.empty()) fail_usage("give --model M (its weights) or --config FILE (random weights)");
  if (o.model.empty() && a.has("--weights")) fail_usage("--weights chooses the weights of --model M");
  o.device = device_option(f.device);
  o.dtype = parse_dtype(f.dtype);
  if (f.tile < 0) fail_usage("bench --tile takes a size (or off): it measures one plan, it does not choose one");
  o.tile = {f.tile, f.tile > 0 ? (f.overlap >= 0 ? f.overlap : tiling::default_overlap(f.tile)) : 0};
  tiling::check_tile_size(o.tile);
  ProgressBar bar("bench");
  o.progress = bar.fn();
  BenchResult r = run_bench(o);
  bar.finish();
  if (!r.profile.empty()) std::printf("%s", r.profile.c_str());
  std::printf("encode: median %.1f ms (min %.1f), peak %.1f MB\n", r.enc_ms, r.enc_ms_min,
              r.enc_peak_bytes / 1048576.0);
  std::printf("decode: median %.1f ms (min %.1f), peak %.1f MB\n", r.dec_ms, r.dec_ms_min,
              r.dec_peak_bytes / 1048576.0);
  std::printf("cold (first call in this process): encode %.1f ms, decode %.1f ms\n", r.enc_cold_ms, r.dec_cold_ms);
  std::printf("memory: %s (baseline before runs %.1f MB; planner's activation estimate %.1f MB)\n",
              r.memory_kind.c_str(), r.baseline_bytes / 1048576.0, r.planned_activation_bytes / 1048576.0);
  std::printf("%s\n", r.json.c_str());
  return 0;
}

// Asks the studio binary beside this one (this CLI links no GL) whether the display
// gives it an OpenGL 3.3 core context.
std::string studio_gl_check() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "not checked (cannot locate this executable)";
  fs::path studio;
  for (const fs::path& p :
       {self.parent_path() / "wfvae-studio", self.parent_path().parent_path() / "ui" / "wfvae-studio"})
    if (fs::exists(p, ec)) {
      studio = p;
      break;
    }
  if (studio.empty()) return "not checked: no wfvae-studio beside " + self.string() + " (built without the studio?)";
  const std::string cmd = "'" + studio.string() + "' --gl-info 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "not checked (cannot run " + studio.string() + ")";
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (out.empty()) return "no: " + studio.string() + " --gl-info failed (status " + std::to_string(status) + ")";
  return out;
}

struct NoFlags {};

int run_doctor_cmd(NoFlags&, const Args&) {
  const auto t0 = std::chrono::steady_clock::now();
  const SystemInfo info = query_system_info();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  for (const auto& [key, value] : describe(info)) std::printf("%-14s %s\n", (key + ":").c_str(), value.c_str());
  std::printf("%-14s %.0f ms to query all of the above (CUDA initialisation included)\n", "query time:", ms);
  std::printf("%-14s %s\n", "studio OpenGL:", studio_gl_check().c_str());
  return 0;
}

CommandSpec parity_spec(ParityFlags& f) {
  return {"parity",
          "wfvae parity DIR [--device cpu|cuda] [--weights auto|ema|model]",
          "Check this engine against tensors computed by the official PyTorch WF-VAE.",
          "DIR is a fixture folder (config.json, weights, io.safetensors, optional taps.safetensors)\n"
          "or a folder of such folders. The weights may be a diffusers safetensors file or a training\n"
          "checkpoint (.ckpt), taken as the reference's from_pretrained takes it. Every known tensor is "
          "recomputed in float32 and compared\n"
          "element-wise: |a-b| <= 1e-4 + 1e-5*|b| on CPU, 1e-3 + 1e-4*|b| on CUDA (TF32 off).\n"
          "Exits 4 when any element is out of tolerance.",
          {{"--device", "D", "cpu (default) or cuda", &f.device},
           weights_flag(&f.weights, "which weights of a .ckpt fixture: auto (default, EMA first), ema or model")},
          1,
          1,
          "  wfvae parity ../shared/fixtures/wfvae-parity\n  wfvae parity "
          "../shared/fixtures/wfvae-parity/gn-l8 --device cuda\n"};
}

CommandSpec info_spec(InfoFlags& f) {
  return {"info",
          "wfvae info MODEL [--config FILE] [--weights auto|ema|model] [--json]",
          "Show a model's configuration, size, norm settings and load report.",
          "MODEL is one of:\n"
          "  a diffusers folder (config.json + diffusion_pytorch_model.safetensors, F32/F16/BF16);\n"
          "  a folder with config.json and .ckpt files (Open-Sora-Plan's vae/ with merged.ckpt, a\n"
          "    training run's folder): the last .ckpt in the folder's listing, as the reference;\n"
          "  a .safetensors, .ckpt, .pt, .pth or .bin file with config.json beside it;\n"
          "  any of these with --config FILE (a config.json, or a JSON whose \"ae\" object is the\n"
          "    config, as Open-Sora-Plan v1.5's pipeline files).\n"
          "torch.save files are read without Python and nothing in them is executed. Of a training\n"
          "checkpoint the state dict is chosen as the reference's init_from_ckpt does: ema_state_dict\n"
          "(with \"module.\" removed), else state_dict[\"gen_model\"], else state_dict, else the file's\n"
          "dict; the report says which, why, and what was left aside (optimizer, discriminator, ...).\n"
          "Loading is strict: missing, unexpected or mis-shaped tensors are listed and refuse the load\n"
          "(exit 2); only the frozen Haar filters may be absent (the constructor's values are used).",
          {{"--config", "FILE", "the config instead of the config.json beside the weights", &f.load.config},
           weights_flag(&f.load.weights, "auto (default: the EMA when present, as the reference), ema or model"),
           {"--json", "", "print machine-readable JSON", &f.json}},
          1,
          1,
          "  wfvae info assets/models/wfvae-tiny-gn\n"
          "  wfvae info runs/checkpoint-2000.ckpt --weights model\n"
          "  wfvae info wfvae_888_dim32.ckpt --config opensoraplan1.5.json\n"};
}

CommandSpec convert_spec(ConvertFlags& f) {
  return {"convert",
          "wfvae convert IN -o DIR [--dtype f32|f16|bf16] [--config FILE] [--weights auto|ema|model] [-y]",
          "Write any model wfvae reads (a .ckpt included) as a diffusers folder.",
          "IN is any model form wfvae info accepts (see wfvae info --help). DIR receives config.json\n"
          "and diffusion_pytorch_model.safetensors, loadable by diffusers-style code and by every wfvae\n"
          "command. The weights are stored in --dtype (default f32: the converted folder reproduces\n"
          "IN's outputs exactly); the frozen Haar filters always in F32, so their values survive f16.\n"
          "Of a training checkpoint only the chosen state dict is written (the EMA by default, as the\n"
          "reference); optimizer and discriminator are left aside. DIR is written to a temporary\n"
          "folder and renamed into place; an existing DIR is kept unless -y.",
          {{"--output", "DIR", "the diffusers folder to write", &f.output, {}, "-o"},
           {"--dtype", "T", "the weights' storage (default f32)", &f.dtype, {"f32", "f16", "bf16"}},
           {"--config", "FILE",
            "the config instead of the config.json beside IN (a config.json, or a JSON with an \"ae\" object)",
            &f.load.config},
           weights_flag(&f.load.weights, "auto (default: EMA first, as the reference), ema or model"),
           {"--yes", "", "replace an existing DIR", &f.overwrite, {}, "-y"}},
          1,
          1,
          "  wfvae convert runs/checkpoint-2000.ckpt -o wfvae-2000\n"
          "  wfvae convert osp13/vae -o osp13-diffusers --dtype bf16\n"
          "  wfvae convert wfvae_888_dim32.ckpt --config opensoraplan1.5.json -o osp15-vae\n"};
}

CommandSpec bench_spec(BenchFlags& f) {
  BenchOptions& o = f.o;
  return {"bench",
          "wfvae bench (--model DIR | --config FILE) --frames T --size HxW [--device D] [--dtype T] [--chunked] "
          "[--tile N] [--reps N]",
          "Measure encode/decode latency (median over --reps) and peak memory.",
          "With --config only, the weights are random (speed does not depend on them). Peak memory\n"
          "is the CUDA allocator's peak on a GPU and the process's resident high-water mark on CPU.\n"
          "The first call of each (cold: oneDNN primitive creation on a CPU, cuDNN autotuning on a GPU)\n"
          "is reported apart; the medians are of the calls after --warmup.\n"
          "The last line is one JSON object (enc_ms, dec_ms, enc_cold_ms, dec_cold_ms, enc_peak_mb,\n"
          "dec_peak_mb, planned_activation_mb, ...).",
          {{"--model", "M", "a model folder, .safetensors or .ckpt file", &o.model},
           {"--config", "FILE", "a config.json: random weights; with --model, the config of its weights", &o.config},
           weights_flag(&o.weights,
                        "with --model, which weights of a training checkpoint: auto (EMA first), ema or "
                        "model"),
           {"--frames", "T", "frames (1 + 4k, or 1 + 8k for 8x models; default 17)", &o.frames},
           {"--size", "HxW", "frame size, multiples of 8 (default 256x256)", flags::Dims{&o.height, &o.width}},
           {"--device", "D", "cpu, cuda or auto (default auto)", &f.device},
           {"--dtype", "T", "f32 (default), bf16 or f16", &f.dtype},
           {"--chunked", "", "causal-cache chunked inference (the reference's enable_tiling)", &o.chunked},
           tile_flag(&f.tile, "spatial tiles of NxN pixels (default off)"),
           tile_overlap_flag(&f.overlap, "pixels neighbouring tiles share (default N/4)"),
           {"--reps", "N", "timed repetitions (default 3)", &o.reps},
           {"--warmup", "N", "untimed repetitions first (default 1)", &o.warmup},
           {"--norm-type", "T", "override norm_type (groupnorm|layernorm)", &o.norm_type},
           {"--num-groups", "G", "override the GroupNorm group count", &o.num_groups},
           {"--profile", "", "then one encode and decode with every operator and module timed (tables)", &o.profile}},
          0,
          0,
          "  wfvae bench --config ../shared/fixtures/wfvae-parity/gn-l8/config.json --frames 17 --size 128x128\n"};
}

CommandSpec doctor_spec(NoFlags&) {
  return {"doctor",
          "wfvae doctor",
          "Say what this machine and build can run WF-VAE on (LibTorch, CUDA, GPUs, CPU, OpenGL).",
          "Prints LibTorch's version and whether it has CUDA; the CUDA runtime, the driver's CUDA\n"
          "version and cuDNN; each GPU's name, compute capability and free/total memory; CPU threads,\n"
          "SIMD level, BLAS and oneDNN; and whether wfvae-studio gets an OpenGL 3.3 core context on\n"
          "this display. The studio shows the same under Help > About.",
          {},
          0,
          0,
          "  wfvae doctor\n  xvfb-run -a wfvae doctor    # the OpenGL check on a virtual display\n"};
}

}  // namespace

std::vector<Command> model_commands() {
  return {make_command(parity_spec, run_parity_cmd), make_command(info_spec, run_info_cmd),
          make_command(convert_spec, run_convert_cmd), make_command(bench_spec, run_bench_cmd),
          make_command(doctor_spec, run_doctor_cmd)};
}

}  // namespace wfvae::cli
