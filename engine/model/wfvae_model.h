// WF-VAE: the wavelet-driven energy-flow encoder and decoder and the model that
// owns them, ported from causalvideovae/model/vae/modeling_wfvae.py.
//
// Energy flow, in the paper's terms: the input's 3-D Haar coefficients feed the
// main path (down1); the low band is decomposed again (2-D Haar, "l1") and once
// more (3-D Haar, "l2"), and both levels are injected into the main path through
// `connect_l1`/`connect_l2`. The decoder mirrors this: it predicts l2 and l1
// coefficients from side branches and adds their inverse transforms to the low
// band of the next level up, ending in an inverse 3-D Haar.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "model/layers.h"

namespace wfvae::model {

// Intermediate tensors a caller may ask for (subband views, parity, training).
struct EncoderTaps {
  Tensor wavelet_in;                               // [B, 24, (T+1)/2, H/2, W/2]: 3-D Haar of the input
  Tensor l1_coeffs;                                // [B, 12 or 24, ...]: Haar of wavelet_in's low band
  Tensor l2_coeffs;                                // [B, 24, ...]: 3-D Haar of l1's low band
  std::map<std::string, Tensor>* debug = nullptr;  // per-stage outputs (taps.safetensors names)
};
struct DecoderTaps {
  Tensor l2_coeffs;  // connect_l2 output
  Tensor l1_coeffs;  // connect_l1 output after its low band received InverseHaar(l2)
  std::map<std::string, Tensor>* debug = nullptr;
};

class Encoder : public Module {
 public:
  explicit Encoder(const ModelConfig& c);
  // Raw encoder output h: [B, 2*latent_dim, T_lat, H/8, W/8] (mean, then logvar).
  Tensor forward_taps(const Tensor& x, EncoderTaps* taps);

  Sequential *down1, *down2, *mid;
  Conv2d *connect_l1, *connect_l2;
  Normalize* norm_out;
  CausalConv3d* conv_out;
  HaarWaveletTransform3D* wavelet_transform_in;
  Module* wavelet_transform_l1;  // 2-D (4x) or 3-D (8x)
  HaarWaveletTransform3D* wavelet_transform_l2;
};

class Decoder : public Module {
 public:
  explicit Decoder(const ModelConfig& c);
  Tensor forward_taps(const Tensor& z, DecoderTaps* taps);

  CausalConv3d* conv_in;
  Sequential *mid, *up2, *up1, *layer, *connect_l1, *connect_l2;
  Normalize* norm_out;
  Conv2d* conv_out;
  InverseHaarWaveletTransform3D* inverse_wavelet_transform_out;
  Module* inverse_wavelet_transform_l1;
  InverseHaarWaveletTransform3D* inverse_wavelet_transform_l2;

 private:
  int energy_flow_hidden_size_;
};

// The time chunking of the reference's enable_tiling path.
struct ChunkPlan {
  int t_chunk_enc = 0;
  int t_chunk_dec = 0;
  std::vector<std::pair<int, int>> encoder_chunks;  // input frame ranges [start, end)
  std::vector<std::pair<int, int>> decoder_chunks;  // latent frame ranges [start, end)
};

// Streams decoded frames out of the chunked decoder as each chunk finishes.
using FramesReady = std::function<void(int64_t first_frame, const Tensor& frames)>;

class WFVAEModel : public Module {
 public:
  explicit WFVAEModel(const ModelConfig& c);

  const ModelConfig& config() const { return config_; }

  // The reference's _auto_select_t_chunk and build_chunk_start_end for a video of
  // `frames` frames; a clear error when the reference cannot chunk that length.
  ChunkPlan plan_chunks(int frames) const;

  // Direct (untiled) runs.
  Tensor encode(const Tensor& x, EncoderTaps* taps = nullptr);
  Tensor decode(const Tensor& z, DecoderTaps* taps = nullptr);
  // Causal-cache chunked runs (enable_tiling): peak memory independent of length.
  // GroupNorm statistics are then per chunk, so results differ from direct runs.
  Tensor encode_chunked(const Tensor& x, const ChunkPlan& plan, EncoderTaps* taps = nullptr);
  Tensor decode_chunked(const Tensor& z, const ChunkPlan& plan, const FramesReady& on_frames = {},
                        DecoderTaps* taps = nullptr);

  // Switches every Normalize layer (affine tensors are kept; key names follow).
  void set_norm(const std::string& norm_type, int num_groups);
  std::string norm_type() const { return config_.norm_type; }
  int num_groups() const { return config_.norm_num_groups; }
  std::vector<Normalize*> norm_layers();

  // PyTorch's default initialisation (kaiming-uniform convs, unit norms), seeded.
  void init_random(uint64_t seed);
  void to(const at::Device& device, at::ScalarType dtype);
  int64_t num_parameters();  // excludes the constant Haar filters

  Encoder* encoder;
  Decoder* decoder;

 private:
  void set_chunk_state(Module& root, bool enable_cached, bool is_first_chunk);
  void empty_caches(Module& root);
  ModelConfig config_;
};

}  // namespace wfvae::model
