#include "core/config.h"
#include "core/norm_setting.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <climits>
#include <cstring>
#include <numeric>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/fileutil.h"
#include "core/latent_norm.h"

namespace wfvae {

const std::vector<std::string>& supported_norm_types() {
  static const std::vector<std::string> v = {"groupnorm", "layernorm"};
  return v;
}
const std::vector<std::string>& supported_attention_types() {
  static const std::vector<std::string> v = {"AttnBlock3DFix", "AttnBlock3D"};
  return v;
}
const std::vector<std::string>& supported_t_interpolations() {
  static const std::vector<std::string> v = {"nearest", "trilinear"};
  return v;
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// The energy-flow levels the reference can build. Level 1 decides the temporal
// compression: a per-frame 2-D level gives 4x, a 3-D level 8x. Level 2 is always 3-D.
struct LevelBlocks {
  const char* down_block;
  const char* down_wavelet;
  const char* up_block;
  const char* up_wavelet;
};
const LevelBlocks kLevel2D = {"Downsample", "HaarWaveletTransform2D", "Upsample", "InverseHaarWaveletTransform2D"};
const LevelBlocks kLevel3D = {"Spatial2xTime2x3DDownsample", "HaarWaveletTransform3D", "Spatial2xTime2x3DUpsample",
                              "InverseHaarWaveletTransform3D"};

std::string describe(const LevelBlocks& b) {
  return std::string(b.down_block) + " + " + b.down_wavelet + " / " + b.up_block + " + " + b.up_wavelet;
}

bool matches(const LevelBlocks& b, const std::string& db, const std::string& dw, const std::string& ub,
             const std::string& uw) {
  return db == b.down_block && dw == b.down_wavelet && ub == b.up_block && uw == b.up_wavelet;
}

// The model's arguments as config.json names them, in the reference's order: what
// from_json reads (the first bad one is the error) and to_json writes.
template <typename Config, typename Visit>
void for_each_argument(Config& c, Visit&& visit) {
  visit("latent_dim", c.latent_dim);
  visit("base_channels", c.base_channels);
  visit("encoder_num_resblocks", c.encoder_num_resblocks);
  visit("encoder_energy_flow_hidden_size", c.encoder_energy_flow_hidden_size);
  visit("decoder_num_resblocks", c.decoder_num_resblocks);
  visit("decoder_energy_flow_hidden_size", c.decoder_energy_flow_hidden_size);
  visit("attention_type", c.attention_type);
  visit("use_attention", c.use_attention);
  visit("dropout", c.dropout);
  visit("norm_type", c.norm_type);
  visit("norm_num_groups", c.norm_num_groups);
  visit("t_interpolation", c.t_interpolation);
  visit("connect_res_layer_num", c.connect_res_layer_num);
  visit("scale", c.scale);
  visit("shift", c.shift);
  visit("l1_dowmsample_block", c.l1_dowmsample_block);
  visit("l1_downsample_wavelet", c.l1_downsample_wavelet);
  visit("l2_dowmsample_block", c.l2_dowmsample_block);
  visit("l2_downsample_wavelet", c.l2_downsample_wavelet);
  visit("l1_upsample_block", c.l1_upsample_block);
  visit("l1_upsample_wavelet", c.l1_upsample_wavelet);
  visit("l2_upsample_block", c.l2_upsample_block);
  visit("l2_upsample_wavelet", c.l2_upsample_wavelet);
}

// Reads one argument when the file has it (type-checked), and notes the key as known.
struct ArgumentReader {
  const json::Value& root;
  const std::string& source;
  std::set<std::string>& known;

  const json::Value* find(const char* key) const {
    known.insert(key);
    return root.find(key);
  }
  [[noreturn]] void error(const char* key, const std::string& what) const {
    fail_input(source + ": \"" + key + "\": " + what);
  }
  void operator()(const char* key, int& dst) const {
    if (const json::Value* v = find(key)) {
      if (!v->is_integer()) error(key, "expected an integer, found " + json::dump(*v));
      const int64_t x = v->as_int();
      if (x < INT_MIN || x > INT_MAX) error(key, json::dump(*v) + " is out of range");
      dst = static_cast<int>(x);
    }
  }
  void operator()(const char* key, std::string& dst) const {
    if (const json::Value* v = find(key)) {
      if (!v->is_string()) error(key, "expected a string, found " + json::dump(*v));
      dst = v->as_string();
    }
  }
  void operator()(const char* key, bool& dst) const {
    if (const json::Value* v = find(key)) {
      if (!v->is_bool()) error(key, "expected true or false, found " + json::dump(*v));
      dst = v->as_bool();
    }
  }
  void operator()(const char* key, double& dst) const {
    if (const json::Value* v = find(key)) {
      if (!v->is_number()) error(key, "expected a number, found " + json::dump(*v));
      dst = v->as_number();
    }
  }
  void operator()(const char* key, std::vector<double>& dst) const {
    if (const json::Value* v = find(key)) {
      if (!v->is_array()) error(key, "expected a list of numbers, found " + json::dump(*v));
      dst.clear();
      for (const auto& x : v->as_array()) {
        if (!x.is_number()) error(key, "expected a list of numbers, found " + json::dump(*v));
        dst.push_back(x.as_number());
      }
    }
  }
};

template <typename T>
json::Value argument_value(const T& v) {
  return json::Value(v);
}
json::Value argument_value(const std::vector<double>& v) { return json::array_of(v); }

}  // namespace

ModelConfig ModelConfig::from_json(const json::Value& root, const std::string& source) {
  if (!root.is_object()) fail_input(source + ": config must be a JSON object");
  ModelConfig c;
  std::set<std::string> known;
  auto key_error = [&](const std::string& key, const std::string& what) {
    fail_input(source + ": \"" + key + "\": " + what);
  };
  known.insert("_class_name");
  if (const json::Value* v = root.find("_class_name")) {
    if (!v->is_string() || (v->as_string() != "WFVAEModel" && v->as_string() != "WFVAE"))
      key_error("_class_name", "this is a config for " + json::dump(*v) + ", not a WF-VAE (expected \"WFVAEModel\")");
  }
  for_each_argument(c, ArgumentReader{root, source, known});

  for (const auto& [k, v] : root.as_object()) {
    (void)v;
    if (!known.count(k) && (k.empty() || k[0] != '_')) c.unknown_keys.push_back(k);
  }
  c.validate(source);
  // Open-Sora-Plan's "ae" objects state the compression; one that disagrees with
  // the blocks means the wrong config for these weights.
  if (const json::Value* f = root.find("vae_scale_factor")) {
    const int t = c.temporal_compression(), s = kSpatialCompression;
    bool ok = f->is_array() && f->as_array().size() == 3;
    if (ok)
      for (size_t i = 0; i < 3; ++i) {
        const json::Value& x = f->as_array()[i];
        ok = ok && x.is_integer() && x.as_int() == (i == 0 ? t : s);
      }
    if (!ok)
      key_error("vae_scale_factor", json::dump(*f) + " disagrees with the level-1 blocks, which compress " +
                                        std::to_string(t) + "x" + std::to_string(s) + "x" + std::to_string(s) +
                                        " (T x H x W)");
  }
  if (const json::Value* id = root.find("model_id")) {
    std::string lower = id->is_string() ? id->as_string() : "";
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.find("wfvae") == std::string::npos && lower.find("wf-vae") == std::string::npos)
      key_error("model_id", json::dump(*id) + " is not a WF-VAE");
  }
  return c;
}

std::string ModelConfig::latent_norm_problem() const {
  const std::string p = latent_norm_values_problem(scale, shift, latent_dim);
  return p.empty() ? p : p + ": this config cannot normalise latents";
}

ModelConfig ModelConfig::load(const std::filesystem::path& config_json) {
  std::string text = read_text_file(config_json);
  json::Value root;
  try {
    root = json::parse(text);
  } catch (const json::ParseError& e) {
    fail_input(config_json.string() + ": not valid JSON: " + e.what());
  }
  // An Open-Sora-Plan pipeline JSON: the model's arguments are its "ae" object.
  if (root.is_object() && !root.find("latent_dim") && !root.find("_class_name"))
    if (const json::Value* ae = root.find("ae")) {
      if (!ae->is_object()) fail_input(config_json.string() + ": \"ae\": expected an object, found " + json::dump(*ae));
      ModelConfig c = from_json(*ae, config_json.string() + " (\"ae\")");
      c.origin = "the \"ae\" object of " + config_json.string() + " (an Open-Sora-Plan pipeline config)";
      return c;
    }
  return from_json(root, config_json.string());
}

json::Value ModelConfig::to_json() const {
  json::Value o = json::Object{};
  o["_class_name"] = "WFVAEModel";
  o["_diffusers_version"] = "0.30.2";
  for_each_argument(*this, [&](const char* key, const auto& value) {
    // The default group count stays out, as in the reference's own configs.
    if (std::strcmp(key, "norm_num_groups") == 0 && norm_num_groups == 32) return;
    o[key] = argument_value(value);
  });
  return o;
}

void ModelConfig::validate(const std::string& source) const {
  auto bad = [&](const std::string& key, const std::string& what) {
    fail_input(source + ": \"" + key + "\": " + what);
  };
  auto positive = [&](const char* key, int v) {
    if (v < 1) bad(key, std::to_string(v) + " is not supported (must be >= 1)");
  };
  // Channel counts are multiplied (4 * base_channels + hidden size, ...): far above any
  // real model (WF-VAE-L has 192), the bound keeps that arithmetic inside int.
  constexpr int kMaxChannels = 1 << 16;
  auto channels = [&](const char* key, int v) {
    positive(key, v);
    if (v > kMaxChannels)
      bad(key, std::to_string(v) + " is not supported (at most " + std::to_string(kMaxChannels) + ")");
  };
  channels("latent_dim", latent_dim);
  channels("base_channels", base_channels);
  channels("encoder_energy_flow_hidden_size", encoder_energy_flow_hidden_size);
  channels("decoder_energy_flow_hidden_size", decoder_energy_flow_hidden_size);
  if (encoder_num_resblocks < 0)
    bad("encoder_num_resblocks", std::to_string(encoder_num_resblocks) + " is not supported (must be >= 0)");
  // The decoder's first up1 block changes 4C -> 2C channels; with zero blocks the
  // reference itself fails, so refuse it here with a reason.
  if (decoder_num_resblocks < 1)
    bad("decoder_num_resblocks", std::to_string(decoder_num_resblocks) +
                                     " is not supported (must be >= 1: the first up1 block halves the channels)");
  if (connect_res_layer_num < 0) bad("connect_res_layer_num", "must be >= 0");
  if (!(dropout >= 0.0 && dropout < 1.0)) bad("dropout", "must be in [0, 1)");
  auto one_of = [&](const char* key, const std::string& v, const std::vector<std::string>& ok) {
    if (std::find(ok.begin(), ok.end(), v) == ok.end())
      bad(key, "\"" + v + "\" is not supported (supported: " + join(ok) + ")");
  };
  one_of("norm_type", norm_type, supported_norm_types());
  one_of("attention_type", attention_type, supported_attention_types());
  one_of("t_interpolation", t_interpolation, supported_t_interpolations());

  if (!matches(kLevel2D, l1_dowmsample_block, l1_downsample_wavelet, l1_upsample_block, l1_upsample_wavelet) &&
      !matches(kLevel3D, l1_dowmsample_block, l1_downsample_wavelet, l1_upsample_block, l1_upsample_wavelet))
    fail_input(source + ": level-1 blocks \"" + l1_dowmsample_block + "\" + \"" + l1_downsample_wavelet + "\" / \"" +
               l1_upsample_block + "\" + \"" + l1_upsample_wavelet + "\" are not supported (supported: " +
               describe(kLevel2D) + " for 4x temporal compression, or " + describe(kLevel3D) + " for 8x)");
  if (!matches(kLevel3D, l2_dowmsample_block, l2_downsample_wavelet, l2_upsample_block, l2_upsample_wavelet))
    fail_input(source + ": level-2 blocks \"" + l2_dowmsample_block + "\" + \"" + l2_downsample_wavelet + "\" / \"" +
               l2_upsample_block + "\" + \"" + l2_upsample_wavelet +
               "\" are not supported (supported: " + describe(kLevel3D) + ")");
  if (norm_type == "groupnorm") {
    auto valid = valid_num_groups();
    if (std::find(valid.begin(), valid.end(), norm_num_groups) == valid.end()) {
      std::string list;
      for (int g : valid) list += (list.empty() ? "" : ", ") + std::to_string(g);
      bad("norm_num_groups",
          std::to_string(norm_num_groups) + " does not divide every normalised channel count; valid: " + list);
    }
  }
}

std::vector<int> ModelConfig::normalized_channel_counts() const {
  const int B = base_channels, Ee = encoder_energy_flow_hidden_size, Ed = decoder_energy_flow_hidden_size;
  std::set<int> s;
  // Encoder: down1 blocks at B, down2 at 2B, mid (2B+Ee -> 4B), attention and norm_out at 4B.
  s.insert(2 * B + Ee);
  s.insert(4 * B);
  // Decoder: mid and up2 end at 4B+Ed, up1 at 2B, layer and norm_out at B, connections at Ed.
  s.insert(4 * B + Ed);
  s.insert(2 * B);
  s.insert(B);
  if (connect_res_layer_num > 0) s.insert(Ed);
  return {s.begin(), s.end()};
}

std::vector<int> ModelConfig::valid_num_groups() const {
  int g = 0;
  for (int c : normalized_channel_counts()) g = std::gcd(g, c);
  std::vector<int> out;
  for (int d = 1; d <= g; ++d)
    if (g % d == 0) out.push_back(d);
  return out;
}

void ModelConfig::check_num_groups(int groups) const {
  const std::string problem = num_groups_problem(*this, groups);
  if (!problem.empty()) fail_usage(problem);
}

std::string ModelConfig::summary() const {
  std::ostringstream s;
  s << "latent " << latent_dim << ", base " << base_channels << ", enc " << encoder_num_resblocks << " res/E"
    << encoder_energy_flow_hidden_size << ", dec " << decoder_num_resblocks << " res/E"
    << decoder_energy_flow_hidden_size << ", " << norm_type;
  if (norm_type == "groupnorm") s << "(" << norm_num_groups << ")";
  s << ", " << (use_attention ? attention_type : std::string("no attention")) << ", t_interp " << t_interpolation
    << ", " << temporal_compression() << "x" << kSpatialCompression << "x" << kSpatialCompression;
  return s.str();
}

WeightsChoice parse_weights_choice(const std::string& s) {
  if (s == "auto") return WeightsChoice::Auto;
  if (s == "ema") return WeightsChoice::Ema;
  if (s == "model") return WeightsChoice::Model;
  fail_usage("--weights " + s + ": expected auto (the EMA when the checkpoint has one), ema or model");
}

const char* weights_choice_name(WeightsChoice w) {
  switch (w) {
    case WeightsChoice::Auto: return "auto";
    case WeightsChoice::Ema: return "ema";
    case WeightsChoice::Model: return "model";
  }
  return "auto";
}

bool is_torch_save_name(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".ckpt" || ext == ".pt" || ext == ".pth" || ext == ".bin";
}

ModelFiles resolve_model_files(const std::filesystem::path& path, const std::filesystem::path& config) {
  namespace fs = std::filesystem;
  std::error_code ec;
  ModelFiles f;
  if (!fs::exists(path, ec)) fail_input(path.string() + ": no such file or folder");
  if (fs::is_directory(path, ec)) {
    f.config = path / "config.json";
    // The reference's from_pretrained: any *.ckpt wins, the last one its glob lists.
    std::vector<fs::path> ckpts, safetensors;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (!e.is_regular_file(ec)) continue;
      if (e.path().extension() == ".ckpt") ckpts.push_back(e.path());
      if (e.path().extension() == ".safetensors") safetensors.push_back(e.path());
    }
    if (!ckpts.empty()) {
      f.weights = ckpts.back();
      f.format = WeightsFormat::TorchSave;
      if (ckpts.size() > 1) {
        std::string others;
        for (size_t i = 0; i + 1 < ckpts.size(); ++i)
          others += (others.empty() ? "" : ", ") + ckpts[i].filename().string();
        f.notes.push_back(std::to_string(ckpts.size()) + " .ckpt files in " + path.string() + "; took " +
                          f.weights.filename().string() +
                          ", the last in the folder's listing order, as the reference's from_pretrained does (not " +
                          others + "; pass a file to choose)");
      }
      if (fs::exists(path / "diffusion_pytorch_model.safetensors", ec))
        f.notes.push_back(path.string() +
                          " also holds diffusion_pytorch_model.safetensors; the .ckpt is taken first, "
                          "as the reference does (pass the .safetensors file to load it instead)");
    } else if (fs::exists(path / "diffusion_pytorch_model.safetensors", ec)) {
      f.weights = path / "diffusion_pytorch_model.safetensors";
    } else if (safetensors.size() == 1) {
      f.weights = safetensors[0];
    } else if (fs::exists(path / "diffusion_pytorch_model.bin", ec)) {
      f.weights = path / "diffusion_pytorch_model.bin";
      f.format = WeightsFormat::TorchSave;
    } else {
      fail_input(path.string() +
                 ": no model weights in this folder (expected diffusion_pytorch_model.safetensors, a .ckpt "
                 "checkpoint, or diffusion_pytorch_model.bin, with config.json)");
    }
  } else {
    f.weights = path;
    if (path.extension() == ".safetensors") {
      f.format = WeightsFormat::Safetensors;
    } else if (is_torch_save_name(path)) {
      f.format = WeightsFormat::TorchSave;
    } else {
      fail_input(path.string() +
                 ": expected a model folder, a .safetensors file or a torch.save checkpoint (.ckpt, .pt, .pth, .bin)");
    }
    f.config = path.parent_path().empty() ? fs::path("config.json") : path.parent_path() / "config.json";
  }
  if (!config.empty()) {
    if (!fs::is_regular_file(config, ec)) fail_input(config.string() + ": no such config file");
    f.config = config;
  }
  if (!fs::exists(f.config, ec))
    fail_input(f.config.string() + ": missing (a WF-VAE model needs config.json beside its weights, or --config FILE)");
  return f;
}

}  // namespace wfvae
