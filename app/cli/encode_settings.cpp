#include "cli/encode_settings.h"

#include "core/assets.h"
#include "core/error.h"

namespace wfvae::cli {

std::vector<FlagSpec> encode_setting_flags(EncodeSettings& s, const std::string& seed_help) {
  pipeline::ReconRequest& r = s.r;
  std::vector<FlagSpec> out = {
      {"--model", "M",
       std::string("a model folder, .safetensors or .ckpt/.pt file (default: the bundled ") + kDefaultModelName + ")",
       &s.model}};
  for (auto& flag : model_source_flags(r.load)) out.push_back(std::move(flag));
  for (FlagSpec& flag : std::vector<FlagSpec>{
           {"--size", "HxW",
            "model input size, multiples of 8 (default: the source's, rounded down to 8, short side <= 512)",
            flags::Dims{&r.height, &r.width}},
           {"--frames", "N", "frames per input (default: all); trimmed to the largest 1 + 4k (1 + 8k) that fits",
            &s.frames},
           {"--start", "T", "where to start: seconds (2.5 or 2.5s) or a frame index (48f)",
            [&r](const std::string& v) { parse_start(v, &r.start_time_s, &r.start_frame); }},
           {"--stride", "K", "keep every K-th frame (the reference's --sample_rate; default 1)", &r.stride},
           {"--seed", "S", seed_help, &s.seed},
           {"--shard", "i/n", "encode the inputs at sorted positions p with p % n == i", &s.shard},
           {"--device", "D", "cpu, cuda or auto (default auto: CUDA when usable)", &s.device},
           {"--dtype", "T", "f32 (default), bf16 or f16", &s.dtype},
           {"--chunked", "", "causal-cache chunked inference (the reference's enable_tiling): less memory",
            &r.chunked}})
    out.push_back(std::move(flag));
  out.push_back(tile_flag(&r.tile,
                          "spatial tiles of NxN pixels (multiple of 8, >= 32), blended across the overlap; "
                          "auto (default: only when whole frames do not fit) or off"));
  out.push_back(
      tile_overlap_flag(&r.tile_overlap, "pixels neighbouring tiles share (multiple of 8, <= N/2; default N/4)"));
  out.push_back(max_memory_flag(&r.max_memory, "memory the run may use (e.g. 4G, 512M; default: what is free)"));
  return out;
}

std::vector<std::string> encode_setting_flag_names() {
  EncodeSettings unbound;
  std::vector<std::string> names;
  for (const FlagSpec& f : encode_setting_flags(unbound, "")) names.push_back(f.name);
  return names;
}

EncodeRun open_encode_run(EncodeSettings& s, const std::vector<std::string>& positional) {
  EncodeRun run;
  run.base = s.r;
  if (s.frames && *s.frames < 1) fail_usage("--frames must be at least 1");
  if (s.frames) run.base.frames = *s.frames;
  if (s.seed && *s.seed < 0) fail_usage("--seed must not be negative");
  run.seed = static_cast<uint64_t>(s.seed.value_or(0));
  run.base.device = device_option(s.device);
  run.base.dtype = parse_dtype(s.dtype);
  run.base.keep_input_tensor = false;
  pipeline::check_request(run.base);
  run.inputs = pipeline::sharded_inputs(positional, s.shard);
  run.model = pipeline::resolve_model(s.model);
  resolve_model_files(run.model, run.base.load.config);
  run.vae = Vae::load(run.model, run.base.device, run.base.dtype, run.base.load);
  run.base.vae = run.vae.get();
  return run;
}

}  // namespace wfvae::cli
