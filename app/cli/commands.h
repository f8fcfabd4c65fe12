// The `wfvae` commands. Each is a spec (flags, help) and a function; the main in
// app/wfvae_main.cpp only dispatches.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/flags.h"
#include "core/progress.h"
#include "runtime/vae.h"

namespace wfvae::cli {

// The flag parser the studio shares (engine/core/flags.h).
using flags::Args;
using flags::CommandSpec;
using flags::FlagSpec;
using flags::help_text;
using flags::parse;

struct Command {
  CommandSpec spec;
  std::function<int(const Args&)> run;  // returns the exit code
};

std::vector<Command> model_commands();  // parity, info, bench
std::vector<Command> media_commands();  // recon, eval (empty without FFmpeg)
// train (from videos with FFmpeg, from a clip pack always) and pack-clips (with FFmpeg).
std::vector<Command> train_commands();

// --device (cpu, cuda, auto; `fallback` when absent). When auto settles on the CPU
// it says so once, with the reason, on stderr.
Device device_option(const Args& a, const std::string& fallback);
// --tile N|auto|off (-1 auto, 0 off), --tile-overlap P, --max-memory SIZE; Usage
// errors for bad values. Untouched outputs keep their defaults.
void read_plan_flags(const Args& a, int* tile, int* overlap, int64_t* max_memory);

// --config FILE (a config.json or a JSON with an "ae" object, replacing the one
// beside the weights) and --weights auto|ema|model (which state dict of a
// training checkpoint), as every command that loads a model reads them.
LoadOptions load_options(const Args& a, bool config_flag = true);
// Their --help lines.
std::vector<FlagSpec> model_source_flags(bool config_flag = true);

// Set by SIGINT/SIGTERM; long commands pass it to the engine.
CancelToken& interrupt_token();

// A one-line progress bar on stderr (only when stderr is a terminal, or forced).
class ProgressBar {
 public:
  explicit ProgressBar(std::string label, bool enabled = true);
  ~ProgressBar();
  void update(double fraction, const std::string& stage);
  void finish();
  ProgressFn fn();

 private:
  std::string label_;
  bool enabled_;
  bool tty_;
  int last_permille_ = -1;
  std::string last_stage_;
  double start_;
};

}  // namespace wfvae::cli
