#include "train/clip_pack.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "core/safetensors.h"

namespace wfvae::train {

namespace fs = std::filesystem;

namespace {

std::string tensor_name(const char* split, size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s/%04zu", split, i);
  return buf;
}

void check_clip(const Clip& c, const std::string& what) {
  if (c.frames < 1 || c.height < 1 || c.width < 1 ||
      c.rgb.size() != static_cast<size_t>(c.frames) * c.height * c.width * 3)
    fail_usage(what + " (" + c.name + "): " + std::to_string(c.rgb.size()) + " bytes for " + std::to_string(c.frames) +
               " frames of " + std::to_string(c.width) + "x" + std::to_string(c.height));
}

}  // namespace

void write_clip_pack(const fs::path& path, const ClipPack& pack, bool overwrite) {
  if (pack.train.empty()) fail_usage(path.string() + ": a clip pack needs at least one training clip");
  std::vector<StTensorToWrite> tensors;
  std::map<std::string, std::string> meta = pack.info;
  meta["format"] = kClipPackFormat;
  for (const auto& [split, clips] :
       {std::pair<const char*, const std::vector<Clip>*>{"train", &pack.train}, {"val", &pack.val}}) {
    for (size_t i = 0; i < clips->size(); ++i) {
      const Clip& c = (*clips)[i];
      const std::string name = tensor_name(split, i);
      check_clip(c, name);
      tensors.push_back({name, StDType::U8, {c.frames, c.height, c.width, 3}, c.rgb.data()});
      meta["name:" + name] = c.name;
    }
  }
  write_safetensors(path, tensors, meta, overwrite);
}

ClipPack read_clip_pack(const fs::path& path) {
  SafetensorsReader r(path);
  const auto fmt = r.metadata().find("format");
  if (fmt == r.metadata().end() || fmt->second != kClipPackFormat)
    fail_input(path.string() + ": not a clip pack (no \"format\": \"" + kClipPackFormat +
               "\" in its metadata; make one with wfvae pack-clips)");
  ClipPack pack;
  for (const auto& [k, v] : r.metadata())
    if (k != "format" && k.rfind("name:", 0) != 0) pack.info[k] = v;
  // By name, so that the clips' order (which the trainer's draws depend on) is the
  // writer's whatever the file's layout.
  std::vector<const StTensorEntry*> entries;
  for (const auto& e : r.entries()) entries.push_back(&e);
  std::sort(entries.begin(), entries.end(), [](const StTensorEntry* a, const StTensorEntry* b) {
    return a->name.size() != b->name.size() ? a->name.size() < b->name.size() : a->name < b->name;
  });
  for (const StTensorEntry* ep : entries) {
    const StTensorEntry& e = *ep;
    const bool is_train = e.name.rfind("train/", 0) == 0, is_val = e.name.rfind("val/", 0) == 0;
    if (!is_train && !is_val)
      fail_input(path.string() + ": unexpected tensor '" + e.name + "' in a clip pack (train/N and val/N only)");
    if (e.dtype != StDType::U8 || e.shape.size() != 4 || e.shape[3] != 3 || e.shape[0] < 1 || e.shape[1] < 1 ||
        e.shape[2] < 1 || e.shape[1] > 65536 || e.shape[2] > 65536 || e.shape[0] > (1 << 24))
      fail_input(path.string() + ": clip '" + e.name + "' is " + st_dtype_name(e.dtype) + " " + e.shape_str() +
                 "; a clip pack holds U8 [frames, height, width, 3]");
    Clip c;
    const auto nm = r.metadata().find("name:" + e.name);
    c.name = nm != r.metadata().end() ? nm->second : e.name;
    c.frames = static_cast<int>(e.shape[0]);
    c.height = static_cast<int>(e.shape[1]);
    c.width = static_cast<int>(e.shape[2]);
    const uint8_t* d = r.data(e);
    c.rgb.assign(d, d + (e.end - e.begin));
    (is_train ? pack.train : pack.val).push_back(std::move(c));
  }
  if (pack.train.empty()) fail_input(path.string() + ": the clip pack has no training clips");
  return pack;
}

}  // namespace wfvae::train
