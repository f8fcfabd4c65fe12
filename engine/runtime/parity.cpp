#include "runtime/parity.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "core/safetensors.h"
#include "runtime/vae_impl.h"

namespace wfvae {

bool ParityResult::pass() const {
  for (const auto& l : lines)
    if (l.computed && l.violations > 0) return false;
  return !lines.empty();
}

namespace {

at::Tensor read_tensor(const SafetensorsReader& f, const StTensorEntry& e) {
  std::vector<float> v = f.read_float(e);
  return at::from_blob(v.data(), e.shape, at::kFloat).clone();
}

}  // namespace

ParityResult run_parity(const std::filesystem::path& dir, Device device, WeightsChoice weights) {
  return engine_call("checking parity of " + dir.string(), [&] {
    ParityResult result;
    result.fixture = dir.string();
    result.device = device_name(device);
    result.atol = device == Device::CUDA ? 1e-3 : 1e-4;
    result.rtol = device == Device::CUDA ? 1e-4 : 1e-5;
    if (device == Device::CUDA) disable_tf32();

    const std::filesystem::path io_path = dir / "io.safetensors";
    SafetensorsReader io(io_path);
    const StTensorEntry* input_entry = io.find("input");
    if (!input_entry) fail_input(io_path.string() + ": has no \"input\" tensor");

    std::unique_ptr<Vae> vae = Vae::load(dir, device, ComputeDType::F32, LoadOptions{{}, weights});
    auto& impl = vae->impl();
    auto& m = *impl.model;
    const at::Device dev = impl.at_device();
    at::NoGradGuard no_grad;

    at::Tensor input = read_tensor(io, *input_entry);
    check_video_shape(m.config(), std::vector<int64_t>(input.sizes().begin(), input.sizes().end()));
    const int64_t L = m.config().latent_dim;

    // Untiled run with every intermediate recorded.
    std::map<std::string, at::Tensor> debug;
    model::EncoderTaps et;
    et.debug = &debug;
    at::Tensor enc_out = m.encode(input.to(dev), &et);
    at::Tensor mean = enc_out.narrow(1, 0, L);
    model::DecoderTaps dt;
    dt.debug = &debug;
    at::Tensor recon = m.decode(mean, &dt);

    std::map<std::string, at::Tensor> ours = {
        {"input", input},
        {"wavelet_in", et.wavelet_in},
        {"enc_l1_coeffs", et.l1_coeffs},
        {"enc_l2_coeffs", et.l2_coeffs},
        {"enc_out", enc_out},
        {"latent_mean", mean},
        {"latent_logvar", at::clamp(enc_out.narrow(1, L, L), -30.0, 20.0)},
        {"recon", recon},
        {"dec_l2_coeffs", dt.l2_coeffs},
        {"dec_l1_coeffs", dt.l1_coeffs},
    };
    for (auto& [k, v] : debug) ours[k] = v;

    // Chunked (causal-cache) runs, only when the fixture has them: the reference
    // cannot chunk every length.
    if (io.find("latent_mean_tiled") || io.find("recon_tiled")) {
      model::ChunkPlan plan = m.plan_chunks(static_cast<int>(input.size(2)));
      at::Tensor h_tiled = m.encode_chunked(input.to(dev), plan);
      ours["latent_mean_tiled"] = h_tiled.narrow(1, 0, L);
      ours["latent_logvar_tiled"] = at::clamp(h_tiled.narrow(1, L, L), -30.0, 20.0);
      ours["recon_tiled"] = m.decode_chunked(mean, plan);
    }

    auto compare = [&](const SafetensorsReader& file, const std::string& label) {
      for (const auto& e : file.entries()) {
        ParityLine line;
        line.file = label;
        line.name = e.name;
        line.shape = e.shape;
        auto it = ours.find(e.name);
        if (it == ours.end()) {
          line.computed = false;
          line.note = "not a tensor this engine knows how to recompute; skipped";
          result.lines.push_back(line);
          continue;
        }
        at::Tensor ref = read_tensor(file, e);
        at::Tensor got = it->second.detach().to(at::kCPU, at::kFloat);
        if (got.sizes() != ref.sizes()) {
          line.violations = ref.numel();
          line.max_abs_error = INFINITY;
          line.note = "shape " + shape_string(std::vector<int64_t>(got.sizes().begin(), got.sizes().end())) +
                      " differs from the reference " + shape_string(e.shape);
          result.lines.push_back(line);
          continue;
        }
        // A NaN or Inf on either side fails, whatever the other side holds: a NaN
        // compares false against any tolerance, and Inf - Inf is NaN.
        const int64_t bad_ref = (~at::isfinite(ref)).sum().item<int64_t>();
        const int64_t bad_got = (~at::isfinite(got)).sum().item<int64_t>();
        at::Tensor diff = (got - ref).abs();
        line.max_abs_error = diff.max().item<double>();
        line.max_abs_ref = ref.abs().max().item<double>();
        line.violations = (diff > (result.atol + result.rtol * ref.abs())).sum().item<int64_t>();
        line.violations = std::max(line.violations, bad_ref + bad_got);
        if (bad_ref) line.note = std::to_string(bad_ref) + " non-finite values (NaN/Inf) in the reference";
        if (bad_got)
          line.note += (line.note.empty() ? "" : "; ") + std::to_string(bad_got) + " non-finite values in ours";
        result.lines.push_back(line);
      }
    };
    compare(io, "io");
    const std::filesystem::path taps_path = dir / "taps.safetensors";
    if (std::filesystem::exists(taps_path)) {
      SafetensorsReader taps(taps_path);
      compare(taps, "taps");
    }
    return result;
  });
}

}  // namespace wfvae
