// SHA-256 against FIPS 180-4's examples (one block, two blocks, a million 'a's)
// and a file read in pieces.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/sha256.h"

namespace wfvae {
namespace {

std::string sha(const std::string& s) { return sha256_hex(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

TEST(Sha256, MatchesTheStandardsExamples) {
  EXPECT_EQ(sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, OfAFileIsOfItsBytesAndAMissingFileIsNamed) {
  TempDir dir;
  const auto path = dir.path() / "f.bin";
  const std::string data(3 * 1048576 + 17, 'x');
  std::ofstream(path, std::ios::binary) << data;
  EXPECT_EQ(sha256_file(path), sha(data));
  try {
    sha256_file(dir.path() / "missing.pt");
    FAIL() << "a missing file was hashed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find("missing.pt"), std::string::npos);
  }
}

}  // namespace
}  // namespace wfvae
