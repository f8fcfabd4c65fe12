// The CLI's flag parser and its typed targets (sizes, integers, numbers, choices), and the
// studio's option parser: argv is the input split at NUL bytes.
#include <vector>

#include "core/flags.h"
#include "fuzz_common.h"
#include "options.h"

using namespace wfvae;

void fuzz_one(const std::string& input) {
  std::vector<std::string> argv;
  size_t start = 0;
  for (size_t i = 0; i <= input.size(); ++i)
    if (i == input.size() || input[i] == '\0') {
      argv.push_back(input.substr(start, i - start));
      start = i + 1;
    }
  std::string output;
  int h = 0, w = 0, frames = 0;
  double lr = 0;
  bool chunked = false;
  flags::CommandSpec spec{"recon",
                          "wfvae recon INPUT -o OUTPUT",
                          "",
                          "",
                          {{"--output", "FILE", "", &output, {}, "-o"},
                           {"--size", "HxW", "", flags::Dims{&h, &w}},
                           {"--frames", "N", "", &frames},
                           {"--lr", "X", "", &lr},
                           {"--dtype", "T", "", {}, {"f32", "f16"}},
                           {"--chunked", "", "", &chunked}},
                          0,
                          3,
                          ""};
  try {
    flags::parse(spec, argv);
  } catch (const std::exception&) {
  }
  // The studio's parser prints --help/--version: keep those out.
  std::vector<char*> cargv = {const_cast<char*>("wfvae-studio")};
  for (auto& s : argv) {
    if (s == "--help" || s == "-h" || s == "--version") return;
    cargv.push_back(s.data());
  }
  (void)studio::parse_options(static_cast<int>(cargv.size()), cargv.data());
}
