// The paper's perceptual metrics as the commands take them: --lpips (with
// --lpips-alexnet, --lpips-lin) and --fvd (with --i3d), their weights found, checked
// and loaded once, before any video is read. recon, eval and normstudy share them.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "perceptual/fvd.h"
#include "perceptual/lpips.h"
#include "pipeline/recon.h"

namespace wfvae::cli {

struct PerceptualFlags {
  bool lpips = false, fvd = false;
  std::string lpips_alexnet, lpips_lin, i3d;
  std::unique_ptr<perceptual::Lpips> lpips_net;       // loaded by load_perceptual
  std::unique_ptr<perceptual::I3dDetector> detector;  // loaded by load_perceptual
};

// --lpips, --lpips-alexnet, --lpips-lin; with `fvd` also --fvd (its help: `fvd_help`) and --i3d.
std::vector<FlagSpec> perceptual_flags(PerceptualFlags& f, bool fvd, const std::string& fvd_help = "");

// Checks the flags together and loads what they ask for into `r` (r.lpips, r.i3d), on
// r.device. BadInput saying where it looked when a weight file is missing.
void load_perceptual(PerceptualFlags& f, pipeline::ReconRequest& r);

// A weight file: the flag's, else the first of the standard places; BadInput saying
// where it looked and how to get it when there is none.
std::filesystem::path weight_file(const std::string& given, const perceptual::WeightSearch& search, const char* what);

}  // namespace wfvae::cli
