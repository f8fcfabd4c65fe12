// The memory planner's side of a reconstruction: the budget a run may use, the
// workload it weighs, the plan chosen (noted when it is not what was asked), and the
// fallback to the next plan down when an allocation fails anyway. Internal to
// engine/pipeline (the planner's arithmetic is core/memory_plan.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/memory_plan.h"
#include "pipeline/recon.h"

namespace wfvae::pipeline {

// The memory a run may use: --max-memory (the whole process's budget) or what is
// free on the device, with the model's weights counted by the plan itself.
planning::Budget memory_budget(const Vae& vae, int64_t max_memory);
// What the planner weighs for `frames` frames of h x w through this model.
planning::Workload workload_for(Vae& vae, const ReconRequest& req, int64_t frames, int h, int w);
// Refuses (BadInput/OutOfMemory from the planner) before reading when even the
// leanest plan cannot hold the frames the source will give.
void refuse_if_nothing_fits(Vae& vae, const ReconRequest& req, const media::VideoInfo& info, const ReconResult& res,
                            int h, int w);
// The index of the first plan whose estimate fits res.budget; a PlanChosen note when
// it is not what was asked.
size_t choose_plan(const std::vector<planning::Plan>& plans, const planning::Workload& wl, const ReconRequest& req,
                   ReconResult& res);
// Records the plan in the result (chunked, tile).
void apply_plan(const planning::Plan& plan, ReconResult& res);
// Runs `attempt` under plans[plan_index]; when an allocation fails anyway, frees what
// the model holds, notes it (OutOfMemoryRetry) and runs it again under the next plan
// down, until one succeeds or none is left (then the error goes on).
void run_with_fallback(Vae& vae, const std::vector<planning::Plan>& plans, size_t plan_index, ReconResult& res,
                       const std::function<void()>& attempt);

}  // namespace wfvae::pipeline
