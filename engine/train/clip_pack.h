// Decoded training clips in one file: what `wfvae train` reads on a machine without
// FFmpeg (the lent GPU machine has none). `wfvae pack-clips` writes it where the
// media library is; `wfvae train --clips` reads it. A safetensors file of U8 tensors
// [T, H, W, 3] named train/NNNN and val/NNNN; the metadata keeps each clip's name
// and how the pack was made. No LibTorch here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace wfvae::train {

// A decoded clip: T frames of H x W packed RGB24.
struct Clip {
  std::string name;
  int frames = 0, height = 0, width = 0;
  std::vector<uint8_t> rgb;  // T * H * W * 3
};

struct ClipPack {
  std::vector<Clip> train, val;
  // How the pack was made ("short_sides", "max_clip_frames", "val_size", ...).
  std::map<std::string, std::string> info;
};

inline constexpr const char* kClipPackFormat = "wfvae-clip-pack/1";

// Writes atomically; refuses to replace an existing file unless `overwrite`.
void write_clip_pack(const std::filesystem::path& path, const ClipPack& pack, bool overwrite);
// Reads and checks a pack; every problem is a BadInput error naming the file.
ClipPack read_clip_pack(const std::filesystem::path& path);

}  // namespace wfvae::train
