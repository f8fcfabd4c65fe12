// The clip pack (wfvae pack-clips -> wfvae train --clips): what is written is what is
// read, in the writer's order; anything else is refused naming the file.
#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/safetensors.h"
#include "train/clip_pack.h"

using namespace wfvae;

namespace {

train::Clip clip(const std::string& name, int t, int h, int w, int seed) {
  train::Clip c;
  c.name = name;
  c.frames = t;
  c.height = h;
  c.width = w;
  c.rgb.resize(static_cast<size_t>(t) * h * w * 3);
  for (size_t i = 0; i < c.rgb.size(); ++i) c.rgb[i] = static_cast<uint8_t>(i * 7 + seed * 31 + i / 5);
  return c;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ClipPack, RoundTripKeepsClipsNamesOrderAndInfo) {
  TempDir dir;
  train::ClipPack pack;
  // Twelve clips: a file order by plain name ("train/0010" < "train/0002") would differ.
  for (int i = 0; i < 12; ++i) pack.train.push_back(clip("clip" + std::to_string(i) + ".mp4@160", 3 + i % 2, 8, 10, i));
  pack.val.push_back(clip("city.mpg@128", 5, 12, 16, 99));
  pack.info = {{"short_sides", "160,256"}, {"max_clip_frames", "64"}};
  train::write_clip_pack(dir / "p.safetensors", pack, false);

  train::ClipPack back = train::read_clip_pack(dir / "p.safetensors");
  ASSERT_EQ(back.train.size(), 12u);
  ASSERT_EQ(back.val.size(), 1u);
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(back.train[i].name, pack.train[i].name);
    EXPECT_EQ(back.train[i].frames, pack.train[i].frames);
    EXPECT_EQ(back.train[i].height, 8);
    EXPECT_EQ(back.train[i].width, 10);
    EXPECT_EQ(back.train[i].rgb, pack.train[i].rgb) << i;
  }
  EXPECT_EQ(back.val[0].name, "city.mpg@128");
  EXPECT_EQ(back.val[0].rgb, pack.val[0].rgb);
  EXPECT_EQ(back.info.at("short_sides"), "160,256");
  EXPECT_EQ(back.info.at("max_clip_frames"), "64");
  EXPECT_EQ(back.info.count("format"), 0u);

  // Never a silent overwrite.
  EXPECT_NE(error_of([&] { train::write_clip_pack(dir / "p.safetensors", pack, false); }).find("p.safetensors"),
            std::string::npos);
  EXPECT_NO_THROW(train::write_clip_pack(dir / "p.safetensors", pack, true));
}

TEST(ClipPack, RefusesWhatIsNotAPack) {
  TempDir dir;
  // A checkpoint is a safetensors file too, but not a clip pack.
  std::vector<float> w(6, 0.5f);
  write_safetensors(dir / "model.safetensors", {{"conv.weight", StDType::F32, {2, 3}, w.data()}}, {}, false);
  EXPECT_NE(
      error_of([&] { train::read_clip_pack(dir / "model.safetensors"); }).find("model.safetensors: not a clip pack"),
      std::string::npos);

  const std::map<std::string, std::string> meta = {{"format", train::kClipPackFormat}};
  std::vector<uint8_t> bytes(2 * 4 * 4 * 3, 7);
  write_safetensors(dir / "gray.safetensors", {{"train/0000", StDType::U8, {2, 4, 4, 1}, bytes.data()}}, meta, false);
  EXPECT_NE(error_of([&] { train::read_clip_pack(dir / "gray.safetensors"); })
                .find("gray.safetensors: clip 'train/0000' is U8 [2, 4, 4, 1]; a clip pack holds U8 [frames, height, "
                      "width, 3]"),
            std::string::npos);
  write_safetensors(dir / "extra.safetensors", {{"test/0000", StDType::U8, {2, 4, 4, 3}, bytes.data()}}, meta, false);
  EXPECT_NE(error_of([&] { train::read_clip_pack(dir / "extra.safetensors"); }).find("unexpected tensor 'test/0000'"),
            std::string::npos);
  write_safetensors(dir / "valonly.safetensors", {{"val/0000", StDType::U8, {2, 4, 4, 3}, bytes.data()}}, meta, false);
  EXPECT_NE(error_of([&] { train::read_clip_pack(dir / "valonly.safetensors"); }).find("has no training clips"),
            std::string::npos);
  std::ofstream(dir / "text.safetensors") << "not a safetensors file at all";
  EXPECT_NE(error_of([&] { train::read_clip_pack(dir / "text.safetensors"); }).find("text.safetensors"),
            std::string::npos);

  // The writer refuses clips whose bytes do not match their size, and empty packs.
  train::ClipPack bad;
  bad.train.push_back(clip("short", 2, 4, 4, 0));
  bad.train[0].rgb.pop_back();
  EXPECT_NE(error_of([&] { train::write_clip_pack(dir / "bad.safetensors", bad, false); }).find("short"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              train::write_clip_pack(dir / "empty.safetensors", train::ClipPack{}, false);
            }).find("at least one training clip"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.safetensors"));
}
