#include "jobs/engine_jobs.h"

#include "pipeline/perceptual_metrics.h"
#include "pipeline/decode_latents.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/metrics.h"
#include "core/norm_setting.h"
#include "runtime/bench.h"

namespace wfvae::studio {

Device device_from(const std::string& name) { return name == "cuda" ? Device::CUDA : Device::CPU; }

ComputeDType dtype_from(const std::string& name) {
  return name == "bf16" ? ComputeDType::BF16 : name == "f16" ? ComputeDType::F16 : ComputeDType::F32;
}

ModelInfo describe_model(const Vae& vae, const std::string& path) {
  ModelInfo m;
  m.loaded = true;
  m.path = path;
  m.name = model_display_name(path);
  m.config = vae.config();
  m.trained = vae.trained_config();
  const LoadReport& r = vae.load_report();
  m.report_text = r.text();
  m.report_notes = r.notes;
  m.report_clean = r.clean();
  m.num_parameters = vae.num_parameters();
  m.stored_dtype = r.stored_dtype;
  m.weights_format = r.weights_format;
  m.state_dict = r.state_dict;
  m.latent_norm_ok = r.latent_norm_ok;
  m.latent_norm = r.latent_norm;
  m.device = device_name(vae.device());
  m.dtype = dtype_name(vae.dtype());
  m.valid_groups = m.trained.valid_num_groups();
  return m;
}

Worker::JobFn make_load_model_job(std::shared_ptr<Engine> engine, std::string path, std::string device,
                                  std::string dtype, std::function<void(ModelInfo)> on_loaded) {
  return [=](JobContext& ctx) {
    if (ctx.progress) ctx.progress(0.1, "load model");
    const Device dev = device == "cuda" && cuda_available() ? Device::CUDA : Device::CPU;
    std::unique_ptr<Vae> vae = Vae::load(path, dev, dtype_from(dtype));
    ModelInfo info = describe_model(*vae, path);
    // Swap only after a successful load: a bad model leaves the previous one in place.
    engine->vae = std::move(vae);
    engine->path = path;
    ctx.post([on_loaded, info] { on_loaded(info); });
  };
}

namespace {

std::shared_ptr<Clip> clip_from(const pipeline::ReconResult& r, const std::string& path) {
  auto c = std::make_shared<Clip>();
  c->path = path;
  c->source = r.source;
  c->height = r.height;
  c->width = r.width;
  c->fps = r.fps > 0 ? r.fps : 25;
  c->source_indices = r.source_indices;
  c->source_times = r.source_times;
  c->frames = r.input_frames;
  c->notes = r.notes;
  return c;
}

std::optional<RunDelta> delta_between(const HostTensor& a, const HostTensor& b) {
  if (a.empty() || a.shape != b.shape) return std::nullopt;
  RunDelta d;
  double sum_abs = 0, sum_sq = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double x = a.data[i], y = b.data[i];
    const double diff = std::fabs(x - y);
    d.max_abs = std::max(d.max_abs, diff);
    sum_abs += diff;
    // As the metrics: clamp to [-1, 1], compare on [0, 1].
    const double e = (std::clamp(x, -1.0, 1.0) - std::clamp(y, -1.0, 1.0)) / 2.0;
    sum_sq += e * e;
  }
  const double n = static_cast<double>(a.data.size());
  d.mean_abs = sum_abs / n;
  d.psnr = metrics::psnr_from_mse(sum_sq / n);
  return d;
}

}  // namespace

Worker::JobFn make_recon_job(std::shared_ptr<Engine> engine, std::string input, RunSettings settings,
                             std::shared_ptr<const pipeline::ReconResult> previous, int previous_id,
                             std::string previous_label, ReconCallbacks cb) {
  return [=](JobContext& ctx) {
    try {
      if (!engine->vae)
        fail_input("no model is loaded: open a model folder (File > Open Model) or drop one on the window");
      Vae& vae = *engine->vae;
      const Device dev = device_from(settings.device);
      const ComputeDType dt = dtype_from(settings.dtype);
      if (vae.device() != dev || vae.dtype() != dt) {
        if (ctx.progress) ctx.progress(0.0, "move model to " + settings.device + "/" + settings.dtype);
        vae.to(dev, dt);
      }
      pipeline::ReconRequest req;
      req.input = input;
      req.vae = &vae;
      req.norm_type = settings.norm_type;
      req.num_groups = settings.norm_type == "groupnorm" ? settings.num_groups : 0;
      req.chunked = settings.chunked;
      req.tile = settings.tile;
      req.direct_if_unchunkable = true;  // a still image or a few frames: one pass, with a note
      req.keep_taps = true;
      req.max_short_side = settings.max_short_side;
      req.frames = settings.frames;
      req.progress = ctx.progress;
      req.cancel = ctx.cancel;
      req.on_input = [&](const pipeline::ReconResult& partial) {
        auto clip = clip_from(partial, input);
        ctx.post([cb, clip] { cb.on_input(clip); });
        if (req.chunked && !partial.chunked) ctx.post([cb] { cb.on_direct_fallback(); });
      };
      req.on_frames = [&](int64_t first, const std::vector<media::RgbFrame>& frames) {
        ctx.post([cb, first, frames] { cb.on_frames(first, frames); });
      };
      req.on_frame_metrics = [&](int64_t first, const std::vector<metrics::FrameMetrics>& m) {
        ctx.post([cb, first, m] { cb.on_metrics(first, m); });
      };
      auto result = std::make_shared<pipeline::ReconResult>(pipeline::reconstruct(req));
      std::optional<RunDelta> delta;
      if (previous) {
        delta = delta_between(previous->recon, result->recon);
        if (delta) {
          delta->other_run = previous_id;
          delta->other_label = previous_label;
        }
      }
      // The studio shows frames and coefficients it computes itself; these two
      // video-sized tensors are not needed after the run.
      result->input = HostTensor();
      result->taps.wavelet_in = HostTensor();
      ModelInfo info = describe_model(vae, engine->path);
      std::shared_ptr<const pipeline::ReconResult> done = result;
      ctx.post([cb, done, delta, info] { cb.on_done(done, delta, info); });
    } catch (const Error& e) {
      // A cancelled or failed run gives its memory back at once (on a GPU, the
      // allocator's cached blocks too), not when the next run happens to reuse it.
      if (engine->vae) {
        try {
          engine->vae->release_memory();
        } catch (const Error&) {
        }
      }
      const Run::State s = e.kind() == ErrorKind::Cancelled ? Run::State::Cancelled : Run::State::Failed;
      const std::string msg = e.what();
      ctx.post([cb, s, msg] { cb.on_failed(s, msg); });
      throw;
    } catch (const std::exception& e) {
      const std::string msg = e.what();
      ctx.post([cb, msg] { cb.on_failed(Run::State::Failed, msg); });
      throw;
    }
  };
}

// ---------------------------------------------------------------- LPIPS

namespace {

namespace fs = std::filesystem;

// One of the two weight files: the flag's, else the saved one, else the standard places.
void find_weight(const std::string& flag_value, const char* flag, const std::string& saved,
                 const perceptual::WeightSearch& search, const std::string& what, std::string* path, std::string* from,
                 LpipsWeights* w) {
  std::error_code ec;
  auto add_missing = [&](const std::string& line) { w->missing += (w->missing.empty() ? "" : "\n") + line; };
  if (!flag_value.empty()) {
    const fs::path p = fs::absolute(flag_value, ec).lexically_normal();
    if (fs::is_regular_file(p, ec)) {
      *path = p.string();
      *from = flag;
    } else {
      const std::string line =
          what + ": " + p.string() + " (given with " + flag + ") is not a file; " + search.how_to_get;
      add_missing(line);
    }
    return;
  }
  if (!saved.empty() && fs::is_regular_file(saved, ec)) {
    *path = saved;
    *from = "settings";
  } else if (!search.found.empty()) {
    *path = search.found.string();
    *from = "standard place";
  } else {
    add_missing(search.missing_message(what));
  }
}

perceptual::Lpips& engine_lpips(Engine& e, const LpipsWeights& w, const std::string& device) {
  const Device dev = device == "cuda" && cuda_available() ? Device::CUDA : Device::CPU;
  const std::string key = w.alexnet + "|" + w.lin + "|" + device_name(dev);
  if (!e.lpips || e.lpips_key != key) {
    e.lpips.reset();
    e.lpips_key.clear();
    e.lpips = perceptual::Lpips::load(w.alexnet, w.lin, dev);
    e.lpips_key = key;
  }
  return *e.lpips;
}

// Every frame of a finished run through LPIPS, chunk by chunk: on_chunk(first,
// scores, maps) after each (maps only with keep_maps).
void lpips_of_run(const perceptual::Lpips& lp, const pipeline::ReconResult& r, bool keep_maps,
                  const CancelToken* cancel, const ProgressFn& progress,
                  const std::function<void(int64_t, std::vector<double>, std::vector<LpipsMap>)>& on_chunk) {
  if (r.recon.shape.size() != 5 || r.recon.dim(1) != 3)
    throw Error(ErrorKind::Runtime, "LPIPS: the run kept no float reconstruction");
  const int64_t T = std::min<int64_t>(r.recon.dim(2), static_cast<int64_t>(r.input_frames.size()));
  const int H = static_cast<int>(r.recon.dim(3)), W = static_cast<int>(r.recon.dim(4));
  const int64_t per = pipeline::lpips_chunk_frames(H, W);
  for (int64_t first = 0; first < T; first += per) {
    if (cancel) cancel->check();
    const int64_t n = std::min(per, T - first);
    HostTensor x0, x1;
    pipeline::lpips_inputs(r, first, n, &x0, &x1);
    const HostTensor map = lp.spatial_map(x0, x1);  // [n, 1, H, W]
    const size_t plane = static_cast<size_t>(H) * W;
    std::vector<double> scores = perceptual::lpips_frame_scores(map);
    std::vector<LpipsMap> maps;
    for (int64_t k = 0; k < n && keep_maps; ++k) {
      LpipsMap m;
      m.height = H;
      m.width = W;
      const auto begin = map.data.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(k) * plane);
      m.values = std::vector<float>(begin, begin + static_cast<std::ptrdiff_t>(plane));
      std::vector<float> sorted = m.values;
      const size_t q = std::min(plane - 1, static_cast<size_t>(0.99 * static_cast<double>(plane)));
      std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(q), sorted.end());
      m.p99 = sorted[q];
      maps.push_back(std::move(m));
    }
    on_chunk(first, std::move(scores), std::move(maps));
    if (progress)
      progress(static_cast<double>(first + n) / static_cast<double>(T),
               fmt("LPIPS %lld of %lld frames", static_cast<long long>(first + n), static_cast<long long>(T)));
  }
}

}  // namespace

LpipsWeights find_lpips_weights(const std::string& alexnet_flag, const std::string& lin_flag,
                                const std::string& alexnet_saved, const std::string& lin_saved) {
  LpipsWeights w;
  find_weight(alexnet_flag, "--lpips-alexnet", alexnet_saved, perceptual::find_alexnet_weights(),
              "LPIPS's AlexNet weights (torchvision's alexnet-owt-7be5be79.pth)", &w.alexnet, &w.alexnet_from, &w);
  find_weight(lin_flag, "--lpips-lin", lin_saved, perceptual::find_lpips_lin_weights(),
              "LPIPS's linear heads (lpips' weights/v0.1/alex.pth)", &w.lin, &w.lin_from, &w);
  return w;
}

Worker::JobFn make_lpips_job(std::shared_ptr<Engine> engine, LpipsRequest req, LpipsCallbacks cb) {
  return [=](JobContext& ctx) {
    const auto start = std::chrono::steady_clock::now();
    auto finished = [&](RunLpips::State state, std::string message, bool weights_unusable) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      ctx.post([cb, state, message, weights_unusable, ms] { cb.on_finished(state, message, weights_unusable, ms); });
    };
    const perceptual::Lpips* lp = nullptr;
    try {
      if (ctx.progress) ctx.progress(0, "load LPIPS weights");
      lp = &engine_lpips(*engine, req.weights, req.device);
    } catch (const std::exception& e) {
      finished(RunLpips::State::Failed, e.what(), true);
      throw;
    }
    try {
      lpips_of_run(*lp, *req.result, true, ctx.cancel, ctx.progress,
                   [&](int64_t first, std::vector<double> scores, std::vector<LpipsMap> maps) {
                     auto shared = std::make_shared<std::vector<LpipsMap>>(std::move(maps));
                     ctx.post([cb, first, scores, shared] { cb.on_frames(first, scores, std::move(*shared)); });
                   });
      finished(RunLpips::State::Done, "", false);
    } catch (const Error& e) {
      const bool cancelled = e.kind() == ErrorKind::Cancelled;
      finished(cancelled ? RunLpips::State::Cancelled : RunLpips::State::Failed, cancelled ? "cancelled" : e.what(),
               false);
      throw;
    } catch (const std::exception& e) {
      finished(RunLpips::State::Failed, e.what(), false);
      throw;
    }
  };
}

Worker::JobFn make_decode_job(std::string input, int max_short_side, int64_t frames,
                              std::function<void(std::shared_ptr<Clip>)> on_clip) {
  return [=](JobContext& ctx) {
    const media::VideoInfo info = media::probe(input);
    int h = 0, w = 0;
    media::default_size(info.height, info.width, max_short_side, &h, &w);
    media::DecodeOptions o;
    o.max_frames = frames;
    o.transform = [h, w](media::RgbFrame f) { return media::resize_center_crop(f, h, w); };
    media::DecodedVideo v = media::decode_video(input, o, ctx.progress, ctx.cancel);
    // Trimmed as a run would (WF-VAE's 4x temporal compression), so a later run keeps this clip.
    const int64_t use = media::largest_valid_frame_count(static_cast<int64_t>(v.frames.size()), 4);
    auto clip = std::make_shared<Clip>();
    clip->path = input;
    clip->source = v.info;
    clip->height = h;
    clip->width = w;
    clip->fps = v.fps > 0 ? v.fps : 25;
    if (use != static_cast<int64_t>(v.frames.size()))
      clip->notes.push_back({pipeline::NoteKind::FramesTrimmed, "showing " + std::to_string(use) + " of " +
                                                                    std::to_string(v.frames.size()) +
                                                                    " frames (1 + 4k, as a reconstruction would use)"});
    v.frames.resize(static_cast<size_t>(use));
    for (const auto& f : v.frames) {
      clip->source_indices.push_back(f.source_index);
      clip->source_times.push_back(f.time_s);
    }
    clip->frames = std::move(v.frames);
    for (const auto& n : v.info.notes) clip->notes.push_back({pipeline::NoteKind::Info, n});
    ctx.post([on_clip, clip] { on_clip(clip); });
  };
}

Worker::JobFn make_decode_latents_job(std::shared_ptr<Engine> engine, std::string path, bool chunked,
                                      std::function<void(std::shared_ptr<Clip>, std::string source)> on_clip) {
  return [=](JobContext& ctx) {
    if (!engine->vae) fail_usage(path + ": latents need a model to decode them: open one (Ctrl+M)");
    const pipeline::LatentFile file = pipeline::read_latent_file(path);
    pipeline::DecodeLatentsResult d =
        pipeline::decode_latents(*engine->vae, file, chunked, sub_progress(ctx.progress, 0, 0.95), ctx.cancel);
    auto clip = std::make_shared<Clip>();
    clip->path = path;
    clip->decoded_by = engine->path;
    clip->fps = file.fps > 0 ? file.fps : 25;
    clip->height = d.frames.empty() ? 0 : d.frames[0].height;
    clip->width = d.frames.empty() ? 0 : d.frames[0].width;
    clip->source.path = path;
    clip->source.container = "latents";
    clip->source.codec = "WF-VAE decode of \"" + file.tensor + "\"";
    clip->source.width = clip->width;
    clip->source.height = clip->height;
    clip->source.fps = clip->fps;
    clip->source.frame_count = static_cast<int64_t>(d.frames.size());
    for (size_t i = 0; i < d.frames.size(); ++i) {
      clip->source_indices.push_back(static_cast<int64_t>(i));
      clip->source_times.push_back(static_cast<double>(i) / clip->fps);
    }
    clip->frames = std::move(d.frames);
    clip->notes.push_back(
        {pipeline::NoteKind::Info, fmt("decoded from latents: %lld latent frames, %s",
                                       static_cast<long long>(d.latent_frames), d.chunked ? "chunked" : "whole")});
    for (auto& n : d.notes) clip->notes.push_back({pipeline::NoteKind::Info, n});
    std::error_code ec;
    const std::string source = !file.source.empty() && fs::is_regular_file(file.source, ec) ? file.source : "";
    ctx.post([on_clip, clip, source] { on_clip(clip, source); });
  };
}

Worker::JobFn make_compare_file_job(std::string path, std::shared_ptr<const Clip> clip,
                                    std::function<void(std::shared_ptr<CompareFile>)> on_done) {
  return [=](JobContext& ctx) {
    auto cf = std::make_shared<CompareFile>();
    cf->clip_id = clip->id;
    cf->path = path;
    cf->source = media::probe(path);
    const int h = clip->height, w = clip->width;
    media::DecodeOptions o;
    o.max_frames = clip->count();
    o.transform = [h, w](media::RgbFrame f) { return media::resize_center_crop(f, h, w); };
    media::DecodedVideo v = media::decode_video(path, o, sub_progress(ctx.progress, 0, 0.6), ctx.cancel);
    cf->frames = std::move(v.frames);
    if (cf->frames.size() < static_cast<size_t>(clip->count()))
      cf->notes.push_back("B has " + std::to_string(cf->frames.size()) + " frames, the clip " +
                          std::to_string(clip->count()) + ": later frames have nothing to compare");
    if (cf->source.width != clip->source.width || cf->source.height != clip->source.height)
      cf->notes.push_back("B is " + std::to_string(cf->source.width) + "x" + std::to_string(cf->source.height) +
                          ", resized and cropped to the clip's " + std::to_string(w) + "x" + std::to_string(h));
    if (v.fps > 0 && clip->fps > 0 && std::fabs(v.fps - clip->fps) > 1e-3)
      cf->notes.push_back(
          fmt("B runs at %.3f fps, the clip at %.3f fps: frames are paired by index", v.fps, clip->fps));
    double ps = 0, ss = 0;
    for (size_t i = 0; i < cf->frames.size(); ++i) {
      if (ctx.cancel) ctx.cancel->check();
      cf->metrics.push_back(metrics::compare_rgb8(clip->frames[i].rgb.data(), cf->frames[i].rgb.data(), h, w));
      ps += cf->metrics.back().psnr;
      ss += cf->metrics.back().ssim;
      if (ctx.progress) ctx.progress(0.6 + 0.4 * (i + 1) / cf->frames.size(), "metrics");
    }
    if (!cf->metrics.empty()) {
      cf->psnr_mean = ps / cf->metrics.size();
      cf->ssim_mean = ss / cf->metrics.size();
    }
    ctx.post([on_done, cf] { on_done(cf); });
  };
}

Worker::JobFn make_export_job(std::shared_ptr<const pipeline::ReconResult> result, pipeline::ExportRequest request,
                              std::optional<ViewPng> view_png,
                              std::function<void(std::vector<std::filesystem::path>)> on_done) {
  return [=](JobContext& ctx) {
    std::vector<std::filesystem::path> written =
        pipeline::write_exports(*result, request, sub_progress(ctx.progress, 0, 0.95), ctx.cancel);
    if (view_png) {
      media::write_png(view_png->path, view_png->image, request.overwrite);
      written.push_back(view_png->path);
    }
    if (ctx.progress) ctx.progress(1.0, "written");
    ctx.post([on_done, written] { on_done(written); });
  };
}

media::RgbFrame thumbnail(const media::RgbFrame& f, int max_height) {
  if (f.height <= max_height) return f;
  const double s = static_cast<double>(f.height) / max_height;
  media::RgbFrame t;
  t.height = max_height;
  t.width = std::max(1, static_cast<int>(std::lround(f.width / s)));
  t.rgb.resize(static_cast<size_t>(t.width) * t.height * 3);
  for (int y = 0; y < t.height; ++y)
    for (int x = 0; x < t.width; ++x) {
      const int y0 = static_cast<int>(y * s), y1 = std::max(y0 + 1, static_cast<int>((y + 1) * s));
      const int x0 = static_cast<int>(x * s), x1 = std::max(x0 + 1, static_cast<int>((x + 1) * s));
      for (int c = 0; c < 3; ++c) {
        int sum = 0, n = 0;
        for (int yy = y0; yy < std::min(y1, f.height); ++yy)
          for (int xx = x0; xx < std::min(x1, f.width); ++xx, ++n)
            sum += f.rgb[(static_cast<size_t>(yy) * f.width + xx) * 3 + c];
        t.rgb[(static_cast<size_t>(y) * t.width + x) * 3 + c] = static_cast<uint8_t>(n ? (sum + n / 2) / n : 0);
      }
    }
  return t;
}

Worker::JobFn make_normlab_job(std::shared_ptr<Engine> engine, NormLabRequest r,
                               std::function<void(size_t, LabResult)> on_row, std::function<void()> on_finished) {
  return [=](JobContext& ctx) {
    struct Done {  // marks the lab finished however the job ends
      JobContext& c;
      std::function<void()> f;
      ~Done() { c.post(f); }
    } done{ctx, on_finished};
    std::unique_ptr<Vae> other;
    std::string other_path;
    const std::vector<LabSetting>& settings = r.settings;
    const size_t n = settings.size();
    for (size_t i = 0; i < n; ++i) {
      LabResult row{settings[i]};
      row.state = LabResult::State::Running;
      ctx.post([on_row, i, row] { on_row(i, row); });
      try {
        Vae* vae = nullptr;
        if (settings[i].model_path == engine->path && engine->vae) {
          vae = engine->vae.get();
        } else {
          if (other_path != settings[i].model_path) {
            other.reset();
            other = Vae::load(settings[i].model_path, device_from(r.device), dtype_from(r.dtype));
            other_path = settings[i].model_path;
          }
          vae = other.get();
        }
        if (vae->device() != device_from(r.device) || vae->dtype() != dtype_from(r.dtype))
          vae->to(device_from(r.device), dtype_from(r.dtype));
        pipeline::ReconRequest req;
        req.input = r.input;
        req.vae = vae;
        req.norm_type = settings[i].norm_type;
        req.num_groups = settings[i].norm_type == "groupnorm" ? settings[i].num_groups : 0;
        req.chunked = settings[i].chunked;
        req.max_short_side = r.max_short_side;
        req.frames = r.frames;
        req.cancel = ctx.cancel;
        req.progress = [&, i](double f, const std::string& stage) {
          if (ctx.progress) ctx.progress((i + f) / n, fmt("%zu/%zu %s", i + 1, n, stage.c_str()));
        };
        // Peak memory of this run alone: the resident high-water mark, reset first.
        const bool reset = reset_rss_high_water();
        row.baseline_rss = rss_current_bytes();
        const pipeline::ReconResult res = pipeline::reconstruct(req);
        row.peak_rss = reset ? rss_high_water_bytes() : -1;
        row.state = LabResult::State::Done;
        row.psnr = res.metrics.psnr_mean;
        row.ssim = res.metrics.ssim_mean;
        row.psnr_8bit = res.metrics_8bit.psnr_mean;
        row.encode_ms = res.timings.encode_ms;
        row.decode_ms = res.timings.decode_ms;
        row.frames = res.frames;
        row.height = res.height;
        row.width = res.width;
        for (const auto& n : res.notes) row.notes.push_back(studio_note(n));
        if (!res.recon_frames.empty()) row.thumb = thumbnail(res.recon_frames[res.recon_frames.size() / 2], 72);
        if (!r.lpips.available()) {
          row.lpips_note = r.lpips.missing;
        } else if (res.height < kLpipsMinSide || res.width < kLpipsMinSide) {
          row.lpips_note = fmt("LPIPS needs frames of at least %dx%d pixels", kLpipsMinSide, kLpipsMinSide);
        } else {
          try {
            if (ctx.progress) ctx.progress((i + 0.99) / n, fmt("%zu/%zu LPIPS", i + 1, n));
            double sum = 0;
            int64_t count = 0;
            lpips_of_run(engine_lpips(*engine, r.lpips, r.device), res, false, ctx.cancel, nullptr,
                         [&](int64_t, std::vector<double> scores, std::vector<LpipsMap>) {
                           for (double v : scores) sum += v, ++count;
                         });
            row.lpips = count ? sum / static_cast<double>(count) : NAN;
          } catch (const Error& e) {
            if (e.kind() == ErrorKind::Cancelled) throw;
            row.lpips_note = e.what();
          }
        }
      } catch (const Error& e) {
        row.state = e.kind() == ErrorKind::Cancelled ? LabResult::State::Cancelled : LabResult::State::Failed;
        row.error = e.what();
        ctx.post([on_row, i, row] { on_row(i, row); });
        if (e.kind() == ErrorKind::Cancelled) throw;
        continue;
      } catch (const std::exception& e) {
        row.state = LabResult::State::Failed;
        row.error = e.what();
      }
      ctx.post([on_row, i, row] { on_row(i, row); });
    }
  };
}

}  // namespace wfvae::studio
