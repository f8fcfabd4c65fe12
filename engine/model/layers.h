// The building blocks of WF-VAE, ported from causalvideovae/model/modules/*.py.
// Class and member names follow the reference so that registered names equal
// checkpoint keys. Tensors are [B, C, T, H, W] unless noted.
#pragma once

#include <deque>
#include <string>

#include "model/module.h"

namespace wfvae::model {

// State for the causal-cache chunked path (the reference's enable_tiling): set on
// every module that has it before each chunk. Direct runs leave the defaults.
struct ChunkState {
  bool enable_cached = false;
  bool is_first_chunk = true;
};

// nn.Conv2d applied to every frame independently (the reference's video_to_image).
class Conv2d : public Module {
 public:
  Conv2d(int in, int out, int kernel, int stride = 1, int padding = 0);
  Tensor forward(const Tensor& x) override;  // 4-D or 5-D
  Tensor forward_4d(const Tensor& x) const;  // [N, C, H, W]
  Tensor* weight;
  Tensor* bias;

 private:
  int stride_, padding_;
};

// Conv3d whose temporal padding is kT-1 copies of the first frame (never future
// frames); spatial padding as configured. In the chunked path it carries the last
// frames of one chunk into the next instead of repeating frame 0.
class CausalConv3d : public Module {
 public:
  CausalConv3d(int in, int out, int kernel, int stride = 1, int padding = 0, bool bias = true);
  CausalConv3d(int in, int out, int kt, int kh, int kw, int st, int sh, int sw, int ph, int pw, bool bias = true);
  Tensor forward(const Tensor& x) override;
  // forward(nonlinearity(pre)), the SiLU written straight into the padded input (no
  // separate activation tensor, no concatenation copy); plain forward under autograd.
  Tensor forward_silu(const Tensor& pre);

  ChunkState chunk;
  std::deque<Tensor> causal_cached;
  int cache_offset = 0;  // frames at the end of a chunk that are look-ahead only
  int time_kernel_size() const { return kt_; }

 private:
  Tensor padded(const Tensor& x, bool silu);  // the causal padding, then the cache update
  Tensor conv_valid(const Tensor& x) const;   // no temporal padding: T - kt + 1 outputs

  Module* conv_;  // "conv": the inner nn.Conv3d's weight and bias
  int kt_, st_, sh_, sw_, ph_, pw_;
};

// Normalize(): torch.nn.GroupNorm (keys "weight"/"bias") or the reference's
// LayerNorm wrapper over channels (keys "norm.weight"/"norm.bias"). Both have
// per-channel affine tensors of the same shape, so a loaded model can switch type;
// the key names follow the current type.
class Normalize : public Module {
 public:
  Normalize(int channels, const std::string& norm_type, int num_groups);
  Tensor forward(const Tensor& x) override;  // 4-D or 5-D
  void collect(const std::string& prefix, std::vector<NamedTensor>& out) override;

  std::string norm_type;
  int num_groups;
  int channels;
  Tensor weight, bias;
  static constexpr double kEps = 1e-6;
};

// SiLU: x * sigmoid(x), as the reference writes it, under autograd (training keeps its
// exact arithmetic); the fused at::silu (same function, other rounding) without.
Tensor nonlinearity(const Tensor& x);

struct BlockOptions {
  std::string norm_type = "groupnorm";
  int num_groups = 32;
};

// The parts of the reference's resnet blocks, registered in its order: norm1, conv1
// (3x3), norm2, conv2 and, when the channel count changes, a 1x1 nin_shortcut.
// Conv is Conv2d or CausalConv3d; the blocks below differ in their forward.
template <class Conv>
class ResnetBlock : public Module {
 public:
  ResnetBlock(int in, int out, const BlockOptions& o);

 protected:
  Normalize *norm1_, *norm2_;
  Conv *conv1_, *conv2_, *nin_shortcut_ = nullptr;
};

// ResnetBlock2D: per-frame (GroupNorm statistics per frame).
class ResnetBlock2D : public ResnetBlock<Conv2d> {
 public:
  using ResnetBlock::ResnetBlock;
  Tensor forward(const Tensor& x) override;
};

// ResnetBlock3D: causal 3x3x3 convolutions, norms over (C/G, T, H, W).
class ResnetBlock3D : public ResnetBlock<CausalConv3d> {
 public:
  using ResnetBlock::ResnetBlock;
  Tensor forward(const Tensor& x) override;
};

// AttnBlock3DFix: single-head attention within each frame over its H*W positions.
// AttnBlock3D (legacy, `fix == false`): the reference's older block, whose reshape
// mixes channels and time; kept bit-for-bit because old checkpoints use it.
class AttnBlock3D : public Module {
 public:
  AttnBlock3D(int channels, const BlockOptions& o, bool fix);
  Tensor forward(const Tensor& x) override;

 private:
  bool fix_;
  Normalize* norm_;
  CausalConv3d *q_, *k_, *v_, *proj_out_;
};

// Encoder level 1 (4x variant): zero-pad right/bottom by 1, 3x3 stride-2 conv, per frame.
class Downsample : public Module {
 public:
  Downsample(int in, int out);
  Tensor forward(const Tensor& x) override;

 private:
  Conv2d* conv_;
};

// Decoder level 1 (4x variant): nearest 2x per frame, then 3x3 conv.
class Upsample : public Module {
 public:
  Upsample(int in, int out);
  Tensor forward(const Tensor& x) override;

 private:
  Conv2d* conv_;
};

// Zero-pad right/bottom by 1, then a causal 3x3x3 stride-2 conv (T -> (T-1)/2 + 1).
class Spatial2xTime2x3DDownsample : public Module {
 public:
  Spatial2xTime2x3DDownsample(int in, int out);
  Tensor forward(const Tensor& x) override;

 private:
  CausalConv3d* conv_;
};

// Frame 0 upsampled in space only; frames 1.. upsampled 2x in time
// (t_interpolation) and space (bilinear), then a causal 3x3x3 conv (T -> 2T-1).
// In the chunked path it keeps one frame of context (the reference's
// causal_cached) so that trilinear time interpolation sees its neighbour.
class Spatial2xTime2x3DUpsample : public Module {
 public:
  Spatial2xTime2x3DUpsample(int in, int out, const std::string& t_interpolation, int depth);
  Tensor forward(const Tensor& x) override;
  // forward(nonlinearity(pre)), the SiLU written straight into the padded input (no
  // separate activation tensor, no concatenation copy); plain forward under autograd.
  Tensor forward_silu(const Tensor& pre);

  ChunkState chunk;
  std::deque<Tensor> causal_cached;

 private:
  CausalConv3d* conv_;
  std::string t_interpolation_;
  int depth_;
};

// Causal 3-D Haar: prepend frame 0 once, then 8 fixed 2x2x2 stride-2 filters per
// channel. Output channel = filter * C + c, filters h, g, hh, gh, h_v, g_v, hh_v, gh_v.
// The filters are registered as `<name>_conv.conv.weight` like the reference's
// CausalConv3d members, and loaded when a checkpoint has them.
class HaarWaveletTransform3D : public Module {
 public:
  HaarWaveletTransform3D();
  Tensor forward(const Tensor& x) override;
  ChunkState chunk;

 private:
  Tensor* filters_[8];
};

// Inverse of the above: transposed 2x2x2 stride-2 filters summed over the 8 bands;
// drops the first output frame (the duplicated frame 0) except on later chunks.
class InverseHaarWaveletTransform3D : public Module {
 public:
  InverseHaarWaveletTransform3D();
  Tensor forward(const Tensor& x) override;
  ChunkState chunk;

 private:
  Tensor* filters_[8];
};

// Per-frame 2-D Haar with filters aa, ad, da, dd (/2); channel = filter * C + c.
class HaarWaveletTransform2D : public Module {
 public:
  HaarWaveletTransform2D();
  Tensor forward(const Tensor& x) override;

 private:
  Tensor* filters_[4];
};

class InverseHaarWaveletTransform2D : public Module {
 public:
  InverseHaarWaveletTransform2D();
  Tensor forward(const Tensor& x) override;

 private:
  Tensor* filters_[4];
};

// The constant filter values (0.3536 as the reference rounds 1/sqrt(8)).
Tensor haar3d_filters();  // [8, 1, 2, 2, 2]
Tensor haar2d_filters();  // [4, 1, 2, 2]

// Python-style slice x[:, :, start:stop] along dim 2 (negative and out-of-range
// bounds clamp like Python's).
Tensor slice_time(const Tensor& x, int64_t start, int64_t stop);
// conv3d without temporal padding, via one batched conv2d over stacked time taps.
Tensor conv3d_as_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t st, int64_t sh, int64_t sw,
                        int64_t ph, int64_t pw);
constexpr int64_t kSliceEnd = INT64_MAX;

}  // namespace wfvae::model
