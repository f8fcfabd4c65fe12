// Decoding clips generated at test time with the ffmpeg CLI from a known RGB source:
// pixel formats (8/10-bit, 4:2:0/4:4:4, gray, palette, 16-bit PNG, JPEG), colour
// matrices and ranges, rotation metadata, still images, image sequences, selection.
#include <cmath>

#include "media_test_util.h"

using namespace wfvae;
using namespace wfvae::testing;
namespace fs = std::filesystem;

namespace {

constexpr int kW = 64, kH = 48, kFrames = 3;

// testsrc2 (colour bars, gradients, moving text) as raw RGB24: the ground truth.
class GeneratedClips : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_ffmpeg_cli()) GTEST_SKIP() << "ffmpeg/ffprobe CLI not installed (scripts/setup installs it)";
    src_ = dir_ / "src.rgb";
    ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=10 -frames:v 3 -f rawvideo -pix_fmt rgb24 " +
           shell_quote(src_.string()));
    truth_ = read_bytes(src_);
    ASSERT_EQ(truth_.size(), static_cast<size_t>(kW * kH * 3 * kFrames));
  }
  // Encodes the ground truth with extra ffmpeg output options into `name`.
  fs::path make(const std::string& name, const std::string& output_options) {
    const fs::path out = dir_ / name;
    ffmpeg("-f rawvideo -pix_fmt rgb24 -s 64x48 -r 10 -i " + shell_quote(src_.string()) + " " + output_options + " " +
           shell_quote(out.string()));
    return out;
  }
  // Mean and max absolute difference of frame t against the ground truth.
  std::pair<double, int> error_vs_truth(const media::RgbFrame& f, int t) {
    EXPECT_EQ(f.width, kW);
    EXPECT_EQ(f.height, kH);
    double sum = 0;
    int maxd = 0;
    const size_t n = static_cast<size_t>(kW * kH * 3);
    for (size_t i = 0; i < n && i < f.rgb.size(); ++i) {
      const int d = std::abs(static_cast<int>(static_cast<uint8_t>(truth_[t * n + i])) - f.rgb[i]);
      sum += d;
      maxd = std::max(maxd, d);
    }
    return {sum / n, maxd};
  }
  TempDir dir_;
  fs::path src_;
  std::string truth_;
};

}  // namespace

TEST_F(GeneratedClips, LosslessRgbSourcesDecodeExactly) {
  // FFV1 bgr0 and rgb24/rgb48 PNG: no colour conversion involved.
  for (const auto& [name, opts] : {std::pair<std::string, std::string>{"bgr0.mkv", "-c:v ffv1 -pix_fmt bgr0"},
                                   {"gbrp.mkv", "-c:v ffv1 -pix_fmt gbrp"},
                                   {"seq_%03d.png", "-c:v png -pix_fmt rgb24"}}) {
    SCOPED_TRACE(name);
    media::DecodedVideo v = media::decode_video(make(name, opts));
    ASSERT_EQ(v.frames.size(), static_cast<size_t>(kFrames));
    for (int t = 0; t < kFrames; ++t) EXPECT_EQ(error_vs_truth(v.frames[static_cast<size_t>(t)], t).second, 0);
  }
}

TEST_F(GeneratedClips, ImageSequencePatternIsOneVideo) {
  const fs::path pattern = make("img_%04d.png", "-c:v png");
  media::VideoInfo info = media::probe(pattern);
  EXPECT_TRUE(info.is_sequence);
  EXPECT_FALSE(info.is_image);
  EXPECT_EQ(media::decode_video(pattern).frames.size(), static_cast<size_t>(kFrames));
}

TEST_F(GeneratedClips, TenBitAnd444AndRangesAndMatrices) {
  struct Case {
    std::string name, opts;
    double max_mean;  // mean abs error vs the RGB truth
  };
  // Explicit matrices/ranges on both the conversion and the tags, so a decoder that
  // ignored either would be off by several levels on saturated colours.
  const std::vector<Case> cases = {
      {"444p10_709.mkv",
       "-vf scale=out_color_matrix=bt709:out_range=tv,format=yuv444p10le -colorspace bt709 -color_range tv -c:v ffv1",
       0.8},
      {"444p_601_full.mkv",
       "-vf scale=out_color_matrix=bt601:out_range=pc,format=yuv444p -colorspace smpte170m -color_range pc -c:v ffv1",
       0.8},
      {"444p_709_tv.mkv",
       "-vf scale=out_color_matrix=bt709:out_range=tv,format=yuv444p -colorspace bt709 -color_range tv -c:v ffv1", 0.8},
      {"420p10_h264.mp4",
       "-vf scale=out_color_matrix=bt709:out_range=tv,format=yuv420p10le -colorspace bt709 -color_range tv -c:v "
       "libx264 -qp 0",
       6.0},
      {"422p_601.mkv",
       "-vf scale=out_color_matrix=bt601:out_range=tv,format=yuv422p -colorspace bt470bg -color_range tv -c:v ffv1",
       1.5},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path p = make(c.name, c.opts);
    media::DecodedVideo v = media::decode_video(p);
    ASSERT_EQ(v.frames.size(), static_cast<size_t>(kFrames));
    for (int t = 0; t < kFrames; ++t) {
      auto [mean, maxd] = error_vs_truth(v.frames[static_cast<size_t>(t)], t);
      EXPECT_LT(mean, c.max_mean) << "frame " << t << " (max " << maxd << ")";
    }
  }
  // The wrong matrix really is visibly wrong: tag a BT.709 encode as BT.601.
  const fs::path wrong = make(
      "mislabelled.mkv",
      "-vf scale=out_color_matrix=bt709:out_range=tv,format=yuv444p -colorspace bt470bg -color_range tv -c:v ffv1");
  auto [mean, maxd] = error_vs_truth(media::decode_video(wrong).frames[0], 0);
  EXPECT_GT(maxd, 10) << "a decoder that ignores tags could not pass the cases above";
}

TEST_F(GeneratedClips, GrayPaletteAnd16BitPng) {
  // Gray: every channel equals the BT.601 luma of the truth.
  media::DecodedVideo g = media::decode_video(make("gray.mkv", "-c:v ffv1 -pix_fmt gray"));
  ASSERT_EQ(g.frames.size(), static_cast<size_t>(kFrames));
  const auto& f = g.frames[0];
  double err = 0;
  for (int i = 0; i < kW * kH; ++i) {
    const double y = 0.299 * static_cast<uint8_t>(truth_[i * 3]) + 0.587 * static_cast<uint8_t>(truth_[i * 3 + 1]) +
                     0.114 * static_cast<uint8_t>(truth_[i * 3 + 2]);
    EXPECT_EQ(f.rgb[i * 3], f.rgb[i * 3 + 1]);
    EXPECT_EQ(f.rgb[i * 3], f.rgb[i * 3 + 2]);
    err += std::fabs(f.rgb[i * 3] - y);
  }
  EXPECT_LT(err / (kW * kH), 1.5);

  // Palette PNG: decoded colours are exactly the palette entries ffmpeg reads back.
  const fs::path pal = dir_ / "pal.png";
  ffmpeg("-f rawvideo -pix_fmt rgb24 -s 64x48 -i " + shell_quote(src_.string()) + " -frames:v 1 -vf " +
         shell_quote("split[a][b];[a]palettegen=max_colors=16[p];[b][p]paletteuse") + " -pix_fmt pal8 " +
         shell_quote(pal.string()));
  ASSERT_EQ(ffprobe_entry(pal, "stream=pix_fmt"), "pal8");
  media::DecodedVideo pv = media::decode_video(pal);
  ASSERT_EQ(pv.frames.size(), 1u);
  EXPECT_TRUE(pv.info.is_image);
  const std::string ref =
      run_command("ffmpeg -nostdin -v error -i " + shell_quote(pal.string()) + " -f rawvideo -pix_fmt rgb24 -");
  EXPECT_EQ(std::string(pv.frames[0].rgb.begin(), pv.frames[0].rgb.end()), ref);

  // 16-bit RGB PNG: within rounding of the 8-bit truth.
  media::DecodedVideo p16 = media::decode_video(make("rgb48.png", "-frames:v 1 -pix_fmt rgb48be"));
  ASSERT_EQ(p16.frames.size(), 1u);
  EXPECT_LE(error_vs_truth(p16.frames[0], 0).second, 1);
}

TEST_F(GeneratedClips, JpegIsAOneFrameFullRangeImage) {
  const fs::path jpg = make("still.jpg", "-frames:v 1 -q:v 2");
  media::VideoInfo info = media::probe(jpg);
  EXPECT_TRUE(info.is_image);
  EXPECT_EQ(info.codec, "mjpeg");
  EXPECT_EQ(info.frame_count, 1);
  media::DecodedVideo v = media::decode_video(jpg);
  ASSERT_EQ(v.frames.size(), 1u);
  // JPEG is full-range YUV; reading it as limited range would stretch contrast by
  // 255/219 and miss by far more than this.
  EXPECT_LT(error_vs_truth(v.frames[0], 0).first, 4.0);
}

TEST_F(GeneratedClips, RotationMetadataRotatesFrames) {
  const fs::path plain = make("plain.mp4", "-c:v libx264 -qp 0 -pix_fmt yuv444p");
  media::DecodedVideo base = media::decode_video(plain);
  ASSERT_EQ(base.frames.size(), static_cast<size_t>(kFrames));
  // The mov muxer's "rotate" tag writes a display matrix; ffmpeg (autorotate) and
  // we apply -av_display_rotation_get(): "rotate=90" displays turned 270 degrees
  // clockwise (ffprobe shows rotation=90, i.e. counter-clockwise), 180 upside down.
  for (const auto& [tag, cw] : {std::pair{90, 270}, std::pair{180, 180}, std::pair{270, 90}}) {
    SCOPED_TRACE("rotate=" + std::to_string(tag));
    const fs::path rotated = dir_ / ("rot" + std::to_string(tag) + ".mp4");
    ffmpeg("-i " + shell_quote(plain.string()) + " -c copy -metadata:s:v:0 rotate=" + std::to_string(tag) + " " +
           shell_quote(rotated.string()));
    media::VideoInfo info = media::probe(rotated);
    EXPECT_EQ(info.rotation, cw);
    const bool swap = cw != 180;
    EXPECT_EQ(info.width, swap ? kH : kW);
    EXPECT_EQ(info.height, swap ? kW : kH);
    media::DecodedVideo r = media::decode_video(rotated);
    ASSERT_EQ(r.frames.size(), static_cast<size_t>(kFrames));
    const auto& a = base.frames[1];
    const auto& b = r.frames[1];
    ASSERT_EQ(b.width, info.width);
    ASSERT_EQ(b.height, info.height);
    // Independent index arithmetic: source pixel (x, y) lands at
    //   90 cw: (H-1-y, x); 180: (W-1-x, H-1-y); 270 cw: (y, W-1-x).
    int mismatches = 0;
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x) {
        int ox = 0, oy = 0;
        if (cw == 90) ox = kH - 1 - y, oy = x;
        if (cw == 180) ox = kW - 1 - x, oy = kH - 1 - y;
        if (cw == 270) ox = y, oy = kW - 1 - x;
        for (int c = 0; c < 3; ++c) mismatches += a.rgb[(y * kW + x) * 3 + c] != b.rgb[(oy * b.width + ox) * 3 + c];
      }
    EXPECT_EQ(mismatches, 0);
    // And it agrees with the ffmpeg CLI's autorotation.
    const std::string ref = run_command("ffmpeg -nostdin -v error -i " + shell_quote(rotated.string()) +
                                        " -frames:v 1 -f rawvideo -pix_fmt rgb24 -");
    ASSERT_EQ(ref.size(), r.frames[0].rgb.size());
    EXPECT_EQ(ref, std::string(r.frames[0].rgb.begin(), r.frames[0].rgb.end()));
  }
}

TEST_F(GeneratedClips, SelectionStartStrideCount) {
  const fs::path p = dir_ / "ten.mkv";
  ffmpeg("-f lavfi -i testsrc2=size=32x32:rate=10 -frames:v 10 -c:v ffv1 " + shell_quote(p.string()));
  media::DecodedVideo all = media::decode_video(p);
  ASSERT_EQ(all.frames.size(), 10u);
  EXPECT_DOUBLE_EQ(all.fps, 10.0);

  auto indices = [&](const media::DecodeOptions& o) {
    std::vector<int64_t> v;
    for (const auto& f : media::decode_video(p, o).frames) v.push_back(f.source_index);
    return v;
  };
  media::DecodeOptions o;
  o.stride = 4;
  EXPECT_EQ(indices(o), (std::vector<int64_t>{0, 4, 8}));
  o.start_frame = 3;
  EXPECT_EQ(indices(o), (std::vector<int64_t>{3, 7}));
  o.max_frames = 1;
  EXPECT_EQ(indices(o), (std::vector<int64_t>{3}));
  media::DecodeOptions t;
  t.start_time_s = 0.25;  // frames at 0.0, 0.1, ...: first kept is 0.3
  t.stride = 2;
  EXPECT_EQ(indices(t), (std::vector<int64_t>{3, 5, 7, 9}));
  t.start_time_s = 0.3;  // exactly on a frame: that frame is kept
  t.stride = 1;
  t.max_frames = 2;
  EXPECT_EQ(indices(t), (std::vector<int64_t>{3, 4}));
  EXPECT_DOUBLE_EQ(media::decode_video(p, o).fps, 2.5);

  // Kept frames carry their source times.
  media::DecodeOptions s;
  s.stride = 3;
  auto v = media::decode_video(p, s);
  ASSERT_EQ(v.frames.size(), 4u);
  EXPECT_NEAR(v.frames[2].time_s, 0.6, 1e-9);

  // Past the end: a clear error, not an empty video.
  media::DecodeOptions late;
  late.start_frame = 10;
  expect_error([&] { media::decode_video(p, late); }, ErrorKind::BadInput,
               {p.string(), "no frame at or after frame 10", "10 decodable frames"});
  media::DecodeOptions bad;
  bad.stride = 0;
  expect_error([&] { media::decode_video(p, bad); }, ErrorKind::Usage, {"stride"});
}

TEST_F(GeneratedClips, TransformRunsOnKeptFramesOnly) {
  int calls = 0;
  media::DecodeOptions o;
  o.stride = 2;
  o.transform = [&](media::RgbFrame f) {
    ++calls;
    return media::resize_center_crop(f, 16, 16);
  };
  media::DecodedVideo v = media::decode_video(make("t.mkv", "-c:v ffv1"), o);
  ASSERT_EQ(v.frames.size(), 2u);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(v.frames[0].width, 16);
}

TEST_F(GeneratedClips, CancelStopsDecoding) {
  const fs::path p = make("c.mkv", "-c:v ffv1");
  CancelToken cancel;
  cancel.cancel();
  expect_error([&] { media::decode_video(p, {}, {}, &cancel); }, ErrorKind::Cancelled, {});
}

TEST_F(GeneratedClips, ProgressReachesOne) {
  double last = -1;
  bool monotonic = true;
  media::decode_video(make("p.mkv", "-c:v ffv1"), {}, [&](double f, const std::string&) {
    monotonic = monotonic && f >= last;
    last = f;
  });
  EXPECT_TRUE(monotonic);
  EXPECT_DOUBLE_EQ(last, 1.0);
}

// Sizes whose rows are not a multiple of swscale's vector width: the conversion goes
// through padded buffers (swscale writes up to a vector past a row) and rows are
// copied out; the result is byte-identical to the ffmpeg CLI's.
TEST(OddSizes, MatchFfmpegCli) {
  REQUIRE_FFMPEG_CLI();
  TempDir dir;
  for (const std::string size : {"40x40", "37x21", "18x10", "3x2"}) {
    SCOPED_TRACE(size);
    const fs::path p = dir / ("odd_" + size + ".mkv");
    ffmpeg("-f lavfi -i testsrc2=size=" + size + ":rate=5 -frames:v 3 -pix_fmt yuv420p -c:v ffv1 " +
           shell_quote(p.string()));
    media::DecodedVideo v = media::decode_video(p);
    ASSERT_EQ(v.frames.size(), 3u);
    std::string ours;
    for (const auto& f : v.frames) ours.append(f.rgb.begin(), f.rgb.end());
    EXPECT_EQ(ours,
              run_command("ffmpeg -nostdin -v error -i " + shell_quote(p.string()) + " -f rawvideo -pix_fmt rgb24 -"));
    // And back out through the writers (padded copies on the way in as well).
    media::write_video(dir / ("rt_" + size + ".mkv"), v.frames, {});
    media::DecodedVideo back = media::decode_video(dir / ("rt_" + size + ".mkv"));
    ASSERT_EQ(back.frames.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(back.frames[i].rgb, v.frames[i].rgb);
  }
}

// Starts later than 30 s seek to the keyframe before them instead of decoding
// everything; the frames kept and their (estimated) indices match a full decode.
TEST(Seeking, LateStartMatchesFullDecode) {
  REQUIRE_FFMPEG_CLI();
  TempDir dir;
  const fs::path p = dir / "long.mp4";
  ffmpeg("-f lavfi -i testsrc2=size=32x32:rate=5 -t 45 -c:v libx264 -g 50 -pix_fmt yuv420p " + shell_quote(p.string()));
  media::DecodedVideo all = media::decode_video(p);
  ASSERT_EQ(all.frames.size(), 225u);
  media::DecodeOptions o;
  o.start_time_s = 35.0;
  o.max_frames = 5;
  media::DecodedVideo late = media::decode_video(p, o);
  ASSERT_EQ(late.frames.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(late.frames[i].source_index, 175 + static_cast<int64_t>(i));
    EXPECT_NEAR(late.frames[i].time_s, 35.0 + 0.2 * static_cast<double>(i), 1e-6);
    EXPECT_EQ(late.frames[i].rgb, all.frames[175 + i].rgb) << "frame " << i;
  }
  bool noted = false;
  for (const auto& n : late.info.notes) noted = noted || n.find("estimated") != std::string::npos;
  EXPECT_TRUE(noted);
}
