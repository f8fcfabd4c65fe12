// The diffusion pipeline's per-channel latent normalisation (Open-Sora-Plan's
// AEModel): encode gives z = (sample - shift) * scale, decode takes z / scale + shift.
// float32 arithmetic, as the reference's tensors; scale/shift of 1 value broadcast.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/host_tensor.h"

namespace wfvae {

// Latents [1, L, T, h, w] or [L, T, h, w]; Usage error when the config cannot
// normalise (ModelConfig::latent_norm_problem) or the channel count differs.
void normalize_latent(HostTensor& latent, const std::vector<double>& scale, const std::vector<double>& shift);
void denormalize_latent(HostTensor& latent, const std::vector<double>& scale, const std::vector<double>& shift);
// Checks scale/shift against L latent channels: "" or the problem.
std::string latent_norm_values_problem(const std::vector<double>& scale, const std::vector<double>& shift, int64_t L);

}  // namespace wfvae
