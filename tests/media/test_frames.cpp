// Frame operations: valid frame counts, default sizes, the reference's crop/resize
// geometry, tensor conversion, side-by-side and difference images.
#include <cmath>

#include "media_test_util.h"

using namespace wfvae;
using namespace wfvae::testing;

namespace {

media::RgbFrame solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  media::RgbFrame f;
  f.width = w;
  f.height = h;
  f.rgb.resize(static_cast<size_t>(w) * h * 3);
  for (size_t i = 0; i < f.rgb.size(); i += 3) {
    f.rgb[i] = r;
    f.rgb[i + 1] = g;
    f.rgb[i + 2] = b;
  }
  return f;
}

const uint8_t* px(const media::RgbFrame& f, int x, int y) { return &f.rgb[(static_cast<size_t>(y) * f.width + x) * 3]; }

// Every pixel's red channel = its row, green = its column (mod 256): crops are
// recognisable by where they start.
media::RgbFrame coordinates(int w, int h) {
  media::RgbFrame f = solid(w, h, 0, 0, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      f.rgb[(static_cast<size_t>(y) * w + x) * 3] = static_cast<uint8_t>(y);
      f.rgb[(static_cast<size_t>(y) * w + x) * 3 + 1] = static_cast<uint8_t>(x);
    }
  return f;
}

}  // namespace

TEST(Frames, LargestValidFrameCount) {
  EXPECT_EQ(media::largest_valid_frame_count(0, 4), 0);
  EXPECT_EQ(media::largest_valid_frame_count(1, 4), 1);
  EXPECT_EQ(media::largest_valid_frame_count(4, 4), 1);
  EXPECT_EQ(media::largest_valid_frame_count(5, 4), 5);
  EXPECT_EQ(media::largest_valid_frame_count(16, 4), 13);
  EXPECT_EQ(media::largest_valid_frame_count(17, 4), 17);
  EXPECT_EQ(media::largest_valid_frame_count(100, 4), 97);
  EXPECT_EQ(media::largest_valid_frame_count(16, 8), 9);
  EXPECT_EQ(media::largest_valid_frame_count(17, 8), 17);
  EXPECT_EQ(media::largest_valid_frame_count(190, 4), 189);  // cityCC0.mpg
  EXPECT_EQ(media::largest_valid_frame_count(-3, 4), 0);
}

TEST(Frames, DefaultSize) {
  int h = 0, w = 0;
  media::default_size(405, 720, 512, &h, &w);  // cityCC0.mpg: under the cap, rounded down to 8
  EXPECT_EQ(h, 400);
  EXPECT_EQ(w, 720);
  media::default_size(720, 1280, 512, &h, &w);  // cockatoo.mp4: short side 720 -> 512, 1280 * 512/720 = 910.2 -> 904
  EXPECT_EQ(h, 512);
  EXPECT_EQ(w, 904);
  media::default_size(1280, 720, 512, &h, &w);  // portrait
  EXPECT_EQ(h, 904);
  EXPECT_EQ(w, 512);
  media::default_size(300, 400, 512, &h, &w);
  EXPECT_EQ(h, 296);
  EXPECT_EQ(w, 400);
  media::default_size(5, 3, 512, &h, &w);  // tiny: at least 8
  EXPECT_EQ(h, 8);
  EXPECT_EQ(w, 8);
  media::default_size(2160, 3840, 0, &h, &w);  // no cap
  EXPECT_EQ(h, 2160);
  EXPECT_EQ(w, 3840);
}

TEST(Frames, CenterCropGeometryFollowsReference) {
  // 720x405 -> 400x720: aspect crop keeps int(720 * 400/720) = 400 rows, offset
  // round((405 - 400) / 2) = round(2.5) = 2 (Python rounds ties to even).
  media::RgbFrame src = coordinates(720, 405);
  media::RgbFrame out = media::resize_center_crop(src, 400, 720);
  ASSERT_EQ(out.width, 720);
  ASSERT_EQ(out.height, 400);
  EXPECT_EQ(px(out, 0, 0)[0], 2);
  EXPECT_EQ(px(out, 0, 399)[0], static_cast<uint8_t>(401));
  EXPECT_EQ(px(out, 719, 0)[1], static_cast<uint8_t>(719));

  // Wider than the target: columns are cropped, centred: 100 wide -> 60 wide.
  media::RgbFrame wide = coordinates(100, 60);
  media::RgbFrame sq = media::resize_center_crop(wide, 60, 60);
  EXPECT_EQ(px(sq, 0, 0)[1], 20);
  EXPECT_EQ(px(sq, 59, 59)[1], 79);
  EXPECT_EQ(px(sq, 59, 59)[0], 59);
  // Odd margin: 101 -> 60 leaves 41, offset round(20.5) = 20.
  EXPECT_EQ(px(media::resize_center_crop(coordinates(101, 60), 60, 60), 0, 0)[1], 20);
}

TEST(Frames, ResizeCoversTargetAndKeepsAspect) {
  // Left half red, right half blue, 200x100 -> 50x50: the crop is the central
  // 100x100 square (columns 50..149), so the left and right halves of the output
  // stay red and blue with the boundary in the middle.
  media::RgbFrame f = solid(200, 100, 255, 0, 0);
  for (int y = 0; y < 100; ++y)
    for (int x = 100; x < 200; ++x) {
      uint8_t* p = &f.rgb[(static_cast<size_t>(y) * 200 + x) * 3];
      p[0] = 0;
      p[2] = 255;
    }
  media::RgbFrame out = media::resize_center_crop(f, 50, 50);
  ASSERT_EQ(out.width, 50);
  ASSERT_EQ(out.height, 50);
  EXPECT_EQ(px(out, 5, 25)[0], 255);
  EXPECT_EQ(px(out, 5, 25)[2], 0);
  EXPECT_EQ(px(out, 44, 25)[0], 0);
  EXPECT_EQ(px(out, 44, 25)[2], 255);
  // Constant images stay constant (weights sum to one).
  media::RgbFrame c = media::resize_center_crop(solid(123, 77, 10, 200, 77), 40, 64);
  for (size_t i = 0; i < c.rgb.size(); i += 3) {
    ASSERT_EQ(c.rgb[i], 10);
    ASSERT_EQ(c.rgb[i + 1], 200);
    ASSERT_EQ(c.rgb[i + 2], 77);
  }
}

TEST(Frames, DownscalingIsAntialiased) {
  // A 1-pixel checkerboard shrunk 4x must become flat grey. Point or plain bilinear
  // sampling would alias it to black/white patterns.
  media::RgbFrame f = solid(256, 256, 0, 0, 0);
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x)
      if ((x + y) % 2) std::fill_n(&f.rgb[(static_cast<size_t>(y) * 256 + x) * 3], 3, uint8_t{255});
  media::RgbFrame out = media::resize_center_crop(f, 64, 64);
  int lo = 255, hi = 0;
  for (int y = 2; y < 62; ++y)
    for (int x = 2; x < 62; ++x) {
      lo = std::min<int>(lo, px(out, x, y)[0]);
      hi = std::max<int>(hi, px(out, x, y)[0]);
    }
  EXPECT_GE(lo, 110);
  EXPECT_LE(hi, 145);
}

TEST(Frames, ResizeKeepsTimeAndIndex) {
  media::RgbFrame f = solid(30, 20, 1, 2, 3);
  f.time_s = 1.5;
  f.source_index = 7;
  media::RgbFrame out = media::resize_center_crop(f, 8, 16);
  EXPECT_EQ(out.time_s, 1.5);
  EXPECT_EQ(out.source_index, 7);
}

TEST(Frames, TensorRoundTripIsExact) {
  media::RgbFrame f = solid(16, 16, 0, 0, 0);
  for (size_t i = 0; i < f.rgb.size(); ++i) f.rgb[i] = static_cast<uint8_t>(i % 256);
  std::vector<media::RgbFrame> in = {f, solid(16, 16, 255, 128, 1)};
  HostTensor t = media::frames_to_tensor(in);
  ASSERT_EQ(t.shape, (std::vector<int64_t>{1, 3, 2, 16, 16}));
  EXPECT_FLOAT_EQ(t.data[0], -1.0f);                            // R of pixel 0 = 0
  EXPECT_FLOAT_EQ(t.data[static_cast<size_t>(16 * 16)], 1.0f);  // [c=0, t=1]: frame 1 R = 255 -> 1
  EXPECT_FLOAT_EQ(t.data[static_cast<size_t>(2 * 2 * 16 * 16 + 16 * 16)], 1 / 127.5f - 1);  // [c=2, t=1]: B = 1
  EXPECT_NEAR(t.data[1], 3 / 127.5 - 1, 1e-7);                                              // R of pixel 1 = 3
  std::vector<media::RgbFrame> back = media::tensor_to_frames(t);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].rgb, in[0].rgb);
  EXPECT_EQ(back[1].rgb, in[1].rgb);
}

TEST(Frames, TensorToFramesClampsAndRounds) {
  HostTensor t({3, 1, 1, 4});                             // unbatched layout
  const float r[4] = {2.f, -3.f, NAN, 0.f};               // clamp high, clamp low, NaN, middle
  const float g[4] = {-1.f, 1.f, 0.00392157f, -0.0039f};  // (x+1)/2*255: 0, 255, 128 (127.99 + 0.5), 127.0
  for (int i = 0; i < 4; ++i) {
    t.data[static_cast<size_t>(i)] = r[i];
    t.data[static_cast<size_t>(4 + i)] = g[i];
  }
  auto frames = media::tensor_to_frames(t);
  ASSERT_EQ(frames.size(), 1u);
  const auto& f = frames[0];
  EXPECT_EQ(f.rgb[0], 255);
  EXPECT_EQ(f.rgb[3], 0);
  EXPECT_EQ(f.rgb[6], 0);    // NaN shows as black
  EXPECT_EQ(f.rgb[9], 128);  // 127.5 rounds up
  EXPECT_EQ(f.rgb[1], 0);
  EXPECT_EQ(f.rgb[4], 255);
  EXPECT_EQ(f.rgb[7], 128);
  EXPECT_EQ(f.rgb[10], 127);
  expect_error([] { media::tensor_to_frames(HostTensor({1, 4, 1, 2, 2})); }, ErrorKind::Usage, {"[1, 4, 1, 2, 2]"});
}

TEST(Frames, FramesToTensorRefusesMixedSizes) {
  expect_error(
      [] {
        media::frames_to_tensor({solid(8, 8, 0, 0, 0), solid(8, 16, 0, 0, 0)});
      },
      ErrorKind::Usage, {"differ"});
  expect_error([] { media::frames_to_tensor({}); }, ErrorKind::Usage, {"no frames"});
}

TEST(Frames, SideBySideAndDifference) {
  std::vector<media::RgbFrame> a = {solid(4, 2, 100, 10, 250)}, b = {solid(3, 2, 90, 80, 0)};
  auto s = media::side_by_side(a, b);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].width, 7);
  EXPECT_EQ(s[0].height, 2);
  EXPECT_EQ(px(s[0], 3, 1)[0], 100);
  EXPECT_EQ(px(s[0], 4, 1)[0], 90);

  std::vector<media::RgbFrame> c = {solid(4, 2, 90, 80, 0)};
  auto d = media::difference(a, c, 4);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(px(d[0], 1, 1)[0], 40);   // |100 - 90| * 4
  EXPECT_EQ(px(d[0], 1, 1)[1], 255);  // |10 - 80| * 4 = 280 -> 255
  EXPECT_EQ(px(d[0], 1, 1)[2], 255);
  EXPECT_EQ(media::difference(a, a, 10)[0].rgb, std::vector<uint8_t>(24, 0));
  expect_error([&] { media::difference(a, b, 4); }, ErrorKind::Usage, {"sizes differ"});
  expect_error([&] { media::side_by_side(a, {}); }, ErrorKind::Usage, {"counts differ"});
}
