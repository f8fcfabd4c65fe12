// Parity of the paper's perceptual metrics against fixtures made with the
// reference's evaluation code (../shared/fixtures/metrics-parity/README.md):
// lpips-alex/ (alexnet.pth, lin.pth, io.safetensors) and fvd-styleganv/
// (detector.pt, videos.safetensors, io.safetensors). Each tensor is checked with
// the tolerance that README sets for it.
#pragma once

#include <filesystem>

#include "runtime/parity.h"

namespace wfvae::perceptual {

enum class FixtureKind { Model, Lpips, Fvd, Unknown };
// By the files a folder holds.
FixtureKind fixture_kind(const std::filesystem::path& dir);
const char* fixture_kind_name(FixtureKind kind);  // "model", "LPIPS", "FVD"

// LPIPS: the spatial map (1e-5 absolute), per-frame and video scores (1e-6), the
// per-layer taps when present (1e-5).
ParityResult run_lpips_parity(const std::filesystem::path& dir, Device device);
// FVD: preprocessing (1e-6 absolute), features (1e-4 of their largest magnitude),
// the full-length FVD, Open-Sora-Plan's per-length values and the eval scripts'
// batch-of-2 figure (1e-3 relative each).
ParityResult run_fvd_parity(const std::filesystem::path& dir, Device device);
// Whichever the folder is (a model fixture: run_parity).
ParityResult run_any_parity(const std::filesystem::path& dir, Device device, WeightsChoice weights);

}  // namespace wfvae::perceptual
