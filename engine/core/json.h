// A small strict JSON reader/writer for config.json, safetensors headers and the
// metrics/report files. Own implementation so the engine builds where no JSON
// package is installed (the GPU machine has only a compiler, CUDA and LibTorch).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wfvae::json {

class Value;
using Object = std::map<std::string, Value>;  // sorted keys: stable, diff-friendly output
using Array = std::vector<Value>;

class Value {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : type_(Type::Bool), bool_(b) {}
  Value(int v) : type_(Type::Number), num_(v) {}
  Value(int64_t v) : type_(Type::Number), num_(static_cast<double>(v)) {}
  Value(uint64_t v) : type_(Type::Number), num_(static_cast<double>(v)) {}
  Value(double v) : type_(Type::Number), num_(v) {}
  Value(const char* s) : type_(Type::String), str_(s) {}
  Value(std::string s) : type_(Type::String), str_(std::move(s)) {}
  Value(Array a);
  Value(Object o);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_number() const { return type_ == Type::Number; }
  // True when the number is finite, has no fractional part and is below 2^53 in
  // magnitude (so it converts to int64 exactly; 1e3 counts, 1.5 does not).
  bool is_integer() const;
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }

  // Accessors throw std::runtime_error on a type mismatch; callers that know the
  // source file wrap that into a message naming the file and key.
  bool as_bool() const;
  double as_number() const;
  int64_t as_int() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  bool contains(const std::string& key) const;
  const Value* find(const std::string& key) const;
  Value& operator[](const std::string& key);  // creates an object / member
  void push_back(Value v);                    // creates an array

  static const char* type_name(Type t);

 private:
  Type type_ = Type::Null;
  bool bool_ = false;
  double num_ = 0;
  std::string str_;
  std::shared_ptr<Array> arr_;
  std::shared_ptr<Object> obj_;
};

// The numbers of an array of numbers; nullopt when `v` is anything else (callers word
// the error: which file, which key).
std::optional<std::vector<double>> number_array(const Value& v);

// A JSON array of `items` (numbers, strings, booleans: whatever a Value is made from).
template <typename Range>
Value array_of(const Range& items) {
  Array a;
  for (const auto& x : items) a.emplace_back(x);
  return Value(std::move(a));
}

// Parses text as one JSON document. Throws ParseError with the byte offset and a
// short description ("expected ',' or '}' at offset 12").
struct ParseError : std::exception {
  std::string message;
  size_t offset = 0;
  const char* what() const noexcept override { return message.c_str(); }
};
Value parse(const std::string& text);

// indent < 0: compact. Non-finite numbers are written as null (JSON has no NaN).
std::string dump(const Value& v, int indent = -1);

}  // namespace wfvae::json
