// Training losses: the paper's own wavelet energy-flow loss, and the terms beyond
// the reference's recipe (L1 + KL + wavelet energy flow) that target the look of a
// small WF-VAE's decoder, which renders the detail it cannot predict as flat Haar
// blocks. The trainer weighs and scales them (compute_loss in trainer.cpp).
// Torch-including: engine and torch tests only.
#pragma once

#include <ATen/ATen.h>

#include "model/wfvae_model.h"

namespace wfvae::train {

// The paper's wavelet energy-flow loss (L_WL): L1 between the Haar coefficients the
// encoder computes at levels 1 and 2 (what its energy-flow paths carry: l1_coeffs,
// l2_coeffs) and those the decoder predicts for the same levels, summed over both
// levels and every element. It keeps the low-frequency energy flowing through the
// dedicated paths, so the backbone need not carry it. The trainer scales it per
// sample and per pixel of one frame, like the reconstruction term.
at::Tensor wavelet_energy_flow_loss(const model::EncoderTaps& encoder, const model::DecoderTaps& decoder);

// Gradient-difference loss (Mathieu et al. 2016): L1 between the magnitudes of the
// horizontal and vertical steps between neighbouring pixels of `x` and `y`
// ([B, C, T, H, W]). Not in the reference (which sharpens with LPIPS and a GAN, both
// needing pretrained networks).
at::Tensor gradient_difference(const at::Tensor& x, const at::Tensor& y);

// The mean step between neighbouring pixels at each phase of the 8-pixel latent cell
// (phase k: the step from pixel p - 1 to p with p % 8 == k), along width (dim 4) or
// height (dim 3) of a [B, C, T, H, W] tensor: 8 values.
at::Tensor cell_phase_step_profile(const at::Tensor& v, int64_t dim);

// Cell-grid loss (not in the reference): L1 between the shapes of the cell-phase step
// profiles of `x` and `y` (each profile less its mean), summed over width and height.
// A decoder that drops the level-1/2 Haar detail it cannot predict paints flat 4x4
// blocks: its steps pile up at phases 0 and 4 (the blocks' edges) and vanish inside,
// while real footage steps alike at every phase. Gradient difference does not see
// that grid (the input steps as much at the edges as the blocks do); this term does.
// It asks only that the steps spread over the phases as the input's do (evenly, for
// footage), not for more of them, so it does not ask for texture the latent does not
// hold: a smooth (bicubic-like) rendering of the same detail satisfies it.
at::Tensor cell_grid_difference(const at::Tensor& x, const at::Tensor& y);

}  // namespace wfvae::train
