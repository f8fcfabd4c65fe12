// The `wfvae` commands. Each is a spec (flags, help) and a function; the main in
// app/wfvae_main.cpp only dispatches.
#pragma once

#include <cstdio>
#include <cstdint>
#include <functional>
#include <optional>
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
  CommandSpec spec;  // for `wfvae --help` and `wfvae help NAME` (its flags bound to nothing)
  // Parses the arguments after the command's name into fresh options and runs (or
  // prints --help); returns the exit code.
  std::function<int(const std::vector<std::string>& argv)> run;
};

// A command whose flags `spec` binds to the fields of an Options; `run` gets them set.
template <class Options>
Command make_command(CommandSpec (*spec)(Options&), int (*run)(Options&, const Args&)) {
  Options unbound;
  Command c{spec(unbound), nullptr};
  for (auto& f : c.spec.flags) f.target = {};
  c.run = [spec, run](const std::vector<std::string>& argv) {
    Options o;
    const CommandSpec s = spec(o);
    const Args a = parse(s, argv);
    if (a.help) {
      std::fputs(help_text(s).c_str(), stdout);
      return 0;
    }
    return run(o, a);
  };
  return c;
}

std::vector<Command> model_commands();  // parity, info, convert, bench, doctor
std::vector<Command> media_commands();  // recon, eval, decode (empty without FFmpeg)
// train (from videos with FFmpeg, from a clip pack always) and pack-clips (with FFmpeg).
std::vector<Command> train_commands();
std::vector<Command> lab_commands();  // eval-curve, model-card, card-latents (scripts/lab's summaries of a run)
// With FFmpeg only: latent-stats, and encode (a data set's latent cache).
Command latent_stats_command();
Command encode_command();
Command normstudy_command();  // GroupNorm vs LayerNorm over a set of clips

// A command over a data set: any number of inputs (files, folders, .txt lists, as
// eval takes them) from `min_inputs`; its flags are added by the caller.
inline CommandSpec data_set_command(std::string name, std::string usage, std::string summary, std::string description,
                                    std::string examples, size_t min_inputs = 1) {
  CommandSpec c;
  c.name = std::move(name);
  c.usage = std::move(usage);
  c.summary = std::move(summary);
  c.description = std::move(description);
  c.min_positional = min_inputs;
  c.max_positional = SIZE_MAX;
  c.examples = std::move(examples);
  return c;
}

// cpu, cuda or auto as the engine reads them (parse_device). When auto settles on the
// CPU it says so once, with the reason, on stderr.
Device device_option(const std::string& asked);

// --tile N|auto|off (-1 auto, 0 off; N checked with its overlap by the pipeline / bench),
// --tile-overlap P (>= 0), --max-memory SIZE, each with its help line.
FlagSpec tile_flag(int* tile, const std::string& help);
FlagSpec tile_overlap_flag(int* overlap, const std::string& help);
FlagSpec max_memory_flag(int64_t* max_memory, const std::string& help);

// --weights auto|ema|model (which state dict of a training checkpoint), worded by the engine.
FlagSpec weights_flag(WeightsChoice* weights, const std::string& help);
// --config FILE (a config.json or a JSON with an "ae" object, replacing the one beside
// the weights) and --weights, as the commands that load a model without more say.
std::vector<FlagSpec> model_source_flags(LoadOptions& o, bool config_flag = true);

// --start as recon, eval and latent-stats read it: seconds ("2.5", "2.5s") or a frame
// index ("48f"); Usage errors naming the value.
void parse_start(const std::string& value, std::optional<double>* seconds, std::optional<int64_t>* frame);

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
