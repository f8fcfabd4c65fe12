// wfvae encode's latent cache (pipeline/latent_cache.h): an encoded then decoded clip is
// exactly recon's reconstruction; reruns skip what is done; shards fill one cache as one
// run would; another encoding in the folder, bad inputs and cancels are handled.
#include <gtest/gtest.h>

#include <fstream>

#include "common/errors.h"
#include "common/temp_dir.h"
#include "core/error.h"
#include "core/json.h"
#include "core/latent_norm.h"
#include "core/safetensors.h"
#include "pipeline/decode_latents.h"
#include "pipeline/eval.h"
#include "pipeline/latent_cache.h"
#include "pipeline/latent_stats.h"
#include "pipeline_test_util.h"

using namespace wfvae;
namespace fs = std::filesystem;

namespace {

fs::path bundled_model() { return fs::path(WFVAE_SOURCE_DIR) / "assets/models/wfvae-tiny-gn"; }

// A cache request over `clips` (all of them this run's), the model loaded once.
struct CacheFixture {
  std::unique_ptr<Vae> vae = Vae::load(bundled_model());
  pipeline::LatentCacheRequest request(const std::vector<fs::path>& clips, const fs::path& out) {
    pipeline::LatentCacheRequest q;
    q.all = q.mine = clips;
    q.out_dir = out;
    q.base.vae = vae.get();
    q.base.height = q.base.width = 32;
    q.base.frames = 9;
    q.model = bundled_model().string();
    return q;
  }
};

pipeline::ReconResult recon_of(Vae& vae, const fs::path& clip, bool sample, uint64_t seed) {
  pipeline::ReconRequest r;
  r.input = clip;
  r.vae = &vae;
  r.height = r.width = 32;
  r.frames = 9;
  r.sample = sample;
  r.seed = seed;
  return pipeline::reconstruct(r);
}

std::string bytes_of(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

json::Value manifest_of(const fs::path& dir) { return json::parse(bytes_of(dir / "manifest.json")); }

}  // namespace

TEST(LatentCache, NamesAreRelativeToTheFolderTheInputsShare) {
  EXPECT_EQ(pipeline::cache_names({"/d/clips/a.mp4", "/d/clips/sub/b.mov"}),
            (std::vector<std::string>{"a.mp4.safetensors", "sub/b.mov.safetensors"}));
  EXPECT_EQ(pipeline::cache_names({"/d/x/a.mp4", "/d/y/a.mp4"}),
            (std::vector<std::string>{"x/a.mp4.safetensors", "y/a.mp4.safetensors"}));
  EXPECT_EQ(pipeline::cache_names({"/d/a.mp4"}), std::vector<std::string>{"a.mp4.safetensors"});
  error_message([] { pipeline::cache_names({"/d/a.mp4", "/d/./a.mp4"}); }, ErrorKind::Usage, "a clip named twice");
}

// The "done when" of issue 31: encode, then decode, gives recon's frames to the bit (f32),
// for the mode and for a seeded sample; a rerun skips the clip and leaves its file be.
TEST(LatentCache, EncodeThenDecodeIsReconsReconstructionAndARerunSkips) {
  TempDir dir;
  CacheFixture fx;
  const fs::path clip = test::write_test_clip(dir / "in/clip.mkv");
  for (bool sample : {false, true}) {
    const fs::path out = dir / (sample ? "cache-sample" : "cache-mode");
    pipeline::LatentCacheRequest q = fx.request({clip}, out);
    q.sample = sample;
    q.seed = 7;
    std::vector<pipeline::CacheClip> seen;
    q.on_clip = [&](const pipeline::CacheClip& c) { seen.push_back(c); };
    const pipeline::LatentCacheOutcome o = pipeline::run_latent_cache(q);
    EXPECT_EQ(o.encoded, 1);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].file, "clip.mkv.safetensors");
    EXPECT_EQ(seen[0].shape, (std::vector<int64_t>{1, 16, 3, 4, 4}));
    const fs::path file = out / "clip.mkv.safetensors";

    const uint64_t seed = pipeline::clip_seed(7, "clip.mkv.safetensors");
    const pipeline::ReconResult ref = recon_of(*fx.vae, clip, sample, seed);
    const pipeline::LatentFile lf = pipeline::read_latent_file(file);
    EXPECT_FALSE(lf.normalized);
    EXPECT_EQ(lf.latent.data, (sample ? ref.latent_sample : ref.latent_mean).data);
    const pipeline::DecodeLatentsResult d = pipeline::decode_latents(*fx.vae, lf, false);
    ASSERT_EQ(d.frames.size(), ref.recon_frames.size());
    for (size_t t = 0; t < d.frames.size(); ++t)
      EXPECT_EQ(d.frames[t].rgb, ref.recon_frames[t].rgb) << "frame " << t << (sample ? " (sample)" : " (mode)");

    const std::string before = bytes_of(file);
    const auto stamp = fs::last_write_time(file);
    seen.clear();
    const pipeline::LatentCacheOutcome again = pipeline::run_latent_cache(q);
    EXPECT_EQ(again.encoded, 0);
    EXPECT_EQ(again.skipped, 1);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].status, pipeline::CacheStatus::Skipped);
    EXPECT_EQ(seen[0].frames, 9);
    EXPECT_EQ(fs::last_write_time(file), stamp);
    EXPECT_EQ(bytes_of(file), before);
  }
}

// --normalized stores (z - shift) * scale with the config's values, says so in the
// metadata, and decode undoes it; a config whose values do not fit is refused first.
TEST(LatentCache, NormalisedLatentsCarryTheirScaleAndDecodeBack) {
  TempDir dir;
  CacheFixture fx;
  const fs::path clip = test::write_test_clip(dir / "clip.mkv");
  pipeline::LatentCacheRequest q = fx.request({clip}, dir / "refused");
  q.layout.normalized = true;  // the bundled config has 4 values for 16 channels
  const std::string m = error_message([&] { pipeline::check_latent_cache(q); }, ErrorKind::Usage);
  EXPECT_NE(m.find("scale/shift"), std::string::npos) << m;

  json::Value cfg = json::parse(bytes_of(bundled_model() / "config.json"));
  std::vector<double> scale, shift;
  for (int c = 0; c < 16; ++c) {
    scale.push_back(0.5 + 0.1 * c);
    shift.push_back(0.01 * c - 0.05);
  }
  cfg["scale"] = json::array_of(scale);
  cfg["shift"] = json::array_of(shift);
  std::ofstream(dir / "config.json") << json::dump(cfg);
  LoadOptions lo;
  lo.config = dir / "config.json";
  fx.vae = Vae::load(bundled_model(), Device::CPU, ComputeDType::F32, lo);
  q = fx.request({clip}, dir / "cache");
  q.layout.normalized = true;
  q.layout.posterior = true;
  pipeline::run_latent_cache(q);
  SafetensorsReader r(dir / "cache/clip.mkv.safetensors");
  EXPECT_EQ(r.metadata().at("normalized"), "true");
  ASSERT_NE(r.find("mean"), nullptr);
  ASSERT_NE(r.find("logvar"), nullptr);
  std::vector<float> latent = r.read_float(*r.find("latent")), mean = r.read_float(*r.find("mean"));
  const int64_t per_channel = static_cast<int64_t>(mean.size()) / 16;
  for (size_t i = 0; i < mean.size(); ++i) {
    const size_t c = i / static_cast<size_t>(per_channel);
    const double want = (mean[i] - shift[c]) * scale[c];
    EXPECT_NEAR(latent[i], want, 1e-6 * (1 + std::abs(want))) << i;  // float arithmetic
  }
  const pipeline::LatentFile lf = pipeline::read_latent_file(dir / "cache/clip.mkv.safetensors");
  EXPECT_TRUE(lf.normalized);
  const pipeline::DecodeLatentsResult d = pipeline::decode_latents(*fx.vae, lf, false);
  const pipeline::ReconResult ref = recon_of(*fx.vae, clip, false, 0);
  ASSERT_EQ(d.frames.size(), ref.recon_frames.size());
  for (size_t t = 0; t < d.frames.size(); ++t)
    for (size_t i = 0; i < d.frames[t].rgb.size(); ++i)
      ASSERT_LE(std::abs(d.frames[t].rgb[i] - ref.recon_frames[t].rgb[i]), 1) << "frame " << t << " byte " << i;
}

// Two shards into one folder make the files one run makes, byte for byte; the manifest
// lists what is missing until the last shard is done.
TEST(LatentCache, ShardsFillOneCacheAsOneRun) {
  TempDir dir;
  CacheFixture fx;
  std::vector<fs::path> clips;
  for (int i = 0; i < 3; ++i)
    clips.push_back(test::write_test_clip(dir / ("data/c" + std::to_string(i) + ".mkv"), 9, 48, 40, i));
  pipeline::LatentCacheRequest whole = fx.request(clips, dir / "whole");
  whole.sample = true;
  pipeline::run_latent_cache(whole);
  EXPECT_EQ(manifest_of(dir / "whole").find("complete")->as_bool(), true);

  for (int s = 0; s < 2; ++s) {
    pipeline::LatentCacheRequest part = fx.request(clips, dir / "sharded");
    part.sample = true;
    part.mine = pipeline::shard_inputs(clips, {s, 2});
    const pipeline::LatentCacheOutcome o = pipeline::run_latent_cache(part);
    EXPECT_EQ(o.encoded, s == 0 ? 2 : 1);
    const json::Value m = manifest_of(dir / "sharded");
    EXPECT_EQ(m.find("complete")->as_bool(), s == 1);
    EXPECT_EQ(m.find("missing")->as_array().size(), s == 0 ? 1u : 0u);
    EXPECT_EQ(m.find("clips")->as_array().size(), s == 0 ? 2u : 3u);
  }
  for (const char* name : {"c0.mkv.safetensors", "c1.mkv.safetensors", "c2.mkv.safetensors"})
    EXPECT_EQ(bytes_of(dir / "sharded" / name), bytes_of(dir / "whole" / name)) << name;
  EXPECT_EQ(bytes_of(dir / "sharded/manifest.json"), bytes_of(dir / "whole/manifest.json"));
}

// A folder that holds another encoding is refused before any work, naming the file and
// the setting; a foreign file in a clip's place too. A bad input is skipped and listed
// as missing; a cancel leaves no partial file and a manifest of what is done.
TEST(LatentCache, OtherEncodingsBadInputsAndCancels) {
  TempDir dir;
  CacheFixture fx;
  const fs::path a = test::write_test_clip(dir / "data/a.mkv", 9), b = test::write_test_clip(dir / "data/b.mkv", 9);
  pipeline::run_latent_cache(fx.request({a}, dir / "cache"));
  pipeline::LatentCacheRequest other = fx.request({a}, dir / "cache");
  other.base.frames = 5;
  std::string m = error_message([&] { pipeline::run_latent_cache(other); }, ErrorKind::BadInput);
  EXPECT_NE(m.find("a.mkv.safetensors was encoded with other settings (frames=9 there, frames=5 now)"),
            std::string::npos)
      << m;

  std::ofstream(dir / "cache/b.mkv.safetensors") << "not safetensors";
  m = error_message([&] { pipeline::run_latent_cache(fx.request({a, b}, dir / "cache")); }, ErrorKind::BadInput);
  EXPECT_NE(m.find("b.mkv.safetensors"), std::string::npos) << m;
  fs::remove(dir / "cache/b.mkv.safetensors");

  std::ofstream(dir / "data/broken.mkv") << "not a video";
  const fs::path broken = dir / "data/broken.mkv";
  pipeline::LatentCacheRequest q = fx.request({a, b, broken}, dir / "cache");
  const pipeline::LatentCacheOutcome o = pipeline::run_latent_cache(q);
  EXPECT_EQ(o.skipped, 1);
  EXPECT_EQ(o.encoded, 1);
  EXPECT_EQ(o.failed, 1);
  EXPECT_EQ(o.missing, 1);
  EXPECT_FALSE(fs::exists(dir / "cache/broken.mkv.safetensors"));
  const json::Value man = manifest_of(dir / "cache");
  ASSERT_EQ(man.find("missing")->as_array().size(), 1u);
  EXPECT_EQ(man.find("missing")->as_array()[0].as_string(), broken.string());

  CancelToken cancel;
  const fs::path c = test::write_test_clip(dir / "data/c.mkv", 9);
  pipeline::LatentCacheRequest cq = fx.request({a, b, c}, dir / "cache");
  cq.cancel = &cancel;
  cq.progress = [&](double, const std::string&) {
    if (!fs::exists(dir / "cache/c.mkv.safetensors")) cancel.cancel();
  };
  error_message([&] { pipeline::run_latent_cache(cq); }, ErrorKind::Cancelled);
  EXPECT_FALSE(fs::exists(dir / "cache/c.mkv.safetensors"));
  for (const auto& e : fs::directory_iterator(dir / "cache"))
    EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos) << e.path();
  EXPECT_EQ(manifest_of(dir / "cache").find("clips")->as_array().size(), 2u);
}
