#include "pipeline/latents_file.h"

#include "core/json.h"
#include "core/latent_norm.h"
#include "core/safetensors.h"
#include "pipeline/report.h"

namespace wfvae::pipeline {

std::string serialize_latents(const ReconResult& r, const LatentsFileLayout& layout,
                              const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> meta;
  meta["format"] = "wfvae-latents";
  meta["config"] = json::dump(r.config.to_json());
  meta["source"] = json::dump(source_json(r.source));
  meta["input"] = json::dump(input_json(r));
  meta["model"] = r.model;
  meta["latent"] = r.sample ? "sample" : "mode";
  if (r.sample) meta["seed"] = std::to_string(r.seed);
  HostTensor latent = r.sample ? r.latent_sample : r.latent_mean;
  meta["scale"] = json::dump(json::array_of(r.config.scale));
  meta["shift"] = json::dump(json::array_of(r.config.shift));
  meta["normalized"] = layout.normalized ? "true" : "false";
  if (layout.normalized) {
    normalize_latent(latent, r.config.scale, r.config.shift);
    meta["note"] = layout.posterior
                       ? "'latent' is normalised: (z - shift) * scale per channel, with 'scale' and 'shift' here (the "
                         "diffusion pipeline's form); 'mean', 'logvar' (and 'sample') are raw; wfvae decode reads it"
                       : "'latent' is normalised: (z - shift) * scale per channel, with 'scale' and 'shift' here (the "
                         "diffusion pipeline's form); wfvae decode reads it";
  } else {
    meta["note"] = layout.posterior
                       ? "raw latents (no scale/shift): 'latent' is the one decoded ('sample' if present, else 'mean')"
                       : "raw latents (no scale/shift): 'latent' is the one decoded";
  }
  for (const auto& [k, v] : extra) meta[k] = v;
  std::vector<StTensorToWrite> t = {{"latent", StDType::F32, latent.shape, latent.data.data()}};
  if (layout.posterior) {
    t.push_back({"mean", StDType::F32, r.latent_mean.shape, r.latent_mean.data.data()});
    t.push_back({"logvar", StDType::F32, r.latent_logvar.shape, r.latent_logvar.data.data()});
    if (!r.latent_sample.empty())
      t.push_back({"sample", StDType::F32, r.latent_sample.shape, r.latent_sample.data.data()});
  }
  return serialize_safetensors(t, meta);
}

}  // namespace wfvae::pipeline
