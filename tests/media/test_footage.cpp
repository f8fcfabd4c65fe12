// Real footage from Debian packages (scripts/data/fetch-footage puts it in the cache).
// Expected frame counts and sizes were verified with
//   ffprobe -v error -count_frames -select_streams v:0
//     -show_entries stream=codec_name,width,height,nb_read_frames,avg_frame_rate,r_frame_rate FILE
// (FFmpeg 5.1.x, Debian 12) and are hard-coded here, so the test does not trust the
// library it checks.
#include <cmath>

#include "media_test_util.h"

using namespace wfvae;
using namespace wfvae::testing;
namespace fs = std::filesystem;

namespace {

struct Clip {
  const char* file;
  const char* container;
  const char* codec;
  int width, height;
  int64_t frames;      // ffprobe -count_frames
  double fps;          // what VideoInfo::fps must say
  const char* tricky;  // why the clip is in the suite
};

const Clip kClips[] = {
    {"cityCC0.mpg", "mpeg", "mpeg2video", 720, 405, 190, 25.0, "MPEG-PS: no frame count, odd height"},
    {"cockatoo.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", 1280, 720, 280, 20.0,
     "H.264 High 4:4:4, untagged HD (BT.709 guess)"},
    {"realshort.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", 320, 240, 36, 45000.0 / 1499, "fractional rate 45000/1499"},
    {"Effet_force_magnetique.ogv", "ogg", "theora", 400, 304, 34, 25.0, "avg_frame_rate 0/0 (NaN), no frame count"},
    {"Force_constante.avi", "avi", "mpeg4", 400, 300, 26, 25.0, "MPEG-4 part 2 in AVI (no pts, dts only)"},
    {"Principe_inertie.avi", "avi", "mpeg4", 400, 300, 28, 25.0, "MPEG-4 part 2 in AVI"},
    {"balle-jbart.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", 720, 576, 255, 25.0, "PAL-size H.264"},
    {"balle1-vp9.avi", "avi", "vp9", 320, 240, 295, 78125.0 / 417,
     "VP9 in AVI: 300 packets, 295 shown frames (hidden alt-ref frames), timestamp gaps, 187 fps"},
    {"g1.avi", "avi", "mpeg4", 400, 300, 16, 25.0, "short AVI"},
    {"g2.avi", "avi", "mpeg4", 400, 300, 16, 25.0, "short AVI"},
    {"retroMars2018.avi", "avi", "mpeg4", 1024, 768, 25, 10.0, "10 fps, 1024x768"},
    {"newtonscradle.gif", "gif", "gif", 200, 150, 36, 45.0, "animated GIF: palette, alpha, variable delays"},
};

// Test names and failure messages show the file, not the struct's bytes.
void PrintTo(const Clip& c, std::ostream* os) { *os << c.file; }

class Footage : public ::testing::TestWithParam<Clip> {};

// Shrinks frames as they are decoded (we check counts and order, not pixels), so
// 280 frames of 1280x720 do not sit in memory.
media::RgbFrame shrink(media::RgbFrame f) { return media::resize_center_crop(f, 8, 8); }

}  // namespace

TEST_P(Footage, ProbeAndDecodeEveryFrame) {
  const Clip& c = GetParam();
  const fs::path path = footage_dir() / c.file;
  SKIP_WITHOUT_FOOTAGE(path);
  SCOPED_TRACE(std::string(c.file) + ": " + c.tricky);

  media::VideoInfo info = media::probe(path);
  EXPECT_EQ(info.container, c.container);
  EXPECT_EQ(info.codec, c.codec);
  EXPECT_EQ(info.width, c.width);
  EXPECT_EQ(info.height, c.height);
  EXPECT_NEAR(info.fps, c.fps, 1e-6 * c.fps);
  EXPECT_FALSE(info.is_image);

  // Record each frame's size before shrinking it.
  std::vector<std::pair<int, int>> sizes;
  media::DecodeOptions o;
  o.transform = [&](media::RgbFrame f) {
    sizes.emplace_back(f.width, f.height);
    return shrink(std::move(f));
  };
  media::DecodedVideo v = media::decode_video(path, o);
  ASSERT_EQ(static_cast<int64_t>(v.frames.size()), c.frames);
  for (size_t i = 0; i < v.frames.size(); ++i) {
    EXPECT_EQ(sizes[i].first, c.width) << "frame " << i;
    EXPECT_EQ(sizes[i].second, c.height) << "frame " << i;
    EXPECT_EQ(v.frames[i].source_index, static_cast<int64_t>(i));
    if (i > 0) {
      EXPECT_GE(v.frames[i].time_s, v.frames[i - 1].time_s) << "frame " << i;
    }
  }
  EXPECT_NEAR(v.frames[0].time_s, 0.0, 0.1);
  EXPECT_NEAR(v.fps, c.fps, 1e-6 * c.fps);
}

INSTANTIATE_TEST_SUITE_P(Debian, Footage, ::testing::ValuesIn(kClips), [](const auto& info) {
  std::string n = info.param.file;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
});

// The VP9 clip's container claims 300 frames; only 295 are shown. The difference is
// reported, not hidden.
TEST(FootageDetails, Vp9HiddenFramesAreReported) {
  const fs::path path = footage_dir() / "balle1-vp9.avi";
  SKIP_WITHOUT_FOOTAGE(path);
  media::VideoInfo info = media::probe(path);
  EXPECT_EQ(info.frame_count, 300);
  media::DecodeOptions o;
  o.transform = shrink;
  media::DecodedVideo v = media::decode_video(path, o);
  EXPECT_EQ(v.frames.size(), 295u);
  bool noted = false;
  for (const auto& n : v.info.notes) noted = noted || n.find("300") != std::string::npos;
  EXPECT_TRUE(noted) << "expected a note about 300 claimed vs 295 decodable frames";
}

TEST(FootageDetails, TheoraWithoutAverageRateUsesBaseRate) {
  const fs::path path = footage_dir() / "Effet_force_magnetique.ogv";
  SKIP_WITHOUT_FOOTAGE(path);
  media::VideoInfo info = media::probe(path);
  EXPECT_EQ(info.frame_count, 0);  // Ogg stores no count
  EXPECT_DOUBLE_EQ(info.fps, 25.0);
  ASSERT_FALSE(info.notes.empty());
}

// Our RGB conversion of real clips is byte-identical to the ffmpeg CLI's: both run
// this libswscale with its default (bicubic) flags, given the colour matrix we
// use for the clip (tagged, or guessed from the size).
TEST(FootageDetails, ColoursMatchFfmpegCli) {
  REQUIRE_FFMPEG_CLI();
  struct Case {
    const char* file;
    const char* matrix;  // what we use for this clip: tagged, or guessed from its size
  };
  const Case cases[] = {
      {"realshort.mp4", "bt601"}, {"cityCC0.mpg", "bt601"}, {"balle1-vp9.avi", "bt601"}, {"cockatoo.mp4", "bt709"}};
  for (const auto& k : cases) {
    const fs::path path = footage_dir() / k.file;
    SKIP_WITHOUT_FOOTAGE(path);
    media::DecodeOptions o;
    o.max_frames = 1;
    media::DecodedVideo v = media::decode_video(path, o);
    ASSERT_EQ(v.frames.size(), 1u);
    const std::string raw =
        run_command("ffmpeg -nostdin -v error -i " + shell_quote(path.string()) +
                    " -frames:v 1 -vf scale=in_color_matrix=" + k.matrix + " -f rawvideo -pix_fmt rgb24 -");
    ASSERT_EQ(raw.size(), v.frames[0].rgb.size()) << k.file;
    double sum = 0;
    int maxd = 0;
    for (size_t i = 0; i < raw.size(); ++i) {
      const int d = std::abs(static_cast<int>(static_cast<uint8_t>(raw[i])) - v.frames[0].rgb[i]);
      sum += d;
      maxd = std::max(maxd, d);
    }
    EXPECT_EQ(maxd, 0) << k.file << " mean abs difference " << sum / raw.size();
  }
}

TEST(FootageDetails, SelectionOnRealClip) {
  const fs::path path = footage_dir() / "realshort.mp4";
  SKIP_WITHOUT_FOOTAGE(path);
  media::DecodedVideo all = media::decode_video(path);
  ASSERT_EQ(all.frames.size(), 36u);

  media::DecodeOptions o;
  o.start_frame = 5;
  o.stride = 3;
  o.max_frames = 4;
  media::DecodedVideo sel = media::decode_video(path, o);
  ASSERT_EQ(sel.frames.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(sel.frames[i].source_index, 5 + 3 * i);
    EXPECT_EQ(sel.frames[i].rgb, all.frames[static_cast<size_t>(5 + 3 * i)].rgb) << "frame " << i;
  }
  EXPECT_NEAR(sel.fps, (45000.0 / 1499) / 3, 1e-9);

  // By time: the first kept frame is the first at or after 0.5 s.
  media::DecodeOptions t;
  t.start_time_s = 0.5;
  media::DecodedVideo byt = media::decode_video(path, t);
  ASSERT_FALSE(byt.frames.empty());
  const int64_t first = byt.frames[0].source_index;
  EXPECT_GE(all.frames[static_cast<size_t>(first)].time_s, 0.5 - 1e-4);
  EXPECT_LT(all.frames[static_cast<size_t>(first - 1)].time_s, 0.5);
  EXPECT_EQ(byt.frames.size(), 36u - static_cast<size_t>(first));
  EXPECT_EQ(byt.frames[0].rgb, all.frames[static_cast<size_t>(first)].rgb);
}
