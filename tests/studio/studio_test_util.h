// What the studio's headless tests share: wfvae-studio run under xvfb-run, the
// model they prefer (the bundled assets/models/wfvae-tiny-gn, else the parity
// checkpoint gn-l8), and readers of what it writes (its state and layout JSON, its
// PNG screenshots).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/frames.h"
#include "core/fileutil.h"
#include "core/json.h"
#include "media/media.h"

namespace studio_test {

namespace fs = std::filesystem;
using namespace wfvae;

inline const char* const kScreen = "-screen 0 1920x1200x24";
inline const char* const kWindow = "1280x800";

inline bool have_program(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

inline fs::path model_dir() {
  const fs::path bundled = fs::path(WFVAE_SOURCE_DIR) / "assets/models/wfvae-tiny-gn";
  if (fs::exists(bundled / "config.json")) return bundled;
  const fs::path fixture = fs::path(WFVAE_FIXTURES_DIR) / "gn-l8";
  if (fs::exists(fixture / "config.json")) return fixture;
  return {};
}

#define REQUIRE_XVFB()                        \
  if (!studio_test::have_program("xvfb-run")) \
  GTEST_SKIP() << "xvfb-run is not installed (scripts/setup installs xvfb and xauth)"

#define REQUIRE_MODEL()                                                                                            \
  REQUIRE_XVFB();                                                                                                  \
  if (studio_test::model_dir().empty())                                                                            \
  GTEST_SKIP() << "no model: neither assets/models/wfvae-tiny-gn nor the parity checkpoint " << WFVAE_FIXTURES_DIR \
               << "/gn-l8 exists"

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The text of `wfvae-studio --help` (no X server needed).
inline std::string studio_help() {
  FILE* p = popen((std::string(WFVAE_STUDIO_EXE) + " --help").c_str(), "r");
  EXPECT_NE(p, nullptr);
  if (!p) return {};
  std::string help;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) help.append(buf, n);
  EXPECT_EQ(pclose(p), 0);
  return help;
}

struct StudioRun {
  int code = -1;
  std::string log;  // stdout + stderr
};

// Runs the studio under a fresh X server with its settings in `config`; `env`
// ("NAME=value" words) set for it alone. The exit status is written by the shell
// inside xvfb-run: xvfb-run's own cleanup can fail (exit 5) after a perfectly good run.
inline StudioRun studio(const std::vector<std::string>& args, const fs::path& config,
                        const std::vector<std::string>& env = {}) {
  fs::create_directories(config);
  const fs::path log = config / "studio.log", code = config / "studio.code";
  fs::remove(code);
  std::string inner = quote(WFVAE_STUDIO_EXE);
  for (const auto& a : args) inner += " " + quote(a);
  inner += " >" + quote(log.string()) + " 2>&1; echo $? >" + quote(code.string());
  std::string vars = "XDG_CONFIG_HOME=" + quote(config.string());
  for (const auto& e : env) vars += " " + quote(e);
  const std::string cmd =
      "env " + vars + " xvfb-run -a -s " + quote(kScreen) + " sh -c " + quote(inner) + " >/dev/null 2>&1";
  std::system(cmd.c_str());
  StudioRun r;
  std::ifstream c(code);
  if (!(c >> r.code)) r.code = -1;  // the studio never ran (xvfb-run failed to start a server)
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  r.log = ss.str();
  return r;
}

inline std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline std::vector<std::string> base_args() { return {"--window", kWindow, "--timeout", "600"}; }
// base_args(), then `extra`.
inline std::vector<std::string> with_base_args(const std::vector<std::string>& extra) {
  return concat(base_args(), extra);
}

inline json::Value read_json(const fs::path& p) { return json::parse(read_text_file(p)); }

inline media::RgbFrame read_png(const fs::path& p) {
  media::DecodedVideo v = media::decode_video(p);
  EXPECT_EQ(v.frames.size(), 1u);
  return v.frames.at(0);
}

struct Box {
  double x = 0, y = 0, w = 0, h = 0;
  json::Value item;
};

// The rectangles of a --dump-layout file by name.
inline std::map<std::string, Box> layout_items(const json::Value& layout) {
  std::map<std::string, Box> m;
  for (const auto& it : layout.find("items")->as_array())
    m.emplace(it.find("name")->as_string(), Box{it.find("x")->as_number(), it.find("y")->as_number(),
                                                it.find("w")->as_number(), it.find("h")->as_number(), it});
  return m;
}

inline const uint8_t* px(const media::RgbFrame& f, int x, int y) {
  return &f.rgb[(static_cast<size_t>(y) * f.width + x) * 3];
}

// A clip of solid colour, or of a function of (x, y, t), written losslessly.
inline fs::path write_clip(const fs::path& path, int w, int h, int frames,
                           const std::function<void(int x, int y, int t, uint8_t* rgb)>& pixel) {
  const std::vector<media::RgbFrame> v = make_frames(frames, w, h, pixel);
  media::EncodeOptions o;
  o.fps = 25;
  media::write_video(path, v, o);
  return path;
}

// A --dump-state file's messages, one "level: text" line each.
inline std::string state_messages(const json::Value& st) {
  std::string all;
  for (const auto& m : st.find("messages")->as_array())
    all += m.find("level")->as_string() + ": " + m.find("text")->as_string() + "\n";
  return all;
}

}  // namespace studio_test
