// The studio's LPIPS (issue 29): the curve on the timeline, the heatmap view over
// the reconstruction, the norm lab's column, and what it shows without weights,
// all run headless (wfvae-studio under xvfb-run) on the bundled sample and checked
// in the state it dumps and the pixels of its screenshots. The LPIPS weights are
// the metric-parity fixture's seeded stand-ins (same files as the real ones), so
// the numbers test the plumbing, not LPIPS's published values. Skips, saying why,
// without xvfb-run, a model, the sample or the fixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/temp_dir.h"
#include "studio/studio_test_util.h"

using namespace wfvae;
using namespace studio_test;
namespace fs = std::filesystem;

namespace {

fs::path sample_clip() { return fs::path(WFVAE_SOURCE_DIR) / "assets/samples/city-cc0.mp4"; }
fs::path lpips_fixture() { return fs::path(WFVAE_METRICS_FIXTURES_DIR) / "lpips-alex"; }

#define REQUIRE_STUDIO_MODEL() \
  REQUIRE_MODEL();             \
  if (!fs::exists(sample_clip())) GTEST_SKIP() << sample_clip() << " is missing"

// What the tests that compute LPIPS need: the model and the sample, then the fixture's weights.
#define REQUIRE_MODEL_AND_LPIPS_FIXTURE()                                                       \
  REQUIRE_STUDIO_MODEL();                                                                       \
  if (!fs::exists(lpips_fixture() / "alexnet.pth") || !fs::exists(lpips_fixture() / "lin.pth")) \
  GTEST_SKIP() << "no LPIPS fixture weights in " << lpips_fixture() << " (../shared/fixtures/metrics-parity)"

// The bundled sample's first 9 frames with the model, at frame 4, then `extra`.
std::vector<std::string> sample_args(const std::vector<std::string>& extra) {
  return with_base_args(
      concat({sample_clip().string(), "--model", model_dir().string(), "--frames", "9", "--frame", "4"}, extra));
}

std::vector<std::string> fixture_weights() {
  return {"--lpips-alexnet", (lpips_fixture() / "alexnet.pth").string(), "--lpips-lin",
          (lpips_fixture() / "lin.pth").string()};
}

// Shares of the pixels in a rectangle (x0, y0, x1, y1) that are greenish (G above R:
// inferno never is), purple (B well above G: inferno's lower half) and warm (R well
// above G and B: its upper half).
struct Hues {
  double greenish = 0, purple = 0, warm = 0;
};
Hues hues(const media::RgbFrame& img, int x0, int y0, int x1, int y1) {
  Hues h;
  int n = 0;
  for (int y = std::max(0, y0); y < std::min(img.height, y1); ++y)
    for (int x = std::max(0, x0); x < std::min(img.width, x1); ++x, ++n) {
      const uint8_t* p = px(img, x, y);
      h.greenish += p[1] > p[0] + 12;
      h.purple += p[2] > p[1] + 25;
      h.warm += p[0] > p[1] + 40 && p[0] > p[2] + 40;
    }
  if (n) h.greenish /= n, h.purple /= n, h.warm /= n;
  return h;
}

// A small clip (9 frames, 64x48: above LPIPS's 32-pixel minimum), written losslessly.
fs::path small_clip(const fs::path& path) {
  return write_clip(path, 64, 48, 9, [](int x, int y, int t, uint8_t* p) {
    p[0] = static_cast<uint8_t>(30 + x * 3 + t * 4);
    p[1] = static_cast<uint8_t>(40 + y * 4);
    p[2] = static_cast<uint8_t>(128 + 90 * std::sin((x + y + t) * 0.4));
  });
}

}  // namespace

TEST(StudioLpips, HelpListsTheWeightFlagsAndTheView) {
  const std::string help = studio_help();
  for (const char* s : {"--lpips-alexnet", "--lpips-lin", "alexnet-owt-7be5be79.pth", "lpips"})
    EXPECT_NE(help.find(s), std::string::npos) << s << " is not in --help";
}

TEST(StudioLpips, CurveAndHeatmapOfTheBundledSampleWithTheFixtureWeights) {
  REQUIRE_MODEL_AND_LPIPS_FIXTURE();
  TempDir dir;
  const fs::path shot = dir.path() / "lpips.png", state = dir.path() / "state.json",
                 layout = dir.path() / "layout.json";
  const StudioRun r =
      studio(sample_args(concat(fixture_weights(), {"--view", "lpips", "--screenshot", shot.string(), "--dump-state",
                                                    state.string(), "--dump-layout", layout.string()})),
             dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const json::Value st = read_json(state);
  SCOPED_TRACE(state_messages(st));

  // The state: the weights given, LPIPS of every frame, finite and positive, its mean theirs.
  const json::Value& lw = *st.find("lpips");
  EXPECT_TRUE(lw.find("weights_found")->as_bool());
  EXPECT_EQ(fs::path(lw.find("alexnet")->as_string()), lpips_fixture() / "alexnet.pth");
  EXPECT_EQ(lw.find("alexnet_from")->as_string(), "--lpips-alexnet");
  EXPECT_EQ(fs::path(lw.find("lin")->as_string()), lpips_fixture() / "lin.pth");
  const json::Value& run = *st.find("run");
  EXPECT_EQ(run.find("state")->as_string(), "done");
  EXPECT_EQ(run.find("lpips_state")->as_string(), "done") << run.find("lpips_message")->as_string();
  const auto& per = run.find("lpips_per_frame")->as_array();
  ASSERT_EQ(per.size(), run.find("psnr_per_frame")->as_array().size());
  ASSERT_EQ(static_cast<int64_t>(per.size()), st.find("clip")->find("frames")->as_int());
  ASSERT_EQ(per.size(), 9u);
  double sum = 0;
  for (const auto& v : per) {
    ASSERT_TRUE(v.is_number());
    EXPECT_TRUE(std::isfinite(v.as_number()));
    EXPECT_GT(v.as_number(), 0);
    sum += v.as_number();
  }
  EXPECT_NEAR(run.find("lpips_mean")->as_number(), sum / per.size(), 1e-9);
  EXPECT_EQ(run.find("lpips_frames_computed")->as_int(), 9);
  EXPECT_GT(run.find("lpips_map_range")->as_number(), 0);

  // The heatmap: over the reconstruction in grey, so every hue in it is the colormap's.
  // Inferno's purples and oranges are there, and none of the clip's own teal.
  const media::RgbFrame img = read_png(shot);
  const auto items = layout_items(read_json(layout));
  ASSERT_TRUE(items.count("image/lpips")) << "no heatmap pane drawn";
  const json::Value& pane = items.at("image/lpips").item;
  const int x0 = static_cast<int>(pane.find("image_x0")->as_number()) + 2,
            x1 = static_cast<int>(pane.find("image_x1")->as_number()) - 2,
            y0 = static_cast<int>(pane.find("image_y0")->as_number()) + 40,  // below the pane's label
      y1 = static_cast<int>(pane.find("image_y1")->as_number()) - 2;
  ASSERT_GT(x1 - x0, 200);
  ASSERT_GT(y1 - y0, 100);
  const Hues heat = hues(img, x0, y0, x1, y1);
  EXPECT_LT(heat.greenish, 0.01) << "inferno has no green-over-red: the image shows through in colour";
  EXPECT_GT(heat.purple, 0.10) << "no inferno purple";
  EXPECT_GT(heat.warm, 0.03) << "no inferno orange/yellow";
  // The same test on the clip itself (frame 4 of the sample) says it would tell.
  media::DecodeOptions o;
  o.max_frames = 5;
  const media::DecodedVideo v = media::decode_video(sample_clip(), o);
  ASSERT_EQ(v.frames.size(), 5u);
  const media::RgbFrame& orig = v.frames[4];
  EXPECT_GT(hues(orig, 0, 0, orig.width, orig.height).greenish, 0.05) << "the sample has teal";
  EXPECT_FALSE(items.count("viewer/lpips_note")) << "a note covers the heatmap";

  // The legend: the colormap from black (0) to pale yellow (its full scale).
  ASSERT_TRUE(items.count("viewer/lpips_legend"));
  const Box& lg = items.at("viewer/lpips_legend");
  const int ly = static_cast<int>(lg.y + lg.h / 2);
  const uint8_t* dark = px(img, static_cast<int>(lg.x) + 1, ly);
  const uint8_t* light = px(img, static_cast<int>(lg.x + lg.w) - 2, ly);
  EXPECT_LT(dark[0] + dark[1] + dark[2], 60) << "the legend starts at inferno's black";
  EXPECT_GT(light[0], 230);
  EXPECT_GT(light[1], 220);
  EXPECT_LT(light[2], 190) << "the legend ends at inferno's pale yellow";

  // The timeline: the LPIPS curve in its colour inside the plot, and its own axis.
  ASSERT_TRUE(items.count("timeline/plot"));
  const Box& plot = items.at("timeline/plot");
  EXPECT_GT(plot.item.find("lpips_max")->as_number(), run.find("lpips_mean")->as_number());
  int curve = 0;
  for (int y = static_cast<int>(plot.y); y < static_cast<int>(plot.y + plot.h); ++y)
    for (int x = static_cast<int>(plot.x); x < static_cast<int>(plot.x + plot.w); ++x) {
      const uint8_t* p = px(img, x, y);
      curve += std::abs(p[0] - 245) < 30 && std::abs(p[1] - 105) < 30 && std::abs(p[2] - 180) < 30;
    }
  EXPECT_GT(curve, 40) << "no LPIPS curve on the timeline";
  EXPECT_TRUE(items.count("sidebar/lpips")) << "no LPIPS beside PSNR and SSIM";
}

TEST(StudioLpips, WithoutWeightsItSaysWhatIsMissingWhereItLookedAndHowToGetIt) {
  REQUIRE_STUDIO_MODEL();
  TempDir dir;
  const fs::path empty = dir.path() / "empty-home";
  fs::create_directories(empty);
  // No flags and nothing in the standard places (an empty home and torch cache).
  const fs::path state = dir.path() / "state.json", layout = dir.path() / "layout.json", shot = dir.path() / "m.png";
  const StudioRun r = studio(sample_args({"--view", "lpips", "--dump-state", state.string(), "--dump-layout",
                                          layout.string(), "--screenshot", shot.string()}),
                             dir.path() / "cfg",
                             {"HOME=" + empty.string(), "TORCH_HOME=" + empty.string(),
                              "XDG_CACHE_HOME=" + empty.string(), "VIRTUAL_ENV=" + empty.string()});
  ASSERT_EQ(r.code, 0) << r.log;
  const json::Value st = read_json(state);
  const json::Value& lw = *st.find("lpips");
  EXPECT_FALSE(lw.find("weights_found")->as_bool());
  const std::string missing = lw.find("missing")->as_string();
  EXPECT_NE(missing.find("alexnet-owt-7be5be79.pth"), std::string::npos) << missing;
  EXPECT_NE(missing.find((empty / ".cache/torch/hub/checkpoints").string()), std::string::npos)
      << "where it looked: " << missing;
  EXPECT_NE(missing.find("--lpips-alexnet"), std::string::npos) << "how to get it: " << missing;
  const json::Value& run = *st.find("run");
  EXPECT_EQ(run.find("state")->as_string(), "done") << "the run is not held up by LPIPS";
  EXPECT_EQ(run.find("lpips_state")->as_string(), "unavailable");
  EXPECT_EQ(run.find("lpips_message")->as_string(), missing);
  EXPECT_TRUE(run.find("lpips_mean")->is_null());
  for (const auto& v : run.find("lpips_per_frame")->as_array()) EXPECT_TRUE(v.is_null());
  const auto items = layout_items(read_json(layout));
  EXPECT_TRUE(items.count("viewer/lpips_note")) << "the LPIPS view says why there is no map";
  EXPECT_TRUE(items.count("sidebar/lpips_missing")) << "the result panel says why there is no LPIPS";
  EXPECT_FALSE(items.count("image/lpips") && items.at("image/lpips").item.find("mode")->as_int() == 5)
      << "a heatmap without a map";

  // Flags naming files that are not there: the same, naming the flags' files.
  const fs::path state2 = dir.path() / "state2.json";
  const StudioRun r2 =
      studio(sample_args({"--lpips-alexnet", (empty / "nope.pth").string(), "--lpips-lin",
                          (empty / "nolin.pth").string(), "--dump-state", state2.string(), "--exit-when-idle"}),
             dir.path() / "cfg");
  ASSERT_EQ(r2.code, 0) << r2.log;
  const json::Value st2 = read_json(state2);
  const std::string missing2 = st2.find("lpips")->find("missing")->as_string();
  EXPECT_FALSE(st2.find("lpips")->find("weights_found")->as_bool());
  EXPECT_NE(missing2.find((empty / "nope.pth").string() + " (given with --lpips-alexnet)"), std::string::npos)
      << missing2;
  EXPECT_NE(missing2.find((empty / "nolin.pth").string() + " (given with --lpips-lin)"), std::string::npos) << missing2;
  EXPECT_EQ(st2.find("run")->find("lpips_state")->as_string(), "unavailable");
}

TEST(StudioLpips, WeightsThatDoNotLoadAreAnErrorNamingTheFileAndAreNotTriedAgain) {
  REQUIRE_MODEL_AND_LPIPS_FIXTURE();
  TempDir dir;
  const fs::path state = dir.path() / "state.json";
  // The lin heads where the AlexNet trunk belongs.
  const StudioRun r = studio(sample_args({"--lpips-alexnet", (lpips_fixture() / "lin.pth").string(), "--lpips-lin",
                                          (lpips_fixture() / "lin.pth").string(), "--rerun-with", "layernorm",
                                          "--dump-state", state.string()}),
                             dir.path() / "cfg");
  EXPECT_EQ(r.code, 2) << "bad input: " << r.log;
  const json::Value st = read_json(state);
  const std::string all = state_messages(st);
  EXPECT_NE(all.find("lin.pth"), std::string::npos) << all;
  EXPECT_NE(all.find("features.0.weight"), std::string::npos) << "the tensor it lacks: " << all;
  EXPECT_FALSE(st.find("lpips")->find("weights_found")->as_bool());
  // The first run's LPIPS failed; the re-run's says why there is none without trying again.
  EXPECT_EQ(st.find("previous_run")->find("lpips_state")->as_string(), "failed");
  EXPECT_EQ(st.find("run")->find("lpips_state")->as_string(), "unavailable");
  EXPECT_NE(st.find("run")->find("lpips_message")->as_string().find("did not load"), std::string::npos);
  int errors = 0;
  for (const auto& m : st.find("messages")->as_array()) errors += m.find("level")->as_string() == "error";
  EXPECT_EQ(errors, 1) << all;
}

TEST(StudioLpips, NormLabHasAnLpipsColumn) {
  REQUIRE_MODEL_AND_LPIPS_FIXTURE();
  TempDir dir;
  const fs::path clip = small_clip(dir.path() / "c.mkv");
  const fs::path csv = dir.path() / "lab.csv", state = dir.path() / "state.json";
  const std::vector<std::string> args = {
      clip.string(), "--model",       model_dir().string(), "--frames",     "9",           "--direct", "--normlab",
      "trained,ln",  "--normlab-csv", csv.string(),         "--dump-state", state.string()};
  const StudioRun r = studio(with_base_args(concat(args, fixture_weights())), dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const json::Value st = read_json(state);
  const auto& rows = st.find("normlab")->as_array();
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_EQ(row.find("state")->as_string(), "done");
    ASSERT_TRUE(row.find("lpips")->is_number()) << row.find("lpips_note")->as_string();
    EXPECT_GT(row.find("lpips")->as_number(), 0);
  }
  // The trained setting's row (direct) measures what the run (direct) measured.
  EXPECT_NEAR(rows[0].find("lpips")->as_number(), st.find("run")->find("lpips_mean")->as_number(), 2e-3);
  // The CSV's lpips column holds the value.
  auto split = [](const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) out.push_back(cell);
    return out;
  };
  std::ifstream in(csv);
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_NE(header.find(",psnr_8bit,lpips,"), std::string::npos) << header;
  const std::vector<std::string> h = split(header), v = split(first);
  const size_t k = static_cast<size_t>(std::find(h.begin(), h.end(), "lpips") - h.begin());
  ASSERT_LT(k, v.size()) << first;
  EXPECT_NEAR(std::stod(v[k]), rows[0].find("lpips")->as_number(), 1e-4);
}

TEST(StudioLpips, ExportedMetricsCarryTheRunsLpipsAsTheCliComputesIt) {
  REQUIRE_MODEL_AND_LPIPS_FIXTURE();
  TempDir dir;
  const fs::path clip = small_clip(dir.path() / "c.mkv");
  const fs::path out = dir.path() / "out", state = dir.path() / "state.json";
  fs::create_directories(out);
  const StudioRun r = studio(with_base_args(concat({clip.string(), "--model", model_dir().string(), "--direct",
                                                    "--export", out.string(), "--dump-state", state.string()},
                                                   fixture_weights())),
                             dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  fs::path mine;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().string().size() > 13 && e.path().string().rfind("_metrics.json") == e.path().string().size() - 13)
      mine = e.path();
  ASSERT_FALSE(mine.empty()) << "no metrics JSON exported";
  const json::Value m = read_json(mine), st = read_json(state);
  ASSERT_TRUE(m.find("lpips_per_frame")) << "the export left the run's LPIPS out";
  const auto& studio_per = st.find("run")->find("lpips_per_frame")->as_array();
  const auto& exported = m.find("lpips_per_frame")->as_array();
  ASSERT_EQ(exported.size(), studio_per.size());
  for (size_t i = 0; i < exported.size(); ++i)
    EXPECT_DOUBLE_EQ(exported[i].as_number(), studio_per[i].as_number()) << "frame " << i;

  // `wfvae recon --lpips` with the same weights and settings: the same numbers (same
  // engine, same values compared; only thread scheduling could reorder float sums).
  const fs::path cli_json = dir.path() / "cli.json";
  std::string cli = quote(WFVAE_CLI_EXE) + " recon " + quote(clip.string()) + " -o " +
                    quote((dir.path() / "cli.mkv").string()) + " --model " + quote(model_dir().string()) +
                    " --metrics " + quote(cli_json.string()) + " --lpips";
  for (const auto& a : fixture_weights()) cli += " " + quote(a);
  ASSERT_EQ(std::system((cli + " >/dev/null 2>&1").c_str()), 0) << cli;
  const json::Value theirs = read_json(cli_json);
  ASSERT_TRUE(theirs.find("lpips_per_frame"));
  const auto& cli_per = theirs.find("lpips_per_frame")->as_array();
  ASSERT_EQ(cli_per.size(), exported.size());
  for (size_t i = 0; i < cli_per.size(); ++i)
    EXPECT_NEAR(exported[i].as_number(), cli_per[i].as_number(), 1e-5) << "frame " << i;
  EXPECT_NEAR(m.find("lpips_mean")->as_number(), theirs.find("lpips_mean")->as_number(), 1e-5);
}
