#include "core/memory_plan.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "core/error.h"

using namespace wfvae;
using namespace wfvae::planning;

namespace {

ModelConfig tiny() {
  ModelConfig c;
  c.base_channels = 16;
  c.latent_dim = 16;
  return c;
}

Workload clip(int64_t frames, int64_t h, int64_t w) {
  Workload wl;
  wl.frames = frames;
  wl.height = h;
  wl.width = w;
  wl.weight_bytes = 30 << 20;
  wl.enc_chunk_frames = 4;
  wl.dec_chunk_frames = 12;
  wl.keeps_input_tensor = false;
  return wl;
}

constexpr int64_t GB = int64_t{1} << 30;

}  // namespace

TEST(MemoryPlan, CandidatesGoFromAsAskedToSmallerTiles) {
  const auto plans = candidate_plans(tiny(), clip(33, 1080, 1920), /*user_chunked=*/false, /*user_tile=*/-1, -1);
  ASSERT_GE(plans.size(), 4u);
  EXPECT_EQ(plans[0].describe(), "direct");
  EXPECT_EQ(plans[1].describe(), "chunked in time");
  EXPECT_EQ(plans[2].describe(), "chunked in time, 512-px tiles (overlap 128)");
  EXPECT_EQ(plans.back().tile.tile, 64);
  for (size_t i = 1; i < plans.size(); ++i)
    EXPECT_LE(plans[i].activation_bytes, plans[i - 1].activation_bytes) << plans[i].describe();
  // The frames kept on the host do not shrink with tiles.
  EXPECT_EQ(plans.front().host_bytes, plans.back().host_bytes);
}

TEST(MemoryPlan, UserChoicesBoundTheCandidates) {
  // --tile off: never tiles.
  for (const Plan& p : candidate_plans(tiny(), clip(33, 512, 512), false, 0, -1)) EXPECT_FALSE(p.tile.enabled());
  // --tile 256: starts there as asked (direct), then chunks, then only smaller tiles.
  const auto t = candidate_plans(tiny(), clip(33, 512, 512), false, 256, 32);
  ASSERT_GE(t.size(), 3u);
  EXPECT_EQ(t[0].describe(), "direct, 256-px tiles (overlap 32)");
  EXPECT_EQ(t[1].describe(), "chunked in time, 256-px tiles (overlap 32)");
  for (size_t i = 2; i < t.size(); ++i) EXPECT_LT(t[i].tile.tile, 256);
  // A clip too short to chunk is never planned chunked.
  Workload shortclip = clip(5, 512, 512);
  shortclip.can_chunk = false;
  for (const Plan& p : candidate_plans(tiny(), shortclip, false, -1, -1)) EXPECT_FALSE(p.chunked);
  // Tiles no larger than the frame are not offered.
  for (const Plan& p : candidate_plans(tiny(), clip(9, 128, 128), false, -1, -1)) EXPECT_LT(p.tile.tile, 128);
}

TEST(MemoryPlan, ChoosesTheFirstPlanThatFits) {
  const Workload w = clip(33, 1080, 1920);
  const auto plans = candidate_plans(tiny(), w, false, -1, -1);
  Budget plenty{64 * GB, 64 * GB, "test"};
  EXPECT_EQ(choose(plans, w, plenty), 0u);
  Budget unknown{};
  EXPECT_EQ(choose(plans, w, unknown), 0u);
  // 4 GB for 33 frames of 1080p: tiles are needed, the first size that fits is taken.
  Budget four{4 * GB, 4 * GB, "test"};
  const size_t i = choose(plans, w, four);
  EXPECT_TRUE(plans[i].tile.enabled());
  EXPECT_LE(plans[i].device_peak(false), 4 * GB);
  EXPECT_GT(plans[i - 1].device_peak(false), 4 * GB);
  // A budget below the frames themselves: refused before any work, with numbers.
  Budget tiny_budget{1 * GB, 1 * GB, "ulimit -v"};
  const std::string m = error_message([&] { choose(plans, w, tiny_budget); }, ErrorKind::OutOfMemory,
                                      "a 1 GB budget was accepted for 33 frames of 1080p");
  EXPECT_NE(m.find("33 frames of 1080x1920"), std::string::npos) << m;
  EXPECT_NE(m.find("1.00 GB is available (ulimit -v)"), std::string::npos) << m;
  EXPECT_NE(m.find("frames would fit"), std::string::npos) << m;
}

TEST(MemoryPlan, GpuBudgetsCountActivationsAndHostApart) {
  Workload w = clip(257, 512, 512);
  w.on_gpu = true;
  w.dtype_bytes = 2;
  const auto plans = candidate_plans(tiny(), w, false, -1, -1);
  // Plenty of host memory, 2 GB of GPU: the frames stay on the host, so a plan fits.
  Budget gpu{2 * GB, 64 * GB, "GPU free memory"};
  const size_t i = choose(plans, w, gpu);
  EXPECT_LE(plans[i].weight_bytes + plans[i].activation_bytes, 2 * GB);
  // Not enough host memory for the frames: refused whatever the GPU has.
  Budget no_host{80 * GB, 1 * GB, "GPU free memory"};
  EXPECT_THROW(choose(plans, w, no_host), Error);
}

TEST(MemoryPlan, EstimatesScaleWithTheirInputs) {
  const ModelConfig c = tiny();
  const Workload w = clip(17, 256, 256);
  const int64_t direct = activation_bytes(c, w, false, {});
  EXPECT_GT(direct, activation_bytes(c, w, true, {}));
  EXPECT_GT(direct, activation_bytes(c, w, false, {128, 32}));
  Workload bf16 = w;
  bf16.dtype_bytes = 2;
  EXPECT_LT(activation_bytes(c, bf16, false, {}), direct);
  Workload kept = w;
  kept.keeps_input_tensor = true;
  EXPECT_EQ(host_bytes(kept) - host_bytes(w), 12 * 17 * 256 * 256);
}

TEST(MemoryPlan, ParsesSizes) {
  EXPECT_EQ(parse_bytes("4G"), 4 * GB);
  EXPECT_EQ(parse_bytes("512M"), 512 << 20);
  EXPECT_EQ(parse_bytes("1.5GB"), 3 * GB / 2);
  EXPECT_EQ(parse_bytes("2097152"), 2097152);
  for (const char* bad : {"", "4X", "-1G", "nanG", "1K", "G", "1e30T"}) EXPECT_THROW(parse_bytes(bad), Error) << bad;
  EXPECT_EQ(format_bytes(3 * GB / 2), "1.50 GB");
  EXPECT_EQ(format_bytes(300 << 20), "300 MB");
}
