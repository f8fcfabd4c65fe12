// A safe Python pickle reader: it builds a tree of plain values and never runs
// anything. It understands what `torch.save` state dicts are made of (dicts,
// OrderedDicts, lists, tuples, numbers, strings, bytes, None, persistent ids);
// every other class becomes an inert `Object` that names its class, so optimizer
// or sampler state of unknown types can be skipped without being constructed.
// Callables that would run code on load (os.system, eval, subprocess, ...) refuse
// the whole file: no state dict contains them, a malicious file does.
//
// Values live in an arena and refer to each other by index, so shared and even
// cyclic structures (the memo allows both) cost no ownership cycles; readers of
// the tree bound their depth.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace wfvae::pickle {

using Ref = int32_t;  // index into Arena::values

enum class Kind {
  None,
  Bool,
  Int,
  Float,
  String,  // unicode, and Python 2 byte strings (legacy torch files)
  Bytes,
  List,
  Tuple,
  Set,
  Dict,
  Global,   // a class or function named by GLOBAL / STACK_GLOBAL (not called)
  Object,   // an instance of `name` (REDUCE, NEWOBJ, BUILD of a non-data class)
  Storage,  // resolved by the caller's persistent_load (index in `index`)
  Tensor,   // built by the caller's reduce hook (index in `index`)
};

struct Value {
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;  // Int (LONG values beyond 64 bits are refused); Storage/Tensor: the caller's index
  double number = 0;
  std::string text;                       // String, Bytes; Global/Object: "module.name"
  std::vector<Ref> items;                 // List, Tuple, Set; Object: its arguments, then its BUILD state
  std::vector<std::pair<Ref, Ref>> dict;  // Dict, in insertion order
};

const char* kind_name(Kind k);

class Arena {
 public:
  // Refuses past this many values: a few thousand tensors plus optimizer state
  // need tens of thousands; a pickle that asks for more is hostile or broken.
  static constexpr size_t kMaxValues = 4u << 20;

  Ref add(Value v);
  const Value& operator[](Ref r) const { return values_[static_cast<size_t>(r)]; }
  Value& at(Ref r) { return values_[static_cast<size_t>(r)]; }
  size_t size() const { return values_.size(); }
  // The string of a String value, or nullptr.
  const std::string* string(Ref r) const;
  // The value of key `key` in Dict `dict` (string keys), or -1.
  Ref dict_get(Ref dict, const std::string& key) const;
  // Short description for messages: "dict of 212", "collections.OrderedDict", "int 3".
  std::string describe(Ref r) const;

 private:
  std::vector<Value> values_;
};

struct Hooks {
  // BINPERSID / PERSID: the persistent id (a tuple for torch) -> a value.
  std::function<Ref(Arena&, Ref pid)> persistent_load;
  // REDUCE / NEWOBJ of a Global named `callable` with argument tuple `args`: a value,
  // or -1 to keep an inert Object. May throw (a malformed torch tensor record).
  std::function<Ref(Arena&, const std::string& callable, Ref args)> reduce;
};

struct Limits {
  size_t max_stack = 8u << 20;  // values on the stack at once
  size_t max_marks = 1u << 16;  // nested MARKs
  size_t max_memo = 8u << 20;
};

// Runs one pickle from `data` (up to STOP). `source` names the file (and part) in
// every error, which is a BadInput Error. `consumed` receives the bytes read.
Ref load(const uint8_t* data, size_t size, Arena& arena, const Hooks& hooks, const std::string& source,
         size_t* consumed = nullptr, const Limits& limits = {});

// Why calling this global on load would be unsafe (a command, code evaluation,
// file or import access), or "" when it is an ordinary data class.
std::string dangerous_global(const std::string& module, const std::string& name);

}  // namespace wfvae::pickle
