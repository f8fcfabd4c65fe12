// What a studio job does. The worker replaces and cancels jobs by kind, errors
// report it, and tickets (document.h) are issued per kind.
#pragma once

namespace wfvae::studio {

enum class JobKind { System, Model, Decode, Recon, Compare, NormLab, Export, Lpips };
constexpr int kJobKindCount = 8;

// "system", "model", "decode", "recon", "compare", "normlab", "export", "lpips": as the
// scripted runs' state dump and the UI benchmark name them.
inline const char* job_kind_name(JobKind k) {
  switch (k) {
    case JobKind::System: return "system";
    case JobKind::Model: return "model";
    case JobKind::Decode: return "decode";
    case JobKind::Recon: return "recon";
    case JobKind::Compare: return "compare";
    case JobKind::NormLab: return "normlab";
    case JobKind::Export: return "export";
    case JobKind::Lpips: return "lpips";
  }
  return "?";
}

}  // namespace wfvae::studio
