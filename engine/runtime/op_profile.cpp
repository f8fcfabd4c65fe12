#include "runtime/op_profile.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace wfvae::profiling {

namespace {

using Clock = std::chrono::steady_clock;

struct Frame {
  Clock::time_point start;
  double child_ms = 0;
};

// The callbacks are plain function pointers: their state is this thread's.
thread_local std::vector<Frame>* t_stack = nullptr;
thread_local std::map<std::pair<std::string, bool>, ProfileEntry>* t_table = nullptr;

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction&) {
  if (t_stack) t_stack->push_back({Clock::now(), 0});
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext*) {
  if (!t_stack || t_stack->empty()) return;
  const Frame f = t_stack->back();
  t_stack->pop_back();
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - f.start).count();
  if (!t_stack->empty()) t_stack->back().child_ms += ms;
  const bool scope = fn.scope() == at::RecordScope::USER_SCOPE;
  ProfileEntry& e = (*t_table)[{fn.name(), scope}];
  if (e.calls == 0) {
    e.name = fn.name();
    e.scope = scope;
  }
  e.calls += 1;
  e.total_ms += ms;
  e.self_ms += ms - f.child_ms;
}

}  // namespace

struct OpProfile::State {
  std::vector<Frame> stack;
  std::map<std::pair<std::string, bool>, ProfileEntry> table;
  at::CallbackHandle handle = 0;
  bool running = false;
};

OpProfile::OpProfile() : state_(std::make_unique<State>()) {
  if (t_stack) throw std::logic_error("OpProfile: a profile is already recording on this thread");
  t_stack = &state_->stack;
  t_table = &state_->table;
  state_->handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_start, on_end).scopes({at::RecordScope::FUNCTION, at::RecordScope::USER_SCOPE}));
  state_->running = true;
}

OpProfile::~OpProfile() { stop(); }

void OpProfile::stop() {
  if (!state_->running) return;
  at::removeCallback(state_->handle);
  t_stack = nullptr;
  t_table = nullptr;
  state_->running = false;
}

std::vector<ProfileEntry> OpProfile::finish() {
  stop();
  std::vector<ProfileEntry> out;
  for (auto& [key, e] : state_->table) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const ProfileEntry& a, const ProfileEntry& b) { return a.self_ms > b.self_ms; });
  return out;
}

std::string format_profile(const std::vector<ProfileEntry>& entries, int top_ops) {
  std::string s;
  char line[256];
  double op_self = 0;
  for (const auto& e : entries)
    if (!e.scope) op_self += e.self_ms;
  std::vector<ProfileEntry> scopes;
  for (const auto& e : entries)
    if (e.scope) scopes.push_back(e);
  std::sort(scopes.begin(), scopes.end(), [](const ProfileEntry& a, const ProfileEntry& b) { return a.name < b.name; });
  s += "scope (inclusive)                                 calls   total ms\n";
  for (const auto& e : scopes) {
    std::snprintf(line, sizeof line, "  %-46s %7lld %10.1f\n", e.name.c_str(), static_cast<long long>(e.calls),
                  e.total_ms);
    s += line;
  }
  s += "operator (self time)                              calls    self ms   share\n";
  int n = 0;
  for (const auto& e : entries) {
    if (e.scope) continue;
    if (n++ == top_ops) break;
    std::snprintf(line, sizeof line, "  %-46s %7lld %10.1f %6.1f%%\n", e.name.c_str(), static_cast<long long>(e.calls),
                  e.self_ms, op_self > 0 ? 100.0 * e.self_ms / op_self : 0.0);
    s += line;
  }
  std::snprintf(line, sizeof line, "  all operators: %.1f ms self\n", op_self);
  s += line;
  return s;
}

}  // namespace wfvae::profiling
