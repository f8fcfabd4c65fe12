#include "core/flags.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "core/error.h"

namespace wfvae::flags {

std::string FlagSpec::shown_metavar() const {
  if (choices.empty()) return metavar;
  std::string s;
  for (const auto& c : choices) s += (s.empty() ? "" : "|") + c;
  return s;
}

int to_int(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') fail_usage(flag + ": expected an integer, got \"" + v + "\"");
  if (errno == ERANGE || x < INT_MIN || x > INT_MAX) fail_usage(flag + ": " + v + " is out of range");
  return static_cast<int>(x);
}

double to_double(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') fail_usage(flag + ": expected a number, got \"" + v + "\"");
  return x;
}

namespace {
// A positive decimal integer that fits an int, the whole of `s`; 0 otherwise.
int positive_int(const std::string& s) {
  if (s.empty() || s.size() > 10) return 0;
  int64_t x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    x = x * 10 + (c - '0');
  }
  return x > 0 && x <= INT_MAX ? static_cast<int>(x) : 0;
}

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

// Checks `value` of flag `f` (the choices, the target's type) and writes it to the target.
void write_value(const FlagSpec& f, const std::string& value) {
  if (!f.choices.empty() && std::find(f.choices.begin(), f.choices.end(), value) == f.choices.end()) {
    std::string list;
    for (const auto& c : f.choices) list += (list.empty() ? "" : ", ") + c;
    fail_usage(f.name + ": \"" + value + "\" is not one of " + list);
  }
  // A switch sets a bool, a value goes anywhere else; functions take either (a bug otherwise).
  const bool for_switch = std::holds_alternative<bool*>(f.target);
  const bool for_value = !for_switch && !std::holds_alternative<std::monostate>(f.target) &&
                         !std::holds_alternative<std::function<void(const std::string&)>>(f.target);
  if ((for_switch && f.takes_value()) || (for_value && !f.takes_value()))
    throw std::logic_error(f.name + ": its target does not fit a " + (f.takes_value() ? "value" : "switch"));
  const std::string& n = f.name;
  std::visit(
      Overload{[](std::monostate) {}, [](bool* p) { *p = true; }, [&](int* p) { *p = to_int(n, value); },
               [&](double* p) { *p = to_double(n, value); }, [&](std::string* p) { *p = value; },
               [&](std::filesystem::path* p) { *p = value; }, [&](std::optional<int>* p) { *p = to_int(n, value); },
               [&](std::optional<double>* p) { *p = to_double(n, value); },
               [&](std::optional<std::string>* p) { *p = value; },
               [&](std::vector<std::string>* p) { p->push_back(value); },
               [&](Dims d) { to_dims(n, value, d.first, d.second); },
               [&](const std::function<void(const std::string&)>& fn) { fn(value); }},
      f.target);
}
}  // namespace

void to_dims(const std::string& flag, const std::string& v, int* first, int* second) {
  const size_t x = v.find_first_of("xX");
  const int a = positive_int(v.substr(0, x));
  const int b = x == std::string::npos ? a : positive_int(v.substr(x + 1));
  if (a > 0 && b > 0) {
    *first = a;
    *second = b;
    return;
  }
  fail_usage(flag + ": expected HxW with positive whole numbers (e.g. 256x256) or one number, got \"" + v + "\"");
}

Args parse(const CommandSpec& spec, const std::vector<std::string>& argv) {
  Args a;
  auto find = [&](const std::string& s) -> const FlagSpec* {
    for (const auto& f : spec.flags)
      if (f.name == s || (!f.alias.empty() && f.alias == s)) return &f;
    return nullptr;
  };
  bool only_positional = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (!only_positional && s == "--") {
      only_positional = true;
      continue;
    }
    if (!only_positional && (s == "--help" || s == "-h")) {
      a.help = true;
      continue;
    }
    if (!only_positional && s.size() > 1 && s[0] == '-' &&
        !(s.size() > 1 && std::isdigit(static_cast<unsigned char>(s[1])))) {
      std::string name = s, value;
      bool inline_value = false;
      size_t eq = s.find('=');
      if (s.rfind("--", 0) == 0 && eq != std::string::npos) {
        name = s.substr(0, eq);
        value = s.substr(eq + 1);
        inline_value = true;
      }
      const FlagSpec* f = find(name);
      // Messages name the flag only: the caller prefixes "wfvae COMMAND: ".
      if (!f)
        fail_usage("unknown option " + name + " (see " + spec.program + (spec.name.empty() ? "" : " " + spec.name) +
                   " --help)");
      if (!f->takes_value()) {
        if (inline_value) fail_usage(f->name + " takes no value");
        a.given_[f->name].push_back("");
      } else {
        if (!inline_value) {
          if (i + 1 >= argv.size()) fail_usage(f->name + " needs a value (" + f->shown_metavar() + ")");
          value = argv[++i];
        }
        // No flag takes an empty value: `-o ''` or `--norm-type ''` is a slip, not a choice.
        if (value.empty()) fail_usage(f->name + " needs a value (" + f->shown_metavar() + "), got an empty one");
        a.given_[f->name].push_back(value);
      }
      continue;
    }
    a.positional.push_back(s);
  }
  if (a.help) return a;
  if (a.positional.size() < spec.min_positional) fail_usage("missing argument\nusage: " + spec.usage);
  if (a.positional.size() > spec.max_positional)
    fail_usage("too many arguments (\"" + a.positional[spec.max_positional] + "\")\nusage: " + spec.usage);
  for (const auto& f : spec.flags) {
    auto it = a.given_.find(f.name);
    if (it == a.given_.end()) continue;
    if (f.keeps_every_value())
      for (const auto& v : it->second) write_value(f, v);
    else
      write_value(f, it->second.back());  // the last one wins
  }
  return a;
}

std::string command_line(const CommandSpec& spec, const Args& a, const std::vector<std::string>& leave_out) {
  auto quoted = [](const std::string& v) {
    if (!v.empty() && v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/=+%@") ==
                          std::string::npos)
      return v;
    std::string q = "'";
    for (char c : v) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  std::string s;
  auto add = [&](const std::string& word) { s += (s.empty() ? "" : " ") + word; };
  // The positional arguments first, as usage lines put them; after "--" at the end
  // when one of them looks like a flag.
  const bool dash = std::any_of(a.positional.begin(), a.positional.end(),
                                [](const std::string& p) { return !p.empty() && p[0] == '-'; });
  if (!dash)
    for (const auto& p : a.positional) add(quoted(p));
  for (const auto& f : spec.flags) {
    auto it = a.given_.find(f.name);
    if (it == a.given_.end() || std::count(leave_out.begin(), leave_out.end(), f.name)) continue;
    const size_t first = f.keeps_every_value() ? 0 : it->second.size() - 1;
    for (size_t i = first; i < it->second.size(); ++i) {
      add(f.name);
      if (f.takes_value()) add(quoted(it->second[i]));
    }
  }
  if (dash) {
    add("--");
    for (const auto& p : a.positional) add(quoted(p));
  }
  return s;
}

std::string help_text(const CommandSpec& spec) {
  std::ostringstream s;
  s << "usage: " << spec.usage << "\n\n" << spec.summary << "\n";
  if (!spec.description.empty()) s << "\n" << spec.description << "\n";
  if (!spec.flags.empty()) {
    std::string section = spec.flags.front().section.empty() ? "options:" : spec.flags.front().section;
    s << "\n" << section << "\n";
    for (const auto& f : spec.flags) {
      if (!f.section.empty() && f.section != section) {
        section = f.section;
        s << "\n" << section << "\n";
      }
      std::string left = "  " + f.name;
      if (!f.alias.empty()) left = "  " + f.alias + ", " + f.name;
      if (f.takes_value()) left += " " + f.shown_metavar();
      if (left.size() < 26)
        left.resize(26, ' ');
      else
        left += "\n" + std::string(26, ' ');
      s << left << f.help << "\n";
    }
    s << std::string("  -h, --help").append(26 - 12, ' ') << "show this help\n";
  }
  if (!spec.examples.empty()) s << "\nexamples:\n" << spec.examples;
  if (!spec.epilogue.empty()) s << "\n" << spec.epilogue;
  s << "\nexit codes: " << spec.exit_codes << "\n";
  return s.str();
}

}  // namespace wfvae::flags
