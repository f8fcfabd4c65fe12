#include "model/wfvae_model.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <map>

#include "core/error.h"

namespace wfvae::model {

namespace {

BlockOptions block_options(const ModelConfig& c) { return {c.norm_type, c.norm_num_groups}; }

std::unique_ptr<Module> make_attention(const ModelConfig& c, int channels) {
  return std::make_unique<AttnBlock3D>(channels, block_options(c), c.attention_type == "AttnBlock3DFix");
}

void record(std::map<std::string, Tensor>* debug, const char* name, const Tensor& t) {
  if (debug) (*debug)[name] = t;
}

// One stretch of a forward pass, named for runtime/op_profile.h (the checkpoint's
// module names, so a profile reads like the reference's module tree).
template <class F>
Tensor section(const char* name, F&& body) {
  WFVAE_PROFILE_SCOPE(name);
  return body();
}

// Channels of the level-1 coefficients: 4 bands x RGB (2-D) or 8 x RGB (3-D). The
// reference keys this on the block name ("Bad code. For temporal usage.").
int l1_channels(const std::string& block) { return block == "Downsample" || block == "Upsample" ? 12 : 24; }

}  // namespace

// ---------------------------------------------------------------- Encoder

Encoder::Encoder(const ModelConfig& c) {
  const int B = c.base_channels, E = c.encoder_energy_flow_hidden_size;
  const BlockOptions o = block_options(c);
  const bool temporal_l1 = c.l1_dowmsample_block != "Downsample";

  down1 = register_module("down1", std::make_unique<Sequential>());
  down1->add(std::make_unique<Conv2d>(24, B, 3, 1, 1));
  for (int i = 0; i < c.encoder_num_resblocks; ++i) down1->add(std::make_unique<ResnetBlock2D>(B, B, o));
  if (temporal_l1)
    down1->add(std::make_unique<Spatial2xTime2x3DDownsample>(B, B));
  else
    down1->add(std::make_unique<Downsample>(B, B));

  down2 = register_module("down2", std::make_unique<Sequential>());
  down2->add(std::make_unique<Conv2d>(B + E, 2 * B, 3, 1, 1));
  for (int i = 0; i < c.encoder_num_resblocks; ++i) down2->add(std::make_unique<ResnetBlock3D>(2 * B, 2 * B, o));
  down2->add(std::make_unique<Spatial2xTime2x3DDownsample>(2 * B, 2 * B));

  connect_l1 = register_module("connect_l1", std::make_unique<Conv2d>(l1_channels(c.l1_dowmsample_block), E, 3, 1, 1));
  connect_l2 = register_module("connect_l2", std::make_unique<Conv2d>(24, E, 3, 1, 1));

  mid = register_module("mid", std::make_unique<Sequential>());
  mid->add(std::make_unique<ResnetBlock3D>(2 * B + E, 4 * B, o));
  if (c.use_attention) mid->add(make_attention(c, 4 * B));
  mid->add(std::make_unique<ResnetBlock3D>(4 * B, 4 * B, o));

  norm_out = register_module("norm_out", std::make_unique<Normalize>(4 * B, c.norm_type, c.norm_num_groups));
  conv_out = register_module("conv_out", std::make_unique<CausalConv3d>(4 * B, 2 * c.latent_dim, 3, 1, 1));

  wavelet_transform_in = register_module("wavelet_transform_in", std::make_unique<HaarWaveletTransform3D>());
  if (temporal_l1)
    wavelet_transform_l1 = register_module("wavelet_transform_l1", std::make_unique<HaarWaveletTransform3D>());
  else
    wavelet_transform_l1 = register_module("wavelet_transform_l1", std::make_unique<HaarWaveletTransform2D>());
  wavelet_transform_l2 = register_module("wavelet_transform_l2", std::make_unique<HaarWaveletTransform3D>());
}

Tensor Encoder::forward_taps(const Tensor& x, EncoderTaps* taps) {
  Tensor coeffs = section("encoder.wavelet_transform_in", [&] { return wavelet_transform_in->forward(x); });
  // Energy flow: the low band (channels 0..2 = LLL of R, G, B) is decomposed twice more.
  Tensor l1_coeffs =
      section("encoder.wavelet_transform_l1", [&] { return wavelet_transform_l1->forward(coeffs.narrow(1, 0, 3)); });
  Tensor l1 = section("encoder.connect_l1", [&] { return connect_l1->forward(l1_coeffs); });
  Tensor l2_coeffs =
      section("encoder.wavelet_transform_l2", [&] { return wavelet_transform_l2->forward(l1_coeffs.narrow(1, 0, 3)); });
  Tensor l2 = section("encoder.connect_l2", [&] { return connect_l2->forward(l2_coeffs); });
  run_step_hook();

  auto* debug = taps ? taps->debug : nullptr;
  Tensor h = section("encoder.down1", [&] { return down1->forward(coeffs); });
  record(debug, "enc_down1", h);
  h = section("encoder.down2", [&] { return down2->forward(at::cat({h, l1}, 1)); });
  record(debug, "enc_down2", h);
  h = section("encoder.mid", [&] { return mid->forward(at::cat({h, l2}, 1)); });
  record(debug, "enc_mid", h);
  h = section("encoder.norm_out", [&] { return norm_out->forward(h); });
  h = section("encoder.conv_out", [&] { return conv_out->forward_silu(h); });
  run_step_hook();
  if (taps) {
    taps->wavelet_in = coeffs;
    taps->l1_coeffs = l1_coeffs;
    taps->l2_coeffs = l2_coeffs;
  }
  return h;
}

// ---------------------------------------------------------------- Decoder

Decoder::Decoder(const ModelConfig& c) : energy_flow_hidden_size_(c.decoder_energy_flow_hidden_size) {
  const int B = c.base_channels, E = c.decoder_energy_flow_hidden_size;
  const BlockOptions o = block_options(c);
  const bool temporal_l1 = c.l1_upsample_block != "Upsample";

  conv_in = register_module("conv_in", std::make_unique<CausalConv3d>(c.latent_dim, 4 * B, 3, 1, 1));

  mid = register_module("mid", std::make_unique<Sequential>());
  mid->add(std::make_unique<ResnetBlock3D>(4 * B, 4 * B, o));
  if (c.use_attention) mid->add(make_attention(c, 4 * B));
  mid->add(std::make_unique<ResnetBlock3D>(4 * B, 4 * B + E, o));

  up2 = register_module("up2", std::make_unique<Sequential>());
  for (int i = 0; i < c.decoder_num_resblocks; ++i) up2->add(std::make_unique<ResnetBlock3D>(4 * B, 4 * B, o));
  up2->add(std::make_unique<Spatial2xTime2x3DUpsample>(4 * B, 4 * B, c.t_interpolation, 0));
  up2->add(std::make_unique<ResnetBlock3D>(4 * B, 4 * B + E, o));

  up1 = register_module("up1", std::make_unique<Sequential>());
  for (int i = 0; i < c.decoder_num_resblocks; ++i)
    up1->add(std::make_unique<ResnetBlock3D>(i == 0 ? 4 * B : 2 * B, 2 * B, o));
  if (temporal_l1)
    up1->add(std::make_unique<Spatial2xTime2x3DUpsample>(2 * B, 2 * B, c.t_interpolation, 1));
  else
    up1->add(std::make_unique<Upsample>(2 * B, 2 * B));
  up1->add(std::make_unique<ResnetBlock3D>(2 * B, 2 * B, o));

  layer = register_module("layer", std::make_unique<Sequential>());
  layer->add(std::make_unique<ResnetBlock3D>(2 * B, B, o));
  layer->add(std::make_unique<ResnetBlock3D>(B, B, o));

  connect_l1 = register_module("connect_l1", std::make_unique<Sequential>());
  for (int i = 0; i < c.connect_res_layer_num; ++i) connect_l1->add(std::make_unique<ResnetBlock3D>(E, E, o));
  connect_l1->add(std::make_unique<Conv2d>(E, l1_channels(c.l1_upsample_block), 3, 1, 1));
  connect_l2 = register_module("connect_l2", std::make_unique<Sequential>());
  for (int i = 0; i < c.connect_res_layer_num; ++i) connect_l2->add(std::make_unique<ResnetBlock3D>(E, E, o));
  connect_l2->add(std::make_unique<Conv2d>(E, 24, 3, 1, 1));

  norm_out = register_module("norm_out", std::make_unique<Normalize>(B, c.norm_type, c.norm_num_groups));
  conv_out = register_module("conv_out", std::make_unique<Conv2d>(B, 24, 3, 1, 1));

  inverse_wavelet_transform_out =
      register_module("inverse_wavelet_transform_out", std::make_unique<InverseHaarWaveletTransform3D>());
  if (temporal_l1)
    inverse_wavelet_transform_l1 =
        register_module("inverse_wavelet_transform_l1", std::make_unique<InverseHaarWaveletTransform3D>());
  else
    inverse_wavelet_transform_l1 =
        register_module("inverse_wavelet_transform_l1", std::make_unique<InverseHaarWaveletTransform2D>());
  inverse_wavelet_transform_l2 =
      register_module("inverse_wavelet_transform_l2", std::make_unique<InverseHaarWaveletTransform3D>());
}

Tensor Decoder::forward_taps(const Tensor& z, DecoderTaps* taps) {
  const int64_t E = energy_flow_hidden_size_;
  auto* debug = taps ? taps->debug : nullptr;
  auto main_part = [E](const Tensor& h) { return h.narrow(1, 0, h.size(1) - E); };
  auto flow_part = [E](const Tensor& h) { return h.narrow(1, h.size(1) - E, E); };

  Tensor h = section("decoder.conv_in", [&] { return conv_in->forward(z); });
  record(debug, "dec_conv_in", h);
  h = section("decoder.mid", [&] { return mid->forward(h); });
  record(debug, "dec_mid", h);

  // Level 2: the last E channels predict 3-D Haar coefficients of the level-1 low band.
  Tensor l2_coeffs = section("decoder.connect_l2", [&] { return connect_l2->forward(flow_part(h)); });
  Tensor l2 =
      section("decoder.inverse_wavelet_transform_l2", [&] { return inverse_wavelet_transform_l2->forward(l2_coeffs); });

  h = section("decoder.up2", [&] { return up2->forward(main_part(h)); });
  record(debug, "dec_up2", h);

  // Level 1: predicted coefficients; their low band gets the level-2 reconstruction.
  Tensor l1_coeffs = section("decoder.connect_l1", [&] { return connect_l1->forward(flow_part(h)); });
  Tensor l1 = section("decoder.inverse_wavelet_transform_l1", [&] {
    l1_coeffs = at::cat({l1_coeffs.narrow(1, 0, 3) + l2, l1_coeffs.narrow(1, 3, l1_coeffs.size(1) - 3)}, 1);
    return inverse_wavelet_transform_l1->forward(l1_coeffs);
  });

  h = section("decoder.up1", [&] { return up1->forward(main_part(h)); });
  record(debug, "dec_up1", h);
  h = section("decoder.layer", [&] { return layer->forward(h); });
  record(debug, "dec_layer", h);
  h = section("decoder.norm_out", [&] { return norm_out->forward(h); });
  h = section("decoder.conv_out", [&] { return conv_out->forward(nonlinearity(h)); });
  record(debug, "dec_conv_out", h);
  // The output's LLL band gets the level-1 reconstruction, then the final inverse Haar.
  Tensor dec = section("decoder.inverse_wavelet_transform_out", [&] {
    h = at::cat({h.narrow(1, 0, 3) + l1, h.narrow(1, 3, h.size(1) - 3)}, 1);
    return inverse_wavelet_transform_out->forward(h);
  });
  record(debug, "dec_out_coeffs", h);
  run_step_hook();
  if (taps) {
    taps->l2_coeffs = l2_coeffs;
    taps->l1_coeffs = l1_coeffs;
  }
  return dec;
}

// ---------------------------------------------------------------- WFVAEModel

namespace {
void set_cache_offset(Module& m, int offset) {
  m.visit([offset](Module& sub) {
    if (auto* c = dynamic_cast<CausalConv3d*>(&sub)) c->cache_offset = offset;
  });
}
}  // namespace

WFVAEModel::WFVAEModel(const ModelConfig& c) : config_(c) {
  encoder = register_module("encoder", std::make_unique<Encoder>(c));
  decoder = register_module("decoder", std::make_unique<Decoder>(c));

  // Look-ahead frames at each decoder level in the chunked path (the reference's
  // _set_cache_offset): one latent frame is 1 frame before up2, 2 after it, 4 after
  // a temporal up1.
  Decoder& d = *decoder;
  auto tail2 = [](Sequential* s, int offset) {  // s[-2:]
    for (size_t i = s->size() >= 2 ? s->size() - 2 : 0; i < s->size(); ++i) set_cache_offset(*s->at(i), offset);
  };
  for (Module* m : std::initializer_list<Module*>{d.up2, d.connect_l2, d.conv_in, d.mid}) set_cache_offset(*m, 1);
  if (c.temporal_compression() == 4) {
    tail2(d.up2, 2);
    for (Module* m : std::initializer_list<Module*>{d.up1, d.connect_l1, d.layer}) set_cache_offset(*m, 2);
  } else {
    tail2(d.up2, 2);
    for (Module* m : std::initializer_list<Module*>{d.connect_l1, d.up1}) set_cache_offset(*m, 2);
    tail2(d.up1, 4);
    set_cache_offset(*d.layer, 4);
  }
}

ChunkPlan WFVAEModel::plan_chunks(int frames) const {
  const int rate = config_.temporal_compression();
  const int downsample_times = rate == 4 ? 2 : 3;
  int dec = 2, enc = rate;
  bool ok = false;
  // A literal port of _auto_select_t_chunk, including its loop structure: the
  // inner `continue`s only skip to the next level, they do not restart the search.
  while (dec < frames && enc < frames) {
    std::vector<int> t_list = {frames};
    for (int i = 0; i < downsample_times; ++i) t_list.push_back((t_list.back() - 1) / 2 + 1);
    if ((t_list.back() - 1) % dec == 1) {
      dec *= 2;
      continue;
    }
    for (size_t i = 0; i + 1 < t_list.size(); ++i) {
      const int inner = t_list[i];
      if ((inner - 1) % 2 != 0) {
        enc *= 2;
        continue;
      }
      if ((inner - 1) % enc == 1 && static_cast<double>(inner - 1) / enc > 1) {
        enc *= 2;
        continue;
      }
    }
    ok = true;
    break;
  }
  if (!ok)
    fail_usage("chunked inference cannot split " + std::to_string(frames) +
               " frames the way the reference does (it needs more than one chunk; e.g. " +
               std::to_string(1 + 2 * rate) + " or " + std::to_string(1 + 4 * rate) +
               " frames); run it direct (without --chunked)");
  ChunkPlan p;
  p.t_chunk_enc = enc;
  p.t_chunk_dec = dec;
  auto chunks = [](int t, int size) {
    std::vector<std::pair<int, int>> out = {{0, 1}};
    int start = 1, end = 1;
    while (start < t) {
      end = std::min(t, end + size);
      out.emplace_back(start, end);
      start = end;
    }
    return out;
  };
  p.encoder_chunks = chunks(frames, enc);
  p.decoder_chunks = chunks(config_.latent_frames(frames), dec);
  return p;
}

void WFVAEModel::set_chunk_state(Module& root, bool enable_cached, bool is_first_chunk) {
  root.visit([&](Module& m) {
    ChunkState* s = nullptr;
    if (auto* a = dynamic_cast<CausalConv3d*>(&m))
      s = &a->chunk;
    else if (auto* b = dynamic_cast<Spatial2xTime2x3DUpsample*>(&m))
      s = &b->chunk;
    else if (auto* c = dynamic_cast<HaarWaveletTransform3D*>(&m))
      s = &c->chunk;
    else if (auto* d = dynamic_cast<InverseHaarWaveletTransform3D*>(&m))
      s = &d->chunk;
    if (s) {
      s->enable_cached = enable_cached;
      s->is_first_chunk = is_first_chunk;
    }
  });
}

void WFVAEModel::empty_caches(Module& root) {
  root.visit([](Module& m) {
    if (auto* a = dynamic_cast<CausalConv3d*>(&m))
      a->causal_cached.clear();
    else if (auto* b = dynamic_cast<Spatial2xTime2x3DUpsample*>(&m))
      b->causal_cached.clear();
  });
}

Tensor WFVAEModel::encode(const Tensor& x, EncoderTaps* taps) {
  empty_caches(*encoder);
  set_chunk_state(*encoder, false, true);
  return encoder->forward_taps(x, taps);
}

Tensor WFVAEModel::decode(const Tensor& z, DecoderTaps* taps) {
  empty_caches(*decoder);
  set_chunk_state(*decoder, false, true);
  return decoder->forward_taps(z, taps);
}

Tensor WFVAEModel::encode_chunked(const Tensor& x, const ChunkPlan& plan, EncoderTaps* taps) {
  empty_caches(*encoder);
  std::vector<Tensor> out, w_in, l1, l2;
  for (size_t i = 0; i < plan.encoder_chunks.size(); ++i) {
    auto [s, e] = plan.encoder_chunks[i];
    set_chunk_state(*encoder, true, i == 0);
    EncoderTaps chunk_taps;
    out.push_back(encoder->forward_taps(x.narrow(2, s, e - s), taps ? &chunk_taps : nullptr));
    if (taps) {
      // The Haar levels are exact per chunk (chunks start on pair boundaries).
      w_in.push_back(chunk_taps.wavelet_in);
      l1.push_back(chunk_taps.l1_coeffs);
      l2.push_back(chunk_taps.l2_coeffs);
    }
  }
  set_chunk_state(*encoder, false, true);
  empty_caches(*encoder);
  if (taps) {
    taps->wavelet_in = at::cat(w_in, 2);
    taps->l1_coeffs = at::cat(l1, 2);
    taps->l2_coeffs = at::cat(l2, 2);
  }
  return at::cat(out, 2);
}

Tensor WFVAEModel::decode_chunked(const Tensor& z, const ChunkPlan& plan, const FramesReady& on_frames,
                                  DecoderTaps* taps) {
  const int64_t t_latent = z.size(2);
  const int rate = config_.temporal_compression();
  empty_caches(*decoder);
  std::vector<Tensor> out, l1, l2;
  int64_t emitted = 0;
  for (size_t i = 0; i < plan.decoder_chunks.size(); ++i) {
    auto [s, e] = plan.decoder_chunks[i];
    set_chunk_state(*decoder, true, i == 0);
    // Later chunks carry one latent frame of look-ahead (trimmed from the output)
    // so that the temporal upsampler can interpolate across the chunk's end.
    const bool lookahead = i != 0 && e + 1 < t_latent;
    DecoderTaps chunk_taps;
    Tensor y = decoder->forward_taps(z.narrow(2, s, (lookahead ? e + 1 : e) - s), taps ? &chunk_taps : nullptr);
    if (lookahead) y = slice_time(y, 0, -rate);
    if (taps) {
      l2.push_back(lookahead ? slice_time(chunk_taps.l2_coeffs, 0, -1) : chunk_taps.l2_coeffs);
      l1.push_back(lookahead ? slice_time(chunk_taps.l1_coeffs, 0, -2) : chunk_taps.l1_coeffs);
    }
    y = y.clone();
    if (on_frames) on_frames(emitted, y);
    emitted += y.size(2);
    out.push_back(y);
  }
  set_chunk_state(*decoder, false, true);
  empty_caches(*decoder);
  if (taps) {
    taps->l2_coeffs = at::cat(l2, 2);
    taps->l1_coeffs = at::cat(l1, 2);
  }
  return at::cat(out, 2);
}

std::vector<Normalize*> WFVAEModel::norm_layers() {
  std::vector<Normalize*> out;
  visit([&](Module& m) {
    if (auto* n = dynamic_cast<Normalize*>(&m)) out.push_back(n);
  });
  return out;
}

void WFVAEModel::set_norm(const std::string& norm_type, int num_groups) {
  for (Normalize* n : norm_layers()) {
    n->norm_type = norm_type;
    n->num_groups = num_groups;
  }
  config_.norm_type = norm_type;
  config_.norm_num_groups = num_groups;
}

void WFVAEModel::init_random(uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  std::map<std::string, double> bound_of;  // module prefix -> 1/sqrt(fan_in)
  auto prefix_of = [](const std::string& name) { return name.substr(0, name.rfind('.')); };
  auto tensors = named_tensors();
  for (auto& nt : tensors) {
    if (nt.optional) continue;  // Haar constants
    Tensor& t = *nt.tensor;
    const bool is_weight = nt.name.size() > 7 && nt.name.compare(nt.name.size() - 7, 7, ".weight") == 0;
    if (is_weight && t.dim() >= 2) {
      // kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
      const double fan_in = static_cast<double>(t.numel() / t.size(0));
      const double bound = 1.0 / std::sqrt(fan_in);
      bound_of[prefix_of(nt.name)] = bound;
      t = at::empty(t.sizes(), at::kFloat).uniform_(-bound, bound, gen);
    }
  }
  for (auto& nt : tensors) {
    if (nt.optional) continue;
    Tensor& t = *nt.tensor;
    auto it = bound_of.find(prefix_of(nt.name));
    const bool is_bias = nt.name.size() > 5 && nt.name.compare(nt.name.size() - 5, 5, ".bias") == 0;
    if (is_bias && it != bound_of.end())
      t = at::empty(t.sizes(), at::kFloat).uniform_(-it->second, it->second, gen);
    else if (t.dim() == 1 && it == bound_of.end())
      t = is_bias ? at::zeros(t.sizes()) : at::ones(t.sizes());
  }
}

void WFVAEModel::to(const at::Device& device, at::ScalarType dtype) {
  for (auto& nt : named_tensors()) *nt.tensor = nt.tensor->to(device, dtype);
  empty_caches(*this);
}

int64_t WFVAEModel::num_parameters() {
  int64_t n = 0;
  for (auto& nt : named_tensors())
    if (!nt.optional) n += nt.tensor->numel();
  return n;
}

}  // namespace wfvae::model
