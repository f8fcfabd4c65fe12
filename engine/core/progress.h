// Progress reporting and cooperative cancellation for long work (inference,
// decoding, export, training). Work checks the token between steps; the UI or the
// CLI's signal handler sets it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"

namespace wfvae {

class CancelToken {
 public:
  void cancel() { flag_.store(true); }
  bool cancelled() const { return flag_.load(); }
  void reset() { flag_.store(false); }
  // Throws Error(Cancelled) when cancellation was requested.
  void check() const {
    if (cancelled()) throw Error(ErrorKind::Cancelled, "cancelled");
  }

 private:
  std::atomic<bool> flag_{false};
};

// fraction in [0,1]; stage is a short human label ("encode", "decode chunk 2/5").
using ProgressFn = std::function<void(double fraction, const std::string& stage)>;

// Maps progress of a sub-task onto [begin, end) of a parent's range.
inline ProgressFn sub_progress(const ProgressFn& parent, double begin, double end) {
  if (!parent) return {};
  return [parent, begin, end](double f, const std::string& stage) { parent(begin + (end - begin) * f, stage); };
}

}  // namespace wfvae
