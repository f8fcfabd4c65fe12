// The safetensors reader must accept what PyTorch writes and reject every kind of
// malformed file with its own message naming the file, the tensor and the problem.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/half.h"
#include "core/safetensors.h"
#include "common/temp_dir.h"

using namespace wfvae;
namespace fs = std::filesystem;

namespace {

std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

// A file from a raw header and data section.
std::string make(const std::string& header, const std::string& data) { return le64(header.size()) + header + data; }

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Expects a BadInput error whose message contains every fragment.
void expect_rejected(const fs::path& p, std::initializer_list<const char*> fragments) {
  try {
    SafetensorsReader r(p);
    FAIL() << "accepted a malformed file: " << p;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    std::string msg = e.what();
    EXPECT_NE(msg.find(p.string()), std::string::npos) << "message does not name the file: " << msg;
    for (const char* f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "missing '" << f << "' in: " << msg;
  }
}

}  // namespace

TEST(Safetensors, RoundTripAllFloatDtypes) {
  TempDir dir;
  float f32[6] = {1.5f, -2.25f, 0.f, 3.0e-5f, 65504.f, -1e-8f};
  uint16_t f16[6], bf16[6];
  for (int i = 0; i < 6; ++i) {
    f16[i] = float_to_f16(f32[i]);
    bf16[i] = float_to_bf16(f32[i]);
  }
  fs::path p = dir.path() / "t.safetensors";
  write_safetensors(
      p,
      {{"a.weight", StDType::F32, {2, 3}, f32}, {"b", StDType::F16, {6}, f16}, {"c.bias", StDType::BF16, {3, 2}, bf16}},
      {{"format", "pt"}}, false);
  SafetensorsReader r(p);
  ASSERT_EQ(r.entries().size(), 3u);
  EXPECT_EQ(r.metadata().at("format"), "pt");
  auto a = r.read_float(*r.find("a.weight"));
  auto b = r.read_float(*r.find("b"));
  auto c = r.read_float(*r.find("c.bias"));
  EXPECT_EQ(r.find("c.bias")->shape, (std::vector<int64_t>{3, 2}));
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(a[i], f32[i]);
    EXPECT_NEAR(b[i], f32[i], std::fabs(f32[i]) * 1e-3 + 1e-7);
    EXPECT_NEAR(c[i], f32[i], std::fabs(f32[i]) * 1e-2 + 1e-30);
  }
  EXPECT_EQ(b[4], 65504.f);  // largest f16 is exact
}

TEST(Safetensors, HalfConversionsAreExactOnRepresentableValues) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    uint16_t v = static_cast<uint16_t>(h);
    if (((v >> 10) & 0x1f) == 0x1f) continue;  // inf/nan
    EXPECT_EQ(float_to_f16(f16_to_float(v)), v) << std::hex << h;
  }
  EXPECT_EQ(bf16_to_float(float_to_bf16(1.0f)), 1.0f);
  EXPECT_EQ(float_to_f16(0.35359999537f), float_to_f16(0.3536f));
}

TEST(Safetensors, RejectsBadHeaderLength) {
  TempDir dir;
  fs::path p = dir.path() / "huge.safetensors";
  write(p, le64(uint64_t(1) << 40) + "{}");
  expect_rejected(p, {"header length", "exceeds"});
  fs::path q = dir.path() / "past_end.safetensors";
  write(q, le64(1000) + "{\"a\":1}");
  expect_rejected(q, {"header length 1000", "past the end"});
}

TEST(Safetensors, RejectsTooShortFile) {
  TempDir dir;
  fs::path p = dir.path() / "short.safetensors";
  write(p, "abc");
  expect_rejected(p, {"too short"});
  fs::path e = dir.path() / "empty.safetensors";
  write(e, "");
  expect_rejected(e, {"too short"});
}

TEST(Safetensors, RejectsBadJson) {
  TempDir dir;
  fs::path p = dir.path() / "json.safetensors";
  write(p, make("{\"a\": {\"dtype\": \"F32\",, }", ""));
  expect_rejected(p, {"not valid JSON", "offset"});
  fs::path q = dir.path() / "array.safetensors";
  write(q, make("[1, 2, 3]", ""));
  expect_rejected(q, {"expected an object"});
}

TEST(Safetensors, RejectsUnknownDtype) {
  TempDir dir;
  fs::path p = dir.path() / "dtype.safetensors";
  write(p, make(R"({"w": {"dtype": "F17", "shape": [1], "data_offsets": [0, 4]}})", std::string(4, '\0')));
  expect_rejected(p, {"tensor 'w'", "unknown dtype 'F17'", "known:"});
}

TEST(Safetensors, RejectsSizeMismatch) {
  TempDir dir;
  fs::path p = dir.path() / "size.safetensors";
  write(p, make(R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})", std::string(24, '\0')));
  expect_rejected(p, {"tensor 'w'", "needs 24 bytes", "span 20"});
}

TEST(Safetensors, RejectsOutOfFileRange) {
  TempDir dir;
  fs::path p = dir.path() / "range.safetensors";
  write(p, make(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})", std::string(16, '\0')));
  expect_rejected(p, {"tensor 'w'", "past the end of the data section"});
}

TEST(Safetensors, RejectsOverlappingRanges) {
  TempDir dir;
  fs::path p = dir.path() / "overlap.safetensors";
  write(p, make(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                    "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
                std::string(16, '\0')));
  expect_rejected(p, {"'a'", "'b'", "overlap"});
}

TEST(Safetensors, RejectsTruncatedFile) {
  TempDir dir;
  float v[64] = {};
  std::string full = serialize_safetensors({{"w", StDType::F32, {64}, v}}, {});
  fs::path p = dir.path() / "trunc.safetensors";
  write(p, full.substr(0, full.size() - 10));
  expect_rejected(p, {"tensor 'w'", "truncated"});
}

TEST(Safetensors, RejectsMalformedEntries) {
  TempDir dir;
  fs::path p = dir.path() / "noshape.safetensors";
  write(p, make(R"({"w": {"dtype": "F32", "data_offsets": [0, 4]}})", std::string(4, '\0')));
  expect_rejected(p, {"tensor 'w'", "shape"});
  fs::path q = dir.path() / "badoffsets.safetensors";
  write(q, make(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4]}})", std::string(4, '\0')));
  expect_rejected(q, {"tensor 'w'", "data_offsets"});
  fs::path r = dir.path() / "negdim.safetensors";
  write(r, make(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", std::string(4, '\0')));
  expect_rejected(r, {"tensor 'w'", "negative"});
}

TEST(Safetensors, NonFloatTensorIsAnErrorWhenReadAsWeights) {
  TempDir dir;
  int64_t v[2] = {1, 2};
  fs::path p = dir.path() / "ints.safetensors";
  write_safetensors(p, {{"steps", StDType::I64, {2}, v}}, {}, false);
  SafetensorsReader r(p);
  try {
    r.read_float(*r.find("steps"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'steps' has dtype I64"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, MissingFileAndFolder) {
  TempDir dir;
  expect_rejected(dir.path() / "nope.safetensors", {"no such file"});
  expect_rejected(dir.path(), {"is a folder"});
}

TEST(Safetensors, WriterRefusesToOverwriteWithoutPermission) {
  TempDir dir;
  float v = 1;
  fs::path p = dir.path() / "x.safetensors";
  write_safetensors(p, {{"a", StDType::F32, {1}, &v}}, {}, false);
  auto size_before = fs::file_size(p);
  EXPECT_THROW(write_safetensors(p, {{"a", StDType::F32, {1}, &v}, {"b", StDType::F32, {1}, &v}}, {}, false), Error);
  EXPECT_EQ(fs::file_size(p), size_before);
  write_safetensors(p, {{"a", StDType::F32, {1}, &v}, {"b", StDType::F32, {1}, &v}}, {}, true);
  EXPECT_GT(fs::file_size(p), size_before);
  // No temporaries left behind.
  int files = 0;
  for (auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}
