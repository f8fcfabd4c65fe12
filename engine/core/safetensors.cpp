#include "core/safetensors.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/fileutil.h"
#include "core/half.h"
#include "core/host_tensor.h"
#include "core/json.h"

namespace wfvae {

namespace {
struct DTypeInfo {
  StDType t;
  const char* name;
  size_t size;
};
const DTypeInfo kDTypes[] = {
    {StDType::BOOL, "BOOL", 1}, {StDType::U8, "U8", 1},           {StDType::I8, "I8", 1},
    {StDType::I16, "I16", 2},   {StDType::U16, "U16", 2},         {StDType::F16, "F16", 2},
    {StDType::BF16, "BF16", 2}, {StDType::I32, "I32", 4},         {StDType::U32, "U32", 4},
    {StDType::F32, "F32", 4},   {StDType::F64, "F64", 8},         {StDType::I64, "I64", 8},
    {StDType::U64, "U64", 8},   {StDType::F8_E4M3, "F8_E4M3", 1}, {StDType::F8_E5M2, "F8_E5M2", 1},
};
}  // namespace

const char* st_dtype_name(StDType t) {
  for (const auto& d : kDTypes)
    if (d.t == t) return d.name;
  return "?";
}
size_t st_dtype_size(StDType t) {
  for (const auto& d : kDTypes)
    if (d.t == t) return d.size;
  return 0;
}
bool st_dtype_from_name(const std::string& name, StDType* out) {
  for (const auto& d : kDTypes)
    if (name == d.name) {
      *out = d.t;
      return true;
    }
  return false;
}

int64_t StTensorEntry::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string StTensorEntry::shape_str() const { return shape_string(shape); }

namespace {

// Fails with "<prefix><what>": "<file>: " or "<file>: tensor '<name>': ".
struct Fail {
  std::string prefix;
  [[noreturn]] void operator()(const std::string& what) const { fail_input(prefix + what); }
};

// The JSON header (an object) after the 8-byte length; `*header_len` receives its length.
json::Value parse_header(const uint8_t* base, size_t file_size, const Fail& bad, uint64_t* header_len) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | base[i];
  if (n > SafetensorsReader::kMaxHeaderBytes)
    bad("header length " + std::to_string(n) + " bytes exceeds the " +
        std::to_string(SafetensorsReader::kMaxHeaderBytes >> 20) + " MB limit (corrupt or not a safetensors file)");
  if (n + 8 > file_size)
    bad("header length " + std::to_string(n) + " bytes runs past the end of the " + std::to_string(file_size) +
        "-byte file (truncated or not a safetensors file)");
  if (n < 2) bad("header length " + std::to_string(n) + " is too small for a JSON object");
  std::string header(reinterpret_cast<const char*>(base + 8), n);
  // Trailing spaces are padding; strip before strict parsing.
  while (!header.empty() && (header.back() == ' ' || header.back() == '\0')) header.pop_back();
  json::Value root;
  try {
    root = json::parse(header);
  } catch (const json::ParseError& e) {
    bad(std::string("header is not valid JSON: ") + e.what());
  }
  if (!root.is_object())
    bad("header is a JSON " + std::string(json::Value::type_name(root.type())) + ", expected an object");
  *header_len = n;
  return root;
}

void read_metadata(const json::Value& v, const Fail& bad, std::map<std::string, std::string>* metadata) {
  if (!v.is_object()) bad("__metadata__ is not an object");
  for (const auto& [k, mv] : v.as_object()) {
    if (!mv.is_string()) bad("__metadata__ value for '" + k + "' is not a string");
    (*metadata)[k] = mv.as_string();
  }
}

StDType entry_dtype(const json::Value& v, const Fail& tbad) {
  const json::Value* dt = v.find("dtype");
  if (!dt || !dt->is_string()) tbad("missing or non-string \"dtype\"");
  StDType t = StDType::F32;
  if (!st_dtype_from_name(dt->as_string(), &t)) {
    std::string known;
    for (const auto& d : kDTypes) known += std::string(known.empty() ? "" : ", ") + d.name;
    tbad("unknown dtype '" + dt->as_string() + "' (known: " + known + ")");
  }
  return t;
}

// One tensor's entry, checked against itself and the data section's size.
StTensorEntry parse_entry(const std::string& name, const json::Value& v, uint64_t data_size, const Fail& tbad) {
  if (!v.is_object()) tbad("entry is not an object");
  StTensorEntry e;
  e.name = name;
  e.dtype = entry_dtype(v, tbad);
  const json::Value* sh = v.find("shape");
  if (!sh || !sh->is_array()) tbad("missing or non-array \"shape\"");
  for (const auto& d : sh->as_array()) {
    if (!d.is_integer() || d.as_int() < 0) tbad("shape has a non-integer or negative dimension");
    e.shape.push_back(d.as_int());
  }
  const json::Value* off = v.find("data_offsets");
  if (!off || !off->is_array() || off->as_array().size() != 2 || !off->as_array()[0].is_integer() ||
      !off->as_array()[1].is_integer() || off->as_array()[0].as_int() < 0 || off->as_array()[1].as_int() < 0)
    tbad("\"data_offsets\" must be two non-negative integers [begin, end]");
  e.begin = static_cast<uint64_t>(off->as_array()[0].as_int());
  e.end = static_cast<uint64_t>(off->as_array()[1].as_int());
  if (e.end < e.begin)
    tbad("data_offsets end " + std::to_string(e.end) + " is before begin " + std::to_string(e.begin));
  // shape x dtype size must equal the byte range (overflow-safe: cap at file size).
  long double expect = st_dtype_size(e.dtype);
  for (auto d : e.shape) expect *= static_cast<long double>(d);
  if (expect != static_cast<long double>(e.end - e.begin))
    tbad("shape " + e.shape_str() + " x " + st_dtype_name(e.dtype) + " (" + std::to_string(st_dtype_size(e.dtype)) +
         " bytes) needs " + std::to_string(static_cast<unsigned long long>(expect)) + " bytes but data_offsets span " +
         std::to_string(e.end - e.begin));
  if (e.end > data_size)
    tbad("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
         "] run past the end of the data section (" + std::to_string(data_size) + " bytes; file truncated?)");
  return e;
}

// No two tensors may share bytes.
void check_no_overlap(const std::vector<StTensorEntry>& entries, const Fail& bad) {
  std::vector<const StTensorEntry*> by_begin;
  for (const auto& e : entries) by_begin.push_back(&e);
  std::sort(by_begin.begin(), by_begin.end(),
            [](auto* a, auto* b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
  for (size_t i = 1; i < by_begin.size(); ++i) {
    const auto* a = by_begin[i - 1];
    const auto* b = by_begin[i];
    if (b->begin < a->end && b->end > b->begin && a->end > a->begin)
      bad("tensors '" + a->name + "' [" + std::to_string(a->begin) + ", " + std::to_string(a->end) + ") and '" +
          b->name + "' [" + std::to_string(b->begin) + ", " + std::to_string(b->end) + ") overlap");
  }
}

// n little-endian values of type T at p, widened to float.
template <typename T, typename ToFloat>
void widen(const uint8_t* p, size_t n, float* out, ToFloat to_float) {
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, p + sizeof(T) * i, sizeof(T));
    out[i] = to_float(v);
  }
}

}  // namespace

SafetensorsReader::SafetensorsReader(const std::filesystem::path& path) : path_(path) {
  const Fail bad{path.string() + ": "};
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) bad("no such file");
  if (std::filesystem::is_directory(path, ec)) bad("is a folder, expected a .safetensors file");
  file_ = MappedFile(path, [&](uint64_t size, bool) {
    if (size < 8)
      bad("file is " + std::to_string(size) +
          " bytes, too short for a safetensors header (truncated or not a safetensors file)");
  });
  uint64_t header_len = 0;
  const json::Value root = parse_header(file_.data(), file_.size(), bad, &header_len);
  data_ = file_.data() + 8 + header_len;
  const uint64_t data_size = file_.size() - 8 - header_len;
  for (const auto& [name, v] : root.as_object()) {
    if (name == "__metadata__")
      read_metadata(v, bad, &metadata_);
    else
      entries_.push_back(parse_entry(name, v, data_size, Fail{bad.prefix + "tensor '" + name + "': "}));
  }
  check_no_overlap(entries_, bad);
  // Keep file order (by offset) so that reports read naturally.
  std::sort(entries_.begin(), entries_.end(),
            [](const auto& a, const auto& b) { return a.begin < b.begin || (a.begin == b.begin && a.name < b.name); });
  for (size_t i = 0; i < entries_.size(); ++i) index_[entries_[i].name] = i;
}

SafetensorsReader::~SafetensorsReader() = default;

const StTensorEntry* SafetensorsReader::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::vector<float> SafetensorsReader::read_float(const StTensorEntry& e) const {
  const size_t n = static_cast<size_t>(e.numel());
  std::vector<float> out(n);
  const uint8_t* p = data(e);
  switch (e.dtype) {
    case StDType::F32: std::memcpy(out.data(), p, n * 4); break;
    case StDType::F16: widen<uint16_t>(p, n, out.data(), f16_to_float); break;
    case StDType::BF16: widen<uint16_t>(p, n, out.data(), bf16_to_float); break;
    case StDType::F64: widen<double>(p, n, out.data(), [](double d) { return static_cast<float>(d); }); break;
    default:
      fail_input(path_.string() + ": tensor '" + e.name + "' has dtype " + st_dtype_name(e.dtype) +
                 "; expected a floating-point tensor (F32, F16 or BF16)");
  }
  return out;
}

std::string SafetensorsReader::dominant_dtype() const {
  std::map<std::string, int64_t> bytes;
  for (const auto& e : entries_) bytes[st_dtype_name(e.dtype)] += static_cast<int64_t>(e.end - e.begin);
  std::string best = "none";
  int64_t most = -1;
  for (const auto& [k, v] : bytes)
    if (v > most) {
      most = v;
      best = k;
    }
  return best;
}

std::string serialize_safetensors(const std::vector<StTensorToWrite>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  json::Value header = json::Object{};
  uint64_t offset = 0;
  std::vector<uint64_t> sizes;
  for (const auto& t : tensors) {
    uint64_t nbytes = st_dtype_size(t.dtype);
    for (auto d : t.shape) nbytes *= static_cast<uint64_t>(d);
    json::Value entry = json::Object{};
    entry["dtype"] = st_dtype_name(t.dtype);
    entry["shape"] = json::array_of(t.shape);
    entry["data_offsets"] = json::Value(json::Array{json::Value(offset), json::Value(offset + nbytes)});
    header[t.name] = entry;
    offset += nbytes;
    sizes.push_back(nbytes);
  }
  if (!metadata.empty()) {
    json::Value md = json::Object{};
    for (const auto& [k, v] : metadata) md[k] = v;
    header["__metadata__"] = md;
  }
  std::string h = json::dump(header);
  while ((h.size() + 8) % 8 != 0) h += ' ';
  std::string out;
  out.reserve(8 + h.size() + offset);
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  out += h;
  // Tensors are laid out in the order given, matching the offsets above.
  for (size_t i = 0; i < tensors.size(); ++i) out.append(static_cast<const char*>(tensors[i].data), sizes[i]);
  return out;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<StTensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata, bool overwrite) {
  write_file_atomic(path, serialize_safetensors(tensors, metadata), overwrite);
}

}  // namespace wfvae
