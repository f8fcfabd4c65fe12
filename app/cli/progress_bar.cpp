#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.h"

namespace wfvae::cli {

namespace {
double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

CancelToken& interrupt_token() {
  static CancelToken token;
  return token;
}

ProgressBar::ProgressBar(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled), tty_(::isatty(2) != 0), start_(now_s()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(double f, const std::string& stage) {
  if (!enabled_) return;
  const int permille = static_cast<int>(f * 1000);
  if (tty_) {
    if (permille == last_permille_ && stage == last_stage_) return;
    const int width = 30, filled = static_cast<int>(f * width);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(width, '-');
    const double el = now_s() - start_;
    std::fprintf(stderr, "\r%s [%s] %5.1f%% %-22.22s %6.1fs", label_.c_str(), bar.c_str(), 100.0 * f, stage.c_str(),
                 el);
    std::fflush(stderr);
  } else if (stage != last_stage_ || permille / 250 != last_permille_ / 250) {
    // Not a terminal (logs, CI): a line per stage or quarter.
    std::fprintf(stderr, "%s: %5.1f%% %s\n", label_.c_str(), 100.0 * f, stage.c_str());
  }
  last_permille_ = permille;
  last_stage_ = stage;
}

void ProgressBar::finish() {
  if (enabled_ && tty_ && last_permille_ >= 0) std::fprintf(stderr, "\n");
  enabled_ = false;
}

ProgressFn ProgressBar::fn() {
  return [this](double f, const std::string& s) { update(f, s); };
}

}  // namespace wfvae::cli
