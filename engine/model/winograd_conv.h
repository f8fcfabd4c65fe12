// Winograd F(4x4, 3x3) and F(2x2, 3x3) convolutions for CPU inference (Lavin & Gray
// 2016, "Fast Algorithms for Convolutional Neural Networks"): the 3x3 spatial taps of a
// kt x 3 x 3 convolution done with 36 products per 4x4 output tile instead of 144 (or 16
// per 2x2 tile instead of 36), the kt temporal taps summed as kt matrix products. The
// same sums as a direct convolution in another order (float32 rounding: ~1e-6 to 1e-5 of
// the output scale), as cuDNN picks Winograd kernels itself; LibTorch's oneDNN runs
// direct kernels for these 3-D convolutions on x86, and WF-VAE's large 3x3x3
// convolutions are most of a decode.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace wfvae::model {

// The workspace of one band (transformed inputs and products): about L3-sized; per
// layer, 16 MiB beat 4 MiB and 128 MiB.
constexpr int64_t kWinogradWorkspaceBytes = 16 << 20;

// G g G^T of every (temporal tap, input, output channel) kernel of `weight`
// [K, C, kt, 3, 3] for F(tile x tile, 3x3), tile 2 or 4: [kt, (tile + 2)^2, K, C], float32.
at::Tensor winograd_transform_weight(const at::Tensor& weight, int tile = 2);

// The Winograd tile that computes this convolution and pays, 4 (F(4x4, 3x3)) or 2
// (F(2x2, 3x3)), or 0 for none: float32 CPU tensors, a [B, C, T, H, W] input, weight
// [K, C, kt, 3, 3], stride 1, padding at most 1, an output height and width divisible by
// the tile, and channels and output pixels enough that the transforms and the kernel
// transform cost less than the products they save (measured; winograd_conv.cpp).
int winograd_tile(const at::Tensor& x, const at::Tensor& weight, int64_t stride_t, int64_t stride_h, int64_t stride_w,
                  int64_t pad_h, int64_t pad_w);

// conv3d(x, weight, bias, stride 1, padding (0, pad_h, pad_w)). The kernels are
// transformed on every call, not cached: a cache would hold 16/9 (F(2x2)) to 4x (F(4x4))
// of the weights (+2 GB for WF-VAE-L at F(2x2), above the reference's whole peak) to
// save 7-10 % of its decode. Works through the output in bands of
// tile rows and frames whose transformed input and products fit `workspace_bytes`, so
// the extra memory is bounded whatever the frame size; the workspace and the kernels'
// buffer stay with the calling thread for its next call.
// `tile`: 4 for F(4x4, 3x3) (36 products per 16 outputs), 2 for F(2x2, 3x3) (16 per 4),
// 0 to pick: 4 where the output height and width divide by 4, else 2.
at::Tensor winograd_conv3d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int64_t pad_h,
                           int64_t pad_w, int64_t workspace_bytes = kWinogradWorkspaceBytes, int tile = 0);

// The most memory winograd_conv3d keeps on its thread for a convolution with this weight
// (the transformed kernels at F(4x4): 36/9 of the weight; 0 for kernels it never takes)
// plus the workspace: the memory planner adds the largest over a model.
int64_t winograd_scratch_bytes(const at::Tensor& weight);

// False when WFVAE_NO_WINOGRAD is set (for A/B benchmarks against direct convolutions).
bool winograd_enabled();

}  // namespace wfvae::model
