// A small WF-VAE configuration for fast model tests: latent 4, one res block on each
// side, energy-flow width = base width.
#pragma once

#include <string>

#include "core/config.h"

inline wfvae::ModelConfig small_model_config(int base_channels = 16, const std::string& norm = "groupnorm",
                                             int groups = 8) {
  wfvae::ModelConfig c;
  c.latent_dim = 4;
  c.base_channels = base_channels;
  c.encoder_num_resblocks = 1;
  c.decoder_num_resblocks = 1;
  c.encoder_energy_flow_hidden_size = base_channels;
  c.decoder_energy_flow_hidden_size = base_channels;
  c.norm_type = norm;
  c.norm_num_groups = groups;
  c.t_interpolation = "trilinear";
  return c;
}
