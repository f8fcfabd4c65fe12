#include "pipeline/recon.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>

#include "core/assets.h"
#include "core/error.h"
#include "core/fileutil.h"
#include "core/json.h"
#include "core/latent_norm.h"
#include "core/norm_setting.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "core/text.h"

namespace wfvae::pipeline {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

std::string fmt(double v, int decimals) { return text::fixed(v, decimals); }

std::string norm_desc(const ModelConfig& c) { return NormSetting::of(c).label(); }

// Frame t of a [1, C, T, H, W] tensor as [1, C, 1, H, W].
HostTensor frame_of(const HostTensor& v, int64_t t) {
  const int64_t C = v.shape[1], T = v.shape[2], plane = v.shape[3] * v.shape[4];
  HostTensor f({1, C, 1, v.shape[3], v.shape[4]});
  for (int64_t c = 0; c < C; ++c) std::copy_n(v.data.begin() + (c * T + t) * plane, plane, f.data.begin() + c * plane);
  return f;
}

// Frame t of the model's input as [1, 3, 1, H, W]: from the float tensor when it is
// kept, else from the 8-bit frame with frames_to_tensor's formula (the same values).
HostTensor input_frame(const ReconResult& res, int64_t t) {
  if (!res.input.empty()) return frame_of(res.input, t);
  const media::RgbFrame& f = res.input_frames.at(static_cast<size_t>(t));
  HostTensor out({1, 3, 1, f.height, f.width});
  const size_t plane = static_cast<size_t>(f.height) * f.width;
  for (int c = 0; c < 3; ++c)
    for (size_t p = 0; p < plane; ++p) out.data[c * plane + p] = static_cast<float>(f.rgb[p * 3 + c] / 127.5 - 1.0);
  return out;
}

json::Value number_array(const std::vector<double>& v) {
  json::Array a;
  for (double x : v) a.emplace_back(x);
  return json::Value(a);
}

// The memory a run may use. --max-memory is the whole process's budget: what it
// holds already (LibTorch, buffers) is spent, except the weights, which the plan
// counts itself. Otherwise what is free on the device (the GPU's free memory; on the
// CPU, host_budget), with the weights added back for the same reason.
planning::Budget memory_budget(const Vae& vae, int64_t max_memory) {
  planning::Budget b;
  const bool cpu = vae.device() == Device::CPU;
  if (max_memory > 0) {
    b.device_bytes = b.host_bytes = max_memory;
    b.source = "--max-memory";
    if (cpu)
      b.device_bytes = b.host_bytes =
          std::max<int64_t>(1, max_memory - std::max<int64_t>(0, planning::process_rss_bytes() - vae.weight_bytes()));
    return b;
  }
  b = planning::host_budget();
  if (!cpu) {
    b.device_bytes = device_free_bytes(Device::CUDA);
    b.source = "GPU free memory";
  }
  if (b.device_bytes > 0) b.device_bytes += vae.weight_bytes();
  if (cpu && b.host_bytes > 0) b.host_bytes = b.device_bytes;
  return b;
}

// One encode and decode of the request's input under res's plan (chunked, tile),
// streaming frames and their metrics to the caller as they are decoded. Metrics of
// streamed frames are kept (the final result reuses them) and their time is booked
// as metrics time, not decode time.
struct ModelRun {
  DecodeResult dec;
  std::vector<metrics::FrameMetrics> streamed;
  double streamed_metrics_ms = 0;
};

ModelRun run_model(Vae& vae, const ReconRequest& req, ReconResult& res, const ProgressFn& enc_progress,
                   const ProgressFn& dec_progress) {
  RunOptions ropt;
  ropt.chunked = res.chunked;
  ropt.tile = res.tile;
  ropt.keep_taps = req.keep_taps;
  ropt.cancel = req.cancel;
  ropt.progress = enc_progress;
  const auto t_enc = Clock::now();
  if (res.input.empty()) res.input = media::frames_to_tensor(res.input_frames);  // freed by an earlier try
  EncodeResult enc = vae.encode(res.input, ropt);
  res.timings.encode_ms = ms_since(t_enc);
  if (!req.keep_input_tensor) res.input = HostTensor();
  if (req.sample) res.latent_sample = vae.sample(enc, req.seed);
  res.latent_mean = std::move(enc.mean);
  res.latent_logvar = std::move(enc.logvar);
  res.taps.wavelet_in = std::move(enc.wavelet_in);
  res.taps.enc_l1 = std::move(enc.l1_coeffs);
  res.taps.enc_l2 = std::move(enc.l2_coeffs);
  const HostTensor* latent = req.sample ? &res.latent_sample : &res.latent_mean;

  ModelRun run;
  RunOptions dec_opt = ropt;
  dec_opt.progress = dec_progress;
  if (req.on_frames || req.on_frame_metrics) {
    dec_opt.on_frames = [&](int64_t first, const HostTensor& frames) {
      if (req.on_frames) req.on_frames(first, media::tensor_to_frames(frames));
      if (!req.on_frame_metrics) return;
      const auto t0 = Clock::now();
      std::vector<metrics::FrameMetrics> m(static_cast<size_t>(frames.shape[2]));
      parallel_for(frames.shape[2], [&](int64_t i) {
        m[static_cast<size_t>(i)] = metrics::compare_frame(input_frame(res, first + i), frame_of(frames, i), 0);
      });
      if (first == static_cast<int64_t>(run.streamed.size()))
        run.streamed.insert(run.streamed.end(), m.begin(), m.end());
      run.streamed_metrics_ms += ms_since(t0);
      req.on_frame_metrics(first, m);
    };
  }
  const auto t_dec = Clock::now();
  run.dec = vae.decode(*latent, dec_opt);
  res.timings.decode_ms = ms_since(t_dec) - run.streamed_metrics_ms;
  return run;
}

}  // namespace

void check_request(const ReconRequest& r) {
  if ((r.height == 0) != (r.width == 0)) fail_usage("give both height and width, or neither");
  if (r.height < 0 || r.width < 0) fail_usage("size must be positive");
  if (r.height % 8 || r.width % 8) {
    auto near = [](int v) {
      const int lo = std::max(8, v / 8 * 8), hi = (v + 7) / 8 * 8;
      return lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi);
    };
    fail_usage("size " + std::to_string(r.height) + "x" + std::to_string(r.width) +
               ": height and width must be multiples of 8 (WF-VAE downsamples by 8); nearest: height " +
               near(r.height) + ", width " + near(r.width));
  }
  if (r.height > media::kMaxFrameSide || r.width > media::kMaxFrameSide)
    fail_usage("size " + std::to_string(r.height) + "x" + std::to_string(r.width) + " is larger than " +
               std::to_string(media::kMaxFrameSide) + " per side");
  if (r.frames < 0) fail_usage("frame count must not be negative");
  if (r.stride < 1) fail_usage("stride must be at least 1 (got " + std::to_string(r.stride) + ")");
  if (r.start_time_s && r.start_frame) fail_usage("give a start time or a start frame, not both");
  if (r.start_time_s && !(*r.start_time_s >= 0)) fail_usage("start time must be >= 0 seconds");
  if (r.start_frame && *r.start_frame < 0) fail_usage("start frame must be >= 0");
  if (r.num_groups < 0) fail_usage("num_groups must be positive");
  if (r.max_short_side < 0) fail_usage("max_short_side must not be negative");
  if (r.tile > 0)
    tiling::check_tile_size({r.tile, r.tile_overlap >= 0 ? r.tile_overlap : tiling::default_overlap(r.tile)});
  if (r.tile == 0 && r.tile_overlap > 0) fail_usage("a tile overlap was given, but tiling is off");
  if (r.tile_overlap >= 0 && (r.tile_overlap % 8))
    fail_usage("tile overlap " + std::to_string(r.tile_overlap) + ": must be a multiple of 8");
  if (r.max_memory < 0) fail_usage("the memory budget must be positive");
}

fs::path resolve_model(const fs::path& model) {
  if (!model.empty()) return model;
  if (auto d = find_default_model()) return *d;
  fail_input(no_default_model_message());
}

namespace {

// The model before decoding (its temporal compression decides the frame count):
// the preloaded one or one loaded here (into `owned`), with the norm override applied.
Vae* prepare_model(const ReconRequest& req, ReconResult& res, std::unique_ptr<Vae>& owned) {
  Vae* vae = req.vae;
  if (!vae) {
    const fs::path model = resolve_model(req.model);
    if (req.progress) req.progress(0.0, "load model");
    const auto t0 = Clock::now();
    owned = Vae::load(model, req.device, req.dtype, req.load);
    res.timings.load_ms = ms_since(t0);
    vae = owned.get();
    res.model = model.string();
  } else {
    // A preloaded model: name the folder its config came from, when it has one.
    const LoadReport& lr = vae->load_report();
    res.model = !lr.config_path.empty()   ? fs::path(lr.config_path).parent_path().string()
                : lr.weights_path.empty() ? "(preloaded, random weights)"
                                          : lr.weights_path;
  }
  if (!req.norm_type.empty() || req.num_groups > 0) {
    const ModelConfig& c = vae->config();
    const std::string type = req.norm_type.empty() ? c.norm_type : req.norm_type;
    const int groups = req.num_groups > 0 ? req.num_groups : c.norm_num_groups;
    if (req.num_groups > 0 && type != "groupnorm")
      fail_usage("num_groups applies to groupnorm only (norm_type is " + type + ")");
    const std::string msg = vae->set_norm(type, groups);
    const ModelConfig& now = vae->config();
    const ModelConfig& trained = vae->trained_config();
    const bool as_trained = now.norm_type == trained.norm_type &&
                            (now.norm_type != "groupnorm" || now.norm_num_groups == trained.norm_num_groups);
    if (!msg.empty())
      res.notes.push_back({as_trained ? NoteKind::NormChanged : NoteKind::NormDiffersFromTraining, msg});
  }
  res.config = vae->config();
  res.trained_config = vae->trained_config();
  res.device = device_name(vae->device());
  res.dtype = dtype_name(vae->dtype());
  res.chunked = req.chunked;
  res.sample = req.sample;
  res.seed = req.seed;
  res.stride = req.stride;
  return vae;
}

// The model input size: asked, or chosen from the source (noted).
void choose_size(const ReconRequest& req, const media::VideoInfo& info, ReconResult& res, int* height, int* width) {
  int& h = *height;
  int& w = *width;
  h = req.height, w = req.width;
  if (h == 0) {
    media::default_size(info.height, info.width, req.max_short_side, &h, &w);
    res.default_size = true;
    res.notes.push_back(
        {NoteKind::SizeChosen, "size " + std::to_string(h) + "x" + std::to_string(w) + " chosen from the source's " +
                                   std::to_string(info.height) + "x" + std::to_string(info.width) +
                                   " (multiples of 8, short side at most " + std::to_string(req.max_short_side) + ")"});
  }
}

// What the planner weighs for `frames` frames of h x w through this model.
planning::Workload workload_for(Vae& vae, const ReconRequest& req, int64_t frames, int h, int w) {
  planning::Workload wl;
  wl.frames = frames;
  wl.height = h;
  wl.width = w;
  wl.dtype_bytes = vae.dtype() == ComputeDType::F32 ? 4 : 2;
  wl.on_gpu = vae.device() == Device::CUDA;
  wl.keeps_input_tensor = req.keep_input_tensor;
  wl.weight_bytes = vae.weight_bytes();
  wl.conv_scratch_bytes = vae.conv_scratch_bytes();
  const auto chunks = vae.chunk_frames(frames);
  // A chunked request that cannot chunk fails in the model with its own message.
  wl.can_chunk = chunks.first > 0 || (req.chunked && !req.direct_if_unchunkable);
  wl.enc_chunk_frames = chunks.first > 0 ? chunks.first : static_cast<int>(std::min<int64_t>(frames, 1 << 20));
  wl.dec_chunk_frames = chunks.second > 0 ? chunks.second : wl.enc_chunk_frames;
  return wl;
}

// Refuse before reading when even the leanest plan cannot hold the frames the source
// will give (its count as stored, after start and stride).
void refuse_if_nothing_fits(Vae& vae, const ReconRequest& req, const media::VideoInfo& info, const ReconResult& res,
                            int h, int w) {
  const int tc = res.config.temporal_compression();
  int64_t expect = info.frame_count > 0 ? info.frame_count : static_cast<int64_t>(info.duration_s * info.fps);
  if (req.start_frame) expect -= *req.start_frame;
  if (req.start_time_s) expect -= static_cast<int64_t>(*req.start_time_s * info.fps);
  expect = (std::max<int64_t>(0, expect) + req.stride - 1) / req.stride;
  if (req.frames > 0) expect = std::min(expect, req.frames);
  expect = media::largest_valid_frame_count(expect, tc);
  if (expect <= 0) return;
  const planning::Workload wl = workload_for(vae, req, expect, h, w);
  planning::choose(planning::candidate_plans(res.config, wl, req.chunked, req.tile, req.tile_overlap), wl, res.budget);
}

// Read: decode with resizing on the fly (a long HD source costs only model-size
// frames), trimmed to 1 + k * temporal compression frames, as the model's input; a
// chunked request with too few frames to chunk runs direct when the caller allows it.
void read_input(const ReconRequest& req, Vae& vae, int h, int w, const ProgressFn& progress, ReconResult& res) {
  const CancelToken* cancel = req.cancel;
  const int tc = res.config.temporal_compression();
  media::DecodeOptions dopt;
  dopt.start_time_s = req.start_time_s;
  dopt.start_frame = req.start_frame;
  dopt.stride = req.stride;
  dopt.max_frames = req.frames > 0 ? req.frames : 0;
  dopt.transform = [h, w](media::RgbFrame f) { return media::resize_center_crop(f, h, w); };
  media::DecodedVideo decoded = media::decode_video(req.input, dopt, progress, cancel);
  res.source = decoded.info;
  for (const auto& n : decoded.info.notes) res.notes.push_back({NoteKind::Info, n});

  const int64_t got = static_cast<int64_t>(decoded.frames.size());
  const int64_t use = media::largest_valid_frame_count(got, tc);
  if (req.frames > 0 && got < req.frames)
    res.notes.push_back({NoteKind::FewerFramesThanAsked, std::to_string(req.frames) + " frames asked for, but only " +
                                                             std::to_string(got) +
                                                             " are available after start and stride"});
  if (use != got)
    res.notes.push_back({NoteKind::FramesTrimmed, "using " + std::to_string(use) + " of " + std::to_string(got) +
                                                      " frames: WF-VAE takes 1 + " + std::to_string(tc) + "k frames"});
  decoded.frames.resize(static_cast<size_t>(use));
  res.input_frames = std::move(decoded.frames);
  res.height = h;
  res.width = w;
  res.frames = use;
  res.fps = decoded.fps;
  for (const auto& f : res.input_frames) {
    res.source_indices.push_back(f.source_index);
    res.source_times.push_back(f.time_s);
  }
  res.input = media::frames_to_tensor(res.input_frames);
  if (req.chunked && req.direct_if_unchunkable && !vae.can_chunk(use)) {
    res.chunked = false;
    res.notes.push_back({NoteKind::RanDirect,
                         use == 1 ? "a single frame cannot be split into the reference's chunks: "
                                    "reconstructed in one pass (direct)"
                                  : std::to_string(use) + " frames are too few to split into the reference's chunks: "
                                                          "reconstructed in one pass (direct)"});
  }
}

// The plan: the first candidate (the user's own mode, then chunks, then smaller and
// smaller tiles) whose estimate fits the budget; none fits: refused here. Noted when
// it is not what was asked.
size_t choose_plan(const std::vector<planning::Plan>& plans, const planning::Workload& wl, const ReconRequest& req,
                   ReconResult& res) {
  size_t plan_index = planning::choose(plans, wl, res.budget);
  if (plans[plan_index].chunked != res.chunked || plans[plan_index].tile.tile != std::max(0, req.tile))
    res.notes.push_back({NoteKind::PlanChosen,
                         "memory plan: " + plans[plan_index].describe() + " (about " +
                             planning::format_bytes(plans[plan_index].device_peak(wl.on_gpu)) + " of " +
                             planning::format_bytes(res.budget.device_bytes) + " available, " + res.budget.source +
                             (plans[0].chunked != plans[plan_index].chunked
                                  ? "; chunked in time, GroupNorm statistics are per chunk as in the reference's "
                                    "enable_tiling"
                                  : "") +
                             ")"});
  return plan_index;
}

void apply_plan(const planning::Plan& plan, ReconResult& res) {
  res.plan = plan;
  res.chunked = plan.chunked;
  res.tile = plan.tile;
}

// Encode and decode under the plan; when an allocation fails anyway, free what the
// run held and redo it with the next plan down, saying so.
ModelRun run_with_fallback(Vae& vae, const ReconRequest& req, const std::vector<planning::Plan>& plans,
                           size_t plan_index, const ProgressFn& encode_progress, const ProgressFn& decode_progress,
                           ReconResult& res) {
  ModelRun run;
  for (;;) {
    try {
      run = run_model(vae, req, res, encode_progress, decode_progress);
      break;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::OutOfMemory || plan_index + 1 >= plans.size()) throw;
      run = {};
      vae.release_memory();
      // The engine's message without its advice: the retry is the advice taken.
      std::string what = e.what();
      what = what.substr(0, what.find("; try "));
      res.notes.push_back({NoteKind::OutOfMemoryRetry, "ran out of memory " + plans[plan_index].describe() + " (" +
                                                           what + "); redone " + plans[plan_index + 1].describe()});
      apply_plan(plans[++plan_index], res);
    }
  }
  return run;
}

// The decoder's output as the result's video and frames, checked against the input.
void take_output(ModelRun& run, ReconResult& res) {
  DecodeResult& dec = run.dec;
  res.recon = std::move(dec.video);
  res.taps.dec_l1 = std::move(dec.l1_coeffs);
  res.taps.dec_l2 = std::move(dec.l2_coeffs);
  const std::vector<int64_t> input_shape = {1, 3, res.frames, res.height, res.width};
  if (res.recon.shape != input_shape)
    fail_runtime("the decoder returned " + res.recon.shape_str() + " for an input of " + shape_string(input_shape));
  res.recon_frames = media::tensor_to_frames(res.recon);
  for (size_t i = 0; i < res.recon_frames.size(); ++i) {
    res.recon_frames[i].source_index = res.input_frames[i].source_index;
    res.recon_frames[i].time_s = res.input_frames[i].time_s;
  }
}

// Metrics on the float output (the reference's numbers) and on the bytes written;
// those computed while the chunks streamed in are reused.
void compute_metrics(ModelRun& run, const ReconRequest& req, ReconResult& res) {
  const CancelToken* cancel = req.cancel;
  std::vector<metrics::FrameMetrics>& streamed = run.streamed;
  const int h = res.height, w = res.width;
  if (req.progress) req.progress(0.92, "metrics");
  const auto t_met = Clock::now();
  if (static_cast<int64_t>(streamed.size()) == res.frames) {
    res.metrics.frames = std::move(streamed);  // compare_videos would compute exactly these again
    metrics::summarize(res.metrics);
  } else {
    res.metrics.frames.resize(static_cast<size_t>(res.frames));
    parallel_for(res.frames, [&](int64_t t) {
      res.metrics.frames[static_cast<size_t>(t)] =
          metrics::compare_frame(input_frame(res, t), frame_of(res.recon, t), 0);
    });
    metrics::summarize(res.metrics);
  }
  res.metrics_8bit.frames.resize(res.recon_frames.size());
  parallel_for(static_cast<int64_t>(res.recon_frames.size()), [&](int64_t i) {
    const size_t k = static_cast<size_t>(i);
    res.metrics_8bit.frames[k] =
        metrics::compare_rgb8(res.input_frames[k].rgb.data(), res.recon_frames[k].rgb.data(), h, w);
    if (cancel) cancel->check();
  });
  metrics::summarize(res.metrics_8bit);
  res.timings.metrics_ms = ms_since(t_met) + run.streamed_metrics_ms;
  if (std::min(h, w) < 11)
    res.notes.push_back(
        {NoteKind::SsimUndefined, "SSIM needs frames of at least 11x11 pixels; it is NaN (null in JSON) here"});
}

}  // namespace

ReconResult reconstruct(const ReconRequest& req) {
  if (req.input.empty()) fail_usage("no input video given");
  check_request(req);
  const auto t_start = Clock::now();
  ReconResult res;
  const CancelToken* cancel = req.cancel;
  auto stage = [&](double begin, double end) { return sub_progress(req.progress, begin, end); };

  // A bad input fails here, before the model loads.
  const auto t_probe = Clock::now();
  const media::VideoInfo info = media::probe(req.input);
  const double probe_ms = ms_since(t_probe);

  std::unique_ptr<Vae> owned;
  Vae* vae = prepare_model(req, res, owned);
  if (cancel) cancel->check();

  const auto t_read = Clock::now();
  int h = 0, w = 0;
  choose_size(req, info, res, &h, &w);
  res.budget = memory_budget(*vae, req.max_memory);  // before the frames are read: the plan counts them
  refuse_if_nothing_fits(*vae, req, info, res, h, w);
  read_input(req, *vae, h, w, stage(0.02, 0.12), res);
  res.timings.read_ms = ms_since(t_read) + probe_ms;

  const planning::Workload wl = workload_for(*vae, req, res.frames, h, w);
  const std::vector<planning::Plan> plans =
      planning::candidate_plans(res.config, wl, res.chunked, req.tile, req.tile_overlap);
  const size_t plan_index = choose_plan(plans, wl, req, res);
  apply_plan(plans[plan_index], res);
  if (cancel) cancel->check();
  if (req.on_input) req.on_input(res);

  ModelRun run = run_with_fallback(*vae, req, plans, plan_index, stage(0.12, 0.5), stage(0.5, 0.92), res);
  take_output(run, res);
  if (cancel) cancel->check();
  compute_metrics(run, req, res);
  res.timings.total_ms = ms_since(t_start);
  if (req.progress) req.progress(1.0, "done");
  return res;
}

// ---------------------------------------------------------------- exports

namespace {

std::string lower_ext(const fs::path& p) { return text::lower_extension(p); }

// For duplicate detection: absolute, normalised, without trailing slash.
std::string identity(const fs::path& p) {
  std::string s = fs::absolute(p).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

void check_exports(const ExportRequest& e, const fs::path& source) {
  struct Named {
    const char* what;
    const fs::path* path;
  };
  const Named all[] = {{"reconstruction", &e.recon},   {"input copy", &e.input}, {"side-by-side", &e.side_by_side},
                       {"difference", &e.difference},  {"latents", &e.latents},  {"metrics JSON", &e.metrics_json},
                       {"metrics CSV", &e.metrics_csv}};
  std::set<std::string> seen;
  const std::string src = source.empty() ? "" : identity(source);
  for (const auto& n : all) {
    if (n.path->empty()) continue;
    const std::string id = identity(*n.path);
    if (!seen.insert(id).second) fail_usage(n.path->string() + ": the same output path is given twice");
    if (id == src)
      fail_usage(n.path->string() + ": the " + std::string(n.what) + " output would overwrite the input video");
  }
  if (!e.recon.empty()) media::check_video_output(e.recon, e.overwrite);
  if (!e.input.empty()) {
    if (!media::is_lossless(media::format_for_path(e.input)))
      fail_usage(
          e.input.string() +
          ": the input copy must be lossless (.mkv, a PNG pattern or folder), so it is exactly what the model saw");
    media::check_video_output(e.input, e.overwrite);
  }
  if (!e.side_by_side.empty()) media::check_video_output(e.side_by_side, e.overwrite);
  if (!e.difference.empty()) media::check_video_output(e.difference, e.overwrite);
  if (!e.latents.empty()) {
    if (lower_ext(e.latents) != ".safetensors")
      fail_usage(e.latents.string() + ": latents are written as .safetensors");
    check_output_path(e.latents, e.overwrite);
  } else if (e.latents_normalized) {
    fail_usage("--normalized applies to the latents file: add --latents FILE.safetensors");
  }
  if (!e.metrics_json.empty()) {
    if (lower_ext(e.metrics_json) != ".json")
      fail_usage(e.metrics_json.string() + ": the metrics report is .json (use a .csv path for CSV)");
    check_output_path(e.metrics_json, e.overwrite);
  }
  if (!e.metrics_csv.empty()) {
    if (lower_ext(e.metrics_csv) != ".csv") fail_usage(e.metrics_csv.string() + ": the metrics table is .csv");
    check_output_path(e.metrics_csv, e.overwrite);
  }
  if (e.crf < 0 || e.crf > 51) fail_usage("CRF must be 0..51 (got " + std::to_string(e.crf) + ")");
  if (e.diff_gain < 1 || e.diff_gain > 255)
    fail_usage("difference gain must be 1..255 (got " + std::to_string(e.diff_gain) + ")");
}

json::Value source_json(const media::VideoInfo& info) {
  json::Value s = json::Object{};
  s["path"] = info.path;
  s["container"] = info.container;
  s["codec"] = info.codec;
  s["pixel_format"] = info.pixel_format;
  s["width"] = info.width;
  s["height"] = info.height;
  s["rotation"] = info.rotation;
  s["fps"] = info.fps;
  s["duration_s"] = info.duration_s;
  s["frame_count"] = info.frame_count;
  s["is_image"] = info.is_image;
  return s;
}

namespace {

json::Value metrics_block(const metrics::VideoMetrics& m) {
  json::Value j = json::Object{};
  std::vector<double> psnr, ssim, mse, blockiness;
  json::Array rgb;
  for (const auto& f : m.frames) {
    psnr.push_back(f.psnr);
    ssim.push_back(f.ssim);
    blockiness.push_back(f.blockiness);
    mse.push_back(f.mse);
    rgb.emplace_back(json::Array{f.psnr_rgb[0], f.psnr_rgb[1], f.psnr_rgb[2]});
  }
  j["psnr_per_frame"] = number_array(psnr);
  j["psnr_mean"] = m.psnr_mean;
  j["ssim_per_frame"] = number_array(ssim);
  j["ssim_mean"] = m.ssim_mean;
  j["blockiness_per_frame"] = number_array(blockiness);
  j["blockiness_mean"] = m.blockiness_mean;
  j["mse_per_frame"] = number_array(mse);
  j["psnr_rgb_per_frame"] = json::Value(rgb);
  j["psnr_rgb_mean"] = json::Array{m.psnr_rgb_mean[0], m.psnr_rgb_mean[1], m.psnr_rgb_mean[2]};
  return j;
}

json::Value model_json(const ReconResult& r) {
  json::Value m = json::Object{};
  m["path"] = r.model;
  m["config"] = r.config.to_json();
  m["summary"] = r.config.summary();
  m["norm_type"] = r.config.norm_type;
  m["num_groups"] = r.config.norm_num_groups;
  m["trained_norm_type"] = r.trained_config.norm_type;
  m["trained_num_groups"] = r.trained_config.norm_num_groups;
  m["temporal_compression"] = r.config.temporal_compression();
  return m;
}

json::Value run_json(const ReconResult& r) {
  json::Value j = json::Object{};
  j["device"] = r.device;
  j["dtype"] = r.dtype;
  j["chunked"] = r.chunked;
  j["tile"] = r.tile.tile;
  j["tile_overlap"] = r.tile.overlap;
  j["plan"] = r.plan.describe();
  j["plan_estimated_peak_bytes"] = r.plan.device_peak(r.device == "cuda");
  j["memory_budget_bytes"] = r.budget.device_bytes;
  j["memory_budget_source"] = r.budget.source;
  j["latent"] = r.sample ? "sample" : "mode";
  if (r.sample) j["seed"] = static_cast<int64_t>(r.seed);
  return j;
}

json::Value input_json(const ReconResult& r) {
  json::Value j = json::Object{};
  j["frames"] = r.frames;
  j["height"] = r.height;
  j["width"] = r.width;
  j["default_size"] = r.default_size;
  j["fps"] = r.fps;
  j["stride"] = r.stride;
  json::Array idx;
  for (int64_t i : r.source_indices) idx.emplace_back(i);
  j["source_frame_indices"] = json::Value(idx);
  j["source_times_s"] = number_array(r.source_times);
  j["preprocessing"] =
      "center crop to the target aspect from the short edge, antialiased bilinear resize (as "
      "torch interpolate(antialias=True, align_corners=True)), rounded to 8 bits, x = u8 / 127.5 - 1";
  return j;
}

json::Value timings_json(const ReconTimings& t) {
  json::Value j = json::Object{};
  j["load_ms"] = t.load_ms;
  j["read_ms"] = t.read_ms;
  j["encode_ms"] = t.encode_ms;
  j["decode_ms"] = t.decode_ms;
  j["metrics_ms"] = t.metrics_ms;
  j["total_ms"] = t.total_ms;
  return j;
}

std::string csv_num(double v) { return text::csv_number(v); }

}  // namespace

json::Value metrics_json(const ReconResult& r) {
  json::Value j = metrics_block(r.metrics);
  j["output_8bit"] = metrics_block(r.metrics_8bit);
  j["definition"] =
      "PSNR and SSIM as WF-VAE's causalvideovae/eval/cal_psnr.py and cal_ssim.py: RGB in [0, 1] (input (x + 1) / 2, "
      "reconstruction clamped to [-1, 1] first); PSNR per frame from the MSE over channels and pixels, mean over "
      "frames, 100 for identical frames (and for the mean when any frame is identical); SSIM per channel with an "
      "11x11 Gaussian window (sigma 1.5) over the valid region, C1 = 0.01^2, C2 = 0.03^2, mean over R, G, B and "
      "over frames. Blockiness (not in the reference): the mean absolute step between neighbouring pixels across "
      "the edges of the 8x8 latent cells over the mean step inside cells (channels and directions pooled, half an "
      "8-bit level added to both), the reconstruction's over the input's: 1 = no grid added. Top level: the float "
      "reconstruction; output_8bit: the 8-bit frames written to files.";
  j["source"] = source_json(r.source);
  j["input"] = input_json(r);
  j["model"] = model_json(r);
  j["run"] = run_json(r);
  j["timings_ms"] = timings_json(r.timings);
  json::Array notes;
  for (const auto& n : r.notes) notes.emplace_back(n.text);
  j["notes"] = json::Value(notes);
  j["tool"] = "wfvae recon";
  return j;
}

std::string metrics_csv(const ReconResult& r) {
  std::string out;
  auto meta = [&](const std::string& k, const std::string& v) {
    std::string one = v;
    std::replace(one.begin(), one.end(), '\n', ' ');
    out += "# " + k + ": " + one + "\n";
  };
  meta("source", r.source.path);
  meta("model", r.model);
  meta("config", json::dump(r.config.to_json()));
  meta("norm", norm_desc(r.config) + " (trained: " + norm_desc(r.trained_config) + ")");
  meta("size", std::to_string(r.frames) + " frames of " + std::to_string(r.height) + "x" + std::to_string(r.width) +
                   " at " + fmt(r.fps, 3) + " fps, stride " + std::to_string(r.stride));
  meta("run", "device " + r.device + ", dtype " + r.dtype + ", chunked " + (r.chunked ? "yes" : "no") + ", latent " +
                  (r.sample ? "sample (seed " + std::to_string(r.seed) + ")" : "mode"));
  meta("plan", r.plan.describe() + "; estimated peak " +
                   planning::format_bytes(r.plan.device_peak(r.device == "cuda")) + " of " +
                   planning::format_bytes(r.budget.device_bytes) + " (" + r.budget.source + ")");
  meta("timings_ms", "load " + fmt(r.timings.load_ms, 1) + ", read " + fmt(r.timings.read_ms, 1) + ", encode " +
                         fmt(r.timings.encode_ms, 1) + ", decode " + fmt(r.timings.decode_ms, 1) + ", metrics " +
                         fmt(r.timings.metrics_ms, 1));
  meta("definition",
       "psnr/ssim: float reconstruction as cal_psnr.py/cal_ssim.py; *_8bit: the 8-bit frames written; blockiness: "
       "steps across 8x8 latent-cell edges over steps inside cells, reconstruction over input (1 = no grid added)");
  for (const auto& n : r.notes) meta("note", n.text);
  out += "frame,source_index,time_s,psnr,ssim,psnr_r,psnr_g,psnr_b,mse,psnr_8bit,ssim_8bit,blockiness\n";
  for (size_t i = 0; i < r.metrics.frames.size(); ++i) {
    const auto& f = r.metrics.frames[i];
    const auto& b = r.metrics_8bit.frames[i];
    out += std::to_string(i) + "," + std::to_string(r.source_indices[i]) + "," + csv_num(r.source_times[i]) + "," +
           csv_num(f.psnr) + "," + csv_num(f.ssim) + "," + csv_num(f.psnr_rgb[0]) + "," + csv_num(f.psnr_rgb[1]) + "," +
           csv_num(f.psnr_rgb[2]) + "," + csv_num(f.mse) + "," + csv_num(b.psnr) + "," + csv_num(b.ssim) + "," +
           csv_num(f.blockiness) + "\n";
  }
  const auto& m = r.metrics;
  out += "mean,,," + csv_num(m.psnr_mean) + "," + csv_num(m.ssim_mean) + "," + csv_num(m.psnr_rgb_mean[0]) + "," +
         csv_num(m.psnr_rgb_mean[1]) + "," + csv_num(m.psnr_rgb_mean[2]) + ",," + csv_num(r.metrics_8bit.psnr_mean) +
         "," + csv_num(r.metrics_8bit.ssim_mean) + "," + csv_num(m.blockiness_mean) + "\n";
  return out;
}

std::vector<fs::path> write_exports(const ReconResult& r, const ExportRequest& e, const ProgressFn& progress,
                                    const CancelToken* cancel) {
  check_exports(e, {});
  // Everything goes to temporaries first; commits happen together at the end.
  std::vector<std::unique_ptr<media::PendingVideo>> videos;
  std::vector<std::unique_ptr<PendingOutput>> files;
  std::vector<fs::path> written;
  media::EncodeOptions vo;
  vo.fps = r.fps > 0 ? r.fps : 25;
  vo.crf = e.crf;
  vo.overwrite = e.overwrite;

  int total = 0, done = 0;
  for (const fs::path* p : {&e.recon, &e.input, &e.side_by_side, &e.difference}) total += !p->empty();
  auto step = [&]() {
    const double b = total ? static_cast<double>(done) / total : 0;
    const double en = total ? static_cast<double>(done + 1) / total : 1;
    ++done;
    return sub_progress(progress, b * 0.95, en * 0.95);
  };
  auto video = [&](const fs::path& p, const std::vector<media::RgbFrame>& frames) {
    if (p.empty()) return;
    videos.push_back(media::prepare_video(p, frames, vo, step(), cancel));
    written.push_back(p);
  };
  auto text = [&](const fs::path& p, const std::string& data) {
    if (p.empty()) return;
    files.push_back(std::make_unique<PendingOutput>(p, e.overwrite));
    std::ofstream f(files.back()->temp_path(), std::ios::binary);
    if (!f) fail_input(p.string() + ": cannot create");
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    f.flush();
    if (!f) fail_runtime(p.string() + ": write failed (disk full?)");
    written.push_back(p);
  };

  video(e.recon, r.recon_frames);
  video(e.input, r.input_frames);
  if (!e.side_by_side.empty()) video(e.side_by_side, media::side_by_side(r.input_frames, r.recon_frames));
  if (!e.difference.empty()) video(e.difference, media::difference(r.input_frames, r.recon_frames, e.diff_gain));
  if (cancel) cancel->check();

  if (!e.latents.empty()) {
    std::map<std::string, std::string> meta;
    meta["format"] = "wfvae-latents";
    meta["config"] = json::dump(r.config.to_json());
    meta["source"] = json::dump(source_json(r.source));
    meta["input"] = json::dump(input_json(r));
    meta["model"] = r.model;
    meta["latent"] = r.sample ? "sample" : "mode";
    if (r.sample) meta["seed"] = std::to_string(r.seed);
    // `latent` is what was decoded; normalised for diffusion with --normalized.
    HostTensor latent = r.sample ? r.latent_sample : r.latent_mean;
    json::Array sc, sh;
    for (double v : r.config.scale) sc.emplace_back(v);
    for (double v : r.config.shift) sh.emplace_back(v);
    meta["scale"] = json::dump(json::Value(sc));
    meta["shift"] = json::dump(json::Value(sh));
    meta["normalized"] = e.latents_normalized ? "true" : "false";
    if (e.latents_normalized) {
      normalize_latent(latent, r.config.scale, r.config.shift);
      meta["note"] =
          "'latent' is normalised: (z - shift) * scale per channel, with 'scale' and 'shift' here (the "
          "diffusion pipeline's form); 'mean', 'logvar' (and 'sample') are raw; wfvae decode reads it";
    } else {
      meta["note"] = "raw latents (no scale/shift): 'latent' is the one decoded ('sample' if present, else 'mean')";
    }
    std::vector<StTensorToWrite> t = {{"latent", StDType::F32, latent.shape, latent.data.data()},
                                      {"mean", StDType::F32, r.latent_mean.shape, r.latent_mean.data.data()},
                                      {"logvar", StDType::F32, r.latent_logvar.shape, r.latent_logvar.data.data()}};
    if (!r.latent_sample.empty())
      t.push_back({"sample", StDType::F32, r.latent_sample.shape, r.latent_sample.data.data()});
    text(e.latents, serialize_safetensors(t, meta));
  }
  if (!e.metrics_json.empty()) text(e.metrics_json, json::dump(metrics_json(r), 2) + "\n");
  if (!e.metrics_csv.empty()) text(e.metrics_csv, metrics_csv(r));
  if (cancel) cancel->check();

  for (auto& v : videos) v->commit();
  for (auto& f : files) f->commit();
  if (progress) progress(1.0, "written");
  return written;
}

}  // namespace wfvae::pipeline
