#include "pipeline/plan.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace wfvae::pipeline {

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
void run_with_fallback(Vae& vae, const std::vector<planning::Plan>& plans, size_t plan_index, ReconResult& res,
                       const std::function<void()>& attempt) {
  for (;;) {
    try {
      attempt();
      return;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::OutOfMemory || plan_index + 1 >= plans.size()) throw;
      vae.release_memory();
      // The engine's message without its advice: the retry is the advice taken.
      std::string what = e.what();
      what = what.substr(0, what.find("; try "));
      res.notes.push_back({NoteKind::OutOfMemoryRetry, "ran out of memory " + plans[plan_index].describe() + " (" +
                                                           what + "); redone " + plans[plan_index + 1].describe()});
      apply_plan(plans[++plan_index], res);
    }
  }
}

}  // namespace wfvae::pipeline
