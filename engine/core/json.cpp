#include "core/json.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace wfvae::json {

Value::Value(Array a) : type_(Type::Array), arr_(std::make_shared<Array>(std::move(a))) {}
Value::Value(Object o) : type_(Type::Object), obj_(std::make_shared<Object>(std::move(o))) {}

const char* Value::type_name(Type t) {
  switch (t) {
    case Type::Null: return "null";
    case Type::Bool: return "boolean";
    case Type::Number: return "number";
    case Type::String: return "string";
    case Type::Array: return "array";
    case Type::Object: return "object";
  }
  return "?";
}

static std::runtime_error mismatch(const char* want, Value::Type got) {
  return std::runtime_error(std::string("expected ") + want + ", found " + Value::type_name(got));
}

bool Value::is_integer() const {
  return type_ == Type::Number && std::isfinite(num_) && num_ == std::floor(num_) &&
         std::fabs(num_) < 9.007199254740992e15;
}
bool Value::as_bool() const {
  if (type_ != Type::Bool) throw mismatch("a boolean", type_);
  return bool_;
}
double Value::as_number() const {
  if (type_ != Type::Number) throw mismatch("a number", type_);
  return num_;
}
int64_t Value::as_int() const {
  if (!is_integer())
    throw type_ == Type::Number ? std::runtime_error("expected an integer, found " + dump(*this))
                                : mismatch("an integer", type_);
  return static_cast<int64_t>(num_);
}
const std::string& Value::as_string() const {
  if (type_ != Type::String) throw mismatch("a string", type_);
  return str_;
}
const Array& Value::as_array() const {
  if (type_ != Type::Array) throw mismatch("an array", type_);
  return *arr_;
}
const Object& Value::as_object() const {
  if (type_ != Type::Object) throw mismatch("an object", type_);
  return *obj_;
}
// The same checks; only the constness differs.
Array& Value::as_array() { return const_cast<Array&>(std::as_const(*this).as_array()); }
Object& Value::as_object() { return const_cast<Object&>(std::as_const(*this).as_object()); }
bool Value::contains(const std::string& key) const { return find(key) != nullptr; }
const Value* Value::find(const std::string& key) const {
  if (type_ != Type::Object) return nullptr;
  auto it = obj_->find(key);
  return it == obj_->end() ? nullptr : &it->second;
}
Value& Value::operator[](const std::string& key) {
  if (type_ == Type::Null) {
    type_ = Type::Object;
    obj_ = std::make_shared<Object>();
  }
  return as_object()[key];
}
void Value::push_back(Value v) {
  if (type_ == Type::Null) {
    type_ = Type::Array;
    arr_ = std::make_shared<Array>();
  }
  as_array().push_back(std::move(v));
}

namespace {

// JSON's two-character escapes, for the reader and the writer alike. The writer
// uses only those marked `written`: '/' goes out as itself, and \b and \f as
// \u00XX like the other control characters.
struct Escape {
  char letter;  // after the backslash
  char value;
  bool written;
};
constexpr Escape kEscapes[] = {{'"', '"', true},   {'\\', '\\', true}, {'/', '/', false}, {'b', '\b', false},
                               {'f', '\f', false}, {'n', '\n', true},  {'r', '\r', true}, {'t', '\t', true}};

const Escape* escape_by_letter(char letter) {
  for (const Escape& e : kEscapes)
    if (e.letter == letter) return &e;
  return nullptr;
}

const Escape* escape_by_value(char value) {
  for (const Escape& e : kEscapes)
    if (e.value == value) return &e;
  return nullptr;
}

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  Value document() {
    skip_ws();
    Value v = value(0);
    skip_ws();
    if (pos_ != s_.size()) error("unexpected characters after the JSON value");
    return v;
  }

 private:
  const std::string& s_;
  size_t pos_ = 0;

  [[noreturn]] void error(const std::string& what) const {
    ParseError e;
    e.offset = pos_;
    e.message = what + " at offset " + std::to_string(pos_);
    throw e;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect_word(const char* w) {
    size_t n = std::strlen(w);
    if (s_.compare(pos_, n, w) != 0) error(std::string("invalid literal (expected '") + w + "')");
    pos_ += n;
  }

  Value value(int depth) {
    if (depth > 256) error("nesting too deep");
    if (pos_ >= s_.size()) error("unexpected end of input");
    char c = s_[pos_];
    switch (c) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return Value(string());
      case 't': expect_word("true"); return Value(true);
      case 'f': expect_word("false"); return Value(false);
      case 'n': expect_word("null"); return Value();
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        error(std::string("unexpected character '") + c + "'");
    }
  }

  // A '{...}' or '[...]': read_item() for each item, the items separated by ','.
  template <class ReadItem>
  void items(char close, ReadItem&& read_item) {
    ++pos_;  // '{' or '['
    skip_ws();
    if (eat(close)) return;
    while (true) {
      skip_ws();
      read_item();
      skip_ws();
      if (eat(',')) continue;
      if (eat(close)) break;
      error(std::string("expected ',' or '") + close + "'");
    }
  }

  Value object(int depth) {
    Object o;
    items('}', [&] {
      if (pos_ >= s_.size() || s_[pos_] != '"') error("expected a string key");
      std::string key = string();
      skip_ws();
      if (!eat(':')) error("expected ':'");
      skip_ws();
      Value v = value(depth + 1);
      if (o.count(key)) error("duplicate key \"" + key + "\"");
      o.emplace(std::move(key), std::move(v));
    });
    return Value(std::move(o));
  }

  Value array(int depth) {
    Array a;
    items(']', [&] { a.push_back(value(depth + 1)); });
    return Value(std::move(a));
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t hex4() {
    if (pos_ + 4 > s_.size()) error("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        error("bad hex digit in \\u escape");
    }
    return v;
  }

  std::string string() {
    ++pos_;  // '"'
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) error("unterminated string");
      char c = s_[pos_++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) error("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) error("unterminated escape");
      char e = s_[pos_++];
      if (const Escape* x = escape_by_letter(e)) {
        out += x->value;
      } else if (e == 'u') {
        uint32_t cp = hex4();
        if (cp >= 0xD800 && cp < 0xDC00) {
          if (!(eat('\\') && eat('u'))) error("unpaired surrogate");
          uint32_t lo = hex4();
          if (lo < 0xDC00 || lo >= 0xE000) error("bad low surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        append_utf8(out, cp);
      } else {
        error(std::string("bad escape '\\") + e + "'");
      }
    }
    return out;
  }

  Value number() {
    size_t start = pos_;
    eat('-');
    if (eat('0')) {
    } else if (pos_ < s_.size() && s_[pos_] >= '1' && s_[pos_] <= '9') {
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    } else {
      error("bad number");
    }
    if (eat('.')) {
      if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_]))) error("bad number");
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (!eat('+')) eat('-');
      if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_]))) error("bad number");
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    std::string tok = s_.substr(start, pos_ - start);
    double d = std::strtod(tok.c_str(), nullptr);
    return Value(d);
  }
};

void dump_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    if (c >= 0x20 && c != '"' && c != '\\') {  // most characters: no table look-up
      out += static_cast<char>(c);
    } else if (const Escape* x = escape_by_value(static_cast<char>(c)); x && x->written) {
      out += '\\';
      out += x->letter;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    }
  }
  out += '"';
}

void dump_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", d);
    out += buf;
    return;
  }
  // Shortest representation that round-trips.
  char buf[40];
  for (int prec = 6; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  out += buf;
}

void dump_value(std::string& out, const Value& v, int indent, int level) {
  auto newline = [&](int lvl) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (v.type()) {
    case Value::Type::Null: out += "null"; break;
    case Value::Type::Bool: out += v.as_bool() ? "true" : "false"; break;
    case Value::Type::Number: dump_number(out, v.as_number()); break;
    case Value::Type::String: dump_string(out, v.as_string()); break;
    case Value::Type::Array: {
      const auto& a = v.as_array();
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        newline(level + 1);
        dump_value(out, a[i], indent, level + 1);
      }
      if (!a.empty()) newline(level);
      out += ']';
      break;
    }
    case Value::Type::Object: {
      const auto& o = v.as_object();
      out += '{';
      bool first = true;
      for (const auto& [k, val] : o) {
        if (!first) out += ',';
        first = false;
        newline(level + 1);
        dump_string(out, k);
        out += indent < 0 ? ":" : ": ";
        dump_value(out, val, indent, level + 1);
      }
      if (!o.empty()) newline(level);
      out += '}';
      break;
    }
  }
}

}  // namespace

Value parse(const std::string& text) { return Parser(text).document(); }

std::optional<std::vector<double>> number_array(const Value& v) {
  if (!v.is_array()) return std::nullopt;
  std::vector<double> out;
  for (const auto& x : v.as_array()) {
    if (!x.is_number()) return std::nullopt;
    out.push_back(x.as_number());
  }
  return out;
}

std::string dump(const Value& v, int indent) {
  std::string out;
  dump_value(out, v, indent, 0);
  return out;
}

}  // namespace wfvae::json
