// Where a forward pass spends its time: every ATen operator and every named scope
// (the model's sections and module kinds, see WFVAE_PROFILE_SCOPE) timed on the
// calling thread through LibTorch's RecordFunction callbacks. `wfvae bench
// --profile` prints it; scripts/bench/profile-vs-reference sets it beside the reference's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace wfvae::profiling {

struct ProfileEntry {
  std::string name;
  bool scope = false;  // a named scope (module or section), not an operator
  int64_t calls = 0;
  double total_ms = 0;  // inclusive
  double self_ms = 0;   // minus the operators and scopes it called
};

// Records while alive, on the thread that made it (the engine runs a forward pass on
// one thread; intra-op workers do not dispatch operators). One at a time.
class OpProfile {
 public:
  OpProfile();
  ~OpProfile();
  OpProfile(const OpProfile&) = delete;
  OpProfile& operator=(const OpProfile&) = delete;

  // Stops recording; entries sorted by self time, largest first.
  std::vector<ProfileEntry> finish();

 private:
  void stop();  // removes the callbacks (the destructor needs no table)
  struct State;
  std::unique_ptr<State> state_;
};

// A plain-text table: the scopes (inclusive) then the top operators (self).
std::string format_profile(const std::vector<ProfileEntry>& entries, int top_ops = 25);

}  // namespace wfvae::profiling
