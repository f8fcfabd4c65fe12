// A reconstruction's outputs: the videos (reconstruction, input copy, side by side,
// difference), the latents file and the metrics reports, checked before any heavy
// work and committed together (temporaries, then renames) at the end.
#pragma once

#include <filesystem>
#include <vector>

#include "core/progress.h"
#include "pipeline/recon.h"

namespace wfvae::pipeline {

struct ExportRequest {
  fs::path recon;         // reconstruction video (format from the extension)
  fs::path input;         // preprocessed input; lossless formats only
  fs::path side_by_side;  // input | reconstruction
  fs::path difference;    // |input - reconstruction| * diff_gain
  fs::path latents;       // .safetensors: latent, mean, logvar (F32), config and source in __metadata__
  // `latent` (the one decoded) as the diffusion pipeline sees it: (z - shift) * scale
  // with the config's per-channel values, recorded in the metadata.
  bool latents_normalized = false;
  fs::path lpips_map;     // the spatial LPIPS map as a false-coloured video (needs ReconResult::lpips_map)
  fs::path metrics_json;  // .json
  fs::path metrics_csv;   // .csv
  int crf = 18;
  int diff_gain = 4;
  bool overwrite = false;
};

// Before any heavy work: formats known, extensions right, no path given twice or
// equal to the input, folders exist and are writable, nothing overwritten without
// overwrite. Usage or BadInput errors naming the path.
void check_exports(const ExportRequest& exports, const fs::path& source);
// Writes every requested output to temporaries and commits them together at the
// end: an error or a cancel leaves none of them. Returns the paths written.
std::vector<fs::path> write_exports(const ReconResult& result, const ExportRequest& exports,
                                    const ProgressFn& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace wfvae::pipeline
