#include "cli/perceptual_flags.h"

#include "core/error.h"

namespace wfvae::cli {

namespace fs = std::filesystem;

fs::path weight_file(const std::string& given, const perceptual::WeightSearch& search, const char* what) {
  if (!given.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(given, ec)) fail_input(given + ": no such file (" + what + ")");
    return given;
  }
  if (search.found.empty()) fail_input(search.missing_message(what));
  return search.found;
}

std::vector<FlagSpec> perceptual_flags(PerceptualFlags& f, bool fvd, const std::string& fvd_help) {
  std::vector<FlagSpec> out = {
      {"--lpips", "",
       "also LPIPS per frame, as WF-VAE's cal_lpips.py (alex, spatial; lower is better); the weights are "
       "looked for in the torch hub cache and the lpips package",
       &f.lpips},
      {"--lpips-alexnet", "FILE", "torchvision's alexnet-owt-7be5be79.pth (default: the torch hub cache)",
       &f.lpips_alexnet},
      {"--lpips-lin", "FILE", "lpips' weights/v0.1/alex.pth (default: from the installed lpips package)", &f.lpips_lin},
  };
  if (fvd) {
    out.push_back({"--fvd", "", fvd_help, &f.fvd});
    out.push_back(
        {"--i3d", "FILE", "StyleGAN-V's i3d_torchscript.pt (default: $WFVAE_I3D, the torch hub cache)", &f.i3d});
  }
  return out;
}

void load_perceptual(PerceptualFlags& f, pipeline::ReconRequest& r) {
  if (!f.lpips && (!f.lpips_alexnet.empty() || !f.lpips_lin.empty()))
    fail_usage("--lpips-alexnet and --lpips-lin choose LPIPS's weights: add --lpips");
  if (!f.fvd && !f.i3d.empty()) fail_usage("--i3d chooses FVD's detector: add --fvd");
  if (f.lpips) {
    const fs::path alexnet = weight_file(f.lpips_alexnet, perceptual::find_alexnet_weights(),
                                         "LPIPS's AlexNet weights (alexnet-owt-7be5be79.pth)");
    const fs::path lin = weight_file(f.lpips_lin, perceptual::find_lpips_lin_weights(),
                                     "LPIPS's lin heads (lpips weights/v0.1/alex.pth)");
    f.lpips_net = perceptual::Lpips::load(alexnet, lin, r.device);
    r.lpips = f.lpips_net.get();
  }
  if (f.fvd) {
    f.detector = perceptual::I3dDetector::load(
        weight_file(f.i3d, perceptual::find_i3d_detector(), "FVD's I3D detector (i3d_torchscript.pt)"), r.device);
    r.i3d = f.detector.get();
  }
}

}  // namespace wfvae::cli
