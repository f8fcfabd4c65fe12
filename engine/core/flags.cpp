#include "core/flags.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "core/error.h"

namespace wfvae::flags {

std::optional<std::string> Args::get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::get_or(const std::string& flag, const std::string& fallback) const {
  auto v = get(flag);
  return v ? *v : fallback;
}

int Args::get_int(const std::string& flag, int fallback) const {
  auto v = get(flag);
  if (!v) return fallback;
  char* end = nullptr;
  errno = 0;
  long x = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0') fail_usage(flag + ": expected an integer, got \"" + *v + "\"");
  if (errno == ERANGE || x < INT_MIN || x > INT_MAX) fail_usage(flag + ": " + *v + " is out of range");
  return static_cast<int>(x);
}

double Args::get_double(const std::string& flag, double fallback) const {
  auto v = get(flag);
  if (!v) return fallback;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0') fail_usage(flag + ": expected a number, got \"" + *v + "\"");
  return x;
}

std::optional<std::string> Args::get_choice(const std::string& flag, const std::vector<std::string>& choices) const {
  auto v = get(flag);
  if (!v) return v;
  std::string list;
  for (const auto& c : choices) {
    if (*v == c) return v;
    list += (list.empty() ? "" : ", ") + c;
  }
  fail_usage(flag + ": \"" + *v + "\" is not one of " + list);
}

std::vector<std::string> Args::get_all(const std::string& flag) const {
  auto it = repeated_.find(flag);
  return it == repeated_.end() ? std::vector<std::string>{} : it->second;
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
}  // namespace

bool Args::get_size(const std::string& flag, int* h, int* w) const {
  auto v = get(flag);
  if (!v) return false;
  const size_t x = v->find_first_of("xX");
  const int a = positive_int(v->substr(0, x));
  const int b = x == std::string::npos ? a : positive_int(v->substr(x + 1));
  if (a > 0 && b > 0) {
    *h = a;
    *w = b;
    return true;
  }
  fail_usage(flag + ": expected HxW with positive whole numbers (e.g. 256x256) or one number, got \"" + *v + "\"");
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
      if (f->metavar.empty()) {
        if (inline_value) fail_usage(f->name + " takes no value");
        a.values_[f->name] = "1";
      } else {
        if (!inline_value) {
          if (i + 1 >= argv.size()) fail_usage(f->name + " needs a value (" + f->metavar + ")");
          value = argv[++i];
        }
        // No flag takes an empty value: `-o ''` or `--norm-type ''` is a slip, not a choice.
        if (value.empty()) fail_usage(f->name + " needs a value (" + f->metavar + "), got an empty one");
        a.values_[f->name] = value;
        if (f->repeatable) a.repeated_[f->name].push_back(value);
      }
      continue;
    }
    a.positional.push_back(s);
  }
  if (a.help) return a;
  if (a.positional.size() < spec.min_positional) fail_usage("missing argument\nusage: " + spec.usage);
  if (a.positional.size() > spec.max_positional)
    fail_usage("too many arguments (\"" + a.positional[spec.max_positional] + "\")\nusage: " + spec.usage);
  return a;
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
      if (!f.metavar.empty()) left += " " + f.metavar;
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
