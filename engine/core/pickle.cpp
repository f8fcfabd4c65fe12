#include "core/pickle.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "core/error.h"

namespace wfvae::pickle {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Set: return "set";
    case Kind::Dict: return "dict";
    case Kind::Global: return "global";
    case Kind::Object: return "object";
    case Kind::Storage: return "storage";
    case Kind::Tensor: return "tensor";
  }
  return "?";
}

Ref Arena::add(Value v) {
  if (values_.size() >= kMaxValues)
    throw Error(ErrorKind::BadInput, "more than " + std::to_string(kMaxValues) + " values");
  values_.push_back(std::move(v));
  return static_cast<Ref>(values_.size() - 1);
}

const std::string* Arena::string(Ref r) const {
  if (r < 0 || static_cast<size_t>(r) >= values_.size() || values_[r].kind != Kind::String) return nullptr;
  return &values_[r].text;
}

Ref Arena::dict_get(Ref dict, const std::string& key) const {
  if (dict < 0 || static_cast<size_t>(dict) >= values_.size()) return -1;
  const Value& d = values_[dict];
  if (d.kind != Kind::Dict) return -1;
  for (const auto& [k, v] : d.dict)
    if (const std::string* s = string(k); s && *s == key) return v;
  return -1;
}

std::string Arena::describe(Ref r) const {
  if (r < 0 || static_cast<size_t>(r) >= values_.size()) return "nothing";
  const Value& v = values_[r];
  switch (v.kind) {
    case Kind::Dict: return "dict of " + std::to_string(v.dict.size());
    case Kind::List: return "list of " + std::to_string(v.items.size());
    case Kind::Tuple: return "tuple of " + std::to_string(v.items.size());
    case Kind::Global: return "class " + v.text;
    case Kind::Object: return v.text;
    case Kind::Int: return v.text.empty() ? "int " + std::to_string(v.integer) : "int (big)";
    case Kind::String: return "str \"" + v.text.substr(0, 40) + "\"";
    default: return kind_name(v.kind);
  }
}

std::string dangerous_global(const std::string& module, const std::string& name) {
  // Modules whose functions reach the shell, the file system, the interpreter or
  // the network: nothing a state dict holds.
  static const std::set<std::string> modules = {"os",
                                                "posix",
                                                "nt",
                                                "subprocess",
                                                "sys",
                                                "shutil",
                                                "socket",
                                                "importlib",
                                                "runpy",
                                                "pickle",
                                                "_pickle",
                                                "marshal",
                                                "ctypes",
                                                "code",
                                                "codeop",
                                                "pty",
                                                "webbrowser",
                                                "types",
                                                "multiprocessing",
                                                "signal",
                                                "threading",
                                                "asyncio",
                                                "tempfile",
                                                "glob",
                                                "commands",
                                                "popen2",
                                                "timeit",
                                                "cProfile",
                                                "profile",
                                                "pdb",
                                                "bdb",
                                                "inspect",
                                                "operator",
                                                "functools",
                                                "builtins.eval",
                                                "io",
                                                "_io",
                                                "urllib",
                                                "http",
                                                "ftplib",
                                                "smtplib",
                                                "telnetlib",
                                                "zipimport",
                                                "pkgutil",
                                                "site",
                                                "imp",
                                                "dill",
                                                "cloudpickle",
                                                "joblib",
                                                "yaml",
                                                "shelve",
                                                "dbm",
                                                "sqlite3",
                                                "gc",
                                                "weakref",
                                                "atexit"};
  const std::string top = module.substr(0, module.find('.'));
  if (modules.count(module) || modules.count(top)) return module + "." + name + " (module " + top + ")";
  if (module == "builtins" || module == "__builtin__") {
    // Constructors of plain data are harmless (and never called here anyway).
    static const std::set<std::string> data = {"set",   "frozenset", "bytearray", "list", "dict",   "tuple",
                                               "int",   "float",     "complex",   "str",  "bytes",  "bool",
                                               "slice", "range",     "object",    "long", "unicode"};
    if (!data.count(name)) return module + "." + name;
    return "";
  }
  if (module == "torch" && (name == "load" || name == "save")) return module + "." + name;
  static const std::set<std::string> torch_parts = {"torch.hub",
                                                    "torch.jit",
                                                    "torch.ops",
                                                    "torch._C",
                                                    "torch.classes",
                                                    "torch.package",
                                                    "torch.utils.cpp_extension",
                                                    "torch.serialization"};
  for (const auto& p : torch_parts)
    if (module == p || module.rfind(p + ".", 0) == 0) return module + "." + name;
  if (module == "numpy" && (name == "load" || name == "fromfile" || name == "loadtxt" || name == "genfromtxt"))
    return module + "." + name;
  return "";
}

namespace {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size, Arena& arena, const Hooks& hooks, const std::string& source,
         const Limits& limits)
      : p_(data), begin_(data), end_(data + size), arena_(arena), hooks_(hooks), source_(source), limits_(limits) {}

  Ref run() {
    for (;;) {
      if (p_ >= end_) fail("ends before its STOP opcode (truncated)");
      const size_t at = static_cast<size_t>(p_ - begin_);
      const uint8_t op = *p_++;
      try {
        if (step(op)) break;
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput || in_hook_) throw;
        std::string m = e.what();
        if (m.rfind(source_, 0) == 0) throw;
        fail(m + " (opcode 0x" + hex(op) + " at byte " + std::to_string(at) + ")");
      }
    }
    if (!marks_.empty()) fail("STOP with an open MARK");
    if (stack_.size() != 1) fail("STOP with " + std::to_string(stack_.size()) + " values on the stack (expected 1)");
    return stack_.back();
  }

  size_t consumed() const { return static_cast<size_t>(p_ - begin_); }
  // Whether the error in flight came from the caller's hook (it names its own file).
  bool failed_in_hook() const { return in_hook_; }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_input(source_ + ": " + what); }

  static std::string hex(uint8_t b) {
    const char* d = "0123456789abcdef";
    return {d[b >> 4], d[b & 15]};
  }

  const uint8_t* take(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_))
      fail("a record of " + std::to_string(n) + " bytes runs past the end (" + std::to_string(end_ - p_) +
           " bytes left; truncated or corrupt)");
    const uint8_t* q = p_;
    p_ += n;
    return q;
  }
  uint64_t le(int n) {
    const uint8_t* q = take(static_cast<uint64_t>(n));
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | q[i];
    return v;
  }
  std::string line() {
    const uint8_t* q = p_;
    while (q < end_ && *q != '\n') ++q;
    if (q >= end_) fail("a text argument has no end of line (truncated)");
    std::string s(reinterpret_cast<const char*>(p_), static_cast<size_t>(q - p_));
    p_ = q + 1;
    return s;
  }

  void push(Ref r) {
    if (stack_.size() >= limits_.max_stack) fail("stack deeper than " + std::to_string(limits_.max_stack));
    stack_.push_back(r);
  }
  Ref push_new(Value v) {
    Ref r = arena_.add(std::move(v));
    push(r);
    return r;
  }
  Ref pop() {
    if (stack_.size() <= floor()) fail("pops an empty stack");
    Ref r = stack_.back();
    stack_.pop_back();
    return r;
  }
  Ref& top() {
    if (stack_.size() <= floor()) fail("reads an empty stack");
    return stack_.back();
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<Ref> pop_mark() {
    if (marks_.empty()) fail("uses a MARK that was never set");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Ref> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }

  Ref make_int(int64_t v) {
    Value x;
    x.kind = Kind::Int;
    x.integer = v;
    return push_new(std::move(x));
  }
  void make_long(const uint8_t* q, size_t n) {
    Value x;
    x.kind = Kind::Int;
    if (n <= 8) {
      uint64_t v = 0;
      for (size_t i = n; i-- > 0;) v = (v << 8) | q[i];
      if (n > 0 && n < 8 && (q[n - 1] & 0x80)) v |= ~uint64_t{0} << (8 * n);  // sign-extend
      x.integer = static_cast<int64_t>(v);
    } else {
      x.text.assign(reinterpret_cast<const char*>(q), n);  // beyond 64 bits: raw two's complement
    }
    push_new(std::move(x));
  }
  Ref make_text(Kind k, const uint8_t* q, size_t n) {
    Value x;
    x.kind = k;
    x.text.assign(reinterpret_cast<const char*>(q), n);
    return push_new(std::move(x));
  }
  Ref make_text(Kind k, const std::string& s) {
    return make_text(k, reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  // A string or bytes value whose length comes first, in `width` little-endian bytes.
  void counted_text(Kind k, int width) {
    const uint64_t n = le(width);
    make_text(k, take(n), static_cast<size_t>(n));
  }
  // LONG1 / LONG4: a length in `width` bytes, then that many bytes of two's complement.
  void counted_long(int width) {
    const uint64_t n = le(width);
    make_long(take(n), static_cast<size_t>(n));
  }
  void make_bool(bool b) {
    Value x;
    x.kind = Kind::Bool;
    x.boolean = b;
    push_new(std::move(x));
  }
  Ref make_dict() {
    Value x;
    x.kind = Kind::Dict;
    return push_new(std::move(x));
  }
  Ref make_seq(Kind k, std::vector<Ref> items) {
    Value x;
    x.kind = k;
    x.items = std::move(items);
    return push_new(std::move(x));
  }

  Ref make_global(const std::string& module, const std::string& name) {
    if (module.empty() || name.empty()) fail("GLOBAL with an empty module or name");
    const std::string danger = dangerous_global(module, name);
    if (!danger.empty())
      fail("refused: the pickle calls " + danger +
           ", which would run code or touch files when loaded; a checkpoint never holds that (a malicious or "
           "non-weights file). Nothing was executed");
    Value x;
    x.kind = Kind::Global;
    x.text = module + "." + name;
    return push_new(std::move(x));
  }

  // REDUCE / NEWOBJ / OBJ / INST: nothing is called; the hook may build a known value.
  void call(Ref callable, Ref args) {
    const Value& c = arena_[callable];
    if (c.kind == Kind::Global && hooks_.reduce) {
      in_hook_ = true;
      Ref r = hooks_.reduce(arena_, c.text, args);
      in_hook_ = false;
      if (r >= 0) {
        push(r);
        return;
      }
    }
    Value x;
    x.kind = Kind::Object;
    x.text = c.kind == Kind::Global ? c.text : "the result of calling a " + std::string(kind_name(c.kind));
    x.items.push_back(args);
    push_new(std::move(x));
  }

  void set_items(Ref target, const std::vector<Ref>& kv) {
    if (kv.size() % 2) fail("SETITEMS with an odd number of values");
    Value& t = arena_.at(target);
    if (t.kind != Kind::Dict && t.kind != Kind::Object)
      fail(std::string("SETITEM on a ") + kind_name(t.kind) + " (expected a dict)");
    for (size_t i = 0; i < kv.size(); i += 2) arena_.at(target).dict.emplace_back(kv[i], kv[i + 1]);
  }
  void append_items(Ref target, const std::vector<Ref>& items, Kind want) {
    Value& t = arena_.at(target);
    if (t.kind != want && t.kind != Kind::Object)
      fail(std::string(want == Kind::Set ? "ADDITEMS" : "APPEND") + " to a " + kind_name(t.kind));
    for (Ref r : items) arena_.at(target).items.push_back(r);
  }

  void memo_put(uint64_t key) {
    if (memo_.size() >= limits_.max_memo && !memo_.count(key))
      fail("memo larger than " + std::to_string(limits_.max_memo));
    memo_[key] = top();
  }
  void memo_get(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail("memo key " + std::to_string(key) + " was never stored");
    push(it->second);
  }

  static int64_t parse_decimal(const std::string& s, bool* ok) {
    char* e = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &e, 10);
    *ok = !s.empty() && errno == 0 && (*e == 0 || (*e == 'L' && e[1] == 0));
    return v;
  }

  // The decimal argument of INT or LONG (`opname`), or a failure saying it is `what`.
  int64_t decimal_arg(const std::string& s, const char* opname, const char* what) {
    bool ok = false;
    const int64_t v = parse_decimal(s, &ok);
    if (!ok) fail(std::string(opname) + " argument \"" + s.substr(0, 40) + "\" " + what);
    return v;
  }
  // The decimal key of the text PUT or GET (`opname`).
  uint64_t memo_key(const char* opname) {
    bool ok = false;
    const int64_t k = parse_decimal(line(), &ok);
    if (!ok || k < 0) fail(std::string(opname) + " with a bad memo key");
    return static_cast<uint64_t>(k);
  }

  // Python's repr of a str in the text protocol: quoted, with backslash escapes.
  std::string unquote(const std::string& s) {
    if (s.size() < 2 || (s[0] != '\'' && s[0] != '"') || s.back() != s[0]) fail("STRING argument is not quoted");
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      char ch = s[i];
      if (ch != '\\' || i + 2 >= s.size()) {
        out += ch;
        continue;
      }
      char n = s[++i];
      switch (n) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'x':
          if (i + 2 < s.size()) {
            out += static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16));
            i += 2;
          }
          break;
        default: out += n;
      }
    }
    return out;
  }

  // One opcode; true at STOP. Each family's helper answers whether it knew `op`.
  bool step(uint8_t op) {
    if (op == '.') return true;  // STOP
    if (!(stack_op(op) || number_op(op) || text_op(op) || container_op(op) || object_op(op) || memo_op(op))) refuse(op);
    return false;
  }

  // PROTO, FRAME and the stack and its MARKs.
  bool stack_op(uint8_t op) {
    switch (op) {
      case 0x80: take(1); return true;  // PROTO
      case 0x95: take(8); return true;  // FRAME: a length hint only
      case '(':
        if (marks_.size() >= limits_.max_marks) fail("MARKs nested deeper than " + std::to_string(limits_.max_marks));
        marks_.push_back(stack_.size());
        return true;
      case '0': pop(); return true;
      case '1': pop_mark(); return true;
      case '2': push(top()); return true;
      default: return false;
    }
  }

  // None, booleans, integers and floats.
  bool number_op(uint8_t op) {
    switch (op) {
      case 'N': push_new(Value{}); return true;
      case 0x88:
      case 0x89: make_bool(op == 0x88); return true;
      case 'J': make_int(static_cast<int32_t>(static_cast<uint32_t>(le(4)))); return true;
      case 'K': make_int(static_cast<int64_t>(le(1))); return true;
      case 'M': make_int(static_cast<int64_t>(le(2))); return true;
      case 'I': {
        const std::string s = line();
        if (s == "00" || s == "01") {
          make_bool(s == "01");
          return true;
        }
        make_int(decimal_arg(s, "INT", "is not an integer"));
        return true;
      }
      case 'L': {
        const std::string s = line();
        make_int(decimal_arg(s, "LONG", "is not a 64-bit integer"));
        return true;
      }
      case 0x8a: counted_long(1); return true;
      case 0x8b: counted_long(4); return true;
      case 'F': {
        const std::string s = line();
        char* e = nullptr;
        Value x;
        x.kind = Kind::Float;
        x.number = std::strtod(s.c_str(), &e);
        if (s.empty() || *e) fail("FLOAT argument \"" + s.substr(0, 40) + "\" is not a number");
        push_new(std::move(x));
        return true;
      }
      case 'G': {
        const uint8_t* q = take(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | q[i];  // big-endian
        Value x;
        x.kind = Kind::Float;
        std::memcpy(&x.number, &bits, 8);
        push_new(std::move(x));
        return true;
      }
      default: return false;
    }
  }

  // Strings and bytes: text lines, or a little-endian length of 1, 4 or 8 bytes.
  bool text_op(uint8_t op) {
    switch (op) {
      case 'S': make_text(Kind::String, unquote(line())); return true;
      case 'V': make_text(Kind::String, line()); return true;
      case 'T': counted_text(Kind::String, 4); return true;  // BINSTRING: Python 2 str (legacy torch files' keys)
      case 'U': counted_text(Kind::String, 1); return true;
      case 'X': counted_text(Kind::String, 4); return true;
      case 0x8c: counted_text(Kind::String, 1); return true;
      case 0x8d: counted_text(Kind::String, 8); return true;
      case 'B': counted_text(Kind::Bytes, 4); return true;
      case 'C': counted_text(Kind::Bytes, 1); return true;
      case 0x8e:
      case 0x96: counted_text(Kind::Bytes, 8); return true;
      default: return false;
    }
  }

  // Lists, tuples, sets and dicts: building them and adding to them.
  bool container_op(uint8_t op) {
    switch (op) {
      case ']': make_seq(Kind::List, {}); return true;
      case 'l': make_seq(Kind::List, pop_mark()); return true;
      case ')': make_seq(Kind::Tuple, {}); return true;
      case 't': make_seq(Kind::Tuple, pop_mark()); return true;
      case 0x85:
      case 0x86:
      case 0x87: {
        const size_t n = static_cast<size_t>(op - 0x84);
        std::vector<Ref> items(n);
        for (size_t i = n; i-- > 0;) items[i] = pop();
        make_seq(Kind::Tuple, std::move(items));
        return true;
      }
      case 0x8f: make_seq(Kind::Set, {}); return true;
      case 0x91: make_seq(Kind::Set, pop_mark()); return true;
      case 0x90: {
        std::vector<Ref> items = pop_mark();
        append_items(top(), items, Kind::Set);
        return true;
      }
      case '}': make_dict(); return true;
      case 'd': {
        std::vector<Ref> kv = pop_mark();
        set_items(make_dict(), kv);
        return true;
      }
      case 'a': {
        Ref v = pop();
        append_items(top(), {v}, Kind::List);
        return true;
      }
      case 'e': {
        std::vector<Ref> items = pop_mark();
        append_items(top(), items, Kind::List);
        return true;
      }
      case 's': {
        Ref v = pop();
        Ref k = pop();
        set_items(top(), {k, v});
        return true;
      }
      case 'u': {
        std::vector<Ref> kv = pop_mark();
        set_items(top(), kv);
        return true;
      }
      default: return false;
    }
  }

  // Globals, calls (never run), BUILD and persistent ids.
  bool object_op(uint8_t op) {
    switch (op) {
      case 'c': {
        const std::string module = line();
        const std::string name = line();
        make_global(module, name);
        return true;
      }
      case 0x93: {
        Ref name = pop();
        Ref module = pop();
        const std::string* m = arena_.string(module);
        const std::string* n = arena_.string(name);
        if (!m || !n) fail("STACK_GLOBAL with a module or name that is not a string");
        make_global(*m, *n);
        return true;
      }
      case 'R':     // REDUCE: callable, args
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
        Ref args = pop();
        call(pop(), args);
        return true;
      }
      case 0x92: {  // NEWOBJ_EX: cls, args, kwargs
        pop();
        Ref args = pop();
        call(pop(), args);
        return true;
      }
      case 'o': {  // OBJ: MARK cls args...
        std::vector<Ref> items = pop_mark();
        if (items.empty()) fail("OBJ without a class");
        Ref cls = items.front();
        Ref args = arena_.add(Value{Kind::Tuple, false, 0, 0, {}, {items.begin() + 1, items.end()}, {}});
        call(cls, args);
        return true;
      }
      case 'i': {  // INST: module, name lines; MARK args...
        const std::string module = line();
        const std::string name = line();
        std::vector<Ref> items = pop_mark();
        Ref cls = make_global(module, name);
        pop();
        Ref args = arena_.add(Value{Kind::Tuple, false, 0, 0, {}, std::move(items), {}});
        call(cls, args);
        return true;
      }
      case 'b': {  // BUILD: state onto the object below it; a dict's attributes (_metadata) are dropped
        Ref state = pop();
        Value& t = arena_.at(top());
        if (t.kind == Kind::Object) t.items.push_back(state);
        return true;
      }
      case 'P': {
        Ref pid = make_text(Kind::String, line());
        pop();
        persistent(pid);
        return true;
      }
      case 'Q': persistent(pop()); return true;
      default: return false;
    }
  }

  // The memo: PUT / BINPUT / LONG_BINPUT / MEMOIZE and the GETs.
  bool memo_op(uint8_t op) {
    switch (op) {
      case 'p': memo_put(memo_key("PUT")); return true;
      case 'q': memo_put(le(1)); return true;
      case 'r': memo_put(le(4)); return true;
      case 0x94: memo_put(memo_.size()); return true;
      case 'g': memo_get(memo_key("GET")); return true;
      case 'h': memo_get(le(1)); return true;
      case 'j': memo_get(le(4)); return true;
      default: return false;
    }
  }

  // Opcodes no state dict needs, and bytes that are no opcode.
  [[noreturn]] void refuse(uint8_t op) {
    switch (op) {
      case 0x82:
      case 0x83:
      case 0x84: fail("uses the copyreg extension registry (EXT opcodes), which torch.save never writes");
      case 0x97:
      case 0x98: fail("uses out-of-band buffers (pickle protocol 5), which torch.save never writes");
      default: fail("unknown opcode 0x" + hex(op) + " (not a pickle, or a corrupt one)");
    }
  }

  void persistent(Ref pid) {
    if (!hooks_.persistent_load) fail("has a persistent id, which only torch.save files may have");
    in_hook_ = true;
    Ref r = hooks_.persistent_load(arena_, pid);
    in_hook_ = false;
    push(r);
  }

  const uint8_t* p_;
  const uint8_t* begin_;
  const uint8_t* end_;
  Arena& arena_;
  const Hooks& hooks_;
  const std::string& source_;
  const Limits limits_;
  std::vector<Ref> stack_;
  std::vector<size_t> marks_;
  std::map<uint64_t, Ref> memo_;
  bool in_hook_ = false;
};

}  // namespace

Ref load(const uint8_t* data, size_t size, Arena& arena, const Hooks& hooks, const std::string& source,
         size_t* consumed, const Limits& limits) {
  Reader r(data, size, arena, hooks, source, limits);
  Ref out;
  try {
    out = r.run();
  } catch (const Error& e) {
    const std::string m = e.what();
    if (r.failed_in_hook() || m.rfind(source, 0) == 0) throw;
    fail_input(source + ": " + m);
  }
  if (consumed) *consumed = r.consumed();
  return out;
}

}  // namespace wfvae::pickle
