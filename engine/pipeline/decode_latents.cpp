#include "pipeline/decode_latents.h"

#include <chrono>

#include "core/error.h"
#include "core/json.h"
#include "core/latent_norm.h"
#include "core/safetensors.h"

namespace wfvae::pipeline {

namespace {

std::vector<double> number_list(const std::string& text, const std::string& what, const fs::path& path) {
  std::optional<std::vector<double>> out;
  try {
    out = json::number_array(json::parse(text));
  } catch (const json::ParseError&) {
  }
  if (!out) fail_input(path.string() + ": metadata \"" + what + "\" is not a list of numbers");
  return *out;
}

}  // namespace

LatentFile read_latent_file(const fs::path& path, const std::string& tensor, std::optional<bool> normalized) {
  SafetensorsReader r(path);
  LatentFile f;
  f.path = path;
  auto names = [&] {
    std::string list;
    for (const auto& x : r.entries()) list += (list.empty() ? "" : ", ") + x.name;
    return list.empty() ? std::string("nothing") : list;
  };
  const StTensorEntry* e = nullptr;
  if (!tensor.empty()) {
    e = r.find(tensor);
    if (!e) fail_input(path.string() + ": no tensor \"" + tensor + "\" (it holds: " + names() + ")");
  } else {
    for (const char* n : {"latent", "sample", "mean"})
      if ((e = r.find(n))) break;
    if (!e && r.entries().size() == 1) e = &r.entries()[0];
    if (!e)
      fail_input(path.string() + ": which tensor is the latent? none is called latent, sample or mean (it holds: " +
                 names() + "); name it with --tensor");
  }
  f.tensor = e->name;
  f.latent.shape = e->shape;
  if (f.latent.shape.size() == 4) f.latent.shape.insert(f.latent.shape.begin(), 1);
  if (f.latent.shape.size() != 5 || f.latent.shape[0] != 1)
    fail_input(path.string() + ": tensor \"" + e->name + "\" has shape " + e->shape_str() +
               "; a latent is [1, L, T, h, w] or [L, T, h, w]");
  f.latent.data = r.read_float(*e);
  const auto& meta = r.metadata();
  auto get = [&](const char* k) -> const std::string* {
    auto it = meta.find(k);
    return it == meta.end() ? nullptr : &it->second;
  };
  // Our files say which tensor is normalised; "mean", "logvar" and "sample" are raw.
  const bool meta_normalized = get("normalized") && *get("normalized") == "true" && f.tensor == "latent";
  if (normalized) {
    f.normalized = *normalized;
    f.normalized_source = *normalized ? "--normalized" : "--raw";
  } else {
    f.normalized = meta_normalized;
    f.normalized_source = get("normalized") ? "metadata" : "default (raw; say --normalized otherwise)";
  }
  if (get("scale")) f.scale = number_list(*get("scale"), "scale", path);
  if (get("shift")) f.shift = number_list(*get("shift"), "shift", path);
  if (get("model")) f.model = *get("model");
  if (const std::string* in = get("input")) {
    try {
      json::Value j = json::parse(*in);
      if (const json::Value* fps = j.find("fps"); fps && fps->is_number()) f.fps = fps->as_number();
    } catch (const json::ParseError&) {
    }
  }
  if (const std::string* src = get("source")) {
    try {
      json::Value j = json::parse(*src);
      if (const json::Value* p = j.find("path"); p && p->is_string()) f.source = p->as_string();
    } catch (const json::ParseError&) {
    }
  }
  return f;
}

bool is_latents_file(const fs::path& path) {
  try {
    SafetensorsReader r(path);
    const auto format = r.metadata().find("format");
    if (format != r.metadata().end() && format->second == "wfvae-latents") return true;
    if (r.entries().empty() || r.entries().size() > 4) return false;
    auto latent_shaped = [](const StTensorEntry& e) {
      return e.shape.size() == 4 || (e.shape.size() == 5 && e.shape[0] == 1);
    };
    for (const char* n : {"latent", "sample", "mean"})
      if (const StTensorEntry* e = r.find(n)) return latent_shaped(*e);
    return r.entries().size() == 1 && latent_shaped(r.entries()[0]);
  } catch (const Error&) {
    return false;
  }
}

DecodeLatentsResult decode_latents(Vae& vae, LatentFile file, bool chunked, const ProgressFn& progress,
                                   const CancelToken* cancel) {
  DecodeLatentsResult res;
  const ModelConfig& c = vae.config();
  const int64_t L = file.latent.shape[1];
  if (L != c.latent_dim)
    fail_input(file.path.string() + ": tensor \"" + file.tensor + "\" has " + std::to_string(L) +
               " latent channels; this model has " + std::to_string(c.latent_dim) + " (a latent of another model?)");
  if (file.normalized) {
    const bool from_file = !file.scale.empty() && !file.shift.empty();
    const std::vector<double>& scale = from_file ? file.scale : c.scale;
    const std::vector<double>& shift = from_file ? file.shift : c.shift;
    const std::string problem = latent_norm_values_problem(scale, shift, L);
    if (!problem.empty())
      fail_input(file.path.string() + ": normalised latents cannot be brought back: " + problem + " (" +
                 (from_file ? "the file's scale/shift" : "the model config's scale/shift") + ")");
    if (from_file && (file.scale != c.scale || file.shift != c.shift))
      res.notes.push_back(
          "the file's scale/shift differ from the model config's; the file's (those it was "
          "normalised with) are used");
    denormalize_latent(file.latent, scale, shift);
    res.notes.push_back(std::string("latent \"") + file.tensor + "\" denormalised (z / scale + shift, " +
                        (from_file ? "the file's values" : "the model config's values") + "; " +
                        file.normalized_source + ")");
  } else {
    res.notes.push_back("latent \"" + file.tensor + "\" decoded as raw (" + file.normalized_source + ")");
  }
  res.latent_frames = file.latent.shape[2];
  const int64_t frames = c.video_frames(static_cast<int>(res.latent_frames));
  RunOptions o;
  o.chunked = chunked && vae.can_chunk(frames);
  if (chunked && !o.chunked)
    res.notes.push_back(std::to_string(frames) + " frames cannot be chunked the reference's way; decoded whole");
  o.progress = progress;
  o.cancel = cancel;
  res.chunked = o.chunked;
  const auto t0 = std::chrono::steady_clock::now();
  DecodeResult d = vae.decode(file.latent, o);
  res.decode_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  res.frames = media::tensor_to_frames(d.video);
  return res;
}

}  // namespace wfvae::pipeline
