// A small declarative flag parser for the `wfvae` commands: each command lists its
// flags once, and the parser derives --help, unknown-flag errors and typed access.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wfvae::cli {

struct FlagSpec {
  std::string name;     // "--model" (and optional short alias in `alias`, e.g. "-o")
  std::string metavar;  // "DIR"; empty for a switch
  std::string help;
  std::string alias;
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
};

class Args {
 public:
  std::vector<std::string> positional;
  bool help = false;

  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> get(const std::string& flag) const;
  std::string get_or(const std::string& flag, const std::string& fallback) const;
  int get_int(const std::string& flag, int fallback) const;            // Usage error if not an integer
  double get_double(const std::string& flag, double fallback) const;
  // "HxW" -> {H, W}
  bool get_size(const std::string& flag, int* h, int* w) const;

  std::map<std::string, std::string> values_;
};

// Throws Error(Usage) for unknown flags, missing values or positional counts.
Args parse(const CommandSpec& spec, const std::vector<std::string>& argv);
std::string help_text(const CommandSpec& spec);

}  // namespace wfvae::cli
