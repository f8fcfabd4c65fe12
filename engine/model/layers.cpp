#include "model/layers.h"

#include "model/winograd_conv.h"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <stdexcept>

namespace wfvae::model {

namespace {

// Holds the weights of an inner nn.Conv3d ("conv.weight", "conv.bias").
class ConvParams : public Module {
 public:
  ConvParams(std::vector<int64_t> weight_shape, bool bias) {
    weight = &register_tensor("weight", at::zeros(weight_shape));
    if (bias) this->bias = &register_tensor("bias", at::zeros({weight_shape[0]}));
  }
  Tensor* weight = nullptr;
  Tensor* bias = nullptr;
};

Tensor optional_bias(const Tensor* b) { return b ? *b : Tensor(); }

// F.interpolate(x, scale_factor=(2,1,1), mode) on [B,C,T,H,W].
Tensor upsample_time2x(const Tensor& x, const std::string& mode) {
  std::vector<int64_t> size = {x.size(2) * 2, x.size(3), x.size(4)};
  if (mode == "nearest")
    return at::upsample_nearest3d(x, at::IntArrayRef(size), c10::optional<double>(2.0), c10::optional<double>(1.0),
                                  c10::optional<double>(1.0));
  return at::upsample_trilinear3d(x, at::IntArrayRef(size), false, c10::optional<double>(2.0),
                                  c10::optional<double>(1.0), c10::optional<double>(1.0));
}

// F.interpolate(x, scale_factor=(1,2,2), mode="trilinear"): bilinear per frame,
// align_corners=False, edges clamped.
Tensor upsample_space2x_bilinear(const Tensor& x) {
  std::vector<int64_t> size = {x.size(2), x.size(3) * 2, x.size(4) * 2};
  return at::upsample_trilinear3d(x, at::IntArrayRef(size), false, c10::optional<double>(1.0),
                                  c10::optional<double>(2.0), c10::optional<double>(2.0));
}

// F.interpolate(x, scale_factor=2.0, mode="nearest") per frame.
Tensor upsample_space2x_nearest(const Tensor& x) {
  std::vector<int64_t> size = {x.size(2), x.size(3) * 2, x.size(4) * 2};
  return at::upsample_nearest3d(x, at::IntArrayRef(size), c10::optional<double>(1.0), c10::optional<double>(2.0),
                                c10::optional<double>(2.0));
}

// [B,C,T,H,W] -> [B*T,C,H,W] and back: the reference's video_to_image.
Tensor to_frames(const Tensor& x) {
  return x.permute({0, 2, 1, 3, 4}).reshape({x.size(0) * x.size(2), x.size(1), x.size(3), x.size(4)});
}
Tensor from_frames(const Tensor& y, int64_t b, int64_t t) {
  return y.reshape({b, t, y.size(1), y.size(2), y.size(3)}).permute({0, 2, 1, 3, 4});
}

}  // namespace

// A 3-D convolution (no temporal padding) computed as one 2-D convolution over
// stacked temporal taps: y[t] = sum_k conv2d(x[t*st + k], W[:, :, k]). Same maths as
// conv3d; used on CPU in float32 under autograd (training) because LibTorch sends
// batch-1 3-D convolutions, and their backward, to the slow vol2col path
// (slow_conv3d), while batched 2-D convolutions run in oneDNN — about 10x faster for
// this model's shapes. Inference calls oneDNN's 3-D convolution directly instead.
Tensor conv3d_as_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t st, int64_t sh, int64_t sw,
                        int64_t ph, int64_t pw) {
  const int64_t B = x.size(0), C = x.size(1), T_in = x.size(2), H = x.size(3), W = x.size(4);
  const int64_t O = w.size(0), kt = w.size(2), kh = w.size(3), kw = w.size(4);
  const int64_t T_out = (T_in - kt) / st + 1;
  Tensor frames = x.permute({0, 2, 1, 3, 4});  // [B, T, C, H, W]
  Tensor stacked;
  if (kt == 1 && st == 1) {
    stacked = frames.reshape({B * T_out, C, H, W});
  } else {
    std::vector<Tensor> taps;
    for (int64_t k = 0; k < kt; ++k) taps.push_back(frames.slice(1, k, k + (T_out - 1) * st + 1, st));
    stacked = at::cat(taps, 2).reshape({B * T_out, kt * C, H, W});  // channel = k * C + c
  }
  Tensor w2 = w.permute({0, 2, 1, 3, 4}).reshape({O, kt * C, kh, kw});
  Tensor y = at::conv2d(stacked, w2, b, {sh, sw}, {ph, pw});
  return y.reshape({B, T_out, O, y.size(2), y.size(3)}).permute({0, 2, 1, 3, 4});
}

bool inference_only() { return !at::GradMode::is_enabled(); }

// Inference in float32 on a CPU with oneDNN: every 3-D convolution (and every 2-D one
// over a video, as a 1xKxK 3-D one) goes to oneDNN directly. LibTorch's own dispatch
// sends small batch-1 ones to its slow im2col conv3d (the reference's path there:
// 175 of its 860 ms decoding gn-l8 17x128x128), and the frame stacking of
// conv3d_as_conv2d copies the taps and leaves a permuted output. Against the earlier
// split (stacking below LibTorch's oneDNN size threshold, conv3d above) it measured
// level within this machine's noise (decode min of 15: 557 vs 548 ms), with fewer
// copies; training keeps the stacking (see conv3d_as_conv2d).
bool mkldnn_direct(const Tensor& x) {
  return x.is_cpu() && x.scalar_type() == at::kFloat && inference_only() && at::hasMKLDNN();
}
Tensor mkldnn_conv3d(const Tensor& x, const Tensor& w, const Tensor& b, at::IntArrayRef stride, at::IntArrayRef pad) {
  return at::mkldnn_convolution(x.contiguous(), w, b.defined() ? c10::optional<Tensor>(b) : c10::nullopt, pad, stride,
                                {1, 1, 1}, 1);
}

// A 1x1 (x1) convolution as a matrix product over channels: [O, C] x [B, C, N]. Same
// maths; LibTorch's heuristics run small-batch 1x1 convolutions single-threaded
// through im2col otherwise.
Tensor pointwise_conv(const Tensor& x, const Tensor& w, const Tensor& b) {
  std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
  out_shape[1] = w.size(0);
  Tensor y = at::matmul(w.reshape({w.size(0), w.size(1)}), x.reshape({x.size(0), x.size(1), -1}));
  if (b.defined()) y = y + b.reshape({1, -1, 1});
  return y.reshape(out_shape);
}

Tensor slice_time(const Tensor& x, int64_t start, int64_t stop) {
  const int64_t n = x.size(2);
  auto clamp = [n](int64_t i) {
    if (i == kSliceEnd) return n;
    if (i < 0) i += n;
    return std::min(std::max<int64_t>(i, 0), n);
  };
  int64_t s = clamp(start), e = clamp(stop);
  if (e < s) e = s;
  return x.narrow(2, s, e - s);
}

Tensor nonlinearity(const Tensor& x) { return inference_only() ? at::silu(x) : x * at::sigmoid(x); }

// ---------------------------------------------------------------- Conv2d

Conv2d::Conv2d(int in, int out, int kernel, int stride, int padding) : stride_(stride), padding_(padding) {
  weight = &register_tensor("weight", at::zeros({out, in, kernel, kernel}));
  bias = &register_tensor("bias", at::zeros({out}));
}

Tensor Conv2d::forward_4d(const Tensor& x) const {
  WFVAE_PROFILE_SCOPE("Conv2d");
  if (weight->size(2) == 1 && weight->size(3) == 1 && stride_ == 1 && padding_ == 0 && x.is_cpu())
    return pointwise_conv(x, *weight, *bias);
  return at::conv2d(x, *weight, *bias, {stride_, stride_}, {padding_, padding_});
}

Tensor Conv2d::forward(const Tensor& x) {
  if (x.dim() == 4) return forward_4d(x);
  if (mkldnn_direct(x) && !(weight->size(2) == 1 && weight->size(3) == 1)) {
    // Per frame as a 1xKxK 3-D convolution: no frame stacking copy, output in place.
    WFVAE_PROFILE_SCOPE("Conv2d");
    const Tensor w3d = weight->unsqueeze(2);
    const int tile = winograd_enabled() ? winograd_tile(x, w3d, 1, stride_, stride_, padding_, padding_) : 0;
    if (tile != 0) return winograd_conv3d(x, w3d, *bias, padding_, padding_, kWinogradWorkspaceBytes, tile);
    return mkldnn_conv3d(x, w3d, *bias, {1, stride_, stride_}, {0, padding_, padding_});
  }
  return from_frames(forward_4d(to_frames(x)), x.size(0), x.size(2));
}

// ---------------------------------------------------------------- CausalConv3d

CausalConv3d::CausalConv3d(int in, int out, int kernel, int stride, int padding, bool bias)
    : CausalConv3d(in, out, kernel, kernel, kernel, stride, stride, stride, padding, padding, bias) {}

CausalConv3d::CausalConv3d(int in, int out, int kt, int kh, int kw, int st, int sh, int sw, int ph, int pw, bool bias)
    : kt_(kt), st_(st), sh_(sh), sw_(sw), ph_(ph), pw_(pw) {
  conv_ = register_module("conv", std::make_unique<ConvParams>(std::vector<int64_t>{out, in, kt, kh, kw}, bias));
}

Tensor CausalConv3d::forward(const Tensor& x_in) {
  WFVAE_PROFILE_SCOPE("CausalConv3d");
  // kT == 1 (1x1x1 shortcuts, attention projections): nothing to pad or cache; the
  // reference caches an empty tensor there, which is the same thing.
  return conv_valid(kt_ > 1 ? padded(x_in, false) : x_in);
}

Tensor CausalConv3d::forward_silu(const Tensor& pre) {
  if (kt_ == 1 || !inference_only()) return forward(nonlinearity(pre));
  WFVAE_PROFILE_SCOPE("CausalConv3d");
  return conv_valid(padded(pre, true));
}

Tensor CausalConv3d::padded(const Tensor& x_in, bool silu) {
  // The frames before this chunk: the first frame repeated kt - 1 times, or the
  // context the previous chunk left.
  Tensor context;
  if (!chunk.is_first_chunk) {
    if (causal_cached.empty()) throw std::logic_error("CausalConv3d: chunked run without a cached context");
    context = causal_cached.front();
    causal_cached.pop_front();
  }
  const int64_t before = chunk.is_first_chunk ? kt_ - 1 : context.size(2), t = x_in.size(2);
  Tensor x;
  if (inference_only()) {
    // One buffer, filled in place: what at::cat({pad, x}) makes, without the copy of x
    // a separate activation would need first.
    x = at::empty({x_in.size(0), x_in.size(1), before + t, x_in.size(3), x_in.size(4)}, x_in.options());
    Tensor body = x.narrow(2, before, t);
    if (silu)
      at::silu_out(body, x_in);
    else
      body.copy_(x_in);
    if (chunk.is_first_chunk)
      x.narrow(2, 0, before).copy_(body.narrow(2, 0, 1).expand({x.size(0), x.size(1), before, x.size(3), x.size(4)}));
    else
      x.narrow(2, 0, before).copy_(context);
  } else {
    Tensor pad = chunk.is_first_chunk
                     ? x_in.narrow(2, 0, 1).expand({x_in.size(0), x_in.size(1), before, x_in.size(3), x_in.size(4)})
                     : context;
    x = at::cat({pad, silu ? nonlinearity(x_in) : x_in}, 2);
  }
  if (chunk.enable_cached) {
    // Python: -(kT-1) // stride, floor division of a negative number.
    const int64_t keep = (kt_ - 1 + st_ - 1) / st_;
    if ((kt_ - 1) / st_ != 0) {
      Tensor src = (cache_offset == 0 || chunk.is_first_chunk) ? x : slice_time(x, 0, -cache_offset);
      causal_cached.push_back(slice_time(src, -keep, kSliceEnd).clone());
    } else {
      causal_cached.push_back(x.narrow(2, 0, 0).clone());
    }
  }
  return x;
}

Tensor CausalConv3d::conv_valid(const Tensor& x) const {
  auto* conv = static_cast<ConvParams*>(conv_);
  static const bool native = std::getenv("WFVAE_NATIVE_CONV3D") != nullptr;  // for A/B benchmarks
  const Tensor& w = *conv->weight;
  if (!native && x.is_cpu() && kt_ == 1 && w.size(3) == 1 && w.size(4) == 1 && st_ == 1 && sh_ == 1 && sw_ == 1)
    return pointwise_conv(x, w, optional_bias(conv->bias));
  const int tile = !native && winograd_enabled() && inference_only() ? winograd_tile(x, w, st_, sh_, sw_, ph_, pw_) : 0;
  if (tile != 0) return winograd_conv3d(x, w, optional_bias(conv->bias), ph_, pw_, kWinogradWorkspaceBytes, tile);
  if (!native && mkldnn_direct(x))
    return mkldnn_conv3d(x, w, optional_bias(conv->bias), {st_, sh_, sw_}, {0, ph_, pw_});
  if (!native && x.is_cpu() && x.scalar_type() == at::kFloat)  // training, or a LibTorch without oneDNN
    return conv3d_as_conv2d(x, w, optional_bias(conv->bias), st_, sh_, sw_, ph_, pw_);
  return at::conv3d(x, w, optional_bias(conv->bias), {st_, sh_, sw_}, {0, ph_, pw_});
}

// ---------------------------------------------------------------- Normalize

Normalize::Normalize(int ch, const std::string& type, int groups) : norm_type(type), num_groups(groups), channels(ch) {
  weight = at::ones({ch});
  bias = at::zeros({ch});
}

void Normalize::collect(const std::string& prefix, std::vector<NamedTensor>& out) {
  const std::string p = norm_type == "layernorm" ? prefix + "norm." : prefix;
  out.push_back({p + "weight", &weight, false});
  out.push_back({p + "bias", &bias, false});
}

Tensor Normalize::forward(const Tensor& x) {
  WFVAE_PROFILE_SCOPE("Normalize");
  if (norm_type == "groupnorm") return at::group_norm(x, num_groups, weight, bias, kEps);
  // LayerNorm over channels: move C last, normalise, move it back.
  if (x.dim() == 5) {
    Tensor y = at::layer_norm(x.permute({0, 2, 3, 4, 1}), {channels}, weight, bias, kEps);
    return y.permute({0, 4, 1, 2, 3});
  }
  Tensor y = at::layer_norm(x.permute({0, 2, 3, 1}), {channels}, weight, bias, kEps);
  return y.permute({0, 3, 1, 2});
}

// ---------------------------------------------------------------- Resnet blocks

template <class Conv>
ResnetBlock<Conv>::ResnetBlock(int in, int out, const BlockOptions& o) {
  norm1_ = register_module("norm1", std::make_unique<Normalize>(in, o.norm_type, o.num_groups));
  conv1_ = register_module("conv1", std::make_unique<Conv>(in, out, 3, 1, 1));
  norm2_ = register_module("norm2", std::make_unique<Normalize>(out, o.norm_type, o.num_groups));
  conv2_ = register_module("conv2", std::make_unique<Conv>(out, out, 3, 1, 1));
  if (in != out) nin_shortcut_ = register_module("nin_shortcut", std::make_unique<Conv>(in, out, 1, 1, 0));
}
template class ResnetBlock<Conv2d>;
template class ResnetBlock<CausalConv3d>;

Tensor ResnetBlock2D::forward(const Tensor& x5) {
  WFVAE_PROFILE_SCOPE("ResnetBlock2D");
  // The whole block runs per frame (video_to_image on the block's forward).
  const bool video = x5.dim() == 5;
  Tensor x = video ? to_frames(x5).contiguous() : x5;
  Tensor h = conv1_->forward_4d(nonlinearity(norm1_->forward(x)));
  h = conv2_->forward_4d(nonlinearity(norm2_->forward(h)));  // dropout: identity in eval
  if (nin_shortcut_) x = nin_shortcut_->forward_4d(x);
  Tensor y = x + h;
  return video ? from_frames(y, x5.size(0), x5.size(2)) : y;
}

Tensor ResnetBlock3D::forward(const Tensor& x) {
  WFVAE_PROFILE_SCOPE("ResnetBlock3D");
  Tensor h = conv1_->forward_silu(norm1_->forward(x));
  h = conv2_->forward_silu(norm2_->forward(h));
  return (nin_shortcut_ ? nin_shortcut_->forward(x) : x) + h;
}

// ---------------------------------------------------------------- Attention

AttnBlock3D::AttnBlock3D(int c, const BlockOptions& o, bool fix) : fix_(fix) {
  norm_ = register_module("norm", std::make_unique<Normalize>(c, o.norm_type, o.num_groups));
  q_ = register_module("q", std::make_unique<CausalConv3d>(c, c, 1, 1, 0));
  k_ = register_module("k", std::make_unique<CausalConv3d>(c, c, 1, 1, 0));
  v_ = register_module("v", std::make_unique<CausalConv3d>(c, c, 1, 1, 0));
  proj_out_ = register_module("proj_out", std::make_unique<CausalConv3d>(c, c, 1, 1, 0));
}

namespace {
// softmax(q k^T / sqrt(C)) v over [N, L, C], N processed in slices so the L x L
// score matrix stays bounded on CPU (a 64x64 latent frame has 4096 positions).
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v) {
  // Fused kernels (flash / memory-efficient) where available; same maths.
  return at::scaled_dot_product_attention(q, k, v);
}
}  // namespace

Tensor AttnBlock3D::forward(const Tensor& x) {
  WFVAE_PROFILE_SCOPE("AttnBlock3D");
  Tensor h = norm_->forward(x);
  Tensor q = q_->forward(h), k = k_->forward(h), v = v_->forward(h);
  const int64_t b = q.size(0), c = q.size(1), t = q.size(2), hh = q.size(3), ww = q.size(4);
  Tensor out;
  if (fix_) {
    auto tokens = [&](const Tensor& z) { return z.permute({0, 2, 3, 4, 1}).reshape({b * t, hh * ww, c}).contiguous(); };
    Tensor a = attention(tokens(q), tokens(k), tokens(v));
    out = a.reshape({b, t, hh, ww, c}).permute({0, 4, 1, 2, 3});
  } else {
    // Legacy AttnBlock3D: reshape(b*t, c, h*w) of a [b,c,t,h,w] tensor, as written.
    Tensor qq = q.reshape({b * t, c, hh * ww}).permute({0, 2, 1});
    Tensor kk = k.reshape({b * t, c, hh * ww});
    Tensor w = at::softmax(at::bmm(qq, kk) * std::pow(static_cast<double>(c), -0.5), 2);
    Tensor vv = v.reshape({b * t, c, hh * ww});
    out = at::bmm(vv, w.permute({0, 2, 1})).reshape({b, c, t, hh, ww});
  }
  return x + proj_out_->forward(out);
}

// ---------------------------------------------------------------- Down/upsampling

Downsample::Downsample(int in, int out) { conv_ = register_module("conv", std::make_unique<Conv2d>(in, out, 3, 2, 0)); }

Tensor Downsample::forward(const Tensor& x) {
  WFVAE_PROFILE_SCOPE("Downsample");
  return conv_->forward(at::constant_pad_nd(x, {0, 1, 0, 1}, 0));
}

Upsample::Upsample(int in, int out) { conv_ = register_module("conv", std::make_unique<Conv2d>(in, out, 3, 1, 1)); }

Tensor Upsample::forward(const Tensor& x) {
  WFVAE_PROFILE_SCOPE("Upsample");
  if (x.dim() == 4) {
    std::vector<int64_t> size = {x.size(2) * 2, x.size(3) * 2};
    return conv_->forward_4d(
        at::upsample_nearest2d(x, at::IntArrayRef(size), c10::optional<double>(2.0), c10::optional<double>(2.0)));
  }
  return conv_->forward(upsample_space2x_nearest(x));
}

Spatial2xTime2x3DDownsample::Spatial2xTime2x3DDownsample(int in, int out) {
  conv_ = register_module("conv", std::make_unique<CausalConv3d>(in, out, 3, 2, 0));
}

Tensor Spatial2xTime2x3DDownsample::forward(const Tensor& x) {
  WFVAE_PROFILE_SCOPE("Spatial2xTime2x3DDownsample");
  return conv_->forward(at::constant_pad_nd(x, {0, 1, 0, 1, 0, 0}, 0));
}

Spatial2xTime2x3DUpsample::Spatial2xTime2x3DUpsample(int in, int out, const std::string& t_interpolation, int depth)
    : t_interpolation_(t_interpolation), depth_(depth) {
  conv_ = register_module("conv", std::make_unique<CausalConv3d>(in, out, 3, 1, 1));
}

Tensor Spatial2xTime2x3DUpsample::forward(const Tensor& x_in) {
  WFVAE_PROFILE_SCOPE("Spatial2xTime2x3DUpsample");
  Tensor x = x_in;
  if (x.size(2) == 1) {
    x = upsample_space2x_bilinear(x);
  } else if (chunk.enable_cached) {
    bool drop_cached = false;
    if (!causal_cached.empty()) {
      x = at::cat({causal_cached.front(), x}, 2);
      causal_cached.pop_front();
      drop_cached = true;
    }
    // The frame before the look-ahead frames of this chunk: context for the next.
    const int64_t la = int64_t(1) << depth_;
    causal_cached.push_back(slice_time(x, -la - 1, -la).clone());
    x = upsample_time2x(x, t_interpolation_);
    if (drop_cached) x = slice_time(x, 2, kSliceEnd);
    x = upsample_space2x_bilinear(x);
  } else {
    Tensor first = slice_time(x, 0, 1), rest = slice_time(x, 1, kSliceEnd);
    rest = upsample_space2x_bilinear(upsample_time2x(rest, t_interpolation_));
    first = upsample_space2x_bilinear(first);
    x = at::cat({first, rest}, 2);
  }
  return conv_->forward(x);
}

// ---------------------------------------------------------------- Haar wavelets

namespace {
const char* kHaar3DNames[8] = {"h", "g", "hh", "gh", "h_v", "g_v", "hh_v", "gh_v"};
const char* kHaar2DNames[4] = {"aa", "ad", "da", "dd"};

// A Haar transform's registered filters side by side along dim 0, in `like`'s
// dtype; with add_time_dim, 2-D filters [1, 2, 2] become 1x2x2 3-D ones.
template <size_t N>
Tensor stack_filters(Tensor* const (&filters)[N], const Tensor& like, bool add_time_dim) {
  std::vector<Tensor> fs;
  for (auto* f : filters) fs.push_back(add_time_dim ? f->unsqueeze(2) : *f);
  return at::cat(fs, 0).to(like.dtype());
}

// The forward transforms' filtering: every channel of x [B, C, T, H, W] through the
// N filters [N, 1, kt, kh, kw] with `stride`, into [B, (N C), T', H', W'], band-major
// (channel = filter * C + c).
Tensor split_bands(const Tensor& x, const Tensor& filters, at::IntArrayRef stride) {
  const int64_t b = x.size(0), c = x.size(1), n = filters.size(0);
  Tensor y = at::conv3d(x.reshape({b * c, 1, x.size(2), x.size(3), x.size(4)}), filters, {}, stride);
  // [(b c), n, t, h, w] -> [b, (n c), t, h, w].
  y = y.reshape({b, c, n, y.size(2), y.size(3), y.size(4)}).permute({0, 2, 1, 3, 4, 5});
  return y.reshape({b, n * c, y.size(3), y.size(4), y.size(5)});
}

// The inverse transforms' filtering: coeffs [B, (N C), T, H, W] laid out as
// split_bands writes them, each channel's N bands through the transposed filters
// [N, 1, kt, kh, kw] with `stride` and summed: [(B C), 1, T', H', W'].
Tensor sum_bands(const Tensor& coeffs, const Tensor& filters, at::IntArrayRef stride) {
  const int64_t n = filters.size(0);
  const int64_t b = coeffs.size(0), c = coeffs.size(1) / n;
  const int64_t t = coeffs.size(2), h = coeffs.size(3), w = coeffs.size(4);
  Tensor x = coeffs.reshape({b, n, c, t, h, w}).permute({0, 2, 1, 3, 4, 5}).reshape({b * c, n, t, h, w});
  return at::conv_transpose3d(x, filters, {}, stride);
}
}  // namespace

Tensor haar3d_filters() {
  // sign(a, b, d) for time a, row b, column d; see the fixture README.
  Tensor f = at::empty({8, 1, 2, 2, 2});
  auto acc = f.accessor<float, 5>();
  const float s = 0.3536f;  // the reference's rounding of 1/sqrt(8)
  for (int k = 0; k < 8; ++k)
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b)
        for (int d = 0; d < 2; ++d) {
          // Filter index bits: 1 = column (g), 2 = row (hh), 4 = time (_v).
          int e = ((k & 1) ? d : 0) + ((k & 2) ? b : 0) + ((k & 4) ? a : 0);
          acc[k][0][a][b][d] = (e % 2 ? -1.f : 1.f) * s;
        }
  return f;
}

Tensor haar2d_filters() {
  // aa: +, ad: (-1)^row, da: (-1)^col, dd: (-1)^(row+col); all / 2.
  Tensor f = at::empty({4, 1, 2, 2});
  auto acc = f.accessor<float, 4>();
  for (int k = 0; k < 4; ++k)
    for (int b = 0; b < 2; ++b)
      for (int d = 0; d < 2; ++d) {
        int e = (k == 1 ? b : 0) + (k == 2 ? d : 0) + (k == 3 ? b + d : 0);
        acc[k][0][b][d] = (e % 2 ? -1.f : 1.f) * 0.5f;
      }
  return f;
}

HaarWaveletTransform3D::HaarWaveletTransform3D() {
  Tensor all = haar3d_filters();
  for (int k = 0; k < 8; ++k)
    filters_[k] =
        &register_tensor(std::string(kHaar3DNames[k]) + "_conv.conv.weight", all.narrow(0, k, 1).clone(), true);
}

Tensor HaarWaveletTransform3D::forward(const Tensor& x_in) {
  WFVAE_PROFILE_SCOPE("HaarWaveletTransform3D");
  Tensor x = x_in;
  if (!chunk.enable_cached || chunk.is_first_chunk) x = at::cat({x.narrow(2, 0, 1), x}, 2);
  return split_bands(x, stack_filters(filters_, x, false), {2, 2, 2});
}

InverseHaarWaveletTransform3D::InverseHaarWaveletTransform3D() {
  Tensor all = haar3d_filters();
  for (int k = 0; k < 8; ++k) filters_[k] = &register_tensor(kHaar3DNames[k], all.narrow(0, k, 1).clone(), true);
}

Tensor InverseHaarWaveletTransform3D::forward(const Tensor& coeffs) {
  WFVAE_PROFILE_SCOPE("InverseHaarWaveletTransform3D");
  // [8 in, 1 out, 2, 2, 2] filters: sums the 8 bands.
  Tensor y = sum_bands(coeffs, stack_filters(filters_, coeffs, false), {2, 2, 2});
  if (!(chunk.enable_cached && !chunk.is_first_chunk)) y = slice_time(y, 1, kSliceEnd);
  return y.reshape({coeffs.size(0), coeffs.size(1) / 8, y.size(2), y.size(3), y.size(4)});
}

HaarWaveletTransform2D::HaarWaveletTransform2D() {
  Tensor all = haar2d_filters();
  for (int k = 0; k < 4; ++k) filters_[k] = &register_tensor(kHaar2DNames[k], all.narrow(0, k, 1).clone(), true);
}

Tensor HaarWaveletTransform2D::forward(const Tensor& x) {
  WFVAE_PROFILE_SCOPE("HaarWaveletTransform2D");
  // Per frame as a 1x2x2 3-D convolution: same sums as the reference's conv2d per frame.
  return split_bands(x, stack_filters(filters_, x, true), {1, 2, 2});  // [4, 1, 1, 2, 2] filters
}

InverseHaarWaveletTransform2D::InverseHaarWaveletTransform2D() {
  Tensor all = haar2d_filters();
  for (int k = 0; k < 4; ++k) filters_[k] = &register_tensor(kHaar2DNames[k], all.narrow(0, k, 1).clone(), true);
}

Tensor InverseHaarWaveletTransform2D::forward(const Tensor& coeffs) {
  WFVAE_PROFILE_SCOPE("InverseHaarWaveletTransform2D");
  Tensor y = sum_bands(coeffs, stack_filters(filters_, coeffs, true), {1, 2, 2});  // [4, 1, 1, 2, 2] filters
  return y.reshape({coeffs.size(0), coeffs.size(1) / 4, y.size(2), y.size(3), y.size(4)});
}

}  // namespace wfvae::model
