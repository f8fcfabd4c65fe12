// `wfvae`: the command-line face of the WFVAE Studio engine.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"

using namespace wfvae;

namespace {

std::vector<cli::Command> all_commands() {
  auto cmds = cli::model_commands();
  for (auto& c : cli::media_commands()) cmds.push_back(std::move(c));
  for (auto& c : cli::train_commands()) cmds.push_back(std::move(c));
  for (auto& c : cli::lab_commands()) cmds.push_back(std::move(c));
#ifdef WFVAE_HAVE_MEDIA
  cmds.push_back(cli::latent_stats_command());
  cmds.push_back(cli::encode_command());
  cmds.push_back(cli::normstudy_command());
#endif
  return cmds;
}

void print_usage(const std::vector<cli::Command>& cmds) {
  std::printf(
      "usage: wfvae <command> [options]\n\n"
      "WF-VAE (wavelet-driven energy-flow video VAE) from the command line: reconstruct videos,\n"
      "measure PSNR/SSIM, check parity with the official PyTorch code, benchmark, train.\n\ncommands:\n");
  int width = 0;
  for (const auto& c : cmds) width = std::max(width, static_cast<int>(c.spec.name.size()));
  for (const auto& c : cmds) std::printf("  %-*s  %s\n", width, c.spec.name.c_str(), c.spec.summary.c_str());
  std::printf(
      "\n'wfvae <command> --help' describes a command's options.\n"
      "exit codes: 0 ok, 1 usage error, 2 bad input, 3 runtime failure, 4 check failed, 130 cancelled\n");
}

extern "C" void on_signal(int) {
  static int count = 0;
  cli::interrupt_token().cancel();
  if (++count >= 2) std::_Exit(130);  // second Ctrl-C: leave now
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto cmds = all_commands();
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    if (argc >= 3 && !std::strcmp(argv[1], "help")) {
      for (const auto& c : cmds)
        if (c.spec.name == argv[2]) {
          std::printf("%s", cli::help_text(c.spec).c_str());
          return 0;
        }
    }
    print_usage(cmds);
    return argc < 2 ? 1 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("wfvae 0.1.0\n");
    return 0;
  }
  const std::string name = argv[1];
  for (const auto& c : cmds) {
    if (c.spec.name != name) continue;
    try {
      return c.run(std::vector<std::string>(argv + 2, argv + argc));
    } catch (const Error& e) {
      // The engine says what to try in words; here they are the flags.
      const char* flags =
          e.kind() == ErrorKind::OutOfMemory ? " (--chunked, --tile, --max-memory, --size, --frames)" : "";
      std::fprintf(stderr, "\nwfvae %s: %s%s\n", name.c_str(), e.what(), flags);
      return exit_code_for(e.kind());
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "\nwfvae %s: out of memory; try --chunked, a smaller --size or fewer --frames\n",
                   name.c_str());
      return 3;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "\nwfvae %s: internal error: %s\n", name.c_str(), e.what());
      return 3;
    }
  }
  std::fprintf(stderr, "wfvae: unknown command \"%s\"\n\n", name.c_str());
  print_usage(cmds);
  return 1;
}
