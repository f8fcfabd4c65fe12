// The bad-input suite, on files the tests make: each gives a BadInput error that
// names the file and the problem, never a crash and never an empty result.
#include <cstring>

#include "media_test_util.h"

using namespace wfvae;
using namespace wfvae::testing;
namespace fs = std::filesystem;

namespace {

// probe and decode_video must both refuse the file with the same kind of message.
void expect_refused(const fs::path& p, std::initializer_list<std::string> needles) {
  SCOPED_TRACE(p.string());
  std::vector<std::string> all = {p.string()};
  all.insert(all.end(), needles.begin(), needles.end());
  auto check = [&](auto&& f) {
    try {
      f();
      ADD_FAILURE() << "expected a BadInput error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
      for (const auto& n : all)
        EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what() << "\nmissing: " << n;
    }
  };
  check([&] { media::decode_video(p); });
}

// A small valid clip made with the ffmpeg CLI.
fs::path make_clip(const TempDir& dir, const std::string& name, const std::string& opts) {
  const fs::path p = dir / name;
  ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=10 -frames:v 10 " + opts + " " + shell_quote(p.string()));
  return p;
}

}  // namespace

TEST(BadInput, Nonexistent) {
  TempDir dir;
  expect_refused(dir / "nope.mp4", {"no such file"});
  expect_error([&] { media::probe(dir / "nope.mp4"); }, ErrorKind::BadInput, {"nope.mp4", "no such file"});
  // A pattern that matches no file is just as missing.
  expect_refused(dir / "f_%04d.png", {"no such file"});
}

TEST(BadInput, EmptyFile) {
  TempDir dir;
  write_bytes(dir / "empty.mp4", "");
  expect_refused(dir / "empty.mp4", {"empty"});
}

TEST(BadInput, Folder) {
  TempDir dir;
  fs::create_directory(dir / "clip.mp4");
  expect_refused(dir / "clip.mp4", {"folder"});
}

TEST(BadInput, NotAVideo) {
  TempDir dir;
  write_bytes(dir / "notes.mp4", "these are my notes, not a video\n");
  expect_refused(dir / "notes.mp4", {"not a video or image FFmpeg can read"});
  expect_error([&] { media::probe(dir / "notes.mp4"); }, ErrorKind::BadInput, {"notes.mp4", "not a video"});
}

TEST(BadInput, AudioOnly) {
  REQUIRE_FFMPEG_CLI();
  TempDir dir;
  const fs::path p = dir / "tone.wav";
  ffmpeg("-f lavfi -i sine=frequency=440:duration=0.3 " + shell_quote(p.string()));
  expect_refused(p, {"no video stream"});
}

TEST(BadInput, TruncatedMp4) {
  REQUIRE_FFMPEG_CLI();
  TempDir dir;
  // ffmpeg writes the index (moov) last: cut in the middle, nothing is decodable.
  const fs::path full = make_clip(dir, "full.mp4", "-c:v libx264 -pix_fmt yuv420p");
  std::string bytes = read_bytes(full);
  write_bytes(dir / "cut.mp4", bytes.substr(0, bytes.size() / 2));
  expect_refused(dir / "cut.mp4", {"not a video or image FFmpeg can read", "moov atom not found"});
  // Cut inside the header: also refused, naming the file.
  write_bytes(dir / "head.mp4", bytes.substr(0, 40));
  expect_refused(dir / "head.mp4", {});
}

TEST(BadInput, TruncatedMkvKeepsWhatIsThereAndSaysSo) {
  REQUIRE_FFMPEG_CLI();
  TempDir dir;
  // Matroska streams frames in order: a cut file still holds its first frames.
  const fs::path full = make_clip(dir, "full.mkv", "-c:v ffv1");
  std::string bytes = read_bytes(full);
  write_bytes(dir / "cut.mkv", bytes.substr(0, bytes.size() * 6 / 10));
  media::DecodedVideo v = media::decode_video(dir / "cut.mkv");
  EXPECT_GE(v.frames.size(), 1u);
  EXPECT_LT(v.frames.size(), 10u);
  // Cut before the first frame: no decodable frame.
  const size_t first_cluster = bytes.find("\x1f\x43\xb6\x75");  // Matroska Cluster ID
  ASSERT_NE(first_cluster, std::string::npos);
  write_bytes(dir / "nofr.mkv", bytes.substr(0, first_cluster + 8));
  expect_refused(dir / "nofr.mkv", {"no decodable video frame"});
}

TEST(BadInput, UnsupportedCodec) {
  REQUIRE_FFMPEG_CLI();
  TempDir dir;
  // An AVI whose FourCC names a codec no FFmpeg knows: patch "FMP4" (MPEG-4 part 2)
  // to "WFZZ" in the stream header and the bitmap header.
  const fs::path avi = make_clip(dir, "clip.avi", "-c:v mpeg4");
  std::string bytes = read_bytes(avi);
  int patched = 0;
  for (size_t pos = bytes.find("FMP4"); pos != std::string::npos && pos < 4096; pos = bytes.find("FMP4", pos + 4)) {
    std::memcpy(&bytes[pos], "WFZZ", 4);
    ++patched;
  }
  ASSERT_EQ(patched, 2) << "the AVI header layout changed";
  write_bytes(dir / "alien.avi", bytes);
  expect_refused(dir / "alien.avi", {"unsupported codec", "WFZZ"});
}

TEST(BadInput, ZeroDecodableFrames) {
  TempDir dir;
  // A valid YUV4MPEG2 header with no frame after it.
  write_bytes(dir / "header.y4m", "YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\n");
  expect_refused(dir / "header.y4m", {"no decodable video frame"});
  // Frames whose data is cut short (half a frame).
  write_bytes(dir / "half.y4m", "YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + std::string(64 * 48 / 2, '\x80'));
  expect_refused(dir / "half.y4m", {"no decodable video frame"});
}

TEST(BadInput, AbsurdDimensions) {
  TempDir dir;
  // FFmpeg accepts 20000x16 (its own limit is the pixel count); we refuse it clearly.
  write_bytes(dir / "wide.y4m",
              "YUV4MPEG2 W20000 H16 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + std::string(20000 * 16 * 3 / 2, '\x80'));
  expect_refused(dir / "wide.y4m", {"absurd frame size 20000x16"});
  expect_error([&] { media::probe(dir / "wide.y4m"); }, ErrorKind::BadInput, {"wide.y4m", "absurd"});
  // Too many pixels for FFmpeg itself: refused at open, with FFmpeg's reason quoted.
  write_bytes(dir / "huge.y4m",
              "YUV4MPEG2 W100000 H100000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + std::string(1000, '\x80'));
  expect_refused(dir / "huge.y4m", {"100000x100000"});
}

TEST(BadInput, StartPastTheEnd) {
  REQUIRE_FFMPEG_CLI();
  TempDir dir;
  const fs::path p = make_clip(dir, "ten.mkv", "-c:v ffv1");
  media::DecodeOptions o;
  o.start_time_s = 5.0;
  expect_error([&] { media::decode_video(p, o); }, ErrorKind::BadInput,
               {"ten.mkv", "no frame at or after 5.000 s", "10 decodable frames"});
}
