// WF-VAE model configuration: every constructor argument of the official
// `WFVAEModel` (causalvideovae/model/vae/modeling_wfvae.py), read from a diffusers
// config.json, plus the extension key `norm_num_groups` (diffusers' name for the
// GroupNorm group count, which the reference hard-codes to 32).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"

namespace wfvae {

struct ModelConfig {
  int latent_dim = 8;
  int base_channels = 128;
  int encoder_num_resblocks = 2;
  int encoder_energy_flow_hidden_size = 64;
  int decoder_num_resblocks = 2;
  int decoder_energy_flow_hidden_size = 128;
  std::string attention_type = "AttnBlock3DFix";
  bool use_attention = true;
  double dropout = 0.0;
  std::string norm_type = "groupnorm";
  int norm_num_groups = 32;
  std::string t_interpolation = "nearest";
  int connect_res_layer_num = 1;
  std::vector<double> scale = {0.18215, 0.18215, 0.18215, 0.18215};
  std::vector<double> shift = {0, 0, 0, 0};
  // Module names as the reference spells them ("dowmsample" included).
  std::string l1_dowmsample_block = "Downsample";
  std::string l1_downsample_wavelet = "HaarWaveletTransform2D";
  std::string l2_dowmsample_block = "Spatial2xTime2x3DDownsample";
  std::string l2_downsample_wavelet = "HaarWaveletTransform3D";
  std::string l1_upsample_block = "Upsample";
  std::string l1_upsample_wavelet = "InverseHaarWaveletTransform2D";
  std::string l2_upsample_block = "Spatial2xTime2x3DUpsample";
  std::string l2_upsample_wavelet = "InverseHaarWaveletTransform3D";

  // Keys present in the file that this engine does not know (reported, not fatal:
  // diffusers also ignores them).
  std::vector<std::string> unknown_keys;

  // Where the values came from, for reports: "" for a config.json, or a sentence
  // for the "ae" object of an Open-Sora-Plan pipeline JSON.
  std::string origin;

  // Parses and validates; `source` names the file in error messages.
  static ModelConfig from_json(const json::Value& root, const std::string& source);
  // A diffusers config.json, or a JSON whose "ae" object is the model's config
  // (Open-Sora-Plan v1.5's pipeline files, whose pipeline keys are reported unused).
  static ModelConfig load(const std::filesystem::path& config_json);
  // The diffusers layout: _class_name, _diffusers_version, every argument, sorted.
  json::Value to_json() const;

  // Throws a BadInput error listing what is supported when a value is not.
  void validate(const std::string& source) const;

  int temporal_compression() const { return l1_dowmsample_block == "Downsample" ? 4 : 8; }
  static constexpr int kSpatialCompression = 8;
  // Frame counts the model takes: 1 + k * temporal_compression.
  bool valid_frame_count(int t) const { return t >= 1 && (t - 1) % temporal_compression() == 0; }
  int latent_frames(int t) const { return (t - 1) / temporal_compression() + 1; }
  int video_frames(int t_latent) const { return (t_latent - 1) * temporal_compression() + 1; }

  // The per-channel latent normalisation of the diffusion pipeline (Open-Sora-Plan's
  // AEModel): z = (sample - shift) * scale, and decode(z / scale + shift). scale and
  // shift each hold 1 value (broadcast) or latent_dim values. "" when usable, else
  // why not (the released WF-VAE-L-16Chn config has 4 values for 16 channels).
  std::string latent_norm_problem() const;

  // Channel counts of every normalisation layer the model builds (sorted, unique).
  std::vector<int> normalized_channel_counts() const;
  // GroupNorm group counts that divide every normalised channel count.
  std::vector<int> valid_num_groups() const;
  // Throws a Usage error listing the valid values when `groups` is not one.
  void check_num_groups(int groups) const;

  // One line: "latent 16, base 16, enc 1 res/E16, dec 1 res/E16, groupnorm(8),
  // AttnBlock3DFix, t_interp trilinear, 4x8x8".
  std::string summary() const;
};

// Accepted values, for messages and UI choices.
const std::vector<std::string>& supported_norm_types();        // groupnorm, layernorm
const std::vector<std::string>& supported_attention_types();   // AttnBlock3DFix, AttnBlock3D
const std::vector<std::string>& supported_t_interpolations();  // nearest, trilinear

// Resolves a model path, following the reference's from_pretrained:
//  - a folder with *.ckpt files: config.json and the last .ckpt in the folder's
//    listing order (the reference's glob(...)[-1]; a note names the one taken);
//  - else a diffusers folder: config.json + diffusion_pytorch_model.safetensors
//    (or the only .safetensors, or diffusion_pytorch_model.bin);
//  - a .safetensors file, or a torch.save file (.ckpt, .pt, .pth, .bin), with
//    config.json beside it.
// `config` replaces the config.json beside the weights (a config.json, or a JSON
// with an "ae" object). Fails naming what is missing.
enum class WeightsFormat { Safetensors, TorchSave };
struct ModelFiles {
  std::filesystem::path config;
  std::filesystem::path weights;
  WeightsFormat format = WeightsFormat::Safetensors;
  std::vector<std::string> notes;
};
ModelFiles resolve_model_files(const std::filesystem::path& path, const std::filesystem::path& config = {});
// Which weights of a training checkpoint to take. Auto is the reference's rule:
// the EMA when present and non-empty, else the model's. The reference disables
// its EMA branch when the NOT_USE_EMA_MODEL variable is set to anything (even 0);
// here that is `Model`, chosen by a flag (--weights model), never by the variable.
enum class WeightsChoice { Auto, Ema, Model };
WeightsChoice parse_weights_choice(const std::string& s);  // auto | ema | model (Usage error otherwise)
const char* weights_choice_name(WeightsChoice w);

// Whether a file name is one of torch.save's (.ckpt, .pt, .pth, .bin).
bool is_torch_save_name(const std::filesystem::path& path);

}  // namespace wfvae
