#include "core/torch_checkpoint.h"

#include <cstring>
#include <fstream>
#include <set>

#include "core/error.h"
#include "core/half.h"

namespace wfvae {

namespace {

using pickle::Arena;
using pickle::Kind;
using pickle::Ref;

// torch's storage classes (torch.FloatStorage, ...) and dtypes (torch.float16, ...).
bool dtype_from_torch_name(const std::string& qualified, StDType* out) {
  const std::string n = qualified.substr(qualified.rfind('.') + 1);
  static const std::pair<const char*, StDType> table[] = {
      {"FloatStorage", StDType::F32},  {"HalfStorage", StDType::F16},   {"BFloat16Storage", StDType::BF16},
      {"DoubleStorage", StDType::F64}, {"LongStorage", StDType::I64},   {"IntStorage", StDType::I32},
      {"ShortStorage", StDType::I16},  {"CharStorage", StDType::I8},    {"ByteStorage", StDType::U8},
      {"BoolStorage", StDType::BOOL},  {"UntypedStorage", StDType::U8}, {"float32", StDType::F32},
      {"float", StDType::F32},         {"float16", StDType::F16},       {"half", StDType::F16},
      {"bfloat16", StDType::BF16},     {"float64", StDType::F64},       {"double", StDType::F64},
      {"int64", StDType::I64},         {"long", StDType::I64},          {"int32", StDType::I32},
      {"int", StDType::I32},           {"int16", StDType::I16},         {"int8", StDType::I8},
      {"uint8", StDType::U8},          {"bool", StDType::BOOL}};
  for (const auto& [name, t] : table)
    if (n == name) {
      *out = t;
      return true;
    }
  return false;
}

const uint8_t kLegacyMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};  // 0x1950a86a20f9469cfc6c

bool int_value(const Arena& a, Ref r, int64_t* out) {
  if (r < 0 || a[r].kind != Kind::Int || !a[r].text.empty()) return false;
  *out = a[r].integer;
  return true;
}

}  // namespace

int64_t TorchTensor::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

bool TorchCheckpoint::sniff(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  uint8_t head[4] = {0, 0, 0, 0};
  if (!f.read(reinterpret_cast<char*>(head), 4)) return false;
  if (ZipIndex::looks_like_zip(head, 4)) return true;
  return head[0] == 0x80 && head[1] >= 2 && head[1] <= 5 && head[2] == 0x8a;  // PROTO n, LONG1 (the magic number)
}

TorchCheckpoint::TorchCheckpoint(const std::filesystem::path& path) : path_(path) {
  const std::string src = path.string();
  auto bad = [&](const std::string& what) { fail_input(src + ": " + what); };
  file_ = MappedFile(path, [&](uint64_t size, bool regular) {
    if (!regular) bad("not a regular file");
    if (size < 8) bad("empty or truncated (" + std::to_string(size) + " bytes; not a torch.save checkpoint)");
  });
  const uint8_t* base = file_.data();
  if (ZipIndex::looks_like_zip(base, file_.size())) {
    format_ = "zip";
    read_zip();
  } else if (base[0] == 0x80) {
    format_ = "legacy";
    read_legacy();
  } else if (file_.size() > 262 && std::memcmp(base + 257, "ustar", 5) == 0) {
    bad("a tar-format torch checkpoint (PyTorch before 0.1.10): not supported; load and save it again with a "
        "current PyTorch");
  } else {
    bad("not a torch.save checkpoint (neither a zip archive nor a pickle stream)");
  }
  check_tensors();
}

TorchCheckpoint::~TorchCheckpoint() = default;

Ref TorchCheckpoint::persistent_load(Arena& a, Ref pid) {
  const std::string src = path_.string();
  auto bad = [&](const std::string& what) { fail_input(src + ": persistent id " + what); };
  if (a[pid].kind != Kind::Tuple || a[pid].items.empty()) bad("is not a tuple (not a torch.save file)");
  const std::vector<Ref> t = a[pid].items;
  const std::string* tag = a.string(t[0]);
  if (tag && *tag == "module") {  // legacy: the source of a pickled nn.Module class
    pickle::Value v;
    v.kind = Kind::Object;
    v.text = "a pickled module class";
    return a.add(v);
  }
  if (!tag || *tag != "storage" || t.size() < 5) bad("is not a ('storage', type, key, location, size) record");
  TorchStorage s;
  const pickle::Value& type = a[t[1]];
  if (type.kind != Kind::Global || !dtype_from_torch_name(type.text, &s.dtype))
    bad("names storage type " + a.describe(t[1]) + ", which is not one of torch's");
  const std::string* key = a.string(t[2]);
  if (!key) bad("has a storage key that is not a string");
  s.key = *key;
  if (const std::string* loc = a.string(t[3])) s.location = *loc;
  if (!int_value(a, t[4], &s.numel) || s.numel < 0) bad("has a bad storage size " + a.describe(t[4]));
  int index = -1;
  for (size_t i = 0; i < storages_.size(); ++i)
    if (storages_[i].key == s.key && storages_[i].view_of < 0) index = static_cast<int>(i);
  if (index < 0) {
    if (format_ == "zip") {
      const ZipEntry* e = zip_->find(zip_prefix_ + "data/" + s.key);
      if (!e) bad("refers to storage \"" + s.key + "\", which the archive does not hold (damaged file)");
      const uint64_t need = static_cast<uint64_t>(s.numel) * st_dtype_size(s.dtype);
      if (s.numel > 0 && (need / static_cast<uint64_t>(s.numel) != st_dtype_size(s.dtype) || e->size < need))
        fail_input(src + ": storage \"" + s.key + "\" holds " + std::to_string(e->size) + " bytes, but " +
                   std::to_string(s.numel) + " " + st_dtype_name(s.dtype) + " elements need " + std::to_string(need) +
                   " (damaged file)");
      s.data = zip_->data(*e);
    }
    storages_.push_back(s);
    index = static_cast<int>(storages_.size() - 1);
  }
  // Legacy views: (view_key, offset, view_size) of the storage just named.
  if (t.size() >= 6 && a[t[5]].kind == Kind::Tuple && a[t[5]].items.size() == 3) {
    const auto& vm = a[t[5]].items;
    const std::string* vkey = a.string(vm[0]);
    int64_t off = 0, n = 0;
    if (!vkey || !int_value(a, vm[1], &off) || !int_value(a, vm[2], &n) || off < 0 || n < 0 ||
        off > storages_[index].numel - n)
      bad("has a storage view outside its storage");
    TorchStorage v = storages_[index];
    v.key = *vkey;
    v.numel = n;
    v.view_of = index;
    v.view_offset = off;
    storages_.push_back(v);
    index = static_cast<int>(storages_.size() - 1);
  }
  pickle::Value v;
  v.kind = Kind::Storage;
  v.integer = index;
  return a.add(v);
}

Ref TorchCheckpoint::reduce(Arena& a, const std::string& callable, Ref args) {
  const std::string src = path_.string();
  if (a[args].kind != Kind::Tuple) return -1;
  const std::vector<Ref> x = a[args].items;
  if (callable == "collections.OrderedDict") {
    pickle::Value d;
    d.kind = Kind::Dict;
    Ref r = a.add(d);
    if (!x.empty() && a[x[0]].kind == Kind::List)  // OrderedDict([[k, v], ...]) (Python 2 torch, lpips' alex.pth)
      for (Ref pair : a[x[0]].items)
        if ((a[pair].kind == Kind::Tuple || a[pair].kind == Kind::List) && a[pair].items.size() == 2)
          a.at(r).dict.emplace_back(a[pair].items[0], a[pair].items[1]);
    return r;
  }
  if (callable == "torch.Size" && !x.empty() && a[x[0]].kind == Kind::Tuple) return x[0];
  if ((callable == "torch._utils._rebuild_parameter" || callable == "torch._utils._rebuild_parameter_with_state") &&
      !x.empty() && a[x[0]].kind == Kind::Tensor)
    return x[0];
  if (callable == "_codecs.encode" && !x.empty() && a[x[0]].kind == Kind::String) {
    pickle::Value b;
    b.kind = Kind::Bytes;
    b.text = a[x[0]].text;  // latin-1 text of Python 2 bytes: byte-for-byte for < 0x80
    return a.add(b);
  }
  if (callable == "builtins.set" || callable == "builtins.frozenset" || callable == "__builtin__.set") {
    pickle::Value s;
    s.kind = Kind::Set;
    if (!x.empty() && (a[x[0]].kind == Kind::List || a[x[0]].kind == Kind::Tuple)) s.items = a[x[0]].items;
    return a.add(s);
  }
  const bool v2 = callable == "torch._utils._rebuild_tensor_v2";
  const bool v1 = callable == "torch._utils._rebuild_tensor";
  const bool v3 = callable == "torch._utils._rebuild_tensor_v3";
  if (!v1 && !v2 && !v3) return -1;
  auto bad = [&](const std::string& what) { fail_input(src + ": a tensor record (" + callable + ") " + what); };
  if (x.size() < 4) bad("has " + std::to_string(x.size()) + " arguments (expected storage, offset, size, stride)");
  if (a[x[0]].kind != Kind::Storage) bad("does not start with a storage (" + a.describe(x[0]) + ")");
  TorchTensor t;
  t.storage = static_cast<int>(a[x[0]].integer);
  t.dtype = storages_[static_cast<size_t>(t.storage)].dtype;
  if (v3 && x.size() >= 7) {
    if (a[x[6]].kind != Kind::Global || !dtype_from_torch_name(a[x[6]].text, &t.dtype))
      bad("has dtype " + a.describe(x[6]) + ", which is not one of torch's");
  }
  if (!int_value(a, x[1], &t.offset) || t.offset < 0) bad("has a bad storage offset " + a.describe(x[1]));
  auto ints = [&](Ref r, std::vector<int64_t>& out, const char* what) {
    if (a[r].kind != Kind::Tuple && a[r].kind != Kind::List) bad(std::string("has a ") + what + " that is not a tuple");
    if (a[r].items.size() > 16) bad(std::string("has a ") + what + " of more than 16 dimensions");
    for (Ref e : a[r].items) {
      int64_t v = 0;
      if (!int_value(a, e, &v) || v < 0) bad(std::string("has a bad ") + what + " " + a.describe(r));
      out.push_back(v);
    }
  };
  ints(x[2], t.shape, "size");
  ints(x[3], t.stride, "stride");
  if (t.shape.size() != t.stride.size()) bad("has a size and a stride of different lengths");
  pickle::Value v;
  v.kind = Kind::Tensor;
  v.integer = static_cast<int64_t>(tensors_.size());
  tensors_.push_back(std::move(t));
  return a.add(v);
}

void TorchCheckpoint::read_zip() {
  const std::string src = path_.string();
  const uint8_t* base = file_.data();
  zip_ = std::make_unique<ZipIndex>(base, file_.size(), src);
  const ZipEntry* pkl = nullptr;
  for (const auto& e : zip_->entries()) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      pkl = &e;
      zip_prefix_ = e.name.substr(0, slash + 1);
      break;
    }
  }
  if (!pkl) fail_input(src + ": a zip archive without <name>/data.pkl: not a torch.save checkpoint");
  if (const ZipEntry* bo = zip_->find(zip_prefix_ + "byteorder")) {
    const std::string order(reinterpret_cast<const char*>(zip_->data(*bo)), static_cast<size_t>(bo->size));
    if (order != "little")
      fail_input(src + ": saved on a \"" + order + "\"-endian machine; only little-endian checkpoints are supported");
  }
  pickle::Hooks hooks;
  hooks.persistent_load = [this](Arena& a, Ref pid) { return persistent_load(a, pid); };
  hooks.reduce = [this](Arena& a, const std::string& c, Ref args) { return reduce(a, c, args); };
  root_ = pickle::load(zip_->data(*pkl), static_cast<size_t>(pkl->size), arena_, hooks, src + " (" + pkl->name + ")");
}

void TorchCheckpoint::read_legacy() {
  const std::string src = path_.string();
  const uint8_t* base = file_.data();
  size_t pos = 0;
  auto next = [&](const char* what, const pickle::Hooks& hooks) {
    size_t used = 0;
    Ref r = pickle::load(base + pos, file_.size() - pos, arena_, hooks, src + " (legacy format, " + what + ")", &used);
    pos += used;
    return r;
  };
  const pickle::Hooks plain;
  const Ref magic = next("magic number", plain);
  if (arena_[magic].kind != Kind::Int || arena_[magic].text.size() != sizeof kLegacyMagic ||
      std::memcmp(arena_[magic].text.data(), kLegacyMagic, sizeof kLegacyMagic) != 0)
    fail_input(src + ": a pickle, but not a torch.save checkpoint (no torch magic number)");
  int64_t protocol = 0;
  if (!int_value(arena_, next("protocol version", plain), &protocol) || protocol != 1001)
    fail_input(src + ": legacy torch.save protocol " + std::to_string(protocol) + " (only 1001 exists)");
  const Ref sys_info = next("system info", plain);
  const Ref little = arena_.dict_get(sys_info, "little_endian");
  if (little >= 0 && arena_[little].kind == Kind::Bool && !arena_[little].boolean)
    fail_input(src + ": saved on a big-endian machine; only little-endian checkpoints are supported");
  pickle::Hooks hooks;
  hooks.persistent_load = [this](Arena& a, Ref pid) { return persistent_load(a, pid); };
  hooks.reduce = [this](Arena& a, const std::string& c, Ref args) { return reduce(a, c, args); };
  root_ = next("data", hooks);
  const Ref keys = next("storage keys", plain);
  if (arena_[keys].kind != Kind::List) fail_input(src + ": legacy format: the storage key list is missing");
  // Then each storage in that order: an int64 element count and the raw elements.
  for (Ref k : arena_[keys].items) {
    const std::string* key = arena_.string(k);
    if (!key) fail_input(src + ": legacy format: a storage key is not a string");
    TorchStorage* s = nullptr;
    for (auto& st : storages_)
      if (st.key == *key && st.view_of < 0) s = &st;
    if (!s) fail_input(src + ": legacy format: storage \"" + *key + "\" is listed but no tensor uses it");
    if (file_.size() - pos < 8)
      fail_input(src + ": legacy format: storage \"" + *key + "\" is cut off (truncated file)");
    int64_t n = 0;
    std::memcpy(&n, base + pos, 8);
    pos += 8;
    const uint64_t bytes = static_cast<uint64_t>(s->numel) * st_dtype_size(s->dtype);
    if (n != s->numel || bytes > file_.size() - pos)
      fail_input(
          src + ": legacy format: storage \"" + *key + "\" should hold " + std::to_string(s->numel) + " elements (" +
          std::to_string(bytes) + " bytes) but the file has " +
          (n != s->numel ? std::to_string(n) + " elements there" : std::to_string(file_.size() - pos) + " bytes left") +
          " (truncated or damaged)");
    s->data = base + pos;
    pos += static_cast<size_t>(bytes);
  }
  for (auto& st : storages_)
    if (st.view_of >= 0) {
      const TorchStorage& root = storages_[static_cast<size_t>(st.view_of)];
      if (root.data) st.data = root.data + static_cast<size_t>(st.view_offset) * st_dtype_size(root.dtype);
    }
}

void TorchCheckpoint::check_tensors() const {
  const std::string src = path_.string();
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const TorchTensor& t = tensors_[i];
    const TorchStorage& s = storages_[static_cast<size_t>(t.storage)];
    if (!s.data) fail_input(src + ": storage \"" + s.key + "\" has no data in the file (truncated or damaged)");
    if (st_dtype_size(t.dtype) != st_dtype_size(s.dtype))
      fail_input(src + ": a tensor reads storage \"" + s.key + "\" as another element size (unsupported)");
    // The last element addressed must lie inside the storage.
    int64_t last = t.offset;
    bool empty = false;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (t.shape[d] == 0) empty = true;
      if (t.shape[d] > 0 && t.stride[d] > (INT64_MAX - last) / t.shape[d])
        fail_input(src + ": a tensor on storage \"" + s.key + "\" has sizes and strides that overflow");
      if (t.shape[d] > 0) last += (t.shape[d] - 1) * t.stride[d];
    }
    if (!empty && last >= s.numel)
      fail_input(src + ": a tensor on storage \"" + s.key + "\" reaches element " + std::to_string(last) +
                 " of a storage of " + std::to_string(s.numel) + " (damaged file)");
  }
}

std::vector<float> TorchCheckpoint::read_float(const TorchTensor& t, const std::string& name) const {
  const TorchStorage& s = storages_[static_cast<size_t>(t.storage)];
  const size_t es = st_dtype_size(t.dtype);
  if (t.dtype != StDType::F32 && t.dtype != StDType::F16 && t.dtype != StDType::BF16 && t.dtype != StDType::F64)
    fail_input(path_.string() + ": tensor \"" + name + "\" is " + st_dtype_name(t.dtype) +
               ", not a float type (F32, F16, BF16)");
  const int64_t n = t.numel();
  std::vector<float> out(static_cast<size_t>(n));
  const size_t dims = t.shape.size();
  std::vector<int64_t> idx(dims, 0);
  int64_t off = t.offset;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = s.data + static_cast<size_t>(off) * es;
    switch (t.dtype) {
      case StDType::F32: std::memcpy(&out[i], p, 4); break;
      case StDType::F64: {
        double d;
        std::memcpy(&d, p, 8);
        out[i] = static_cast<float>(d);
        break;
      }
      default: {
        uint16_t h;
        std::memcpy(&h, p, 2);
        out[i] = t.dtype == StDType::F16 ? f16_to_float(h) : bf16_to_float(h);
      }
    }
    for (size_t d = dims; d-- > 0;) {  // odometer over the strides
      off += t.stride[d];
      if (++idx[d] < t.shape[d]) break;
      off -= t.stride[d] * t.shape[d];
      idx[d] = 0;
    }
  }
  // The mapped pages just read are not needed again (a shared storage read twice
  // faults them back in from the file): returning them keeps the peak near the
  // model's own size instead of model + file.
  if (n > 0) {
    int64_t last = t.offset;
    for (size_t d = 0; d < dims; ++d) last += (t.shape[d] - 1) * t.stride[d];
    file_.drop_pages(s.data + static_cast<size_t>(t.offset) * es, s.data + static_cast<size_t>(last + 1) * es);
  }
  return out;
}

namespace {

// Tensors (and their bytes) reachable from a value, bounded in depth; shared
// values are counted once.
struct Tally {
  int64_t tensors = 0;
  int64_t bytes = 0;
};
void tally(const TorchCheckpoint& c, Ref r, int depth, std::set<Ref>& seen, Tally& t) {
  const Arena& a = c.arena();
  if (r < 0 || depth > 64 || !seen.insert(r).second) return;
  const pickle::Value& v = a[r];
  if (v.kind == Kind::Tensor) {
    const TorchTensor& x = c.tensors()[static_cast<size_t>(v.integer)];
    ++t.tensors;
    t.bytes += x.numel() * static_cast<int64_t>(st_dtype_size(x.dtype));
    return;
  }
  for (Ref i : v.items) tally(c, i, depth + 1, seen, t);
  for (const auto& [k, x] : v.dict) {
    tally(c, k, depth + 1, seen, t);
    tally(c, x, depth + 1, seen, t);
  }
}

std::string mb(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1048576.0);
  return buf;
}

// What a part of a training checkpoint is, for the report.
const char* known_part(const std::string& key) {
  if (key == "optimizer_state" || key == "optimizer" || key == "optimizer_states") return "optimizer";
  if (key == "dics_model" || key == "disc_model") return "discriminator and perceptual loss";
  if (key == "scaler_state") return "AMP grad scaler";
  if (key == "sampler_state") return "data sampler";
  if (key == "gen_model") return "the weights without EMA (--weights model)";
  if (key == "ema_state_dict") return "the EMA weights (--weights ema)";
  if (key == "lr_scheduler" || key == "scheduler") return "learning-rate schedule";
  return nullptr;
}

std::string describe_part(const TorchCheckpoint& c, const std::string& name, Ref r) {
  const Arena& a = c.arena();
  std::set<Ref> seen;
  Tally t;
  tally(c, r, 0, seen, t);
  std::string s = name + ": ";
  const pickle::Value& v = a[r];
  if (v.kind == Kind::Int && v.text.empty())
    s += std::to_string(v.integer);
  else if (v.kind == Kind::Float)
    s += std::to_string(v.number);
  else
    s += a.describe(r);
  if (t.tensors) s += ", " + std::to_string(t.tensors) + " tensors, " + mb(t.bytes);
  const std::string leaf = name.substr(name.rfind('[') == std::string::npos ? 0 : name.rfind('[') + 2);
  const std::string key = leaf.substr(0, leaf.find('"'));
  if (const char* what = known_part(key)) s += " (" + std::string(what) + ")";
  return s;
}

}  // namespace

StateDictSelection select_state_dict(const TorchCheckpoint& ckpt, WeightsChoice choice) {
  const Arena& a = ckpt.arena();
  const std::string src = ckpt.path().string();
  const Ref root = ckpt.root();
  if (a[root].kind != Kind::Dict) {
    if (a[root].kind == Kind::Object)
      fail_input(src + ": holds a pickled " + a[root].text +
                 " object, not a state dict (torch.save(model) of a whole module? save model.state_dict() instead)");
    fail_input(src + ": holds a " + a.describe(root) + ", not a state dict");
  }
  StateDictSelection s;
  Ref chosen = -1;
  const Ref ema = a.dict_get(root, "ema_state_dict");
  const bool ema_usable = ema >= 0 && a[ema].kind == Kind::Dict && !a[ema].dict.empty();
  const Ref state = a.dict_get(root, "state_dict");
  const Ref gen = state >= 0 ? a.dict_get(state, "gen_model") : -1;
  if (choice == WeightsChoice::Ema && !ema_usable)
    fail_input(src + ": --weights ema, but the checkpoint has " +
               (ema < 0 ? std::string("no ema_state_dict") : "an empty ema_state_dict") +
               " (leave --weights at auto to take " +
               (gen >= 0     ? "state_dict[\"gen_model\"]"
                : state >= 0 ? "state_dict"
                             : "the top-level dict") +
               ")");
  if (ema_usable && choice != WeightsChoice::Model) {
    chosen = ema;
    s.branch = "ema_state_dict";
    s.reason = choice == WeightsChoice::Ema ? "asked for with --weights ema"
                                            : "the checkpoint has a non-empty EMA, which the reference takes first";
    s.prefix_stripped = "module.";
  } else if (state >= 0 && gen >= 0) {
    chosen = gen;
    s.branch = "state_dict[\"gen_model\"]";
    s.reason = ema_usable ? "asked for with --weights model (the reference's NOT_USE_EMA_MODEL)"
                          : std::string(ema >= 0 ? "its ema_state_dict is empty" : "no ema_state_dict") +
                                "; a training checkpoint's generator";
  } else if (state >= 0) {
    chosen = state;
    s.branch = "state_dict";
    s.reason = std::string(ema_usable ? "asked for with --weights model" : "no EMA") + "; a state_dict entry";
  } else {
    chosen = root;
    s.branch = "the top-level dict";
    s.reason = std::string(ema_usable ? "asked for with --weights model" : "no ema_state_dict or state_dict") +
               "; a plain state dict";
  }
  if (a[chosen].kind != Kind::Dict) fail_input(src + ": " + s.branch + " is a " + a.describe(chosen) + ", not a dict");

  for (const auto& [k, v] : a[chosen].dict) {
    const std::string* key = a.string(k);
    if (!key) {
      s.not_tensors.push_back("(a " + a.describe(k) + " key, not a name)");
      continue;
    }
    std::string name = *key;
    if (!s.prefix_stripped.empty()) {  // the reference's str.replace: every occurrence
      bool hit = false;
      for (size_t p; (p = name.find(s.prefix_stripped)) != std::string::npos;) {
        name.erase(p, s.prefix_stripped.size());
        hit = true;
      }
      s.prefix_count += hit;
    }
    if (a[v].kind == Kind::Tensor)
      s.tensors.emplace_back(name, static_cast<int>(a[v].integer));
    else
      s.not_tensors.push_back(name + " (" + a.describe(v) + ", not a tensor)");
  }
  if (s.prefix_count == 0) s.prefix_stripped.clear();

  // Everything else at the top level (state_dict's other entries one by one).
  if (chosen != root)
    for (const auto& [k, v] : a[root].dict) {
      const std::string* key = a.string(k);
      const std::string name = key ? *key : a.describe(k);
      if (v == chosen) continue;
      if (v == state && a[state].kind == Kind::Dict) {
        for (const auto& [k2, v2] : a[state].dict) {
          const std::string* key2 = a.string(k2);
          if (v2 != chosen)
            s.left_aside.push_back(describe_part(ckpt, "state_dict[\"" + (key2 ? *key2 : a.describe(k2)) + "\"]", v2));
        }
        continue;
      }
      s.left_aside.push_back(describe_part(ckpt, name, v));
    }
  return s;
}

CheckpointWeights::CheckpointWeights(const TorchCheckpoint& ckpt, StateDictSelection selection)
    : ckpt_(ckpt), selection_(std::move(selection)) {
  for (const auto& [name, i] : selection_.tensors) {
    const TorchTensor& t = ckpt.tensors()[static_cast<size_t>(i)];
    entries_.push_back({name, t.dtype, t.shape});
  }
}

std::vector<float> CheckpointWeights::read_float(size_t index) const {
  const auto& [name, i] = selection_.tensors[index];
  return ckpt_.read_float(ckpt_.tensors()[static_cast<size_t>(i)], name);
}

}  // namespace wfvae
