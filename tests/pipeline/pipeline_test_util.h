// Clips for the pipeline tests, written with our own FFV1 writer.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "common/temp_dir.h"
#include "media/media.h"

namespace wfvae::test {

// A moving-gradient clip at `path`; `phase` shifts its content (other clips, other values).
inline std::filesystem::path write_test_clip(const std::filesystem::path& path, int frames = 13, int w = 48, int h = 40,
                                             int phase = 0) {
  std::vector<media::RgbFrame> v;
  for (int t = 0; t < frames; ++t) {
    media::RgbFrame f;
    f.width = w;
    f.height = h;
    f.rgb.resize(static_cast<size_t>(w * h * 3));
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        uint8_t* p = &f.rgb[static_cast<size_t>((y * w + x) * 3)];
        p[0] = static_cast<uint8_t>(x * 5 + t * 3 + phase * 17);
        p[1] = static_cast<uint8_t>(y * 6 + phase * 29);
        p[2] = static_cast<uint8_t>(128 + 100 * std::sin((x + t + phase) * 0.3));
      }
    v.push_back(std::move(f));
  }
  std::filesystem::create_directories(path.parent_path());
  media::EncodeOptions o;
  o.fps = 12;
  media::write_video(path, v, o);
  return path;
}

// The 13-frame clip "clip.mkv" in `dir`.
inline std::filesystem::path make_clip(const TempDir& dir, int frames = 13, int w = 48, int h = 40) {
  return write_test_clip(dir / "clip.mkv", frames, w, h);
}

}  // namespace wfvae::test
