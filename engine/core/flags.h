// The one flag parser of both executables (`wfvae` and its commands, `wfvae-studio`):
// each lists its flags once, each flag with the variable it sets, and the parser
// derives --help, unknown-flag errors and the checked values (integers that overflow,
// sizes, choices are usage errors) written into those variables.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace wfvae::flags {

// "HxW" (or one number N, meaning NxN): the number before the x into *first.
struct Dims {
  int* first = nullptr;
  int* second = nullptr;
};

// Where parse writes a flag's value once it is checked. A switch sets its bool (or calls
// the function with ""); a repeatable flag appends to its vector (or calls the function
// once per value, in order); other flags get their last value. A function target
// converts and checks the value itself (to_int & co. give the usual errors).
using Target = std::variant<std::monostate, bool*, int*, double*, std::string*, std::filesystem::path*,
                            std::optional<int>*, std::optional<double>*, std::optional<std::string>*,
                            std::vector<std::string>*, Dims, std::function<void(const std::string& value)>>;

struct FlagSpec {
  std::string name;     // "--model" (and optional short alias in `alias`, e.g. "-o")
  std::string metavar;  // "DIR"; empty for a switch (unless `choices` are given)
  std::string help;
  Target target;                     // none: the command asks Args::has
  std::vector<std::string> choices;  // the values accepted (--help shows them: "cpu|cuda"); empty: any
  std::string alias;
  std::string section;      // --help prints it as a heading where it changes ("view:")
  bool repeatable = false;  // every value is kept (always with a vector target); otherwise the last wins

  bool takes_value() const { return !metavar.empty() || !choices.empty(); }
  bool keeps_every_value() const { return repeatable || std::holds_alternative<std::vector<std::string>*>(target); }
  std::string shown_metavar() const;  // the choices joined by |, else the metavar
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

// What is not a flag's value: the positional arguments, --help, and which flags were given.
class Args {
 public:
  std::vector<std::string> positional;
  bool help = false;

  // Given on the command line (by its name or alias; `flag` is the name).
  bool has(const std::string& flag) const { return given_.count(flag) > 0; }

 private:
  friend Args parse(const CommandSpec&, const std::vector<std::string>&);
  friend std::string command_line(const CommandSpec&, const Args&, const std::vector<std::string>&);
  std::map<std::string, std::vector<std::string>> given_;  // every value, in order ("" for a switch)
};

// Throws Error(Usage) for unknown flags, missing values, values a target refuses, values
// not among the choices, or positional counts. Targets are written in the order of
// spec.flags, after the positional count is checked; not at all with --help.
Args parse(const CommandSpec& spec, const std::vector<std::string>& argv);
std::string help_text(const CommandSpec& spec);
// What `a` was given, as one canonical command line: the positional arguments, then
// every flag given (but those in `leave_out`) in the order of spec.flags with its value
// (each value of a repeatable one, the last of others). Values a shell would split are
// single-quoted; positional arguments that look like flags go last, after "--".
std::string command_line(const CommandSpec& spec, const Args& a, const std::vector<std::string>& leave_out = {});

// The checked conversions of the targets, for function targets; errors name `flag`.
int to_int(const std::string& flag, const std::string& value);        // "expected an integer", "out of range"
double to_double(const std::string& flag, const std::string& value);  // "expected a number"
void to_dims(const std::string& flag, const std::string& value, int* first, int* second);

}  // namespace wfvae::flags
