// The one flag parser of both executables (`wfvae` and its commands, `wfvae-studio`):
// each lists its flags once, and the parser derives --help, unknown-flag errors and
// checked, typed access (integers that overflow, sizes, choices are usage errors).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wfvae::flags {

struct FlagSpec {
  std::string name;     // "--model" (and optional short alias in `alias`, e.g. "-o")
  std::string metavar;  // "DIR"; empty for a switch
  std::string help;
  std::string alias;
  std::string section;      // --help prints it as a heading where it changes ("view:")
  bool repeatable = false;  // every value is kept (Args::get_all); otherwise the last wins
};

struct CommandSpec {
  std::string name;
  std::string usage;    // "wfvae parity DIR [--device cpu|cuda]"
  std::string summary;  // one line for `wfvae --help`
  std::string description;
  std::vector<FlagSpec> flags;
  size_t min_positional = 0;
  size_t max_positional = 0;  // SIZE_MAX for any number
  std::string examples;
  std::string program = "wfvae";  // names the --help to see in errors: "wfvae NAME --help"
  std::string exit_codes = "0 ok, 1 usage error, 2 bad input, 3 runtime failure, 4 check failed, 130 cancelled";
  std::string epilogue;  // after the options (and examples)
};

class Args {
 public:
  std::vector<std::string> positional;
  bool help = false;

  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> get(const std::string& flag) const;
  std::string get_or(const std::string& flag, const std::string& fallback) const;
  int get_int(const std::string& flag, int fallback) const;  // Usage error if not an integer
  double get_double(const std::string& flag, double fallback) const;
  // The value, which must be one of `choices` (a usage error naming them otherwise).
  std::optional<std::string> get_choice(const std::string& flag, const std::vector<std::string>& choices) const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> get_all(const std::string& flag) const;
  // "HxW" -> {H, W}
  bool get_size(const std::string& flag, int* h, int* w) const;

  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> repeated_;
};

// Throws Error(Usage) for unknown flags, missing values or positional counts.
Args parse(const CommandSpec& spec, const std::vector<std::string>& argv);
std::string help_text(const CommandSpec& spec);

}  // namespace wfvae::flags
