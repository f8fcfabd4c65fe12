// The torch.save reader (core/pickle, core/zip_reader, core/torch_checkpoint):
// the shared fixtures as the official code wrote them, hand-built files of each
// layout, and hostile ones (truncated, out of bounds, nested, recursive, code).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/pickle.h"
#include "core/torch_checkpoint.h"

using namespace wfvae;

namespace {

namespace fs = std::filesystem;

// Pickle bytes, opcode by opcode.
struct P {
  std::string b;
  P& raw(const std::string& s) {
    b += s;
    return *this;
  }
  P& op(char c) {
    b += c;
    return *this;
  }
  P& proto() { return raw(std::string("\x80\x02", 2)); }
  P& mark() { return op('('); }
  P& str(const std::string& s) {  // SHORT_BINUNICODE / BINUNICODE
    if (s.size() < 256) {
      b += '\x8c';
      b += static_cast<char>(s.size());
    } else {
      b += 'X';
      uint32_t n = static_cast<uint32_t>(s.size());
      b.append(reinterpret_cast<const char*>(&n), 4);
    }
    b += s;
    return *this;
  }
  P& i(int v) {  // BININT1 / BININT
    if (v >= 0 && v < 256) {
      b += 'K';
      b += static_cast<char>(v);
    } else {
      b += 'J';
      b.append(reinterpret_cast<const char*>(&v), 4);
    }
    return *this;
  }
  P& global(const std::string& m, const std::string& n) { return op('c').raw(m + "\n" + n + "\n"); }
  P& ints(std::initializer_list<int> v) {
    mark();
    for (int x : v) i(x);
    return op('t');
  }
  // _rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict())
  P& tensor(const std::string& key, int numel, int offset, std::initializer_list<int> size,
            std::initializer_list<int> stride, const std::string& storage = "FloatStorage") {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    mark().str("storage").global("torch", storage).str(key).str("cpu").i(numel).op('t').op('Q');
    i(offset).ints(size).ints(stride).op('\x89').global("collections", "OrderedDict").op(')').op('R');
    return op('t').op('R');
  }
  P& stop() { return op('.'); }
};

std::string u16(uint16_t v) { return std::string(reinterpret_cast<const char*>(&v), 2); }
std::string u32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

// An uncompressed zip, as torch.save writes it.
std::string zip(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out, central;
  for (const auto& [name, data] : files) {
    const uint32_t off = static_cast<uint32_t>(out.size());
    out += u32(0x04034b50) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(data.size()) +
           u32(data.size()) + u16(name.size()) + u16(0) + name + data;
    central += u32(0x02014b50) + u16(20) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(data.size()) +
               u32(data.size()) + u16(name.size()) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(off) + name;
  }
  const uint32_t cd = static_cast<uint32_t>(out.size());
  out += central;
  out += u32(0x06054b50) + u16(0) + u16(0) + u16(files.size()) + u16(files.size()) + u32(central.size()) + u32(cd) +
         u16(0);
  return out;
}

std::string floats(std::initializer_list<float> v) {
  std::string s;
  for (float x : v) s.append(reinterpret_cast<const char*>(&x), 4);
  return s;
}

fs::path write(const TempDir& d, const std::string& name, const std::string& bytes) {
  fs::path p = d / name;
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

std::string load_error(const fs::path& p) {
  try {
    TorchCheckpoint c(p);
    select_state_dict(c, WeightsChoice::Auto);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
    return e.what();
  }
  return "";
}

// {"a": 2x3 tensor on storage 0, "t": its transpose (a view), "h": f16 [2]}
std::string flat_pickle() {
  P p;
  p.proto().op('}').mark();
  p.str("a").tensor("0", 6, 0, {2, 3}, {3, 1});
  p.str("t").tensor("0", 6, 0, {3, 2}, {1, 3});
  p.str("h").tensor("1", 2, 0, {2}, {1}, "HalfStorage");
  p.op('u').stop();
  return p.b;
}

std::string flat_zip() {
  const uint16_t h[2] = {0x3c00, 0xc000};  // 1.0, -2.0
  return zip({{"archive/data.pkl", flat_pickle()},
              {"archive/byteorder", "little"},
              {"archive/data/0", floats({1, 2, 3, 4, 5, 6})},
              {"archive/data/1", std::string(reinterpret_cast<const char*>(h), 4)}});
}

const fs::path kCkptFixture =
    fs::path(WFVAE_FIXTURES_DIR) / ".." / "wfvae-ckpt" / "gn-l8-train" / "checkpoint-100.ckpt";
const fs::path kLegacyFixture = fs::path(WFVAE_FIXTURES_DIR) / ".." / "metrics-parity" / "lpips-alex" / "lin.pth";

}  // namespace

TEST(TorchCheckpoint, HandBuiltZipFlatDictWithViewsAndHalf) {
  TempDir d;
  TorchCheckpoint c(write(d, "flat.pt", flat_zip()));
  EXPECT_EQ(c.format(), "zip");
  StateDictSelection s = select_state_dict(c, WeightsChoice::Auto);
  EXPECT_EQ(s.branch, "the top-level dict");
  ASSERT_EQ(s.tensors.size(), 3u);
  CheckpointWeights w(c, s);
  EXPECT_EQ(w.entries()[0].name, "a");
  EXPECT_EQ(w.read_float(0), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(w.read_float(1), (std::vector<float>{1, 4, 2, 5, 3, 6}));  // strides honoured
  EXPECT_EQ(w.entries()[2].dtype, StDType::F16);
  EXPECT_EQ(w.read_float(2), (std::vector<float>{1, -2}));
  EXPECT_EQ(c.storages().size(), 2u);  // the view shares storage 0
}

TEST(TorchCheckpoint, EveryTruncationIsAClearErrorNeverACrash) {
  TempDir d;
  const std::string full = flat_zip();
  for (size_t n = 0; n < full.size(); ++n) {
    const std::string m = load_error(write(d, "cut.pt", full.substr(0, n)));
    EXPECT_NE(m, "") << "a file cut at " << n << " of " << full.size() << " bytes loaded";
    EXPECT_NE(m.find("cut.pt"), std::string::npos) << m;
  }
}

TEST(TorchCheckpoint, StorageShorterThanItsTensorsIsRefused) {
  TempDir d;
  std::string bytes =
      zip({{"archive/data.pkl", flat_pickle()}, {"archive/data/0", floats({1, 2, 3})}, {"archive/data/1", "\0\0\0\0"}});
  EXPECT_NE(load_error(write(d, "short.pt", bytes)).find("holds 12 bytes, but 6 F32 elements need 24"),
            std::string::npos);
  // A tensor reaching past its storage (offset 5 of 6 elements, 2x3).
  P p;
  p.proto().op('}').str("a").tensor("0", 6, 5, {2, 3}, {3, 1}).op('s').stop();
  bytes = zip({{"archive/data.pkl", p.b}, {"archive/data/0", floats({1, 2, 3, 4, 5, 6})}});
  EXPECT_NE(load_error(write(d, "offset.pt", bytes)).find("reaches element 10 of a storage of 6"), std::string::npos);
  // A storage the archive does not hold.
  bytes = zip({{"archive/data.pkl", p.b}});
  EXPECT_NE(load_error(write(d, "nostorage.pt", bytes)).find("does not hold"), std::string::npos);
}

TEST(TorchCheckpoint, RecordLargerThanTheFileIsRefused) {
  TempDir d;
  std::string pk = std::string("\x80\x02X", 3) + u32(0xfffffff0u) + "abc";
  const std::string m = load_error(write(d, "big.pt", zip({{"archive/data.pkl", pk}})));
  EXPECT_NE(m.find("runs past the end"), std::string::npos) << m;
}

TEST(TorchCheckpoint, CodeOnLoadIsRefusedAndNothingRuns) {
  TempDir d;
  const fs::path marker = d / "ran";
  for (const auto& [m, n] : std::vector<std::pair<std::string, std::string>>{{"os", "system"},
                                                                             {"posix", "system"},
                                                                             {"subprocess", "Popen"},
                                                                             {"builtins", "eval"},
                                                                             {"builtins", "exec"},
                                                                             {"__builtin__", "getattr"},
                                                                             {"torch.hub", "load"}}) {
    P p;
    p.proto().global(m, n).mark().str("touch " + marker.string()).op('t').op('R').stop();
    const std::string e = load_error(write(d, "evil.pt", zip({{"archive/data.pkl", p.b}})));
    EXPECT_NE(e.find("refused: the pickle calls " + m + "." + n), std::string::npos) << e;
    EXPECT_NE(e.find("Nothing was executed"), std::string::npos) << e;
  }
  // STACK_GLOBAL spells it from strings on the stack.
  P p;
  p.proto().str("os").str("system").op('\x93').stop();
  EXPECT_NE(load_error(write(d, "evil2.pt", zip({{"archive/data.pkl", p.b}}))).find("os.system"), std::string::npos);
  EXPECT_FALSE(fs::exists(marker));
}

TEST(TorchCheckpoint, DeepNestingAndRecursionAreBounded) {
  TempDir d;
  {  // 200k nested lists: loads (iteratively), the report's walk stops at its depth bound.
    P p;
    p.proto().op('}').str("state_dict").op('}').str("a").tensor("0", 6, 0, {2, 3}, {3, 1}).op('s').op('s');
    p.str("optimizer_state");
    const int depth = 200000;
    for (int k = 0; k < depth; ++k) p.op(']');
    for (int k = 0; k < depth - 1; ++k) p.op('a');
    p.op('s').stop();
    TorchCheckpoint c(
        write(d, "deep.pt", zip({{"archive/data.pkl", p.b}, {"archive/data/0", floats({1, 2, 3, 4, 5, 6})}})));
    StateDictSelection s = select_state_dict(c, WeightsChoice::Auto);
    EXPECT_EQ(s.branch, "state_dict");
    EXPECT_EQ(s.tensors.size(), 1u);
    ASSERT_EQ(s.left_aside.size(), 1u);
    EXPECT_NE(s.left_aside[0].find("optimizer_state: list of 1 (optimizer)"), std::string::npos) << s.left_aside[0];
  }
  {  // MARKs without end.
    P p;
    p.proto();
    for (int k = 0; k < 100000; ++k) p.mark();
    EXPECT_NE(load_error(write(d, "marks.pt", zip({{"archive/data.pkl", p.b}}))).find("MARKs nested deeper"),
              std::string::npos);
  }
  {  // A dict that holds itself, and a list that holds itself.
    P p;
    const std::string put0("q\0", 2), get0("h\0", 2);
    p.proto().op('}').raw(put0).str("me").raw(get0).op('s').str("loop").op(']').raw("q\x01").raw("h\x01").op('a');
    p.op('s').stop();
    TorchCheckpoint c(write(d, "cycle.pt", zip({{"archive/data.pkl", p.b}})));
    StateDictSelection s = select_state_dict(c, WeightsChoice::Auto);
    EXPECT_EQ(s.tensors.size(), 0u);
    EXPECT_EQ(s.not_tensors.size(), 2u);  // the loader lists them as unexpected
  }
  {  // A memo key never stored.
    P p;
    p.proto().raw("h\x07").stop();
    EXPECT_NE(load_error(write(d, "memo.pt", zip({{"archive/data.pkl", p.b}}))).find("never stored"),
              std::string::npos);
  }
}

TEST(TorchCheckpoint, UnknownClassesOutsideTheWeightsAreSkippedInsideNamed) {
  TempDir d;
  P p;
  p.proto().op('}').mark();
  p.str("state_dict").op('}').mark().str("a").tensor("0", 6, 0, {2, 3}, {3, 1});
  p.str("b").global("numpy.core.multiarray", "_reconstruct").mark().i(1).op('t').op('R').op('u');
  p.str("sampler_state").global("mytrainer", "Sampler").op(')').op('\x81').op('}').op('b');
  p.op('u').stop();
  TorchCheckpoint c(
      write(d, "mixed.ckpt", zip({{"archive/data.pkl", p.b}, {"archive/data/0", floats({1, 2, 3, 4, 5, 6})}})));
  StateDictSelection s = select_state_dict(c, WeightsChoice::Auto);
  EXPECT_EQ(s.tensors.size(), 1u);
  ASSERT_EQ(s.not_tensors.size(), 1u);
  EXPECT_NE(s.not_tensors[0].find("b (numpy.core.multiarray._reconstruct, not a tensor)"), std::string::npos);
  ASSERT_EQ(s.left_aside.size(), 1u);
  EXPECT_NE(s.left_aside[0].find("sampler_state: mytrainer.Sampler (data sampler)"), std::string::npos)
      << s.left_aside[0];
  EXPECT_NE(load_error(write(d, "x.ckpt", "not a checkpoint at all")).find("not a torch.save checkpoint"),
            std::string::npos);
}

TEST(TorchCheckpoint, WeightsEmaWithoutAnEmaSaysWhatIsThere) {
  TempDir d;
  TorchCheckpoint c(write(d, "flat.pt", flat_zip()));
  try {
    select_state_dict(c, WeightsChoice::Ema);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--weights ema, but the checkpoint has no ema_state_dict"), std::string::npos)
        << e.what();
  }
}

TEST(TorchCheckpoint, SharedTrainingFixtureFollowsTheReferenceRule) {
  if (!fs::exists(kCkptFixture)) GTEST_SKIP() << "no " << kCkptFixture << " (comes from ../shared)";
  TorchCheckpoint c(kCkptFixture);
  EXPECT_EQ(c.format(), "zip");
  StateDictSelection ema = select_state_dict(c, WeightsChoice::Auto);
  EXPECT_EQ(ema.branch, "ema_state_dict");
  EXPECT_EQ(ema.tensors.size(), 172u);
  EXPECT_EQ(ema.prefix_count, 172);
  EXPECT_EQ(ema.prefix_stripped, "module.");
  EXPECT_EQ(ema.left_aside.size(), 7u);
  StateDictSelection gen = select_state_dict(c, WeightsChoice::Model);
  EXPECT_EQ(gen.branch, "state_dict[\"gen_model\"]");
  EXPECT_EQ(gen.tensors.size(), 212u);
  EXPECT_EQ(gen.prefix_count, 0);
  EXPECT_EQ(c.storages().size(), 393u);  // as its README counts them: shared tensors stored once
}

TEST(TorchCheckpoint, LegacyFormatWithPython2StringsAndCudaStorages) {
  if (!fs::exists(kLegacyFixture)) GTEST_SKIP() << "no " << kLegacyFixture << " (comes from ../shared)";
  TorchCheckpoint c(kLegacyFixture);
  EXPECT_EQ(c.format(), "legacy");
  StateDictSelection s = select_state_dict(c, WeightsChoice::Auto);
  ASSERT_EQ(s.tensors.size(), 5u);
  EXPECT_EQ(s.tensors[0].first, "lin0.model.1.weight");
  CheckpointWeights w(c, s);
  EXPECT_EQ(w.entries()[0].shape, (std::vector<int64_t>{1, 64, 1, 1}));
  EXPECT_EQ(w.read_float(0).size(), 64u);
  bool cuda = false;
  for (const auto& st : c.storages()) cuda = cuda || st.location.rfind("cuda", 0) == 0;
  EXPECT_TRUE(cuda) << "lin.pth's storages are tagged cuda:0";
}
