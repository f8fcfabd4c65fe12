#include "runtime/bench.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <malloc.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <torch/version.h>

#include "core/error.h"
#include "core/memory_plan.h"
#include "core/json.h"
#include "core/json_fields.h"
#include "runtime/cuda_device.h"
#include "runtime/op_profile.h"
#include "runtime/vae_impl.h"

namespace wfvae {

namespace {
int64_t proc_status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t n = std::string(key).size();
  while (std::getline(f, line))
    if (line.compare(0, n, key) == 0) return std::atoll(line.c_str() + n + 1) * 1024;
  return -1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
// The model to time: a folder's weights, or random ones for a config; the norm override applied.
std::unique_ptr<Vae> load_bench_model(const BenchOptions& o) {
  std::unique_ptr<Vae> vae;
  if (!o.model.empty()) {
    vae = Vae::load(o.model, o.device, o.dtype, LoadOptions{o.config, o.weights});
  } else if (!o.config.empty()) {
    vae = Vae::random(ModelConfig::load(o.config), 0, o.device, o.dtype);
  } else {
    fail_usage("bench needs --model DIR or --config FILE");
  }
  if (!o.norm_type.empty() || o.num_groups > 0)
    vae->set_norm(o.norm_type.empty() ? vae->config().norm_type : o.norm_type,
                  o.num_groups > 0 ? o.num_groups : vae->config().norm_num_groups);
  return vae;
}

// A smooth random video in [-1, 1] (content does not change the cost).
HostTensor random_video(const std::vector<int64_t>& shape) {
  HostTensor video(shape);
  at::Tensor v = at::rand(shape, at::detail::createCPUGenerator(7)) * 2 - 1;
  std::memcpy(video.data.data(), v.data_ptr<float>(), video.data.size() * 4);
  return video;
}

// The memory planner's activation estimate for this shape and run mode.
int64_t planned_activation_bytes(Vae& vae, const BenchOptions& o) {
  planning::Workload w;
  w.frames = o.frames;
  w.height = o.height;
  w.width = o.width;
  w.dtype_bytes = o.dtype == ComputeDType::F32 ? 4 : 2;
  w.weight_bytes = vae.weight_bytes();
  w.conv_scratch_bytes = vae.conv_scratch_bytes();
  const auto chunks = vae.chunk_frames(o.frames);
  w.enc_chunk_frames = chunks.first;
  w.dec_chunk_frames = chunks.second;
  return planning::activation_bytes(vae.config(), w, o.chunked, o.tile);
}

// Warm-up and timed encode/decode pairs: cold times from the first, medians, minima
// and peaks from the timed ones.
void timed_runs(Vae& vae, const HostTensor& video, const RunOptions& ro, const BenchOptions& o, const PeakMeter& meter,
                BenchResult* r) {
  std::vector<double> enc, dec;
  const int total = o.warmup + o.reps;
  EncodeResult e;
  for (int i = 0; i < total; ++i) {
    if (o.progress)
      o.progress(static_cast<double>(i) / total, i < o.warmup ? "warm-up" : "run " + std::to_string(i - o.warmup + 1));
    meter.reset();
    e = vae.encode(video, ro);
    int64_t ep = meter.peak();
    meter.reset();
    DecodeResult d = vae.decode(e.mean, ro);
    int64_t dp = meter.peak();
    if (i == 0) {
      r->enc_cold_ms = e.ms;
      r->dec_cold_ms = d.ms;
    }
    if (i >= o.warmup) {
      enc.push_back(e.ms);
      dec.push_back(d.ms);
      r->enc_peak_bytes = std::max(r->enc_peak_bytes, ep);
      r->dec_peak_bytes = std::max(r->dec_peak_bytes, dp);
    }
  }
  r->enc_ms = median(enc);
  r->dec_ms = median(dec);
  r->enc_ms_min = *std::min_element(enc.begin(), enc.end());
  r->dec_ms_min = *std::min_element(dec.begin(), dec.end());
}

// One more encode and decode with every operator timed, apart from the timed runs
// (the callbacks cost a little on every operator).
std::string profile_once(Vae& vae, const HostTensor& video, const RunOptions& ro) {
  profiling::OpProfile enc_profile;
  EncodeResult e = vae.encode(video, ro);
  std::string out = "encode, " + std::to_string(e.ms) + " ms with the profiler on:\n" +
                    profiling::format_profile(enc_profile.finish());
  profiling::OpProfile dec_profile;
  DecodeResult d = vae.decode(e.mean, ro);
  out += "decode, " + std::to_string(d.ms) + " ms with the profiler on:\n" +
         profiling::format_profile(dec_profile.finish());
  return out;
}

// The one-line summary.
std::string bench_json(const BenchResult& r, const BenchOptions& o, Vae& vae) {
  json::Value j = json::Object{};
  j["enc_ms"] = r.enc_ms;
  j["dec_ms"] = r.dec_ms;
  j["enc_ms_min"] = r.enc_ms_min;
  j["dec_ms_min"] = r.dec_ms_min;
  j["enc_peak_mb"] = r.enc_peak_bytes / 1048576.0;
  j["dec_peak_mb"] = r.dec_peak_bytes / 1048576.0;
  j["baseline_mb"] = r.baseline_bytes / 1048576.0;
  j["enc_cold_ms"] = r.enc_cold_ms;
  j["dec_cold_ms"] = r.dec_cold_ms;
  j["planned_activation_mb"] = r.planned_activation_bytes / 1048576.0;
  j["tile"] = o.tile.tile;
  j["tile_overlap"] = o.tile.overlap;
  j["memory"] = r.memory_kind;
  put_video_size(j, o.frames, o.height, o.width);
  j["device"] = device_name(o.device);
  j["dtype"] = dtype_name(o.dtype);
  j["chunked"] = o.chunked;
  j["reps"] = o.reps;
  j["params"] = vae.num_parameters();
  j["norm"] = vae.config().norm_type;
  j["threads"] = static_cast<int64_t>(at::get_num_threads());
  j["torch"] = TORCH_VERSION;
  return json::dump(j);
}

}  // namespace

const char* PeakMeter::kind() const { return cuda ? "cuda_allocator_peak" : "rss_high_water"; }
void PeakMeter::reset() const {
  if (cuda) return cuda_device::reset_peak();
  reset_rss_high_water();
}
int64_t PeakMeter::peak() const { return cuda ? cuda_device::peak_allocated() : rss_high_water_bytes(); }
int64_t PeakMeter::current() const { return cuda ? cuda_device::current_allocated() : rss_current_bytes(); }

int64_t rss_high_water_bytes() { return proc_status_kb("VmHWM:"); }
int64_t rss_current_bytes() { return proc_status_kb("VmRSS:"); }
bool reset_rss_high_water() {
  // Return freed heap to the OS first, or the high-water mark would start at the
  // previous run's peak (glibc keeps freed memory mapped).
  ::malloc_trim(0);
  std::ofstream f("/proc/self/clear_refs");
  if (!f) return false;
  f << "5";
  return static_cast<bool>(f);
}

BenchResult run_bench(const BenchOptions& o) {
  return engine_call("benchmarking " + std::to_string(o.frames) + "x" + std::to_string(o.height) + "x" +
                         std::to_string(o.width) + " on " + device_name(o.device),
                     [&] {
                       if (o.reps < 1) fail_usage("--reps must be >= 1");
                       std::unique_ptr<Vae> vae = load_bench_model(o);
                       const std::vector<int64_t> shape = {1, 3, o.frames, o.height, o.width};
                       check_video_shape(vae->config(), shape);
                       if (o.chunked) vae->impl().model->plan_chunks(o.frames);  // fail early on unchunkable lengths
                       const HostTensor video = random_video(shape);
                       RunOptions ro;
                       ro.chunked = o.chunked;
                       ro.tile = o.tile;
                       const int64_t planned = planned_activation_bytes(*vae, o);
                       const PeakMeter meter{o.device == Device::CUDA};
                       BenchResult r;
                       r.planned_activation_bytes = planned;
                       r.memory_kind = meter.kind();
                       r.baseline_bytes = meter.current();
                       timed_runs(*vae, video, ro, o, meter, &r);
                       if (o.profile) r.profile = profile_once(*vae, video, ro);
                       r.json = bench_json(r, o, *vae);
                       return r;
                     });
}

}  // namespace wfvae
