// The studio's latent view (ui/panels/latent_panel.h), rendered headless on a clip:
// one tile per latent channel at the shown frame's latent frame, the frames it stands
// for, the channels with little energy and the shared colormap range, checked against
// the latent `wfvae recon --latents` writes for the same clip and settings.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/temp_dir.h"
#include "core/latent_lens.h"
#include "core/latent_norm.h"
#include "core/safetensors.h"
#include "studio_test_util.h"

using namespace wfvae;
using namespace studio_test;
namespace fs = std::filesystem;

namespace {

// 9 frames of 64x48 with structure in every direction, written losslessly.
fs::path latent_clip(const fs::path& path) {
  return write_clip(path, 64, 48, 9, [](int x, int y, int t, uint8_t* p) {
    p[0] = static_cast<uint8_t>(30 + x * 3 + t * 5);
    p[1] = static_cast<uint8_t>(40 + y * 4 + (x / 8) * 7);
    p[2] = static_cast<uint8_t>(128 + 90 * std::sin((x - y + 2 * t) * 0.35));
  });
}

// The latent (`mean`) of `wfvae recon --latents` on the clip, direct, at its own size.
HostTensor cli_latent(const fs::path& clip, const fs::path& model, const fs::path& dir, bool normalized) {
  const fs::path z = dir / (normalized ? "zn.safetensors" : "z.safetensors");
  const std::string cli = quote(WFVAE_CLI_EXE) + " recon " + quote(clip.string()) + " -o " +
                          quote((dir / (normalized ? "rn.mkv" : "r.mkv")).string()) + " --model " +
                          quote(model.string()) + " --frames 9 --latents " + quote(z.string()) +
                          (normalized ? " --normalized" : "") + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cli.c_str()), 0) << cli;
  SafetensorsReader r(z);
  const StTensorEntry* e = r.find("latent");
  EXPECT_NE(e, nullptr);
  HostTensor t(e->shape);
  t.data = r.read_float(*e);
  return t;
}

const Box& item(const std::map<std::string, Box>& items, const std::string& name) {
  static const Box none;
  auto it = items.find(name);
  EXPECT_TRUE(it != items.end()) << "no " << name << " in the layout";
  return it == items.end() ? none : it->second;
}

}  // namespace

TEST(StudioLatent, ChannelsAtTheShownFramesLatentFrameAsTheCliEncodesThem) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = latent_clip(dir.path() / "c.mkv");
  const fs::path shot = dir.path() / "latent.png", layout = dir.path() / "layout.json";
  const StudioRun r = studio(
      with_base_args({clip.string(), "--model", model_dir().string(), "--frames", "9", "--direct", "--view", "latent",
                      "--frame", "6", "--screenshot", shot.string(), "--dump-layout", layout.string()}),
      dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const auto items = layout_items(read_json(layout));
  const HostTensor z = cli_latent(clip, model_dir(), dir.path(), false);
  ASSERT_EQ(z.shape.size(), 5u);
  const lens::LatentSummary want = lens::summarize_latent(z, {}, {});

  // Frame 6 lies in latent frame 2, which stands for frames 5-8.
  const json::Value& f = item(items, "latent/frame").item;
  EXPECT_EQ(f.find("latent_frame")->as_int(), 2);
  EXPECT_EQ(f.find("first_frame")->as_int(), 5);
  EXPECT_EQ(f.find("last_frame")->as_int(), 8);
  EXPECT_EQ(f.find("form")->as_string(), "mode");
  EXPECT_NEAR(f.find("shared_scale")->as_number(), want.shared_scale, 1e-5 * want.shared_scale);

  std::vector<int> little;
  for (const auto& v : item(items, "latent/verdict").item.find("little_energy")->as_array())
    little.push_back(static_cast<int>(v.as_int()));
  EXPECT_EQ(little, want.little_energy_channels());

  // One tile per channel, none overlapping, each big enough to see, lit where the
  // channel has values away from zero at that frame.
  const media::RgbFrame img = read_png(shot);
  std::vector<Box> tiles;
  for (int64_t c = 0; c < want.channels; ++c) {
    tiles.push_back(item(items, "latent/channel/" + std::to_string(c)));
    EXPECT_GE(tiles.back().w, 40) << c;
    EXPECT_EQ(tiles.back().item.find("latent_frame")->as_int(), 2);
  }
  EXPECT_FALSE(items.count("latent/channel/" + std::to_string(want.channels)));
  for (size_t i = 0; i < tiles.size(); ++i)
    for (size_t j = i + 1; j < tiles.size(); ++j) {
      const Box &p = tiles[i], &q = tiles[j];
      EXPECT_TRUE(p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y) << i << " " << j;
    }
  for (int64_t c = 0; c < want.channels; ++c) {
    const std::vector<float> plane = lens::channel_plane(z, c, 2);
    float most = 0;
    for (float v : plane) most = std::max(most, std::fabs(v));
    if (most < 0.25f * want.shared_scale) continue;  // too faint to light the colormap
    const Box& b = tiles[static_cast<size_t>(c)];
    int lit = 0;
    for (int y = static_cast<int>(b.y) + 1; y < static_cast<int>(b.y + b.h) - 1; ++y)
      for (int x = static_cast<int>(b.x) + 1; x < static_cast<int>(b.x + b.w) - 1; ++x) {
        const uint8_t* p = px(img, x, y);
        lit += p[0] + p[1] + p[2] > 120;
      }
    EXPECT_GT(lit, 0) << "channel " << c << "'s tile is dark although its values reach " << most;
  }
  EXPECT_TRUE(items.count("latent/figures"));
  EXPECT_EQ(item(items, "latent/histogram").item.find("count")->as_int(), z.shape[2] * z.shape[3] * z.shape[4]);
}

// Normalised needs a config whose scale/shift fit the channels: with the bundled
// model's 4 values for 16 the toggle stays off; with 16 values the view shows
// (z - shift) * scale, the latent `recon --latents --normalized` writes.
TEST(StudioLatent, NormalisedOnlyWithScaleShiftThatFitAndThenAsTheCliWritesIt) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = latent_clip(dir.path() / "c.mkv");
  auto run = [&](const fs::path& model, const std::string& name) {
    const fs::path layout = dir.path() / (name + ".json");
    const StudioRun r = studio(
        with_base_args({clip.string(), "--model", model.string(), "--frames", "9", "--direct", "--view", "latent",
                        "--latent-form", "sample", "--latent-normalized", "--dump-layout", layout.string()}),
        dir.path() / "cfg");
    EXPECT_EQ(r.code, 0) << r.log;
    return layout_items(read_json(layout));
  };
  const json::Value cfg = read_json(model_dir() / "config.json");
  const int64_t L = cfg.find("latent_dim")->as_int();
  const bool fits = cfg.find("scale")->as_array().size() == static_cast<size_t>(L);
  if (!fits) {
    const auto items = run(model_dir(), "refused");
    const json::Value& f = item(items, "latent/frame").item;
    EXPECT_FALSE(f.find("normalized")->as_bool()) << "normalised with a scale/shift that do not fit";
    EXPECT_EQ(f.find("form")->as_string(), "sample");
  }
  // A copy of the model whose config has one value per channel.
  const fs::path model = dir.path() / "model16";
  fs::create_directories(model);
  for (const auto& e : fs::directory_iterator(model_dir()))
    if (e.path().filename() != "config.json") fs::create_symlink(e.path(), model / e.path().filename());
  json::Value c16 = cfg;
  json::Array scale, shift;
  for (int64_t c = 0; c < L; ++c) {
    scale.emplace_back(0.4 + 0.05 * static_cast<double>(c));
    shift.emplace_back(0.02 * static_cast<double>(c) - 0.1);
  }
  c16["scale"] = json::Value(scale);
  c16["shift"] = json::Value(shift);
  std::ofstream(model / "config.json") << json::dump(c16);
  const auto items = run(model, "normalized");
  const json::Value& f = item(items, "latent/frame").item;
  EXPECT_TRUE(f.find("normalized")->as_bool());
  // The sample's noise (std about 1e-4 for this model) hardly moves the 99.5th percentile.
  const HostTensor zn = cli_latent(clip, model, dir.path(), true);
  const double want = lens::summarize_latent(zn, {}, {}).shared_scale;
  EXPECT_NEAR(f.find("shared_scale")->as_number(), want, 0.02 * want);
}

// The decode round trip: a latents file opened in the studio is decoded with the
// loaded model and shown beside the video its metadata names (B = file), whose PSNR is
// then exactly what `wfvae recon` reported for the 8-bit frames it wrote; a latent of
// another model is refused, naming the file and the channel counts.
TEST(StudioLatent, ALatentsFileOpensAsItsDecodingBesideItsSource) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = latent_clip(dir.path() / "c.mkv");
  const fs::path z = dir.path() / "z.safetensors", metrics = dir.path() / "m.json";
  const std::string cli = quote(WFVAE_CLI_EXE) + " recon " + quote(clip.string()) + " -o " +
                          quote((dir.path() / "r.mkv").string()) + " --model " + quote(model_dir().string()) +
                          " --frames 9 --latents " + quote(z.string()) + " --metrics " + quote(metrics.string()) +
                          " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cli.c_str()), 0) << cli;
  const fs::path state = dir.path() / "state.json";
  const StudioRun r = studio(with_base_args({z.string(), "--model", model_dir().string(), "--direct", "--dump-state",
                                             state.string(), "--exit-when-idle"}),
                             dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const json::Value st = read_json(state);
  ASSERT_TRUE(st.find("clip")) << r.log;
  EXPECT_EQ(st.find("clip")->find("path")->as_string(), z.string());
  EXPECT_EQ(st.find("clip")->find("frames")->as_int(), 9);
  ASSERT_TRUE(st.find("file_b")) << "the source video was not opened as B: " << state_messages(st);
  EXPECT_EQ(st.find("file_b")->find("path")->as_string(), clip.string());
  const json::Value m = read_json(metrics);
  EXPECT_NEAR(st.find("file_b")->find("psnr_mean")->as_number(), m.find("output_8bit")->find("psnr_mean")->as_number(),
              1e-9);
  EXPECT_NE(state_messages(st).find("decoded from latents"), std::string::npos) << state_messages(st);

  // A latent with another channel count than the model's.
  const int64_t L = read_json(model_dir() / "config.json").find("latent_dim")->as_int(), wrong = L == 8 ? 16 : 8;
  const fs::path other = dir.path() / "other.safetensors";
  std::vector<float> v(static_cast<size_t>(wrong * 3 * 6 * 8), 0.5f);
  write_safetensors(other, {{"latent", StDType::F32, {1, wrong, 3, 6, 8}, v.data()}}, {}, false);
  const fs::path state2 = dir.path() / "state2.json";
  const StudioRun r2 = studio(with_base_args({other.string(), "--model", model_dir().string(), "--dump-state",
                                              state2.string(), "--exit-when-idle"}),
                              dir.path() / "cfg");
  EXPECT_EQ(r2.code, 2) << r2.log;  // bad input
  const std::string msgs = state_messages(read_json(state2));
  EXPECT_NE(msgs.find(other.string() + ": tensor \"latent\" has " + std::to_string(wrong) +
                      " latent channels; this model has " + std::to_string(L)),
            std::string::npos)
      << msgs;
}

// Hovering a tile names the latent cell under the pointer and the pixels it stands for.
TEST(StudioLatent, HoveringACellNamesItAndThePixelsItStandsFor) {
  REQUIRE_MODEL();
  TempDir dir;
  const fs::path clip = latent_clip(dir.path() / "c.mkv");
  const fs::path first = dir.path() / "first.json";
  auto args = [&](const fs::path& layout, const std::vector<std::string>& extra) {
    return with_base_args(concat({clip.string(), "--model", model_dir().string(), "--frames", "9", "--direct", "--view",
                                  "latent", "--dump-layout", layout.string()},
                                 extra));
  };
  StudioRun r = studio(args(first, {}), dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const Box tile = item(layout_items(read_json(first)), "latent/channel/3");
  const int64_t w = 64 / 8, h = 48 / 8;  // the clip's latent cells
  // The pointer in the cell (x 5, y 2) of channel 3's tile.
  const double px = tile.x + (5 + 0.5) * tile.w / w, py = tile.y + (2 + 0.5) * tile.h / h;
  const fs::path hovered = dir.path() / "hovered.json";
  r = studio(args(hovered, {"--hover", std::to_string(px) + "," + std::to_string(py)}), dir.path() / "cfg");
  ASSERT_EQ(r.code, 0) << r.log;
  const json::Value& cell = item(layout_items(read_json(hovered)), "latent/hover_cell").item;
  EXPECT_EQ(cell.find("channel")->as_int(), 3);
  EXPECT_EQ(cell.find("cell_x")->as_int(), 5);
  EXPECT_EQ(cell.find("cell_y")->as_int(), 2);
  EXPECT_EQ(cell.find("pixel_x")->as_int(), 40);
  EXPECT_EQ(cell.find("pixel_y")->as_int(), 16);
  EXPECT_FALSE(layout_items(read_json(first)).count("latent/hover_cell")) << "a cell named with no pointer over it";
}
