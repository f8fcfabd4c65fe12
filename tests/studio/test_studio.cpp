// The studio as a user runs it: wfvae-studio under xvfb-run, headless flags, and
// checks of the real pixels of its screenshots, the rectangles it reports drawing
// and the state it dumps. Skips (saying why) without xvfb-run; model tests prefer
// the bundled assets/models/wfvae-tiny-gn, else the parity checkpoint gn-l8.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/temp_dir.h"
#include "studio/studio_test_util.h"

using namespace wfvae;
using namespace studio_test;
namespace fs = std::filesystem;

namespace {

// The GroupNorm group count the test model was trained with (its config's
// norm_num_groups; the reference's 32 when absent).
int trained_groups() {
  const json::Value cfg = read_json(model_dir() / "config.json");
  const json::Value* g = cfg.find("norm_num_groups");
  return g ? static_cast<int>(g->as_int()) : 32;
}

bool near_color(const uint8_t* p, int r, int g, int b, int tol) {
  return std::abs(p[0] - r) <= tol && std::abs(p[1] - g) <= tol && std::abs(p[2] - b) <= tol;
}

// A folder made at `path`, for a test to fill.
fs::path new_folder(const fs::path& path) {
  fs::create_directories(path);
  return path;
}

fs::path gradient_clip(const fs::path& path, int w = 128, int h = 96, int frames = 9) {
  return write_clip(path, w, h, frames, [](int x, int y, int t, uint8_t* p) {
    p[0] = static_cast<uint8_t>(30 + x + t * 4);
    p[1] = static_cast<uint8_t>(40 + y * 2);
    p[2] = static_cast<uint8_t>(128 + 90 * std::sin((x + y + t) * 0.2));
  });
}

}  // namespace

TEST(Studio, HelpDocumentsEveryFlagAndBadFlagsAreUsageErrors) {
  const std::string help = studio_help();
  for (const char* flag :
       {"--model",       "--no-model",      "--norm-type",      "--num-groups",     "--chunked",    "--direct",
        "--device",      "--dtype",         "--max-short-side", "--frames",         "--view",       "--pair",
        "--compare",     "--frame",         "--split",          "--zoom",           "--diff-gain",  "--diff-mode",
        "--diff-luma",   "--wavelet-level", "--window",         "--simulate-drop",  "--rerun-with", "--ab-chunked",
        "--normlab",     "--screenshot",    "--dump-layout",    "--dump-state",     "--ui-bench",   "--export",
        "--normlab-csv", "--normlab-png",   "--overwrite",      "--exit-when-idle", "--timeout",    "--worker-nice",
        "--during-run",  "--show",          "--gl-info"})
    EXPECT_NE(help.find(flag), std::string::npos) << flag << " is not in --help";
  // Usage errors are reported before any window opens (no X server needed).
  EXPECT_EQ(WEXITSTATUS(std::system((std::string(WFVAE_STUDIO_EXE) + " --view sideways >/dev/null 2>&1").c_str())), 1);
  EXPECT_EQ(WEXITSTATUS(std::system((std::string(WFVAE_STUDIO_EXE) + " --frobnicate >/dev/null 2>&1").c_str())), 1);
  // Integers are parsed checked: these used to wrap to 8 groups and frame 2.
  EXPECT_EQ(
      WEXITSTATUS(std::system((std::string(WFVAE_STUDIO_EXE) + " --num-groups 4294967304 >/dev/null 2>&1").c_str())),
      1);
  EXPECT_EQ(WEXITSTATUS(std::system((std::string(WFVAE_STUDIO_EXE) + " --frame 4294967298 >/dev/null 2>&1").c_str())),
            1);
}

TEST(Studio, SplitDividerIsWhereItWasAsked) {
  REQUIRE_XVFB();
  TempDir dir;
  // A: solid blue, B = file: solid red. Without a model nothing is reconstructed.
  const fs::path a =
      write_clip(dir.path() / "a.mkv", 128, 96, 5, [](int, int, int, uint8_t* p) { p[0] = 40, p[1] = 90, p[2] = 200; });
  const fs::path b =
      write_clip(dir.path() / "b.mkv", 128, 96, 5, [](int, int, int, uint8_t* p) { p[0] = 230, p[1] = 20, p[2] = 20; });
  for (double split : {0.3, 0.75}) {
    SCOPED_TRACE(split);
    const fs::path shot = dir.path() / "split.png", layout = dir.path() / "split.json";
    auto args =
        with_base_args({std::string(a), "--no-model", "--compare", std::string(b), "--view", "split", "--split",
                        std::to_string(split), "--screenshot", shot.string(), "--dump-layout", layout.string()});
    const StudioRun r = studio(args, dir.path() / "cfg");
    ASSERT_EQ(r.code, 0) << r.log;
    const media::RgbFrame img = read_png(shot);
    EXPECT_EQ(img.width, 1280);
    EXPECT_EQ(img.height, 800);
    // The image's extent, found from the pixels alone along the middle row.
    const auto items = layout_items(read_json(layout));
    ASSERT_TRUE(items.count("image/split"));
    const Box& pane = items.at("image/split");
    const int y = static_cast<int>(pane.y + pane.h / 2) + 40;  // below the divider's handle
    int first = -1, last = -1, boundary = -1;
    for (int x = 0; x < img.width; ++x) {
      const uint8_t* p = px(img, x, y);
      const bool is_a = near_color(p, 40, 90, 200, 2), is_b = near_color(p, 230, 20, 20, 2);
      if ((is_a || is_b) && first < 0) first = x;
      if (is_a || is_b) last = x;
      if (is_b && boundary < 0) boundary = x;
    }
    ASSERT_GE(first, 0) << "neither A's nor B's colour on row " << y;
    ASSERT_GT(boundary, first);
    // Everything left of the boundary (but the divider line) is A, everything right is B.
    const double expected = first + split * (last + 1 - first);
    EXPECT_NEAR(boundary, expected, 3.0) << "image spans " << first << ".." << last;
    int a_left = 0, b_right = 0, total_left = 0, total_right = 0;
    for (int x = first; x <= last; ++x) {
      if (std::abs(x - expected) < 4) continue;
      const uint8_t* p = px(img, x, y);
      if (x < expected)
        total_left++, a_left += near_color(p, 40, 90, 200, 2);
      else
        total_right++, b_right += near_color(p, 230, 20, 20, 2);
    }
    EXPECT_EQ(a_left, total_left);
    EXPECT_EQ(b_right, total_right);
    // The divider line is drawn there (bright, unlike both colours), and reported there.
    int bright = 0;
    for (int x = static_cast<int>(expected) - 3; x <= static_cast<int>(expected) + 3; ++x) {
      const uint8_t* p = px(img, x, y);
      bright += p[0] > 200 && p[1] > 200 && p[2] > 200;
    }
    EXPECT_GT(bright, 0) << "no divider line near x = " << expected;
    EXPECT_NEAR(pane.item.find("divider_x")->as_number(), expected, 3.0);
  }
}

TEST(Studio, DifferenceIsBlackWhereTheFramesAreEqual) {
  REQUIRE_XVFB();
  if (!have_program("ffmpeg")) GTEST_SKIP() << "ffmpeg (the command) is not installed";
  TempDir dir;
  const fs::path a = gradient_clip(dir.path() / "a.mkv");
  const fs::path b = dir.path() / "b.mkv";
  // The right half altered by ffmpeg's drawbox; the left half stays bit-identical.
  const std::string cmd = "ffmpeg -v error -y -i " + quote(a.string()) +
                          " -vf drawbox=x=iw/2:y=0:w=iw/2:h=ih:color=red@0.5:t=fill -c:v ffv1 -pix_fmt bgr0 " +
                          quote(b.string());
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  for (const char* mode : {"abs", "signed"}) {
    SCOPED_TRACE(mode);
    const fs::path shot = dir.path() / "diff.png", layout = dir.path() / "diff.json";
    auto args = with_base_args({a.string(), "--no-model", "--compare", b.string(), "--view", "diff", "--diff-mode",
                                std::string(mode), "--diff-gain", "8", "--screenshot", shot.string(), "--dump-layout",
                                layout.string()});
    const StudioRun r = studio(args, dir.path() / "cfg");
    ASSERT_EQ(r.code, 0) << r.log;
    const media::RgbFrame img = read_png(shot);
    const auto items = layout_items(read_json(layout));  // (a reference into a temporary map would dangle)
    const Box& pane = items.at("image/diff");
    const double x0 = pane.item.find("image_x0")->as_number(), x1 = pane.item.find("image_x1")->as_number();
    const double y0 = pane.item.find("image_y0")->as_number(), y1 = pane.item.find("image_y1")->as_number();
    ASSERT_GT(x1 - x0, 100);
    // Skip the label in the pane's corner and a margin around the middle.
    int left = 0, left_black = 0, right = 0, right_lit = 0;
    for (int y = static_cast<int>(y0 + (y1 - y0) * 0.15); y < static_cast<int>(y1 - 2); y += 2)
      for (int x = static_cast<int>(x0) + 2; x < static_cast<int>(x1) - 2; x += 2) {
        const double u = (x - x0) / (x1 - x0);
        const uint8_t* p = px(img, x, y);
        if (u < 0.45) left++, left_black += p[0] == 0 && p[1] == 0 && p[2] == 0;
        if (u > 0.55) right++, right_lit += p[0] + p[1] + p[2] > 30;
      }
    EXPECT_EQ(left_black, left) << "the unaltered half is not black everywhere";
    EXPECT_GT(right_lit, right * 9 / 10) << "the altered half is not lit";
  }
}

TEST(Studio, WaveletViewShowsEightSubbandsPerSideWithTheRightContent) {
  REQUIRE_MODEL();
  TempDir dir;
  // Static, varying along x only: only LLL and LLH (the column high band) carry
  // energy; every band with a row or time high-pass is exactly zero.
  const fs::path clip = write_clip(dir.path() / "stripes.mkv", 64, 64, 5, [](int x, int, int, uint8_t* p) {
    const uint8_t v = static_cast<uint8_t>((x * 37) % 200 + 20);
    p[0] = p[1] = p[2] = v;
  });
  const fs::path shot = dir.path() / "w.png", layout = dir.path() / "w.json";
  auto args = with_base_args({clip.string(), "--model", model_dir().string(), "--view", "wavelet", "--frame", "3",
                              "--screenshot", shot.string(), "--dump-layout", layout.string()});
  const StudioRun r = studio(args, dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const media::RgbFrame img = read_png(shot);
  const auto items = layout_items(read_json(layout));
  const char* bands[] = {"LLL", "LLH", "LHL", "LHH", "HLL", "HLH", "HHL", "HHH"};
  for (const char* side : {"original", "reconstruction"}) {
    int tiles = 0;
    for (const auto& [name, box] : items) tiles += name.rfind(std::string("subband/l0/") + side + "/", 0) == 0;
    EXPECT_EQ(tiles, 8) << side;
  }
  // Tiles do not overlap and are big enough to see.
  std::vector<Box> boxes;
  for (const char* side : {"original", "reconstruction"})
    for (const char* band : bands) {
      const std::string name = std::string("subband/l0/") + side + "/" + band;
      ASSERT_TRUE(items.count(name)) << name;
      boxes.push_back(items.at(name));
      EXPECT_GE(boxes.back().w, 48) << name;
    }
  for (size_t i = 0; i < boxes.size(); ++i)
    for (size_t j = i + 1; j < boxes.size(); ++j) {
      const Box &p = boxes[i], &q = boxes[j];
      EXPECT_TRUE(p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y)
          << i << " overlaps " << j;
    }
  // Pixels of the original's tiles: zero bands are black (the colormap's centre),
  // LLL and LLH are not.
  auto lit_share = [&](const Box& b) {
    int lit = 0, n = 0;
    for (int y = static_cast<int>(b.y) + 2; y < static_cast<int>(b.y + b.h) - 2; ++y)
      for (int x = static_cast<int>(b.x) + 2; x < static_cast<int>(b.x + b.w) - 2; ++x, ++n) {
        const uint8_t* p = px(img, x, y);
        lit += p[0] + p[1] + p[2] > 24;
      }
    return n ? static_cast<double>(lit) / n : 0.0;
  };
  for (const char* band : bands) {
    const double share = lit_share(items.at(std::string("subband/l0/original/") + band));
    if (std::string(band) == "LLL" || std::string(band) == "LLH")
      EXPECT_GT(share, 0.5) << band;
    else
      EXPECT_EQ(share, 0.0) << band << " should be all black";
  }
  // The energy-flow levels and the model's taps are there too.
  for (const char* level : {"l1", "l2", "model"}) {
    const fs::path l2 = dir.path() / (std::string(level) + ".json");
    auto a2 = with_base_args({clip.string(), "--model", model_dir().string(), "--view", "wavelet", "--wavelet-level",
                              std::string(level), "--dump-layout", l2.string()});
    const StudioRun r2 = studio(a2, dir.path() / "cfg");
    ASSERT_EQ(r2.code, 0) << r2.log;
    int tiles = 0;
    for (const auto& [name, box] : layout_items(read_json(l2))) tiles += name.rfind("subband/", 0) == 0;
    const int per_side = std::string(level) == "l1" ? 4 : std::string(level) == "model" ? 4 : 8;
    EXPECT_EQ(tiles, 2 * per_side) << level;
  }
}

TEST(Studio, DroppedModelAndClipAreOpenedAndReconstructed) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path first = gradient_clip(dir.path() / "first.mkv", 64, 48, 9);
  const fs::path second = gradient_clip(dir.path() / "second.mkv", 80, 64, 9);
  // Start without a model; drop the model folder, then a second clip, through the
  // drop handler GLFW has registered for the window.
  const fs::path state = dir.path() / "state.json", shot = dir.path() / "drop.png", layout = dir.path() / "drop.json";
  auto args = with_base_args({first.string(), "--no-model", "--simulate-drop", model_dir().string(), "--simulate-drop",
                              second.string(), "--dump-state", state.string(), "--screenshot", shot.string(),
                              "--dump-layout", layout.string()});
  const StudioRun r = studio(args, dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const json::Value st = read_json(state);
  EXPECT_TRUE(st.find("model")->find("loaded")->as_bool()) << state_messages(st);
  EXPECT_TRUE(fs::equivalent(st.find("model")->find("path")->as_string(), model_dir()));
  ASSERT_TRUE(st.contains("clip"));
  EXPECT_EQ(st.find("clip")->find("path")->as_string(), second.string());
  EXPECT_EQ(st.find("clip")->find("width")->as_int(), 80);
  EXPECT_EQ(st.find("clip")->find("frames")->as_int(), 9);
  const json::Value& run = *st.find("run");
  EXPECT_EQ(run.find("state")->as_string(), "done") << state_messages(st);
  EXPECT_EQ(run.find("frames_decoded")->as_int(), 9);
  EXPECT_TRUE(std::isfinite(run.find("psnr_mean")->as_number()));
  EXPECT_EQ(run.find("psnr_per_frame")->as_array().size(), 9u);
  // The reconstruction is on screen: B's pane is not empty background.
  const media::RgbFrame img = read_png(shot);
  const auto items = layout_items(read_json(layout));
  const Box& b = items.at("image/b");
  const int bx0 = static_cast<int>(b.item.find("image_x0")->as_number()) + 2,
            bx1 = static_cast<int>(b.item.find("image_x1")->as_number()) - 2;
  const int by0 = static_cast<int>(b.item.find("image_y0")->as_number()) + 2,
            by1 = static_cast<int>(b.item.find("image_y1")->as_number()) - 2;
  std::set<int> colours;
  for (int y = by0 + (by1 - by0) / 3; y < by1; y += 3)
    for (int x = bx0; x < bx1; x += 3) {
      const uint8_t* p = px(img, x, y);
      colours.insert(p[0] << 16 | p[1] << 8 | p[2]);
    }
  EXPECT_GT(colours.size(), 20u) << "B's pane looks empty";
}

TEST(Studio, DroppedTrainingCheckpointLoadsItsEma) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = gradient_clip(dir.path() / "clip.mkv", 64, 48, 9);
  // A train_ddp.py-style checkpoint of the model, written by the tests' stdlib-only writer.
  const fs::path run = new_folder(dir.path() / "run");
  fs::copy_file(model_dir() / "config.json", run / "config.json");
  const std::string cmd = "PYTHONPATH='" + (fs::path(WFVAE_SOURCE_DIR) / "tests" / "app").string() +
                          "' python3 -c \"from torch_save import *; save_zip(training_checkpoint(read_safetensors('" +
                          (model_dir() / "diffusion_pytorch_model.safetensors").string() + "')), '" +
                          (run / "checkpoint-7.ckpt").string() + "')\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const fs::path state = dir.path() / "state.json";
  auto args = with_base_args({clip.string(), "--no-model", "--simulate-drop", (run / "checkpoint-7.ckpt").string(),
                              "--dump-state", state.string()});
  const StudioRun r = studio(args, dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const json::Value st = read_json(state);
  const json::Value& m = *st.find("model");
  ASSERT_TRUE(m.find("loaded")->as_bool()) << state_messages(st);
  EXPECT_EQ(m.find("state_dict")->as_string(), "ema_state_dict");
  EXPECT_EQ(m.find("weights_format")->as_string(), "torch.save (zip)");
  EXPECT_TRUE(m.find("latent_norm_ok")->is_bool());
  EXPECT_EQ(st.find("run")->find("state")->as_string(), "done") << state_messages(st);
}

TEST(Studio, BadInputIsShownPlainlyAndNeverCrashes) {
  REQUIRE_XVFB();
  TempDir dir;
  const fs::path junk = dir.path() / "not_a_video.mp4";
  std::ofstream(junk) << "this is text, not a video";
  const fs::path folder = new_folder(dir.path() / "just_a_folder");
  const fs::path state = dir.path() / "state.json", shot = dir.path() / "bad.png", layout = dir.path() / "bad.json";
  auto args = with_base_args({"--no-model", "--simulate-drop", junk.string(), "--simulate-drop", folder.string(),
                              "--simulate-drop", (dir.path() / "missing.mkv").string(), "--dump-state", state.string(),
                              "--screenshot", shot.string(), "--dump-layout", layout.string()});
  const StudioRun r = studio(args, dir.path() / "cfg");
  EXPECT_EQ(r.code, 2) << "bad input exits 2 after showing it\n" << r.log;
  const json::Value st = read_json(state);
  const std::string msgs = state_messages(st);
  EXPECT_NE(msgs.find("error: "), std::string::npos) << msgs;
  EXPECT_NE(msgs.find(junk.string()), std::string::npos) << "the message names the file:\n" << msgs;
  EXPECT_NE(msgs.find(folder.string() + " is a folder without config.json"), std::string::npos) << msgs;
  EXPECT_NE(msgs.find("missing.mkv: no such file"), std::string::npos) << msgs;
  // The errors are on screen: the message boxes are drawn with the error colour.
  const auto items = layout_items(read_json(layout));
  ASSERT_TRUE(items.count("message/error")) << "no error message box drawn";
  const media::RgbFrame img = read_png(shot);
  const Box& m = items.at("message/error");
  int red = 0;
  for (int x = static_cast<int>(m.x); x < static_cast<int>(m.x + m.w); ++x)
    for (int y = static_cast<int>(m.y); y < static_cast<int>(m.y + 40); ++y)
      red += near_color(px(img, x, y), 240, 80, 80, 40);
  EXPECT_GT(red, 20) << "the error box is not drawn in the error colour";
  // A model that is not one: plain message, exit 2, no crash.
  auto a2 = with_base_args({junk.string(), "--model", folder.string(), "--dump-state", state.string()});
  const StudioRun r2 = studio(a2, dir.path() / "cfg");
  EXPECT_EQ(r2.code, 2) << r2.log;
  const std::string msgs2 = state_messages(read_json(state));
  EXPECT_NE(msgs2.find("Load model just_a_folder failed: " + folder.string()), std::string::npos) << msgs2;
  // The clip waiting for that model is still opened (and, being junk, says so).
  EXPECT_NE(msgs2.find(junk.string() + ": not a video"), std::string::npos) << msgs2;
}

TEST(Studio, NormChangeRerunsKeepsThePreviousRunAndSaysItDiffersFromTraining) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = gradient_clip(dir.path() / "c.mkv", 64, 48, 9);
  const fs::path state = dir.path() / "state.json";
  auto args = with_base_args(
      {clip.string(), "--model", model_dir().string(), "--rerun-with", "layernorm", "--dump-state", state.string()});
  const StudioRun r = studio(args, dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const json::Value st = read_json(state);
  const json::Value& run = *st.find("run");
  const json::Value& prev = *st.find("previous_run");
  EXPECT_EQ(run.find("norm_type")->as_string(), "layernorm");
  EXPECT_EQ(prev.find("norm_type")->as_string(), st.find("model")->find("trained_norm_type")->as_string());
  EXPECT_EQ(run.find("state")->as_string(), "done");
  EXPECT_EQ(prev.find("state")->as_string(), "done");
  EXPECT_NE(run.find("psnr_mean")->as_number(), prev.find("psnr_mean")->as_number());
  std::string notes;
  for (const auto& n : run.find("notes")->as_array()) notes += n.as_string() + "\n";
  EXPECT_NE(notes.find("trained with"), std::string::npos) << notes;
  ASSERT_TRUE(run.contains("delta_vs_previous"));
  EXPECT_GT(run.find("delta_vs_previous")->find("max_abs")->as_number(), 0);

  // An invalid group count is refused with the valid ones listed; nothing crashes.
  auto a2 = with_base_args(
      {clip.string(), "--model", model_dir().string(), "--rerun-with", "groupnorm:7", "--dump-state", state.string()});
  const StudioRun r2 = studio(a2, dir.path() / "cfg");
  EXPECT_EQ(r2.code, 1) << r2.log;
  const std::string msgs = state_messages(read_json(state));
  EXPECT_NE(msgs.find("num_groups 7 does not divide every normalised channel count"), std::string::npos) << msgs;
  EXPECT_NE(msgs.find("valid values: 1"), std::string::npos) << msgs;
}

TEST(Studio, ChunkedVersusDirectDifferForGroupNormAndAgreeForLayerNorm) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = gradient_clip(dir.path() / "c.mkv", 64, 48, 9);
  for (const char* norm : {"groupnorm", "layernorm"}) {
    SCOPED_TRACE(norm);
    const fs::path state = dir.path() / "state.json";
    auto args = with_base_args({clip.string(), "--model", model_dir().string(), "--norm-type", std::string(norm),
                                "--chunked", "--ab-chunked", "--dump-state", state.string()});
    const StudioRun r = studio(args, dir.path() / "cfg");
    ASSERT_EQ(r.code, 0) << r.log;
    const json::Value st = read_json(state);
    EXPECT_FALSE(st.find("run")->find("chunked")->as_bool());
    EXPECT_TRUE(st.find("previous_run")->find("chunked")->as_bool());
    EXPECT_EQ(st.find("pair")->as_string(), "prev-recon");
    ASSERT_TRUE(st.find("run")->contains("delta_vs_previous")) << state_messages(st);
    const double max_abs = st.find("run")->find("delta_vs_previous")->find("max_abs")->as_number();
    if (std::string(norm) == "groupnorm")
      EXPECT_GT(max_abs, 1e-3);
    else
      EXPECT_LT(max_abs, 1e-4);
  }
}

TEST(Studio, ExportWritesWhatTheCliWritesAndNeverOverwritesSilently) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = gradient_clip(dir.path() / "c.mkv", 64, 48, 9);
  const fs::path out = new_folder(dir.path() / "out");
  const fs::path state = dir.path() / "state.json";
  auto args = with_base_args({clip.string(), "--model", model_dir().string(), "--direct", "--export", out.string(),
                              "--dump-state", state.string()});
  const StudioRun r = studio(args, dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(out)) files.insert(e.path().filename().string());
  const std::string base = "c_groupnorm_" + std::to_string(trained_groups());
  for (const char* suffix : {"_recon.mkv", "_input.mkv", "_side_by_side.mp4", "_diff.mkv", "_latents.safetensors",
                             "_metrics.json", "_metrics.csv", "_view.png"})
    EXPECT_TRUE(files.count(base + suffix)) << base + suffix << " missing; have " << files.size() << " files";
  EXPECT_EQ(files.size(), 8u) << "no temporaries or extras left behind";
  // ffprobe agrees on the frame count and size.
  if (have_program("ffprobe")) {
    const std::string cmd =
        "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height "
        "-of csv=p=0 " +
        quote((out / (base + "_recon.mkv")).string());
    FILE* p = popen(cmd.c_str(), "r");
    char buf[256] = {0};
    ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
    pclose(p);
    EXPECT_EQ(std::string(buf), "64,48,9\n");
  }
  // The CLI, with the same settings, computes the same metrics.
  const fs::path cli_json = dir.path() / "cli.json";
  const std::string cli = quote(WFVAE_CLI_EXE) + " recon " + quote(clip.string()) + " -o " +
                          quote((dir.path() / "cli.mkv").string()) + " --model " + quote(model_dir().string()) +
                          " --metrics " + quote(cli_json.string()) + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cli.c_str()), 0);
  const json::Value mine = read_json(out / (base + "_metrics.json")), theirs = read_json(cli_json);
  // (Same engine, same settings; only thread scheduling could reorder float sums.)
  EXPECT_NEAR(mine.find("psnr_mean")->as_number(), theirs.find("psnr_mean")->as_number(), 1e-6);
  EXPECT_NEAR(mine.find("ssim_mean")->as_number(), theirs.find("ssim_mean")->as_number(), 1e-7);
  EXPECT_NEAR(mine.find("blockiness_mean")->as_number(), theirs.find("blockiness_mean")->as_number(), 1e-6);
  EXPECT_GT(mine.find("blockiness_mean")->as_number(), 0.0);
  EXPECT_EQ(mine.find("input")->find("frames")->as_int(), theirs.find("input")->find("frames")->as_int());
  EXPECT_EQ(mine.find("input")->find("width")->as_int(), theirs.find("input")->find("width")->as_int());
  const json::Value st = read_json(state);
  EXPECT_EQ(st.find("run")->find("psnr_mean")->as_number(), mine.find("psnr_mean")->as_number());
  EXPECT_EQ(st.find("exported")->as_array().size(), 8u);
  // The view PNG is a real picture of the view.
  const media::RgbFrame view = read_png(out / (base + "_view.png"));
  EXPECT_GT(view.width, 200);

  // Again without -y: refused, nothing touched.
  const auto before = fs::last_write_time(out / (base + "_recon.mkv"));
  const StudioRun again = studio(args, dir.path() / "cfg");
  EXPECT_EQ(again.code, 2) << again.log;
  EXPECT_NE(again.log.find("already exist"), std::string::npos) << again.log;
  EXPECT_EQ(fs::last_write_time(out / (base + "_recon.mkv")), before);
}

TEST(Studio, NormLabTableAndItsExports) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = gradient_clip(dir.path() / "c.mkv", 64, 48, 9);
  const fs::path csv = dir.path() / "lab.csv", png = dir.path() / "lab.png", state = dir.path() / "state.json";
  auto args =
      with_base_args({clip.string(), "--model", model_dir().string(), "--frames", "9", "--normlab",
                      "trained,gn:" + std::to_string(trained_groups() == 2 ? 4 : 2) + ",ln,ln/chunked", "--normlab-csv",
                      csv.string(), "--normlab-png", png.string(), "--dump-state", state.string()});
  const StudioRun r = studio(args, dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const std::string table = read_text_file(csv);
  std::vector<std::string> lines;
  std::stringstream ss(table);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 5u) << table;
  EXPECT_EQ(lines[0].rfind("model,norm_type,num_groups,chunked,trained_setting,status", 0), 0u);
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_NE(lines[i].find(",done,"), std::string::npos) << lines[i];
  const json::Value st = read_json(state);
  const auto& rows = st.find("normlab")->as_array();
  ASSERT_EQ(rows.size(), 4u);
  // LayerNorm: chunked and direct agree; the trained setting is marked.
  EXPECT_NEAR(rows[2].find("psnr")->as_number(), rows[3].find("psnr")->as_number(), 1e-3);
  EXPECT_TRUE(rows[0].find("trained")->as_bool());
  EXPECT_FALSE(rows[1].find("trained")->as_bool());
  for (const auto& row : rows) {
    EXPECT_GT(row.find("encode_ms")->as_number(), 0);
    EXPECT_GT(row.find("peak_rss")->as_number(), 1e6);
  }
  const media::RgbFrame img = read_png(png);
  EXPECT_GT(img.width, 300);
  EXPECT_GT(img.height, 4 * 48);  // header + four rows with thumbnails
}

TEST(Studio, UiBenchMeasuresFramesWhileInferenceRuns) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = gradient_clip(dir.path() / "c.mkv", 64, 48, 9);
  const fs::path bench = dir.path() / "bench.json";
  auto args = with_base_args({clip.string(), "--model", model_dir().string(), "--ui-bench", bench.string()});
  const StudioRun r = studio(args, dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const json::Value b = read_json(bench);
  EXPECT_GT(b.find("frames_while_busy")->as_int(), 5);
  EXPECT_GT(b.find("frame_interval_ms")->find("p50")->as_number(), 0);
  EXPECT_GE(b.find("frame_interval_ms")->find("p95")->as_number(),
            b.find("frame_interval_ms")->find("p50")->as_number());
  EXPECT_GT(b.find("fps_while_busy")->as_number(), 0);
  EXPECT_EQ(b.find("worker_nice")->as_int(), 10);
  std::printf("UI while inference runs: %.1f fps, frame interval p50 %.1f ms, p95 %.1f ms (load average %.1f)\n",
              b.find("fps_while_busy")->as_number(), b.find("frame_interval_ms")->find("p50")->as_number(),
              b.find("frame_interval_ms")->find("p95")->as_number(), b.find("load_average_1min")->as_number());
}

TEST(Studio, ResultsStreamInWhileTheRunIsStillGoing) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = gradient_clip(dir.path() / "c.mkv", 64, 48, 17);
  const fs::path mid = dir.path() / "mid", state = dir.path() / "end.json";
  auto args = with_base_args({clip.string(), "--model", model_dir().string(), "--chunked", "--during-run", mid.string(),
                              "--dump-state", state.string()});
  const StudioRun r = studio(args, dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  // Part-way: some frames decoded and measured, the rest not yet.
  const json::Value m = read_json(fs::path(mid.string() + ".json"));
  const json::Value& run = *m.find("run");
  EXPECT_EQ(run.find("state")->as_string(), "running");
  const int64_t decoded = run.find("frames_decoded")->as_int();
  EXPECT_GT(decoded, 0);
  EXPECT_LT(decoded, 17);
  int measured = 0;
  for (const auto& v : run.find("psnr_per_frame")->as_array()) measured += v.is_number();
  EXPECT_GT(measured, 0);
  EXPECT_LT(measured, 17);
  EXPECT_TRUE(fs::exists(mid.string() + ".png"));
  // At the end, every frame, and the streamed values are the final ones.
  const json::Value end = read_json(state);
  const json::Value& done = *end.find("run");
  EXPECT_EQ(done.find("state")->as_string(), "done");
  const auto& part = run.find("psnr_per_frame")->as_array();
  const auto& full = done.find("psnr_per_frame")->as_array();
  ASSERT_EQ(full.size(), 17u);
  for (size_t i = 0; i < part.size(); ++i)
    if (part[i].is_number()) {
      EXPECT_DOUBLE_EQ(part[i].as_number(), full[i].as_number()) << i;
    }
}

TEST(Studio, SettingsAndRecentFilesPersist) {
  REQUIRE_XVFB();
  TempDir dir;
  const fs::path clip = gradient_clip(dir.path() / "c.mkv", 64, 48, 5);
  const fs::path cfg = dir.path() / "cfg";
  const StudioRun first = studio({clip.string(), "--no-model", "--view", "diff", "--exit-when-idle"}, cfg);
  ASSERT_EQ(first.code, 0) << first.log;
  const json::Value s = read_json(cfg / "wfvae-studio/settings.json");
  EXPECT_EQ(s.find("last_input")->as_string(), clip.string());
  EXPECT_EQ(s.find("recent_files")->as_array().at(0).as_string(), clip.string());
  EXPECT_EQ(s.find("view")->as_int(), 3);  // diff
  EXPECT_TRUE(fs::exists(cfg / "wfvae-studio/imgui.ini"));
  // The next session reopens the clip in the same view.
  const fs::path state = dir.path() / "state.json";
  const StudioRun second = studio({"--no-model", "--dump-state", state.string()}, cfg);
  ASSERT_EQ(second.code, 0) << second.log;
  const json::Value st = read_json(state);
  EXPECT_EQ(st.find("clip")->find("path")->as_string(), clip.string());
  EXPECT_EQ(st.find("view")->as_string(), "diff");
}

TEST(Studio, EveryViewRendersSomething) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = gradient_clip(dir.path() / "c.mkv", 64, 48, 9);
  for (const char* view : {"side", "split", "flicker", "diff", "wavelet", "normlab", "lpips", "latent"}) {
    SCOPED_TRACE(view);
    const fs::path shot = dir.path() / (std::string(view) + ".png"),
                   layout = dir.path() / (std::string(view) + ".json");
    auto args = with_base_args({clip.string(), "--model", model_dir().string(), "--view", std::string(view),
                                "--screenshot", shot.string(), "--dump-layout", layout.string()});
    const StudioRun r = studio(args, dir.path() / "cfg");
    ASSERT_EQ(r.code, 0) << r.log;
    const media::RgbFrame img = read_png(shot);
    // The main panels tile the window without overlapping.
    const auto items = layout_items(read_json(layout));
    std::vector<Box> panels;
    for (const char* p : {"viewer", "timeline", "sidebar"}) {
      ASSERT_TRUE(items.count(p)) << p;
      panels.push_back(items.at(p));
      EXPECT_GE(panels.back().x, 0);
      EXPECT_LE(panels.back().x + panels.back().w, img.width + 0.5);
      EXPECT_LE(panels.back().y + panels.back().h, img.height + 0.5);
    }
    for (size_t i = 0; i < panels.size(); ++i)
      for (size_t j = i + 1; j < panels.size(); ++j) {
        const Box &p = panels[i], &q = panels[j];
        EXPECT_TRUE(p.x + p.w <= q.x + 0.5 || q.x + q.w <= p.x + 0.5 || p.y + p.h <= q.y + 0.5 ||
                    q.y + q.h <= p.y + 0.5);
      }
    // The viewer shows more than a flat colour.
    const Box& v = items.at("viewer");
    std::set<int> colours;
    for (int y = static_cast<int>(v.y) + 60; y < static_cast<int>(v.y + v.h) - 4; y += 4)
      for (int x = static_cast<int>(v.x) + 4; x < static_cast<int>(v.x + v.w) - 4; x += 4) {
        const uint8_t* p = px(img, x, y);
        colours.insert(p[0] << 16 | p[1] << 8 | p[2]);
      }
    EXPECT_GT(colours.size(), 30u);
  }
}
