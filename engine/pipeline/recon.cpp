#include "pipeline/recon.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "core/assets.h"
#include "core/error.h"
#include "core/parallel.h"
#include "pipeline/perceptual_metrics.h"
#include "pipeline/plan.h"

namespace wfvae::pipeline {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

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
  if (req.encode_only) return run;
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

  ModelRun run;
  run_with_fallback(*vae, plans, plan_index, res, [&] {
    run = run_model(*vae, req, res, stage(0.12, req.encode_only ? 1.0 : 0.5), stage(0.5, 0.92));
  });
  if (req.encode_only) {
    res.timings.total_ms = ms_since(t_start);
    if (req.progress) req.progress(1.0, "done");
    return res;
  }
  take_output(run, res);
  if (cancel) cancel->check();
  compute_metrics(run, req, res);
  compute_perceptual_metrics(req, res);
  res.timings.total_ms = ms_since(t_start);
  if (req.progress) req.progress(1.0, "done");
  return res;
}

}  // namespace wfvae::pipeline
