// Writers: lossless round trips are bit-exact, H.264 keeps every frame at the right
// rate, outputs appear atomically, nothing is overwritten without permission.
#include <unistd.h>

#include <cmath>

#include "common/frames.h"
#include "media_test_util.h"

using namespace wfvae;
using namespace wfvae::testing;
namespace fs = std::filesystem;

namespace {

// Smooth moving gradients: what H.264 compresses well (random noise would not).
std::vector<media::RgbFrame> gradient_frames(int n, int w, int h) {
  return make_frames(n, w, h, [](int x, int y, int t, uint8_t* p) {
    p[0] = static_cast<uint8_t>(x * 3 + t * 2);  // <= 189 + 32: no wrap-around edge
    p[1] = static_cast<uint8_t>(y * 4);
    p[2] = static_cast<uint8_t>(128 + 60 * std::sin((x + y + t) * 0.1));
  });
}

void expect_same_frames(const std::vector<media::RgbFrame>& a, const std::vector<media::RgbFrame>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].width, b[i].width);
    EXPECT_EQ(a[i].height, b[i].height);
    EXPECT_TRUE(a[i].rgb == b[i].rgb) << "frame " << i << " differs";
  }
}

}  // namespace

TEST(Encode, FormatFromExtension) {
  EXPECT_EQ(media::format_for_path("a.mkv"), media::VideoFormat::FFV1_MKV);
  EXPECT_EQ(media::format_for_path("a.MKV"), media::VideoFormat::FFV1_MKV);
  EXPECT_EQ(media::format_for_path("dir/a.mp4"), media::VideoFormat::H264_MP4);
  EXPECT_EQ(media::format_for_path("f_%04d.png"), media::VideoFormat::PNG_SEQUENCE);
  EXPECT_EQ(media::format_for_path("frames/"), media::VideoFormat::PNG_SEQUENCE);
  EXPECT_EQ(media::format_for_path("one.png"), media::VideoFormat::PNG_IMAGE);
  EXPECT_TRUE(media::is_lossless(media::VideoFormat::FFV1_MKV));
  EXPECT_FALSE(media::is_lossless(media::VideoFormat::H264_MP4));
  expect_error([] { media::format_for_path("a.avi"); }, ErrorKind::Usage, {"a.avi", ".mkv", ".mp4"});
  expect_error([] { media::format_for_path("noext"); }, ErrorKind::Usage, {"noext"});
}

TEST(Encode, Ffv1RoundTripIsBitExact) {
  TempDir dir;
  const fs::path p = dir / "rt.mkv";
  auto frames = pattern_frames(5, 33, 25);  // odd sizes, random bytes: nothing to hide behind
  media::EncodeOptions o;
  o.fps = 12.5;
  media::write_video(p, frames, o);
  media::DecodedVideo v = media::decode_video(p);
  expect_same_frames(frames, v.frames);
  EXPECT_DOUBLE_EQ(v.info.fps, 12.5);
  EXPECT_EQ(v.info.codec, "ffv1");
  if (have_ffmpeg_cli()) {
    EXPECT_EQ(ffprobe_frame_count(p), 5);
    EXPECT_EQ(ffprobe_entry(p, "stream=pix_fmt"), "bgr0");
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"rt.mkv"});  // no temporaries left
}

TEST(Encode, PngFolderAndPatternRoundTripsAreBitExact) {
  TempDir dir;
  auto frames = pattern_frames(3, 17, 9);
  media::EncodeOptions o;
  media::write_video(dir.path() / "seq/", frames, o);
  EXPECT_TRUE(fs::exists(dir / "seq/frame_000001.png"));
  EXPECT_TRUE(fs::exists(dir / "seq/frame_000003.png"));
  EXPECT_FALSE(fs::exists(dir / "seq/frame_000004.png"));
  expect_same_frames(frames, media::decode_video(dir / "seq/frame_%06d.png").frames);

  media::write_video(dir / "p_%03d.png", frames, o);
  expect_same_frames(frames, media::decode_video(dir / "p_%03d.png").frames);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"p_001.png", "p_002.png", "p_003.png", "seq"}));

  // Overwriting a pattern with fewer frames removes the old sequence's tail.
  o.overwrite = true;
  media::write_video(dir / "p_%03d.png", pattern_frames(2, 17, 9, 5), o);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"p_001.png", "p_002.png", "seq"}));
}

TEST(Encode, SinglePng) {
  TempDir dir;
  auto f = pattern_frame(10, 7, 3);
  media::write_png(dir / "shot.png", f, false);
  auto v = media::decode_video(dir / "shot.png");
  ASSERT_EQ(v.frames.size(), 1u);
  EXPECT_EQ(v.frames[0].rgb, f.rgb);
  EXPECT_TRUE(v.info.is_image);
  // A one-frame video may be written as .png; more frames may not.
  media::write_video(dir / "one.png", {f}, {});
  expect_error([&] { media::write_video(dir / "two.png", pattern_frames(2, 10, 7), {}); }, ErrorKind::Usage,
               {"two.png", "2 frames"});
  EXPECT_FALSE(fs::exists(dir / "two.png"));
}

TEST(Encode, H264KeepsEveryFrameAtTheRightRate) {
  REQUIRE_FFMPEG_CLI();
  TempDir dir;
  for (const auto& [n, fps, rate] :
       {std::tuple{17, 30000.0 / 1001, std::string("30000/1001")}, std::tuple{9, 8.0, std::string("8/1")},
        std::tuple{1, 25.0, std::string("25/1")}}) {
    SCOPED_TRACE(rate);
    const fs::path p = dir / ("h" + std::to_string(n) + ".mp4");
    auto frames = gradient_frames(n, 64, 48);
    media::EncodeOptions o;
    o.fps = fps;
    o.crf = 12;
    media::write_video(p, frames, o);
    EXPECT_EQ(ffprobe_frame_count(p), n);
    EXPECT_EQ(ffprobe_entry(p, "stream=r_frame_rate"), rate);
    EXPECT_EQ(ffprobe_entry(p, "stream=avg_frame_rate"), rate);
    EXPECT_EQ(ffprobe_entry(p, "stream=pix_fmt"), "yuv420p");
    EXPECT_EQ(ffprobe_entry(p, "stream=codec_name"), "h264");
    // The last frame lasts one frame interval: duration = n / fps.
    EXPECT_NEAR(std::atof(ffprobe_entry(p, "stream=duration").c_str()), n / fps, 0.002);
    media::DecodedVideo v = media::decode_video(p);
    ASSERT_EQ(v.frames.size(), static_cast<size_t>(n));
    // Lossy but close (tagged BT.709, which the decoder honours).
    double se = 0;
    for (size_t i = 0; i < frames.size(); ++i)
      for (size_t k = 0; k < frames[i].rgb.size(); ++k) se += std::pow(frames[i].rgb[k] - v.frames[i].rgb[k], 2.0);
    const double mse = se / (frames.size() * frames[0].rgb.size());
    EXPECT_GT(10 * std::log10(255.0 * 255.0 / mse), 35.0);
  }
  expect_error([&] { media::write_video(dir / "odd.mp4", pattern_frames(2, 33, 24), {}); }, ErrorKind::Usage,
               {"odd.mp4", "even", "33x24"});
  expect_error(
      [&] {
        media::EncodeOptions o;
        o.crf = 60;
        media::write_video(dir / "crf.mp4", pattern_frames(2, 32, 24), o);
      },
      ErrorKind::Usage, {"CRF"});
  EXPECT_FALSE(fs::exists(dir / "odd.mp4"));
  EXPECT_FALSE(fs::exists(dir / "crf.mp4"));
}

TEST(Encode, ExistingOutputIsNeverOverwrittenWithoutPermission) {
  TempDir dir;
  for (const std::string name : {"keep.mkv", "keep.mp4", "keep.png"}) {
    SCOPED_TRACE(name);
    const fs::path p = dir / name;
    write_bytes(p, "precious");
    expect_error([&] { media::write_video(p, pattern_frames(1, 16, 16), {}); }, ErrorKind::BadInput,
                 {p.string(), "already exists", "-y"});
    EXPECT_EQ(read_bytes(p), "precious");
    expect_error([&] { media::check_video_output(p, false); }, ErrorKind::BadInput, {"already exists"});
    media::EncodeOptions o;
    o.overwrite = true;
    media::write_video(p, pattern_frames(1, 16, 16), o);
    EXPECT_NE(read_bytes(p), "precious");
  }
  // A pattern whose first file exists, and a folder that exists.
  write_bytes(dir / "s_1.png", "precious");
  expect_error([&] { media::write_video(dir / "s_%d.png", pattern_frames(2, 8, 8), {}); }, ErrorKind::BadInput,
               {"s_1.png", "already exists"});
  EXPECT_EQ(read_bytes(dir / "s_1.png"), "precious");
  fs::create_directory(dir / "folder");
  expect_error([&] { media::write_video(dir.path() / "folder/", pattern_frames(2, 8, 8), {}); }, ErrorKind::BadInput,
               {"folder", "already exists"});
  EXPECT_TRUE(fs::is_empty(dir / "folder"));
}

TEST(Encode, CancelLeavesNothingBehind) {
  TempDir dir;
  CancelToken cancel;
  cancel.cancel();
  for (const std::string name : {"c.mkv", "c.mp4", "c_%02d.png", "cdir/"}) {
    SCOPED_TRACE(name);
    expect_error([&] { media::write_video(dir.path() / name, pattern_frames(3, 16, 16), {}, {}, &cancel); },
                 ErrorKind::Cancelled, {});
  }
  EXPECT_TRUE(dir.entries().empty()) << dir.entries().front();
}

TEST(Encode, PendingVideosCommitTogether) {
  TempDir dir;
  auto frames = pattern_frames(2, 16, 16);
  {
    auto a = media::prepare_video(dir / "a.mkv", frames, {});
    auto b = media::prepare_video(dir / "b_%d.png", frames, {});
    EXPECT_FALSE(fs::exists(dir / "a.mkv"));
    EXPECT_FALSE(fs::exists(dir / "b_1.png"));
    a->commit();
    // b is dropped without commit: its temporaries go away.
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.mkv"});
}

TEST(Encode, UnwritableOutputIsABadInputAndLeavesNoFile) {
  TempDir dir;
  auto frames = pattern_frames(1, 16, 16);
  // A folder that does not exist.
  expect_error([&] { media::write_video(dir / "missing/out.mkv", frames, {}); }, ErrorKind::BadInput,
               {"missing/out.mkv", "does not exist"});
  // A "folder" that is a file.
  write_bytes(dir / "file", "x");
  expect_error([&] { media::write_video(dir / "file/out.mp4", frames, {}); }, ErrorKind::BadInput, {"file/out.mp4"});
  // A folder nobody can create files in: procfs refuses even root.
  expect_error([&] { media::write_video("/proc/wfvae-test-out.mkv", frames, {}); }, ErrorKind::BadInput,
               {"/proc/wfvae-test-out.mkv"});
  expect_error([&] { media::write_video("/proc/wfvae-test-out_%03d.png", frames, {}); }, ErrorKind::BadInput,
               {"/proc/wfvae-test-out_001.png"});
  // A read-only folder (root ignores permissions, so only as a normal user).
  if (::geteuid() != 0) {
    fs::create_directory(dir / "ro");
    fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    expect_error([&] { media::write_video(dir / "ro/out.mkv", frames, {}); }, ErrorKind::BadInput,
                 {"ro/out.mkv", "not writable"});
    fs::permissions(dir / "ro", fs::perms::owner_all);
    EXPECT_TRUE(fs::is_empty(dir / "ro"));
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"file"});
}

// A PNG sequence whose commit fails midway (here the third frame's finished
// temporary vanished before the rename) is rolled back: the frames already moved
// into place are removed and the frame it replaced is put back, byte for byte.
TEST(Encode, PngSequenceCommitFailingMidwayRollsBack) {
  TempDir dir;
  const fs::path old_frame = dir / "f_0001.png";
  { std::ofstream(old_frame) << "the user's own frame 1"; }
  media::EncodeOptions o;
  o.overwrite = true;
  auto frames = pattern_frames(5, 16, 16);
  auto pending = media::prepare_video(dir / "f_%04d.png", frames, o);
  std::vector<fs::path> temps;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().filename().string().find(".partial-") != std::string::npos) temps.push_back(e.path());
  std::sort(temps.begin(), temps.end());
  ASSERT_EQ(temps.size(), 5u);
  ASSERT_NE(temps[2].filename().string().find("f_0003"), std::string::npos) << temps[2];
  fs::remove(temps[2]);
  try {
    pending->commit();
    FAIL() << "the commit of a sequence with a missing frame succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Runtime);
    EXPECT_NE(std::string(e.what()).find("f_0003.png: cannot move the finished frame into place"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("nothing was written"), std::string::npos) << e.what();
  }
  pending.reset();  // drops the remaining temporaries
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"f_0001.png"});
  std::ifstream in(old_frame);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "the user's own frame 1");
}
