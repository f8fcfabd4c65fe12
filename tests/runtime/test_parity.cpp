// Parity with the official PyTorch WF-VAE over every fixture folder found in
// ../shared/fixtures/wfvae-parity (or $WFVAE_PARITY_FIXTURES).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "runtime/parity.h"

using namespace wfvae;
namespace fs = std::filesystem;

namespace {
fs::path fixtures_root() {
  if (const char* env = std::getenv("WFVAE_PARITY_FIXTURES"); env && *env) return env;
  return WFVAE_FIXTURES_DIR;
}
}  // namespace

TEST(Parity, EveryFixtureMatchesTheReference) {
  fs::path root = fixtures_root();
  std::vector<fs::path> dirs;
  std::error_code ec;
  if (fs::exists(root / "io.safetensors", ec)) dirs.push_back(root);
  if (fs::is_directory(root, ec))
    for (const auto& e : fs::directory_iterator(root, ec))
      if (fs::exists(e.path() / "io.safetensors")) dirs.push_back(e.path());
  if (dirs.empty())
    GTEST_SKIP() << "no parity fixtures at " << root << " (they come from ../shared beside the checkout)";
  for (const auto& d : dirs) {
    ParityResult r = run_parity(d, Device::CPU);
    int computed = 0;
    for (const auto& l : r.lines) {
      if (!l.computed) continue;
      ++computed;
      EXPECT_EQ(l.violations, 0) << d.filename() << ": " << l.name << " max abs error " << l.max_abs_error;
    }
    // The contract's primary tensors must be there and checked.
    EXPECT_GE(computed, 8) << d;
    EXPECT_TRUE(r.pass()) << d;
  }
}

TEST(Parity, ATamperedWeightIsCaught) {
  // Guards the checker itself: a fixture whose weights were changed must fail.
  fs::path root = fixtures_root();
  fs::path src;
  std::error_code ec;
  if (fs::is_directory(root, ec))
    for (const auto& e : fs::directory_iterator(root, ec))
      if (fs::exists(e.path() / "io.safetensors")) {
        src = e.path();
        break;
      }
  if (fs::exists(root / "io.safetensors", ec)) src = root;
  if (src.empty()) GTEST_SKIP() << "no parity fixtures at " << root;
  fs::path tmp = fs::temp_directory_path() / ("wfvae-tamper-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::copy(src, tmp, fs::copy_options::recursive);
  fs::permissions(tmp / "diffusion_pytorch_model.safetensors", fs::perms::owner_write, fs::perm_options::add);
  {
    // Flip a byte inside the data section (past the header).
    std::fstream f(tmp / "diffusion_pytorch_model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-1001, std::ios::end);
    char c;
    f.read(&c, 1);
    f.seekp(-1001, std::ios::end);
    c = static_cast<char>(c ^ 0x40);
    f.write(&c, 1);
  }
  ParityResult r = run_parity(tmp, Device::CPU);
  fs::remove_all(tmp);
  EXPECT_FALSE(r.pass());
}
